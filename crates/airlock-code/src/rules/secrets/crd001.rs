//! CRD001: a credential written into the source.

use crate::lang::Lang::*;
use super::keys::{key_argument, literal_behind, option_secret_key, real_key, real_key_min, via_variable};
use crate::rules::util::{calls, emit};
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
              argument, parameter default or option named like one; a key given to a JWT library, an HMAC or a \
              Java key spec, or a framework's `secret` option, directly, wrapped (`Buffer.from`, `[]byte`, \
              `getBytes`) or through a variable; or a string in a well-known key format: AWS, GitHub, Slack, \
              Stripe, Google, npm).",
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
        fx(JavaScript, "const secret = 'shhhhh';\nconst t = jwt.sign(payload, secret);"),
        fx(Go, "package a\nfunc f(t *jwt.Token) { t.SignedString([]byte(\"my_secret_key\")) }\n"),
        fx(JavaScript, "app.use(session({ secret: 'keyboard cat' }));"),
        fx(Python, "def connect(user, password=\"s3cr3t-pass\"):\n    pass\n"),
        fx(JavaScript, "const mac = crypto.createHmac('sha256', 'pa4qacea4VK9t9nGv7yZ').update(d);"),
        fx(Java, "class A { Object a = Algorithm.HMAC256(\"secret\"); }"),
        fx(Yaml, "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  PASSWORD: UzNjcmV0UGEkJHcwcmQ=\n"),
        fx(Go, "package a\nvar jwtKey = []byte(\"my_secret_key\")\nfunc f(t *jwt.Token) { t.SignedString(jwtKey) }\n"),
    ],
    passes: &[
        fx(Text, "aws_access_key_id = AKIAIOSFODNN7EXAMPLE  # the documentation's placeholder\n"),
        fx(Python, "DB_PASSWORD = os.environ[\"DB_PASSWORD\"]\n"),
        fx(Python, "password = \"\"\nPASSWORD_FIELD = \"password\"\n"),
        fx(JavaScript, "const token = jwt.sign(payload, process.env.JWT_SECRET);"),
        fx(Java, "class A { private static final String SECRET_KEY_ENV = System.getenv(\"KEY\"); }"),
        fx(Text, "Set aws_access_key_id in your environment.\n"),
        fx(JavaScript, "const secret = process.env.JWT_SECRET;\nconst t = jwt.sign(payload, secret);"),
        fx(Python, "def connect(user, password=None):\n    pass\n"),
        fx(Yaml, "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  PASSWORD: ${DB_PASSWORD}\n"),
        fx(JavaScript, "const mac = crypto.createHmac('sha256', Buffer.from(process.env.KEY, 'hex'));"),
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

/// A Kubernetes `Secret` manifest with values written in it (`data:` is base64, not encryption).
fn k8s_secret(unit: &Unit<'_>, meta: &CodeRuleMeta, out: &mut Vec<Finding>) {
    if !unit.text.lines().any(|l| l.trim() == "kind: Secret") {
        return;
    }
    let mut offset = 0;
    let mut section: Option<usize> = None;
    for line in unit.text.split_inclusive('\n') {
        let t = line.trim_end();
        let indent = t.len() - t.trim_start().len();
        let body = t.trim_start();
        offset += line.len();
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        if section.is_some_and(|i| indent <= i) {
            section = None;
        }
        if matches!(body, "data:" | "stringData:") {
            section = Some(indent);
            continue;
        }
        if section.is_some() {
            let value = body.split_once(':').map(|(_, v)| v.trim().trim_matches(['"', '\''])).unwrap_or("");
            if !value.is_empty() && !value.starts_with('{') && !value.starts_with('$') && !value.starts_with('|') && !value.starts_with('>') {
                let start = offset - line.len() + indent;
                out.push(meta.finding(unit, Span::new(start, start + body.len()), "a Kubernetes Secret's value is written in the manifest".into()));
            }
        }
    }
}

/// Prefilter triggers: names that say secret (`key`, `token`, `secret`, `pass`, `pwd`, `credential`), JWT/HMAC signing calls, and the well-known key prefixes.
pub(crate) const TRIGGERS: Option<&[&str]> = Some(&[
    "key", "token", "secret", "pass", "pwd", "credential", "jwt", "jose", "jws", "jwk", "sign", "hmac", "akia",
    "asia", "ghp_", "gho_", "ghs_", "github_pat_", "xoxb-", "xoxp-", "xoxa-", "sk_live_", "rk_live_", "aiza",
    "npm_",
]);

pub fn check(unit: &Unit<'_>, meta: &CodeRuleMeta, out: &mut Vec<Finding>) {
    if unit.lang == Yaml {
        k8s_secret(unit, meta, out);
    }
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
        // Keys used to sign, verify or MAC, when the value is written in the source.
        for c in calls(unit) {
            let Some(k) = key_argument(unit.lang, c) else { continue };
            let Some((v, def)) = literal_behind(unit, k) else { continue };
            if real_key(&v) {
                emit(unit, meta, k, format!("`{}` uses a key written in the source", c.callee), out);
                if let Some(d) = def {
                    emit(unit, meta, &d, format!("a key written in the source, used by `{}`", c.callee), out);
                }
            }
        }
        // Framework options (`secret`, `secretOrKey`, ...) given a constant, directly or through a variable.
        for s in &facts.settings {
            if !option_secret_key(&s.key) || reported.contains(&s.node.range().start) {
                continue;
            }
            let lit = str_lit(&s.value).map(|v| (v, None)).or_else(|| via_variable(unit, s));
            if let Some((v, def)) = lit.filter(|(v, _)| real_key_min(v, 1)) {
                let _ = v;
                emit(unit, meta, &s.node, format!("`{}` is set to a secret written in the source", s.key), out);
                if let Some(d) = def {
                    emit(unit, meta, &d, format!("a secret written in the source, used as `{}`", s.key), out);
                }
            }
        }
        // Default values of parameters named like credentials: `def connect(password="hunter2")`.
        for f in &facts.functions {
            let Some(params) = f.field("parameters") else { continue };
            for p in params.children() {
                if !matches!(&*p.kind(), "default_parameter" | "typed_default_parameter" | "assignment_pattern") {
                    continue;
                }
                let name = p.field("name").or_else(|| p.field("left")).map(|n| n.text().to_string()).unwrap_or_default();
                let value = p.field("value").or_else(|| p.field("right"));
                if secret_key(&name) && value.as_ref().and_then(str_lit).is_some_and(|v| plausible_secret(&v)) {
                    emit(unit, meta, &p, format!("the parameter `{name}` defaults to a credential written in the source"), out);
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
