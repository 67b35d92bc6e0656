//! The rules. One file per rule: its metadata, documentation, fixtures and
//! check, side by side. [`REGISTRY`] maps stable codes to rules.

use crate::analysis::Analysis;
use crate::ir::Cmd;
use crate::words::snippet;
use airlock_protocol::{Category, Decision, Finding, Severity, Span};

mod dataflow;
mod destruction;
mod evasion;
mod exfil;
mod interp_rules;
mod obfuscation;
pub(crate) mod persistence;
mod privilege;
pub(crate) mod rce;
mod secrets;
mod shells;
mod supply;
mod system;
pub mod util;

/// Everything a person needs to know about a rule.
pub struct RuleMeta {
    pub code: &'static str,
    pub name: &'static str,
    pub category: Category,
    pub severity: Severity,
    /// The verdict its findings carry unless the policy says otherwise.
    pub decision: Decision,
    /// What it catches.
    pub summary: &'static str,
    /// Why it is dangerous.
    pub why: &'static str,
    /// A safer alternative.
    pub instead: &'static str,
    /// CWE / MITRE ATT&CK references.
    pub references: &'static [&'static str],
    /// Commands the rule must flag.
    pub flags: &'static [&'static str],
    /// Commands the rule must not flag.
    pub passes: &'static [&'static str],
}

pub struct Rule {
    pub meta: &'static RuleMeta,
    pub check: fn(&Analysis, &RuleMeta, &mut Vec<Finding>),
}

/// Every rule, in code order.
pub static REGISTRY: &[Rule] = &[
    Rule {
        meta: &dataflow::exf001::META,
        check: dataflow::exf001::check,
    },
    Rule {
        meta: &exfil::exf002::META,
        check: exfil::exf002::check,
    },
    Rule {
        meta: &exfil::exf003::META,
        check: exfil::exf003::check,
    },
    Rule {
        meta: &exfil::exf004::META,
        check: exfil::exf004::check,
    },
    Rule {
        meta: &exfil::exf005::META,
        check: exfil::exf005::check,
    },
    Rule {
        meta: &exfil::exf006::META,
        check: exfil::exf006::check,
    },
    Rule {
        meta: &secrets::sec001::META,
        check: secrets::sec001::check,
    },
    Rule {
        meta: &secrets::sec002::META,
        check: secrets::sec002::check,
    },
    Rule {
        meta: &secrets::sec003::META,
        check: secrets::sec003::check,
    },
    Rule {
        meta: &secrets::sec004::META,
        check: secrets::sec004::check,
    },
    Rule {
        meta: &secrets::sec005::META,
        check: secrets::sec005::check,
    },
    Rule {
        meta: &secrets::sec006::META,
        check: secrets::sec006::check,
    },
    Rule {
        meta: &rce::rce001::META,
        check: rce::rce001::check,
    },
    Rule {
        meta: &rce::rce002::META,
        check: rce::rce002::check,
    },
    Rule {
        meta: &rce::rce003::META,
        check: rce::rce003::check,
    },
    Rule {
        meta: &rce::rce004::META,
        check: rce::rce004::check,
    },
    Rule {
        meta: &shells::rev001::META,
        check: shells::rev001::check,
    },
    Rule {
        meta: &shells::rev002::META,
        check: shells::rev002::check,
    },
    Rule {
        meta: &shells::she001::META,
        check: shells::she001::check,
    },
    Rule {
        meta: &shells::she002::META,
        check: shells::she002::check,
    },
    Rule {
        meta: &shells::she003::META,
        check: shells::she003::check,
    },
    Rule {
        meta: &shells::she004::META,
        check: shells::she004::check,
    },
    Rule {
        meta: &interp_rules::int001::META,
        check: interp_rules::int001::check,
    },
    Rule {
        meta: &interp_rules::int002::META,
        check: interp_rules::int002::check,
    },
    Rule {
        meta: &interp_rules::int003::META,
        check: interp_rules::int003::check,
    },
    Rule {
        meta: &persistence::per001::META,
        check: persistence::per001::check,
    },
    Rule {
        meta: &persistence::per002::META,
        check: persistence::per002::check,
    },
    Rule {
        meta: &persistence::per003::META,
        check: persistence::per003::check,
    },
    Rule {
        meta: &persistence::per004::META,
        check: persistence::per004::check,
    },
    Rule {
        meta: &persistence::per005::META,
        check: persistence::per005::check,
    },
    Rule {
        meta: &persistence::pol001::META,
        check: persistence::pol001::check,
    },
    Rule {
        meta: &destruction::des001::META,
        check: destruction::des001::check,
    },
    Rule {
        meta: &destruction::des002::META,
        check: destruction::des002::check,
    },
    Rule {
        meta: &destruction::des003::META,
        check: destruction::des003::check,
    },
    Rule {
        meta: &destruction::des004::META,
        check: destruction::des004::check,
    },
    Rule {
        meta: &destruction::res001::META,
        check: destruction::res001::check,
    },
    Rule {
        meta: &privilege::prv001::META,
        check: privilege::prv001::check,
    },
    Rule {
        meta: &privilege::prv002::META,
        check: privilege::prv002::check,
    },
    Rule {
        meta: &evasion::eva001::META,
        check: evasion::eva001::check,
    },
    Rule {
        meta: &evasion::eva002::META,
        check: evasion::eva002::check,
    },
    Rule {
        meta: &evasion::eva003::META,
        check: evasion::eva003::check,
    },
    Rule {
        meta: &supply::sup001::META,
        check: supply::sup001::check,
    },
    Rule {
        meta: &supply::sup002::META,
        check: supply::sup002::check,
    },
    Rule {
        meta: &system::sys001::META,
        check: system::sys001::check,
    },
    Rule {
        meta: &system::sys002::META,
        check: system::sys002::check,
    },
    Rule {
        meta: &obfuscation::obf001::META,
        check: obfuscation::obf001::check,
    },
    Rule {
        meta: &obfuscation::obf002::META,
        check: obfuscation::obf002::check,
    },
    Rule {
        meta: &obfuscation::obf003::META,
        check: obfuscation::obf003::check,
    },
    Rule {
        meta: &obfuscation::par001::META,
        check: obfuscation::par001::check,
    },
];

/// Look a rule up by code (case-insensitive).
pub fn rule(code: &str) -> Option<&'static Rule> {
    REGISTRY
        .iter()
        .find(|r| r.meta.code.eq_ignore_ascii_case(code))
}

/// Build a finding for `cmd` (span and snippet from the command).
pub fn at_cmd(a: &Analysis, meta: &RuleMeta, cmd: &Cmd, message: String) -> Finding {
    at_span(a, meta, cmd.span, message)
}

pub fn at_span(a: &Analysis, meta: &RuleMeta, span: Span, message: String) -> Finding {
    let text = a.source.get(span.start..span.end).filter(|t| !t.is_empty());
    Finding {
        code: meta.code.to_string(),
        category: meta.category,
        severity: meta.severity,
        decision: meta.decision,
        message,
        span: Some(span),
        snippet: text.map(|t| snippet(t, 120)),
    }
}

/// Render a rule's documentation as Markdown.
pub fn render_doc(m: &RuleMeta) -> String {
    let mut s = format!("# {} {}\n\n", m.code, m.name);
    s.push_str(&format!(
        "Category: {} · default: {} · severity: {}\n\n",
        m.category, m.decision, m.severity
    ));
    s.push_str(&format!(
        "## What it catches\n{}\n\n## Why it is dangerous\n{}\n\n",
        m.summary, m.why
    ));
    s.push_str("## Example\n```sh\n");
    for f in m.flags.iter().take(3) {
        s.push_str(f);
        s.push('\n');
    }
    s.push_str("```\n\n## Not flagged\n```sh\n");
    for f in m.passes.iter().take(3) {
        s.push_str(f);
        s.push('\n');
    }
    s.push_str(&format!(
        "```\n\n## Safer alternative\n{}\n\n## References\n{}\n",
        m.instead,
        m.references.join(", ")
    ));
    s
}
