//! Helpers shared by rules.

use crate::rules::CodeRuleMeta;
use crate::syntax::{Call, N};
use crate::unit::Unit;
use airlock_protocol::Finding;

/// Emit a finding over `node`.
pub fn emit(unit: &Unit<'_>, meta: &CodeRuleMeta, node: &N<'_>, message: String, out: &mut Vec<Finding>) {
    out.push(meta.finding(unit, Unit::span_of(node), message));
}

/// The calls of a parsed unit (none for text-only languages).
pub fn calls<'a, 't>(unit: &'a Unit<'t>) -> &'a [Call<'t>] {
    match unit.facts() {
        Some(f) => &f.calls,
        None => &[],
    }
}

/// How a JWT algorithm name verifies a signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlgKind {
    Hmac,
    Asymmetric,
    None,
}

/// Classify a JWT algorithm given as text: `"HS256"`, `Algorithm::RS256`,
/// `JWSAlgorithm.ES384`, `SignatureAlgorithm.NONE`, `jwt.SigningMethodHS256`.
pub fn alg_kind(text: &str) -> Option<AlgKind> {
    let t = text.trim().trim_matches(['"', '\'', '`']);
    let last = t.rsplit(['.', ':']).next().unwrap_or(t);
    let last = last.strip_prefix("SigningMethod").unwrap_or(last);
    let up = last.to_ascii_uppercase();
    let num = |p: &str| {
        up.strip_prefix(p)
            .is_some_and(|n| matches!(n, "256" | "384" | "512" | "256K"))
    };
    if num("HS") || up == "HMAC256" || up == "HMAC384" || up == "HMAC512" {
        Some(AlgKind::Hmac)
    } else if num("RS") || num("PS") || num("ES") || up == "EDDSA" || up == "ED25519" || up == "RSA" || up == "ECDSA" {
        Some(AlgKind::Asymmetric)
    } else if up == "NONE" {
        Some(AlgKind::None)
    } else {
        None
    }
}

/// The callee belongs to a JWT library (PyJWT, python-jose, authlib,
/// jsonwebtoken, jose, golang-jwt, jjwt, java-jwt, Nimbus, Rust jsonwebtoken).
pub fn jwt_callee(callee: &str) -> bool {
    let c = callee.to_ascii_lowercase();
    ["jwt", "jose", "jws", "jwk", "jsonwebtoken", "token"].iter().any(|w| c.contains(w))
}

/// Names that say the value protects something.
pub fn security_word(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    [
        "password", "passwd", "pwd", "secret", "token", "sign", "auth", "credential", "session",
        "nonce", "salt", "otp", "apikey", "api_key", "private", "csrf", "reset", "verif", "hmac",
    ]
    .iter()
    .any(|w| t.contains(w))
}

/// The innermost function around a node.
pub fn enclosing_function<'t>(node: &N<'t>) -> Option<N<'t>> {
    node.ancestors().find(|a| {
        matches!(
            &*a.kind(),
            "function_definition" | "function_declaration" | "method_declaration" | "function_item"
                | "func_literal" | "arrow_function" | "function_expression" | "method_definition"
        )
    })
}

/// Byte range of the function around a node (`None` at module level): two
/// nodes share a scope when this is equal.
pub fn scope_of(node: &N<'_>) -> Option<std::ops::Range<usize>> {
    enclosing_function(node).map(|f| f.range())
}

/// What a plain name holds at `node`: the value of its last assignment before
/// `node` in the same function (`None` for other nodes, names reassigned by
/// `+=`, and names not assigned there).
pub fn assigned_value<'t>(unit: &Unit<'t>, node: &N<'_>) -> Option<N<'t>> {
    if node.kind() != "identifier" {
        return None;
    }
    let facts = unit.facts()?;
    let name = node.text();
    let scope = scope_of(node);
    let at = node.range().start;
    let before = |s: &&crate::syntax::Setting<'t>| s.target == name && s.node.range().end <= at;
    // The function's own assignment, else a module-level constant.
    let last = facts
        .settings
        .iter()
        .filter(before)
        .rfind(|s| scope_of(&s.node) == scope)
        .or_else(|| facts.settings.iter().filter(before).rfind(|s| scope_of(&s.node).is_none()))?;
    (!is_augmented(&last.node)).then(|| last.value.clone())
}

/// A constant, or a plain name whose last assignment before `node` in the same
/// function is a constant (`program = "echo"; spawn(program)`).
pub fn is_const_here(unit: &Unit<'_>, node: &N<'_>) -> bool {
    crate::syntax::is_const(node) || assigned_value(unit, node).is_some_and(|v| crate::syntax::is_const(&v))
}

/// Whether an assignment node adds to its target (`q += x`) rather than replacing it.
pub fn is_augmented(node: &N<'_>) -> bool {
    matches!(&*node.kind(), "augmented_assignment" | "augmented_assignment_expression" | "compound_assignment_expr")
        || node.field("operator").is_some_and(|o| o.text() == "+=")
}

/// The name of the function around a node, or "".
pub fn enclosing_function_name(node: &N<'_>) -> String {
    enclosing_function(node)
        .and_then(|f| f.field("name"))
        .map(|n| n.text().to_string())
        .unwrap_or_default()
}

/// The name a value is assigned or passed to, looking up a few parents
/// (`token = random.random()` -> "token").
pub fn assigned_name(node: &N<'_>) -> String {
    // Far enough for `Math.random().toString(36).slice(2)`; a block or body ends the search.
    for a in node.ancestors().take(8) {
        let kind = a.kind();
        if kind.contains("block") || kind.ends_with("body") || kind == "expression_statement" || kind == "module" {
            break;
        }
        match &*kind {
            "assignment" | "assignment_expression" | "augmented_assignment" => {
                if let Some(l) = a.field("left") {
                    return l.text().to_string();
                }
            }
            "variable_declarator" | "keyword_argument" => {
                if let Some(l) = a.field("name") {
                    return l.text().to_string();
                }
            }
            "let_declaration" => {
                if let Some(l) = a.field("pattern") {
                    return l.text().to_string();
                }
            }
            "pair" => {
                if let Some(l) = a.field("key") {
                    return l.text().to_string();
                }
            }
            "short_var_declaration" | "assignment_statement" => {
                if let Some(l) = a.field("left") {
                    return l.text().to_string();
                }
            }
            "return_statement" => return enclosing_function_name(&a),
            _ => {}
        }
    }
    String::new()
}
