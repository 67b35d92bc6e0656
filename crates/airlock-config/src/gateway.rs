//! The `[gateway]` section: which providers and models the gateway forwards to, and how it treats
//! what comes back.

use serde::Deserialize;

/// One `[[gateway.providers]]` entry. A name that matches a built-in provider replaces it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderEntry {
    pub name: String,
    /// `anthropic`, `openai` (also any OpenAI-compatible server) or `gemini`.
    pub kind: String,
    pub base_url: String,
    /// Model name patterns (`*` matches any run of characters).
    pub models: Vec<String>,
}

/// `[gateway]` as written; every field optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GatewaySection {
    pub listen: Option<String>,
    /// What an "ask" verdict becomes at the gateway: `deny` (default) or `allow`.
    pub ask: Option<String>,
    /// `replace` (default: a text notice in the call's place) or `soft` (the command prints the reason).
    pub mode: Option<String>,
    /// Keep the built-in provider table (default true).
    pub builtin_providers: Option<bool>,
    #[serde(default)]
    pub providers: Vec<ProviderEntry>,
    pub max_request_bytes: Option<usize>,
    pub max_call_bytes: Option<usize>,
    /// Redact secrets in requests going upstream (default true).
    pub redact: Option<bool>,
    /// Redaction kinds to leave alone (e.g. `jwt`).
    pub redact_disable: Option<Vec<String>>,
    /// Write the audit database (default true).
    pub audit: Option<bool>,
    /// Audit database path (default: the user's data directory).
    pub audit_db: Option<String>,
}

impl GatewaySection {
    /// `other`'s settings over these: each field `other` sets wins; providers accumulate by name.
    pub fn overlay(&mut self, other: &GatewaySection) {
        macro_rules! take {
            ($($f:ident),*) => { $( if other.$f.is_some() { self.$f = other.$f.clone(); } )* };
        }
        take!(listen, ask, mode, builtin_providers, max_request_bytes, max_call_bytes, redact, redact_disable, audit, audit_db);
        for p in &other.providers {
            self.providers.retain(|q| q.name != p.name);
            self.providers.push(p.clone());
        }
    }
}
