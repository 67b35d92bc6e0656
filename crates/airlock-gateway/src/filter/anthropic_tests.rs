#![allow(clippy::unwrap_used, clippy::indexing_slicing)]
use super::*;
use crate::filter::testkit::{self, ctx, events, pieces, run, SEED, TWIN};
use serde_json::json;

/// A recorded shape: thinking with signature, text, a ping, then a Bash call streamed in small pieces.
fn recorded(command: &str, piece: usize) -> Vec<u8> {
    let args = json!({"command": command, "description": "Run tests"}).to_string();
    let mut evs: Vec<(Option<&str>, Value)> = vec![
        (Some("message_start"), json!({"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":12,"output_tokens":1}}})),
        (Some("content_block_start"), json!({"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}})),
        (Some("content_block_delta"), json!({"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Run the tests."}})),
        (Some("content_block_delta"), json!({"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EqQBCkYIBxgCKkB"}})),
        (Some("content_block_stop"), json!({"type":"content_block_stop","index":0})),
        (Some("ping"), json!({"type":"ping"})),
        (Some("content_block_start"), json!({"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}})),
        (Some("content_block_delta"), json!({"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Running the suite."}})),
        (Some("content_block_stop"), json!({"type":"content_block_stop","index":1})),
        (Some("content_block_start"), json!({"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_1","name":"Bash","input":{}}})),
        (Some("content_block_delta"), json!({"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":""}})),
    ];
    for p in pieces(&args, piece) {
        evs.push((Some("content_block_delta"), json!({"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":p}})));
    }
    evs.push((Some("content_block_stop"), json!({"type":"content_block_stop","index":2})));
    evs.push((Some("message_delta"), json!({"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":80}})));
    evs.push((Some("message_stop"), json!({"type":"message_stop"})));
    testkit::stream(&evs)
}

#[test]
fn benign_twin_passes_byte_for_byte() {
    let input = recorded(TWIN, 3);
    for cut in [1, 7, 64, 4096] {
        let (out, records) = run(AnthropicFilter::new(ctx()), &input, cut);
        assert_eq!(out.as_bytes(), input.as_slice(), "cut {cut}");
        assert_eq!(records.len(), 1);
        assert!(!records[0].judgement.blocked);
    }
}

#[test]
fn seed_streamed_in_pieces_is_replaced_and_the_turn_ends() {
    for piece in [1, 2, 5, 40] {
        let input = recorded(SEED, piece);
        let (out, records) = run(AnthropicFilter::new(ctx()), &input, 13);
        assert!(!out.contains("telemetry.example/collect -d"), "the call leaked: {out}");
        let evs = events(&out);
        let starts: Vec<&Value> = evs.iter().filter(|e| e["type"] == "content_block_start").collect();
        assert_eq!(starts.len(), 3);
        assert_eq!(starts[2]["index"], 2);
        assert_eq!(starts[2]["content_block"]["type"], "text");
        let notice = evs.iter().find(|e| e["index"] == 2 && e["type"] == "content_block_delta").unwrap();
        assert!(notice["delta"]["text"].as_str().unwrap().contains("EXF001"), "{notice}");
        let delta = evs.iter().find(|e| e["type"] == "message_delta").unwrap();
        assert_eq!(delta["delta"]["stop_reason"], "end_turn");
        assert_eq!(delta["usage"]["output_tokens"], 80);
        assert!(out.contains("Running the suite."));
        assert!(out.contains("EqQBCkYIBxgCKkB"), "the thinking signature passes");
        assert_eq!(records.len(), 1);
        assert!(records[0].judgement.blocked);
        assert!(records[0].input.contains("telemetry.example"));
    }
}

#[test]
fn an_allowed_parallel_call_keeps_the_tool_use_stop() {
    let evs = vec![
        (Some("message_start"), json!({"type":"message_start","message":{"id":"m","content":[]}})),
        (Some("content_block_start"), json!({"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"a","name":"Bash","input":{}}})),
        (Some("content_block_delta"), json!({"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":json!({"command": SEED}).to_string()}})),
        (Some("content_block_stop"), json!({"type":"content_block_stop","index":0})),
        (Some("content_block_start"), json!({"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"b","name":"Bash","input":{}}})),
        (Some("content_block_delta"), json!({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":json!({"command": TWIN}).to_string()}})),
        (Some("content_block_stop"), json!({"type":"content_block_stop","index":1})),
        (Some("message_delta"), json!({"type":"message_delta","delta":{"stop_reason":"tool_use"}})),
        (Some("message_stop"), json!({"type":"message_stop"})),
    ];
    let (out, records) = run(AnthropicFilter::new(ctx()), &testkit::stream(&evs), 5);
    let evs = events(&out);
    assert_eq!(evs.iter().find(|e| e["type"] == "message_delta").unwrap()["delta"]["stop_reason"], "tool_use");
    assert!(out.contains(r#""id":"b""#));
    assert!(!out.contains(r#""id":"a""#));
    assert_eq!(records.iter().filter(|r| r.judgement.blocked).count(), 1);
}

#[test]
fn a_stream_that_ends_inside_a_call_drops_it() {
    let full = recorded(SEED, 4);
    let text = String::from_utf8(full).unwrap();
    let cut = text.find("content_block_stop\ndata: {\"index\":2").or_else(|| text.rfind("event: content_block_stop")).unwrap();
    let (out, records) = run(AnthropicFilter::new(ctx()), &text.as_bytes()[..cut], 9);
    assert!(!out.contains("toolu_1"));
    assert!(out.contains("\"type\":\"error\""));
    assert_eq!(records.len(), 1);
    assert!(records[0].judgement.blocked);
    // The twin cut the same way is dropped too: an incomplete call is never run.
    let twin = String::from_utf8(recorded(TWIN, 4)).unwrap();
    let cut = twin.rfind("event: content_block_stop").unwrap();
    let (out, _) = run(AnthropicFilter::new(ctx()), &twin.as_bytes()[..cut], 9);
    assert!(!out.contains("toolu_1"));
}

#[test]
fn bad_json_and_oversize_calls_are_dropped() {
    let evs = vec![
        (Some("content_block_start"), json!({"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"a","name":"Bash","input":{}}})),
        (Some("content_block_delta"), json!({"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\"command\": \"ls"}})),
        (Some("content_block_stop"), json!({"type":"content_block_stop","index":0})),
    ];
    let (out, records) = run(AnthropicFilter::new(ctx()), &testkit::stream(&evs), 100);
    assert!(!out.contains("tool_use"));
    assert_eq!(records[0].judgement.rules, ["GW001"]);
    let mut small = ctx();
    small.limits.max_call = 300;
    let input = recorded(&format!("echo {}", "a".repeat(2000)), 50);
    let (out, records) = run(AnthropicFilter::new(small), &input, 100);
    assert!(!out.contains("toolu_1"));
    assert!(records[0].judgement.reason.contains("larger"));
}

#[test]
fn unknown_events_and_server_tools_pass_unchanged() {
    let evs = vec![
        (Some("content_block_start"), json!({"type":"content_block_start","index":0,"content_block":{"type":"server_tool_use","id":"s","name":"web_search","input":{"query":"x"}}})),
        (Some("content_block_stop"), json!({"type":"content_block_stop","index":0})),
        (Some("brand_new_event"), json!({"type":"brand_new_event","x":[1,2]})),
    ];
    let input = testkit::stream(&evs);
    let (out, _) = run(AnthropicFilter::new(ctx()), &input, 3);
    assert_eq!(out.as_bytes(), input.as_slice());
}

#[test]
fn non_streaming_bodies_are_judged_the_same_way() {
    let body = json!({"id":"m","type":"message","role":"assistant","content":[
        {"type":"text","text":"ok"},
        {"type":"tool_use","id":"t","name":"Bash","input":{"command": SEED}}],
        "stop_reason":"tool_use"});
    let out = judge_body(Bytes::from(body.to_string()), &ctx()).unwrap();
    let v: Value = serde_json::from_slice(&out.body).unwrap();
    assert_eq!(v["stop_reason"], "end_turn");
    assert_eq!(v["content"][1]["type"], "text");
    let twin = json!({"content":[{"type":"tool_use","id":"t","name":"Bash","input":{"command": TWIN}}],"stop_reason":"tool_use"}).to_string();
    let out = judge_body(Bytes::from(twin.clone()), &ctx()).unwrap();
    assert_eq!(out.body, twin.as_bytes());
    assert!(judge_body(Bytes::from_static(b"<html>"), &ctx()).is_err());
}

#[test]
fn an_error_event_mid_call_drops_the_call_and_passes_the_error() {
    let text = String::from_utf8(recorded(TWIN, 4)).unwrap();
    let cut = text.rfind("event: content_block_stop").unwrap();
    let overloaded = json!({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}});
    let mut input = text.as_bytes()[..cut].to_vec();
    input.extend(testkit::stream(&[(Some("error"), overloaded)]));
    let (out, records) = run(AnthropicFilter::new(ctx()), &input, 6);
    assert!(!out.contains("toolu_1"), "{out}");
    assert!(out.contains("overloaded_error"));
    assert_eq!(records.len(), 1);
    assert!(records[0].judgement.blocked);
    assert!(records[0].judgement.reason.contains("ended before"));
}
