//! JWT004: claims read from a token that is never verified.

use crate::lang::Lang::*;
use crate::rules::util::{calls, emit};
use crate::rules::{fx, CodeRuleMeta};
use crate::unit::Unit;
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: CodeRuleMeta = CodeRuleMeta {
    code: "JWT004",
    name: "jwt-decode-without-verify",
    category: Category::CodeVulnerability,
    severity: Severity::High,
    decision: Decision::Ask,
    langs: &[Python, JavaScript, TypeScript, Tsx, Go, Java, Rust],
    summary: "A token's claims are decoded with a call that does not check the signature \
              (`jwt.decode` in jsonwebtoken, `JWT.decode` in java-jwt, `ParseUnverified`, `get_unverified_claims`, \
              jjwt `parseClaimsJwt`/`unsecured()`, Rust `dangerous_insecure_decode`), and the file never verifies one.",
    why: "Decoding is not verifying: if those claims decide who the caller is, anyone can be anyone.",
    example: "const user = jwt.decode(req.headers.token).sub;",
    instead: "Use the verifying call (`jwt.verify(token, key, { algorithms: [...] })`, `JWT.require(alg).build().verify(token)`, \
              `jwt.Parse` with a key function).",
    references: &["CWE-345", "CWE-347"],
    flags: &[
        fx(JavaScript, "const user = jwt.decode(req.headers.token).sub;"),
        fx(Java, "class A { String f(String t) { return JWT.decode(t).getSubject(); } }"),
        fx(Go, "package a\nfunc f() { t, _, _ := new(jwt.Parser).ParseUnverified(s, &c) }\n"),
        fx(Python, "claims = jwt.get_unverified_claims(token)\n"),
    ],
    passes: &[
        fx(JavaScript, "const hdr = jwt.decode(token, { complete: true }); jwt.verify(token, key, { algorithms: ['RS256'] });"),
        fx(Java, "class A { String f(String t) { return JWT.require(alg).build().verify(t).getSubject(); } }"),
        fx(Python, "header = jwt.get_unverified_header(token)\n"),
    ],
};

/// Prefilter triggers: the unverified-decode calls by name, `jwt.decode`/`jsonwebtoken.decode`, and the verifying calls whose presence anywhere in the file silences it.
pub(crate) const TRIGGERS: Option<&[&str]> = Some(&[
    "unverified", "insecure", "parseclaimsjw", "parsesignedclaims", "unsecured", "decodejwt", "jwt",
    "jsonwebtoken", "verif",
]);

pub fn check(unit: &Unit<'_>, meta: &CodeRuleMeta, out: &mut Vec<Finding>) {
    let all = calls(unit);
    let verifies = all.iter().any(|c| {
        matches!(c.name.as_str(), "verify" | "jwtVerify" | "parseClaimsJws" | "parseSignedClaims" | "verifyWith")
    });
    for c in all {
        let unverified = match c.name.as_str() {
            "ParseUnverified" | "get_unverified_claims" | "dangerous_insecure_decode"
            | "dangerous_insecure_decode_with_validation" | "insecure_decode" | "parseClaimsJwt"
            | "parseUnsecuredClaims" | "unsecured" | "decodeJwt" => true,
            "decode" => {
                let lower = c.callee.to_ascii_lowercase();
                !verifies
                    && (lower == "jwt.decode" || lower == "jsonwebtoken.decode" || c.callee == "JWT.decode")
                    && (unit.lang.is_js() || unit.lang == Java)
            }
            _ => false,
        };
        if unverified {
            emit(
                unit,
                meta,
                &c.node,
                format!("`{}` reads the token's claims without checking its signature", c.callee),
                out,
            );
        }
    }
}
