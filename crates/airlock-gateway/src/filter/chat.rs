//! OpenAI Chat Completions: `tool_calls` deltas are held per choice and per call index until the
//! choice's `finish_reason` arrives, then judged whole.
//!
//! An allowed call goes out as one chunk carrying its id, name and whole arguments (clients
//! accumulate deltas by index, so one delta is as good as many); indices are renumbered so the
//! calls left stay dense. A blocked call's notice goes out as text, and when no call is left in
//! the choice, `finish_reason: tool_calls` becomes `stop`. The legacy `function_call` delta is
//! held and judged the same way.

use super::{BodyOutcome, CallRecord, FilterCtx, StreamFilter};
use crate::judge::{CallInput, Judgement, RawCall};
use crate::sse::SseEvent;
use bytes::Bytes;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// Key of the legacy single `function_call` within a choice.
const LEGACY: u64 = u64::MAX;

#[derive(Default)]
struct Held {
    id: Option<String>,
    name: String,
    arguments: String,
}

#[derive(Default)]
struct Choice {
    calls: BTreeMap<u64, Held>,
    size: usize,
    oversize: bool,
}

/// The Chat Completions stream judge.
pub struct ChatFilter {
    ctx: FilterCtx,
    choices: BTreeMap<u64, Choice>,
    /// `id`, `object`, `created`, `model`, ... of the last chunk, for the chunks the gateway makes.
    template: Map<String, Value>,
    records: Vec<CallRecord>,
}

impl ChatFilter {
    pub fn new(ctx: FilterCtx) -> Self {
        ChatFilter {
            ctx,
            choices: BTreeMap::new(),
            template: Map::new(),
            records: Vec::new(),
        }
    }

    fn chunk(&self, choice: Value) -> Bytes {
        let mut c = self.template.clone();
        c.insert("choices".into(), json!([choice]));
        SseEvent::encode(None, &Value::Object(c).to_string())
    }

    /// Take the tool-call deltas out of one choice's delta into the held state.
    fn hold(&mut self, index: u64, delta: &mut Map<String, Value>) {
        let max = self.ctx.limits.max_call;
        let st = self.choices.entry(index).or_default();
        let mut parts: Vec<(u64, Value)> = Vec::new();
        if let Some(Value::Array(calls)) = delta.remove("tool_calls") {
            for (pos, c) in calls.into_iter().enumerate() {
                let k = c.get("index").and_then(Value::as_u64).unwrap_or(pos as u64);
                parts.push((k, c));
            }
        }
        if let Some(fc) = delta.remove("function_call") {
            parts.push((LEGACY, json!({ "function": fc })));
        }
        for (k, c) in parts {
            let h = st.calls.entry(k).or_default();
            if let Some(id) = c.get("id").and_then(Value::as_str) {
                h.id = Some(id.to_string());
            }
            if let Some(n) = c.pointer("/function/name").and_then(Value::as_str) {
                h.name.push_str(n);
            }
            if let Some(a) = c.pointer("/function/arguments").and_then(Value::as_str) {
                st.size += a.len();
                if st.size > max {
                    st.oversize = true;
                } else {
                    h.arguments.push_str(a);
                }
            }
        }
    }

    /// Judge a finished choice's calls; emit them (or their notices) and say whether any call is left.
    fn resolve(&mut self, index: u64, finished: bool, out: &mut Vec<Bytes>) -> bool {
        let Some(st) = self.choices.remove(&index) else { return false };
        let mut left = 0u64;
        let mut notices = Vec::new();
        for (k, h) in st.calls {
            let j = if st.oversize {
                Judgement::unreadable(format!(
                    "its input is larger than the gateway's limit of {} bytes",
                    self.ctx.limits.max_call
                ))
            } else if !finished {
                Judgement::unreadable("the stream ended before the tool call was complete")
            } else {
                self.ctx.judge.judge(&RawCall { id: h.id.as_deref(), name: &h.name, input: CallInput::JsonText(&h.arguments) })
            };
            let send = if !j.blocked { Some(h.arguments.clone()) } else { j.replacement.as_ref().map(Value::to_string) };
            match send {
                Some(arguments) => {
                    let delta = if k == LEGACY {
                        json!({"function_call": {"name": h.name, "arguments": arguments}})
                    } else {
                        let call = json!({"index": left, "id": h.id, "type": "function",
                            "function": {"name": h.name, "arguments": arguments}});
                        left += 1;
                        json!({"tool_calls": [call]})
                    };
                    out.push(self.chunk(json!({"index": index, "delta": delta, "finish_reason": null})));
                }
                None => notices.push(j.notice(&h.name)),
            }
            self.records.push(CallRecord::new(h.id.as_deref(), &h.name, &h.arguments, j));
        }
        if !notices.is_empty() {
            let text = format!("\n{}", notices.join("\n"));
            out.push(self.chunk(json!({"index": index, "delta": {"content": text}, "finish_reason": null})));
        }
        left > 0
    }
}

impl StreamFilter for ChatFilter {
    fn on_event(&mut self, ev: SseEvent, out: &mut Vec<Bytes>) {
        if ev.data.trim() == "[DONE]" {
            self.on_end_calls(out);
            out.push(ev.raw);
            return;
        }
        let Some(Value::Object(mut chunk)) = ev.json() else {
            out.push(ev.raw);
            return;
        };
        let Some(Value::Array(choices)) = chunk.get("choices").cloned() else {
            out.push(ev.raw);
            return;
        };
        let holds_any = choices.iter().any(|c| {
            c.pointer("/delta/tool_calls").is_some_and(|t| !t.is_null())
                || c.pointer("/delta/function_call").is_some_and(|t| !t.is_null())
                || (c.get("finish_reason").is_some_and(|f| !f.is_null())
                    && self.choices.contains_key(&c.get("index").and_then(Value::as_u64).unwrap_or(0)))
        });
        for (k, v) in &chunk {
            if k != "choices" {
                self.template.insert(k.clone(), v.clone());
            }
        }
        if !holds_any {
            out.push(ev.raw);
            return;
        }
        let mut kept = Vec::new();
        for mut c in choices {
            let index = c.get("index").and_then(Value::as_u64).unwrap_or(0);
            if let Some(Value::Object(delta)) = c.get_mut("delta") {
                if delta.get("tool_calls").is_some_and(|t| !t.is_null()) || delta.get("function_call").is_some_and(|t| !t.is_null()) {
                    self.hold(index, delta);
                }
                delta.remove("tool_calls");
                delta.remove("function_call");
            }
            let finish = c.get("finish_reason").and_then(Value::as_str).map(str::to_string);
            let has_delta = c.get("delta").and_then(Value::as_object).is_some_and(|d| d.values().any(|v| !v.is_null()));
            match finish {
                Some(reason) => {
                    // Emit this choice's pending content first, then its calls, then the finish.
                    if has_delta {
                        let mut pre = c.clone();
                        if let Some(o) = pre.as_object_mut() {
                            o.insert("finish_reason".into(), Value::Null);
                        }
                        let mut ch = chunk.clone();
                        ch.insert("choices".into(), json!([pre]));
                        out.push(SseEvent::encode(None, &Value::Object(ch).to_string()));
                        if let Some(d) = c.get_mut("delta").and_then(Value::as_object_mut) {
                            d.clear();
                        }
                    }
                    let had_calls = self.choices.get(&index).is_some_and(|s| !s.calls.is_empty());
                    let left = self.resolve(index, true, out);
                    if had_calls && !left && matches!(reason.as_str(), "tool_calls" | "function_call") {
                        if let Some(o) = c.as_object_mut() {
                            o.insert("finish_reason".into(), json!("stop"));
                        }
                    }
                    kept.push(c);
                }
                None if has_delta => kept.push(c),
                None => {}
            }
        }
        if !kept.is_empty() {
            chunk.insert("choices".into(), Value::Array(kept));
            out.push(SseEvent::encode(ev.event.as_deref(), &Value::Object(chunk).to_string()));
        }
    }

    fn on_end(&mut self, out: &mut Vec<Bytes>) {
        if self.on_end_calls(out) {
            let err = json!({"error": {"type": "server_error", "code": "airlock_incomplete_tool_call",
                "message": "airlock: the upstream stream ended inside a tool call; the call was dropped"}});
            out.push(SseEvent::encode(None, &err.to_string()));
        }
    }

    fn take_records(&mut self) -> Vec<CallRecord> {
        std::mem::take(&mut self.records)
    }
}

impl ChatFilter {
    /// Drop every call still held (the stream ended without a finish); true if there was one.
    fn on_end_calls(&mut self, out: &mut Vec<Bytes>) -> bool {
        let open: Vec<u64> = self.choices.keys().copied().collect();
        for index in &open {
            self.resolve(*index, false, out);
        }
        !open.is_empty()
    }
}

/// Judge a whole (non-streaming) Chat Completions response.
pub fn judge_body(body: Bytes, ctx: &FilterCtx) -> Result<BodyOutcome, String> {
    let mut v: Value = serde_json::from_slice(&body).map_err(|e| format!("the response is not JSON ({e})"))?;
    let mut records = Vec::new();
    let Some(choices) = v.get_mut("choices").and_then(Value::as_array_mut) else {
        return Ok(super::unchanged(body, records));
    };
    let mut changed = false;
    for choice in choices.iter_mut() {
        let Some(msg) = choice.get_mut("message").and_then(Value::as_object_mut) else { continue };
        let mut notices = Vec::new();
        let mut calls: Vec<(bool, Value)> = Vec::new();
        if let Some(Value::Array(list)) = msg.remove("tool_calls") {
            calls.extend(list.into_iter().map(|c| (false, c)));
        }
        if let Some(fc) = msg.remove("function_call").filter(|f| !f.is_null()) {
            calls.push((true, json!({ "function": fc })));
        }
        let had = !calls.is_empty();
        let mut kept = Vec::new();
        let mut legacy = None;
        for (is_legacy, mut c) in calls {
            let id = c.get("id").and_then(Value::as_str).map(str::to_string);
            let name = c.pointer("/function/name").and_then(Value::as_str).unwrap_or_default().to_string();
            let args = c.pointer("/function/arguments").and_then(Value::as_str).unwrap_or_default().to_string();
            let j = ctx.judge.judge(&RawCall { id: id.as_deref(), name: &name, input: CallInput::JsonText(&args) });
            let send = if !j.blocked { Some(args.clone()) } else { j.replacement.as_ref().map(Value::to_string) };
            changed |= j.blocked;
            match send {
                Some(a) => {
                    if let Some(f) = c.get_mut("function").and_then(Value::as_object_mut) {
                        f.insert("arguments".into(), json!(a));
                    }
                    if is_legacy {
                        legacy = c.get("function").cloned();
                    } else {
                        kept.push(c);
                    }
                }
                None => notices.push(j.notice(&name)),
            }
            records.push(CallRecord::new(id.as_deref(), &name, &args, j));
        }
        let left = !kept.is_empty() || legacy.is_some();
        if !kept.is_empty() {
            msg.insert("tool_calls".into(), Value::Array(kept));
        }
        if let Some(f) = legacy {
            msg.insert("function_call".into(), f);
        }
        if !notices.is_empty() {
            let prior = msg.get("content").and_then(Value::as_str).unwrap_or_default();
            let text = if prior.is_empty() { notices.join("\n") } else { format!("{prior}\n{}", notices.join("\n")) };
            msg.insert("content".into(), json!(text));
        }
        if had && !left {
            if let Some(o) = choice.as_object_mut() {
                o.insert("finish_reason".into(), json!("stop"));
            }
        }
    }
    if !changed {
        return Ok(super::unchanged(body, records));
    }
    Ok(BodyOutcome { body: Bytes::from(v.to_string()), records })
}

#[cfg(test)]
#[path = "chat_tests.rs"]
mod tests;
