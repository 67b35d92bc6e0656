//! One verdict for one normalized tool call: every analysis, then the policy.
#![forbid(unsafe_code)]

use airlock_config::Policy;
use airlock_protocol::{Category, Decision, Finding, Severity, ToolCall, Verdict};
use std::path::PathBuf;

/// Where the call would run.
#[derive(Debug, Clone, Default)]
pub struct CallContext {
    pub cwd: Option<PathBuf>,
    pub home: Option<PathBuf>,
}

impl CallContext {
    /// The context of this process: its cwd and `$HOME`.
    pub fn from_env(cwd: Option<PathBuf>) -> Self {
        CallContext {
            cwd: cwd.or_else(|| std::env::current_dir().ok()),
            home: std::env::var_os("HOME").map(PathBuf::from),
        }
    }
}

/// Judges tool calls under one policy.
#[derive(Debug, Clone)]
pub struct Judge {
    policy: Policy,
}

impl Judge {
    pub fn new(policy: Policy) -> Self {
        Judge { policy }
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Judge a shell command line.
    pub fn judge_command(&self, command: &str, ctx: &CallContext) -> Verdict {
        let sctx = airlock_shell::Context { policy: &self.policy, cwd: ctx.cwd.clone(), home: ctx.home.clone() };
        Verdict::from_findings(self.policy.apply(airlock_shell::analyze(command, &sctx)))
    }

    /// Judge any normalized tool call.
    pub fn judge(&self, call: &ToolCall, ctx: &CallContext) -> Verdict {
        match call {
            ToolCall::Shell { command, cwd } => {
                let mut c = ctx.clone();
                if let Some(dir) = cwd {
                    c.cwd = Some(PathBuf::from(dir));
                }
                self.judge_command(command, &c)
            }
            ToolCall::Other { name, .. } => {
                let decision = self.policy.unknown_tools;
                if decision == Decision::Allow {
                    return Verdict::allow();
                }
                Verdict::from_findings(self.policy.apply(vec![Finding {
                    code: "POL002".into(),
                    category: Category::Policy,
                    severity: Severity::Low,
                    decision,
                    message: format!("tool `{name}` is not one airlock knows how to judge; the policy's unknown_tools setting decides"),
                    span: None,
                    snippet: None,
                }]))
            }
            // File writes, edits, patches and fetches get their own analyses in later layers.
            _ => Verdict::allow(),
        }
    }
}
