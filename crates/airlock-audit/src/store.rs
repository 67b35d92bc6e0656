//! [`AuditStore`]: the SQLite database, its schema, appends, reads and verification.

use crate::chain::{row_hash, StoredRow, Verifier, VerifyReport, GENESIS};
use crate::{now_rfc3339, AuditError, Entry, Record};
use rusqlite::types::ValueRef;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The schema. `id` is assigned by the store (1, 2, 3, ...), never by SQLite, so a gap is a deletion.
/// `chain_head` holds one row: the last id committed and its hash, updated in the same transaction as
/// the rows, so deleting the last rows is detected too.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS audit (
    id          INTEGER PRIMARY KEY,
    time        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    client      TEXT,
    provider    TEXT,
    model       TEXT,
    tool        TEXT,
    decision    TEXT,
    rules       TEXT NOT NULL,
    redactions  INTEGER NOT NULL,
    detail      TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_time ON audit(time);
CREATE TABLE IF NOT EXISTS chain_head (
    one      INTEGER PRIMARY KEY CHECK (one = 1),
    last_id  INTEGER NOT NULL,
    hash     TEXT NOT NULL
);
";

const COLUMNS: &str =
    "id, time, kind, client, provider, model, tool, decision, rules, redactions, detail, prev_hash, hash";

/// How long a statement waits for another connection's write lock (the gateway writing while
/// `airlock audit` reads, or two gateways sharing one database).
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The audit database: one SQLite connection in WAL mode.
#[derive(Debug)]
pub struct AuditStore {
    conn: Connection,
}

impl AuditStore {
    /// Open or create the database at `path` (and its parent directories), in WAL mode.
    pub fn open(path: &Path) -> Result<Self, AuditError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| AuditError::Io {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let conn = Connection::open(path)?;
        // `journal_mode` answers with the mode it set; an in-memory database answers `memory`.
        let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        Self::init(conn)
    }

    /// Open an existing database without creating one: [`AuditError::Missing`] when there is no file,
    /// [`AuditError::NotAnAuditDb`] when it has no `audit` table. For readers (`airlock audit`).
    pub fn open_existing(path: &Path) -> Result<Self, AuditError> {
        if !path.is_file() {
            return Err(AuditError::Missing(path.to_path_buf()));
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        if !table_exists(&conn, "audit")? {
            return Err(AuditError::NotAnAuditDb(path.to_path_buf()));
        }
        Ok(Self { conn })
    }

    /// A database in memory (tests, benchmarks, a gateway told not to keep an audit file).
    pub fn open_in_memory() -> Result<Self, AuditError> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(conn: Connection) -> Result<Self, AuditError> {
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // NORMAL in WAL mode: a committed transaction survives a crash of the process; only a power
        // loss can undo the last commits (the chain stays consistent either way).
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.execute_batch(SCHEMA)?;
        Ok(Self { conn })
    }

    /// Where the database lives by default: `$AIRLOCK_AUDIT_DB`, else
    /// `$XDG_DATA_HOME/airlock/audit.db`, else `~/.local/share/airlock/audit.db` (`./audit.db`
    /// when there is no home directory either).
    pub fn default_path() -> PathBuf {
        let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        if let Some(p) = var("AIRLOCK_AUDIT_DB") {
            return PathBuf::from(p);
        }
        if let Some(data) = var("XDG_DATA_HOME") {
            return PathBuf::from(data).join("airlock").join("audit.db");
        }
        match var("HOME") {
            Some(home) => PathBuf::from(home).join(".local/share/airlock/audit.db"),
            None => PathBuf::from("audit.db"),
        }
    }

    /// Append `records` in one transaction, each chained to the one before; returns their ids. An empty
    /// `time` is filled with the current time. The chain continues from the `chain_head` row, so rows
    /// appended after a tampering still show it to [`AuditStore::verify`].
    pub fn append(&mut self, records: &[Record]) -> Result<Vec<i64>, AuditError> {
        if records.is_empty() {
            return Ok(Vec::new());
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let head = read_head(&tx)?;
        let max_id: i64 = tx.query_row("SELECT COALESCE(MAX(id), 0) FROM audit", [], |r| r.get(0))?;
        let (mut last_id, mut last_hash) = match head {
            // Rows inserted past the head by hand keep their ids; new rows go after them (and verify
            // reports both the forged rows and the broken link).
            Some((id, hash)) => (id.max(max_id), hash),
            None if max_id > 0 => {
                tracing::warn!("audit chain head missing; continuing the chain from row {max_id}");
                let hash: String =
                    tx.query_row("SELECT hash FROM audit WHERE id = ?1", [max_id], |r| r.get(0))?;
                (max_id, hash)
            }
            None => (0, GENESIS.to_string()),
        };
        let mut ids = Vec::with_capacity(records.len());
        {
            let mut insert = tx.prepare_cached(&format!(
                "INSERT INTO audit ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
            ))?;
            for record in records {
                let id = last_id.saturating_add(1);
                let mut row = stored_row(id, record, last_hash)?;
                row.hash = row_hash(&row.prev_hash, &row);
                insert.execute(params![
                    row.id,
                    row.time,
                    row.kind,
                    row.client,
                    row.provider,
                    row.model,
                    row.tool,
                    row.decision,
                    row.rules,
                    row.redactions,
                    row.detail,
                    row.prev_hash,
                    row.hash,
                ])?;
                ids.push(id);
                last_id = id;
                last_hash = row.hash;
            }
        }
        tx.execute(
            "INSERT INTO chain_head (one, last_id, hash) VALUES (1, ?1, ?2)
             ON CONFLICT (one) DO UPDATE SET last_id = excluded.last_id, hash = excluded.hash",
            params![last_id, last_hash],
        )?;
        tx.commit()?;
        Ok(ids)
    }

    /// The last `n` entries, oldest first.
    pub fn tail(&self, n: usize) -> Result<Vec<Entry>, AuditError> {
        let limit = i64::try_from(n).unwrap_or(i64::MAX);
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT {COLUMNS} FROM audit ORDER BY id DESC LIMIT ?1"))?;
        let rows = stmt.query_map([limit], read_row)?;
        let mut entries = rows
            .map(|r| r.map(entry))
            .collect::<Result<Vec<_>, _>>()?;
        entries.reverse();
        Ok(entries)
    }

    /// The entry with this id, if there is one.
    pub fn get(&self, id: i64) -> Result<Option<Entry>, AuditError> {
        let row = self
            .conn
            .query_row(&format!("SELECT {COLUMNS} FROM audit WHERE id = ?1"), [id], read_row)
            .optional()?;
        Ok(row.map(entry))
    }

    /// How many rows the store holds.
    pub fn count(&self) -> Result<u64, AuditError> {
        let n: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM audit", [], |r| r.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Walk the whole chain in id order and check every row's hash, every link, the ids' sequence and
    /// the chain head. Reads one consistent snapshot, so a writer appending meanwhile is not mistaken
    /// for tampering.
    pub fn verify(&self) -> Result<VerifyReport, AuditError> {
        let tx = self.conn.unchecked_transaction()?;
        let mut verifier = Verifier::new();
        {
            let mut stmt = tx.prepare(&format!("SELECT {COLUMNS} FROM audit ORDER BY id"))?;
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                verifier.row(&read_row(row)?);
            }
        }
        let head = read_head(&tx)?;
        tx.finish()?;
        Ok(verifier.finish(head))
    }

    /// How long a statement waits for another connection's write lock (5 s unless changed).
    pub fn set_busy_timeout(&self, timeout: Duration) -> Result<(), AuditError> {
        Ok(self.conn.busy_timeout(timeout)?)
    }

    /// The underlying connection, for ad-hoc queries and tests.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }
}

fn table_exists(conn: &Connection, name: &str) -> Result<bool, AuditError> {
    let n: i64 = conn.query_row(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
        [name],
        |r| r.get(0),
    )?;
    Ok(n > 0)
}

/// The chain head, `None` when its row or its whole table is gone.
fn read_head(conn: &Connection) -> Result<Option<(i64, String)>, AuditError> {
    if !table_exists(conn, "chain_head")? {
        return Ok(None);
    }
    Ok(conn
        .query_row("SELECT last_id, hash FROM chain_head WHERE one = 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?)
}

/// The columns a record is stored as (without its hash yet).
fn stored_row(id: i64, r: &Record, prev_hash: String) -> Result<StoredRow, AuditError> {
    Ok(StoredRow {
        id,
        time: Some(if r.time.is_empty() {
            now_rfc3339()
        } else {
            r.time.clone()
        }),
        kind: Some(r.kind.clone()),
        client: r.client.clone(),
        provider: r.provider.clone(),
        model: r.model.clone(),
        tool: r.tool.clone(),
        decision: r.decision.clone(),
        rules: Some(serde_json::to_string(&r.rules)?),
        // SQLite integers are signed; a count past i64::MAX is stored as i64::MAX.
        redactions: i64::try_from(r.redactions).unwrap_or(i64::MAX),
        detail: Some(serde_json::to_string(&r.detail)?),
        prev_hash,
        hash: String::new(),
    })
}

/// Read a row leniently: a column edited to another type by hand is read as text (and then fails its
/// hash) instead of failing the whole read.
fn read_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<StoredRow> {
    let text = |i: usize| -> rusqlite::Result<Option<String>> {
        Ok(match row.get_ref(i)? {
            ValueRef::Null => None,
            ValueRef::Integer(n) => Some(n.to_string()),
            ValueRef::Real(f) => Some(f.to_string()),
            ValueRef::Text(t) | ValueRef::Blob(t) => Some(String::from_utf8_lossy(t).into_owned()),
        })
    };
    let redactions = match row.get_ref(9)? {
        ValueRef::Integer(n) => n,
        // Never a stored value (the store writes integers >= 0): the hash check fails.
        _ => i64::MIN,
    };
    Ok(StoredRow {
        id: row.get(0)?,
        time: text(1)?,
        kind: text(2)?,
        client: text(3)?,
        provider: text(4)?,
        model: text(5)?,
        tool: text(6)?,
        decision: text(7)?,
        rules: text(8)?,
        redactions,
        detail: text(10)?,
        prev_hash: text(11)?.unwrap_or_default(),
        hash: text(12)?.unwrap_or_default(),
    })
}

/// A stored row as an [`Entry`]. JSON columns edited into invalid JSON are shown raw.
fn entry(row: StoredRow) -> Entry {
    let rules = row.rules.as_deref().map_or_else(Vec::new, |raw| {
        serde_json::from_str(raw).unwrap_or_else(|_| vec![raw.to_string()])
    });
    let detail = row.detail.as_deref().map_or(serde_json::Value::Null, |raw| {
        serde_json::from_str(raw).unwrap_or_else(|_| serde_json::Value::String(raw.to_string()))
    });
    Entry {
        id: row.id,
        record: Record {
            time: row.time.unwrap_or_default(),
            kind: row.kind.unwrap_or_default(),
            client: row.client,
            provider: row.provider,
            model: row.model,
            tool: row.tool,
            decision: row.decision,
            rules,
            redactions: u64::try_from(row.redactions).unwrap_or(0),
            detail,
        },
        prev_hash: row.prev_hash,
        hash: row.hash,
    }
}
