//! CRY003: a non-cryptographic random generator makes a secret.

use crate::lang::Lang::*;
use crate::rules::util::{assigned_name, calls, emit, enclosing_function_name};
use crate::rules::{fx, CodeRuleMeta};
use crate::unit::Unit;
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: CodeRuleMeta = CodeRuleMeta {
    code: "CRY003",
    name: "insecure-random-secret",
    category: Category::CodeVulnerability,
    severity: Severity::High,
    decision: Decision::Ask,
    langs: &[Python, JavaScript, TypeScript, Tsx, Go, Java],
    summary: "`random`, `Math.random()`, `math/rand` or `java.util.Random` produces a token, password, key, salt, \
              nonce, OTP or session id.",
    why: "These generators are predictable: a few outputs reveal the state, and every later 'secret' can be computed.",
    example: "reset_token = ''.join(random.choice(alphabet) for _ in range(32))",
    instead: "Python `secrets.token_urlsafe()`, Node `crypto.randomBytes()`/`crypto.randomUUID()`, Go `crypto/rand`, \
              Java `SecureRandom`.",
    references: &["CWE-330", "CWE-338"],
    flags: &[
        fx(Python, "reset_token = ''.join(random.choice(alphabet) for _ in range(32))\n"),
        fx(JavaScript, "const sessionId = Math.random().toString(36).slice(2);"),
        fx(Go, "package a\nfunc newToken() int { return rand.Intn(1000000) }\n"),
        fx(Java, "class A { int otp() { return new Random().nextInt(999999); } }"),
    ],
    passes: &[
        fx(Python, "reset_token = secrets.token_urlsafe(32)\n"),
        fx(Python, "delay = random.uniform(0.5, 1.5)\n"),
        fx(JavaScript, "const jitter = Math.random() * 100;"),
        fx(Java, "class A { int shuffle() { return new Random().nextInt(10); } }"),
    ],
};

fn secret_name(t: &str) -> bool {
    let l = t.to_ascii_lowercase();
    ["token", "password", "passwd", "secret", "salt", "nonce", "otp", "session", "apikey", "api_key", "csrf", "key", "iv"]
        .iter()
        .any(|w| {
            l.match_indices(w).any(|(i, _)| {
                // whole word or camel/snake part: "sessionId", "reset_token", not "monkey".
                let before = l[..i].chars().next_back();
                let orig_before = t.get(..i).and_then(|s| s.chars().next_back());
                before.is_none_or(|c| !c.is_ascii_alphabetic()) || orig_before.is_some_and(|c| c.is_ascii_lowercase()) && t.get(i..).and_then(|s| s.chars().next()).is_some_and(|c| c.is_ascii_uppercase())
            })
        })
}

/// Prefilter triggers: `random`, `Math.random`, `rand.`, `new Random`.
pub(crate) const TRIGGERS: Option<&[&str]> = Some(&["random", "rand."]);

pub fn check(unit: &Unit<'_>, meta: &CodeRuleMeta, out: &mut Vec<Finding>) {
    for c in calls(unit) {
        let callee = c.callee.as_str();
        let weak = match unit.lang {
            Python => callee.starts_with("random.") && !callee.starts_with("random.SystemRandom"),
            JavaScript | TypeScript | Tsx => callee == "Math.random",
            Go => callee.starts_with("rand.") && !unit.text.contains("\"crypto/rand\""),
            Java => callee.starts_with("new Random") || callee.starts_with("new java.util.Random") || callee == "Math.random",
            _ => false,
        };
        if !weak {
            continue;
        }
        let name = format!("{} {}", assigned_name(&c.node), enclosing_function_name(&c.node));
        if secret_name(&name) {
            emit(unit, meta, &c.node, format!("`{callee}` is predictable but makes `{}`", name.trim()), out);
        }
    }
}
