//! GHA003: a third-party action or image pinned by a movable tag or not at all.

use super::{is_workflow, lines, value_of};
use crate::lang::Lang::*;
use crate::rules::{fx, CodeRuleMeta};
use crate::unit::Unit;
use airlock_protocol::{Category, Decision, Finding, Severity, Span};

pub static META: CodeRuleMeta = CodeRuleMeta {
    code: "GHA003",
    name: "unpinned-third-party-action",
    category: Category::SupplyChain,
    severity: Severity::Medium,
    decision: Decision::Ask,
    langs: &[Yaml],
    summary: "A workflow uses a third-party action by tag or branch (`@v3`, `@main`, no ref at all) instead of a \
              full commit SHA, or a `docker://` image without a digest. Asked when the workflow grants write \
              permissions or leaves the token's default; reported (allowed) when it declares read-only permissions.",
    why: "Tags move: whoever controls the action's repository (or steals its token, as in the tj-actions incident) \
          changes the code that runs with the write token and secrets.",
    example: "permissions:\n  contents: write\n...\n  - uses: someone/release-action@v2",
    instead: "Pin third-party actions to a 40-character commit SHA (`uses: someone/release-action@<sha> # v2`) \
              and grant only the permissions each job needs.",
    references: &["CWE-829", "CWE-494"],
    flags: &[
        fx(Yaml, "on: push\npermissions:\n  contents: write\njobs:\n  r:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: someone/release-action@v2\n"),
        fx(Yaml, "on: push\njobs:\n  r:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: someone/deploy-action@main\n      - uses: docker://alpine:3.8\n"),
    ],
    passes: &[
        fx(Yaml, "on: push\npermissions:\n  contents: write\njobs:\n  r:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - uses: someone/release-action@8f4b7f84864484a7bf31766abe9204da3cbe65b3\n"),
        fx(Yaml, "on: push\npermissions:\n  contents: read\njobs:\n  r:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: ./.github/actions/local\n      - uses: docker://alpine@sha256:402d21757a03a114d273bbe372fa4b9eca567e8b6c332fa7ebf982b902207242\n"),
    ],
};

/// Prefilter triggers: reads only the raw text.
pub(crate) const TRIGGERS: Option<&[&str]> = Some(&[]);

pub fn check(unit: &Unit<'_>, meta: &CodeRuleMeta, out: &mut Vec<Finding>) {
    if !is_workflow(unit) {
        return;
    }
    let all = lines(unit.text);
    let code = |t: &str| t.split(" #").next().unwrap_or("").trim().to_string();
    let writes = all.iter().any(|l| {
        let t = code(l.text);
        t.ends_with(": write") || t.contains("write-all")
    });
    // Without a `permissions:` block the token has the repository's default, which is write on older repositories.
    let declared = all.iter().any(|l| value_of(l.text, "permissions").is_some());
    for l in &all {
        let Some(v) = value_of(l.text, "uses") else { continue };
        let v = v.trim_matches(['"', '\'']).split_whitespace().next().unwrap_or("");
        if v.starts_with("./") || v.is_empty() {
            continue;
        }
        let unpinned = if let Some(image) = v.strip_prefix("docker://") {
            // A container image is pinned only by its digest.
            (!image.contains("@sha256:")).then(|| format!("the container image `{image}` is used without a digest"))
        } else {
            let (action, rev) = v.split_once('@').unwrap_or((v, ""));
            let owner = action.split('/').next().unwrap_or("");
            let pinned = rev.len() == 40 && rev.chars().all(|c| c.is_ascii_hexdigit());
            // GitHub's own actions are trusted.
            if matches!(owner, "actions" | "github") || pinned {
                None
            } else if rev.is_empty() {
                Some(format!("`{action}` is used without any version: whatever its default branch holds runs"))
            } else {
                Some(format!("`{action}` is used by the movable ref `{rev}`"))
            }
        };
        let Some(msg) = unpinned else { continue };
        let span = Span::new(l.offset, l.offset + l.text.len());
        let mut f = meta.finding(unit, span, String::new());
        if writes {
            f.message = format!("{msg} in a workflow with write permissions");
        } else if declared {
            f.message = format!("{msg}; the workflow's token is read-only, but secrets passed to it are exposed");
            f.decision = Decision::Allow;
            f.severity = Severity::Low;
        } else {
            f.message = format!("{msg} with the repository's default token permissions");
        }
        out.push(f);
    }
}
