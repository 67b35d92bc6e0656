//! CRD001: a credential written into the source.

use crate::lang::Lang::*;
use crate::rules::util::{calls, emit, jwt_callee};
use crate::rules::{fx, CodeRuleMeta};
use crate::syntax::str_lit;
use crate::unit::Unit;
use airlock_protocol::{Category, Decision, Finding, Severity, Span};

pub static META: CodeRuleMeta = CodeRuleMeta {
    code: "CRD001",
    name: "hardcoded-credential",
    category: Category::CodeVulnerability,
    severity: Severity::High,
    decision: Decision::Ask,
    langs: &[Python, JavaScript, TypeScript, Tsx, Go, Java, Rust, Yaml, Dockerfile, Text, PythonConfig, Npmrc],
    summary: "A password, secret, API key or token is a string literal in the source (a variable, field, keyword \
              argument or option named like one, a JWT signing secret, or a string in a well-known key format: \
              AWS, GitHub, Slack, Stripe, Google, npm).",
    why: "Source is copied, committed and shared; a secret in it is a secret given to everyone who can read the repository, \
          and a fixed JWT secret lets them mint tokens.",
    example: "DB_PASSWORD = \"hunter2-prod\"",
    instead: "Read secrets from the environment or a secret manager at run time (`os.environ[\"DB_PASSWORD\"]`).",
    references: &["CWE-798", "CWE-259", "CWE-321"],
    flags: &[
        fx(Python, "DB_PASSWORD = \"hunter2-prod\"\n"),
        fx(Python, "conn = psycopg2.connect(host=h, password=\"s3cr3t!\")\n"),
        fx(JavaScript, "const token = jwt.sign(payload, 'my-secret-key');"),
        fx(Go, "package a\nvar c = Config{APIKey: \"sk_live_4eC39HqLyjWDarjtT1zdp7dc\"}\n"),
        fx(Java, "class A { private static final String SECRET_KEY = \"0123456789abcdef\"; }"),
        fx(Text, "aws_access_key_id = AKIA2E0A8F3B244C9986\n"),
    ],
    passes: &[
        fx(Text, "aws_access_key_id = AKIAIOSFODNN7EXAMPLE  # the documentation's placeholder\n"),
        fx(Python, "DB_PASSWORD = os.environ[\"DB_PASSWORD\"]\n"),
        fx(Python, "password = \"\"\nPASSWORD_FIELD = \"password\"\n"),
        fx(JavaScript, "const token = jwt.sign(payload, process.env.JWT_SECRET);"),
        fx(Java, "class A { private static final String SECRET_KEY_ENV = System.getenv(\"KEY\"); }"),
        fx(Text, "Set aws_access_key_id in your environment.\n"),
    ],
};

const SECRET_KEYS: &[&str] = &[
    "password", "passwd", "pwd", "secret", "apikey", "api_key", "accesskey", "access_key", "secretkey", "secret_key",
    "privatekey", "private_key", "clientsecret", "client_secret", "authtoken", "auth_token", "accesstoken",
    "access_token", "token", "credentials", "jwtsecret", "signingkey", "secretkeybase",
];

fn secret_key(name: &str) -> bool {
    let l: String = name.to_ascii_lowercase().chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
    let compact = l.replace('_', "");
    SECRET_KEYS.iter().any(|k| compact.ends_with(&k.replace('_', "")))
        && !["field", "name", "label", "prompt", "url", "path", "file", "env", "header", "type", "param", "length", "id", "hash", "placeholder", "message"]
            .iter()
            .any(|s| compact.ends_with(s))
}

/// Looks like a real value, not a placeholder, a lookup key or a format.
fn plausible_secret(v: &str) -> bool {
    let v = v.trim();
    if v.len() < 6 || v.contains(char::is_whitespace) || v.contains("${") || v.contains("{{") || v.starts_with('<') {
        return false;
    }
    let l = v.to_ascii_lowercase();
    let placeholders = ["xxx", "***", "changeme", "your", "example", "placeholder", "dummy", "redacted", "todo", "secret_key_here", "<", "%s", "env", "password"];
    if placeholders.iter().any(|p| l.contains(p)) && !l.starts_with("akia") {
        return false;
    }
    // A bare identifier-like word is usually a key name, not a value.
    !(v.chars().all(|c| c.is_ascii_uppercase() || c == '_') || v.chars().all(|c| c.is_ascii_lowercase() || c == '_' || c == '-') && v.len() < 12)
}

/// Well-known key formats, anywhere.
pub(crate) fn known_format(s: &str) -> Option<&'static str> {
    let b = s.as_bytes();
    let run = |start: usize, pred: fn(u8) -> bool| b.get(start..).map(|r| r.iter().take_while(|c| pred(**c)).count()).unwrap_or(0);
    for (i, _) in s.char_indices() {
        let rest = &s[i..];
        if rest.starts_with("AKIA") || rest.starts_with("ASIA") {
            let n = run(i + 4, |c| c.is_ascii_uppercase() || c.is_ascii_digit());
            // AWS's documentation placeholder (AKIAIOSFODNN7EXAMPLE) is not a key.
            let example = s.get(i..i + 4 + n).is_some_and(|k| k.ends_with("EXAMPLE"));
            if n >= 16 && !example {
                return Some("an AWS access key id");
            }
        } else if rest.starts_with("ghp_") || rest.starts_with("gho_") || rest.starts_with("ghs_") || rest.starts_with("github_pat_") {
            if run(i + 4, |c| c.is_ascii_alphanumeric() || c == b'_') >= 30 {
                return Some("a GitHub token");
            }
        } else if rest.starts_with("xoxb-") || rest.starts_with("xoxp-") || rest.starts_with("xoxa-") {
            if run(i + 5, |c| c.is_ascii_alphanumeric() || c == b'-') >= 20 {
                return Some("a Slack token");
            }
        } else if rest.starts_with("sk_live_") || rest.starts_with("rk_live_") {
            if run(i + 8, |c| c.is_ascii_alphanumeric()) >= 20 {
                return Some("a Stripe live key");
            }
        } else if rest.starts_with("AIza") {
            if run(i + 4, |c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-') >= 35 {
                return Some("a Google API key");
            }
        } else if rest.starts_with("npm_") && run(i + 4, |c| c.is_ascii_alphanumeric()) >= 36 {
            return Some("an npm token");
        }
    }
    None
}

pub fn check(unit: &Unit<'_>, meta: &CodeRuleMeta, out: &mut Vec<Finding>) {
    let mut reported: Vec<usize> = Vec::new();
    if let Some(facts) = unit.facts() {
        for s in &facts.settings {
            if !secret_key(&s.key) {
                continue;
            }
            if let Some(v) = str_lit(&s.value) {
                if plausible_secret(&v) {
                    reported.push(s.node.range().start);
                    emit(unit, meta, &s.node, format!("`{}` is set to a credential written in the source", s.key), out);
                }
            }
        }
        for c in calls(unit) {
            if jwt_callee(&c.callee) && matches!(c.name.as_str(), "sign" | "encode" | "SignedString" | "verify" | "decode") {
                let key = if c.name == "SignedString" { c.first() } else { c.positional().nth(1) };
                let lit = key.and_then(|k| {
                    str_lit(k).or_else(|| {
                        // Go: []byte("secret")
                        let t = k.text();
                        t.strip_prefix("[]byte(\"").and_then(|r| r.strip_suffix("\")")).map(str::to_string)
                    })
                });
                if let (Some(k), Some(v)) = (key, lit) {
                    if v.len() >= 4 {
                        emit(unit, meta, k, format!("`{}` uses a JWT secret written in the source", c.callee), out);
                    }
                }
            }
        }
        for s in &facts.strings {
            if let Some(kind) = known_format(&s.text()) {
                if !reported.iter().any(|r| s.range().start >= *r && s.range().start < r + 400) {
                    emit(unit, meta, s, format!("the source contains {kind}"), out);
                }
            }
        }
        return;
    }
    let mut offset = 0;
    for line in unit.text.split_inclusive('\n') {
        if let Some(kind) = known_format(line) {
            out.push(meta.finding(unit, Span::new(offset, offset + line.trim_end().len()), format!("the file contains {kind}")));
        }
        offset += line.len();
    }
}
