//! Helpers shared by the signing tests: keys made in Rust and small models.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use p256::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use rand_core::OsRng;
use std::path::{Path, PathBuf};

/// (private PKCS#8 PEM, private SEC1 PEM, public SPKI PEM)
pub struct Keys {
    pub pkcs8: String,
    pub sec1: String,
    pub public: String,
}

pub fn keys(curve: &str) -> Keys {
    macro_rules! mk {
        ($c:ident) => {{
            let k = $c::SecretKey::random(&mut OsRng);
            Keys {
                pkcs8: k.to_pkcs8_pem(LineEnding::LF).unwrap().to_string(),
                sec1: k.to_sec1_pem(LineEnding::LF).unwrap().to_string(),
                public: k.public_key().to_public_key_pem(LineEnding::LF).unwrap(),
            }
        }};
    }
    match curve {
        "p256" => mk!(p256),
        "p384" => mk!(p384),
        "p521" => mk!(p521),
        other => panic!("unknown curve {other}"),
    }
}

/// Writes `text` to `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// A small model: files at the top, in a subdirectory, names whose order
/// differs between string order and path-component order, and VCS metadata.
pub fn model(root: &Path) -> PathBuf {
    let m = root.join("model");
    std::fs::create_dir_all(m.join("sub/deeper")).unwrap();
    std::fs::create_dir_all(m.join("a")).unwrap();
    std::fs::create_dir_all(m.join(".git")).unwrap();
    std::fs::write(m.join("config.json"), b"{\"hidden_size\": 8}").unwrap();
    std::fs::write(m.join("model.safetensors"), vec![7u8; 300_000]).unwrap();
    std::fs::write(m.join("sub/deeper/tok.json"), b"{}").unwrap();
    std::fs::write(m.join("sub/w.bin"), b"\x00\x01\x02").unwrap();
    std::fs::write(m.join("a/b"), b"ab").unwrap();
    std::fs::write(m.join("a-c"), b"ac").unwrap();
    std::fs::write(m.join("empty"), b"").unwrap();
    std::fs::write(m.join(".hidden"), b"dotfile").unwrap();
    std::fs::write(m.join(".git/HEAD"), b"ref: refs/heads/main\n").unwrap();
    std::fs::write(m.join(".gitattributes"), b"*.bin filter=lfs\n").unwrap();
    m
}
