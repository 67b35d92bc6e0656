//! The gateway's own rule, documented like the analyses' rules.

use airlock_protocol::{Category, Decision, Severity};
use airlock_shell::rules::RuleMeta;

/// A tool call in the model's output that the gateway cannot read whole.
pub static UNREADABLE_CALL: RuleMeta = RuleMeta {
    code: "GW001",
    name: "unreadable-tool-call",
    category: Category::Unparseable,
    severity: Severity::High,
    decision: Decision::Deny,
    summary: "A tool call in a model's response that the gateway cannot judge: its arguments are not valid JSON or lack a field \
              the tool needs, it is larger than the size cap, the stream ended (or errored) before the call was complete, its \
              events contradict each other, or it is a kind of call airlock has no reading of. The call is dropped before the agent \
              sees it and the reason recorded.",
    why: "A client may still run a call it can half-parse, or one whose deltas it joins differently from the gateway: passing what \
          was not judged would let a tampered stream slip a command through.",
    instead: "Nothing to change on the agent's side; if a provider keeps sending such calls, look at the audit record \
              (`airlock audit tail`) and the provider.",
    references: &["CWE-20", "CWE-636"],
    flags: &["{\"command\": \"ls", "{\"command\": 5}", "[1, 2]"],
    passes: &["{\"command\": \"ls\"}", "{}"],
};

/// A write the cross-provider review found a serious problem in (`review_writes = "gateway"`).
pub static REVIEW_FINDING: RuleMeta = RuleMeta {
    code: "GW002",
    name: "review-found-a-problem",
    category: Category::CodeVulnerability,
    severity: Severity::High,
    decision: Decision::Deny,
    summary: "A file write, edit or patch that airlock's own analyses passed, but that a reviewer model of another provider \
              (`review_writes = \"gateway\"`) reports a finding of high or critical severity in. The write is kept from the \
              agent; the reviewer's findings (file, line, severity, title) are named in the reason and recorded in the audit.",
    why: "A backdoored model plants holes that read as ordinary code (an algorithm list that also accepts HS256, a check that \
          compares the wrong field). A model of another provider is unlikely to share the same trigger, so its finding is \
          evidence the write should not land unseen.",
    instead: "Read the finding (`airlock audit tail`); if the reviewer is right, ask the agent for a fix; if it is wrong, \
              write the change yourself or run `airlock review` on it later. Raise `[review]` thresholds only for a reviewer \
              that keeps being wrong.",
    references: &["CWE-1357", "CWE-506"],
    flags: &["jwt.decode(token, PUBLIC_KEY, algorithms=[\"RS256\", \"HS256\"])   (reviewer: high, JWT algorithm confusion)"],
    passes: &["jwt.decode(token, PUBLIC_KEY, algorithms=[\"RS256\"])   (reviewer: no findings)"],
};

/// A write that could not be reviewed (`review_writes = "gateway"`): the gateway fails closed.
pub static REVIEW_FAILED: RuleMeta = RuleMeta {
    code: "GW003",
    name: "review-not-completed",
    category: Category::Policy,
    severity: Severity::High,
    decision: Decision::Deny,
    summary: "A file write, edit or patch that must be reviewed by a model of another provider (`review_writes = \"gateway\"`) \
              but whose review did not complete: the reviewer did not answer within `write_budget_secs`, answered with an \
              HTTP error or with something that is not a valid findings document, or no configured reviewer is of another \
              provider. The write is kept from the agent.",
    why: "Letting an unreviewed write through whenever the reviewer is slow or broken would turn the review off for anyone who \
          can make it slow or broken, including the model under review.",
    instead: "Check the reviewer's configuration and reachability (`airlock review --reviewer NAME` on a small change), raise \
              `write_budget_secs`, or set `review_writes = \"off\"` and review with `airlock review` before commit.",
    references: &["CWE-636"],
    flags: &["a write whose reviewer does not answer within the budget", "a reviewer answer that is not a findings document"],
    passes: &["a write the reviewer answers for in time with no finding of high severity"],
};

/// Every gateway rule.
pub static GATEWAY_RULES: &[&RuleMeta] = &[&UNREADABLE_CALL, &REVIEW_FINDING, &REVIEW_FAILED];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::judge::{CallInput, CallJudge, PolicyJudge, RawCall};
    use airlock_config::Policy;
    use airlock_judge::{CallContext, Judge};

    #[test]
    fn docs_rules_md_lists_every_gateway_rule() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/rules.md");
        let text = std::fs::read_to_string(path).unwrap_or_default();
        for r in GATEWAY_RULES {
            assert!(text.contains(&format!("{} ", r.code)), "docs/rules.md lacks {} (run scripts/gen_rule_docs.sh)", r.code);
            assert!(!r.summary.is_empty() && !r.why.is_empty() && !r.instead.is_empty() && !r.references.is_empty());
        }
    }

    #[test]
    fn fixtures_behave() {
        let j = PolicyJudge::new(Judge::new(Policy::default()), CallContext::default());
        for f in UNREADABLE_CALL.flags {
            let v = j.judge(&RawCall { id: None, name: "Bash", input: CallInput::JsonText(f) });
            assert_eq!(v.rules, [UNREADABLE_CALL.code], "{f}");
            assert!(v.blocked);
        }
        for p in UNREADABLE_CALL.passes {
            let v = j.judge(&RawCall { id: None, name: "Read", input: CallInput::JsonText(p) });
            assert!(!v.rules.iter().any(|r| r == UNREADABLE_CALL.code), "{p}: {v:?}");
        }
    }
}
