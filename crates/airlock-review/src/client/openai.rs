//! OpenAI Chat Completions (also any compatible server) and Responses, with a strict `json_schema`
//! response format.

use super::{endpoint, text_answer, Request};
use crate::prompt::Prompt;
use crate::schema::findings_schema;
use airlock_config::ReviewerSpec;
use serde_json::{json, Value};

fn auth(key: Option<&str>) -> Vec<(&'static str, String)> {
    key.map(|k| vec![("authorization", format!("Bearer {k}"))]).unwrap_or_default()
}

/// `openai`: OpenAI itself (`max_completion_tokens`); otherwise a compatible server (`max_tokens`).
pub(crate) fn chat_request(spec: &ReviewerSpec, base: &str, key: Option<&str>, p: &Prompt, openai: bool) -> Request {
    let mut body = json!({
        "model": spec.model,
        "messages": [
            {"role": "system", "content": p.system},
            {"role": "user", "content": p.user},
        ],
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "findings", "strict": true, "schema": findings_schema()},
        },
    });
    if let Some(o) = body.as_object_mut() {
        let field = if openai { "max_completion_tokens" } else { "max_tokens" };
        o.insert(field.into(), json!(spec.max_output_tokens));
    }
    Request { url: endpoint(base, "v1", "chat/completions"), headers: auth(key), body }
}

pub(crate) fn chat_answer(body: &Value) -> Result<Value, String> {
    let choices = body.get("choices").and_then(Value::as_array).ok_or("no `choices` in the answer")?;
    let [choice] = choices.as_slice() else {
        return Err(format!("{} choices, expected one", choices.len()));
    };
    let msg = choice.get("message").ok_or("the choice has no message")?;
    if let Some(r) = msg.get("refusal").and_then(Value::as_str) {
        return Err(format!("the reviewer refused: {r}"));
    }
    let text = msg.get("content").and_then(Value::as_str).ok_or("the message has no text content")?;
    text_answer(text)
}

pub(crate) fn responses_request(spec: &ReviewerSpec, base: &str, key: Option<&str>, p: &Prompt) -> Request {
    Request {
        url: endpoint(base, "v1", "responses"),
        headers: auth(key),
        body: json!({
            "model": spec.model,
            "instructions": p.system,
            "input": p.user,
            "store": false,
            "max_output_tokens": spec.max_output_tokens,
            "text": {"format": {"type": "json_schema", "name": "findings", "strict": true, "schema": findings_schema()}},
        }),
    }
}

pub(crate) fn responses_answer(body: &Value) -> Result<Value, String> {
    if let Some(s) = body.get("status").and_then(Value::as_str).filter(|s| *s != "completed") {
        return Err(format!("the response is {s}, not completed"));
    }
    let items = body.get("output").and_then(Value::as_array).ok_or("no `output` in the answer")?;
    let mut text = String::new();
    for item in items.iter().filter(|i| i.get("type").and_then(Value::as_str) == Some("message")) {
        for part in item.get("content").and_then(Value::as_array).into_iter().flatten() {
            match part.get("type").and_then(Value::as_str) {
                Some("output_text") => text.push_str(part.get("text").and_then(Value::as_str).unwrap_or("")),
                Some("refusal") => {
                    return Err(format!("the reviewer refused: {}", part.get("refusal").and_then(Value::as_str).unwrap_or("")))
                }
                _ => {}
            }
        }
    }
    text_answer(&text)
}
