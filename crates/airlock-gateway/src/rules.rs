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

/// Every gateway rule.
pub static GATEWAY_RULES: &[&RuleMeta] = &[&UNREADABLE_CALL];

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
