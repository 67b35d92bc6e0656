//! IGN001: a comment that silences security tooling.

use crate::lang::Lang::*;
use crate::rules::{fx, CodeRuleMeta};
use crate::unit::Unit;
use airlock_protocol::{Category, Decision, Finding, Severity, Span};

pub static META: CodeRuleMeta = CodeRuleMeta {
    code: "IGN001",
    name: "security-suppression-comment",
    category: Category::CodeVulnerability,
    severity: Severity::Medium,
    decision: Decision::Ask,
    langs: &[],
    summary: "A comment that turns a security check off: `# nosec`, `nosemgrep`, `eslint-disable` (security rules \
              or everything), `ast-grep-ignore`, `//nolint:gosec`, `NOSONAR`, `# noqa: S...`, `# airlock: ignore`.",
    why: "A model that plants a hole has every reason to silence the scanner that would catch it; the comment is \
          the tell, and it hides the line from every later review by tools.",
    example: "subprocess.call(cmd, shell=True)  # nosec",
    instead: "Fix the finding; when it is a false positive, suppress it in reviewed configuration with a reason, \
              not inline in model-written code.",
    references: &["CWE-1164", "CWE-693"],
    flags: &[
        fx(Python, "subprocess.call(cmd, shell=True)  # nosec\n"),
        fx(JavaScript, "// eslint-disable-next-line security/detect-eval-with-expression\neval(x);"),
        fx(Go, "package a\nvar c = &tls.Config{InsecureSkipVerify: true} //nolint:gosec\n"),
        fx(Java, "class A { String p = \"x\"; // NOSONAR\n}"),
    ],
    passes: &[
        fx(Python, "# The nosecurity module is unrelated.\nimport nosecurity_helpers\n"),
        fx(JavaScript, "// eslint-disable-next-line no-console\nconsole.log(x);"),
        fx(Python, "x = 1  # noqa: E501\n"),
    ],
};

/// The suppression marker in a comment's text, if any.
pub(crate) fn suppression(comment: &str) -> Option<&'static str> {
    let c = comment.to_ascii_lowercase();
    let word = |w: &str| crate::syntax::mentions(&c, w);
    if word("nosec") {
        return Some("nosec");
    }
    if c.contains("nosemgrep") {
        return Some("nosemgrep");
    }
    if c.contains("ast-grep-ignore") {
        return Some("ast-grep-ignore");
    }
    if c.contains("nosonar") {
        return Some("NOSONAR");
    }
    if c.contains("airlock: ignore") || c.contains("airlock:ignore") {
        return Some("airlock: ignore");
    }
    if c.contains("nolint") && (c.contains("gosec") || c.trim_end().ends_with("nolint")) {
        return Some("nolint");
    }
    if let Some(rest) = c.split("eslint-disable").nth(1) {
        let rules = rest.trim_start_matches(['-', 'n', 'e', 'x', 't', 'l', 'i']).trim();
        if rules.is_empty() || rules.starts_with("*/") || rules.contains("security") || rules.contains("no-eval") || rules.contains("no-implied-eval") || rules.contains("no-new-func") {
            return Some("eslint-disable");
        }
    }
    if let Some(rest) = c.split("noqa").nth(1) {
        let rest = rest.trim_start_matches(':').trim();
        if rest.split([',', ' ']).any(|code| code.starts_with('s') && code[1..].chars().all(|d| d.is_ascii_digit()) && code.len() > 1) {
            return Some("noqa: S");
        }
    }
    if c.contains("pragma: allowlist secret") || c.contains("gitleaks:allow") {
        return Some("secret-scanner allow");
    }
    None
}

/// Prefilter triggers: the suppression markers in comments.
pub(crate) const TRIGGERS: Option<&[&str]> = Some(&[
    "nosec", "nosemgrep", "ast-grep-ignore", "nosonar", "airlock", "nolint", "eslint-disable", "noqa", "allowlist",
    "gitleaks",
]);

pub fn check(unit: &Unit<'_>, meta: &CodeRuleMeta, out: &mut Vec<Finding>) {
    let mut report = |start: usize, text: &str| {
        if let Some(marker) = suppression(text) {
            let span = Span::new(start, start + text.len());
            out.push(meta.finding(unit, span, format!("a `{marker}` comment silences security checks on this code")));
        }
    };
    if let Some(facts) = unit.facts() {
        for c in &facts.comments {
            report(c.range().start, &c.text());
        }
        return;
    }
    let markers = unit.lang.line_comment();
    let mut offset = 0;
    for line in unit.text.split_inclusive('\n') {
        if let Some(i) = markers.iter().filter_map(|m| line.find(m)).min() {
            report(offset + i, line[i..].trim_end());
        }
        offset += line.len();
    }
}
