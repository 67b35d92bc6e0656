//! WEB002: CSRF protection switched off.

use crate::lang::Lang::*;
use crate::rules::util::{calls, emit};
use crate::rules::{fx, CodeRuleMeta};
use crate::syntax::bool_lit;
use crate::unit::Unit;
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: CodeRuleMeta = CodeRuleMeta {
    code: "WEB002",
    name: "csrf-disabled",
    category: Category::CodeVulnerability,
    severity: Severity::High,
    decision: Decision::Ask,
    langs: &[Python, Java, JavaScript, TypeScript],
    summary: "Cross-site request forgery protection is turned off: `WTF_CSRF_ENABLED = False` (outside a \
              `TESTING=True` configuration), Pyramid `require_csrf=False`, Django `@csrf_exempt`, \
              Spring `csrf().disable()` / `csrf(c -> c.disable())`, `csrf: false` options.",
    why: "Any page the user visits can then submit state-changing requests with the user's session.",
    example: "http.csrf().disable();",
    instead: "Keep CSRF protection on and send the token from forms and clients; for a token-authenticated API, \
              disable it only on those routes with a comment explaining why.",
    references: &["CWE-352"],
    flags: &[
        fx(Python, "app.config[\"WTF_CSRF_ENABLED\"] = False\n"),
        fx(Python, "@csrf_exempt\ndef transfer(request):\n    pass\n"),
        fx(Python, "def includeme(config):\n    config.set_default_csrf_options(require_csrf=False)\n"),
        fx(Java, "class S { void c(HttpSecurity http) throws Exception { http.csrf().disable(); } }"),
        fx(Java, "class S { void c(HttpSecurity http) throws Exception { http.csrf(c -> c.disable()); } }"),
    ],
    passes: &[
        fx(Python, "app.config[\"WTF_CSRF_ENABLED\"] = True\n"),
        fx(Python, "app.config.update(WTF_CSRF_ENABLED=False, TESTING=True)\n"),
        fx(Java, "class S { void c(HttpSecurity http) throws Exception { http.csrf(Customizer.withDefaults()); } }"),
    ],
};

/// Prefilter triggers: CSRF settings and Spring's `csrf()` (`@csrf_exempt` is matched in the raw text).
pub(crate) const TRIGGERS: Option<&[&str]> = Some(&["csrf"]);

pub fn check(unit: &Unit<'_>, meta: &CodeRuleMeta, out: &mut Vec<Finding>) {
    let Some(facts) = unit.facts() else { return };
    for s in &facts.settings {
        let k = s.key.as_str();
        let off = matches!(k, "WTF_CSRF_ENABLED" | "CSRF_ENABLED" | "csrf" | "csrfProtection" | "CSRF_PROTECTION" | "require_csrf" | "WTF_CSRF_CHECK_DEFAULT" | "csrf_protection")
            && bool_lit(&s.value) == Some(false);
        // A test configuration (`TESTING=True` beside it) may turn CSRF off.
        let testing = s.node.parent().is_some_and(|p| p.children().any(|c| c.text().replace(' ', "") == "TESTING=True"));
        if off && !testing {
            emit(unit, meta, &s.node, format!("`{k}` turns CSRF protection off"), out);
        }
    }
    for c in calls(unit) {
        let t = c.callee.as_str();
        let spring = (c.name == "disable" && (t.ends_with("csrf().disable") || t.contains(".csrf().")))
            || (c.name == "csrf" && c.first().is_some_and(|a| {
                let x = a.text();
                x.contains(".disable()") || x.contains("::disable")
            }));
        if spring {
            emit(unit, meta, &c.node, "Spring Security CSRF protection is disabled".into(), out);
        }
    }
    if unit.lang == Python {
        // `@csrf_exempt`, `@django.views.decorators.csrf.csrf_exempt`
        let mut offset = 0;
        for line in unit.text.split_inclusive('\n') {
            let t = line.trim();
            let at = offset + (line.len() - line.trim_start().len());
            offset += line.len();
            if !(t.starts_with('@') && (t == "@csrf_exempt" || t.ends_with(".csrf_exempt"))) {
                continue;
            }
            let span = airlock_protocol::Span::new(at, at + t.len());
            out.push(meta.finding(unit, span, "`@csrf_exempt` removes CSRF protection from this view".into()));
        }
    }
}
