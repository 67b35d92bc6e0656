//! The airlock audit store: every request and every decision, in an embedded SQLite database whose
//! rows are hash-chained so that an edited, deleted, reordered or hand-inserted row is detected.
//!
//! - [`AuditStore`] owns one SQLite connection (WAL mode) and appends batches of [`Record`]s in one
//!   transaction each, chaining every row to the one before it (see [`chain`] for the exact bytes).
//! - [`AuditWriter::spawn`] moves a store onto a dedicated thread and returns an [`AuditHandle`]: the
//!   gateway calls [`AuditHandle::record`] on the hot path (a channel send, no disk I/O), and the writer
//!   commits whatever has queued up in one transaction per wakeup (group commit).
//!   [`AuditHandle::shutdown`] drains the queue, commits and joins the thread, so nothing is lost on a
//!   clean exit.
//! - [`AuditStore::verify`] walks the chain and the `chain_head` row and names the first bad id.
//!
//! What the chain proves: anyone who edits the database with ordinary tools (the `sqlite3` shell, a
//! script) without recomputing every later hash and the head is caught. Someone who knows the scheme and
//! rewrites the whole tail and the head consistently is not; to catch that too, keep the head hash that
//! `airlock audit verify` prints somewhere else (it changes with every row, and an old head must stay
//! a prefix of the chain).

#![forbid(unsafe_code)]

pub mod chain;
mod store;
mod time;
mod writer;

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

pub use chain::{Problem, VerifyReport};
pub use store::AuditStore;
pub use time::now_rfc3339;
pub use writer::{AuditHandle, AuditWriter, WriterStats};

/// One audited event: a request through the gateway, a judged tool call, a refusal, an error.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// RFC 3339 UTC with milliseconds (`2026-11-29T08:00:42.123Z`); filled in when empty.
    #[serde(default)]
    pub time: String,
    /// What happened: `request`, `tool_call`, `refusal`, `error`, ... (free text).
    #[serde(default)]
    pub kind: String,
    /// The agent or client (user agent) that sent the request.
    #[serde(default)]
    pub client: Option<String>,
    /// The model provider (`anthropic`, `openai`, ...).
    #[serde(default)]
    pub provider: Option<String>,
    /// The model name as requested.
    #[serde(default)]
    pub model: Option<String>,
    /// The tool name, for a tool call.
    #[serde(default)]
    pub tool: Option<String>,
    /// The decision: `allow`, `ask`, `deny`, `blocked`, ...
    #[serde(default)]
    pub decision: Option<String>,
    /// The rule codes behind the decision.
    #[serde(default)]
    pub rules: Vec<String>,
    /// How many secrets were redacted from this request or response.
    #[serde(default)]
    pub redactions: u64,
    /// Anything else: the tool input, the reason, the request id, the path, ...
    #[serde(default)]
    pub detail: serde_json::Value,
}

/// A stored record with its place in the chain.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The row id: 1, 2, 3, ... with no gaps in an intact store.
    pub id: i64,
    /// The record as stored.
    pub record: Record,
    /// The hash of the row before (64 zeros for the first row).
    pub prev_hash: String,
    /// This row's hash, hex SHA-256 (see [`chain::row_hash`]).
    pub hash: String,
}

/// Everything that can go wrong in the audit store.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// SQLite failed (the database is locked, corrupt, the disk is full, ...).
    #[error("audit database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// Creating the database's directory failed.
    #[error("audit database directory {path}: {source}")]
    Io {
        /// The directory.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A record could not be serialized.
    #[error("audit record: {0}")]
    Json(#[from] serde_json::Error),
    /// [`AuditStore::open_existing`] was given a path with no database.
    #[error("no audit database at {0} (the gateway creates it on its first request; choose another with --db or AIRLOCK_AUDIT_DB)")]
    Missing(PathBuf),
    /// The file is an SQLite database but not an airlock audit store.
    #[error("{0} is not an airlock audit database (no `audit` table)")]
    NotAnAuditDb(PathBuf),
    /// The writer thread could not be started.
    #[error("audit writer thread: {0}")]
    Thread(#[source] std::io::Error),
    /// The writer thread is gone (it was shut down, or it could not be started).
    #[error("the audit writer is not running")]
    WriterGone,
    /// The writer could not commit some records even after retrying; they are counted, not dropped
    /// silently.
    #[error("{unwritten} audit records could not be written: {last_error}")]
    Unwritten {
        /// How many records were never committed.
        unwritten: u64,
        /// The last error the writer saw.
        last_error: String,
    },
}
