use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid policy in {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("invalid value in {path}: {message}")]
    Invalid { path: PathBuf, message: String },
}
