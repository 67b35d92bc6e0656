//! CRD002: a private key in a file.

use crate::rules::{fx, CodeRuleMeta};
use crate::lang::Lang::*;
use crate::unit::Unit;
use airlock_protocol::{Category, Decision, Finding, Severity, Span};

pub static META: CodeRuleMeta = CodeRuleMeta {
    code: "CRD002",
    name: "private-key",
    category: Category::CodeVulnerability,
    severity: Severity::High,
    decision: Decision::Ask,
    langs: &[],
    summary: "A PEM or OpenSSH private key block (`-----BEGIN ... PRIVATE KEY-----`) in a file written to the project.",
    why: "A committed private key is a published one: it signs, decrypts or logs in as whoever owns it.",
    example: "KEY = \"\"\"-----BEGIN RSA PRIVATE KEY-----\\nMIIEow...\"\"\"",
    instead: "Keep keys out of the tree: load them from a secret store or a path outside the repository, and rotate any key that was committed.",
    references: &["CWE-321", "CWE-798"],
    flags: &[
        fx(Python, "KEY = \"\"\"-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\"\"\"\n"),
        fx(Text, "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n"),
    ],
    passes: &[
        fx(Python, "PUB = \"\"\"-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A\n-----END PUBLIC KEY-----\"\"\"\n"),
        fx(Python, "if line.startswith(\"-----BEGIN\") and \"PRIVATE KEY\" in line:\n    raise ValueError(\"refusing keys\")\n"),
    ],
};

/// Prefilter triggers: reads only the raw text.
pub(crate) const TRIGGERS: Option<&[&str]> = Some(&[]);

pub fn check(unit: &Unit<'_>, meta: &CodeRuleMeta, out: &mut Vec<Finding>) {
    let mut from = 0;
    while let Some(i) = unit.text.get(from..).and_then(|t| t.find("-----BEGIN ")) {
        let at = from + i;
        let line_end = unit.text.get(at..).and_then(|t| t.find('\n')).map(|e| at + e).unwrap_or(unit.text.len());
        let header = unit.text.get(at..line_end).unwrap_or("");
        // A real block: the header ends with five dashes and base64 follows.
        let body = unit.text.get(line_end..).unwrap_or("").trim_start_matches(['\n', '\r']);
        let next: String = body.chars().take(16).collect();
        if header.contains("PRIVATE KEY-----") && next.len() >= 16 && next.chars().all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '/' || c == '=') {
            out.push(meta.finding(unit, Span::new(at, line_end), "the file contains a private key".into()));
        }
        from = at + 11;
    }
}
