//! Text, JSON and Markdown output of `airlock review`.

use super::{Item, Report};

fn origin_lines(r: &Report) -> Vec<String> {
    let p = &r.provenance;
    let mut out = Vec::new();
    match &p.audit_db {
        None => out.push("origin unknown: no audit database, so no line's writer is known".to_string()),
        Some(db) if p.written_by.is_empty() => out.push(format!("origin unknown: no write in {db} explains the changed lines")),
        Some(_) => out.push(format!(
            "written by {} ({} line{} attributed, {} of unknown origin)",
            p.written_by.join(", "),
            p.attributed_lines,
            if p.attributed_lines == 1 { "" } else { "s" },
            p.unknown_lines
        )),
    }
    if p.unknown_origin {
        out.push(format!("origin unknown: reviewed by {}", r.reviewer));
    } else {
        out.push(format!("reviewed by {} (another provider than the writers')", r.reviewer));
    }
    out
}

fn summary(r: &Report) -> String {
    let reviewer = r.findings.iter().filter(|f| matches!(f.source, super::Origin::Reviewer { .. })).count();
    let n = r.findings.len();
    format!(
        "{n} finding{} ({reviewer} from the reviewer, {} from airlock's code analysis) in {} file{} reviewed",
        if n == 1 { "" } else { "s" },
        n - reviewer,
        r.files.len(),
        if r.files.len() == 1 { "" } else { "s" }
    )
}

pub fn text(r: &Report) -> String {
    let mut s = String::new();
    for l in origin_lines(r) {
        s.push_str(&format!("{l}\n"));
    }
    if r.redactions > 0 {
        s.push_str(&format!("{} secret{} redacted from what the reviewer was sent\n", r.redactions, if r.redactions == 1 { "" } else { "s" }));
    }
    for k in &r.skipped {
        s.push_str(&format!("skipped {k}\n"));
    }
    s.push('\n');
    for f in &r.findings {
        let col = f.column.map(|c| format!(":{c}")).unwrap_or_default();
        let cwe = f.cwe.as_deref().map(|c| format!(" {c}")).unwrap_or_default();
        s.push_str(&format!("{}:{}{col}: {} {}{cwe} [{}]\n", f.file, f.line, f.severity.as_str(), f.title, f.source.label()));
        for l in f.explanation.lines().take(6) {
            s.push_str(&format!("    {l}\n"));
        }
        if let Some(fix) = &f.suggested_fix {
            s.push_str(&format!("    fix: {}\n", fix.lines().next().unwrap_or("")));
        }
        if let Some(n) = &f.note {
            s.push_str(&format!("    note: {n}\n"));
        }
    }
    if r.findings.is_empty() {
        s.push_str(&format!("no findings ({} file{} reviewed)\n", r.files.len(), if r.files.len() == 1 { "" } else { "s" }));
    } else {
        s.push_str(&format!("{}\n", summary(r)));
    }
    s
}

pub fn json(r: &Report) -> anyhow::Result<String> {
    let mut v = serde_json::to_value(r)?;
    if let Some(o) = v.as_object_mut() {
        o.insert("tool".into(), "airlock".into());
        o.insert("version".into(), env!("CARGO_PKG_VERSION").into());
        if let Some(items) = o.get_mut("findings").and_then(|f| f.as_array_mut()) {
            for (item, f) in items.iter_mut().zip(&r.findings) {
                if let Some(io) = item.as_object_mut() {
                    io.insert("source_label".into(), f.source.label().into());
                }
            }
        }
    }
    Ok(serde_json::to_string_pretty(&v)? + "\n")
}

/// Markdown for a pull-request comment. Reviewer text is untrusted: it is put in code spans and
/// blocks, never as Markdown of its own.
pub fn markdown(r: &Report) -> String {
    let mut s = String::from("### airlock review\n\n");
    for l in origin_lines(r) {
        s.push_str(&format!("- {}\n", inline(&l)));
    }
    if r.redactions > 0 {
        s.push_str(&format!("- {} secret(s) redacted from what the reviewer was sent\n", r.redactions));
    }
    s.push('\n');
    if r.findings.is_empty() {
        s.push_str(&format!("No findings in {} file(s).\n", r.files.len()));
        return s;
    }
    s.push_str("| severity | location | finding | source |\n|---|---|---|---|\n");
    for f in &r.findings {
        s.push_str(&format!(
            "| {} | `{}:{}` | {} | `{}` |\n",
            f.severity.as_str(),
            code_span(&f.file),
            f.line,
            cell(&f.title),
            code_span(&f.source.label())
        ));
    }
    s.push('\n');
    for f in &r.findings {
        s.push_str(&details(f));
    }
    s.push_str(&format!("{}.\n", summary(r)));
    s
}

fn details(f: &Item) -> String {
    let mut s = format!(
        "<details><summary>{} <code>{}:{}</code>: {}</summary>\n\n",
        f.severity.as_str(),
        html(&f.file),
        f.line,
        html(&f.title)
    );
    s.push_str(&fenced(&f.explanation));
    if let Some(fix) = &f.suggested_fix {
        s.push_str("Suggested fix:\n\n");
        s.push_str(&fenced(fix));
    }
    if let Some(n) = &f.note {
        s.push_str(&format!("Note: {}\n\n", inline(n)));
    }
    s.push_str(&format!("Source: `{}`\n\n</details>\n\n", code_span(&f.source.label())));
    s
}

/// A fenced block whose fence is longer than any backtick run inside.
fn fenced(t: &str) -> String {
    let longest = t.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    format!("{fence}text\n{}\n{fence}\n\n", t.trim_end())
}

fn code_span(t: &str) -> String {
    t.replace('`', "'").replace(['\n', '|'], " ")
}

fn cell(t: &str) -> String {
    html(t).replace('|', "\\|").replace('\n', " ")
}

/// Text with Markdown's inline marks escaped.
fn inline(t: &str) -> String {
    let mut s = String::new();
    for c in html(t).chars() {
        if "\\`*_[]<>!|#".contains(c) {
            s.push('\\');
        }
        s.push(c);
    }
    s
}

fn html(t: &str) -> String {
    t.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}
