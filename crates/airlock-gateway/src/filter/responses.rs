//! OpenAI Responses: a tool-call output item is held from `response.output_item.added` to
//! `response.output_item.done`, with every event of its output index in between (argument, input,
//! diff and command deltas), and judged whole from the finished item.
//!
//! Judged items: `function_call` (and `mcp_approval_request`), `custom_tool_call` (free text, such
//! as Codex's `apply_patch` grammar tool), `local_shell_call` (an argv), `shell_call` (each of its
//! commands) and `apply_patch_call` (its operation, as a `*** Begin Patch` patch). Any other
//! `*_call` item the client might run is blocked unread; the provider's hosted tools (web and file
//! search, code interpreter, image generation, hosted MCP) have already run and pass.
//!
//! A blocked call becomes an assistant `message` item at the same output index, streamed as a
//! message is; soft mode keeps the call with its input replaced. The terminal `response.completed`
//! (`incomplete`, `failed`) repeats the whole output and is rewritten to match; a call that only it
//! carries, or that it carries changed, is judged there.

use super::{BodyOutcome, CallRecord, FilterCtx, StreamFilter};
use crate::judge::{CallInput, Judgement, RawCall};
use crate::sse::SseEvent;
use bytes::Bytes;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Tools the provider runs itself: by the time such an item streams, it has run.
const HOSTED: &[&str] =
    &["web_search_call", "file_search_call", "code_interpreter_call", "image_generation_call", "mcp_call"];

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn item_type(item: &Value) -> &str {
    text(item, "type").unwrap_or("")
}

/// Whether an output item is a call the client may run.
fn is_call(item: &Value) -> bool {
    let t = item_type(item);
    (t.ends_with("_call") && !HOSTED.contains(&t)) || t == "mcp_approval_request"
}

/// Events that carry a piece of a call; without a held call they belong to nothing and are dropped.
fn is_call_piece(kind: &str) -> bool {
    let prefixes = ["function_call_arguments.", "custom_tool_call_input.", "apply_patch_call_operation_diff.", "shell_call_command."];
    kind.strip_prefix("response.").is_some_and(|k| prefixes.iter().any(|p| k.starts_with(p)))
}

/// The name a call goes by in a notice.
fn call_name(item: &Value) -> String {
    match item_type(item) {
        "local_shell_call" => "local_shell".into(),
        "shell_call" => "shell".into(),
        "apply_patch_call" => "apply_patch".into(),
        t => text(item, "name").unwrap_or(t).to_string(),
    }
}

fn call_id(item: &Value) -> Option<String> {
    text(item, "call_id").or_else(|| text(item, "id")).map(str::to_string)
}

/// One call item, judged.
struct Judged {
    name: String,
    id: Option<String>,
    input: String,
    judgement: Judgement,
    /// Soft mode: the item with its input replaced.
    soft: Option<Value>,
    item_type: String,
}

impl Judged {
    fn unreadable(item: &Value, input: String, reason: impl Into<String>) -> Self {
        Judged {
            name: call_name(item),
            id: call_id(item),
            input,
            judgement: Judgement::unreadable(reason),
            soft: None,
            item_type: item_type(item).to_string(),
        }
    }

    fn record(&self) -> CallRecord {
        let mut r = CallRecord::new(self.id.as_deref(), &self.name, &self.input, self.judgement.clone());
        r.item_type = Some(self.item_type.clone());
        r
    }
}

/// A copy of `item` with `path` (JSON pointer to an existing object member) set to `value`.
fn with(item: &Value, path: &str, value: Value) -> Option<Value> {
    let mut out = item.clone();
    *out.pointer_mut(path)? = value;
    Some(out)
}

/// Judge one finished call item.
fn judge_item(item: &Value, ctx: &FilterCtx) -> Judged {
    let name = call_name(item);
    let id = call_id(item);
    let judge = |name: &str, input: CallInput<'_>| ctx.judge.judge(&RawCall { id: id.as_deref(), name, input });
    let (input, judgement, soft) = match item_type(item) {
        "function_call" | "mcp_approval_request" => {
            let args = text(item, "arguments").unwrap_or("");
            let j = judge(&name, CallInput::JsonText(args));
            let soft = j.replacement.as_ref().and_then(|r| with(item, "/arguments", json!(r.to_string())));
            (args.to_string(), j, soft)
        }
        "custom_tool_call" => {
            let input = text(item, "input").unwrap_or("");
            (input.to_string(), judge(&name, CallInput::Text(input)), None)
        }
        "local_shell_call" => {
            let argv = item.pointer("/action/command").unwrap_or(&Value::Null);
            let input = argv.to_string();
            if item.pointer("/action/type").and_then(Value::as_str) != Some("exec") {
                return Judged::unreadable(item, input, "its action is not `exec`");
            }
            let j = judge(&name, CallInput::Argv(argv));
            let soft = j.replacement.as_ref().and_then(|r| with(item, "/action/command", r.get("command")?.clone()));
            (input, j, soft)
        }
        "shell_call" => return judge_shell(item, name, id, ctx),
        "apply_patch_call" => match operation_patch(item.get("operation").unwrap_or(&Value::Null)) {
            Ok(patch) => {
                let j = judge(&name, CallInput::Text(&patch));
                (patch, j, None)
            }
            Err(e) => return Judged::unreadable(item, item.to_string(), e),
        },
        t => {
            let reason = format!("airlock cannot read a `{t}` output item");
            return Judged::unreadable(item, item.to_string(), reason);
        }
    };
    Judged { name, id, input, judgement, soft, item_type: item_type(item).to_string() }
}

/// A `shell_call` runs each command of `action.commands`: each is judged on its own (joined, a
/// here-document could hide one command inside another's text), and the worst verdict stands.
fn judge_shell(item: &Value, name: String, id: Option<String>, ctx: &FilterCtx) -> Judged {
    let cmds = item.pointer("/action/commands").and_then(Value::as_array);
    let input = cmds.map(|c| Value::Array(c.clone()).to_string()).unwrap_or_default();
    let cmds: Option<Vec<&str>> = cmds.map(|c| c.iter().map(Value::as_str).collect()).unwrap_or(None);
    let Some(cmds) = cmds.filter(|c| !c.is_empty()) else {
        return Judged::unreadable(item, input, "its `action.commands` is not a list of command lines");
    };
    let verdicts: Vec<Judgement> = cmds
        .iter()
        .map(|c| {
            let args = json!({ "command": c });
            ctx.judge.judge(&RawCall { id: id.as_deref(), name: "shell", input: CallInput::Json(&args) })
        })
        .collect();
    let replaced: Option<Vec<Value>> = cmds
        .iter()
        .zip(&verdicts)
        .map(|(c, j)| match (j.blocked, &j.replacement) {
            (false, _) => Some(json!(c)),
            (true, Some(r)) => r.get("command").cloned(),
            (true, None) => None,
        })
        .collect();
    let judgement = worst(verdicts);
    let soft = match replaced {
        Some(r) if judgement.blocked => with(item, "/action/commands", Value::Array(r)),
        _ => None,
    };
    Judged { name, id, input, judgement, soft, item_type: item_type(item).to_string() }
}

/// One judgement for several: the blocked ones merged, else the most severe.
fn worst(verdicts: Vec<Judgement>) -> Judgement {
    let mut out: Option<Judgement> = None;
    for j in verdicts {
        out = Some(match out {
            None => j,
            Some(mut o) if o.blocked && j.blocked => {
                o.decision = if j.decision > o.decision { j.decision } else { o.decision };
                for r in j.rules {
                    if !o.rules.contains(&r) {
                        o.rules.push(r);
                    }
                }
                o.reason = format!("{}; {}", o.reason, j.reason);
                o.replacement = None;
                o
            }
            Some(o) if o.blocked || (!j.blocked && o.decision >= j.decision) => o,
            Some(_) => j,
        });
    }
    out.unwrap_or_else(Judgement::pass)
}

/// An `apply_patch_call` operation as the Codex patch it amounts to (the diff is the same V4A
/// format). A diff line that would end or start a file section is refused: the judge would read a
/// different patch from the one applied.
fn operation_patch(op: &Value) -> Result<String, String> {
    let path = text(op, "path").filter(|p| !p.trim().is_empty() && !p.contains(['\n', '\r']));
    let path = path.ok_or("its operation has no readable `path`")?;
    let diff = text(op, "diff").unwrap_or("");
    if diff.lines().any(|l| l.starts_with("*** ") && l.trim_end() != "*** End of File") {
        return Err("its diff holds a patch section marker".into());
    }
    let body = diff.trim_end_matches(['\n', '\r']);
    let section = match text(op, "type") {
        Some("create_file") => format!("*** Add File: {path}\n{body}\n"),
        Some("update_file") => format!("*** Update File: {path}\n{body}\n"),
        Some("delete_file") => format!("*** Delete File: {path}\n"),
        other => return Err(format!("its operation type {other:?} is not one airlock knows")),
    };
    Ok(format!("*** Begin Patch\n{section}*** End Patch\n"))
}

fn message_item(id: &str, notice: &str) -> Value {
    json!({"id": id, "type": "message", "status": "completed", "role": "assistant",
        "content": [{"type": "output_text", "text": notice, "annotations": []}]})
}

/// Sequence numbers for events the gateway makes: those of the events they replace, in order.
struct Seqs(Vec<u64>, usize);

impl Seqs {
    fn next(&mut self) -> u64 {
        let n = self.0.get(self.1).or(self.0.last()).copied().unwrap_or(0);
        self.1 += 1;
        n
    }
}

fn event(mut v: Value, seqs: &mut Seqs) -> Bytes {
    if let Some(o) = v.as_object_mut() {
        o.insert("sequence_number".into(), json!(seqs.next()));
    }
    SseEvent::encode(v.get("type").and_then(Value::as_str), &v.to_string())
}

/// A message item with `notice`, streamed at `index` the way the API streams one.
fn message_events(index: u64, item: &Value, seqs: &mut Seqs) -> Vec<Bytes> {
    let id = text(item, "id").unwrap_or("");
    let notice = item.pointer("/content/0/text").and_then(Value::as_str).unwrap_or("");
    let part = json!({"type": "output_text", "text": notice, "annotations": []});
    let empty = json!({"type": "output_text", "text": "", "annotations": []});
    let ev = |kind: &str, extra: Value| {
        let mut v = json!({"type": kind, "item_id": id, "output_index": index, "content_index": 0});
        if let (Some(o), Value::Object(x)) = (v.as_object_mut(), extra) {
            o.extend(x);
        }
        v
    };
    let mut added = item.clone();
    if let Some(o) = added.as_object_mut() {
        o.insert("status".into(), json!("in_progress"));
        o.insert("content".into(), json!([]));
    }
    [
        json!({"type": "response.output_item.added", "output_index": index, "item": added}),
        ev("response.content_part.added", json!({"part": empty})),
        ev("response.output_text.delta", json!({"delta": notice, "logprobs": []})),
        ev("response.output_text.done", json!({"text": notice, "logprobs": []})),
        ev("response.content_part.done", json!({"part": part})),
        json!({"type": "response.output_item.done", "output_index": index, "item": item}),
    ]
    .into_iter()
    .map(|v| event(v, seqs))
    .collect()
}

/// A soft-mode call, streamed at `index` with its replaced input.
fn soft_events(index: u64, item: &Value, seqs: &mut Seqs) -> Vec<Bytes> {
    let mut added = item.clone();
    if let Some(o) = added.as_object_mut() {
        o.insert("status".into(), json!("in_progress"));
    }
    let mut evs = vec![json!({"type": "response.output_item.added", "output_index": index, "item": added})];
    if let (Some(args), Some(id)) = (text(item, "arguments"), text(item, "id")) {
        if let Some(a) = evs.first_mut().and_then(|e| e.pointer_mut("/item/arguments")) {
            *a = json!("");
        }
        for (kind, key) in [("delta", "delta"), ("done", "arguments")] {
            let mut v = json!({"type": format!("response.function_call_arguments.{kind}"), "item_id": id, "output_index": index});
            if let Some(o) = v.as_object_mut() {
                o.insert(key.into(), json!(args));
            }
            evs.push(v);
        }
    }
    evs.push(json!({"type": "response.output_item.done", "output_index": index, "item": item}));
    evs.into_iter().map(|v| event(v, seqs)).collect()
}

/// What became of one call, for the terminal event's copy of the output.
struct Decided {
    index: u64,
    id: Option<String>,
    /// The item as it was let through.
    passed: Option<Value>,
    /// The item sent in its place.
    replacement: Option<Value>,
}

struct Held {
    index: u64,
    id: Option<String>,
    added: Value,
    /// Argument, input or diff deltas joined; `done` is the text of the matching `.done` event.
    text: String,
    done: Option<String>,
    commands: BTreeMap<u64, String>,
    raw: Vec<Bytes>,
    seqs: Vec<u64>,
    /// Events of other output items that arrived while this one was held, sent after it in order.
    after: Vec<SseEvent>,
    size: usize,
    oversize: bool,
}

impl Held {
    fn take_piece(&mut self, kind: &str, v: &Value) {
        let s = |k: &str| text(v, k).map(str::to_string);
        let ci = v.get("command_index").and_then(Value::as_u64).unwrap_or(0);
        match kind.rsplit_once('.') {
            Some(("response.shell_call_command", "delta")) => {
                self.commands.entry(ci).or_default().push_str(text(v, "delta").unwrap_or(""));
            }
            Some(("response.shell_call_command", _)) => {
                if let Some(c) = s("command") {
                    self.commands.insert(ci, c);
                }
            }
            Some((_, "delta")) if is_call_piece(kind) => self.text.push_str(text(v, "delta").unwrap_or("")),
            Some((_, "done")) if is_call_piece(kind) => {
                if let Some(d) = s("arguments").or_else(|| s("input")).or_else(|| s("diff")) {
                    self.done = Some(d);
                }
            }
            _ => {}
        }
    }

    /// The finished item: that of `output_item.done`, its input filled from the pieces if missing.
    /// Pieces that disagree with the finished item are refused: a client that joins the deltas
    /// itself would run something other than what was judged.
    fn complete(&self, done: Option<Value>) -> Result<Value, &'static str> {
        let mut item = done.filter(Value::is_object).unwrap_or_else(|| self.added.clone());
        let (parent, key) = match item_type(&item) {
            "function_call" | "mcp_approval_request" => ("", "arguments"),
            "custom_tool_call" => ("", "input"),
            "apply_patch_call" => ("/operation", "diff"),
            "shell_call" => ("/action", "commands"),
            _ => return Ok(item),
        };
        let streamed = match (self.commands.is_empty(), &self.done) {
            (false, _) => json!(self.commands.values().collect::<Vec<_>>()),
            (true, Some(d)) => json!(d),
            (true, None) => json!(self.text),
        };
        let pieces_seen = !self.commands.is_empty() || self.done.is_some() || !self.text.is_empty();
        let Some(o) = item.pointer_mut(parent).and_then(Value::as_object_mut) else { return Ok(item) };
        match o.get(key) {
            None | Some(Value::Null) if pieces_seen => {
                o.insert(key.into(), streamed);
            }
            None | Some(Value::Null) => {}
            Some(v) if pieces_seen && *v != streamed => return Err("its streamed input differs from the finished item"),
            Some(_) if !self.text.is_empty() && self.done.as_deref().is_some_and(|d| d != self.text) => {
                return Err("its streamed input differs from the finished item");
            }
            Some(_) => {}
        }
        Ok(item)
    }
}

/// The Responses stream judge.
pub struct ResponsesFilter {
    ctx: FilterCtx,
    held: Option<Held>,
    decided: Vec<Decided>,
    notices: usize,
    last_seq: u64,
    records: Vec<CallRecord>,
    response_id: Option<String>,
}

impl ResponsesFilter {
    pub fn new(ctx: FilterCtx) -> Self {
        ResponsesFilter { ctx, held: None, decided: Vec::new(), notices: 0, last_seq: 0, records: Vec::new(), response_id: None }
    }

    fn hold(&mut self, index: u64, item: &Value, raw: Option<Bytes>, seq: Option<u64>) {
        self.held = Some(Held {
            index,
            id: text(item, "id").map(str::to_string),
            added: item.clone(),
            text: String::new(),
            done: None,
            commands: BTreeMap::new(),
            size: raw.as_ref().map_or(0, Bytes::len),
            raw: raw.into_iter().collect(),
            seqs: seq.into_iter().collect(),
            after: Vec::new(),
            oversize: false,
        });
    }

    fn resolve(&mut self, h: Held, done: Option<SseEvent>, out: &mut Vec<Bytes>) {
        let done_json = done.as_ref().and_then(SseEvent::json);
        let (judged, passed) = if h.oversize {
            let reason = format!("its input is larger than the gateway's limit of {} bytes", self.ctx.limits.max_call);
            (Judged::unreadable(&h.added, String::new(), reason), None)
        } else if done.is_some() {
            match h.complete(done_json.as_ref().and_then(|v| v.get("item")).cloned()) {
                Ok(item) => (judge_item(&item, &self.ctx), Some(item)),
                Err(reason) => (Judged::unreadable(&h.added, h.text.clone(), reason), None),
            }
        } else {
            let reason = "the stream ended before the tool call was complete";
            (Judged::unreadable(&h.added, h.done.clone().unwrap_or(h.text.clone()), reason), None)
        };
        let mut seqs = h.seqs;
        seqs.extend(done_json.as_ref().and_then(|v| v.get("sequence_number")).and_then(Value::as_u64));
        let mut seqs = Seqs(seqs, 0);
        let replacement = match (judged.judgement.blocked, &judged.soft) {
            (false, _) => {
                out.extend(h.raw);
                out.extend(done.map(|d| d.raw));
                None
            }
            (true, Some(soft)) => {
                out.extend(soft_events(h.index, soft, &mut seqs));
                Some(soft.clone())
            }
            (true, None) => {
                let item = self.message(&judged);
                out.extend(message_events(h.index, &item, &mut seqs));
                Some(item)
            }
        };
        self.decided.push(Decided { index: h.index, id: h.id, passed, replacement });
        self.records.push(judged.record());
        for ev in h.after {
            self.on_event(ev, out);
        }
    }

    fn message(&mut self, judged: &Judged) -> Value {
        self.notices += 1;
        message_item(&format!("msg_airlock_{}", self.notices), &judged.judgement.notice(&judged.name))
    }

    /// `response.completed` and its kin: the output they repeat, rewritten like the stream was.
    fn terminal(&mut self, ev: SseEvent) -> Bytes {
        let Some(mut v) = ev.json() else { return ev.raw };
        let Some(output) = v.pointer_mut("/response/output").and_then(Value::as_array_mut) else {
            return ev.raw;
        };
        let mut changed = false;
        for (pos, item) in output.iter_mut().enumerate() {
            if !is_call(item) {
                continue;
            }
            let id = text(item, "id");
            let known = self.decided.iter().find(|d| match (id, d.id.as_deref()) {
                (Some(a), Some(b)) => a == b,
                _ => d.index == pos as u64,
            });
            let replacement = match known {
                Some(Decided { replacement: Some(r), .. }) => r.clone(),
                Some(Decided { passed: Some(p), .. }) if p == item => continue,
                // Never streamed, or changed since: judged here.
                _ => match self.decide(item) {
                    Some(r) => r,
                    None => continue,
                },
            };
            *item = replacement;
            changed = true;
        }
        if !changed {
            return ev.raw;
        }
        SseEvent::encode(ev.event.as_deref(), &v.to_string())
    }

    /// Judge a whole item; the item to put in its place, if any.
    fn decide(&mut self, item: &Value) -> Option<Value> {
        let judged = judge_item(item, &self.ctx);
        self.records.push(judged.record());
        match (judged.judgement.blocked, &judged.soft) {
            (false, _) => None,
            (true, Some(soft)) => Some(soft.clone()),
            (true, None) => Some(self.message(&judged)),
        }
    }
}

impl StreamFilter for ResponsesFilter {
    fn on_event(&mut self, ev: SseEvent, out: &mut Vec<Bytes>) {
        let v = ev.json();
        let field = |k: &str| v.as_ref().and_then(|v| v.get(k));
        let kind = field("type").and_then(Value::as_str).unwrap_or("").to_string();
        let index = field("output_index").and_then(Value::as_u64);
        let seq = field("sequence_number").and_then(Value::as_u64);
        if self.response_id.is_none() {
            self.response_id = field("response").and_then(|r| r.get("id")).and_then(Value::as_str).map(str::to_string);
        }
        self.last_seq = self.last_seq.max(seq.unwrap_or(0));
        let item = field("item").filter(|i| is_call(i)).cloned();
        if let Some(mut h) = self.held.take() {
            let item_id = field("item_id").and_then(Value::as_str);
            let mine = index == Some(h.index) || (index.is_none() && item_id.is_some() && item_id == h.id.as_deref());
            match kind.as_str() {
                "response.output_item.done" if mine => self.resolve(h, Some(ev), out),
                // The response (or the stream) ends without closing the call: drop it.
                "response.completed" | "response.incomplete" | "response.failed" | "error" => {
                    self.resolve(h, None, out);
                    self.on_event(ev, out);
                }
                _ if mine => {
                    h.size += ev.raw.len();
                    h.seqs.extend(seq);
                    if h.size > self.ctx.limits.max_call {
                        h.oversize = true;
                        h.raw.clear();
                        h.text.clear();
                        h.done = None;
                        h.commands.clear();
                    } else if let Some(v) = &v {
                        h.take_piece(&kind, v);
                        h.raw.push(ev.raw);
                    }
                    self.held = Some(h);
                }
                _ => {
                    h.after.push(ev);
                    self.held = Some(h);
                }
            }
            return;
        }
        match (kind.as_str(), item, index) {
            ("response.output_item.added", Some(item), Some(index)) => self.hold(index, &item, Some(ev.raw), seq),
            ("response.output_item.added", Some(item), None) => {
                // A call without an output index cannot be followed: drop it and say so.
                let j = Judged::unreadable(&item, ev.data.clone(), "a call item without an output index");
                self.records.push(j.record());
            }
            // A call that was never announced: judged on its own.
            ("response.output_item.done", Some(item), index) => {
                self.hold(index.unwrap_or(0), &item, None, None);
                if let Some(h) = self.held.take() {
                    self.resolve(h, Some(ev), out);
                }
            }
            (k, _, _) if is_call_piece(k) => {}
            ("response.completed" | "response.incomplete" | "response.failed", _, _) => {
                let bytes = self.terminal(ev);
                out.push(bytes);
            }
            _ => out.push(ev.raw),
        }
    }

    fn on_end(&mut self, out: &mut Vec<Bytes>) {
        let mut dropped = false;
        while let Some(h) = self.held.take() {
            self.resolve(h, None, out);
            dropped = true;
        }
        if dropped {
            let err = json!({"type": "error", "code": "airlock_incomplete_call",
                "message": "airlock: the upstream stream ended inside a tool call; the call was dropped",
                "param": null, "sequence_number": self.last_seq + 1});
            out.push(SseEvent::encode(Some("error"), &err.to_string()));
        }
    }

    fn take_records(&mut self) -> Vec<CallRecord> {
        std::mem::take(&mut self.records)
    }

    fn response_id(&self) -> Option<String> {
        self.response_id.clone()
    }
}

/// Judge a whole (non-streaming) Responses response: its `output` array.
pub fn judge_body(body: Bytes, ctx: &FilterCtx) -> Result<BodyOutcome, String> {
    let mut v: Value = serde_json::from_slice(&body).map_err(|e| format!("the response is not JSON ({e})"))?;
    let Some(output) = v.get_mut("output").and_then(Value::as_array_mut) else {
        return Ok(super::unchanged(body, Vec::new()));
    };
    let mut f = ResponsesFilter::new(ctx.clone());
    let mut changed = false;
    for item in output.iter_mut().filter(|i| is_call(i)) {
        if let Some(r) = f.decide(item) {
            *item = r;
            changed = true;
        }
    }
    let records = f.take_records();
    if !changed {
        return Ok(super::unchanged(body, records));
    }
    Ok(BodyOutcome { body: Bytes::from(v.to_string()), records })
}

#[cfg(test)]
#[path = "responses_tests.rs"]
mod tests;
