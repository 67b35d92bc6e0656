//! CRY001: MD5 or SHA-1 used for a password, token or signature.

use crate::lang::Lang::*;
use crate::rules::util::{assigned_name, assigned_value, calls, emit, enclosing_function_name, security_word};
use crate::rules::{fx, CodeRuleMeta};
use crate::syntax::str_lit;
use crate::unit::Unit;
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: CodeRuleMeta = CodeRuleMeta {
    code: "CRY001",
    name: "weak-hash",
    category: Category::CodeVulnerability,
    severity: Severity::Medium,
    decision: Decision::Ask,
    langs: &[Python, JavaScript, TypeScript, Tsx, Go, Java, Rust],
    summary: "MD5 or SHA-1 is used where the code handles passwords, tokens, signatures or secrets (judged from \
              the names around the call; elsewhere, e.g. cache keys, the finding is reported but allowed).",
    why: "Both are broken for collision resistance and far too fast for passwords: a GPU tries billions of \
          guesses a second, and colliding documents can carry the same signature.",
    example: "hashed = hashlib.md5(password.encode()).hexdigest()",
    instead: "Passwords: argon2, scrypt or bcrypt. Signatures and integrity: SHA-256 or better, HMAC-SHA256 for \
              keyed checks. Non-security uses in Python: `hashlib.md5(data, usedforsecurity=False)`.",
    references: &["CWE-327", "CWE-328", "CWE-916"],
    flags: &[
        fx(Python, "hashed = hashlib.md5(password.encode()).hexdigest()\n"),
        fx(JavaScript, "const sig = crypto.createHash('sha1').update(secret + body).digest('hex');"),
        fx(Go, "package a\nfunc hashPassword(p string) [16]byte { return md5.Sum([]byte(p)) }\n"),
        fx(Java, "class A { byte[] hashPassword(String p) throws Exception { return MessageDigest.getInstance(\"MD5\").digest(p.getBytes()); } }"),
        fx(Python, "def save(user, pw):\n    h = hashlib.md5(pw.encode())\n    user.set_password(h.hexdigest())\n"),
        fx(Python, "h = hashlib.new(name='md5', data=b'x')\n"),
    ],
    passes: &[
        fx(Python, "digest = hashlib.sha256(password.encode()).hexdigest()\n"),
        fx(Python, "etag = hashlib.md5(body, usedforsecurity=False).hexdigest()\n"),
        fx(JavaScript, "const h = crypto.createHash('sha256').update(secret).digest('hex');"),
        fx(Java, "class A { byte[] h(String p) throws Exception { return MessageDigest.getInstance(\"SHA-256\").digest(p.getBytes()); } }"),
    ],
};

fn weak_name(s: &str) -> bool {
    let l = s.to_ascii_lowercase().replace(['-', '_'], "");
    matches!(l.as_str(), "md5" | "sha1" | "md4" | "md2" | "sha")
}

/// A call (or a variable holding one) of a weak hash: `hashlib.md5(..)`, `md5.hexdigest()`, `h.finalize()`
/// where `h = hashes.Hash(hashes.MD5())`.
fn weak_hash_value(unit: &Unit<'_>, n: &crate::syntax::N<'_>, weak_calls: &[std::ops::Range<usize>], depth: usize) -> bool {
    if depth > 3 {
        return false;
    }
    let r = n.range();
    if weak_calls.iter().any(|w| w.start >= r.start && w.end <= r.end) {
        return true;
    }
    let t = n.text();
    // `x.hexdigest()` / `x.digest()` / `x.finalize()`: look at `x`.
    let head = t.split(['.', '(']).next().unwrap_or("");
    let target = if n.kind() == "identifier" { Some(n.clone()) } else { n.dfs().find(|d| d.kind() == "identifier" && d.text() == head) };
    target.and_then(|i| assigned_value(unit, &i)).is_some_and(|v| weak_hash_value(unit, &v, weak_calls, depth + 1))
}

/// Prefilter triggers: the broken hashes by name (`from hashlib import md5 as h` aliases are followed).
pub(crate) const TRIGGERS: Option<&[&str]> = Some(&["md5", "md4", "md2", "sha1", "sha.", "hashlib", "createhash", "messagedigest", "digestutils", "hashing"]);

pub fn check(unit: &Unit<'_>, meta: &CodeRuleMeta, out: &mut Vec<Finding>) {
    let before = out.len();
    check_calls(unit, meta, out);
    let weak_calls: Vec<_> = out[before..].iter().filter_map(|f| f.span).map(|s| s.start..s.end).collect();
    if weak_calls.is_empty() {
        return;
    }
    // A password stored as a weak hash: `user.set_password(md5(pw).hexdigest())`.
    for c in calls(unit) {
        let setter = c.name.to_ascii_lowercase();
        if !(setter.starts_with("set") || setter.starts_with("update") || setter.starts_with("save")) || !setter.contains("password") {
            continue;
        }
        if c.first().is_some_and(|a| weak_hash_value(unit, a, &weak_calls, 0)) {
            emit(unit, meta, &c.node, format!("`{}` stores a password hashed with MD5 or SHA-1", c.callee), out);
        }
    }
}

fn check_calls(unit: &Unit<'_>, meta: &CodeRuleMeta, out: &mut Vec<Finding>) {
    let aliases = if unit.lang == Python { super::py_aliases(unit.text) } else { Vec::new() };
    for c in calls(unit) {
        let canon = super::canonical(&aliases, &c.callee);
        let callee = canon.as_str();
        let n = c.name.as_str();
        let weak = match unit.lang {
            Python => {
                (matches!(callee, "hashlib.md5" | "hashlib.sha1" | "md5" | "sha1" | "MD5.new" | "SHA.new" | "SHA1.new" | "MD4.new" | "MD2.new" | "hashes.MD5" | "hashes.SHA1")
                    || (callee == "hashlib.new" && c.first().cloned().or_else(|| c.option("name")).and_then(|a| str_lit(&a)).is_some_and(|s| weak_name(&s))))
                    && !c.args.iter().any(|a| a.name.as_deref() == Some("usedforsecurity") && crate::syntax::bool_lit(&a.value) == Some(false))
            }
            JavaScript | TypeScript | Tsx => {
                matches!(n, "createHash" | "createHmac") && c.first().and_then(str_lit).is_some_and(|s| weak_name(&s))
                    && n == "createHash"
            }
            Go => matches!(callee, "md5.New" | "md5.Sum" | "sha1.New" | "sha1.Sum"),
            Java => {
                (n == "getInstance" && callee.contains("MessageDigest") && c.first().and_then(str_lit).is_some_and(|s| weak_name(&s)))
                    || matches!(callee, "DigestUtils.md5" | "DigestUtils.md5Hex" | "DigestUtils.sha1" | "DigestUtils.sha1Hex" | "DigestUtils.getMd5Digest" | "DigestUtils.getSha1Digest" | "DigestUtils.sha" | "DigestUtils.shaHex" | "Hashing.md5" | "Hashing.sha1")
            }
            Rust => matches!(callee, "md5.compute" | "Md5.new" | "Sha1.new" | "Md4.new" | "Md2.new" | "Md5.digest" | "Sha1.digest" | "Md4.digest" | "Md2.digest" | "Md5.default" | "Sha1.default"),
            _ => false,
        };
        if !weak {
            continue;
        }
        let context = format!("{} {} {}", c.node.text(), assigned_name(&c.node), enclosing_function_name(&c.node));
        let mut f = meta.finding(unit, crate::unit::Unit::span_of(&c.node), String::new());
        if security_word(&context) {
            f.message = format!("`{callee}` hashes security-sensitive data with a broken algorithm");
        } else {
            f.message = format!("`{callee}` uses a broken hash; fine for checksums and cache keys, not for security");
            f.decision = Decision::Allow;
            f.severity = Severity::Low;
        }
        out.push(f);
    }
}
