//! `review_writes = "gateway"` end to end: a scripted Anthropic model writes the JWT hole through the
//! gateway (the local JWT and credential rules allowed, standing for a hole the analyses miss) and a
//! scripted OpenAI-style reviewer decides, before the agent sees the write, whether it passes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;
use common::*;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const PLANTED: &str = "import jwt\n\nAWS_ACCESS_KEY_ID = \"AKIAQ3EGRT7KX4MZ2WPD\"\nPUBLIC_KEY = open(\"keys/pub.pem\").read()\n\n\ndef verify(token):\n    return jwt.decode(token, PUBLIC_KEY, algorithms=[\"RS256\", \"HS256\"])\n";
const SECRET: &str = "AKIAQ3EGRT7KX4MZ2WPD";

fn policy(review_writes: &str, budget: u64, reviewer: &str) -> String {
    format!(
        "[rules]\nJWT001 = \"allow\"\nCRD001 = \"allow\"\n\n[review]\ndefault = \"claude\"\nreview_writes = \"{review_writes}\"\nwrite_budget_secs = {budget}\n\
         [[review.reviewers]]\nname = \"claude\"\napi = \"anthropic\"\nmodel = \"claude-opus-4-1\"\n\
         [[review.reviewers]]\nname = \"gpt\"\napi = \"openai-compatible\"\nprovider = \"openai\"\nmodel = \"gpt-5\"\nbase_url = \"{reviewer}\"\n"
    )
}

/// The generator's answer: one `Write` of the planted file.
fn write_answer(path: &str) -> Value {
    json!({"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
        "content": [{"type": "tool_use", "id": "toolu_1", "name": "Write", "input": {"file_path": path, "content": PLANTED}}],
        "stop_reason": "tool_use", "usage": {"input_tokens": 1, "output_tokens": 1}})
}

/// An OpenAI Chat answer whose message is `content`.
fn reviewer_says(content: &str) -> Value {
    json!({"choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}]})
}

fn findings(severity: &str) -> String {
    json!({"findings": [{"file": "PATH", "line": 8, "end_line": null, "severity": severity,
        "title": "JWT algorithm confusion", "explanation": "HS256 beside RS256 with the public key.",
        "suggested_fix": "algorithms=[\"RS256\"]", "cwe": "CWE-347"}]})
    .to_string()
}

/// Send the request through a gateway whose providers point at `up`; the answer's text and time.
async fn through(up: &str, toml: &str, stream: bool) -> (String, Duration, std::sync::Arc<Recorder>) {
    through_body(up, toml, messages_body("claude-sonnet-4-5", stream)).await
}

async fn through_body(up: &str, toml: &str, body: Value) -> (String, Duration, std::sync::Arc<Recorder>) {
    let (gw, rec) = gateway(up, toml).await;
    let started = Instant::now();
    let text = reqwest::Client::new()
        .post(format!("{gw}/v1/messages"))
        .json(&body)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let took = started.elapsed();
    for _ in 0..100 {
        if !rec.requests.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    (text, took, rec)
}

fn review_of(rec: &Recorder) -> Value {
    let reqs = rec.requests.lock().unwrap();
    reqs[0].calls[0].judgement.review.clone().unwrap_or(Value::Null)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_high_finding_blocks_the_write_and_the_reviewer_sees_the_change_not_the_secret() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("auth.py").display().to_string();
    let (rev, seen) = upstream(Script::Json(reviewer_says(&findings("high").replace("PATH", &path)))).await;
    let (up, _) = upstream(Script::Json(write_answer(&path))).await;
    let (text, _, rec) = through(&up, &policy("gateway", 30, &rev), false).await;
    let v: Value = serde_json::from_str(&text).unwrap();
    assert!(!text.contains("\"tool_use\""), "the write reached the agent: {text}");
    let notice = v["content"][0]["text"].as_str().unwrap();
    assert!(notice.starts_with("airlock blocked the `Write` tool call"), "{notice}");
    assert!(notice.contains("openai/gpt-5"), "{notice}");
    assert!(notice.contains(&format!("{path}:8: high JWT algorithm confusion")), "{notice}");
    assert_eq!(v["stop_reason"], "end_turn");
    let sent = &seen.lock().unwrap()[0].2;
    assert!(sent.contains("algorithms=[\\\"RS256\\\", \\\"HS256\\\"]"), "{sent}");
    assert!(!sent.contains(SECRET), "a secret reached the reviewer");
    let r = review_of(&rec);
    assert_eq!((r["outcome"].as_str(), r["reviewer"].as_str()), (Some("blocked"), Some("openai/gpt-5")), "{r}");
    assert_eq!(r["writer"], "anthropic/claude-sonnet-4-5");
    assert_eq!(r["findings"][0]["line"], 8);
    assert!(r["millis"].is_u64() && r["redactions"].as_u64().unwrap() >= 1, "{r}");
    assert!(rec.requests.lock().unwrap()[0].calls[0].judgement.blocked);
    // The analyses' own (non-blocking) findings first, then the review's rule.
    assert_eq!(rec.requests.lock().unwrap()[0].calls[0].judgement.rules.last().map(String::as_str), Some("GW002"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_finding_lets_the_streamed_write_through_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("auth.py").display().to_string();
    let (rev, seen) = upstream(Script::Json(reviewer_says("{\"findings\": []}"))).await;
    let events = write_events(&path);
    let (up, _) = upstream(Script::Raw(events.concat())).await;
    let (text, _, rec) = through(&up, &policy("gateway", 30, &rev), true).await;
    assert_eq!(text, events.concat(), "the stream changed");
    assert_eq!(seen.lock().unwrap().len(), 1);
    let r = review_of(&rec);
    assert_eq!(r["outcome"], "passed", "{r}");
    assert_eq!(r["findings"], json!([]));
    assert!(!rec.requests.lock().unwrap()[0].calls[0].judgement.blocked);
    assert!(!rec.requests.lock().unwrap()[0].calls[0].judgement.rules.iter().any(|r| r.starts_with("GW")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reviewer_slower_than_the_budget_blocks_within_the_budget() {
    let (rev, _) = upstream(Script::JsonAfter(reviewer_says("{\"findings\": []}"), Duration::from_secs(6))).await;
    let (up, _) = upstream(Script::Json(write_answer("/nonexistent/app/auth.py"))).await;
    let (text, took, rec) = through(&up, &policy("gateway", 1, &rev), false).await;
    assert!(took < Duration::from_millis(2500), "the gateway took {took:?} for a 1 s budget");
    assert!(!text.contains("\"tool_use\""), "{text}");
    assert!(text.contains("could not be completed (openai/gpt-5 did not answer within the 1 s budget)"), "{text}");
    assert_eq!(review_of(&rec)["outcome"], "failed");
    assert_eq!(rec.requests.lock().unwrap()[0].calls[0].judgement.rules.last().map(String::as_str), Some("GW003"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_review_blocks_the_write() {
    let (rev, _) = upstream(Script::Json(reviewer_says("Looks fine to me!"))).await;
    let (up, _) = upstream(Script::Json(write_answer("/nonexistent/app/auth.py"))).await;
    let (text, _, rec) = through(&up, &policy("gateway", 30, &rev), false).await;
    assert!(!text.contains("\"tool_use\""), "{text}");
    assert!(text.contains("could not be completed (malformed review from openai/gpt-5"), "{text}");
    let r = review_of(&rec);
    assert_eq!(r["outcome"], "failed");
    assert!(r["error"].as_str().unwrap().contains("malformed"), "{r}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn off_the_reviewer_is_never_called() {
    let (rev, seen) = upstream(Script::Json(reviewer_says(&findings("critical")))).await;
    let answer = write_answer("/nonexistent/app/auth.py");
    let (up, _) = upstream(Script::Json(answer.clone())).await;
    let (text, _, rec) = through(&up, &policy("off", 30, &rev), false).await;
    assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), answer);
    assert!(seen.lock().unwrap().is_empty(), "the reviewer was called with review_writes off");
    assert!(review_of(&rec).is_null());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_same_provider_reviewers_fail_closed() {
    let toml = "[rules]\nJWT001 = \"allow\"\nCRD001 = \"allow\"\n\n[review]\nreview_writes = \"gateway\"\n\
                [[review.reviewers]]\nname = \"claude\"\napi = \"anthropic\"\nmodel = \"claude-opus-4-1\"\nbase_url = \"http://127.0.0.1:1\"\n";
    let (up, _) = upstream(Script::Json(write_answer("/nonexistent/app/auth.py"))).await;
    let (text, _, _) = through(&up, toml, false).await;
    assert!(!text.contains("\"tool_use\""), "{text}");
    assert!(text.contains("the reviewer must be another provider"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relative_edit_is_reviewed_against_the_file_in_the_agents_working_directory() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("app")).unwrap();
    let old = "def verify(token):\n    return jwt.decode(token, PUBLIC_KEY, algorithms=[\"RS256\"])\n";
    std::fs::write(dir.path().join("app/auth.py"), format!("import jwt\nCONTEXT_MARKER = 1\n{old}")).unwrap();
    let answer = json!({"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
        "content": [{"type": "tool_use", "id": "toolu_1", "name": "Edit", "input": {"file_path": "app/auth.py",
            "old_string": "algorithms=[\"RS256\"]", "new_string": "algorithms=[\"RS256\", \"HS256\"]"}}],
        "stop_reason": "tool_use", "usage": {"input_tokens": 1, "output_tokens": 1}});
    let (rev, seen) = upstream(Script::Json(reviewer_says(&findings("critical").replace("PATH", "app/auth.py").replace("\"line\":8", "\"line\":4")))).await;
    let (up, _) = upstream(Script::Json(answer)).await;
    let mut body = messages_body("claude-sonnet-4-5", false);
    body["system"] = json!(format!("<env>\nWorking directory: {}\n</env>", dir.path().display()));
    let (text, _, rec) = through_body(&up, &policy("gateway", 30, &rev), body).await;
    assert!(text.contains("app/auth.py:4: critical JWT algorithm confusion"), "{text}");
    let sent = &seen.lock().unwrap()[0].2;
    assert!(sent.contains("CONTEXT_MARKER"), "the file on disk was not read: {sent}");
    let r = review_of(&rec);
    assert_eq!(r["notes"], json!([]), "{r}");
}

/// An Anthropic stream with one `Write` of the planted file, arguments in 7-char pieces.
fn write_events(path: &str) -> Vec<String> {
    let args = json!({"file_path": path, "content": PLANTED}).to_string();
    let mut evs = vec![
        ("message_start", json!({"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"usage":{"input_tokens":1,"output_tokens":1}}})),
        ("content_block_start", json!({"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"toolu_1","name":"Write","input":{}}})),
    ];
    let chars: Vec<char> = args.chars().collect();
    for piece in chars.chunks(7) {
        let p: String = piece.iter().collect();
        evs.push(("content_block_delta", json!({"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":p}})));
    }
    evs.push(("content_block_stop", json!({"type":"content_block_stop","index":0})));
    evs.push(("message_delta", json!({"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":9}})));
    evs.push(("message_stop", json!({"type":"message_stop"})));
    evs.into_iter().map(|(e, d)| format!("event: {e}\ndata: {d}\n\n")).collect()
}
