//! TLS002: an obsolete SSL/TLS protocol version allowed.

use crate::lang::Lang::*;
use crate::rules::{fx, CodeRuleMeta};
use crate::unit::Unit;
use airlock_protocol::{Category, Decision, Finding, Severity, Span};

pub static META: CodeRuleMeta = CodeRuleMeta {
    code: "TLS002",
    name: "obsolete-tls-version",
    category: Category::CodeVulnerability,
    severity: Severity::Medium,
    decision: Decision::Ask,
    langs: &[Python, JavaScript, TypeScript, Tsx, Go, Java, Rust],
    summary: "Code selects or allows SSLv2, SSLv3, TLS 1.0 or TLS 1.1: `ssl.PROTOCOL_TLSv1`, \
              `TLSVersion.TLSv1_1`, Go `tls.VersionTLS10`, Java `SSLContext.getInstance(\"TLSv1\")`, Node \
              `secureProtocol: 'TLSv1_method'` or `minVersion: 'TLSv1'`, pyOpenSSL `SSLv23_METHOD`; or a \
              cipher suite list with RC4, (3)DES, NULL, anonymous or export suites.",
    why: "These versions have practical attacks (POODLE, BEAST, downgrade) and are disabled by every modern \
          client; allowing them lets a network attacker weaken the connection.",
    example: "ctx = ssl.SSLContext(ssl.PROTOCOL_TLSv1)",
    instead: "Use the library default context (`ssl.create_default_context()`) or require TLS 1.2+: \
              `MinVersion: tls.VersionTLS12`, `minVersion: 'TLSv1.2'`.",
    references: &["CWE-326", "CWE-327"],
    flags: &[
        fx(Python, "ctx = ssl.SSLContext(ssl.PROTOCOL_TLSv1)\n"),
        fx(Python, "ctx.minimum_version = ssl.TLSVersion.TLSv1_1\n"),
        fx(Go, "package a\nvar c = &tls.Config{MinVersion: tls.VersionTLS10}\n"),
        fx(Java, "class A { Object c = SSLContext.getInstance(\"SSLv3\"); }"),
        fx(JavaScript, "https.request({ host: h, secureProtocol: 'TLSv1_method' });"),
        fx(Python, "ctx = SSL.Context(method=SSL.SSLv23_METHOD)\n"),
        fx(Go, "package a\nvar c = &tls.Config{CipherSuites: []uint16{tls.TLS_RSA_WITH_RC4_128_SHA}}\n"),
    ],
    passes: &[
        fx(Python, "ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)\nctx.minimum_version = ssl.TLSVersion.TLSv1_2\n"),
        fx(Go, "package a\nvar c = &tls.Config{MinVersion: tls.VersionTLS12}\n"),
        fx(Java, "class A { Object c = SSLContext.getInstance(\"TLSv1.2\"); }"),
        fx(Python, "# ssl.PROTOCOL_TLSv1 is not allowed here\nctx = ssl.create_default_context()\n"),
    ],
};

/// Tokens naming an obsolete version; each must end at a word boundary.
const TOKENS: &[&str] = &[
    "PROTOCOL_SSLv2", "PROTOCOL_SSLv3", "PROTOCOL_TLSv1", "PROTOCOL_TLSv1_1",
    "TLSVersion.SSLv3", "TLSVersion.TLSv1", "TLSVersion.TLSv1_1", "VersionSSL30", "VersionTLS10", "VersionTLS11",
    "\"SSLv3\"", "\"SSLv2\"", "\"TLSv1\"", "\"TLSv1.1\"", "'SSLv3'", "'TLSv1'", "'TLSv1.1'", "TLSv1_method",
    "TLSv1_1_method", "SSLv3_method", "TLS_1_0", "TLS_1_1", "SSLv3Method", "TLSv1Method",
    // pyOpenSSL methods (SSLv23 negotiates down to SSLv3)
    "SSLv2_METHOD", "SSLv3_METHOD", "SSLv23_METHOD", "TLSv1_METHOD", "TLSv1_1_METHOD",
    // Java `SSLContext.getInstance("SSL")`
    "getInstance(\"SSL\")",
];

/// Cipher suite names with broken ciphers: RC4, 3DES, DES, NULL, export grade.
fn weak_suite(word: &str) -> bool {
    word.starts_with("TLS_")
        && ["_WITH_RC4_", "_WITH_3DES_", "_WITH_DES_", "_WITH_NULL_", "_EXPORT_", "_anon_"].iter().any(|w| word.contains(w))
}

/// Prefilter triggers: cipher-suite settings (the protocol tokens are matched in the raw text).
pub(crate) const TRIGGERS: Option<&[&str]> = Some(&["cipher"]);

pub fn check(unit: &Unit<'_>, meta: &CodeRuleMeta, out: &mut Vec<Finding>) {
    let comments = unit.lang.line_comment();
    let text = unit.text;
    // Cipher suites (`tls.TLS_RSA_WITH_RC4_128_SHA`, `"TLS_RSA_WITH_3DES_EDE_CBC_SHA"`).
    if let Some(facts) = unit.facts() {
        for s in facts.settings.iter().filter(|s| s.key.eq_ignore_ascii_case("CipherSuites") || s.key.eq_ignore_ascii_case("ciphers")) {
            let v = s.value.text();
            let words = v.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'));
            if let Some(w) = words.into_iter().find(|w| weak_suite(w)) {
                out.push(meta.finding(unit, crate::unit::Unit::span_of(&s.node), format!("allows the broken cipher suite `{w}`")));
            }
        }
    }
    // One pass per token over the whole text (most files contain none of them).
    for t in TOKENS {
        for (i, _) in text.match_indices(t) {
            let end = i + t.len();
            let next = text.get(end..).and_then(|r| r.chars().next());
            if next.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
                continue;
            }
            let line_start = text.get(..i).and_then(|b| b.rfind('\n')).map_or(0, |p| p + 1);
            let before = text.get(line_start..i).unwrap_or("").trim_start();
            if comments.iter().any(|c| before.starts_with(c)) || before.starts_with('*') {
                continue;
            }
            let name = t.trim_matches(['"', '\'']);
            out.push(meta.finding(unit, Span::new(i, end), format!("allows the obsolete protocol version `{name}`")));
        }
    }
}
