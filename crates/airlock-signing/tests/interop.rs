//! Interop with the `model-signing` Python package (1.1.1), both ways:
//! bundles it signs verify here (and tampering fails, naming the file), and
//! bundles airlock signs verify with `model_signing verify key`.
//!
//! The Python comes from `AIRLOCK_MODEL_SIGNING_PYTHON` or
//! `.e2e-cache/models-venv/bin/python` (made by `scripts/models-venv.sh`).
//! Without one the tests print `SKIP (reason)` and pass, except under `CI`,
//! where they fail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use airlock_signing::{sign, verify, Mismatch, Options, Signer, SigningError, VerifierSpec};
use common::{keys, model, write};
use std::path::{Path, PathBuf};
use std::process::Command;

fn python() -> Option<PathBuf> {
    let candidates: Vec<PathBuf> = match std::env::var_os("AIRLOCK_MODEL_SIGNING_PYTHON") {
        Some(p) => vec![PathBuf::from(p)],
        None => vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.e2e-cache/models-venv/bin/python")],
    };
    let mut why = Vec::new();
    for p in candidates {
        match Command::new(&p).args(["-c", "import model_signing, OpenSSL"]).output() {
            Ok(o) if o.status.success() => return Some(p),
            Ok(o) => why.push(format!("{}: {}", p.display(), String::from_utf8_lossy(&o.stderr).trim())),
            Err(e) => why.push(format!("{}: {e}", p.display())),
        }
    }
    let reason = format!(
        "no python with model_signing importable ({}); run scripts/models-venv.sh",
        why.join("; ")
    );
    if std::env::var_os("CI").is_some() {
        panic!("{reason}");
    }
    // Written to stderr directly, not through the test harness's capture, so
    // the line shows in a plain `cargo test` run.
    let _ = std::io::Write::write_all(&mut std::io::stderr(), format!("SKIP ({reason})\n").as_bytes());
    None
}

/// Runs `python -m model_signing ARGS`; returns (success, output).
fn ms(py: &Path, args: &[&str]) -> (bool, String) {
    let o = Command::new(py).arg("-m").arg("model_signing").args(args).output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    (o.status.success(), text)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The key as OpenSSL writes SEC1 (`BEGIN EC PRIVATE KEY`, with the curve
/// named), converted by Python's `cryptography`.
fn openssl_sec1(py: &Path, pkcs8: &str) -> String {
    let code = "import sys\nfrom cryptography.hazmat.primitives import serialization as s\n\
        k = s.load_pem_private_key(sys.stdin.buffer.read(), None)\n\
        sys.stdout.buffer.write(k.private_bytes(s.Encoding.PEM, s.PrivateFormat.TraditionalOpenSSL, s.NoEncryption()))";
    let mut child = Command::new(py)
        .args(["-c", code])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), pkcs8.as_bytes()).unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success());
    let pem = String::from_utf8(o.stdout).unwrap();
    assert!(pem.starts_with("-----BEGIN EC PRIVATE KEY-----"), "{pem}");
    pem
}

fn coverage(e: SigningError) -> Vec<Mismatch> {
    match e {
        SigningError::Coverage(m) => m,
        other => panic!("expected a coverage error, got {other}"),
    }
}

#[test]
fn python_signed_keys_verify_and_tampering_fails() {
    let Some(py) = python() else { return };
    for curve in ["p256", "p384", "p521"] {
        let t = tempfile::tempdir().unwrap();
        let k = keys(curve);
        let priv_pem = write(t.path(), "key.pem", &k.pkcs8);
        let spec = VerifierSpec::PublicKey(k.public.clone().into_bytes());
        let m = model(t.path());
        let sig = t.path().join("model.sig");
        let (ok, out) = ms(&py, &["sign", "key", s(&m), "--private_key", s(&priv_pem), "--signature", s(&sig)]);
        assert!(ok, "{curve}: {out}");
        let v = verify(&m, &sig, &spec).unwrap_or_else(|e| panic!("{curve}: {e}"));
        assert_eq!(v.files.len(), 8, "{curve}");
        assert!(matches!(v.signer, Signer::PublicKey { .. }));

        let target = m.join("model.safetensors");
        let mut bytes = std::fs::read(&target).unwrap();
        bytes[4242] ^= 0x80;
        std::fs::write(&target, &bytes).unwrap();
        let e = verify(&m, &sig, &spec).unwrap_err();
        assert!(e.to_string().contains("model.safetensors"), "{e}");
        assert_eq!(coverage(e), [Mismatch::Changed("model.safetensors".into())]);
        bytes[4242] ^= 0x80;
        std::fs::write(&target, &bytes).unwrap();

        write(&m.join("sub"), "added.pkl", "payload");
        assert_eq!(coverage(verify(&m, &sig, &spec).unwrap_err()), [Mismatch::Unsigned("sub/added.pkl".into())]);
        std::fs::remove_file(m.join("sub/added.pkl")).unwrap();

        std::fs::remove_file(m.join("config.json")).unwrap();
        assert_eq!(coverage(verify(&m, &sig, &spec).unwrap_err()), [Mismatch::Missing("config.json".into())]);
    }
}

#[test]
fn python_signed_sec1_key_signature_inside_and_single_file() {
    let Some(py) = python() else { return };
    let t = tempfile::tempdir().unwrap();
    let k = keys("p256");
    let priv_pem = write(t.path(), "key.pem", &openssl_sec1(&py, &k.pkcs8));
    let spec = VerifierSpec::PublicKey(k.public.clone().into_bytes());
    let m = model(t.path());
    let sig = m.join("model.sig");
    let (ok, out) = ms(&py, &["sign", "key", s(&m), "--private_key", s(&priv_pem), "--signature", s(&sig)]);
    assert!(ok, "{out}");
    let v = verify(&m, &sig, &spec).unwrap();
    assert!(v.signed_ignore_paths.contains(&"model.sig".to_string()));

    let f = m.join("model.safetensors");
    let fsig = t.path().join("file.sig");
    let (ok, out) = ms(&py, &["sign", "key", s(&f), "--private_key", s(&priv_pem), "--signature", s(&fsig)]);
    assert!(ok, "{out}");
    let v = verify(&f, &fsig, &spec).unwrap();
    assert_eq!(v.files[0].name, ".");
    assert_eq!(v.model_name, "model.safetensors");
}

#[test]
fn python_ignore_paths_are_not_honoured() {
    let Some(py) = python() else { return };
    let t = tempfile::tempdir().unwrap();
    let k = keys("p256");
    let priv_pem = write(t.path(), "key.pem", &k.pkcs8);
    let pub_pem = write(t.path(), "key.pub", &k.public);
    let m = model(t.path());
    write(&m, "notes.pkl", "loaded by an engine, left out by the signer");
    let sig = t.path().join("model.sig");
    let ignore = m.join("notes.pkl");
    let args = ["sign", "key", s(&m), "--private_key", s(&priv_pem), "--signature", s(&sig), "--ignore-paths", s(&ignore)];
    let (ok, out) = ms(&py, &args);
    assert!(ok, "{out}");
    // model_signing accepts the model (it honours the signed ignore list) ...
    let (ok, out) = ms(&py, &["verify", "key", s(&m), "--public_key", s(&pub_pem), "--signature", s(&sig)]);
    assert!(ok, "{out}");
    // ... airlock does not.
    let e = verify(&m, &sig, &VerifierSpec::PublicKey(k.public.into_bytes())).unwrap_err();
    assert_eq!(coverage(e), [Mismatch::Unsigned("notes.pkl".into())]);
}

#[test]
fn airlock_signed_verifies_with_model_signing() {
    let Some(py) = python() else { return };
    for (curve, sec1) in [("p256", false), ("p384", true), ("p521", false)] {
        let t = tempfile::tempdir().unwrap();
        let k = keys(curve);
        let pem = if sec1 { openssl_sec1(&py, &k.pkcs8) } else { k.pkcs8.clone() };
        let pub_pem = write(t.path(), "key.pub", &k.public);
        let m = model(t.path());
        for sig in [t.path().join("outside.sig"), m.join("model.sig")] {
            sign(&m, pem.as_bytes(), &sig, &Options::default()).unwrap();
            let (ok, out) = ms(&py, &["verify", "key", s(&m), "--public_key", s(&pub_pem), "--signature", s(&sig)]);
            assert!(ok, "{curve} {}: {out}", sig.display());
            assert!(!out.contains("WARNING"), "{out}");
        }
        // A change makes model_signing refuse it too.
        write(&m, "config.json", "{\"hidden_size\": 9}");
        let sig = t.path().join("outside.sig");
        let (ok, out) = ms(&py, &["verify", "key", s(&m), "--public_key", s(&pub_pem), "--signature", s(&sig)]);
        assert!(!ok, "{out}");
        assert!(out.contains("config.json"), "{out}");

        let f = m.join("model.safetensors");
        let fsig = t.path().join("file.sig");
        sign(&f, pem.as_bytes(), &fsig, &Options::default()).unwrap();
        let (ok, out) = ms(&py, &["verify", "key", s(&f), "--public_key", s(&pub_pem), "--signature", s(&fsig)]);
        assert!(ok, "{curve} single file: {out}");
    }
}

/// Makes a root CA (P-384), an intermediate (P-256) and a signing
/// certificate (P-256, digitalSignature) with Python's `cryptography`.
const MAKE_CERTS: &str = r#"
import datetime, sys
from cryptography import x509
from cryptography.x509.oid import NameOID, ExtendedKeyUsageOID
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
out = sys.argv[1]
now = datetime.datetime.now(datetime.timezone.utc)
def name(cn): return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
def cert(subject, key, issuer, issuer_key, ca, days=30):
    b = (x509.CertificateBuilder().subject_name(name(subject)).issuer_name(name(issuer))
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=days))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if ca:
        b = b.add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
    else:
        b = b.add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
        b = b.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), critical=False)
    return b.sign(issuer_key, hashes.SHA384() if ca else hashes.SHA256())
def pem(c): return c.public_bytes(serialization.Encoding.PEM)
root_k = ec.generate_private_key(ec.SECP384R1()); inter_k = ec.generate_private_key(ec.SECP256R1())
leaf_k = ec.generate_private_key(ec.SECP256R1()); other_k = ec.generate_private_key(ec.SECP256R1())
root = cert("Airlock Test Root", root_k, "Airlock Test Root", root_k, True)
inter = cert("Airlock Test Intermediate", inter_k, "Airlock Test Root", root_k, True)
leaf = cert("Model Publisher", leaf_k, "Airlock Test Intermediate", inter_k, False, days=10)
other = cert("Other Root", other_k, "Other Root", other_k, True)
open(out + "/root.pem", "wb").write(pem(root))
open(out + "/other.pem", "wb").write(pem(other))
open(out + "/inter.pem", "wb").write(pem(inter))
open(out + "/leaf.pem", "wb").write(pem(leaf))
open(out + "/leaf.key", "wb").write(leaf_k.private_bytes(serialization.Encoding.PEM,
    serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
"#;

#[test]
fn python_certificate_method_verifies() {
    let Some(py) = python() else { return };
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    let o = Command::new(&py).args(["-c", MAKE_CERTS, s(d)]).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let m = model(d);
    let sig = d.join("model.sig");
    let (leaf_key, leaf, inter, root_pem) = (d.join("leaf.key"), d.join("leaf.pem"), d.join("inter.pem"), d.join("root.pem"));
    let args = [
        "sign", "certificate", s(&m), "--private_key", s(&leaf_key), "--signing_certificate", s(&leaf),
        "--certificate_chain", s(&inter), "--certificate_chain", s(&root_pem), "--signature", s(&sig),
    ];
    let (ok, out) = ms(&py, &args);
    assert!(ok, "{out}");
    let (ok, out) = ms(&py, &["verify", "certificate", s(&m), "--signature", s(&sig), "--certificate_chain", s(&d.join("root.pem"))]);
    assert!(ok, "{out}");

    let root = std::fs::read(d.join("root.pem")).unwrap();
    let v = verify(&m, &sig, &VerifierSpec::Certificate(root.clone())).unwrap();
    match &v.signer {
        Signer::Certificate(c) => {
            assert_eq!(c.subject, "CN=Model Publisher");
            assert_eq!(c.issuer, "CN=Airlock Test Intermediate");
            assert_eq!(c.anchor, "CN=Airlock Test Root");
        }
        other => panic!("{other:?}"),
    }
    // The intermediate alone is trusted as an anchor too.
    verify(&m, &sig, &VerifierSpec::Certificate(std::fs::read(d.join("inter.pem")).unwrap())).unwrap();
    // Another root: refused.
    let e = verify(&m, &sig, &VerifierSpec::Certificate(std::fs::read(d.join("other.pem")).unwrap())).unwrap_err();
    assert!(matches!(e, SigningError::Certificate(_)), "{e}");
    // A key instead of a certificate: refused with a pointer to the right flag.
    let e = verify(&m, &sig, &VerifierSpec::PublicKey(keys("p256").public.into_bytes())).unwrap_err();
    assert!(matches!(e, SigningError::WrongMethod { .. }), "{e}");
    // Tampering still fails.
    write(&m, "a-c", "changed");
    assert_eq!(coverage(verify(&m, &sig, &VerifierSpec::Certificate(root)).unwrap_err()), [Mismatch::Changed("a-c".into())]);
}
