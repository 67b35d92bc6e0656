//! JWT006: a JWT signed or verified with a secret written in the source.

use crate::lang::Lang::*;
use crate::rules::util::{assigned_value, calls, emit, jwt_callee};
use crate::rules::{fx, CodeRuleMeta};
use crate::syntax::{str_lit, N};
use crate::unit::Unit;
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: CodeRuleMeta = CodeRuleMeta {
    code: "JWT006",
    name: "jwt-hardcoded-secret",
    category: Category::CodeVulnerability,
    severity: Severity::High,
    decision: Decision::Ask,
    langs: &[Python, JavaScript, TypeScript, Tsx, Go, Java, Rust],
    summary: "An HMAC secret for signing or verifying JWTs is a string literal (directly or through a constant): \
              `jwt.encode(payload, \"secret\")`, `jwt.sign(payload, 'key')`, `Algorithm.HMAC256(\"...\")`, \
              `token.SignedString([]byte(\"...\"))`, `EncodingKey::from_secret(b\"...\")`.",
    why: "Everyone who can read the code (or the built artifact) can mint valid tokens for any user, including \
          administrators; the secret cannot be rotated without a release.",
    example: "token = jwt.encode({\"sub\": user.id}, \"changeme\", algorithm=\"HS256\")",
    instead: "Load the secret from the environment or a secret manager at start-up, and fail if it is missing: \
              `jwt.encode(claims, os.environ[\"JWT_SECRET\"], algorithm=\"HS256\")`.",
    references: &["CWE-798", "CWE-321"],
    flags: &[
        fx(Python, "token = jwt.encode({\"sub\": uid}, \"changeme\", algorithm=\"HS256\")\n"),
        fx(Python, "SECRET = \"s3cr3t-value\"\n\ndef mint(uid):\n    return jwt.encode({\"sub\": uid}, SECRET, algorithm=\"HS256\")\n"),
        fx(JavaScript, "const token = jwt.sign({ id: user.id }, 'hardcoded-secret');"),
        fx(JavaScript, "const jsonwt = require('jsonwebtoken');\nfunction f(p) {\n  const secret = 'shhhhh';\n  return jsonwt.sign(p, secret);\n}\n"),
        fx(Java, "class A { Object a = Algorithm.HMAC256(\"secret\"); }"),
        fx(Go, "package a\nfunc f(t *jwt.Token) (string, error) { return t.SignedString([]byte(\"secret\")) }\n"),
    ],
    passes: &[
        fx(Python, "token = jwt.encode({\"sub\": uid}, os.environ[\"JWT_SECRET\"], algorithm=\"HS256\")\n"),
        fx(JavaScript, "const token = jwt.sign({ id: user.id }, process.env.JWT_SECRET);"),
        fx(Java, "class A { Object a = Algorithm.HMAC256(System.getenv(\"JWT_SECRET\")); }"),
        fx(Python, "claims = jwt.decode(token, options={\"verify_signature\": False})\n"),
    ],
};

/// The literal a key argument holds: a string, `[]byte("...")`, `b"..."`, or a constant assigned one.
fn literal_key(unit: &Unit<'_>, n: &N<'_>) -> Option<String> {
    if let Some(s) = str_lit(n) {
        return Some(s);
    }
    let t = n.text();
    // Go []byte("..."), Rust b"...", Java "...".getBytes()
    if let Some(inner) = t.strip_prefix("[]byte(").and_then(|r| r.strip_suffix(')')) {
        return inner.starts_with('"').then(|| inner.trim_matches('"').to_string());
    }
    if t.starts_with("b\"") || (t.starts_with('"') && t.ends_with(".getBytes()")) {
        return Some(t.to_string());
    }
    assigned_value(unit, n).and_then(|v| str_lit(&v))
}

/// Prefilter triggers: JWT library callees, HMAC key constructors, `SignedString`/`signWith`/`from_secret`, and `encode`/`decode`/`sign`/`verify` anywhere in a file that mentions `jsonwebtoken`.
pub(crate) const TRIGGERS: Option<&[&str]> = Some(&[
    "jwt", "jose", "jws", "jwk", "jsonwebtoken", "token", "hmac", "signedstring", "signwith", "from_secret",
    "^jsonwebtoken&encode", "^jsonwebtoken&decode", "^jsonwebtoken&sign", "^jsonwebtoken&verif",
]);

pub fn check(unit: &Unit<'_>, meta: &CodeRuleMeta, out: &mut Vec<Finding>) {
    for c in calls(unit) {
        let callee = c.callee.as_str();
        let key = match c.name.as_str() {
            "encode" | "decode" | "sign" | "verify" if jwt_callee(callee) || unit.text.contains("jsonwebtoken") => {
                c.option("key").or_else(|| c.option("secret")).or_else(|| c.positional().nth(1).cloned())
            }
            "HMAC256" | "HMAC384" | "HMAC512" if callee.starts_with("Algorithm") => c.first().cloned(),
            "SignedString" => c.first().cloned(),
            "from_secret" | "hmacShaKeyFor" => c.first().cloned(),
            "signWith" => c.positional().last().cloned(),
            _ => None,
        };
        let Some(key) = key else { continue };
        if let Some(lit) = literal_key(unit, &key) {
            if lit.trim_matches(['"', 'b']).len() >= 3 {
                emit(unit, meta, &c.node, format!("`{callee}` uses a secret written in the source"), out);
            }
        }
    }
}
