use std::path::PathBuf;

/// Everything that can stop a sandboxed run before the command starts.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("{what}: {source}")]
    Sys {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Path {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("this machine cannot sandbox: {0}")]
    Unsupported(String),
    #[error("invalid sandbox setting: {0}")]
    Invalid(String),
}

impl SandboxError {
    pub(crate) fn sys(what: impl Into<String>, source: impl Into<std::io::Error>) -> Self {
        SandboxError::Sys { what: what.into(), source: source.into() }
    }
}
