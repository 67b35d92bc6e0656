//! GHA003: a third-party action pinned by a movable tag in a workflow with write permissions.

use super::{is_workflow, lines, value_of};
use crate::lang::Lang::*;
use crate::rules::{fx, CodeRuleMeta};
use crate::unit::Unit;
use airlock_protocol::{Category, Decision, Finding, Severity, Span};

pub static META: CodeRuleMeta = CodeRuleMeta {
    code: "GHA003",
    name: "unpinned-action-with-write-permissions",
    category: Category::SupplyChain,
    severity: Severity::Medium,
    decision: Decision::Ask,
    langs: &[Yaml],
    summary: "A workflow that grants write permissions (`contents: write`, `write-all`, ...) uses a third-party \
              action by tag or branch (`@v3`, `@main`) instead of a full commit SHA.",
    why: "Tags move: whoever controls the action's repository (or steals its token, as in the tj-actions incident) \
          changes the code that runs with the write token and secrets.",
    example: "permissions:\n  contents: write\n...\n  - uses: someone/release-action@v2",
    instead: "Pin third-party actions to a 40-character commit SHA (`uses: someone/release-action@<sha> # v2`) \
              and grant only the permissions each job needs.",
    references: &["CWE-829", "CWE-494"],
    flags: &[fx(Yaml, "on: push\npermissions:\n  contents: write\njobs:\n  r:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: someone/release-action@v2\n")],
    passes: &[
        fx(Yaml, "on: push\npermissions:\n  contents: write\njobs:\n  r:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - uses: someone/release-action@8f4b7f84864484a7bf31766abe9204da3cbe65b3\n"),
        fx(Yaml, "on: push\npermissions:\n  contents: read\njobs:\n  r:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: someone/lint-action@v2\n"),
    ],
};

pub fn check(unit: &Unit<'_>, meta: &CodeRuleMeta, out: &mut Vec<Finding>) {
    if !is_workflow(unit) {
        return;
    }
    let all = lines(unit.text);
    let writes = all.iter().any(|l| {
        let t = l.text.trim();
        t.ends_with(": write") || t.contains("write-all")
    });
    if !writes {
        return;
    }
    for l in &all {
        let Some(v) = value_of(l.text, "uses") else { continue };
        let v = v.trim_matches(['"', '\'']).split_whitespace().next().unwrap_or("");
        if v.starts_with("./") || v.starts_with("docker://") {
            continue;
        }
        let Some((action, rev)) = v.split_once('@') else { continue };
        let owner = action.split('/').next().unwrap_or("");
        if matches!(owner, "actions" | "github") {
            continue;
        }
        let pinned = rev.len() == 40 && rev.chars().all(|c| c.is_ascii_hexdigit());
        if !pinned {
            let span = Span::new(l.offset, l.offset + l.text.len());
            out.push(meta.finding(unit, span, format!("`{action}` is used by the movable ref `{rev}` in a workflow with write permissions")));
        }
    }
}
