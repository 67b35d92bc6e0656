//! SARIF 2.1.0 output of `airlock review`, in the shape of `airlock scan --format sarif`: one run,
//! a rule per airlock code and one per reviewer provider, each result tagged with its source.

use super::{Origin, Report};
use crate::catalog;
use crate::scan::{sarif_level as level, sarif_uri as uri, security_severity};
use serde_json::{json, Value};
use std::path::Path;

fn rule(source: &Origin, severity: airlock_protocol::Severity) -> Value {
    match source {
        Origin::Airlock { code, .. } => match catalog::find(code) {
            Some(i) => json!({
                "id": i.code,
                "name": i.name,
                "shortDescription": {"text": i.summary},
                "fullDescription": {"text": format!("{} {}", i.summary, i.why)},
                "help": {"text": format!("{}\n\nSafer: {}", i.why, i.instead)},
                "defaultConfiguration": {"level": level(i.severity)},
                "properties": {"tags": ["security", i.layer, i.category.as_str()], "security-severity": security_severity(i.severity)},
            }),
            None => json!({
                "id": code,
                "shortDescription": {"text": "the input could not be analysed"},
                "defaultConfiguration": {"level": level(severity)},
                "properties": {"tags": ["security", "unparseable"]},
            }),
        },
        Origin::Reviewer { provider, .. } => json!({
            "id": source.rule_id(),
            "name": "CrossProviderReview",
            "shortDescription": {"text": format!("A finding of a reviewer model of provider {provider}")},
            "fullDescription": {"text": "A model of another provider than the change's writers reviewed the change; each result is one of its findings."},
            "defaultConfiguration": {"level": "warning"},
            "properties": {"tags": ["security", "review"]},
        }),
    }
}

fn root_uri(root: &Path) -> String {
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    format!("file://{}/", uri(root.to_string_lossy().trim_end_matches('/')))
}

fn doc(root: &Path, rules: Vec<Value>, results: Vec<Value>, properties: Value) -> anyhow::Result<String> {
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "airlock",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "automationDetails": {"id": "airlock-review/"},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": root_uri(root)}},
            "invocations": [{"executionSuccessful": true}],
            "results": results,
            "properties": properties,
        }],
    });
    Ok(serde_json::to_string_pretty(&doc)? + "\n")
}

pub fn render(r: &Report) -> anyhow::Result<String> {
    let mut ids: Vec<String> = Vec::new();
    let mut rules = Vec::new();
    let mut results = Vec::new();
    for f in &r.findings {
        let id = f.source.rule_id();
        let index = match ids.iter().position(|i| *i == id) {
            Some(i) => i,
            None => {
                ids.push(id.clone());
                rules.push(rule(&f.source, f.severity));
                ids.len() - 1
            }
        };
        let mut region = json!({"startLine": f.line, "endLine": f.end_line.unwrap_or(f.line).max(f.line)});
        if let (Some(c), Some(o)) = (f.column, region.as_object_mut()) {
            o.insert("startColumn".into(), json!(c.max(1)));
        }
        let mut text = format!("{}: {}", f.title, f.explanation);
        if let Some(fix) = &f.suggested_fix {
            text.push_str(&format!("\nSuggested fix: {fix}"));
        }
        let mut props = json!({"severity": f.severity.as_str(), "source": f.source.label(), "security-severity": security_severity(f.severity)});
        if let Some(o) = props.as_object_mut() {
            if let Some(c) = &f.cwe {
                o.insert("tags".into(), json!([c]));
            }
            if let Some(n) = &f.note {
                o.insert("note".into(), json!(n));
            }
        }
        results.push(json!({
            "ruleId": id,
            "ruleIndex": index,
            "level": level(f.severity),
            "message": {"text": text},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": uri(&f.file), "uriBaseId": "%SRCROOT%"},
                "region": region,
            }}],
            "properties": props,
        }));
    }
    let p = &r.provenance;
    let properties = json!({
        "reviewer": r.reviewer.to_string(),
        "writtenBy": p.written_by,
        "unknownOrigin": p.unknown_origin,
        "policy": p.note,
        "redactions": r.redactions,
    });
    doc(&r.root, rules, results, properties)
}

/// A log with no results (nothing changed).
pub fn render_empty(root: &Path) -> anyhow::Result<String> {
    doc(root, Vec::new(), Vec::new(), json!({"reviewed": 0}))
}
