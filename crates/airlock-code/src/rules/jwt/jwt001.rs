//! JWT001: a verifier accepts an HMAC algorithm beside an asymmetric one.

use super::{algorithm_lists, kinds};
use crate::lang::Lang::*;
use crate::rules::util::{emit, AlgKind};
use crate::rules::{fx, CodeRuleMeta};
use crate::unit::Unit;
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: CodeRuleMeta = CodeRuleMeta {
    code: "JWT001",
    name: "jwt-algorithm-confusion",
    category: Category::CodeVulnerability,
    severity: Severity::Critical,
    decision: Decision::Deny,
    langs: &[Python, JavaScript, TypeScript, Tsx, Go, Java, Rust],
    summary: "A list of accepted JWT algorithms that mixes an HMAC algorithm (HS256/384/512) with an asymmetric one \
              (RS*, PS*, ES*, EdDSA).",
    why: "The verifier uses one key for every algorithm it accepts. With HS256 beside RS256, an attacker signs a token \
          with HMAC using the server's *public* key as the secret, and it verifies: anyone can forge any identity \
          (algorithm confusion, CVE-2015-9235 and its many relatives). The line looks like harmless flexibility to a reviewer.",
    example: "jwt.decode(token, PUBLIC_KEY, algorithms=[\"RS256\", \"HS256\"])",
    instead: "Accept exactly the algorithm family the key is for: `algorithms=[\"RS256\"]` with a public key, \
              `[\"HS256\"]` with a shared secret; never both.",
    references: &["CWE-347", "CWE-327"],
    flags: &[
        fx(Python, "def verify(token):\n    return jwt.decode(token, PUBLIC_KEY, algorithms=[\"RS256\", \"HS256\"])\n"),
        fx(JavaScript, "jwt.verify(token, publicKey, { algorithms: ['RS256', 'HS256'] });"),
        fx(TypeScript, "const claims = jwt.verify(token, publicKey, { algorithms: ['ES256', 'HS512'] }) as Claims;"),
        fx(Go, "package a\nfunc f() { jwt.Parse(s, kf, jwt.WithValidMethods([]string{\"RS256\", \"HS256\"})) }\n"),
        fx(Java, "class A { Object k = new JWSVerificationKeySelector<>(Set.of(JWSAlgorithm.RS256, JWSAlgorithm.HS256), src); }"),
        fx(Rust, "fn v() { let mut v = Validation::new(Algorithm::RS256); v.algorithms = vec![Algorithm::RS256, Algorithm::HS256]; }"),
    ],
    passes: &[
        fx(Python, "def verify(token):\n    return jwt.decode(token, PUBLIC_KEY, algorithms=[\"RS256\"])\n"),
        fx(JavaScript, "jwt.verify(token, publicKey, { algorithms: ['RS256', 'RS512'] });"),
        fx(Go, "package a\nfunc f() { jwt.Parse(s, kf, jwt.WithValidMethods([]string{\"RS256\"})) }\n"),
        fx(Java, "class A { Object k = new JWSVerificationKeySelector<>(Set.of(JWSAlgorithm.RS256, JWSAlgorithm.PS256), src); }"),
        fx(Rust, "fn v() { let mut v = Validation::new(Algorithm::RS256); v.algorithms = vec![Algorithm::RS256]; }"),
    ],
};

/// Prefilter triggers: an algorithm list that names an HMAC algorithm.
pub(crate) const TRIGGERS: Option<&[&str]> = Some(&["hs256", "hs384", "hs512", "hmac"]);

pub fn check(unit: &Unit<'_>, meta: &CodeRuleMeta, out: &mut Vec<Finding>) {
    for (node, items) in algorithm_lists(unit) {
        let ks = kinds(&items);
        let hmac = ks.iter().find(|(_, k)| *k == AlgKind::Hmac);
        let asym = ks.iter().find(|(_, k)| *k == AlgKind::Asymmetric);
        if let (Some((h, _)), Some((a, _))) = (hmac, asym) {
            let short = |s: &str| s.rsplit(['.', ':']).next().unwrap_or(s).to_string();
            emit(
                unit,
                meta,
                &node,
                format!(
                    "accepts {} beside {}: a token signed with HMAC using the public key as the secret verifies (JWT algorithm confusion)",
                    short(h),
                    short(a)
                ),
                out,
            );
        }
    }
}
