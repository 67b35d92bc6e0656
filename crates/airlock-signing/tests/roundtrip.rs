//! Sign and verify in Rust alone: round trips on every curve, tampering,
//! wrong keys, coverage rules and malformed bundles (all clean errors).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use airlock_signing::{sign, verify, verify_bundle, verify_with, Mismatch, Options, SigningError, VerifierSpec};
use base64::Engine as _;
use common::{keys, model, write};
use std::path::Path;

fn spec(public: &str) -> VerifierSpec {
    VerifierSpec::PublicKey(public.as_bytes().to_vec())
}

fn coverage(e: SigningError) -> Vec<Mismatch> {
    match e {
        SigningError::Coverage(m) => m,
        other => panic!("expected a coverage error, got {other}"),
    }
}

#[test]
fn round_trip_on_every_curve_and_key_format() {
    for curve in ["p256", "p384", "p521"] {
        let k = keys(curve);
        for pem in [&k.pkcs8, &k.sec1] {
            let t = tempfile::tempdir().unwrap();
            let m = model(t.path());
            let out = t.path().join("model.sig");
            let s = sign(&m, pem.as_bytes(), &out, &Options::default()).unwrap();
            assert_eq!(s.files.len(), 8, "{curve}");
            let v = verify(&m, &out, &spec(&k.public)).unwrap();
            assert_eq!(v.signer, s.signer);
            let names: Vec<_> = v.files.iter().map(|f| f.name.as_str()).collect();
            // Path-component order, as model_signing sorts: "a/b" before "a-c".
            assert_eq!(
                names,
                [".hidden", "a/b", "a-c", "config.json", "empty", "model.safetensors", "sub/deeper/tok.json", "sub/w.bin"]
            );
            assert_eq!(v.excluded, [".git/HEAD", ".gitattributes"]);
            assert_eq!(v.model_name, "model");
        }
    }
}

#[test]
fn signature_inside_the_model_is_left_out() {
    let k = keys("p256");
    let t = tempfile::tempdir().unwrap();
    let m = model(t.path());
    let out = m.join("model.sig");
    sign(&m, k.pkcs8.as_bytes(), &out, &Options::default()).unwrap();
    let v = verify(&m, &out, &spec(&k.public)).unwrap();
    assert!(v.files.iter().all(|f| f.name != "model.sig"));
    assert!(v.signed_ignore_paths.contains(&"model.sig".to_string()));
    // Re-signing over an existing bundle in place still leaves it out.
    sign(&m, k.pkcs8.as_bytes(), &out, &Options::default()).unwrap();
    verify(&m, &out, &spec(&k.public)).unwrap();
}

#[test]
fn tampering_names_the_file() {
    let k = keys("p256");
    let t = tempfile::tempdir().unwrap();
    let m = model(t.path());
    let out = t.path().join("model.sig");
    sign(&m, k.pkcs8.as_bytes(), &out, &Options::default()).unwrap();

    let mut bytes = std::fs::read(m.join("model.safetensors")).unwrap();
    bytes[123_456] ^= 1;
    std::fs::write(m.join("model.safetensors"), &bytes).unwrap();
    let e = verify(&m, &out, &spec(&k.public)).unwrap_err();
    assert!(e.to_string().contains("model.safetensors"), "{e}");
    assert_eq!(coverage(e), [Mismatch::Changed("model.safetensors".into())]);
    bytes[123_456] ^= 1;
    std::fs::write(m.join("model.safetensors"), &bytes).unwrap();
    verify(&m, &out, &spec(&k.public)).unwrap();

    write(&m.join("sub"), "extra.py", "import os");
    assert_eq!(coverage(verify(&m, &out, &spec(&k.public)).unwrap_err()), [Mismatch::Unsigned("sub/extra.py".into())]);
    std::fs::remove_file(m.join("sub/extra.py")).unwrap();

    std::fs::remove_file(m.join("a/b")).unwrap();
    assert_eq!(coverage(verify(&m, &out, &spec(&k.public)).unwrap_err()), [Mismatch::Missing("a/b".into())]);
}

#[test]
fn vcs_metadata_only_at_the_top_is_left_out() {
    let k = keys("p256");
    let t = tempfile::tempdir().unwrap();
    let m = model(t.path());
    std::fs::create_dir_all(m.join("sub/.git")).unwrap();
    write(&m.join("sub/.git"), "config", "x");
    write(&m.join("sub"), ".gitignore", "x");
    let out = t.path().join("model.sig");
    let s = sign(&m, k.pkcs8.as_bytes(), &out, &Options::default()).unwrap();
    assert!(s.files.iter().any(|f| f.name == "sub/.git/config"));
    assert!(s.files.iter().any(|f| f.name == "sub/.gitignore"));
    // A change under the top-level .git does not matter; one under sub/.git does.
    write(&m.join(".git"), "index", "changed");
    verify(&m, &out, &spec(&k.public)).unwrap();
    write(&m.join("sub/.git"), "config", "y");
    assert_eq!(coverage(verify(&m, &out, &spec(&k.public)).unwrap_err()), [Mismatch::Changed("sub/.git/config".into())]);
}

#[test]
fn wrong_key_and_wrong_curve_fail() {
    let k = keys("p256");
    let t = tempfile::tempdir().unwrap();
    let m = model(t.path());
    let out = t.path().join("model.sig");
    sign(&m, k.pkcs8.as_bytes(), &out, &Options::default()).unwrap();
    for other in [keys("p256"), keys("p384"), keys("p521")] {
        let e = verify(&m, &out, &spec(&other.public)).unwrap_err();
        assert!(matches!(e, SigningError::KeyMismatch { .. }), "{e}");
    }
    // Without the hint the signature itself is checked.
    let json = std::fs::read_to_string(&out).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
    v["verificationMaterial"]["publicKey"] = serde_json::json!({});
    let stripped = serde_json::to_vec(&v).unwrap();
    verify_bundle(&stripped, &spec(&k.public)).unwrap();
    for other in [keys("p256"), keys("p384")] {
        let e = verify_bundle(&stripped, &spec(&other.public)).unwrap_err();
        assert!(matches!(e, SigningError::BadSignature | SigningError::Bundle(_)), "{e}");
    }
    let e = verify(&m, &out, &spec("not a key")).unwrap_err();
    assert!(matches!(e, SigningError::Key(_)), "{e}");
    let e = verify(&m, &out, &VerifierSpec::Certificate(k.public.clone().into_bytes())).unwrap_err();
    assert!(matches!(e, SigningError::WrongMethod { .. }), "{e}");
}

fn signed_bundle() -> (tempfile::TempDir, serde_json::Value, common::Keys) {
    let k = keys("p256");
    let t = tempfile::tempdir().unwrap();
    let m = model(t.path());
    let out = t.path().join("model.sig");
    sign(&m, k.pkcs8.as_bytes(), &out, &Options::default()).unwrap();
    let v = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    (t, v, k)
}

fn expect_bundle_error(v: &serde_json::Value, k: &common::Keys, what: &str) {
    let bytes = serde_json::to_vec(v).unwrap();
    match verify_bundle(&bytes, &spec(&k.public)) {
        Err(SigningError::Bundle(_) | SigningError::BadSignature | SigningError::Unsupported(_)) => {}
        Err(e) => panic!("{what}: unexpected error kind {e:?}"),
        Ok(_) => panic!("{what}: accepted"),
    }
}

#[test]
fn malformed_bundles_are_clean_errors() {
    let (_t, good, k) = signed_bundle();
    let bytes = serde_json::to_vec(&good).unwrap();
    verify_bundle(&bytes, &spec(&k.public)).unwrap();
    for cut in [0, 1, 10, bytes.len() / 2, bytes.len() - 1] {
        assert!(verify_bundle(&bytes[..cut], &spec(&k.public)).is_err());
    }
    let e64 = base64::engine::general_purpose::STANDARD;
    let payload = e64.decode(good["dsseEnvelope"]["payload"].as_str().unwrap()).unwrap();
    let statement: serde_json::Value = serde_json::from_slice(&payload).unwrap();

    let mut cases: Vec<(&str, serde_json::Value)> = Vec::new();
    let mut v = good.clone();
    v["mediaType"] = "application/vnd.dev.sigstore.bundle.v0.2+json".into();
    cases.push(("media type", v));
    let mut v = good.clone();
    v["dsseEnvelope"]["payloadType"] = "application/json".into();
    cases.push(("payload type", v));
    let mut v = good.clone();
    v["dsseEnvelope"]["payload"] = "%%%not base64%%%".into();
    cases.push(("payload base64", v));
    let mut v = good.clone();
    v["dsseEnvelope"]["signatures"][0]["sig"] = "!!".into();
    cases.push(("sig base64", v));
    let mut v = good.clone();
    let sig = v["dsseEnvelope"]["signatures"][0].clone();
    v["dsseEnvelope"]["signatures"] = serde_json::json!([sig.clone(), sig]);
    cases.push(("two signatures", v));
    let mut v = good.clone();
    v["dsseEnvelope"]["signatures"] = serde_json::json!([]);
    cases.push(("no signature", v));
    let mut v = good.clone();
    v["dsseEnvelope"]["signatures"][0]["sig"] = e64.encode(b"0\x06\x02\x01\x01\x02\x01\x01").into();
    cases.push(("wrong signature", v));
    let mut v = good.clone();
    v.as_object_mut().unwrap().remove("dsseEnvelope");
    cases.push(("no envelope", v));
    let mut v = good.clone();
    v["verificationMaterial"] = serde_json::json!({});
    cases.push(("no material", v));
    let mut v = good.clone();
    v["dsseEnvelope"]["payload"] = e64.encode(b"{\"_type\": 1}").into();
    cases.push(("changed payload", v));
    for (what, v) in &cases {
        expect_bundle_error(v, k_ref(&k), what);
    }
    // Statements that are well signed but wrong inside.
    let key = airlock_signing::PrivateKey::from_pem(&k.pkcs8).unwrap();
    let resign = |st: &serde_json::Value| -> serde_json::Value {
        let p = serde_json::to_vec(st).unwrap();
        let sig = key.sign_der(&airlock_signing::bundle::pae(&p));
        let mut v = good.clone();
        v["dsseEnvelope"]["payload"] = e64.encode(&p).into();
        v["dsseEnvelope"]["signatures"][0]["sig"] = e64.encode(sig).into();
        v
    };
    assert!(verify_bundle(&serde_json::to_vec(&resign(&statement)).unwrap(), &spec(&k.public)).is_ok());
    let mut edits: Vec<(&str, serde_json::Value)> = Vec::new();
    let mut s = statement.clone();
    s["predicateType"] = "https://example.com/other".into();
    edits.push(("predicate type", s));
    let mut s = statement.clone();
    s["_type"] = "https://in-toto.io/Statement/v0.1".into();
    edits.push(("statement type", s));
    let mut s = statement.clone();
    s["predicate"]["resources"][0]["digest"] = "00".repeat(32).into();
    edits.push(("subject digest mismatch", s));
    let mut s = statement.clone();
    s["predicate"]["resources"][0]["digest"] = "zz".into();
    edits.push(("bad hex", s));
    let mut s = statement.clone();
    s["predicate"]["resources"][0]["name"] = "../escape".into();
    edits.push(("dotdot name", s));
    let mut s = statement.clone();
    s["predicate"]["resources"][0]["name"] = "/abs".into();
    edits.push(("absolute name", s));
    let mut s = statement.clone();
    s["predicate"]["serialization"]["method"] = "shards".into();
    edits.push(("shards", s));
    let mut s = statement.clone();
    s["predicate"]["serialization"]["hash_type"] = "blake3".into();
    edits.push(("blake3", s));
    let mut s = statement.clone();
    let first = s["predicate"]["resources"][0].clone();
    s["predicate"]["resources"].as_array_mut().unwrap().push(first);
    edits.push(("duplicate resource", s));
    let mut s = statement.clone();
    let sub = s["subject"][0].clone();
    s["subject"] = serde_json::json!([sub.clone(), sub]);
    edits.push(("two subjects", s));
    for (what, st) in &edits {
        expect_bundle_error(&resign(st), &k, what);
    }
}

fn k_ref(k: &common::Keys) -> &common::Keys {
    k
}

#[test]
fn signed_ignore_list_is_not_honoured() {
    let (t, good, k) = signed_bundle();
    let e64 = base64::engine::general_purpose::STANDARD;
    let payload = e64.decode(good["dsseEnvelope"]["payload"].as_str().unwrap()).unwrap();
    let mut st: serde_json::Value = serde_json::from_slice(&payload).unwrap();
    st["predicate"]["serialization"]["ignore_paths"] = serde_json::json!(["evil.pkl", "sub"]);
    let p = serde_json::to_vec(&st).unwrap();
    let key = airlock_signing::PrivateKey::from_pem(&k.pkcs8).unwrap();
    let mut v = good.clone();
    v["dsseEnvelope"]["payload"] = e64.encode(&p).into();
    v["dsseEnvelope"]["signatures"][0]["sig"] = e64.encode(key.sign_der(&airlock_signing::bundle::pae(&p))).into();
    let sig = t.path().join("ignore.sig");
    std::fs::write(&sig, serde_json::to_vec(&v).unwrap()).unwrap();
    let m = t.path().join("model");
    verify(&m, &sig, &spec(&k.public)).unwrap();
    write(&m, "evil.pkl", "cos\nsystem\n");
    let e = verify(&m, &sig, &spec(&k.public)).unwrap_err();
    assert_eq!(coverage(e), [Mismatch::Unsigned("evil.pkl".into())]);
}

#[test]
fn single_file_models() {
    let k = keys("p384");
    let t = tempfile::tempdir().unwrap();
    let f = write(t.path(), "model.gguf", "GGUF....");
    let out = t.path().join("model.gguf.sig");
    let s = sign(&f, k.sec1.as_bytes(), &out, &Options::default()).unwrap();
    assert_eq!(s.files[0].name, ".");
    let v = verify(&f, &out, &spec(&k.public)).unwrap();
    assert_eq!(v.model_name, "model.gguf");
    write(t.path(), "model.gguf", "GGUF...!");
    assert_eq!(coverage(verify(&f, &out, &spec(&k.public)).unwrap_err()), [Mismatch::Changed(".".into())]);
    // A directory bundle does not verify a file and the reverse.
    let m = model(t.path());
    assert!(verify(&m, &out, &spec(&k.public)).is_err());
}

#[cfg(unix)]
#[test]
fn symlinks_refused_unless_followed() {
    let k = keys("p256");
    let t = tempfile::tempdir().unwrap();
    // A Hugging Face cache layout: snapshot files are links into blobs/.
    let blobs = t.path().join("blobs");
    std::fs::create_dir_all(&blobs).unwrap();
    write(&blobs, "aaaa", "weights");
    write(&blobs, "bbbb", "{\"a\": 1}");
    let snap = t.path().join("snapshots/rev1");
    std::fs::create_dir_all(&snap).unwrap();
    std::os::unix::fs::symlink("../../blobs/aaaa", snap.join("model.safetensors")).unwrap();
    std::os::unix::fs::symlink("../../blobs/bbbb", snap.join("config.json")).unwrap();
    let out = t.path().join("snap.sig");
    let e = sign(&snap, k.pkcs8.as_bytes(), &out, &Options::default()).unwrap_err();
    assert!(matches!(e, SigningError::Symlink(ref n) if n == "config.json"), "{e}");
    let follow = Options { follow_symlinks: true, threads: 2 };
    sign(&snap, k.pkcs8.as_bytes(), &out, &follow).unwrap();
    let v = verify_with(&snap, &out, &spec(&k.public), &follow).unwrap();
    assert_eq!(v.files.len(), 2);
    assert!(matches!(verify(&snap, &out, &spec(&k.public)).unwrap_err(), SigningError::Symlink(_)));
    write(&blobs, "aaaa", "weightz");
    let e = verify_with(&snap, &out, &spec(&k.public), &follow).unwrap_err();
    assert_eq!(coverage(e), [Mismatch::Changed("model.safetensors".into())]);
    // A directory loop is refused, not followed forever.
    std::os::unix::fs::symlink("..", snap.join("up")).unwrap();
    assert!(sign(&snap, k.pkcs8.as_bytes(), &out, &follow).is_err());
}

#[test]
fn many_files_hash_in_parallel() {
    let k = keys("p256");
    let t = tempfile::tempdir().unwrap();
    let m = t.path().join("m");
    std::fs::create_dir_all(&m).unwrap();
    for i in 0..200 {
        std::fs::write(m.join(format!("f{i:03}")), vec![u8::try_from(i % 251).unwrap(); i * 1000]).unwrap();
    }
    let out = t.path().join("m.sig");
    for threads in [1, 3, 0] {
        let o = Options { follow_symlinks: false, threads };
        sign(&m, k.pkcs8.as_bytes(), &out, &o).unwrap();
        assert_eq!(verify_with(&m, &out, &spec(&k.public), &o).unwrap().files.len(), 200);
    }
    let _ = Path::new("");
}

#[test]
fn keyless_spec_refuses_key_bundles_and_garbage() {
    let (_t, good, k) = signed_bundle();
    let keyless = VerifierSpec::Keyless { identity: "a@example.com".into(), issuer: "https://issuer.example".into() };
    let e = verify_bundle(&serde_json::to_vec(&good).unwrap(), &keyless).unwrap_err();
    assert!(matches!(e, SigningError::WrongMethod { .. }), "{e}");
    // A certificate where Fulcio's would be, no transparency log: refused.
    let mut v = good.clone();
    v["verificationMaterial"] = serde_json::json!({"certificate": {"rawBytes": "MIIBAA=="}, "tlogEntries": []});
    let e = verify_bundle(&serde_json::to_vec(&v).unwrap(), &keyless).unwrap_err();
    assert!(matches!(e, SigningError::Keyless(_) | SigningError::Bundle(_)), "{e}");
    let _ = k;
}
