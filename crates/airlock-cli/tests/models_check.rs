//! `airlock models check`: a clean scan and a signature from a publisher airlock.toml trusts.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::fs;
use std::path::Path;
use std::process::Command;

const AIRLOCK: &str = env!("CARGO_BIN_EXE_airlock");

fn openssl(args: &[&str]) -> bool {
    Command::new("openssl").args(args).output().map(|o| o.status.success()).unwrap_or(false)
}

/// A P-256 key pair (PKCS#8 private, SPKI public) under `dir`, named `name`.
fn keypair(dir: &Path, name: &str) -> bool {
    let (sec1, pk8, public) = (dir.join(format!("{name}.ec")), dir.join(format!("{name}.key")), dir.join(format!("{name}.pub")));
    openssl(&["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", sec1.to_str().unwrap()])
        && openssl(&["pkcs8", "-topk8", "-nocrypt", "-in", sec1.to_str().unwrap(), "-out", pk8.to_str().unwrap()])
        && openssl(&["ec", "-in", sec1.to_str().unwrap(), "-pubout", "-out", public.to_str().unwrap()])
}

fn airlock(cwd: &Path, args: &[&str]) -> (i32, String) {
    let out = Command::new(AIRLOCK)
        .args(args)
        .current_dir(cwd)
        .env("HOME", cwd)
        .env("XDG_CONFIG_HOME", cwd.join("xdg"))
        .env("AIRLOCK_MANAGED_CONFIG", "/nonexistent")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn only_clean_models_signed_by_a_trusted_publisher_pass() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path();
    let keys = root.join("keys");
    fs::create_dir_all(&keys).unwrap();
    if !(keypair(&keys, "acme") && keypair(&keys, "stranger")) {
        eprintln!("SKIP: openssl could not make EC keys");
        return;
    }
    let model = root.join("tiny");
    fs::create_dir_all(&model).unwrap();
    fs::write(model.join("config.json"), r#"{"architectures": ["LlamaForCausalLM"]}"#).unwrap();
    fs::write(model.join("README.md"), "# tiny\n").unwrap();
    let m = model.to_str().unwrap();
    let sig = model.join("model.sig");

    // Unsigned: refused.
    fs::write(root.join("airlock.toml"), "[[models.publishers]]\nname = \"acme\"\npublic_key = \"keys/acme.pub\"\n").unwrap();
    let (code, text) = airlock(root, &["models", "check", m]);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("no signature") && text.contains("refused"), "{text}");

    // Signed by the trusted publisher: passes.
    let (code, text) = airlock(root, &["models", "sign", m, "--private-key", "keys/acme.key", "--output", sig.to_str().unwrap()]);
    assert_eq!(code, 0, "{text}");
    let (code, text) = airlock(root, &["models", "check", m]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("signed by trusted publisher \"acme\""), "{text}");

    // Signed by someone else: an unknown publisher is refused.
    let (code, text) = airlock(root, &["models", "sign", m, "--private-key", "keys/stranger.key", "--output", sig.to_str().unwrap()]);
    assert_eq!(code, 0, "{text}");
    let (code, text) = airlock(root, &["models", "check", m, "--json"]);
    assert_eq!(code, 2, "{text}");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    assert_eq!(v["signature"]["ok"], false);
    assert!(v["signature"]["message"].as_str().unwrap().contains("not signed by a trusted publisher"), "{v}");

    // Trusted signature, but a file added afterwards (a pickle that runs a command).
    airlock(root, &["models", "sign", m, "--private-key", "keys/acme.key", "--output", sig.to_str().unwrap()]);
    fs::write(model.join("extra.bin"), b"\x80\x02cposix\nsystem\nq\x00X\x02\x00\x00\x00idq\x01\x85q\x02Rq\x03.").unwrap();
    let (code, text) = airlock(root, &["models", "check", m]);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("extra.bin") && text.contains("not covered"), "{text}");
    assert!(text.contains("posix.system"), "{text}");

    // Without a publisher list nothing passes, even a good signature.
    fs::remove_file(model.join("extra.bin")).unwrap();
    fs::write(root.join("airlock.toml"), "").unwrap();
    let (code, text) = airlock(root, &["models", "check", m]);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("no trusted publishers"), "{text}");
}
