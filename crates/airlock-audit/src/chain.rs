//! The hash chain: what a row's hash covers, and the walk that verifies a store.
//!
//! A row's hash is `hex(sha256(prev_hash ++ canonical))`, where `prev_hash` is the previous row's hash
//! as 64 ASCII hex digits (64 zeros for the first row) and `canonical` is the compact JSON array of the
//! row's stored columns, in this order:
//!
//! ```text
//! [id, time, kind, client, provider, model, tool, decision, rules, redactions, detail]
//! ```
//!
//! `rules` and `detail` are the JSON texts stored in their columns, embedded as JSON strings; absent
//! optional columns are `null`. Hashing the stored text (not a re-serialized value) keeps the chain
//! independent of JSON number formatting and map ordering, so any tool that reads the columns can
//! recompute it (`json.dumps([...], separators=(",", ":"), ensure_ascii=False)` in Python).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first row.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// At most this many problems are listed; the rest are only counted.
const MAX_PROBLEMS: usize = 100;

/// A row as its columns hold it: the input of the hash and of the verification walk.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StoredRow {
    /// `id`.
    pub id: i64,
    /// `time`.
    pub time: Option<String>,
    /// `kind`.
    pub kind: Option<String>,
    /// `client`.
    pub client: Option<String>,
    /// `provider`.
    pub provider: Option<String>,
    /// `model`.
    pub model: Option<String>,
    /// `tool`.
    pub tool: Option<String>,
    /// `decision`.
    pub decision: Option<String>,
    /// `rules`, a JSON array as text.
    pub rules: Option<String>,
    /// `redactions`.
    pub redactions: i64,
    /// `detail`, a JSON value as text.
    pub detail: Option<String>,
    /// `prev_hash`.
    pub prev_hash: String,
    /// `hash`.
    pub hash: String,
}

/// The hash a row must carry given the hash before it (see the module documentation).
pub fn row_hash(prev_hash: &str, row: &StoredRow) -> String {
    let canonical = (
        row.id,
        &row.time,
        &row.kind,
        &row.client,
        &row.provider,
        &row.model,
        &row.tool,
        &row.decision,
        &row.rules,
        row.redactions,
        &row.detail,
    );
    let mut hasher = Sha256::new();
    hasher.update(prev_hash.as_bytes());
    // Serializing strings, integers and nulls into a Vec cannot fail; an empty array would only make
    // the hash wrong, which verification then reports.
    hasher.update(serde_json::to_vec(&canonical).unwrap_or_default());
    hex(&hasher.finalize())
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// One thing wrong with the chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// The first row id concerned (for a deletion, the first missing id).
    pub id: i64,
    /// What is wrong, in words.
    pub what: String,
}

/// The outcome of [`crate::AuditStore::verify`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyReport {
    /// How many rows were read.
    pub rows: u64,
    /// What is wrong, in id order (at most 100; see `more_problems`).
    pub problems: Vec<Problem>,
    /// Problems found beyond the listed ones.
    pub more_problems: u64,
    /// The chain head: the last id the writer committed (0 for an empty store).
    pub head_id: i64,
    /// The chain head's hash; keep it elsewhere to detect a later rewrite of the whole chain.
    pub head_hash: String,
}

impl VerifyReport {
    /// True when no problem was found.
    pub fn ok(&self) -> bool {
        self.problems.is_empty() && self.more_problems == 0
    }
}

/// The verification walk: feed rows in id order, then the chain head.
#[derive(Debug)]
pub(crate) struct Verifier {
    report: VerifyReport,
    last_id: i64,
    last_hash: String,
}

impl Verifier {
    pub(crate) fn new() -> Self {
        Self {
            report: VerifyReport::default(),
            last_id: 0,
            last_hash: GENESIS.to_string(),
        }
    }

    fn problem(&mut self, id: i64, what: String) {
        if let Some(last) = self.report.problems.last_mut() {
            if last.id == id {
                last.what.push_str("; ");
                last.what.push_str(&what);
                return;
            }
        }
        if self.report.problems.len() < MAX_PROBLEMS {
            self.report.problems.push(Problem { id, what });
        } else {
            self.report.more_problems += 1;
        }
    }

    /// Check one row (rows must come in ascending id order).
    pub(crate) fn row(&mut self, row: &StoredRow) {
        self.report.rows += 1;
        let id = row.id;
        let expected = self.last_id.saturating_add(1);
        if id < expected {
            self.problem(
                id,
                format!("id {id} is out of sequence (ids run 1, 2, 3, ...; expected {expected}): a row inserted or renumbered by hand"),
            );
        } else if id > expected {
            let what = if id - 1 == expected {
                format!("row {expected} is missing (deleted)")
            } else {
                format!("rows {expected}..{} are missing (deleted)", id - 1)
            };
            self.problem(expected, what);
        } else if row.prev_hash != self.last_hash {
            let what = if id == 1 {
                "row 1 does not start the chain (its prev_hash is not 64 zeros): rows reordered or inserted by hand".to_string()
            } else {
                format!(
                    "row {id} does not follow row {} (its prev_hash is not that row's hash): rows reordered, row {} rewritten, or a row inserted by hand",
                    self.last_id, self.last_id
                )
            };
            self.problem(id, what);
        }
        if row_hash(&row.prev_hash, row) != row.hash {
            self.problem(
                id,
                format!("row {id}'s contents do not match its hash: a field was edited, or the row was moved or forged"),
            );
        }
        self.last_id = id;
        self.last_hash = row.hash.clone();
    }

    /// Check the chain head (`None` when the `chain_head` row or table is gone) and finish.
    pub(crate) fn finish(mut self, head: Option<(i64, String)>) -> VerifyReport {
        let (last_id, rows) = (self.last_id, self.report.rows);
        match head {
            None if rows > 0 => {
                self.problem(last_id, "the chain head (table chain_head) is missing: the last rows cannot be checked for deletion".to_string());
                self.report.head_id = last_id;
                self.report.head_hash = self.last_hash.clone();
            }
            None => self.report.head_hash = GENESIS.to_string(),
            Some((head_id, head_hash)) => {
                if head_id > last_id {
                    let first = last_id + 1;
                    let what = if head_id == first {
                        format!("row {first} is missing (deleted): the chain head says the last row is {head_id}")
                    } else {
                        format!("rows {first}..{head_id} are missing (deleted): the chain head says the last row is {head_id}")
                    };
                    self.problem(first, what);
                } else if head_id < last_id {
                    self.problem(
                        head_id + 1,
                        format!("rows {}..{last_id} come after the chain head (last row {head_id}): added by hand", head_id + 1),
                    );
                } else if head_hash != self.last_hash {
                    self.problem(
                        last_id,
                        format!("the chain head's hash is not row {last_id}'s hash: the last row or the head was rewritten"),
                    );
                }
                self.report.head_id = head_id;
                self.report.head_hash = head_hash;
            }
        }
        self.report.problems.sort_by_key(|p| p.id);
        self.report
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::indexing_slicing)]
    use super::*;

    fn chain(n: i64) -> Vec<StoredRow> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|id| {
                let mut r = StoredRow {
                    id,
                    time: Some(format!("t{id}")),
                    kind: Some("request".into()),
                    rules: Some("[]".into()),
                    detail: Some("null".into()),
                    prev_hash: prev.clone(),
                    ..StoredRow::default()
                };
                r.hash = row_hash(&prev, &r);
                prev = r.hash.clone();
                r
            })
            .collect()
    }

    fn run(rows: &[StoredRow], head: Option<(i64, String)>) -> VerifyReport {
        let mut v = Verifier::new();
        rows.iter().for_each(|r| v.row(r));
        v.finish(head)
    }

    #[test]
    fn hash_is_hex_sha256_and_covers_every_field() {
        let rows = chain(1);
        let r = &rows[0];
        assert_eq!(r.hash.len(), 64);
        let mut edited = r.clone();
        edited.client = Some(String::new());
        assert_ne!(row_hash(GENESIS, &edited), r.hash);
        let mut edited = r.clone();
        edited.redactions = 1;
        assert_ne!(row_hash(GENESIS, &edited), r.hash);
    }

    #[test]
    fn intact_and_tampered_chains() {
        let rows = chain(5);
        let head = Some((5, rows[4].hash.clone()));
        assert!(run(&rows, head.clone()).ok());
        let mut without_3 = rows.clone();
        without_3.remove(2);
        let report = run(&without_3, head.clone());
        assert_eq!(report.problems[0].id, 3, "{report:?}");
        assert!(report.problems[0].what.contains("missing"));
        let report = run(&rows[..4], head);
        assert_eq!(report.problems[0].id, 5, "{report:?}");
        assert!(run(&rows, None).problems[0].what.contains("chain head"));
        assert!(run(&[], None).ok());
    }
}
