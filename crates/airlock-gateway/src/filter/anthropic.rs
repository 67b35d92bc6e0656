//! Anthropic Messages: a `tool_use` block is held from `content_block_start` to `content_block_stop`.
//!
//! A blocked call becomes a text block at the same index (the indices the client counts stay dense),
//! and when no tool call is left in the message a `tool_use` stop reason becomes `end_turn`: a client
//! that sees `tool_use` with no tool block would send an empty tool result or retry.

use super::{BodyOutcome, CallRecord, FilterCtx, StreamFilter};
use crate::judge::{CallInput, Judgement, RawCall};
use crate::sse::SseEvent;
use bytes::Bytes;
use serde_json::{json, Value};

struct Held {
    index: u64,
    id: Option<String>,
    name: String,
    /// `input` of the start event (complete when the server sends no deltas).
    initial: Value,
    json: String,
    raw: Vec<Bytes>,
    /// Events of other blocks that arrived while this one was held, sent after it in order.
    after: Vec<SseEvent>,
    size: usize,
    oversize: bool,
}

/// The Messages stream judge.
pub struct AnthropicFilter {
    ctx: FilterCtx,
    held: Option<Held>,
    passed_calls: usize,
    blocked_calls: usize,
    records: Vec<CallRecord>,
}

impl AnthropicFilter {
    pub fn new(ctx: FilterCtx) -> Self {
        AnthropicFilter {
            ctx,
            held: None,
            passed_calls: 0,
            blocked_calls: 0,
            records: Vec::new(),
        }
    }

    fn resolve(&mut self, h: Held, stop: Option<SseEvent>, out: &mut Vec<Bytes>) {
        let (judgement, input_text) = if h.oversize {
            (
                Judgement::unreadable(format!(
                    "its input is larger than the gateway's limit of {} bytes",
                    self.ctx.limits.max_call
                )),
                String::new(),
            )
        } else if stop.is_none() {
            (
                Judgement::unreadable("the stream ended before the tool call was complete"),
                h.json.clone(),
            )
        } else if h.json.trim().is_empty() {
            let call = RawCall { id: h.id.as_deref(), name: &h.name, input: CallInput::Json(&h.initial) };
            (self.ctx.judge.judge(&call), h.initial.to_string())
        } else {
            let call = RawCall { id: h.id.as_deref(), name: &h.name, input: CallInput::JsonText(&h.json) };
            (self.ctx.judge.judge(&call), h.json.clone())
        };
        if !judgement.blocked {
            self.passed_calls += 1;
            out.extend(h.raw);
            if let Some(s) = stop {
                out.push(s.raw);
            }
        } else {
            self.blocked_calls += usize::from(judgement.replacement.is_none());
            if let Some(rep) = &judgement.replacement {
                self.passed_calls += 1;
                out.extend(tool_block(h.index, h.id.as_deref(), &h.name, rep));
            } else {
                out.extend(text_block(h.index, &judgement.notice(&h.name)));
            }
        }
        self.records.push(CallRecord::new(h.id.as_deref(), &h.name, &input_text, judgement));
        for ev in h.after {
            self.on_event(ev, out);
        }
    }

    fn message_delta(&self, ev: SseEvent) -> Bytes {
        if self.blocked_calls == 0 || self.passed_calls > 0 {
            return ev.raw;
        }
        let Some(mut v) = ev.json() else { return ev.raw };
        if v.pointer("/delta/stop_reason").and_then(Value::as_str) != Some("tool_use") {
            return ev.raw;
        }
        if let Some(d) = v.get_mut("delta").and_then(Value::as_object_mut) {
            d.insert("stop_reason".into(), json!("end_turn"));
        }
        SseEvent::encode(ev.event.as_deref(), &v.to_string())
    }
}

fn text_block(index: u64, text: &str) -> Vec<Bytes> {
    let start = json!({"type": "content_block_start", "index": index, "content_block": {"type": "text", "text": ""}});
    let delta = json!({"type": "content_block_delta", "index": index, "delta": {"type": "text_delta", "text": text}});
    let stop = json!({"type": "content_block_stop", "index": index});
    vec![
        SseEvent::encode(Some("content_block_start"), &start.to_string()),
        SseEvent::encode(Some("content_block_delta"), &delta.to_string()),
        SseEvent::encode(Some("content_block_stop"), &stop.to_string()),
    ]
}

fn tool_block(index: u64, id: Option<&str>, name: &str, input: &Value) -> Vec<Bytes> {
    let start = json!({"type": "content_block_start", "index": index,
        "content_block": {"type": "tool_use", "id": id, "name": name, "input": {}}});
    let delta = json!({"type": "content_block_delta", "index": index,
        "delta": {"type": "input_json_delta", "partial_json": input.to_string()}});
    let stop = json!({"type": "content_block_stop", "index": index});
    vec![
        SseEvent::encode(Some("content_block_start"), &start.to_string()),
        SseEvent::encode(Some("content_block_delta"), &delta.to_string()),
        SseEvent::encode(Some("content_block_stop"), &stop.to_string()),
    ]
}

impl StreamFilter for AnthropicFilter {
    fn on_event(&mut self, ev: SseEvent, out: &mut Vec<Bytes>) {
        let v = ev.json();
        let kind = v.as_ref().and_then(|v| v.get("type")).and_then(Value::as_str).unwrap_or("");
        let index = v.as_ref().and_then(|v| v.get("index")).and_then(Value::as_u64);
        if let Some(mut h) = self.held.take() {
            let mine = index == Some(h.index);
            match kind {
                "content_block_delta" if mine => {
                    h.size += ev.raw.len();
                    if h.size > self.ctx.limits.max_call {
                        h.oversize = true;
                        h.raw.clear();
                        h.json.clear();
                    } else {
                        if let Some(p) = v.as_ref().and_then(|v| v.pointer("/delta/partial_json")).and_then(Value::as_str) {
                            h.json.push_str(p);
                        }
                        h.raw.push(ev.raw);
                    }
                    self.held = Some(h);
                }
                "content_block_stop" if mine => self.resolve(h, Some(ev), out),
                // The message (or the stream) moves on without closing the call: drop it.
                "message_delta" | "message_stop" | "error" => {
                    self.resolve(h, None, out);
                    self.on_event(ev, out);
                }
                _ => {
                    h.after.push(ev);
                    self.held = Some(h);
                }
            }
            return;
        }
        match kind {
            "content_block_start" => {
                let block = v.as_ref().and_then(|v| v.get("content_block"));
                let is_tool = block.and_then(|b| b.get("type")).and_then(Value::as_str) == Some("tool_use");
                match (is_tool, index) {
                    (true, Some(index)) => {
                        let field = |k: &str| block.and_then(|b| b.get(k)).and_then(Value::as_str).map(str::to_string);
                        self.held = Some(Held {
                            index,
                            id: field("id"),
                            name: field("name").unwrap_or_default(),
                            initial: block.and_then(|b| b.get("input")).cloned().unwrap_or(json!({})),
                            json: String::new(),
                            size: ev.raw.len(),
                            raw: vec![ev.raw],
                            after: Vec::new(),
                            oversize: false,
                        });
                    }
                    (true, None) => {
                        // A tool block without an index cannot be followed: drop it and say so.
                        let j = Judgement::unreadable("a tool_use block without an index");
                        self.blocked_calls += 1;
                        self.records.push(CallRecord::new(None, "", &ev.data, j));
                    }
                    _ => out.push(ev.raw),
                }
            }
            "message_delta" => out.push(self.message_delta(ev)),
            "message_start" => {
                self.passed_calls = 0;
                self.blocked_calls = 0;
                out.push(ev.raw);
            }
            _ => out.push(ev.raw),
        }
    }

    fn on_end(&mut self, out: &mut Vec<Bytes>) {
        if let Some(h) = self.held.take() {
            self.resolve(h, None, out);
            let err = json!({"type": "error", "error": {"type": "api_error",
                "message": "airlock: the upstream stream ended inside a tool call; the call was dropped"}});
            out.push(SseEvent::encode(Some("error"), &err.to_string()));
        }
    }

    fn take_records(&mut self) -> Vec<CallRecord> {
        std::mem::take(&mut self.records)
    }
}

/// Judge a whole (non-streaming) Messages response.
pub fn judge_body(body: Bytes, ctx: &FilterCtx) -> Result<BodyOutcome, String> {
    let mut v: Value = serde_json::from_slice(&body).map_err(|e| format!("the response is not JSON ({e})"))?;
    let Some(content) = v.get_mut("content").and_then(Value::as_array_mut) else {
        return Ok(super::unchanged(body, Vec::new()));
    };
    let mut records = Vec::new();
    let (mut passed, mut blocked) = (0usize, 0usize);
    for block in content.iter_mut() {
        if block.get("type").and_then(Value::as_str) != Some("tool_use") {
            continue;
        }
        let id = block.get("id").and_then(Value::as_str).map(str::to_string);
        let name = block.get("name").and_then(Value::as_str).unwrap_or_default().to_string();
        let input = block.get("input").cloned().unwrap_or(json!({}));
        let j = ctx.judge.judge(&RawCall { id: id.as_deref(), name: &name, input: CallInput::Json(&input) });
        if !j.blocked {
            passed += 1;
        } else if let Some(rep) = &j.replacement {
            passed += 1;
            if let Some(o) = block.as_object_mut() {
                o.insert("input".into(), rep.clone());
            }
        } else {
            blocked += 1;
            *block = json!({"type": "text", "text": j.notice(&name)});
        }
        records.push(CallRecord::new(id.as_deref(), &name, &input.to_string(), j));
    }
    if records.iter().all(|r| !r.judgement.blocked) {
        return Ok(super::unchanged(body, records));
    }
    if blocked > 0 && passed == 0 && v.get("stop_reason").and_then(Value::as_str) == Some("tool_use") {
        if let Some(o) = v.as_object_mut() {
            o.insert("stop_reason".into(), json!("end_turn"));
        }
    }
    Ok(BodyOutcome { body: Bytes::from(v.to_string()), records })
}

#[cfg(test)]
#[path = "anthropic_tests.rs"]
mod tests;
