//! CRY004: an RSA or DSA key too short to be safe.

use crate::lang::Lang::*;
use crate::rules::util::{calls, emit};
use crate::rules::{fx, CodeRuleMeta};
use crate::syntax::N;
use crate::unit::Unit;
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: CodeRuleMeta = CodeRuleMeta {
    code: "CRY004",
    name: "short-rsa-key",
    category: Category::CodeVulnerability,
    severity: Severity::Medium,
    decision: Decision::Ask,
    langs: &[Python, JavaScript, TypeScript, Tsx, Go, Java],
    summary: "An RSA or DSA key pair generated with fewer than 2048 bits: `rsa.generate_private_key(key_size=1024)`, \
              `RSA.generate(1024)`, `rsa.GenerateKey(rand.Reader, 1024)`, `KeyPairGenerator.initialize(1024)`, \
              `generateKeyPair('rsa', { modulusLength: 1024 })`.",
    why: "1024-bit RSA is within reach of well-funded attackers and below every current standard; signatures \
          and encrypted data protected by it cannot be trusted for long.",
    example: "key = rsa.generate_private_key(public_exponent=65537, key_size=1024)",
    instead: "At least 2048 bits (3072 for long-lived keys), or Ed25519/ECDSA P-256.",
    references: &["CWE-326"],
    flags: &[
        fx(Python, "key = rsa.generate_private_key(public_exponent=65537, key_size=1024)\n"),
        fx(Python, "key = RSA.generate(1024)\n"),
        fx(Go, "package a\nfunc f() { rsa.GenerateKey(rand.Reader, 1024) }\n"),
        fx(Java, "class A { void f(KeyPairGenerator g) { g.initialize(512); } }"),
        fx(JavaScript, "crypto.generateKeyPairSync('rsa', { modulusLength: 1024 });"),
        fx(Python, "key = ec.generate_private_key(ec.SECP192R1())\n"),
        fx(Java, "class A { void f(KeyGenerator g) { g.init(64); } }"),
    ],
    passes: &[
        fx(Python, "key = rsa.generate_private_key(public_exponent=65537, key_size=3072)\n"),
        fx(Go, "package a\nfunc f() { rsa.GenerateKey(rand.Reader, 2048) }\n"),
        fx(Java, "class A { void f(KeyPairGenerator g) { g.initialize(2048); } }"),
        fx(JavaScript, "crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });"),
        fx(Python, "key = ec.generate_private_key(ec.SECP256R1())\n"),
        fx(Java, "class A { void f(KeyGenerator g) { g.init(256); } }"),
    ],
};

fn bits(n: &N<'_>) -> Option<u64> {
    n.text().trim().replace('_', "").parse().ok()
}

/// Named curves with fewer than 224 bits.
fn weak_curve(t: &str) -> bool {
    let u = t.to_ascii_uppercase();
    let name = u.rsplit(['.', ':']).next().unwrap_or(&u).trim_end_matches("()").trim_matches(['"', '\'']);
    ["SECP192R1", "SECP192K1", "SECP160R1", "SECP160K1", "SECP160R2", "SECT163K1", "SECT163R1", "SECT163R2", "SECT193R1", "SECT131R1", "PRIME192V1", "P192", "P-192", "BRAINPOOLP160R1", "BRAINPOOLP192R1"]
        .contains(&name)
}

/// Prefilter triggers: key generation with RSA/DSA or a weak curve, Java `initialize`/`init`, `generateKeyPair`.
pub(crate) const TRIGGERS: Option<&[&str]> = Some(&[
    "generate&rsa", "generate&dsa", "generatekeypair", "derive_private_key&secp", "derive_private_key&sect",
    "derive_private_key&prime", "derive_private_key&p192", "derive_private_key&p-192",
    "derive_private_key&brainpool", "generate&secp", "generate&sect", "generate&prime", "generate&p192",
    "generate&p-192", "generate&brainpool", "java:initialize", "java:init",
]);

pub fn check(unit: &Unit<'_>, meta: &CodeRuleMeta, out: &mut Vec<Finding>) {
    for c in calls(unit) {
        let callee = c.callee.as_str();
        let size = match c.name.as_str() {
            "generate_private_key" | "generate" if callee.contains("rsa") || callee.contains("RSA") || callee.contains("dsa") || callee.contains("DSA") => {
                c.option("key_size").or_else(|| c.option("bits")).or_else(|| {
                    let pos: Vec<_> = c.positional().cloned().collect();
                    // generate_private_key(65537, 1024) / RSA.generate(1024)
                    pos.iter().find(|a| bits(a).is_some_and(|b| b != 65537 && b != 3)).cloned()
                })
            }
            "GenerateKey" if callee.starts_with("rsa.") || callee.starts_with("dsa.") => c.positional().nth(1).cloned(),
            "initialize" if unit.lang == Java => c.first().cloned(),
            "generateKeyPair" | "generateKeyPairSync" => c.option("modulusLength"),
            _ => None,
        };
        // Elliptic curves under 224 bits (`ec.SECP192R1`, `ec.SECT163K1`).
        if matches!(c.name.as_str(), "generate_private_key" | "generate" | "GenerateKey" | "derive_private_key")
            && c.args.iter().any(|a| weak_curve(&a.value.text()))
        {
            emit(unit, meta, &c.node, "generates a key on an elliptic curve under 224 bits".into(), out);
            continue;
        }
        // Java `KeyGenerator.init(64)`: a symmetric key under 128 bits.
        if unit.lang == Java && c.name == "init" && c.args.len() == 1 {
            if let Some(b) = c.first().and_then(bits).filter(|b| *b < 128 && *b >= 32) {
                emit(unit, meta, &c.node, format!("initialises a {b}-bit symmetric key; at least 128 bits are needed"), out);
                continue;
            }
        }
        if let Some((b, n)) = size.as_ref().and_then(|n| bits(n).map(|b| (b, n))) {
            // EC sizes (256, 384, 521) are not RSA sizes.
            if (512..2048).contains(&b) && b != 521 {
                // A call written over several lines is reported at the size.
                let at = if c.node.text().contains('\n') { n } else { &c.node };
                emit(unit, meta, at, format!("generates a {b}-bit key; at least 2048 bits are needed"), out);
            }
        }
    }
}
