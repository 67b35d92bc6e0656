//! The production observer end to end: a real redactor and a real SQLite audit store.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;
use airlock_audit::{AuditStore, AuditWriter};
use airlock_config::Policy;
use airlock_gateway::observe::AuditObserver;
use common::*;
use serde_json::json;
use std::sync::Arc;

#[tokio::test]
async fn blocked_calls_and_redactions_reach_the_chained_audit_store() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("audit.db");
    let handle = AuditWriter::spawn(AuditStore::open(&db).unwrap());
    let redactor = airlock_redact::Redactor::new(&airlock_redact::RedactOptions::default()).unwrap();
    let observer = Arc::new(AuditObserver::new(Some(redactor), Some(handle.clone())));
    let (up, seen) = upstream(Script::AnthropicCall(SEED.into())).await;
    let ups: Vec<String> = vec![format!("anthropic={up}")];
    let gw = airlock_gateway::serve::build(&Policy::default(), &ups, observer).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(airlock_gateway::serve::serve(listener, Arc::new(gw), std::future::pending()));

    let key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\nQyNTUxOQAAACBJb2VkZXhhbXBsZWtleWZvcnRlc3RzMDAwMDAwMDAwMDAwMAAAAA==\n-----END OPENSSH PRIVATE KEY-----\n";
    let mut body = messages_body("claude-sonnet-4-5", true);
    body["messages"] = json!([
        {"role": "user", "content": "run the tests"},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t0", "content": format!("cat ~/.ssh/id_ed25519\n{key}")}]}
    ]);
    let text = reqwest::Client::new()
        .post(format!("http://{addr}/v1/messages"))
        .header("x-api-key", "sk-ant-api03-kept-as-is")
        .json(&body)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("EXF001") && !text.contains("toolu_1"));
    let sent = seen.lock().unwrap()[0].clone();
    assert!(!sent.2.contains("b3BlbnNzaC1rZXktdjEAAAAABG5vbmUA"), "the key left the machine");
    assert!(sent.2.contains("[REDACTED:"));
    assert!(sent.1.iter().any(|(k, v)| k == "x-api-key" && v == "sk-ant-api03-kept-as-is"));

    // The stream's report arrives when the response body is dropped; give it a moment.
    for _ in 0..100 {
        handle.flush().unwrap();
        if AuditStore::open(&db).unwrap().tail(10).unwrap().len() >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let rows = handle.shutdown().unwrap();
    assert_eq!(rows, 2);
    let store = AuditStore::open(&db).unwrap();
    let entries = store.tail(10).unwrap();
    let request = entries.iter().find(|e| e.record.kind == "request").unwrap();
    assert!(request.record.redactions >= 1);
    assert_eq!(request.record.provider.as_deref(), Some("anthropic"));
    let call = entries.iter().find(|e| e.record.kind == "tool_call").unwrap();
    assert_eq!(call.record.decision.as_deref(), Some("blocked"));
    assert!(call.record.rules.contains(&"EXF001".to_string()));
    assert_eq!(call.record.tool.as_deref(), Some("Bash"));
    assert!(store.verify().unwrap().ok());
}
