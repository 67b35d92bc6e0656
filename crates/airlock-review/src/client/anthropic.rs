//! Anthropic Messages: the findings are the input of a forced `report_findings` tool call.

use super::{endpoint, Request};
use crate::prompt::Prompt;
use crate::schema::findings_schema;
use airlock_config::ReviewerSpec;
use serde_json::{json, Value};

pub(crate) const TOOL: &str = "report_findings";

pub(crate) fn request(spec: &ReviewerSpec, base: &str, key: Option<&str>, p: &Prompt) -> Request {
    let mut headers = vec![("anthropic-version", "2023-06-01".to_string())];
    if let Some(k) = key {
        headers.push(("x-api-key", k.to_string()));
    }
    Request {
        url: endpoint(base, "v1", "messages"),
        headers,
        body: json!({
            "model": spec.model,
            "max_tokens": spec.max_output_tokens,
            "system": p.system,
            "messages": [{"role": "user", "content": p.user}],
            "tools": [{
                "name": TOOL,
                "description": "Report the security findings of the review (an empty list when there are none).",
                "input_schema": findings_schema(),
            }],
            "tool_choice": {"type": "tool", "name": TOOL},
        }),
    }
}

pub(crate) fn answer(body: &Value) -> Result<Value, String> {
    let blocks = body.get("content").and_then(Value::as_array).ok_or("no `content` in the Messages answer")?;
    let calls: Vec<&Value> = blocks
        .iter()
        .filter(|b| b.get("type").and_then(Value::as_str) == Some("tool_use"))
        .collect();
    match calls.as_slice() {
        [one] if one.get("name").and_then(Value::as_str) == Some(TOOL) => {
            one.get("input").cloned().ok_or_else(|| "the tool call has no input".into())
        }
        [] => {
            let stop = body.get("stop_reason").and_then(Value::as_str).unwrap_or("?");
            Err(format!("no `{TOOL}` tool call in the answer (stop_reason {stop})"))
        }
        _ => Err(format!("the answer is not exactly one `{TOOL}` tool call")),
    }
}
