//! Reading fields out of an agent's tool input. Required fields that are missing or of the wrong type
//! are errors; optional fields may be absent or `null`, but a present value of the wrong type is an
//! error too (a model that sends `"workdir": 5` gets a deny, never a guess).

use crate::AgentError;
use serde_json::Value;

pub(super) fn bad(tool: &str, message: impl Into<String>) -> AgentError {
    AgentError::BadToolInput {
        tool: tool.into(),
        message: message.into(),
    }
}

/// The first of `names` that is present (and not null) must be a string.
pub(super) fn req_str<'a>(
    tool: &str,
    input: &'a Value,
    names: &[&str],
) -> Result<&'a str, AgentError> {
    opt_str(tool, input, names)?
        .ok_or_else(|| bad(tool, format!("missing `{}`", names.join("` or `"))))
}

/// Like [`req_str`], but absence is fine.
pub(super) fn opt_str<'a>(
    tool: &str,
    input: &'a Value,
    names: &[&str],
) -> Result<Option<&'a str>, AgentError> {
    if !input.is_object() {
        return Err(bad(tool, "the tool input is not a JSON object"));
    }
    for n in names {
        match input.get(*n) {
            Some(Value::String(s)) => return Ok(Some(s)),
            Some(Value::Null) | None => {}
            Some(_) => return Err(bad(tool, format!("`{n}` is not a string"))),
        }
    }
    Ok(None)
}

/// An optional boolean flag (absent or null is false).
pub(super) fn opt_bool(tool: &str, input: &Value, names: &[&str]) -> Result<bool, AgentError> {
    for n in names {
        match input.get(*n) {
            Some(Value::Bool(b)) => return Ok(*b),
            Some(Value::Null) | None => {}
            Some(_) => return Err(bad(tool, format!("`{n}` is not a boolean"))),
        }
    }
    Ok(false)
}

/// An optional non-negative integer.
pub(super) fn opt_u64(tool: &str, input: &Value, name: &str) -> Result<Option<u64>, AgentError> {
    match input.get(name) {
        Some(Value::Null) | None => Ok(None),
        Some(v) => v
            .as_u64()
            .map(Some)
            .ok_or_else(|| bad(tool, format!("`{name}` is not a non-negative integer"))),
    }
}

/// Quote one argument for a POSIX shell (left bare when it cannot be misread).
pub(super) fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:@%+,".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}
