//! The findings schema and the strict parser of a reviewer's answer.
//!
//! The answer is untrusted data: exactly one JSON object (optionally inside a single ```` ```json ````
//! fence), every field of the schema checked for type, enum value and length, the file one of the
//! reviewed files, the line one the reviewer was shown. Anything else is [`ReviewError::Malformed`].

use crate::change::Change;
use crate::{ReviewError, Result};
pub use airlock_protocol::Severity;
use serde::Serialize;
use serde_json::{Map, Value};

/// The findings JSON Schema (also sent as the structured-output schema).
pub const FINDINGS_SCHEMA: &str = include_str!("../findings.schema.json");

/// Most findings accepted in one answer (more is malformed).
pub const MAX_FINDINGS: usize = 100;
/// Longest title, in characters.
pub const MAX_TITLE: usize = 200;
/// Longest explanation or suggested fix, in characters.
pub const MAX_TEXT: usize = 8000;
/// Largest answer read, in bytes.
pub const MAX_ANSWER_BYTES: usize = 1 << 20;

/// The findings schema as JSON, as sent to the APIs (without the `$schema` and `title` keywords,
/// which some structured-output validators refuse).
pub fn findings_schema() -> Value {
    let mut v: Value = serde_json::from_str(FINDINGS_SCHEMA).unwrap_or(Value::Null);
    if let Some(o) = v.as_object_mut() {
        o.remove("$schema");
        o.remove("title");
    }
    v
}

/// The severity names the schema allows, onto airlock's own [`Severity`].
pub fn parse_severity(s: &str) -> Option<Severity> {
    [Severity::Critical, Severity::High, Severity::Medium, Severity::Low, Severity::Info]
        .into_iter()
        .find(|v| v.as_str() == s)
}

/// Who reviewed: the provider (normalised, see [`crate::normalize_provider`]) and the model.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ReviewerId {
    pub provider: String,
    pub model: String,
}

impl std::fmt::Display for ReviewerId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.provider, self.model)
    }
}

/// One validated finding, mapped to a reviewed file and a line of its new text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The reviewed file's path (as in the [`Change`]).
    pub file: String,
    /// 1-based line of the new file.
    pub line: u32,
    pub end_line: Option<u32>,
    pub severity: Severity,
    pub title: String,
    pub explanation: String,
    pub suggested_fix: Option<String>,
    /// `CWE-<n>`.
    pub cwe: Option<String>,
    /// Set when airlock moved the reviewer's line (outside the lines it was shown).
    pub note: Option<String>,
    /// The reviewer that reported it.
    pub reviewer: ReviewerId,
}

/// The JSON value of an answer's text: one object, optionally in one ```` ```json ```` fence.
pub fn answer_json(text: &str) -> Result<Value, String> {
    if text.len() > MAX_ANSWER_BYTES {
        return Err(format!("the answer is {} bytes, more than {MAX_ANSWER_BYTES}", text.len()));
    }
    let t = text.trim();
    let inner = match t.strip_prefix("```") {
        Some(rest) => {
            let rest = rest.strip_prefix("json").or_else(|| rest.strip_prefix("JSON")).unwrap_or(rest);
            let rest = rest.strip_prefix('\n').or_else(|| rest.strip_prefix("\r\n")).ok_or("a code fence without a newline")?;
            let body = rest.trim_end().strip_suffix("```").ok_or("an unclosed code fence")?;
            if body.contains("```") {
                return Err("more than one code fence".into());
            }
            body
        }
        None => t,
    };
    let v: Value = serde_json::from_str(inner).map_err(|e| format!("not one JSON document: {e}"))?;
    if !v.is_object() {
        return Err("the answer is not a JSON object".into());
    }
    Ok(v)
}

/// Validate an answer (already JSON) against the schema and the change.
pub fn parse_findings(answer: &Value, change: &Change, reviewer: &ReviewerId) -> Result<Vec<Finding>> {
    let bad = |reason: String| ReviewError::Malformed { reviewer: reviewer.to_string(), reason };
    let obj = answer.as_object().ok_or_else(|| bad("the answer is not a JSON object".into()))?;
    if let Some(k) = obj.keys().find(|k| *k != "findings") {
        return Err(bad(format!("unexpected field `{k}` in the answer")));
    }
    let list = obj
        .get("findings")
        .ok_or_else(|| bad("no `findings` field".into()))?
        .as_array()
        .ok_or_else(|| bad("`findings` is not an array".into()))?;
    if list.len() > MAX_FINDINGS {
        return Err(bad(format!("{} findings, more than {MAX_FINDINGS}", list.len())));
    }
    list.iter()
        .enumerate()
        .map(|(i, item)| one(item, change, reviewer).map_err(|e| bad(format!("finding {}: {e}", i + 1))))
        .collect()
}

/// Parse an answer's text: [`answer_json`] then [`parse_findings`].
pub fn parse_answer(text: &str, change: &Change, reviewer: &ReviewerId) -> Result<Vec<Finding>> {
    let v = answer_json(text).map_err(|reason| ReviewError::Malformed { reviewer: reviewer.to_string(), reason })?;
    parse_findings(&v, change, reviewer)
}

const FIELDS: [&str; 8] = ["file", "line", "end_line", "severity", "title", "explanation", "suggested_fix", "cwe"];

fn one(item: &Value, change: &Change, reviewer: &ReviewerId) -> Result<Finding, String> {
    let o = item.as_object().ok_or("not an object")?;
    if let Some(k) = o.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(format!("unexpected field `{k}`"));
    }
    let path = req_str(o, "file", 4096)?;
    let file = change.file(path).ok_or_else(|| format!("`file` {path:?} is not one of the reviewed files"))?;
    let line = line_no(o.get("line"), "line")?.ok_or("missing `line`")?;
    let end = line_no(o.get("end_line"), "end_line")?;
    let severity = parse_severity(req_str(o, "severity", 16)?).ok_or("`severity` is not critical, high, medium, low or info")?;
    let title = req_str(o, "title", MAX_TITLE)?;
    if title.trim().is_empty() {
        return Err("empty `title`".into());
    }
    let explanation = req_str(o, "explanation", MAX_TEXT)?;
    let suggested_fix = opt_str(o, "suggested_fix", MAX_TEXT)?;
    let cwe = opt_str(o, "cwe", 16)?.map(|c| c.trim().to_ascii_uppercase());
    if let Some(c) = &cwe {
        let digits = c.strip_prefix("CWE-").unwrap_or("");
        if digits.is_empty() || !digits.chars().all(|d| d.is_ascii_digit()) {
            return Err(format!("`cwe` {c:?} is not CWE-<number>"));
        }
    }
    // A line the reviewer was not shown (or past the end) is moved to the nearest changed line.
    let (line, note) = if line <= file.line_count() && file.shown(line) {
        (line, None)
    } else {
        let to = file.nearest_added(line).ok_or_else(|| format!("line {line} is not in {} and the file has no added line", file.path))?;
        (to, Some(format!("the reviewer gave line {line}, which it was not shown; mapped to the nearest changed line {to}")))
    };
    let end_line = match end {
        Some(e) if e > line && e <= file.line_count() && note.is_none() => Some(e),
        _ => None,
    };
    Ok(Finding {
        file: file.path.clone(),
        line,
        end_line,
        severity,
        title: clean(title.trim(), false),
        explanation: clean(explanation, true),
        suggested_fix: suggested_fix.map(|f| clean(f, true)),
        cwe,
        note,
        reviewer: reviewer.clone(),
    })
}

/// The reviewer's text made safe to print: control characters (terminal escapes) become U+FFFD;
/// line breaks and tabs are kept where `multiline`, spaces otherwise.
fn clean(s: &str, multiline: bool) -> String {
    s.chars()
        .map(|c| match c {
            '\n' | '\t' if multiline => c,
            '\n' | '\t' | '\r' => ' ',
            c if c.is_control() => '\u{FFFD}',
            c => c,
        })
        .collect()
}

fn req_str<'a>(o: &'a Map<String, Value>, k: &str, max: usize) -> Result<&'a str, String> {
    opt_str(o, k, max)?.ok_or_else(|| format!("missing `{k}`"))
}

fn opt_str<'a>(o: &'a Map<String, Value>, k: &str, max: usize) -> Result<Option<&'a str>, String> {
    match o.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.chars().count() > max => Err(format!("`{k}` is longer than {max} characters")),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(format!("`{k}` is not a string")),
    }
}

fn line_no(v: Option<&Value>, k: &str) -> Result<Option<u32>, String> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_u64()
            .filter(|n| *n >= 1)
            .and_then(|n| u32::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| format!("`{k}` is not a positive line number")),
        Some(_) => Err(format!("`{k}` is not an integer")),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn change() -> Change {
        let new = "import jwt\n\ndef check(token):\n    return jwt.decode(token, KEY, algorithms=['RS256', 'HS256'])\n";
        Change::from_texts([("auth.py", None, new)], 20).unwrap()
    }

    fn rid() -> ReviewerId {
        ReviewerId { provider: "openai".into(), model: "gpt-5".into() }
    }

    #[test]
    fn the_schema_file_is_the_one_sent() {
        let file: Value = serde_json::from_str(FINDINGS_SCHEMA).unwrap();
        let sent = findings_schema();
        assert!(file.get("$schema").is_some() && sent.get("$schema").is_none());
        assert_eq!(file["properties"], sent["properties"]);
        let item = &sent["properties"]["findings"]["items"];
        let props: Vec<&str> = item["properties"].as_object().unwrap().keys().map(String::as_str).collect();
        let mut required: Vec<&str> = item["required"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        required.sort_unstable();
        let mut props = props;
        props.sort_unstable();
        assert_eq!(props, required, "strict structured output needs every property required");
        let mut fields = FIELDS.to_vec();
        fields.sort_unstable();
        assert_eq!(props, fields, "the parser and the schema name the same fields");
        let sev: Vec<&str> = item["properties"]["severity"]["enum"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        assert!(sev.iter().all(|s| parse_severity(s).is_some()) && sev.len() == 5);
    }

    #[test]
    fn fenced_and_plain_answers_parse() {
        let body = r#"{"findings":[{"file":"auth.py","line":4,"end_line":null,"severity":"critical","title":"Algorithm confusion","explanation":"HS256 with the public key","suggested_fix":"algorithms=['RS256']","cwe":"cwe-347"}]}"#;
        for text in [body.to_string(), format!("```json\n{body}\n```"), format!("  {body}\n")] {
            let f = parse_answer(&text, &change(), &rid()).unwrap();
            assert_eq!(f.len(), 1);
            assert_eq!((f[0].file.as_str(), f[0].line, f[0].severity), ("auth.py", 4, Severity::Critical));
            assert_eq!(f[0].cwe.as_deref(), Some("CWE-347"));
            assert_eq!(f[0].reviewer, rid());
        }
        assert!(parse_answer(r#"{"findings":[]}"#, &change(), &rid()).unwrap().is_empty());
        let esc = r#"{"findings":[{"file":"auth.py","line":4,"severity":"low","title":"a\nb\u001b[2J","explanation":"x\ny\u0007"}]}"#;
        let f = parse_answer(esc, &change(), &rid()).unwrap();
        assert_eq!((f[0].title.as_str(), f[0].explanation.as_str()), ("a b\u{FFFD}[2J", "x\ny\u{FFFD}"));
    }

    #[test]
    fn out_of_range_lines_map_to_the_nearest_change() {
        let c = Change::from_texts([("a.py", Some("a\nb\nc\n"), "a\nb\nc\nevil()\n")], 0).unwrap();
        let f = parse_answer(r#"{"findings":[{"file":"a.py","line":99,"severity":"high","title":"t","explanation":"e"}]}"#, &c, &rid()).unwrap();
        assert_eq!(f[0].line, 4);
        assert!(f[0].note.as_deref().unwrap().contains("line 99"));
    }

    #[test]
    fn malformed_answers_are_errors() {
        let ok = r#"{"file":"auth.py","line":4,"severity":"high","title":"t","explanation":"e"}"#;
        let cases = [
            "no findings here".to_string(),
            "".to_string(),
            "[]".to_string(),
            r#"{"findings":{}}"#.to_string(),
            r#"{"result":[]}"#.to_string(),
            format!(r#"{{"findings":[{ok}]}} trailing"#),
            format!(r#"{{"findings":[{ok}]}}{{"findings":[]}}"#),
            format!("```json\n{{\"findings\":[{ok}]}}\n```\n```json\n{{}}\n```"),
            ok.replace("\"line\":4", "\"line\":\"4\""),
            ok.replace("\"line\":4", "\"line\":0"),
            ok.replace("\"line\":4", "\"line\":-3"),
            ok.replace("high", "severe"),
            ok.replace("auth.py", "other.py"),
            ok.replace(",\"title\":\"t\"", ""),
            ok.replace(",\"explanation\":\"e\"", ""),
            ok.replace("\"t\"", "\"\""),
            ok.replace("\"e\"}", "\"e\",\"run\":\"rm -rf /\"}"),
            ok.replace("\"e\"}", "\"e\",\"cwe\":\"347; drop\"}"),
            ok.replace("\"t\"", &format!("{:?}", "x".repeat(MAX_TITLE + 1))),
        ];
        for text in cases {
            let text = if text.starts_with("{\"file\"") { format!(r#"{{"findings":[{text}]}}"#) } else { text };
            let e = parse_answer(&text, &change(), &rid()).unwrap_err();
            assert!(matches!(e, ReviewError::Malformed { .. }), "{text}: {e}");
        }
        let many = format!(r#"{{"findings":[{}]}}"#, vec![ok; MAX_FINDINGS + 1].join(","));
        assert!(parse_answer(&many, &change(), &rid()).is_err());
    }
}
