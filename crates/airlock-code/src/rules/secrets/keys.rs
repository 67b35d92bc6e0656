//! Where a key or secret is used, and whether the value used is written in the
//! source: the helpers behind CRD001's use-site checks.

use crate::rules::util::assigned_value;
use crate::syntax::{str_lit, Call, Setting, N};
use crate::unit::Unit;
use crate::lang::Lang;

/// Calls that only change a literal's type: `Buffer.from("k")`, `"k".getBytes()`,
/// `[]byte("k")`, `"k".encode()`, `new TextEncoder().encode("k")`, `JWK.asKey("k")`.
const WRAPPERS: &[&str] = &[
    "from", "getBytes", "encode", "asKey", "createSecretKey", "hmacShaKeyFor", "toByteArray", "as_bytes", "into",
    "to_vec", "bytes", "to_string", "String", "fromString", "decode", "b64decode", "parseBase64Binary",
];

/// The literal a key expression comes down to, with the assignment that wrote
/// it when it came through a variable. Empty literals and environment lookups
/// are not literals.
pub(crate) fn literal_behind<'t>(unit: &Unit<'t>, n: &N<'t>) -> Option<(String, Option<N<'t>>)> {
    literal_at(unit, n, 0)
}

fn literal_at<'t>(unit: &Unit<'t>, n: &N<'t>, depth: usize) -> Option<(String, Option<N<'t>>)> {
    if depth > 3 {
        return None;
    }
    if let Some(s) = str_lit(n) {
        return (!s.trim().is_empty()).then_some((s, None));
    }
    let kind = n.kind();
    let text = n.text();
    // Go `[]byte("k")` parses as a conversion.
    if let Some(inner) = text.strip_prefix("[]byte(").and_then(|r| r.strip_suffix(')')) {
        let inner = inner.trim();
        if inner.starts_with('"') || inner.starts_with('`') {
            let v = inner.trim_matches(['"', '`']).to_string();
            return (!v.is_empty()).then_some((v, None));
        }
    }
    match &*kind {
        "identifier" | "variable_name" => {
            let v = assigned_value(unit, n).or_else(|| go_var(unit, n))?;
            let (lit, _) = literal_at(unit, &v, depth + 1)?;
            let facts = unit.facts()?;
            let def = facts.settings.iter().find(|s| s.value.range() == v.range()).map(|s| s.node.clone());
            Some((lit, def))
        }
        "call" | "call_expression" | "method_invocation" | "new_expression" | "object_creation_expression" => {
            let c = unit.facts()?.calls.iter().find(|c| c.node.range() == n.range())?;
            wrapped(unit, c, depth)
        }
        "parenthesized_expression" | "await_expression" => {
            let inner = n.children().find(|c| c.is_named())?;
            literal_at(unit, &inner, depth + 1)
        }
        _ => None,
    }
}

/// Go `var name = value` / `const name = value` (not assignments in the facts).
fn go_var<'t>(unit: &Unit<'t>, n: &N<'t>) -> Option<N<'t>> {
    if unit.lang != Lang::Go {
        return None;
    }
    let root = n.ancestors().last()?;
    let name = n.text();
    let spec = root.dfs().find(|d| {
        matches!(&*d.kind(), "var_spec" | "const_spec") && d.field("name").is_some_and(|x| x.text() == name)
    })?;
    let value = spec.field("value")?;
    let first = if value.kind() == "expression_list" { value.children().find(|c| c.is_named()) } else { Some(value) };
    first
}

/// A wrapper call around a literal, or a method called on a literal (`"k".getBytes()`).
fn wrapped<'t>(unit: &Unit<'t>, c: &Call<'t>, depth: usize) -> Option<(String, Option<N<'t>>)> {
    if !WRAPPERS.contains(&c.name.as_str()) && !c.callee.starts_with("new SecretKeySpec") {
        return None;
    }
    // Environment and configuration lookups are the safe pattern.
    let callee = c.callee.to_ascii_lowercase();
    if callee.contains("env") || callee.contains("config") || callee.contains("getproperty") {
        return None;
    }
    if let Some(a) = c.first() {
        if let Some(r) = literal_at(unit, a, depth + 1) {
            return Some(r);
        }
    }
    // The receiver of a method: `"k".getBytes()`, `b"k".to_vec()`.
    let recv = c.node.field("object").or_else(|| c.node.field("function").and_then(|f| f.field("object").or_else(|| f.field("value"))))?;
    literal_at(unit, &recv, depth + 1)
}

/// Is this literal a real secret value (not a placeholder)?
pub(crate) fn real_key(v: &str) -> bool {
    real_key_min(v, 4)
}

/// [`real_key`] with a minimum length (framework `secret` options: any constant is one).
pub(crate) fn real_key_min(v: &str, min: usize) -> bool {
    let l = v.trim().to_ascii_lowercase();
    // `"JWT_SECRET"` names an environment variable or a setting, not a value.
    let env_name = v.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    l.len() >= min && !env_name && !["changeme", "your", "placeholder", "<", "${", "{{", "xxxx", "***", "%s"].iter().any(|p| l.contains(p))
}

/// The key argument of a call that signs, verifies or keys a MAC with it, when
/// the language and API are known: JWT libraries, HMAC constructors, Java key specs.
pub(crate) fn key_argument<'a, 't>(lang: Lang, c: &'a Call<'t>) -> Option<&'a N<'t>> {
    let n = c.name.as_str();
    let callee = c.callee.as_str();
    let jwt = crate::rules::util::jwt_callee(callee);
    match n {
        "sign" | "verify" | "decode" | "encode" if jwt => c.positional().nth(1),
        "SignedString" => c.first(),
        "HMAC256" | "HMAC384" | "HMAC512" if callee.contains("Algorithm") => c.first(),
        "setSigningKey" | "signWith" | "hmacShaKeyFor" => c.positional().last(),
        "createHmac" => c.positional().nth(1),
        "new" if lang == Lang::Python && callee.ends_with("hmac.new") => c.first(),
        "New" if callee == "hmac.New" => c.positional().nth(1),
        _ if callee == "new SecretKeySpec" || callee == "new javax.crypto.spec.SecretKeySpec" => c.first(),
        _ => None,
    }
}

/// Setting keys that name a signing secret in web frameworks' options
/// (`session({ secret })`, `jwt({ secret })`, passport's `secretOrKey`, `clientSecret`).
pub(crate) fn option_secret_key(k: &str) -> bool {
    matches!(k, "secret" | "secretOrKey" | "secretOrPrivateKey" | "clientSecret" | "client_secret" | "jwtSecret" | "jwt_secret" | "SECRET_KEY" | "JWT_SECRET_KEY" | "signingKey" | "consumerSecret")
}

/// The settings of option keys whose value resolves to a literal through a variable.
pub(crate) fn via_variable<'t>(unit: &Unit<'t>, s: &Setting<'t>) -> Option<(String, Option<N<'t>>)> {
    if !matches!(&*s.value.kind(), "identifier" | "call" | "call_expression" | "method_invocation") {
        return None;
    }
    literal_behind(unit, &s.value)
}
