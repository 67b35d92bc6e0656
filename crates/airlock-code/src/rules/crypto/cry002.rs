//! CRY002: ECB mode, obsolete ciphers and fixed IVs.

use crate::lang::Lang::*;
use crate::rules::util::{calls, emit};
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
    ],
    passes: &[
        fx(Python, "cipher = AES.new(key, AES.MODE_GCM, nonce=os.urandom(12))\n"),
        fx(Java, "class A { Cipher c() throws Exception { return Cipher.getInstance(\"AES/GCM/NoPadding\"); } }"),
        fx(JavaScript, "const c = crypto.createCipheriv('aes-256-gcm', key, crypto.randomBytes(12));"),
    ],
};

pub fn check(unit: &Unit<'_>, meta: &CodeRuleMeta, out: &mut Vec<Finding>) {
    for c in calls(unit) {
        let callee = c.callee.as_str();
        let n = c.name.as_str();
        let text = c.node.text();
        let msg: Option<&str> = match unit.lang {
            Python => {
                if c.args.iter().any(|a| a.value.text().ends_with("MODE_ECB")) || callee == "modes.ECB" {
                    Some("encrypts in ECB mode: equal blocks give equal ciphertext")
                } else if matches!(callee, "DES.new" | "DES3.new" | "ARC4.new" | "Blowfish.new" | "algorithms.TripleDES" | "algorithms.ARC4" | "algorithms.Blowfish") {
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
                        if u.contains("/ECB") || u == "AES" || u == "DES" || u == "DESEDE" {
                            Some("encrypts in ECB mode (the JCE default when no mode is named)")
                        } else if u.starts_with("DES") || u.starts_with("RC4") || u.starts_with("BLOWFISH") || u.starts_with("ARCFOUR") {
                            Some("uses an obsolete cipher")
                        } else {
                            None
                        }
                    })
                } else if callee == "new IvParameterSpec" && c.first().is_some_and(|a| a.kind() == "array_creation_expression" || str_lit(a).is_some() || a.text().contains("\".getBytes")) {
                    Some("uses an IV written in the source")
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
