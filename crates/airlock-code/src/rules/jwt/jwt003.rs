//! JWT003: signature verification switched off.

use crate::lang::Lang::*;
use crate::rules::util::{calls, emit, jwt_callee};
use crate::rules::{fx, CodeRuleMeta};
use crate::syntax::bool_lit;
use crate::unit::Unit;
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: CodeRuleMeta = CodeRuleMeta {
    code: "JWT003",
    name: "jwt-verification-disabled",
    category: Category::CodeVulnerability,
    severity: Severity::Critical,
    decision: Decision::Deny,
    langs: &[Python, JavaScript, TypeScript, Tsx, Go, Java, Rust],
    summary: "JWT signature verification is explicitly turned off (`verify_signature: False`, `verify=False`, \
              Rust jsonwebtoken `insecure_disable_signature_validation()`).",
    why: "The claims are then trusted without proof of who issued them: any forged token is accepted.",
    example: "jwt.decode(token, key, algorithms=[\"HS256\"], options={\"verify_signature\": False})",
    instead: "Keep verification on; to read a header before choosing the key, use the library's \
              unverified-header call and then verify the token with that key.",
    references: &["CWE-347"],
    flags: &[
        fx(Python, "data = jwt.decode(token, key, algorithms=[\"HS256\"], options={\"verify_signature\": False})\n"),
        fx(Python, "data = jwt.decode(token, key, verify=False)\n"),
        fx(Rust, "fn v() { let mut validation = Validation::default(); validation.insecure_disable_signature_validation(); }"),
    ],
    passes: &[
        fx(Python, "data = jwt.decode(token, key, algorithms=[\"HS256\"], options={\"verify_exp\": True})\n"),
        fx(Python, "r = requests.get(url, verify=True)\n"),
        fx(Rust, "fn v() { let validation = Validation::new(Algorithm::RS256); }"),
    ],
};

/// Prefilter triggers: `verify_signature`/`verifySignature`, a `verify=` option, or `insecure_disable_signature_validation`.
pub(crate) const TRIGGERS: Option<&[&str]> = Some(&["verif", "insecure"]);

pub fn check(unit: &Unit<'_>, meta: &CodeRuleMeta, out: &mut Vec<Finding>) {
    let Some(facts) = unit.facts() else { return };
    for s in &facts.settings {
        if matches!(s.key.as_str(), "verify_signature" | "verifySignature") && bool_lit(&s.value) == Some(false) {
            emit(unit, meta, &s.node, "turns JWT signature verification off: forged tokens are accepted".into(), out);
        }
    }
    for c in calls(unit) {
        if jwt_callee(&c.callee) && matches!(c.name.as_str(), "decode" | "verify" | "decode_complete") {
            if let Some(v) = c.option("verify") {
                if bool_lit(&v) == Some(false) {
                    emit(unit, meta, &v, format!("calls `{}` with verification off: forged tokens are accepted", c.callee), out);
                }
            }
        }
        if c.name == "insecure_disable_signature_validation" {
            emit(unit, meta, &c.node, "disables JWT signature validation: forged tokens are accepted".into(), out);
        }
    }
}
