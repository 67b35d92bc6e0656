//! JWT005: a golang-jwt key function that never checks the signing method.

use crate::lang::Lang::*;
use crate::rules::util::{calls, emit};
use crate::rules::{fx, CodeRuleMeta};
use crate::unit::Unit;
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: CodeRuleMeta = CodeRuleMeta {
    code: "JWT005",
    name: "jwt-keyfunc-ignores-method",
    category: Category::CodeVulnerability,
    severity: Severity::High,
    decision: Decision::Ask,
    langs: &[Go],
    summary: "`jwt.Parse`/`ParseWithClaims` with a key function that returns a key without checking \
              `token.Method`, and no `jwt.WithValidMethods` option.",
    why: "The library accepts whatever algorithm the token names; returning an RSA public key for an HS256 token \
          lets an attacker forge tokens with the public key as the HMAC secret.",
    example: "jwt.Parse(s, func(t *jwt.Token) (interface{}, error) { return pubKey, nil })",
    instead: "Check `if _, ok := t.Method.(*jwt.SigningMethodRSA); !ok { return nil, err }` in the key function, \
              or pass `jwt.WithValidMethods([]string{\"RS256\"})`.",
    references: &["CWE-347"],
    flags: &[fx(
        Go,
        "package a\nfunc f() { jwt.Parse(s, func(t *jwt.Token) (interface{}, error) { return pubKey, nil }) }\n",
    )],
    passes: &[
        fx(Go, "package a\nfunc f() { jwt.Parse(s, func(t *jwt.Token) (interface{}, error) { if _, ok := t.Method.(*jwt.SigningMethodRSA); !ok { return nil, e }; return pubKey, nil }) }\n"),
        fx(Go, "package a\nfunc f() { jwt.Parse(s, func(t *jwt.Token) (interface{}, error) { return pubKey, nil }, jwt.WithValidMethods([]string{\"RS256\"})) }\n"),
    ],
};

/// Prefilter triggers: `Parse`/`ParseWithClaims` on a callee naming `jwt` or a parser (its key function, found by name, is kept by the name closure).
pub(crate) const TRIGGERS: Option<&[&str]> = Some(&["jwt", "arser"]);

pub fn check(unit: &Unit<'_>, meta: &CodeRuleMeta, out: &mut Vec<Finding>) {
    let Some(facts) = unit.facts() else { return };
    for c in calls(unit) {
        if !matches!(c.name.as_str(), "Parse" | "ParseWithClaims") || !c.callee.to_ascii_lowercase().contains("jwt")
            && !c.callee.contains("arser")
        {
            continue;
        }
        if c.args.iter().any(|a| a.value.text().contains("WithValidMethods")) {
            continue;
        }
        let Some(keyfunc) = c.args.iter().find(|a| a.value.kind() == "func_literal").map(|a| a.value.clone()).or_else(|| {
            // A named key function defined in the same file.
            let name = c.args.get(1).map(|a| a.value.text().to_string())?;
            facts
                .functions
                .iter()
                .find(|f| f.field("name").is_some_and(|n| n.text() == name))
                .cloned()
        }) else {
            continue;
        };
        let body = keyfunc.text();
        if !body.contains("Method") && !body.contains("Alg()") {
            emit(
                unit,
                meta,
                &c.node,
                format!("`{}` key function returns a key without checking the token's signing method", c.callee),
                out,
            );
        }
    }
}
