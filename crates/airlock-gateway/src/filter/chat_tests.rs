#![allow(clippy::unwrap_used, clippy::indexing_slicing)]
use super::*;
use crate::filter::testkit::{ctx, events, pieces, run, SEED, TWIN};

fn chunk(choice: Value) -> (Option<&'static str>, Value) {
    (None, json!({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4.1","system_fingerprint":"fp_1","choices":[choice]}))
}

/// A recorded shape: role chunk, text, two parallel calls streamed in pieces, finish, usage, [DONE].
fn recorded(first: &str, second: Option<&str>, piece: usize) -> Vec<u8> {
    let mut evs = vec![
        chunk(json!({"index":0,"delta":{"role":"assistant","content":null},"logprobs":null,"finish_reason":null})),
        chunk(json!({"index":0,"delta":{"content":"Running tests."},"finish_reason":null})),
    ];
    let mut calls = vec![first];
    calls.extend(second);
    for (i, cmd) in calls.iter().enumerate() {
        evs.push(chunk(json!({"index":0,"delta":{"tool_calls":[{"index":i,"id":format!("call_{i}"),"type":"function","function":{"name":"bash","arguments":""}}]},"finish_reason":null})));
        for p in pieces(&json!({"command": cmd}).to_string(), piece) {
            evs.push(chunk(json!({"index":0,"delta":{"tool_calls":[{"index":i,"function":{"arguments":p}}]},"finish_reason":null})));
        }
    }
    evs.push(chunk(json!({"index":0,"delta":{},"finish_reason":"tool_calls"})));
    evs.push((None, json!({"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":9}})));
    let mut bytes = crate::filter::testkit::stream(&evs);
    bytes.extend_from_slice(b"data: [DONE]\n\n");
    bytes
}

/// The calls a client would assemble from an output stream, and the final finish reason and text.
fn assemble(out: &str) -> (Vec<(String, String)>, String, String) {
    let mut calls: BTreeMap<u64, (String, String)> = BTreeMap::new();
    let (mut finish, mut text) = (String::new(), String::new());
    for e in events(out) {
        for c in e["choices"].as_array().cloned().unwrap_or_default() {
            if let Some(t) = c["delta"]["content"].as_str() {
                text.push_str(t);
            }
            for tc in c["delta"]["tool_calls"].as_array().cloned().unwrap_or_default() {
                let e = calls.entry(tc["index"].as_u64().unwrap()).or_default();
                e.0.push_str(tc["function"]["name"].as_str().unwrap_or(""));
                e.1.push_str(tc["function"]["arguments"].as_str().unwrap_or(""));
            }
            if let Some(f) = c["finish_reason"].as_str() {
                finish = f.to_string();
            }
        }
    }
    (calls.into_values().collect(), finish, text)
}

#[test]
fn twin_passes_whole_and_seed_is_replaced() {
    for piece in [1, 3, 20] {
        let (out, recs) = run(ChatFilter::new(ctx()), &recorded(TWIN, None, piece), 11);
        let (calls, finish, _) = assemble(&out);
        assert_eq!(calls, [("bash".to_string(), json!({"command": TWIN}).to_string())]);
        assert_eq!(finish, "tool_calls");
        assert!(!recs[0].judgement.blocked);
        assert!(out.ends_with("data: [DONE]\n\n"));

        let (out, recs) = run(ChatFilter::new(ctx()), &recorded(SEED, None, piece), 11);
        let (calls, finish, text) = assemble(&out);
        assert!(calls.is_empty(), "{out}");
        assert_eq!(finish, "stop");
        assert!(text.starts_with("Running tests."));
        assert!(text.contains("EXF001"), "{text}");
        assert!(recs[0].judgement.blocked);
        assert!(out.contains("\"usage\""));
    }
}

#[test]
fn an_allowed_parallel_call_still_goes_out_renumbered() {
    let (out, recs) = run(ChatFilter::new(ctx()), &recorded(SEED, Some(TWIN), 4), 17);
    let (calls, finish, _) = assemble(&out);
    assert_eq!(calls.len(), 1);
    assert!(calls[0].1.contains("npm test"));
    assert_eq!(finish, "tool_calls");
    let first = events(&out).into_iter().find(|e| e["choices"][0]["delta"]["tool_calls"].is_array()).unwrap();
    assert_eq!(first["choices"][0]["delta"]["tool_calls"][0]["index"], 0);
    assert_eq!(first["choices"][0]["delta"]["tool_calls"][0]["id"], "call_1");
    assert_eq!(recs.len(), 2);
}

#[test]
fn text_only_streams_pass_byte_for_byte() {
    let evs = vec![
        chunk(json!({"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null})),
        chunk(json!({"index":0,"delta":{"content":"hello"},"finish_reason":null})),
        chunk(json!({"index":0,"delta":{},"finish_reason":"stop"})),
    ];
    let mut input = crate::filter::testkit::stream(&evs);
    input.extend_from_slice(b": keep-alive\n\ndata: [DONE]\n\n");
    let (out, recs) = run(ChatFilter::new(ctx()), &input, 5);
    assert!(recs.is_empty());
    // The finish chunk is re-encoded only when it closes held calls; here everything is raw.
    assert_eq!(out.as_bytes(), input.as_slice());
}

#[test]
fn a_stream_without_finish_drops_the_call() {
    let full = String::from_utf8(recorded(TWIN, None, 3)).unwrap();
    let cut = full.find("\"finish_reason\":\"tool_calls\"").unwrap();
    let cut = full[..cut].rfind("data: ").unwrap();
    let (out, recs) = run(ChatFilter::new(ctx()), &full.as_bytes()[..cut], 8);
    let (calls, _, _) = assemble(&out);
    assert!(calls.is_empty());
    assert!(recs[0].judgement.blocked);
    assert!(out.contains("airlock_incomplete_tool_call"));
}

#[test]
fn legacy_function_call_is_judged() {
    let evs = vec![
        chunk(json!({"index":0,"delta":{"role":"assistant","function_call":{"name":"bash","arguments":""}},"finish_reason":null})),
        chunk(json!({"index":0,"delta":{"function_call":{"arguments":json!({"command": SEED}).to_string()}},"finish_reason":null})),
        chunk(json!({"index":0,"delta":{},"finish_reason":"function_call"})),
    ];
    let (out, recs) = run(ChatFilter::new(ctx()), &crate::filter::testkit::stream(&evs), 9);
    assert!(!out.contains("function_call\":{"), "{out}");
    assert!(out.contains("\"finish_reason\":\"stop\""));
    assert!(recs[0].judgement.blocked);
}

#[test]
fn non_streaming_bodies() {
    let body = json!({"id":"c","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":null,
        "tool_calls":[{"id":"a","type":"function","function":{"name":"bash","arguments":json!({"command": SEED}).to_string()}},
                      {"id":"b","type":"function","function":{"name":"bash","arguments":json!({"command": TWIN}).to_string()}}]},
        "finish_reason":"tool_calls"}]});
    let out = judge_body(Bytes::from(body.to_string()), &ctx()).unwrap();
    let v: Value = serde_json::from_slice(&out.body).unwrap();
    assert_eq!(v["choices"][0]["message"]["tool_calls"].as_array().unwrap().len(), 1);
    assert_eq!(v["choices"][0]["message"]["tool_calls"][0]["id"], "b");
    assert!(v["choices"][0]["message"]["content"].as_str().unwrap().contains("EXF001"));
    assert_eq!(v["choices"][0]["finish_reason"], "tool_calls");
    let only_seed = json!({"choices":[{"index":0,"message":{"role":"assistant","tool_calls":[{"id":"a","type":"function","function":{"name":"bash","arguments":json!({"command": SEED}).to_string()}}]},"finish_reason":"tool_calls"}]});
    let v: Value = serde_json::from_slice(&judge_body(Bytes::from(only_seed.to_string()), &ctx()).unwrap().body).unwrap();
    assert_eq!(v["choices"][0]["finish_reason"], "stop");
    assert!(v["choices"][0]["message"].get("tool_calls").is_none());
}
