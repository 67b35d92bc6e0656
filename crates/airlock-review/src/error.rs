//! The crate's one error type.

/// Everything a review can fail with. A malformed answer is an error, never an empty review.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    /// The reviewer's API answered with an error status.
    #[error("reviewer {reviewer}: HTTP {status}: {message}")]
    Http { reviewer: String, status: u16, message: String },
    /// No answer within the configured timeout.
    #[error("reviewer {reviewer}: no answer within {secs} s")]
    Timeout { reviewer: String, secs: u64 },
    /// The request could not be sent or the answer not read.
    #[error("reviewer {reviewer}: {message}")]
    Transport { reviewer: String, message: String },
    /// The answer is not a valid findings document.
    #[error("malformed review from {reviewer}: {reason}")]
    Malformed { reviewer: String, reason: String },
    /// The reviewer's API key is not in the environment.
    #[error("reviewer {reviewer}: no API key: set the environment variable {var}")]
    MissingKey { reviewer: String, var: String },
    /// The cross-provider policy refuses this reviewer.
    #[error("cross-provider review: {0}")]
    SameProvider(String),
    /// No configured reviewer fits.
    #[error("no reviewer: {0}")]
    NoReviewer(String),
    /// The change cannot be reviewed as given (no files, a file that is not text, ...).
    #[error("cannot review this change: {0}")]
    BadChange(String),
    /// Reading the gateway's audit database failed.
    #[error(transparent)]
    Audit(#[from] airlock_audit::AuditError),
}

pub type Result<T, E = ReviewError> = std::result::Result<T, E>;
