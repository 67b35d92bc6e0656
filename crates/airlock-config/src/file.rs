use airlock_protocol::Decision;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The level a policy gives a rule: its findings keep that decision, or are dropped (`off`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleLevel {
    Off,
    Allow,
    Ask,
    Deny,
}

impl RuleLevel {
    pub fn decision(self) -> Option<Decision> {
        match self {
            RuleLevel::Off => None,
            RuleLevel::Allow => Some(Decision::Allow),
            RuleLevel::Ask => Some(Decision::Ask),
            RuleLevel::Deny => Some(Decision::Deny),
        }
    }

    /// Strictness rank for the managed floor: off < allow < ask < deny.
    pub fn rank(self) -> u8 {
        match self {
            RuleLevel::Off => 0,
            RuleLevel::Allow => 1,
            RuleLevel::Ask => 2,
            RuleLevel::Deny => 3,
        }
    }
}

/// One `airlock.toml`, as written. Every field optional: absent means "not set here".
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    #[serde(default)]
    pub policy: PolicySection,
    /// Rule code (e.g. `EXF001`) or category (e.g. `exfiltration`) to level.
    #[serde(default)]
    pub rules: BTreeMap<String, RuleLevel>,
    #[serde(default)]
    pub network: NetworkSection,
    #[serde(default)]
    pub git: GitSection,
    #[serde(default)]
    pub gateway: crate::gateway::GatewaySection,
    #[serde(default)]
    pub sandbox: crate::sandbox::SandboxSection,
    #[serde(default)]
    pub models: crate::models::ModelsSection,
    #[serde(default)]
    pub review: crate::review::ReviewSection,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicySection {
    /// Decision for tool calls airlock does not recognise (default allow).
    pub unknown_tools: Option<Decision>,
    /// Decision for a command that cannot be parsed or is too large (default ask).
    pub unparseable: Option<Decision>,
    /// The workspace root; relative paths resolve against the file's directory.
    pub workspace_root: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkSection {
    /// Hosts that may receive data (`example.com`, `*.example.com`).
    pub trusted_hosts: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GitSection {
    /// Branch patterns where a force push is denied (`main`, `release/*`).
    pub protected_branches: Option<Vec<String>>,
    /// Remote names a `git push` may go to.
    pub trusted_remotes: Option<Vec<String>>,
}
