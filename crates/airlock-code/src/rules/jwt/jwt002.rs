//! JWT002: the `none` algorithm is accepted or used.

use super::{algorithm_lists, kinds};
use crate::lang::Lang::*;
use crate::rules::util::{calls, emit, jwt_callee, AlgKind};
use crate::rules::{fx, CodeRuleMeta};
use crate::syntax::str_lit;
use crate::unit::Unit;
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: CodeRuleMeta = CodeRuleMeta {
    code: "JWT002",
    name: "jwt-none-algorithm",
    category: Category::CodeVulnerability,
    severity: Severity::Critical,
    decision: Decision::Deny,
    langs: &[Python, JavaScript, TypeScript, Tsx, Go, Java, Rust],
    summary: "A JWT is signed with, or a verifier accepts, the `none` algorithm.",
    why: "An unsigned token proves nothing: whoever can send a request can claim to be any user.",
    example: "jwt.decode(token, key, algorithms=[\"none\", \"HS256\"])",
    instead: "Sign and verify with a real algorithm and list only it: `algorithms=[\"HS256\"]`.",
    references: &["CWE-347", "CWE-327"],
    flags: &[
        fx(Python, "claims = jwt.decode(token, key, algorithms=[\"none\", \"HS256\"])\n"),
        fx(Python, "token = jwt.encode(payload, None, algorithm=\"none\")\n"),
        fx(JavaScript, "jwt.verify(token, key, { algorithms: ['none'] });"),
        fx(Java, "class A { void f() { JWT.require(Algorithm.none()).build().verify(t); } }"),
        fx(Go, "package a\nfunc f() { t := jwt.NewWithClaims(jwt.SigningMethodNone, c); t.SignedString(jwt.UnsafeAllowNoneSignatureType) }\n"),
    ],
    passes: &[
        fx(Python, "claims = jwt.decode(token, key, algorithms=[\"HS256\"])\n"),
        fx(JavaScript, "el.style.display = ['none', 'block'][i]; jwt.verify(token, key, { algorithms: ['HS256'] });"),
        fx(Java, "class A { void f() { JWT.require(Algorithm.HMAC256(s)).build().verify(t); } }"),
    ],
};

/// Prefilter triggers: `alg`/`algorithm` keys and options, `Algorithm.none`, the Go/Java `none` constants, or a list that names a real algorithm beside `none`.
pub(crate) const TRIGGERS: Option<&[&str]> = Some(&[
    "alg", "signingmethodnone", "unsafeallownonesignaturetype", "hs256", "hs384", "hs512", "hmac", "rs256",
    "rs384", "rs512", "ps256", "ps384", "ps512", "es256", "es384", "es512", "eddsa", "ed25519", "rsa", "ecdsa",
]);

pub fn check(unit: &Unit<'_>, meta: &CodeRuleMeta, out: &mut Vec<Finding>) {
    let msg = "accepts or signs with the JWT `none` algorithm: unsigned tokens pass as valid";
    for (node, items) in algorithm_lists(unit) {
        let ks = kinds(&items);
        if !ks.iter().any(|(_, k)| *k == AlgKind::None) || ks.len() != items.len() {
            continue;
        }
        // `["none"]` alone is only an algorithm list under an `alg...` key.
        let real = ks.iter().any(|(_, k)| *k != AlgKind::None);
        let under_alg_key = node.parent().is_some_and(|p| {
            p.field("key").or_else(|| p.field("name")).is_some_and(|k| k.text().to_ascii_lowercase().contains("alg"))
        });
        if real || under_alg_key {
            emit(unit, meta, &node, msg.into(), out);
        }
    }
    for c in calls(unit) {
        if let Some(v) = c.option("algorithm").or_else(|| c.option("alg")) {
            if str_lit(&v).is_some_and(|s| s.eq_ignore_ascii_case("none")) {
                emit(unit, meta, &v, msg.into(), out);
            }
        }
        if (jwt_callee(&c.callee) || c.callee.starts_with("Algorithm.")) && c.callee.ends_with("Algorithm.none") {
            emit(unit, meta, &c.node, msg.into(), out);
        }
    }
    let Some(facts) = unit.facts() else { return };
    if !unit.lang.is_js() && unit.lang != Python {
        // Go/Java/Rust name the none algorithm as an identifier.
        let needles = ["SigningMethodNone", "UnsafeAllowNoneSignatureType", "SignatureAlgorithm.NONE"];
        for c in &facts.calls {
            for a in &c.args {
                let t = a.value.text();
                if needles.iter().any(|n| t.trim() == *n || t.trim().ends_with(&format!(".{n}"))) {
                    emit(unit, meta, &a.value, msg.into(), out);
                }
            }
        }
    }
}
