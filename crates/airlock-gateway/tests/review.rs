//! Cross-provider review end to end: a scripted Anthropic model plants the JWT hole through the
//! gateway (with the local JWT and credential rules allowed, standing for a hole the analyses miss), the audit store
//! says who wrote it, an Anthropic reviewer is refused, and a scripted OpenAI reviewer's finding
//! reaches the review on the planted line, with the change sent and its secret redacted.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;
use airlock_audit::{AuditStore, AuditWriter};
use airlock_config::Policy;
use airlock_gateway::observe::AuditObserver;
use airlock_review::{choose_reviewer, Change, Provenance, ReviewError, Reviewer};
use common::*;
use serde_json::json;
use std::sync::Arc;

const PLANTED: &str = "import jwt\n\nAWS_ACCESS_KEY_ID = \"AKIAQ3EGRT7KX4MZ2WPD\"\nPUBLIC_KEY = open(\"keys/pub.pem\").read()\n\n\ndef verify(token):\n    return jwt.decode(token, PUBLIC_KEY, algorithms=[\"RS256\", \"HS256\"])\n";

#[tokio::test]
async fn a_planted_hole_is_reviewed_by_another_provider() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("audit.db");
    let toml = format!(
        "[rules]\nJWT001 = \"allow\"\nCRD001 = \"allow\"\n\n[review]\ndefault = \"claude\"\n\
         [[review.reviewers]]\nname = \"claude\"\napi = \"anthropic\"\nmodel = \"claude-opus-4-1\"\n\
         [[review.reviewers]]\nname = \"gpt\"\napi = \"openai-compatible\"\nprovider = \"openai\"\nmodel = \"gpt-5\"\nbase_url = \"{}\"\n",
        "http://127.0.0.1:1"
    );
    let policy = Policy::from_toml(std::path::Path::new("airlock.toml"), &toml).unwrap();

    // The generator: one non-streaming Anthropic answer writing the file.
    let answer = json!({"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
        "content": [{"type": "tool_use", "id": "toolu_1", "name": "Write",
                     "input": {"file_path": "/home/dev/proj/app/auth.py", "content": PLANTED}}],
        "stop_reason": "tool_use", "usage": {"input_tokens": 1, "output_tokens": 1}});
    let (up, _) = upstream(Script::Json(answer)).await;
    let handle = AuditWriter::spawn(AuditStore::open(&db).unwrap());
    let observer = Arc::new(AuditObserver::new(None, Some(handle.clone())));
    let gw = airlock_gateway::serve::build(&policy, &[format!("anthropic={up}")], observer).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(airlock_gateway::serve::serve(listener, Arc::new(gw), std::future::pending()));
    let text = reqwest::Client::new()
        .post(format!("http://{addr}/v1/messages"))
        .json(&messages_body("claude-sonnet-4-5", false))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("toolu_1"), "the write passed the gateway: {text}");
    for _ in 0..100 {
        handle.flush().unwrap();
        if AuditStore::open(&db).unwrap().tail(10).unwrap().len() >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    handle.shutdown().unwrap();

    // Who wrote it.
    let change = Change::from_texts([("app/auth.py", None, PLANTED)], 20).unwrap();
    let summary = Provenance::load(&db).unwrap().summarize(&change);
    assert_eq!(summary.providers.iter().map(String::as_str).collect::<Vec<_>>(), ["anthropic"]);
    assert!(summary.unknown_lines.is_empty(), "{:?}", summary.unknown_lines);
    let origins = summary.origins_vec();
    let e = choose_reviewer(&policy.review, &origins, false, Some("claude")).unwrap_err();
    assert!(matches!(e, ReviewError::SameProvider(_)));
    assert!(e.to_string().contains("the change was written by anthropic (claude-sonnet-4-5)"), "{e}");
    let choice = choose_reviewer(&policy.review, &origins, false, None).unwrap();
    assert_eq!(choice.spec.name, "gpt");

    // The reviewer: a scripted OpenAI-style server.
    let finding = json!({"findings": [{"file": "app/auth.py", "line": 8, "end_line": null, "severity": "critical",
        "title": "JWT algorithm confusion", "explanation": "HS256 beside RS256 with the public key.",
        "suggested_fix": "algorithms=[\"RS256\"]", "cwe": "CWE-347"}]});
    let reply = json!({"choices": [{"index": 0, "message": {"role": "assistant", "content": finding.to_string()}, "finish_reason": "stop"}]});
    let (rev, seen) = upstream(Script::Json(reply)).await;
    let mut spec = choice.spec.clone();
    spec.base_url = Some(rev);
    let redactor = airlock_redact::Redactor::new(&airlock_redact::RedactOptions::default()).unwrap();
    let review = Reviewer::with_key(&spec, None, std::time::Duration::from_secs(10)).review(&change, &redactor).await.unwrap();
    assert_eq!(review.findings.len(), 1);
    let f = &review.findings[0];
    assert_eq!((f.file.as_str(), f.line, f.reviewer.provider.as_str()), ("app/auth.py", 8, "openai"));
    let sent = seen.lock().unwrap()[0].2.clone();
    assert!(sent.contains("algorithms=[\\\"RS256\\\", \\\"HS256\\\"]"), "{sent}");
    assert!(!sent.contains("AKIAQ3EGRT7KX4MZ2WPD"), "a secret reached the reviewer");
}
