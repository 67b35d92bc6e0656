//! `airlock models scan` on the stores people keep models in, built by the tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use sha2::{Digest, Sha256};
use std::fs;
use std::path::Path;
use std::process::{Command, Output};

const AIRLOCK: &str = env!("CARGO_BIN_EXE_airlock");

fn scan(args: &[&str]) -> (i32, String, serde_json::Value) {
    let out: Output = Command::new(AIRLOCK).args(["models", "scan"]).args(args).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    let json = Command::new(AIRLOCK).args(["models", "scan", "--json"]).args(args).output().unwrap();
    let v = serde_json::from_slice(&json.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&json.stdout)));
    assert_eq!(json.status.code(), out.status.code());
    (out.status.code().unwrap_or(-1), text, v)
}

fn sha(b: &[u8]) -> String {
    Sha256::digest(b).iter().map(|x| format!("{x:02x}")).collect()
}

/// A GGUF v3 file with one string key and no tensors.
fn tiny_gguf() -> Vec<u8> {
    let mut g = b"GGUF".to_vec();
    g.extend(3u32.to_le_bytes());
    g.extend(0u64.to_le_bytes());
    g.extend(1u64.to_le_bytes());
    let key = b"general.architecture";
    g.extend((key.len() as u64).to_le_bytes());
    g.extend(key);
    g.extend(8u32.to_le_bytes());
    g.extend(5u64.to_le_bytes());
    g.extend(b"llama");
    g
}

fn codes(v: &serde_json::Value) -> Vec<String> {
    let mut out = Vec::new();
    for r in v["reports"].as_array().unwrap() {
        for f in r["files"].as_array().unwrap() {
            for x in f["findings"].as_array().unwrap() {
                out.push(x["code"].as_str().unwrap().to_string());
            }
        }
        for t in r["tree"].as_array().unwrap() {
            out.push(t["code"].as_str().unwrap().to_string());
        }
    }
    out
}

fn ollama_store(root: &Path) -> Vec<(String, Vec<u8>)> {
    let layers = vec![
        ("application/vnd.ollama.image.model".to_string(), tiny_gguf()),
        ("application/vnd.ollama.image.template".to_string(), b"{{ .System }} {{ .Prompt }}".to_vec()),
        ("application/vnd.ollama.image.params".to_string(), br#"{"stop":["<|eot|>"]}"#.to_vec()),
    ];
    fs::create_dir_all(root.join("blobs")).unwrap();
    let man = root.join("manifests/registry.ollama.ai/library/tiny");
    fs::create_dir_all(&man).unwrap();
    let mut ls = Vec::new();
    for (mt, b) in &layers {
        fs::write(root.join(format!("blobs/sha256-{}", sha(b))), b).unwrap();
        ls.push(serde_json::json!({"mediaType": mt, "digest": format!("sha256:{}", sha(b)), "size": b.len()}));
    }
    let m = serde_json::json!({"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json", "layers": ls});
    fs::write(man.join("latest"), m.to_string()).unwrap();
    fs::write(man.join("other-tag"), m.to_string()).unwrap();
    layers.into_iter().map(|(m, b)| (sha(&b), m.into_bytes())).collect()
}

#[test]
fn ollama_store_blobs_must_match_their_manifest_digests() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("models");
    let layers = ollama_store(&root);
    let (code, text, v) = scan(&[root.to_str().unwrap()]);
    assert_eq!(v["reports"][0]["layout"], "ollama", "{v}");
    // Three layers, scanned once although two tags name them.
    assert_eq!(v["reports"][0]["files"].as_array().unwrap().len(), 3, "{v}");
    assert_eq!(code, 0, "{text}");
    // One byte of the template changed after download.
    let tpl = root.join(format!("blobs/sha256-{}", layers[1].0));
    fs::write(&tpl, "{{ .System }} {{ .Prompt }}!").unwrap();
    let (code, text, v) = scan(&[root.to_str().unwrap()]);
    assert_eq!(code, 2, "{text}");
    assert!(codes(&v).contains(&"MDL015".to_string()), "{text}");
    assert!(text.contains("changed after download"), "{text}");
    // A layer gone.
    fs::remove_file(&tpl).unwrap();
    let (code, text, v) = scan(&[root.to_str().unwrap()]);
    assert_eq!(code, 2, "{text}");
    assert!(codes(&v).contains(&"MDL014".to_string()), "{text}");
}

#[cfg(unix)]
#[test]
fn hugging_face_cache_snapshots_resolve_to_blobs_named_by_digest() {
    let t = tempfile::tempdir().unwrap();
    let repo = t.path().join("hub/models--acme--tiny");
    let config = br#"{"architectures": ["LlamaForCausalLM"], "model_type": "llama"}"#;
    fs::create_dir_all(repo.join("blobs")).unwrap();
    fs::create_dir_all(repo.join("snapshots/0123abcd")).unwrap();
    fs::create_dir_all(repo.join("refs")).unwrap();
    fs::write(repo.join("refs/main"), "0123abcd").unwrap();
    let blob = repo.join(format!("blobs/{}", sha(config)));
    fs::write(&blob, config).unwrap();
    std::os::unix::fs::symlink(format!("../../blobs/{}", sha(config)), repo.join("snapshots/0123abcd/config.json")).unwrap();
    let hub = t.path().join("hub");
    let (code, text, v) = scan(&[hub.to_str().unwrap()]);
    assert_eq!(v["reports"][0]["layout"], "hugging-face-cache", "{v}");
    assert_eq!(code, 0, "{text}");
    assert!(v["reports"][0]["files"][0]["path"].as_str().unwrap().contains("snapshots/0123abcd/config.json"), "{v}");
    fs::write(&blob, br#"{"architectures": ["LlamaForCausalLM"], "auto_map": {"AutoModel": "m.X"}}"#).unwrap();
    let (code, text, v) = scan(&[repo.to_str().unwrap()]);
    assert_eq!(code, 2, "{text}");
    let c = codes(&v);
    assert!(c.contains(&"MDL015".to_string()) && c.contains(&"MDL021".to_string()), "{text}");
}

#[test]
fn custom_code_in_a_model_folder_is_a_warning() {
    let t = tempfile::tempdir().unwrap();
    fs::write(t.path().join("config.json"), r#"{"auto_map": {"AutoModelForCausalLM": "modeling_x.XForCausalLM"}}"#).unwrap();
    fs::write(t.path().join("modeling_x.py"), "import torch\n").unwrap();
    fs::write(t.path().join("README.md"), "# Tiny\n").unwrap();
    let (code, text, v) = scan(&[t.path().to_str().unwrap()]);
    assert_eq!(code, 1, "{text}");
    let c = codes(&v);
    assert!(c.contains(&"MDL021".to_string()) && c.contains(&"MDL023".to_string()), "{text}");
    assert!(text.contains("modeling_x.XForCausalLM"), "{text}");
}

#[test]
fn a_missing_path_is_an_error_not_a_pass() {
    let out = Command::new(AIRLOCK).args(["models", "scan", "/nonexistent/model"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/model"));
}
