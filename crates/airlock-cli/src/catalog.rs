//! Every rule airlock has, across layers: shell rules, judge rules, code rules.

use airlock_protocol::{Category, Decision, Severity};

/// What the CLI shows about a rule, whichever layer it belongs to.
#[derive(Debug, Clone, Copy)]
pub struct Info {
    pub code: &'static str,
    pub name: &'static str,
    pub layer: &'static str,
    pub category: Category,
    pub severity: Severity,
    pub decision: Decision,
    pub summary: &'static str,
    pub why: &'static str,
    pub instead: &'static str,
    pub references: &'static [&'static str],
}

fn shell(m: &'static airlock_shell::rules::RuleMeta, layer: &'static str) -> Info {
    Info {
        code: m.code,
        name: m.name,
        layer,
        category: m.category,
        severity: m.severity,
        decision: m.decision,
        summary: m.summary,
        why: m.why,
        instead: m.instead,
        references: m.references,
    }
}

fn code(m: &'static airlock_code::rules::CodeRuleMeta) -> Info {
    Info {
        code: m.code,
        name: m.name,
        layer: "code",
        category: m.category,
        severity: m.severity,
        decision: m.decision,
        summary: m.summary,
        why: m.why,
        instead: m.instead,
        references: m.references,
    }
}

/// Every rule: shell, judge, then code.
pub fn all() -> Vec<Info> {
    airlock_shell::rules::REGISTRY
        .iter()
        .map(|r| shell(r.meta, "shell"))
        .chain(airlock_judge::JUDGE_RULES.iter().map(|m| shell(m, "judge")))
        .chain(airlock_gateway::GATEWAY_RULES.iter().map(|m| shell(m, "gateway")))
        .chain(airlock_code::rules::REGISTRY.iter().map(|r| code(r.meta)))
        .collect()
}

/// The rule with this code, in any layer.
pub fn find(code: &str) -> Option<Info> {
    all().into_iter().find(|i| i.code.eq_ignore_ascii_case(code))
}

/// The Markdown documentation of a rule.
pub fn render(code: &str) -> Option<String> {
    if let Some(r) = airlock_code::rules::rule(code) {
        return Some(airlock_code::rules::render_doc(r.meta));
    }
    if let Some(r) = airlock_shell::rules::rule(code) {
        return Some(airlock_shell::rules::render_doc(r.meta));
    }
    airlock_judge::JUDGE_RULES
        .iter()
        .chain(airlock_gateway::GATEWAY_RULES.iter())
        .find(|m| m.code.eq_ignore_ascii_case(code))
        .map(|m| airlock_shell::rules::render_doc(m))
}
