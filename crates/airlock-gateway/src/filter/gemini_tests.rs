#![allow(clippy::unwrap_used, clippy::indexing_slicing)]
use super::*;
use crate::filter::testkit::{ctx, events, run, SEED, TWIN};
use crate::judge::{BlockMode, PolicyJudge};
use airlock_config::Policy;
use airlock_judge::{CallContext, Judge};
use std::sync::Arc;

/// One chunk as `alt=sse` sends it (`data:` and a CRLF blank line).
fn chunk(v: &Value) -> String {
    format!("data: {v}\r\n\r\n")
}

fn meta(v: Value) -> Value {
    let mut v = v;
    v["modelVersion"] = json!("gemini-2.5-pro");
    v["responseId"] = json!("p3mZaL2nC8ewqtsPqo2BoQk");
    v
}

fn call_part(name: &str, args: Value, signature: Option<&str>) -> Value {
    let mut p = json!({"functionCall": {"name": name, "args": args}});
    if let Some(s) = signature {
        p["thoughtSignature"] = json!(s);
    }
    p
}

/// A recorded Gemini CLI shape: a thought, text, then a `run_shell_command` call carrying the
/// turn's thought signature, then the usage chunk with `STOP`.
fn chunks(command: &str) -> Vec<Value> {
    vec![
        meta(json!({"candidates": [{"content": {"parts": [{"text": "**Planning** Run the tests.", "thought": true}], "role": "model"}, "index": 0}],
            "usageMetadata": {"promptTokenCount": 9100, "totalTokenCount": 9130, "thoughtsTokenCount": 30}})),
        meta(json!({"candidates": [{"content": {"parts": [{"text": "Running the suite."}], "role": "model"}, "index": 0}]})),
        meta(json!({"candidates": [{"content": {"parts": [call_part("run_shell_command", json!({"command": command, "description": "Run tests"}), Some("CiQB0e2Kb7sig"))], "role": "model"}, "finishReason": "STOP", "index": 0}],
            "usageMetadata": {"promptTokenCount": 9100, "candidatesTokenCount": 40, "totalTokenCount": 9170, "thoughtsTokenCount": 30}})),
    ]
}

fn recorded(command: &str) -> Vec<u8> {
    chunks(command).iter().map(chunk).collect::<String>().into_bytes()
}

#[test]
fn benign_twin_passes_byte_for_byte() {
    let input = recorded(TWIN);
    for cut in [1, 2, 5, 7, 64, 4096] {
        let (out, records) = run(GeminiFilter::new(ctx()), &input, cut);
        assert_eq!(out.as_bytes(), input.as_slice(), "cut {cut}");
        assert_eq!(records.len(), 1);
        assert!(!records[0].judgement.blocked);
    }
}

#[test]
fn seed_is_replaced_by_a_notice_that_keeps_the_signature() {
    let input = recorded(SEED);
    for cut in [1, 2, 5, 40] {
        let (out, records) = run(GeminiFilter::new(ctx()), &input, cut);
        assert!(!out.contains("telemetry.example/collect -d"), "the call leaked: {out}");
        assert!(!out.contains("functionCall"));
        let evs = events(&out);
        assert_eq!(evs.len(), 3);
        let text = String::from_utf8(input.clone()).unwrap();
        assert!(out.starts_with(&chunk(&chunks(SEED)[0])) && text.contains(&chunk(&chunks(SEED)[1])));
        let c = &evs[2]["candidates"][0];
        let part = &c["content"]["parts"][0];
        assert!(part["text"].as_str().unwrap().contains("EXF001"), "{part}");
        assert!(part["text"].as_str().unwrap().contains("`run_shell_command`"));
        assert_eq!(part["thoughtSignature"], "CiQB0e2Kb7sig");
        assert_eq!(c["finishReason"], "STOP");
        assert_eq!(evs[2]["usageMetadata"]["candidatesTokenCount"], 40);
        assert_eq!(records.len(), 1);
        assert!(records[0].judgement.blocked);
        assert!(records[0].input.contains("telemetry.example"));
    }
}

#[test]
fn an_allowed_parallel_call_still_goes_out() {
    let c = meta(json!({"candidates": [{"content": {"parts": [
        call_part("run_shell_command", json!({"command": SEED}), Some("sig")),
        call_part("run_shell_command", json!({"command": TWIN}), None),
        {"functionCall": {"id": "c3", "name": "read_file", "args": {"absolute_path": "/repo/README.md"}}}], "role": "model"}, "finishReason": "STOP", "index": 0}]}));
    let (out, records) = run(GeminiFilter::new(ctx()), chunk(&c).as_bytes(), 9);
    let parts = &events(&out)[0]["candidates"][0]["content"]["parts"];
    assert!(parts[0]["text"].as_str().unwrap().contains("EXF001"));
    assert_eq!(parts[1], c["candidates"][0]["content"]["parts"][1]);
    assert_eq!(parts[2]["functionCall"]["id"], "c3");
    assert_eq!(records.len(), 3);
    assert_eq!(records.iter().filter(|r| r.judgement.blocked).count(), 1);
    assert_eq!(records[2].id.as_deref(), Some("c3"));
}

#[test]
fn unreadable_chunks_and_piecewise_calls_fail_closed() {
    let input = "data: not json but a functionCall {\"name\":\"run_shell_command\"\r\n\r\ndata: [keepalive]\r\n\r\n";
    let (out, records) = run(GeminiFilter::new(ctx()), input.as_bytes(), 4);
    assert_eq!(out, "data: [keepalive]\r\n\r\n");
    assert_eq!(records[0].judgement.rules, ["GW001"]);
    let c = json!({"candidates": [{"content": {"parts": [{"functionCall": {"name": "run_shell_command", "partialArgs": [{"jsonPath": "$.command", "stringValue": "npm"}], "willContinue": true}}]}}]});
    let (out, records) = run(GeminiFilter::new(ctx()), chunk(&c).as_bytes(), 4);
    assert!(!out.contains("functionCall"));
    assert!(records[0].judgement.reason.contains("pieces"));
}

#[test]
fn soft_mode_replaces_the_args() {
    let mut judge = PolicyJudge::new(Judge::new(Policy::default()), CallContext::default());
    judge.mode = BlockMode::Soft;
    let soft = FilterCtx { judge: Arc::new(judge), limits: crate::filter::Limits::default() };
    let (out, records) = run(GeminiFilter::new(soft), &recorded(SEED), 64);
    assert!(!out.contains("telemetry.example/collect -d"));
    let part = &events(&out)[2]["candidates"][0]["content"]["parts"][0];
    assert_eq!(part["functionCall"]["name"], "run_shell_command");
    assert!(part["functionCall"]["args"]["command"].as_str().unwrap().ends_with("exit 1"));
    assert_eq!(part["functionCall"]["args"]["description"], "Run tests");
    assert_eq!(part["thoughtSignature"], "CiQB0e2Kb7sig");
    assert!(records[0].judgement.blocked);
}

#[test]
fn non_streaming_and_array_bodies_are_judged() {
    let body = chunks(SEED)[2].to_string();
    let out = judge_body(Bytes::from(body), &ctx()).unwrap();
    let v: Value = serde_json::from_slice(&out.body).unwrap();
    assert!(v["candidates"][0]["content"]["parts"][0]["text"].as_str().unwrap().contains("EXF001"));
    let twin = chunks(TWIN)[2].to_string();
    assert_eq!(judge_body(Bytes::from(twin.clone()), &ctx()).unwrap().body, twin.as_bytes());

    // `streamGenerateContent` without `alt=sse`: one JSON array, pretty-printed as the API sends it.
    let array = serde_json::to_string_pretty(&Value::Array(chunks(SEED))).unwrap();
    let out = judge_array_body(Bytes::from(array), &ctx()).unwrap();
    let v: Value = serde_json::from_slice(&out.body).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 3);
    assert_eq!(v[1], chunks(SEED)[1]);
    assert!(v[2]["candidates"][0]["content"]["parts"][0]["text"].as_str().unwrap().contains("EXF001"));
    assert!(!String::from_utf8_lossy(&out.body).contains("telemetry.example/collect -d"));
    let twin = serde_json::to_string_pretty(&Value::Array(chunks(TWIN))).unwrap();
    let out = judge_array_body(Bytes::from(twin.clone()), &ctx()).unwrap();
    assert_eq!(out.body, twin.as_bytes());
    assert_eq!(out.records.len(), 1);
    assert!(judge_array_body(Bytes::from_static(b"[{\"candidates\": "), &ctx()).is_err());
}
