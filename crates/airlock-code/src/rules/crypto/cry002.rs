//! CRY002: ECB mode, obsolete ciphers and fixed IVs.

use crate::lang::Lang::*;
use crate::rules::util::{assigned_value, calls, emit};
use crate::rules::{fx, CodeRuleMeta};
use crate::syntax::{is_const, str_lit};
use crate::unit::Unit;
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: CodeRuleMeta = CodeRuleMeta {
    code: "CRY002",
    name: "weak-cipher",
    category: Category::CodeVulnerability,
    severity: Severity::High,
    decision: Decision::Ask,
    langs: &[Python, JavaScript, TypeScript, Tsx, Go, Java],
    summary: "Encryption in ECB mode (`AES.MODE_ECB`, `modes.ECB()`, `Cipher.getInstance(\"AES\")` which defaults to \
              ECB), with DES/3DES/RC4/Blowfish, with Node's IV-less `createCipher`, or with an IV written in the source.",
    why: "ECB encrypts equal blocks to equal ciphertext (patterns and structure leak), the old ciphers are breakable, \
          and a fixed IV makes equal messages encrypt alike and breaks CTR/GCM outright.",
    example: "cipher = AES.new(key, AES.MODE_ECB)",
    instead: "An AEAD mode with a fresh random nonce per message: AES-GCM or ChaCha20-Poly1305 \
              (`AESGCM(key).encrypt(os.urandom(12), data, aad)`).",
    references: &["CWE-327", "CWE-329"],
    flags: &[
        fx(Python, "cipher = AES.new(key, AES.MODE_ECB)\n"),
        fx(Python, "c = Cipher(algorithms.AES(key), modes.CBC(b\"0000000000000000\"))\n"),
        fx(Java, "class A { Cipher c() throws Exception { return Cipher.getInstance(\"AES\"); } }"),
        fx(JavaScript, "const c = crypto.createCipher('aes-256-cbc', password);"),
        fx(Go, "package a\nfunc f() { b, _ := des.NewCipher(k) }\n"),
        fx(Java, "class A { Cipher c = new NullCipher(); }"),
        fx(Java, "class A { byte[] iv = { (byte) 0, (byte) 1, (byte) 2 }; void f() { new IvParameterSpec(iv); } }"),
        fx(Java, "class A { Object c() throws Exception { return Cipher.getInstance(\"RSA/NONE/NoPadding\"); } }"),
        fx(Python, "c = ARC2.new(key, ARC2.MODE_CFB, iv)\n"),
        fx(Python, "from Crypto.Cipher import Blowfish as bf\nc = bf.new(key, bf.MODE_CBC, iv)\n"),
        fx(Python, "from cryptography.hazmat.primitives.ciphers.modes import ECB\nmode = ECB()\n"),
        fx(Python, "from cryptography.hazmat.primitives.ciphers import algorithms\nc = Cipher(algorithms.ARC4(key), mode=None)\n"),
    ],
    passes: &[
        fx(Python, "cipher = AES.new(key, AES.MODE_GCM, nonce=os.urandom(12))\n"),
        fx(Java, "class A { Cipher c() throws Exception { return Cipher.getInstance(\"AES/GCM/NoPadding\"); } }"),
        fx(JavaScript, "const c = crypto.createCipheriv('aes-256-gcm', key, crypto.randomBytes(12));"),
        fx(Java, "class A { void f(SecureRandom r) { byte[] iv = new byte[16]; r.nextBytes(iv); new IvParameterSpec(iv); } }"),
        fx(Java, "class A { Object c() throws Exception { return Cipher.getInstance(\"RSA/ECB/OAEPWithSHA-256AndMGF1Padding\"); } }"),
    ],
};

/// Bytes fixed in the source: an array literal of constants, a string, `"...".getBytes()`.
fn fixed_bytes(a: &crate::syntax::N<'_>) -> bool {
    let t = a.text();
    let array = matches!(&*a.kind(), "array_creation_expression" | "array_initializer")
        && t.contains('{')
        && a.dfs().skip(1).filter(|n| n.is_named()).all(|n| matches!(&*n.kind(), "array_initializer" | "decimal_integer_literal" | "hex_integer_literal" | "cast_expression" | "integral_type" | "character_literal" | "dimensions" | "dimensions_expr" | "unary_expression"));
    array || str_lit(a).is_some() || t.starts_with('"') && t.contains("\".getBytes")
}

/// Prefilter triggers: ECB, the obsolete ciphers, cipher modes and IV specs by name.
pub(crate) const TRIGGERS: Option<&[&str]> = Some(&[
    "ecb", "modes.", "des.", "des3", "arc4", "arc2", "rc4", "rc2", "blowfish", "cast.", "xor.", "algorithms", "cipher",
    "keygenerator", "parameterspec", "cbc", "ctr", "cfb", "ofb",
]);

pub fn check(unit: &Unit<'_>, meta: &CodeRuleMeta, out: &mut Vec<Finding>) {
    let aliases = if unit.lang == Python { super::py_aliases(unit.text) } else { Vec::new() };
    for c in calls(unit) {
        let canon = super::canonical(&aliases, &c.callee);
        let callee = canon.as_str();
        let n = c.name.as_str();
        let text = c.node.text();
        let msg: Option<&str> = match unit.lang {
            Python => {
                if c.args.iter().any(|a| a.value.text().ends_with("MODE_ECB")) || callee == "modes.ECB" {
                    Some("encrypts in ECB mode: equal blocks give equal ciphertext")
                } else if matches!(callee, "DES.new" | "DES3.new" | "ARC4.new" | "ARC2.new" | "Blowfish.new" | "CAST.new" | "XOR.new" | "algorithms.TripleDES" | "algorithms.ARC4" | "algorithms.Blowfish" | "algorithms.IDEA" | "algorithms.CAST5" | "algorithms.SEED") {
                    Some("uses an obsolete cipher")
                } else if matches!(callee, "modes.CBC" | "modes.CTR" | "modes.GCM" | "modes.CFB" | "modes.OFB")
                    && c.first().is_some_and(is_const)
                {
                    Some("uses an IV written in the source")
                } else {
                    None
                }
            }
            Java => {
                if n == "getInstance" && callee.contains("Cipher") {
                    c.first().and_then(str_lit).and_then(|t| {
                        let u = t.to_ascii_uppercase();
                        if u.starts_with("RSA") && u.ends_with("/NOPADDING") {
                            Some("uses RSA without padding (textbook RSA)")
                        } else if (u.contains("/ECB") && !u.starts_with("RSA")) || u == "AES" || u == "DES" || u == "DESEDE" {
                            Some("encrypts in ECB mode (the JCE default when no mode is named)")
                        } else if ["DES", "RC4", "RC2", "BLOWFISH", "ARCFOUR"].iter().any(|w| u.starts_with(w)) {
                            Some("uses an obsolete cipher")
                        } else {
                            None
                        }
                    })
                } else if n == "getInstance" && callee.contains("KeyGenerator") && c.first().and_then(str_lit).is_some_and(|t| {
                    let u = t.to_ascii_uppercase();
                    ["DES", "RC4", "RC2", "ARCFOUR"].iter().any(|w| u.starts_with(w))
                }) {
                    Some("makes a key for an obsolete cipher")
                } else if matches!(callee, "new NullCipher" | "new javax.crypto.NullCipher") {
                    Some("does not encrypt at all: the ciphertext is the plaintext")
                } else if matches!(callee, "new IvParameterSpec" | "new GCMParameterSpec") {
                    let iv = if callee.ends_with("IvParameterSpec") { c.first() } else { c.positional().nth(1) };
                    if let Some(iv) = iv.filter(|a| fixed_bytes(a) || assigned_value(unit, a).is_some_and(|v| fixed_bytes(&v))) {
                        // Report where the bytes are written as well.
                        if let Some(d) = assigned_value(unit, iv).and_then(|v| unit.facts().and_then(|f| f.settings.iter().find(|s| s.value.range() == v.range()).map(|s| s.node.clone()))) {
                            emit(unit, meta, &d, "an IV written in the source".into(), out);
                        }
                        Some("uses an IV written in the source")
                    } else {
                        None
                    }
                } else {
                    None
                }
            }
            JavaScript | TypeScript | Tsx => {
                if matches!(n, "createCipher" | "createDecipher") {
                    Some("uses `createCipher`, which derives the key without salt and uses no IV")
                } else if matches!(n, "createCipheriv" | "createDecipheriv") {
                    let alg = c.first().and_then(str_lit).unwrap_or_default().to_ascii_lowercase();
                    if alg.contains("ecb") || alg.starts_with("des") || alg.starts_with("rc4") || alg.starts_with("bf") {
                        Some("uses ECB or an obsolete cipher")
                    } else if c.positional().nth(2).is_some_and(|iv| str_lit(iv).is_some() || iv.text().starts_with("Buffer.from(\"") || iv.text().starts_with("Buffer.from('")) {
                        Some("uses an IV written in the source")
                    } else {
                        None
                    }
                } else {
                    None
                }
            }
            Go => {
                if matches!(callee, "des.NewCipher" | "des.NewTripleDESCipher" | "rc4.NewCipher" | "blowfish.NewCipher") {
                    Some("uses an obsolete cipher")
                } else if matches!(n, "NewCBCEncrypter" | "NewCBCDecrypter" | "NewCTR" | "NewCFBEncrypter" | "NewOFB")
                    && c.positional().nth(1).is_some_and(|iv| iv.text().starts_with("[]byte(\""))
                {
                    Some("uses an IV written in the source")
                } else {
                    None
                }
            }
            _ => None,
        };
        if let Some(m) = msg {
            let _ = &text;
            emit(unit, meta, &c.node, format!("`{callee}` {m}"), out);
        }
    }
}
