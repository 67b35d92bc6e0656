use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    #[error("unknown agent `{0}` (expected claude-code, codex or gemini)")]
    UnknownAgent(String),
    #[error("tool `{tool}`: {message}")]
    BadToolInput { tool: String, message: String },
    #[error("hook input is not valid: {0}")]
    BadHookInput(String),
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not valid {format}; not touching it: {message}")]
    Malformed {
        path: PathBuf,
        format: &'static str,
        message: String,
    },
    #[error("{0}")]
    Unsupported(String),
}
