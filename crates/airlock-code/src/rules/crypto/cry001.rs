//! CRY001: MD5 or SHA-1 used for a password, token or signature.

use crate::lang::Lang::*;
use crate::rules::util::{assigned_name, calls, emit, enclosing_function_name, security_word};
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

pub fn check(unit: &Unit<'_>, meta: &CodeRuleMeta, out: &mut Vec<Finding>) {
    for c in calls(unit) {
        let callee = c.callee.as_str();
        let n = c.name.as_str();
        let weak = match unit.lang {
            Python => {
                (matches!(callee, "hashlib.md5" | "hashlib.sha1" | "md5" | "sha1" | "MD5.new" | "SHA.new" | "SHA1.new" | "hashes.MD5" | "hashes.SHA1")
                    || (callee == "hashlib.new" && c.first().and_then(str_lit).is_some_and(|s| weak_name(&s))))
                    && !c.args.iter().any(|a| a.name.as_deref() == Some("usedforsecurity"))
            }
            JavaScript | TypeScript | Tsx => {
                matches!(n, "createHash" | "createHmac") && c.first().and_then(str_lit).is_some_and(|s| weak_name(&s))
                    && n == "createHash"
            }
            Go => matches!(callee, "md5.New" | "md5.Sum" | "sha1.New" | "sha1.Sum"),
            Java => {
                (n == "getInstance" && callee.contains("MessageDigest") && c.first().and_then(str_lit).is_some_and(|s| weak_name(&s)))
                    || matches!(callee, "DigestUtils.md5" | "DigestUtils.md5Hex" | "DigestUtils.sha1" | "DigestUtils.sha1Hex" | "Hashing.md5" | "Hashing.sha1")
            }
            Rust => matches!(callee, "md5.compute" | "Md5.new" | "Sha1.new" | "Md5.digest" | "Sha1.digest"),
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
        let _ = emit;
        out.push(f);
    }
}
