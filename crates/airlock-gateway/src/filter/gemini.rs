//! Gemini `generateContent` / `streamGenerateContent`: every chunk is a whole
//! `GenerateContentResponse`, and a `functionCall` part arrives whole inside one chunk, so there is
//! nothing to hold: a chunk with calls is judged as it comes.
//!
//! A chunk whose calls all pass goes out byte for byte. Otherwise it is rewritten: a blocked
//! `functionCall` part becomes a `text` part with the notice (its other fields, such as a
//! `thoughtSignature`, stay), or in soft mode keeps its place with `args` replaced. Gemini ends a
//! turn with tool calls with `STOP` too, so no finish reason changes. A call streamed in pieces
//! (Vertex `partialArgs` / `willContinue`) is blocked unread: the gateway does not assemble it.

use super::{BodyOutcome, CallRecord, FilterCtx, StreamFilter};
use crate::judge::{CallInput, Judgement, RawCall};
use crate::sse::SseEvent;
use bytes::Bytes;
use serde_json::{json, Value};

/// The part keys a call may come under (the REST API's camelCase, and the proto name).
const CALL_KEYS: [&str; 2] = ["functionCall", "function_call"];

/// Judge the calls of one response chunk in place; whether anything changed.
fn judge_chunk(chunk: &mut Value, ctx: &FilterCtx, records: &mut Vec<CallRecord>) -> bool {
    let Some(candidates) = chunk.get_mut("candidates").and_then(Value::as_array_mut) else {
        return false;
    };
    let mut changed = false;
    for c in candidates.iter_mut() {
        let Some(parts) = c.pointer_mut("/content/parts").and_then(Value::as_array_mut) else {
            continue;
        };
        for part in parts.iter_mut() {
            changed |= judge_part(part, ctx, records);
        }
    }
    changed
}

fn judge_part(part: &mut Value, ctx: &FilterCtx, records: &mut Vec<CallRecord>) -> bool {
    let Some(obj) = part.as_object_mut() else { return false };
    let Some((key, call)) = CALL_KEYS.iter().find_map(|k| obj.get(*k).map(|c| (*k, c))) else {
        return false;
    };
    let name = call.get("name").and_then(Value::as_str).unwrap_or_default().to_string();
    let id = call.get("id").and_then(Value::as_str).map(str::to_string);
    let args = call.get("args").filter(|a| !a.is_null()).cloned().unwrap_or(json!({}));
    let piecewise = call.get("partialArgs").or_else(|| call.get("partial_args")).is_some()
        || [call.get("willContinue"), call.get("will_continue")].contains(&Some(&Value::Bool(true)));
    let judgement = if piecewise {
        Judgement::unreadable("its arguments are streamed in pieces (partialArgs), which the gateway does not assemble")
    } else if !args.is_object() {
        Judgement::unreadable("its `args` is not an object")
    } else {
        ctx.judge.judge(&RawCall { id: id.as_deref(), name: &name, input: CallInput::Json(&args) })
    };
    let blocked = judgement.blocked;
    if blocked {
        match &judgement.replacement {
            Some(rep) => {
                if let Some(c) = obj.get_mut(key).and_then(Value::as_object_mut) {
                    c.insert("args".into(), rep.clone());
                }
            }
            None => {
                for k in CALL_KEYS {
                    obj.remove(k);
                }
                obj.insert("text".into(), json!(judgement.notice(&name)));
            }
        }
    }
    records.push(CallRecord::new(id.as_deref(), &name, &args.to_string(), judgement));
    blocked
}

/// Whether text that is not JSON may still carry a call.
fn mentions_call(data: &str) -> bool {
    CALL_KEYS.iter().any(|k| data.contains(k))
}

/// The Gemini stream judge (`alt=sse`).
pub struct GeminiFilter {
    ctx: FilterCtx,
    records: Vec<CallRecord>,
}

impl GeminiFilter {
    pub fn new(ctx: FilterCtx) -> Self {
        GeminiFilter { ctx, records: Vec::new() }
    }
}

impl StreamFilter for GeminiFilter {
    fn on_event(&mut self, ev: SseEvent, out: &mut Vec<Bytes>) {
        match serde_json::from_str::<Value>(&ev.data) {
            Ok(mut v) => {
                if judge_chunk(&mut v, &self.ctx, &mut self.records) {
                    out.push(SseEvent::encode(ev.event.as_deref(), &v.to_string()));
                } else {
                    out.push(ev.raw);
                }
            }
            // A chunk nobody can read that may hold a call is dropped (fail closed).
            Err(_) if mentions_call(&ev.data) => {
                let j = Judgement::unreadable("a response chunk that is not JSON mentions a function call");
                self.records.push(CallRecord::new(None, "", &ev.data, j));
            }
            Err(_) => out.push(ev.raw),
        }
    }

    fn on_end(&mut self, _out: &mut Vec<Bytes>) {}

    fn take_records(&mut self) -> Vec<CallRecord> {
        std::mem::take(&mut self.records)
    }
}

fn judge_json(body: Bytes, ctx: &FilterCtx) -> Result<BodyOutcome, String> {
    let mut v: Value = serde_json::from_slice(&body).map_err(|e| format!("the response is not JSON ({e})"))?;
    let mut records = Vec::new();
    let changed = match &mut v {
        Value::Array(chunks) => chunks
            .iter_mut()
            .fold(false, |acc, c| judge_chunk(c, ctx, &mut records) | acc),
        chunk => judge_chunk(chunk, ctx, &mut records),
    };
    if !changed {
        return Ok(super::unchanged(body, records));
    }
    Ok(BodyOutcome { body: Bytes::from(v.to_string()), records })
}

/// Judge a whole (non-streaming, `generateContent`) response. An array of chunks is judged too.
pub fn judge_body(body: Bytes, ctx: &FilterCtx) -> Result<BodyOutcome, String> {
    judge_json(body, ctx)
}

/// Judge a whole `streamGenerateContent` body without `alt=sse`: one JSON array of chunks, buffered
/// by the caller. A single object (an error, say) is judged as one chunk.
pub fn judge_array_body(body: Bytes, ctx: &FilterCtx) -> Result<BodyOutcome, String> {
    judge_json(body, ctx)
}

#[cfg(test)]
#[path = "gemini_tests.rs"]
mod tests;
