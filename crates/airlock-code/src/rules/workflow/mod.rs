//! GitHub Actions workflows, read line by line (workflows written by models are
//! often fragments, and line positions are what a reviewer needs).
pub mod gha001;
pub mod gha002;
pub mod gha003;

use crate::unit::Unit;

/// The unit looks like a GitHub Actions workflow.
pub(crate) fn is_workflow(unit: &Unit<'_>) -> bool {
    let p = unit.path.unwrap_or("").replace('\\', "/");
    p.contains(".github/workflows/")
        || p.ends_with("action.yml")
        || p.ends_with("action.yaml")
        || (unit.text.contains("jobs:") && (unit.text.contains("runs-on:") || unit.text.contains("steps:")))
        || (unit.text.contains("runs:") && unit.text.contains("using:"))
}

/// A line with its byte offset.
pub(crate) struct Line<'a> {
    pub offset: usize,
    pub text: &'a str,
    pub indent: usize,
}

pub(crate) fn lines<'a>(text: &'a str) -> Vec<Line<'a>> {
    let mut out = Vec::new();
    let mut offset = 0;
    for raw in text.split_inclusive('\n') {
        let t = raw.trim_end_matches(['\n', '\r']);
        out.push(Line {
            offset,
            text: t,
            indent: t.len() - t.trim_start().len(),
        });
        offset += raw.len();
    }
    out
}

/// The value of `key:` on this line (after an optional list dash).
pub(crate) fn value_of<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let t = line.trim_start().trim_start_matches("- ").trim_start();
    t.strip_prefix(key)?.strip_prefix(':').map(|v| v.trim())
}

/// The lines of a scalar that starts on line `i` under `key` (inline value or
/// a `|`/`>` block), as (offset, text).
pub(crate) fn block<'a>(all: &'a [Line<'a>], i: usize, key: &str) -> Vec<(usize, &'a str)> {
    let Some(line) = all.get(i) else { return Vec::new() };
    let Some(v) = value_of(line.text, key) else { return Vec::new() };
    if !v.starts_with('|') && !v.starts_with('>') {
        let at = line.offset + line.text.find(v).unwrap_or(0);
        return vec![(at, v)];
    }
    let mut out = Vec::new();
    for l in all.iter().skip(i + 1) {
        if !l.text.trim().is_empty() && l.indent <= line.indent {
            break;
        }
        out.push((l.offset, l.text));
    }
    out
}

/// `${{ ... }}` expressions in a text, with their offsets.
pub(crate) fn expressions(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(s) = text.get(from..).and_then(|t| t.find("${{")) {
        let start = from + s;
        let Some(e) = text.get(start..).and_then(|t| t.find("}}")) else { break };
        out.push((start, text.get(start + 3..start + e).unwrap_or("").trim()));
        from = start + e + 2;
    }
    out
}
