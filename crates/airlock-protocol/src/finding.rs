use crate::{Decision, Severity};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Byte range in the analysed text (half open).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span {
            start,
            end: end.max(start),
        }
    }
}

/// The family a rule belongs to. Each has a default verdict set by its rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    Exfiltration,
    SecretRead,
    RemoteCodeExecution,
    ReverseShell,
    Persistence,
    Destruction,
    Privilege,
    Evasion,
    SupplyChain,
    Obfuscation,
    ShellEscape,
    SystemTampering,
    Unparseable,
    CodeVulnerability,
    Policy,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Exfiltration => "exfiltration",
            Category::SecretRead => "secret-read",
            Category::RemoteCodeExecution => "remote-code-execution",
            Category::ReverseShell => "reverse-shell",
            Category::Persistence => "persistence",
            Category::Destruction => "destruction",
            Category::Privilege => "privilege",
            Category::Evasion => "evasion",
            Category::SupplyChain => "supply-chain",
            Category::Obfuscation => "obfuscation",
            Category::ShellEscape => "shell-escape",
            Category::SystemTampering => "system-tampering",
            Category::Unparseable => "unparseable",
            Category::CodeVulnerability => "code-vulnerability",
            Category::Policy => "policy",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One reason to worry about a tool call, produced by one rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable rule code, e.g. `EXF001`.
    pub code: String,
    pub category: Category,
    pub severity: Severity,
    pub decision: Decision,
    /// A sentence a person understands: what was found and why it matters.
    pub message: String,
    /// Where in the analysed input, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub span: Option<Span>,
    /// The offending text, shortened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snippet: Option<String>,
}

/// The answer for one tool call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    pub decision: Decision,
    pub findings: Vec<Finding>,
}

impl Verdict {
    pub fn allow() -> Self {
        Verdict {
            decision: Decision::Allow,
            findings: Vec::new(),
        }
    }

    /// Decision is the strictest of the findings' decisions (allow when none).
    pub fn from_findings(findings: Vec<Finding>) -> Self {
        let decision = findings
            .iter()
            .map(|f| f.decision)
            .max()
            .unwrap_or(Decision::Allow);
        Verdict { decision, findings }
    }

    pub fn rule_codes(&self) -> Vec<String> {
        let mut codes: Vec<String> = Vec::new();
        for f in &self.findings {
            if !codes.contains(&f.code) {
                codes.push(f.code.clone());
            }
        }
        codes
    }

    /// A one-paragraph reason for people and agents: the findings that set the
    /// decision first.
    pub fn reason(&self) -> String {
        if self.findings.is_empty() {
            return "airlock: no findings".to_string();
        }
        let mut ordered: Vec<&Finding> = self.findings.iter().collect();
        ordered.sort_by(|a, b| {
            b.decision
                .cmp(&a.decision)
                .then(b.severity.cmp(&a.severity))
        });
        let parts: Vec<String> = ordered
            .iter()
            .filter(|f| f.decision != Decision::Allow)
            .map(|f| format!("[{}] {}", f.code, f.message))
            .collect();
        if parts.is_empty() {
            return "airlock: no blocking findings".to_string();
        }
        format!("airlock {}: {}", self.decision, parts.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(code: &str, decision: Decision) -> Finding {
        Finding {
            code: code.into(),
            category: Category::Exfiltration,
            severity: Severity::High,
            decision,
            message: format!("{code} message"),
            span: None,
            snippet: None,
        }
    }

    #[test]
    fn verdict_takes_strictest() {
        let v = Verdict::from_findings(vec![
            finding("A", Decision::Ask),
            finding("B", Decision::Deny),
        ]);
        assert_eq!(v.decision, Decision::Deny);
        assert!(v.reason().starts_with("airlock deny: [B]"));
        assert_eq!(Verdict::from_findings(vec![]).decision, Decision::Allow);
    }
}
