//! Request bodies reach the upstream byte for byte as before the borrowed scan: unchanged when
//! nothing is redacted, the redacted document when something is (escaped secrets included).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use airlock_config::Policy;
use airlock_gateway::observe::AuditObserver;
use airlock_redact::{RedactOptions, Redactor};
use common::{upstream, Script};
use serde_json::{json, Value};
use std::sync::Arc;

/// What the gateway sent before the scan: the body parsed, redacted, and re-serialized only when
/// something was replaced.
fn reference(r: &Redactor, raw: &str) -> String {
    let mut v: Value = serde_json::from_str(raw).unwrap();
    if r.redact_json(&mut v).total > 0 {
        v.to_string()
    } else {
        raw.to_string()
    }
}

#[tokio::test]
async fn forwarded_bodies_are_byte_identical_to_the_full_path() {
    let reply = json!({"id": "c1", "object": "chat.completion", "model": "gpt-4o-mini",
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "ok"}}]});
    let (up, seen) = upstream(Script::Json(reply)).await;
    let redactor = Redactor::new(&RedactOptions::default()).unwrap();
    let obs = Arc::new(AuditObserver::new(Some(Redactor::new(&RedactOptions::default()).unwrap()), None));
    let ups: Vec<String> = ["anthropic", "openai", "gemini"].iter().map(|n| format!("{n}={up}")).collect();
    let gw = airlock_gateway::serve::build(&Policy::default(), &ups, obs).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(airlock_gateway::serve::serve(listener, Arc::new(gw), std::future::pending()));

    let msg = |content: &str| json!({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": content}]}).to_string();
    let bodies = vec![
        msg("Run the test suite and tell me what fails."),
        "{ \"model\" : \"gpt-4o-mini\",\n  \"messages\": [{\"role\":\"user\",\"content\":\"spaced \\n out \\u00e9\"}] }".to_string(),
        msg("use ghp_0a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R please"),
        r#"{"model":"gpt-4o-mini","messages":[{"role":"user","content":"key \u0041KIA2E0A8F3B244C9986"}]}"#.to_string(),
        r#"{"model":"gpt-4o-mini","messages":[{"role":"user","content":"psql postgres:\/\/app:hunter2-prod@db\/app"}]}"#.to_string(),
        r#"{"model":"gpt-4o-mini","messages":[],"metadata":{"DB_PASSWORD":"Zx9-kLm2-Qw","note":"x"}}"#.to_string(),
        msg("-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n-----END RSA PRIVATE KEY-----"),
        r#"{"model":"x-old","model":"gpt-4o-mini","messages":[{"role":"user","content":"dup"}]}"#.to_string(),
        r#"{"model":"gpt-4o-mini","messages":[{"role":"user","content":"export API_TOKEN=abc123def456ghi789"}],"n":1.50}"#.to_string(),
        json!({"model": "gpt-4o-mini", "tools": [{"type": "function", "function": {"name": "bash",
            "description": "Run a shell command", "parameters": {"type": "object", "properties": {"command": {"type": "string"}}}}}],
            "messages": [{"role": "user", "content": "ü ñ 漢字 "}]}).to_string(),
    ];
    let client = reqwest::Client::new();
    for (i, b) in bodies.iter().enumerate() {
        let r = client.post(format!("http://{addr}/v1/chat/completions")).body(b.clone()).send().await.unwrap();
        assert_eq!(r.status(), 200, "body {i}: {}", r.text().await.unwrap());
        let sent = seen.lock().unwrap().last().unwrap().2.clone();
        assert_eq!(sent, reference(&redactor, b), "body {i}");
        if i == 0 || i == 1 || i == 9 {
            assert_eq!(&sent, b, "nothing to redact: the very bytes sent");
        } else if [2, 3, 4, 5, 6].contains(&i) {
            assert_ne!(&sent, b, "body {i} had a secret");
        }
    }
}
