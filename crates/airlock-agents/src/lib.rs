//! Agent adapters: each agent's tool names onto normalized [`ToolCall`]s, each
//! agent's pre-tool-use hook protocol, and installing the hook into its settings.
//!
//! Depends only on the protocol crate: the verdict comes from a caller-supplied
//! judge, so the gateway and the CLI share these adapters.

#![forbid(unsafe_code)]

mod adapters;
mod error;
mod hook;
pub mod install;

pub use adapters::normalize;
pub use error::AgentError;
pub use hook::{answer, answer_rewriting, refuse, HookAnswer, Rewrite, MAX_HOOK_INPUT};

use std::fmt;

/// The agents airlock plugs into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Agent {
    ClaudeCode,
    Codex,
    Gemini,
    OpenCode,
}

impl Agent {
    pub fn parse(s: &str) -> Result<Agent, AgentError> {
        match s {
            "claude-code" | "claude" => Ok(Agent::ClaudeCode),
            "codex" => Ok(Agent::Codex),
            "gemini" | "gemini-cli" => Ok(Agent::Gemini),
            "opencode" => Ok(Agent::OpenCode),
            other => Err(AgentError::UnknownAgent(other.to_string())),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Agent::ClaudeCode => "claude-code",
            Agent::Codex => "codex",
            Agent::Gemini => "gemini",
            Agent::OpenCode => "opencode",
        }
    }
}

impl fmt::Display for Agent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
