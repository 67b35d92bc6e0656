//! The gateway over real HTTP: trust, judging in the stream, faults.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;
use common::*;
use serde_json::{json, Value};
use std::time::Duration;

fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

async fn wait_for<F: Fn() -> bool>(f: F) {
    for _ in 0..200 {
        if f() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn seed_in_a_stream_is_replaced_and_twin_passes() {
    let (up, _) = upstream(Script::AnthropicCall(SEED.into())).await;
    let (gw, rec) = gateway(&up, "").await;
    let resp = client()
        .post(format!("{gw}/v1/messages"))
        .header("x-api-key", "sk-ant-dummy")
        .json(&messages_body("claude-sonnet-4-5", true))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/event-stream");
    let text = resp.text().await.unwrap();
    assert!(!text.contains("toolu_1"), "{text}");
    assert!(text.contains("EXF001"));
    assert!(text.contains("\"stop_reason\":\"end_turn\""));
    wait_for(|| !rec.requests.lock().unwrap().is_empty()).await;
    let r = rec.requests.lock().unwrap()[0].clone();
    assert_eq!(r.provider.as_deref(), Some("anthropic"));
    assert_eq!(r.calls.len(), 1);
    assert!(r.calls[0].judgement.blocked);

    let (up, _) = upstream(Script::AnthropicCall(TWIN.into())).await;
    let (gw, _) = gateway(&up, "").await;
    let text = client().post(format!("{gw}/messages")).json(&messages_body("claude-sonnet-4-5", true)).send().await.unwrap().text().await.unwrap();
    assert_eq!(text, anthropic_events(TWIN).concat(), "an allowed stream is forwarded byte for byte");
}

#[tokio::test]
async fn untrusted_models_and_providers_are_refused_in_the_apis_shape() {
    let (up, seen) = upstream(Script::Json(json!({}))).await;
    let (gw, _) = gateway(&up, "").await;
    let r = client().post(format!("{gw}/v1/messages")).json(&messages_body("evil-model", false)).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["type"], "error");
    assert!(v["error"]["message"].as_str().unwrap().contains("built-in provider `anthropic`"), "{v}");
    let r = client().post(format!("{gw}/v1/chat/completions")).json(&json!({"model": "claude-x", "messages": []})).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "airlock_untrusted");
    let r = client().post(format!("{gw}/v1beta/models/llama-3:generateContent")).json(&json!({"contents": []})).send().await.unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["status"], "PERMISSION_DENIED");
    let r = client().post(format!("{gw}/v1/responses")).header("upgrade", "websocket").header("connection", "upgrade").send().await.unwrap();
    assert_eq!(r.status(), 426);
    assert!(seen.lock().unwrap().is_empty(), "nothing reached the upstream");
}

#[tokio::test]
async fn headers_pass_untouched_and_bodies_are_redacted() {
    let (up, seen) = upstream(Script::Json(json!({"content": [], "stop_reason": "end_turn"}))).await;
    let (gw, rec) = gateway(&up, "").await;
    let mut body = messages_body("claude-sonnet-4-5", false);
    body["messages"][0]["content"] = json!("SECRET-MARKER");
    let r = client()
        .post(format!("{gw}/v1/messages?beta=true"))
        .header("x-api-key", "sk-ant-api03-SECRET")
        .header("anthropic-version", "2023-06-01")
        .header("accept-encoding", "gzip, br")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let seen = seen.lock().unwrap().clone();
    let (path, headers, sent) = &seen[0];
    assert_eq!(path, "/v1/messages");
    let h = |k: &str| headers.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    assert_eq!(h("x-api-key").as_deref(), Some("sk-ant-api03-SECRET"));
    assert_eq!(h("anthropic-version").as_deref(), Some("2023-06-01"));
    assert_eq!(h("accept-encoding").as_deref(), Some("identity"));
    assert!(sent.contains("[REDACTED:test]") && !sent.contains("SECRET-MARKER"));
    wait_for(|| !rec.requests.lock().unwrap().is_empty()).await;
    assert_eq!(rec.requests.lock().unwrap()[0].redactions, 1);
}

#[tokio::test]
async fn upstream_dying_mid_call_drops_the_call() {
    let (up, _) = upstream(Script::AnthropicDies(TWIN.into())).await;
    let (gw, rec) = gateway(&up, "").await;
    let r = client().post(format!("{gw}/v1/messages")).json(&messages_body("claude-sonnet-4-5", true)).send().await.unwrap();
    // The body may end with an error or a broken chunk; either way no tool call got through.
    let text = r.text().await.unwrap_or_default();
    assert!(!text.contains("toolu_1"), "{text}");
    wait_for(|| !rec.requests.lock().unwrap().is_empty()).await;
    let r = rec.requests.lock().unwrap()[0].clone();
    assert!(r.incomplete.is_some(), "{r:?}");
    assert!(r.calls.iter().all(|c| c.judgement.blocked));
}

#[tokio::test]
async fn a_client_leaving_mid_stream_is_recorded() {
    let (up, _) = upstream(Script::AnthropicSlow(SEED.into(), Duration::from_millis(20))).await;
    let (gw, rec) = gateway(&up, "").await;
    let mut r = client().post(format!("{gw}/v1/messages")).json(&messages_body("claude-sonnet-4-5", true)).send().await.unwrap();
    let _first = r.chunk().await.unwrap();
    drop(r);
    wait_for(|| !rec.requests.lock().unwrap().is_empty()).await;
    let r = rec.requests.lock().unwrap()[0].clone();
    assert!(r.incomplete.as_deref().unwrap_or("").contains("client disconnected"), "{r:?}");
}

#[tokio::test]
async fn oversize_and_malformed_requests_get_clear_errors() {
    let (up, seen) = upstream(Script::Json(json!({}))).await;
    let (gw, _) = gateway(&up, "[gateway]\nmax_request_bytes = 1000\n").await;
    let big = json!({"model": "gpt-5", "messages": [{"role": "user", "content": "x".repeat(5000)}]});
    let r = client().post(format!("{gw}/v1/chat/completions")).json(&big).send().await.unwrap();
    assert_eq!(r.status(), 413);
    let r = client().post(format!("{gw}/v1/chat/completions")).body("not json").send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(seen.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_compressed_or_unreadable_judged_response_is_not_passed() {
    let (up, _) = upstream(Script::Json(json!("not a messages body"))).await;
    let (gw, _) = gateway(&up, "").await;
    let r = client().post(format!("{gw}/v1/chat/completions")).json(&json!({"model": "gpt-5", "messages": []})).send().await.unwrap();
    // A JSON string is valid JSON without choices: nothing to judge, passes.
    assert_eq!(r.status(), 200);
    let (up, _) = upstream(Script::Json(json!({"choices": [{"index": 0, "message": {"role": "assistant", "tool_calls": [{"id": "a", "type": "function", "function": {"name": "bash", "arguments": json!({"command": SEED}).to_string()}}]}, "finish_reason": "tool_calls"}]}))).await;
    let (gw, _) = gateway(&up, "").await;
    let v: Value = client().post(format!("{gw}/chat/completions")).json(&json!({"model": "gpt-5", "messages": []})).send().await.unwrap().json().await.unwrap();
    assert_eq!(v["choices"][0]["finish_reason"], "stop");
    assert!(v["choices"][0]["message"]["content"].as_str().unwrap().contains("EXF001"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_streams() {
    let (up, _) = upstream(Script::AnthropicSlow(TWIN.into(), Duration::from_millis(1))).await;
    let (gw, rec) = gateway(&up, "").await;
    let c = client();
    let mut tasks = Vec::new();
    for i in 0..1000 {
        let c = c.clone();
        let gw = gw.clone();
        let cmd = if i % 10 == 0 { SEED } else { TWIN };
        let _ = cmd;
        tasks.push(tokio::spawn(async move {
            c.post(format!("{gw}/v1/messages")).json(&messages_body("claude-sonnet-4-5", true)).send().await?.text().await
        }));
    }
    let mut ok = 0;
    for t in tasks {
        if let Ok(Ok(text)) = t.await {
            if text.contains("toolu_1") && text.contains("message_stop") {
                ok += 1;
            }
        }
    }
    assert_eq!(ok, 1000);
    wait_for(|| rec.requests.lock().unwrap().len() == 1000).await;
    assert_eq!(rec.requests.lock().unwrap().len(), 1000, "every stream reported");
}

#[tokio::test]
async fn a_stored_response_with_a_removed_call_gets_its_output_on_the_next_turn() {
    let reply = json!({"id": "resp_77", "object": "response", "status": "completed", "output": [
        {"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "shell", "arguments": json!({"command": ["bash", "-lc", SEED]}).to_string(), "status": "completed"}]});
    let (up, seen) = upstream(Script::Json(reply)).await;
    let (gw, _) = gateway(&up, "").await;
    let v: Value = client().post(format!("{gw}/v1/responses")).json(&json!({"model": "gpt-5", "input": "run the tests"})).send().await.unwrap().json().await.unwrap();
    assert_eq!(v["output"][0]["type"], "message", "{v}");
    client()
        .post(format!("{gw}/v1/responses"))
        .json(&json!({"model": "gpt-5", "previous_response_id": "resp_77", "input": [{"role": "user", "content": "and now?"}]}))
        .send()
        .await
        .unwrap();
    let sent: Value = serde_json::from_str(&seen.lock().unwrap()[1].2).unwrap();
    assert_eq!(sent["input"][0]["type"], "function_call_output");
    assert_eq!(sent["input"][0]["call_id"], "call_1");
    assert!(sent["input"][0]["output"].as_str().unwrap().contains("airlock blocked"));
    assert_eq!(sent["input"][1]["content"], "and now?");
}

#[tokio::test]
async fn an_event_our_parser_cannot_read_is_dropped_not_passed() {
    // A lone surrogate: JavaScript's JSON.parse accepts it, serde_json does not.
    let mut evs = anthropic_events(TWIN);
    evs.insert(5, "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":9,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_x\",\"name\":\"Bash\\ud800\",\"input\":{}}}\n\n".into());
    let (up, _) = upstream(Script::Raw(evs.concat())).await;
    let (gw, _) = gateway(&up, "").await;
    let text = client().post(format!("{gw}/v1/messages")).json(&messages_body("claude-sonnet-4-5", true)).send().await.unwrap().text().await.unwrap();
    assert!(!text.contains("toolu_x"), "{text}");
    assert!(text.contains("toolu_1"));
}
