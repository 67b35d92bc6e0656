//! DIF002: a change unpins a dependency or action.

use crate::lang::Lang::*;
use crate::rules::{fx, fx_change, CodeRuleMeta};
use crate::unit::Unit;
use airlock_protocol::{Category, Decision, Finding, Severity, Span};

pub static META: CodeRuleMeta = CodeRuleMeta {
    code: "DIF002",
    name: "pinned-version-removed",
    category: Category::SupplyChain,
    severity: Severity::Medium,
    decision: Decision::Ask,
    langs: &[Requirements, PythonConfig, PackageJson, Yaml, Dockerfile],
    summary: "A change replaces an exact pin (`pkg==1.2.3`, `\"pkg\": \"1.2.3\"`, `uses: x@<sha>`, `image@sha256:...`) \
              with a range, a tag or nothing.",
    why: "Unpinning lets the next release, or a hijacked one, in without review; it is how a compromised version reaches a build.",
    example: "-requests==2.31.0\n+requests",
    instead: "Keep exact pins (and hashes); upgrade by changing the pin to the new exact version.",
    references: &["CWE-1357", "CWE-494"],
    flags: &[
        fx_change(Requirements, "requests==2.31.0\n", "requests>=2\n"),
        fx_change(Yaml, "      - uses: someone/act@8f4b7f84864484a7bf31766abe9204da3cbe65b3\n", "      - uses: someone/act@v2\n"),
    ],
    passes: &[
        fx_change(Requirements, "requests==2.31.0\n", "requests==2.32.3\n"),
        fx(Requirements, "requests>=2\n"),
    ],
};

/// (name, pinned) for a manifest line.
fn pin(line: &str) -> Option<(String, bool)> {
    let t = line.trim().trim_start_matches("- ").trim();
    if let Some(v) = t.strip_prefix("uses:") {
        let v = v.trim().trim_matches(['"', '\'']);
        let (name, rev) = v.split_once('@')?;
        return Some((name.to_string(), rev.len() == 40 && rev.chars().all(|c| c.is_ascii_hexdigit())));
    }
    if let Some(v) = t.strip_prefix("FROM ").or_else(|| t.strip_prefix("from ")) {
        let img = v.split_whitespace().next()?;
        let name = img.split(['@', ':']).next()?.to_string();
        return Some((name, img.contains("@sha256:")));
    }
    if t.starts_with('"') && t.contains("\":") {
        let mut parts = t.split('"').filter(|s| !s.trim().is_empty() && s.trim() != ":" && s.trim() != ",");
        let name = parts.next()?.to_string();
        let spec = parts.next()?.trim();
        let exact = spec.chars().next().is_some_and(|c| c.is_ascii_digit()) && !spec.contains(['^', '~', '>', '<', '*', 'x', ' ']);
        return Some((name, exact));
    }
    let name: String = t.chars().take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')).collect();
    if name.is_empty() || t.starts_with('#') {
        return None;
    }
    Some((name.to_ascii_lowercase(), t.contains("==") && !t.contains(",")))
}

/// Prefilter triggers: reads only the raw text.
pub(crate) const TRIGGERS: Option<&[&str]> = Some(&[]);

pub fn check(unit: &Unit<'_>, meta: &CodeRuleMeta, out: &mut Vec<Finding>) {
    let removed: Vec<String> = unit.removed.lines().map(str::to_string).collect();
    let pinned_before: Vec<String> = removed.iter().filter_map(|l| pin(l)).filter(|(_, p)| *p).map(|(n, _)| n).collect();
    if pinned_before.is_empty() {
        return;
    }
    let mut offset = 0;
    for line in unit.text.split_inclusive('\n') {
        if let Some((name, false)) = pin(line) {
            if pinned_before.contains(&name) {
                out.push(meta.finding(unit, Span::new(offset, offset + line.trim_end().len()), format!("the change unpins `{name}`")));
            }
        }
        offset += line.len();
    }
}
