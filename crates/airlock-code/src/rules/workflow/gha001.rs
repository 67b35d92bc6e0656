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
    summary: "A workflow triggered by `pull_request_target` checks out the pull request's head \
              (`ref: ${{ github.event.pull_request.head.sha }}`, `github.head_ref`, `refs/pull/...`).",
    why: "`pull_request_target` runs with the base repository's secrets and a write token; building or running the \
          fork's code there hands both to anyone who opens a pull request.",
    example: "on: pull_request_target\n...\n  - uses: actions/checkout@v4\n    with:\n      ref: ${{ github.event.pull_request.head.sha }}",
    instead: "Use `pull_request` for building untrusted code; if secrets are needed, split into a `pull_request` \
              build and a `workflow_run` job that only consumes its artifacts.",
    references: &["CWE-829", "CWE-94"],
    flags: &[fx(Yaml, "on: pull_request_target\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          ref: ${{ github.event.pull_request.head.sha }}\n      - run: npm install && npm test\n")],
    passes: &[
        fx(Yaml, "on: pull_request\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          ref: ${{ github.event.pull_request.head.sha }}\n"),
        fx(Yaml, "on: pull_request_target\njobs:\n  label:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/labeler@v5\n"),
    ],
};

pub fn check(unit: &Unit<'_>, meta: &CodeRuleMeta, out: &mut Vec<Finding>) {
    if !is_workflow(unit) || !unit.text.contains("pull_request_target") {
        return;
    }
    for l in lines(unit.text) {
        let Some(v) = value_of(l.text, "ref").or_else(|| value_of(l.text, "repository")) else { continue };
        let head = v.contains("github.event.pull_request.head")
            || v.contains("github.head_ref")
            || v.contains("refs/pull/")
            || v.contains("merge_commit_sha");
        if head {
            let span = Span::new(l.offset, l.offset + l.text.len());
            out.push(meta.finding(unit, span, "a `pull_request_target` workflow checks out the pull request's code, with the repository's secrets and write token".into()));
        }
    }
}
