//! AUT001: an authentication check with a constant way through.

use crate::lang::Lang::*;
use crate::rules::util::emit;
use crate::rules::{fx, CodeRuleMeta};
use crate::syntax::{bool_lit, str_lit, N};
use crate::unit::Unit;
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: CodeRuleMeta = CodeRuleMeta {
    code: "AUT001",
    name: "authentication-bypass-constant",
    category: Category::CodeVulnerability,
    severity: Severity::Critical,
    decision: Decision::Deny,
    langs: &[Python, JavaScript, TypeScript, Tsx, Go, Java, Rust],
    summary: "An authentication or authorization condition that a constant satisfies: `... or True`, `|| true`, \
              or a user name, password or token compared with a string literal (a magic user or master password).",
    why: "This is what a planted backdoor looks like: a second way in that works for whoever knows the constant, \
          and it reads like a debugging shortcut.",
    example: "if check_password(user, pw) or pw == \"letmein-42\":",
    instead: "Authenticate every user through the same path against stored, hashed credentials; \
              use feature flags and test fixtures, not constants, for test access.",
    references: &["CWE-798", "CWE-287", "CWE-912"],
    flags: &[
        fx(Python, "def login(user, pw):\n    if check_password(user, pw) or pw == \"letmein-42\":\n        return True\n"),
        fx(JavaScript, "function isAdmin(user) { return user.roles.includes('admin') || true; }"),
        fx(Go, "package a\nfunc auth(token string) bool { return valid(token) || token == \"debug-override\" }\n"),
        fx(Java, "class A { boolean auth(String password) { return check(password) || password.equals(\"master123\"); } }"),
    ],
    passes: &[
        fx(Python, "def login(user, pw):\n    if check_password(user, pw):\n        return True\n"),
        fx(Python, "if role == \"admin\":\n    show_admin()\n"),
        fx(JavaScript, "const debug = process.env.DEBUG === 'true' || false;"),
        fx(Python, "if password == \"\":\n    raise ValueError(\"empty\")\n"),
    ],
};

fn credential_name(t: &str) -> bool {
    let l = t.to_ascii_lowercase();
    let last = l.rsplit(['.', '>', '[']).next().unwrap_or(&l).trim_matches([']', '"', '\'', ')', '(']);
    matches!(last, "password" | "passwd" | "pw" | "pwd" | "token" | "api_key" | "apikey" | "secret" | "username" | "user" | "user_name" | "login" | "auth_token" | "access_token" | "master_password" | "passphrase")
        || last.ends_with("password")
        || last.ends_with("token")
}

fn auth_context(n: &N<'_>) -> bool {
    let f = crate::rules::util::enclosing_function_name(n).to_ascii_lowercase();
    ["auth", "login", "admin", "permission", "allowed", "verify", "check", "access", "can_", "is_"].iter().any(|w| f.contains(w))
}

/// Prefilter triggers: an always-true `or` in a function named for authorization, or a credential-named value compared with `==`/`equals`.
pub(crate) const TRIGGERS: Option<&[&str]> = Some(&[
    "pass&==", "pass&equals", "pw&==", "pw&equals", "token&==", "token&equals", "api&==", "api&equals",
    "secret&==", "secret&equals", "user&==", "user&equals", "login&==", "login&equals", "auth&true", "login&true",
    "admin&true", "permission&true", "allowed&true", "verify&true", "check&true", "access&true", "can_&true",
    "is_&true",
]);

pub fn check(unit: &Unit<'_>, meta: &CodeRuleMeta, out: &mut Vec<Finding>) {
    let Some(facts) = unit.facts() else { return };
    for cond in &facts.conditions {
        let op = cond.field("operator").map(|o| o.text().to_string()).unwrap_or_default();
        let kids: Vec<N<'_>> = cond.children().filter(|c| c.is_named()).collect();
        let op = if op.is_empty() {
            cond.children().find(|c| !c.is_named()).map(|c| c.text().to_string()).unwrap_or_default()
        } else {
            op
        };
        match op.as_str() {
            "or" | "||" if kids.iter().any(|k| bool_lit(k) == Some(true)) && auth_context(cond) => {
                emit(unit, meta, cond, "an authorization condition is always true (`or True`)".into(), out);
            }
            "==" | "===" => {
                if let [a, b] = kids.as_slice() {
                    let (name, lit) = if str_lit(b).is_some() { (a, b) } else { (b, a) };
                    if let Some(v) = str_lit(lit) {
                        if v.len() >= 4 && credential_name(&name.text()) && !matches!(v.to_ascii_lowercase().as_str(), "none" | "null" | "undefined" | "true" | "false" | "bearer" | "basic") {
                            emit(unit, meta, cond, format!("`{}` is compared with a constant: a fixed credential opens this check", name.text()), out);
                        }
                    }
                }
            }
            _ => {}
        }
    }
    // Java/Kotlin `password.equals("...")`.
    for c in crate::rules::util::calls(unit) {
        if matches!(c.name.as_str(), "equals" | "equalsIgnoreCase") {
            let recv = c.callee.rsplit_once('.').map(|(r, _)| r).unwrap_or("");
            if credential_name(recv) && c.first().and_then(str_lit).is_some_and(|v| v.len() >= 4) {
                emit(unit, meta, &c.node, format!("`{recv}` is compared with a constant: a fixed credential opens this check"), out);
            }
        }
    }
}
