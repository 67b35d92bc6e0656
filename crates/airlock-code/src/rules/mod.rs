//! The code rules. One file per rule: metadata, documentation, fixtures and
//! check side by side. [`REGISTRY`] maps stable codes to rules.

use crate::lang::Lang;
use crate::unit::Unit;
use airlock_protocol::{Category, Decision, Finding, Severity, Span};

mod crypto;
mod diff;
mod host;
mod injection;
mod jwt;
mod secrets;
mod supply;
mod text;
mod tls;
pub(crate) mod util;
mod web;
mod workflow;

/// A snippet of source in one language, for a rule's fixtures.
#[derive(Debug, Clone, Copy)]
pub struct Fixture {
    pub lang: Lang,
    pub code: &'static str,
    /// Text the change removed, for rules about what a change takes away.
    pub removed: &'static str,
}

/// Shorthand for fixture tables.
pub const fn fx(lang: Lang, code: &'static str) -> Fixture {
    Fixture { lang, code, removed: "" }
}

/// A fixture that is a change: the text it removed, and the result.
pub const fn fx_change(lang: Lang, removed: &'static str, code: &'static str) -> Fixture {
    Fixture { lang, code, removed }
}

/// Everything a person needs to know about a code rule.
pub struct CodeRuleMeta {
    pub code: &'static str,
    pub name: &'static str,
    pub category: Category,
    pub severity: Severity,
    /// The verdict its findings carry unless the policy says otherwise.
    pub decision: Decision,
    /// Languages it reads; empty for every language.
    pub langs: &'static [Lang],
    pub summary: &'static str,
    pub why: &'static str,
    /// The vulnerable example and the safer alternative, for people.
    pub example: &'static str,
    pub instead: &'static str,
    /// CWE references.
    pub references: &'static [&'static str],
    /// Sources the rule must flag.
    pub flags: &'static [Fixture],
    /// Sources the rule must not flag.
    pub passes: &'static [Fixture],
}

pub struct CodeRule {
    pub meta: &'static CodeRuleMeta,
    pub check: fn(&Unit<'_>, &CodeRuleMeta, &mut Vec<Finding>),
    /// What must appear in a top-level declaration for this rule to find
    /// anything there (see [`crate::prefilter`]). `None`: the rule needs the
    /// whole file parsed. `Some(&[])`: it reads only the raw text. Each entry
    /// is one alternative: words joined by `&` must all appear (ASCII case
    /// ignored, as substrings); a word starting with `=` must match its case;
    /// a `go:` (`python:`, `js:`, `java:`) prefix limits the entry to that language.
    pub triggers: Option<&'static [&'static str]>,
}

impl CodeRuleMeta {
    pub fn applies_to(&self, lang: Lang) -> bool {
        self.langs.is_empty() || self.langs.contains(&lang)
    }

    /// A finding of this rule over `span` of the analysed text.
    pub fn finding(&self, unit: &Unit<'_>, span: Span, message: String) -> Finding {
        Finding {
            code: self.code.to_string(),
            category: self.category,
            severity: self.severity,
            decision: self.decision,
            message,
            span: Some(span),
            snippet: Some(unit.snippet(span)),
        }
    }
}

macro_rules! registry {
    ($($family:ident :: $rule:ident),* $(,)?) => {
        /// Every code rule, in code order.
        pub static REGISTRY: &[CodeRule] = &[
            $(CodeRule { meta: &$family::$rule::META, check: $family::$rule::check, triggers: $family::$rule::TRIGGERS },)*
        ];
    };
}

registry![
    jwt::jwt001,
    jwt::jwt002,
    jwt::jwt003,
    jwt::jwt004,
    jwt::jwt005,
    jwt::jwt006,
    tls::tls001,
    tls::net001,
    tls::tls002,
    injection::dsr001,
    injection::cmd001,
    injection::cmd002,
    injection::evl001,
    injection::sql001,
    crypto::cry001,
    crypto::cry002,
    crypto::cry003,
    crypto::cry004,
    secrets::crd001,
    secrets::crd002,
    web::web001,
    web::web002,
    web::web003,
    web::aut001,
    web::xss001,
    text::uni001,
    text::ign001,
    workflow::gha001,
    workflow::gha002,
    workflow::gha003,
    supply::pkg001,
    supply::pkg002,
    supply::pkg003,
    host::dkr001,
    host::dkr002,
    host::dkr003,
    host::prm001,
    diff::dif001,
    diff::dif002,
];

/// The rule with this code.
pub fn rule(code: &str) -> Option<&'static CodeRule> {
    REGISTRY.iter().find(|r| r.meta.code.eq_ignore_ascii_case(code))
}

/// A rule's documentation as Markdown (what `airlock explain` prints).
pub fn render_doc(m: &CodeRuleMeta) -> String {
    let langs = if m.langs.is_empty() {
        "every file".to_string()
    } else {
        m.langs.iter().map(|l| l.name()).collect::<Vec<_>>().join(", ")
    };
    let mut s = format!("# {} {}\n\n", m.code, m.name);
    s.push_str(&format!(
        "Category: {} · default: {} · severity: {} · languages: {langs}\n\n",
        m.category, m.decision, m.severity
    ));
    s.push_str(&format!("## What it catches\n{}\n\n## Why it is dangerous\n{}\n\n", m.summary, m.why));
    s.push_str(&format!("## Example\n```\n{}\n```\n\n", m.example));
    let block = |title: &str, list: &[Fixture]| {
        let mut b = format!("## {title}\n");
        for f in list.iter().take(4) {
            b.push_str(&format!("```{}\n{}\n```\n", f.lang.name(), f.code.trim_end()));
        }
        b.push('\n');
        b
    };
    s.push_str(&block("Flagged (fixtures)", m.flags));
    s.push_str(&block("Not flagged (fixtures)", m.passes));
    s.push_str(&format!("## Safer alternative\n{}\n\n## References\n{}\n", m.instead, m.references.join(", ")));
    s
}
