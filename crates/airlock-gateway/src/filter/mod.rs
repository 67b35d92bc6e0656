//! Stream judges, one per API: each holds a tool call from its first event to its last, judges it
//! whole, and sends either the held events unchanged or a replacement. Everything else passes at once.
//!
//! A filter is a state machine over parsed [`SseEvent`]s; it appends the bytes to send to `out`. It
//! never fails: an event it cannot read passes through unchanged unless it belongs to a held call,
//! in which case the call is dropped (fail closed) and the reason recorded.

pub mod anthropic;
pub mod chat;
pub mod gemini;
pub mod responses;
#[cfg(test)]
pub(crate) mod testkit;

use crate::judge::{CallJudge, Judgement};
use crate::sse::SseEvent;
use bytes::Bytes;
use std::sync::Arc;

/// One judged tool call, for the audit record.
#[derive(Debug, Clone, PartialEq)]
pub struct CallRecord {
    pub id: Option<String>,
    pub name: String,
    /// The input as the model sent it (capped for the record).
    pub input: String,
    pub judgement: Judgement,
    /// The Responses item type (`function_call`, `custom_tool_call`, ...), where the API has one.
    pub item_type: Option<String>,
    /// For a write-type call, per path written: `{"path", "sha256", "lines"}` (and the line keys
    /// provenance needs when `input` is cut short), from the whole input.
    pub writes: Vec<serde_json::Value>,
}

/// Longest input kept in a [`CallRecord`].
pub const RECORD_INPUT_CAP: usize = 64 * 1024;

impl CallRecord {
    pub fn new(id: Option<&str>, name: &str, input: &str, judgement: Judgement) -> Self {
        let mut end = input.len().min(RECORD_INPUT_CAP);
        while !input.is_char_boundary(end) {
            end -= 1;
        }
        CallRecord {
            id: id.map(str::to_string),
            name: name.to_string(),
            input: input.get(..end).unwrap_or_default().to_string(),
            writes: airlock_review::provenance::write_digests(name, input, input.len() > RECORD_INPUT_CAP),
            judgement,
            item_type: None,
        }
    }
}

/// A stream judge for one response.
pub trait StreamFilter: Send {
    /// One event from upstream; bytes for the client are appended to `out`.
    fn on_event(&mut self, ev: SseEvent, out: &mut Vec<Bytes>);
    /// Upstream ended (cleanly or not). A call still held is dropped and recorded; `clean` says
    /// whether the stream ended where the API says it may.
    fn on_end(&mut self, out: &mut Vec<Bytes>);
    /// The calls judged so far (drained).
    fn take_records(&mut self) -> Vec<CallRecord>;
    /// The response's id, where the API gives one (Responses: the server may keep the response).
    fn response_id(&self) -> Option<String> {
        None
    }
}

/// Limits shared by the filters.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Most bytes held for one tool call; a bigger call is dropped.
    pub max_call: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_call: 4 << 20 }
    }
}

/// What a filter needs from the gateway.
#[derive(Clone)]
pub struct FilterCtx {
    pub judge: Arc<dyn CallJudge>,
    pub limits: Limits,
}

/// The outcome of judging a whole (non-streaming) response body.
#[derive(Debug)]
pub struct BodyOutcome {
    /// The body to send: the original bytes when nothing changed.
    pub body: Bytes,
    pub records: Vec<CallRecord>,
}

/// A body nobody can read is passed only when it has no tool call in it; the caller decides.
pub(crate) fn unchanged(body: Bytes, records: Vec<CallRecord>) -> BodyOutcome {
    BodyOutcome { body, records }
}
