//! GHA001: `pull_request_target` checks out the pull request's code.

use super::{is_workflow, lines, value_of};
use crate::lang::Lang::*;
use crate::rules::{fx, CodeRuleMeta};
use crate::unit::Unit;
use airlock_protocol::{Category, Decision, Finding, Severity, Span};

pub static META: CodeRuleMeta = CodeRuleMeta {
    code: "GHA001",
    name: "pull-request-target-checkout",
    category: Category::CodeVulnerability,
    severity: Severity::Critical,
    decision: Decision::Deny,
    langs: &[Yaml],
    summary: "A workflow triggered by `pull_request_target` or `workflow_run` checks out the pull request's head \
              (`ref: ${{ github.event.pull_request.head.sha }}`, `github.event.workflow_run.head.sha`, \
              `github.head_ref`, `refs/pull/...`).",
    why: "`pull_request_target` runs with the base repository's secrets and a write token; building or running the \
          fork's code there hands both to anyone who opens a pull request.",
    example: "on: pull_request_target\n...\n  - uses: actions/checkout@v4\n    with:\n      ref: ${{ github.event.pull_request.head.sha }}",
    instead: "Use `pull_request` for building untrusted code; if secrets are needed, split into a `pull_request` \
              build and a `workflow_run` job that only consumes its artifacts.",
    references: &["CWE-829", "CWE-94"],
    flags: &[
        fx(Yaml, "on: pull_request_target\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          ref: ${{ github.event.pull_request.head.sha }}\n      - run: npm install && npm test\n"),
        fx(Yaml, "on:\n  workflow_run:\n    workflows: [ci]\njobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          ref: ${{ github.event.workflow_run.head_sha }}\n      - run: make\n"),
    ],
    passes: &[
        fx(Yaml, "on: pull_request\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          ref: ${{ github.event.pull_request.head.sha }}\n"),
        fx(Yaml, "on:\n  # pull_request_target:\n  pull_request:\njobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          ref: ${{ github.event.pull_request.head.sha }}\n"),
        fx(Yaml, "on: pull_request_target\njobs:\n  label:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/labeler@v5\n"),
    ],
};

/// The workflow runs with the base repository's secrets on an outsider's event:
/// `pull_request_target` or `workflow_run` among its triggers (comments aside).
fn privileged_trigger(text: &str) -> bool {
    text.lines().map(|l| l.split('#').next().unwrap_or("")).any(|l| l.contains("pull_request_target") || l.contains("workflow_run"))
}

/// The line where the step holding line `i` starts (`- uses:` / `- name:`).
fn step_start(all: &[super::Line<'_>], i: usize) -> usize {
    let Some(line) = all.get(i) else { return i };
    for j in (0..=i).rev() {
        let Some(l) = all.get(j) else { break };
        let t = l.text.trim_start();
        if t.starts_with("- ") && l.indent < line.indent {
            return j;
        }
        if !t.is_empty() && !t.starts_with('#') && l.indent < line.indent.saturating_sub(8) {
            break;
        }
    }
    i
}

/// Prefilter triggers: reads only the raw text.
pub(crate) const TRIGGERS: Option<&[&str]> = Some(&[]);

pub fn check(unit: &Unit<'_>, meta: &CodeRuleMeta, out: &mut Vec<Finding>) {
    if !is_workflow(unit) || !privileged_trigger(unit.text) {
        return;
    }
    let all = lines(unit.text);
    for (i, l) in all.iter().enumerate() {
        let Some(v) = value_of(l.text, "ref").or_else(|| value_of(l.text, "repository")) else { continue };
        let head = v.contains("github.event.pull_request.head")
            || v.contains("github.event.workflow_run.head")
            || v.contains("github.head_ref")
            || v.contains("refs/pull/")
            || v.contains("merge_commit_sha");
        if head {
            let start = all.get(step_start(&all, i)).map_or(l.offset, |s| s.offset + s.indent);
            let span = Span::new(start, l.offset + l.text.len());
            out.push(meta.finding(unit, span, "a `pull_request_target` or `workflow_run` workflow checks out the pull request's code, with the repository's secrets and write token".into()));
        }
    }
}
