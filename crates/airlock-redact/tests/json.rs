//! Redaction of JSON documents: every string value at any depth, keys untouched,
//! strongly secret-named keys redacting their whole value, counts per kind.
#![allow(clippy::indexing_slicing)]

mod common;

use airlock_redact::{RedactOptions, Redactor};
use common::PEM_RSA;
use serde_json::{json, Value};

#[test]
fn walks_nested_arrays_and_objects() {
    let r = Redactor::default();
    let mut doc = json!({
        "model": "claude-sonnet-4-5",
        "max_tokens": 1024,
        "messages": [
            {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": "toolu_01", "content": format!("$ cat id_rsa\n{PEM_RSA}\n")},
                {"type": "text", "text": "export GITHUB_TOKEN=ghp_0a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R"}
            ]},
            {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_02", "name": "Bash",
              "input": {"command": "psql postgres://app:hunter2-prod@db/app", "env": {"DB_PASSWORD": "Zx9-kLm2-Qw"}}}]},
            [[["deep", {"deeper": ["AKIA2E0A8F3B244C9986"]}]]]
        ]
    });
    let summary = r.redact_json(&mut doc);
    let text = doc.to_string();
    for secret in ["MIIEowIBAAKCAQEAu1SU1", "ghp_0a1B2c3D4e5F", "hunter2-prod", "Zx9-kLm2-Qw", "AKIA2E0A8F3B244C9986"] {
        assert!(!text.contains(secret), "{secret} left in {text}");
    }
    assert_eq!(summary.total, 5, "{summary:?}");
    for kind in ["private-key", "github-token", "url-password", "password", "aws-access-key-id"] {
        assert_eq!(summary.by_kind.get(kind), Some(&1), "{kind}: {summary:?}");
    }
    // Keys and non-string values are untouched; the names stay beside their values.
    assert_eq!(doc["max_tokens"], 1024);
    assert_eq!(doc["messages"][1]["content"][0]["input"]["env"]["DB_PASSWORD"], "[REDACTED:password]");
    assert_eq!(doc["messages"][0]["content"][1]["text"], "export GITHUB_TOKEN=[REDACTED:github-token]");
    assert_eq!(doc["messages"][0]["content"][0]["content"], "$ cat id_rsa\n[REDACTED:private-key]\n");
    // Idempotent: the redacted document has nothing left to redact.
    let before = doc.clone();
    assert_eq!(r.redact_json(&mut doc).total, 0);
    assert_eq!(doc, before);
}

#[test]
fn pem_with_escaped_newlines_inside_a_string() {
    // A service-account JSON file read by a tool: the key's line breaks are `\n`
    // escapes inside the tool result's text (JSON inside JSON).
    let r = Redactor::default();
    let file = json!({"type": "service_account", "private_key": format!("{PEM_RSA}\n"), "client_id": "1234567890"}).to_string();
    assert!(file.contains("\\n"));
    let mut doc = json!({"content": file});
    let summary = r.redact_json(&mut doc);
    assert_eq!(summary.by_kind.get("private-key"), Some(&1), "{summary:?}");
    let inner: Value = serde_json::from_str(doc["content"].as_str().unwrap_or_default()).unwrap_or_default();
    assert_eq!(inner["private_key"], "[REDACTED:private-key]\n");
    assert_eq!(inner["client_id"], "1234567890");
    // The same file as a parsed object: the value redacted under its key.
    let mut parsed: Value = serde_json::from_str(&file).unwrap_or_default();
    r.redact_json(&mut parsed);
    assert_eq!(parsed["private_key"], "[REDACTED:private-key]\n");
}

#[test]
fn secret_named_keys_redact_real_values_only() {
    let r = Redactor::default();
    let mut doc = json!({
        "api_key": "9f8e7d6c5b4a",
        "client_secret": "changeme",
        "password": "",
        "token": null,
        "auth_token": "${AUTH_TOKEN}",
        "max_tokens": "4096",
        "tokenizer": "cl100k_base",
        "signature": "EqQBCkgIARABGAIiQL3zX9yHq2mWk8vN5cT7pR4sD6fG1hJ2kL3mN4bV5cX6zA7sD8fG9hJ0kL",
        "key": "user_42"
    });
    let summary = r.redact_json(&mut doc);
    assert_eq!(summary.total, 1, "{doc}");
    assert_eq!(doc["api_key"], "[REDACTED:secret]");
    assert_eq!(doc["client_secret"], "changeme");
    assert_eq!(doc["tokenizer"], "cl100k_base");
    assert!(doc["signature"].as_str().is_some_and(|s| s.starts_with("EqQB")));
}

#[test]
fn disabled_kinds_are_not_counted() {
    let r = Redactor::new(&RedactOptions { disabled: vec!["password".into(), "jwt".into()], ..Default::default() });
    let r = r.unwrap_or_default();
    let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.sflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
    let mut doc = json!({"password": "Zx9-kLm2-Qw", "t": jwt, "k": "AKIA2E0A8F3B244C9986"});
    let summary = r.redact_json(&mut doc);
    assert_eq!(summary.total, 1);
    assert_eq!(doc["password"], "Zx9-kLm2-Qw");
    assert_eq!(doc["t"], jwt);
}

#[test]
fn clean_document_is_unchanged() {
    let r = Redactor::default();
    let mut doc = json!({"messages": common::NEGATIVES, "n": 1, "ok": true});
    let before = doc.clone();
    let summary = r.redact_json(&mut doc);
    assert_eq!(summary.total, 0, "{doc}");
    assert_eq!(doc, before);
}

#[test]
fn clean_text_is_borrowed() {
    let r = Redactor::default();
    let body = json!({"messages": common::NEGATIVES}).to_string().repeat(50);
    let (out, found) = r.redact_str(&body);
    assert!(found.is_empty());
    assert!(matches!(out, std::borrow::Cow::Borrowed(_)));
}
