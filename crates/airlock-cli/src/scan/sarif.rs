//! SARIF 2.1.0 output of `airlock scan`, for code-scanning dashboards.

use super::Report;
use crate::catalog;
use airlock_protocol::Severity;
use serde_json::{json, Value};
use std::path::Path;

pub(crate) fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// The 0-10 score code-scanning services sort by.
pub(crate) fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

/// Percent-encode a relative path for a URI reference.
pub(crate) fn uri(path: &str) -> String {
    let mut s = String::new();
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            s.push(char::from(b));
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s
}

fn rule(code: &str, severity: Severity) -> Value {
    match catalog::find(code) {
        Some(i) => {
            let mut tags = vec![json!("security"), json!(i.layer), json!(i.category.as_str())];
            tags.extend(i.references.iter().map(|r| json!(r)));
            json!({
                "id": i.code,
                "name": i.name,
                "shortDescription": {"text": i.summary},
                "fullDescription": {"text": format!("{} {}", i.summary, i.why)},
                "help": {
                    "text": format!("{}\n\nSafer: {}\n\n`airlock explain {}` has examples.", i.why, i.instead, i.code),
                },
                "defaultConfiguration": {"level": level(i.severity)},
                "properties": {"tags": tags, "security-severity": security_severity(i.severity)},
            })
        }
        // Findings about the analysis itself (input too large, unreadable notebook).
        None => json!({
            "id": code,
            "shortDescription": {"text": "the input could not be analysed"},
            "defaultConfiguration": {"level": level(severity)},
            "properties": {"tags": ["security", "unparseable"], "security-severity": security_severity(severity)},
        }),
    }
}

pub fn render(report: &Report, cwd: &Path) -> anyhow::Result<String> {
    let mut codes: Vec<(String, Severity)> = Vec::new();
    let mut results = Vec::new();
    for r in &report.results {
        for l in &r.findings {
            let f = &l.finding;
            let index = match codes.iter().position(|(c, _)| *c == f.code) {
                Some(i) => i,
                None => {
                    codes.push((f.code.clone(), f.severity));
                    codes.len() - 1
                }
            };
            let mut region = json!({
                "startLine": l.line,
                "startColumn": l.column,
                "endLine": l.end_line.max(l.line),
                "endColumn": if l.end_line > l.line || l.end_column > l.column { l.end_column } else { l.column + 1 },
            });
            if let (Some(snippet), Some(obj)) = (&f.snippet, region.as_object_mut()) {
                obj.insert("snippet".into(), json!({"text": snippet}));
            }
            results.push(json!({
                "ruleId": f.code,
                "ruleIndex": index,
                "level": level(f.severity),
                "message": {"text": f.message},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri(&r.path), "uriBaseId": "%SRCROOT%"},
                        "region": region,
                    }
                }],
                "properties": {"decision": f.decision.as_str(), "severity": f.severity.as_str()},
            }));
        }
    }
    let root = cwd.canonicalize().unwrap_or_else(|_| cwd.to_path_buf());
    let root_uri = format!("file://{}/", uri(root.to_string_lossy().trim_end_matches('/')));
    let notifications: Vec<Value> = report
        .errors
        .iter()
        .map(|e| json!({"level": "error", "message": {"text": e}}))
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "airlock",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": codes.iter().map(|(c, s)| rule(c, *s)).collect::<Vec<_>>(),
            }},
            "columnKind": "unicodeCodePoints",
            "originalUriBaseIds": {"%SRCROOT%": {"uri": root_uri}},
            "invocations": [{
                "executionSuccessful": report.errors.is_empty(),
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
        }],
    });
    Ok(serde_json::to_string_pretty(&doc)? + "\n")
}
