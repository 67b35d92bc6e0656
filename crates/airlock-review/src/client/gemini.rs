//! Gemini `generateContent` with `responseMimeType: application/json` and a `responseSchema` (the
//! findings schema in Gemini's OpenAPI subset).

use super::{endpoint, text_answer, Request};
use crate::prompt::Prompt;
use crate::schema::findings_schema;
use airlock_config::ReviewerSpec;
use serde_json::{json, Map, Value};

pub(crate) fn request(spec: &ReviewerSpec, base: &str, key: Option<&str>, p: &Prompt) -> Request {
    let model = spec.model.strip_prefix("models/").unwrap_or(&spec.model);
    let headers = key.map(|k| vec![("x-goog-api-key", k.to_string())]).unwrap_or_default();
    Request {
        url: endpoint(base, "v1beta", &format!("models/{model}:generateContent")),
        headers,
        body: json!({
            "systemInstruction": {"parts": [{"text": p.system}]},
            "contents": [{"role": "user", "parts": [{"text": p.user}]}],
            "generationConfig": {
                "responseMimeType": "application/json",
                "responseSchema": openapi_schema(&findings_schema()),
                "maxOutputTokens": spec.max_output_tokens,
            },
        }),
    }
}

/// JSON Schema onto Gemini's subset: `["T", "null"]` becomes `T` with `nullable`, and only the
/// keywords Gemini reads are kept.
pub(crate) fn openapi_schema(s: &Value) -> Value {
    let Some(o) = s.as_object() else { return s.clone() };
    let mut out = Map::new();
    for (k, v) in o {
        match k.as_str() {
            "type" => match v {
                Value::Array(ts) => {
                    if let Some(t) = ts.iter().find(|t| t.as_str() != Some("null")) {
                        out.insert("type".into(), t.clone());
                    }
                    if ts.iter().any(|t| t.as_str() == Some("null")) {
                        out.insert("nullable".into(), Value::Bool(true));
                    }
                }
                t => {
                    out.insert("type".into(), t.clone());
                }
            },
            "properties" => {
                let props = v.as_object().map(|m| m.iter().map(|(n, p)| (n.clone(), openapi_schema(p))).collect::<Map<_, _>>());
                out.insert(k.clone(), Value::Object(props.unwrap_or_default()));
            }
            "items" => {
                out.insert(k.clone(), openapi_schema(v));
            }
            "required" | "enum" | "description" => {
                out.insert(k.clone(), v.clone());
            }
            _ => {}
        }
    }
    Value::Object(out)
}

pub(crate) fn answer(body: &Value) -> Result<Value, String> {
    let cands = body.get("candidates").and_then(Value::as_array).ok_or_else(|| {
        let why = body.pointer("/promptFeedback/blockReason").and_then(Value::as_str).unwrap_or("none given");
        format!("no `candidates` in the answer (block reason: {why})")
    })?;
    let [cand] = cands.as_slice() else {
        return Err(format!("{} candidates, expected one", cands.len()));
    };
    let parts = cand.pointer("/content/parts").and_then(Value::as_array).ok_or("the candidate has no parts")?;
    let text: String = parts.iter().filter_map(|p| p.get("text").and_then(Value::as_str)).collect();
    text_answer(&text)
}
