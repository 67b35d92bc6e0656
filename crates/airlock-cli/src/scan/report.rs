//! Text and JSON output of `airlock scan`.

use super::Report;
use crate::catalog;
use serde::Serialize;

/// One finding for the JSON output.
#[derive(Serialize)]
struct Row<'a> {
    path: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    code: &'a str,
    name: &'static str,
    category: &'static str,
    severity: &'static str,
    decision: &'static str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    snippet: Option<&'a str>,
}

#[derive(Serialize)]
struct Doc<'a> {
    tool: &'static str,
    version: &'static str,
    files_scanned: usize,
    findings: Vec<Row<'a>>,
    errors: &'a [String],
}

fn rows(report: &Report) -> Vec<Row<'_>> {
    report
        .results
        .iter()
        .flat_map(|r| {
            r.findings.iter().map(move |l| {
                let f = &l.finding;
                Row {
                    path: &r.path,
                    line: l.line,
                    column: l.column,
                    end_line: l.end_line,
                    end_column: l.end_column,
                    code: &f.code,
                    name: catalog::find(&f.code).map(|i| i.name).unwrap_or(""),
                    category: f.category.as_str(),
                    severity: f.severity.as_str(),
                    decision: f.decision.as_str(),
                    message: &f.message,
                    snippet: f.snippet.as_deref(),
                }
            })
        })
        .collect()
}

pub fn json(report: &Report) -> anyhow::Result<String> {
    let doc = Doc {
        tool: "airlock",
        version: env!("CARGO_PKG_VERSION"),
        files_scanned: report.files_scanned,
        findings: rows(report),
        errors: &report.errors,
    };
    Ok(serde_json::to_string_pretty(&doc)? + "\n")
}

pub fn text(report: &Report) -> String {
    let rows = rows(report);
    let mut s = String::new();
    for r in &rows {
        s.push_str(&format!(
            "{}:{}:{}: {} {} [{}, {}]: {}\n",
            r.path, r.line, r.column, r.code, r.name, r.severity, r.decision, r.message
        ));
        if let Some(snippet) = r.snippet {
            for l in snippet.lines().take(3) {
                s.push_str(&format!("    | {l}\n"));
            }
        }
    }
    let files = report.results.iter().filter(|r| !r.findings.is_empty()).count();
    if rows.is_empty() {
        s.push_str(&format!("no findings ({} files scanned)\n", report.files_scanned));
    } else {
        s.push_str(&format!(
            "{} finding{} in {files} file{} ({} files scanned). `airlock explain CODE` says more.\n",
            rows.len(),
            if rows.len() == 1 { "" } else { "s" },
            if files == 1 { "" } else { "s" },
            report.files_scanned
        ));
    }
    s
}
