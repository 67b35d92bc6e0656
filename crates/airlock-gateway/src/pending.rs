//! Outputs owed for calls the gateway removed from a stored Responses response.
//!
//! With `store: true` the provider keeps the response it generated, blocked call included. A client
//! that continues with `previous_response_id` never saw that call, so it sends no output for it, and
//! the provider refuses the next request ("no tool output found"). The gateway remembers the calls it
//! removed, by response id, and adds their outputs (the notice) to the next request that continues
//! from that response.

use crate::filter::CallRecord;
use serde_json::{json, Value};
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

/// Responses remembered at most (oldest forgotten first).
const CAPACITY: usize = 10_000;

#[derive(Default)]
struct Inner {
    by_response: HashMap<String, Vec<Value>>,
    order: VecDeque<String>,
}

/// The outputs owed, by response id.
#[derive(Default)]
pub struct PendingOutputs {
    inner: Mutex<Inner>,
}

impl PendingOutputs {
    /// Remember the outputs owed for the blocked calls of response `id`.
    pub fn remember(&self, id: &str, records: &[CallRecord]) {
        let outputs: Vec<Value> = records
            .iter()
            .filter(|r| r.judgement.blocked && r.judgement.replacement.is_none())
            .filter_map(|r| {
                let kind = match r.item_type.as_deref()? {
                    "function_call" => "function_call_output",
                    "custom_tool_call" => "custom_tool_call_output",
                    _ => return None,
                };
                let call_id = r.id.as_deref()?;
                Some(json!({"type": kind, "call_id": call_id, "output": r.judgement.notice(&r.name)}))
            })
            .collect();
        if outputs.is_empty() {
            return;
        }
        let Ok(mut g) = self.inner.lock() else { return };
        if g.by_response.insert(id.to_string(), outputs).is_none() {
            g.order.push_back(id.to_string());
        }
        while g.order.len() > CAPACITY {
            if let Some(old) = g.order.pop_front() {
                g.by_response.remove(&old);
            }
        }
    }

    /// Add owed outputs to a Responses request continuing a remembered response; how many were added.
    pub fn fill(&self, body: &mut Value) -> usize {
        let Some(prev) = body.get("previous_response_id").and_then(Value::as_str) else { return 0 };
        let owed = match self.inner.lock() {
            Ok(g) => g.by_response.get(prev).cloned().unwrap_or_default(),
            Err(_) => return 0,
        };
        if owed.is_empty() {
            return 0;
        }
        let Some(obj) = body.as_object_mut() else { return 0 };
        let mut input = match obj.remove("input") {
            Some(Value::Array(a)) => a,
            Some(Value::String(s)) => vec![json!({"role": "user", "content": s})],
            Some(other) => vec![other],
            None => Vec::new(),
        };
        let answered = |id: &Value| input.iter().any(|i| i.get("call_id") == Some(id));
        let missing: Vec<Value> = owed.into_iter().filter(|o| o.get("call_id").is_some_and(|id| !answered(id))).collect();
        let n = missing.len();
        let mut all = missing;
        all.append(&mut input);
        obj.insert("input".into(), Value::Array(all));
        n
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::judge::Judgement;

    fn blocked(id: &str, item_type: &str) -> CallRecord {
        let mut r = CallRecord::new(Some(id), "shell", "{}", Judgement::unreadable("x"));
        r.item_type = Some(item_type.into());
        r
    }

    #[test]
    fn owed_outputs_are_added_once() {
        let p = PendingOutputs::default();
        p.remember("resp_1", &[blocked("call_a", "function_call"), blocked("call_b", "custom_tool_call"), blocked("c", "shell_call")]);
        let mut body = json!({"model": "gpt-5", "previous_response_id": "resp_1", "input": "go on"});
        assert_eq!(p.fill(&mut body), 2);
        assert_eq!(body["input"][0]["type"], "function_call_output");
        assert_eq!(body["input"][0]["call_id"], "call_a");
        assert_eq!(body["input"][1]["type"], "custom_tool_call_output");
        assert_eq!(body["input"][2]["content"], "go on");
        // A client that answered the call itself keeps its answer.
        let mut body = json!({"previous_response_id": "resp_1", "input": [{"type": "function_call_output", "call_id": "call_a", "output": "mine"}]});
        assert_eq!(p.fill(&mut body), 1);
        let mut other = json!({"previous_response_id": "resp_9", "input": []});
        assert_eq!(p.fill(&mut other), 0);
    }
}
