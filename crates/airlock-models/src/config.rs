//! JSON beside the weights: `config.json`, `tokenizer_config.json`, shard indexes. They
//! cannot run code themselves, but they can tell a loader to: `auto_map` names Python
//! classes that `trust_remote_code=True` imports from the model folder, and
//! `chat_template` is a Jinja program the engine renders around every conversation.

use std::io::Read;

use serde_json::Value;

use crate::scan::Source;
use crate::Finding;

/// Larger JSON is not parsed (a `tokenizer.json` of a 256k vocabulary is ~30 MB).
pub const MAX_JSON: u64 = 256 << 20;

/// Scans what looks like JSON; `false` when it is not JSON but UTF-8 text (a Go template
/// of an Ollama model begins with `{{`), which has nothing to check.
pub fn scan(r: &mut dyn Source, size: u64, out: &mut Vec<Finding>) -> bool {
    if size > MAX_JSON {
        out.push(Finding::warning("MDL020", format!("JSON of {size} bytes (over {MAX_JSON}): not checked")));
        return true;
    }
    let mut text = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    if let Err(e) = r.take(MAX_JSON).read_to_end(&mut text) {
        out.push(Finding::unsafe_("MDL002", format!("read error: {e}")));
        return true;
    }
    let v: Value = match serde_json::from_slice(&text) {
        Ok(v) => v,
        Err(_) if crate::format::is_text(&text) => return false,
        Err(e) => {
            out.push(Finding::warning("MDL020", format!("neither JSON ({e}) nor text: not checked")));
            return true;
        }
    };
    check(&v, out);
    true
}

/// The checks on a parsed document.
pub fn check(v: &Value, out: &mut Vec<Finding>) {
    let Some(obj) = v.as_object() else { return };
    if let Some(map) = obj.get("auto_map") {
        let mut refs: Vec<String> = Vec::new();
        collect_strings(map, &mut refs);
        refs.sort();
        refs.dedup();
        out.push(
            Finding::warning(
                "MDL021",
                format!(
                    "declares custom code ({}): loading with trust_remote_code=True imports and runs it",
                    refs.join(", ")
                ),
            )
            .at("auto_map"),
        );
    }
    match obj.get("chat_template") {
        Some(Value::String(t)) => crate::check_chat_template("chat_template", t, out),
        Some(Value::Array(items)) => {
            for it in items {
                let name = it.get("name").and_then(Value::as_str).unwrap_or("unnamed");
                match it.get("template").and_then(Value::as_str) {
                    Some(t) => crate::check_chat_template(&format!("chat_template.{name}"), t, out),
                    None => out.push(Finding::warning("MDL022", "chat_template entry without a template string").at("chat_template")),
                }
            }
        }
        Some(Value::Null) | None => {}
        Some(_) => out.push(Finding::warning("MDL022", "chat_template is neither a string nor a list").at("chat_template")),
    }
}

fn collect_strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| collect_strings(x, out)),
        Value::Object(o) => o.values().for_each(|x| collect_strings(x, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn auto_map_is_reported() {
        let mut out = Vec::new();
        check(&serde_json::json!({"auto_map": {"AutoModel": "modeling_x.XModel"}}), &mut out);
        assert_eq!(out.len(), 1);
        assert!(out[0].message.contains("modeling_x.XModel"), "{out:?}");
        let mut none = Vec::new();
        check(&serde_json::json!({"architectures": ["LlamaForCausalLM"]}), &mut none);
        assert!(none.is_empty());
    }
}
