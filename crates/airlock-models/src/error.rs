//! The crate's error type: only what stops a scan from running at all. Anything
//! wrong with a file's content is a [`crate::Finding`], never an error.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}
