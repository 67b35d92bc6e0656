//! The store on a real SQLite file: append, read back, verify, and every kind of tampering done with
//! raw SQL on the file.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use airlock_audit::{AuditError, AuditStore, Record, VerifyReport};
use rusqlite::Connection;
use serde_json::json;
use std::path::{Path, PathBuf};

fn record(i: usize) -> Record {
    Record {
        kind: if i.is_multiple_of(3) { "tool_call" } else { "request" }.into(),
        client: Some("claude-cli/2.0".into()),
        provider: Some("anthropic".into()),
        model: Some("claude-sonnet-4".into()),
        tool: (i.is_multiple_of(3)).then(|| "Bash".into()),
        decision: Some(if i.is_multiple_of(5) { "deny" } else { "allow" }.into()),
        rules: if i.is_multiple_of(5) { vec!["EXF001".into()] } else { vec![] },
        redactions: (i % 2) as u64,
        detail: json!({"request_id": format!("req-{i}"), "n": i, "f": 0.1 + i as f64}),
        ..Record::default()
    }
}

/// A database file holding `n` rows, appended in batches of 3.
fn db_with(n: usize) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/dir/audit.db");
    let mut store = AuditStore::open(&path).unwrap();
    let records: Vec<Record> = (1..=n).map(record).collect();
    for chunk in records.chunks(3) {
        store.append(chunk).unwrap();
    }
    (dir, path)
}

fn tamper(path: &Path, sql: &str) {
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(sql).unwrap();
}

fn verify(path: &Path) -> VerifyReport {
    AuditStore::open_existing(path).unwrap().verify().unwrap()
}

fn first_bad(path: &Path) -> (i64, String) {
    let report = verify(path);
    assert!(!report.ok(), "tampering not detected");
    let p = &report.problems[0];
    (p.id, p.what.clone())
}

#[test]
fn append_read_back_and_verify() {
    let (_dir, path) = db_with(10);
    let store = AuditStore::open_existing(&path).unwrap();
    let report = store.verify().unwrap();
    assert!(report.ok(), "{report:?}");
    assert_eq!((report.rows, report.head_id), (10, 10));
    assert_eq!(store.count().unwrap(), 10);

    let tail = store.tail(3).unwrap();
    assert_eq!(tail.iter().map(|e| e.id).collect::<Vec<_>>(), vec![8, 9, 10]);
    assert_eq!(tail[2].hash, report.head_hash);
    assert_eq!(tail[1].hash, tail[2].prev_hash);

    let e = store.get(5).unwrap().unwrap();
    let mut expected = record(5);
    expected.time = e.record.time.clone();
    assert_eq!(e.record, expected);
    assert_eq!(e.record.time.len(), 24, "RFC 3339 with millis: {}", e.record.time);
    assert!(store.get(11).unwrap().is_none());
    assert_eq!(store.get(1).unwrap().unwrap().prev_hash, "0".repeat(64));
    assert_eq!(store.tail(100).unwrap().len(), 10);

    // WAL mode (readers never block the writer) with synchronous=NORMAL (no fsync per commit).
    let store = AuditStore::open(&path).unwrap();
    let mode: String = store.connection().query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    let sync: i64 = store.connection().query_row("PRAGMA synchronous", [], |r| r.get(0)).unwrap();
    assert_eq!((mode.as_str(), sync), ("wal", 1));
}

#[test]
fn a_given_time_is_kept_and_columns_serve_ad_hoc_sql() {
    let mut store = AuditStore::open_in_memory().unwrap();
    let mut r = record(5);
    r.time = "2026-01-02T03:04:05.678Z".into();
    assert_eq!(store.append(&[r]).unwrap(), vec![1]);
    let (time, decision, rules): (String, String, String) = store
        .connection()
        .query_row("SELECT time, decision, rules FROM audit WHERE kind = 'request'", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .unwrap();
    assert_eq!(time, "2026-01-02T03:04:05.678Z");
    assert_eq!((decision.as_str(), rules.as_str()), ("deny", r#"["EXF001"]"#));
    assert!(store.append(&[]).unwrap().is_empty());
}

#[test]
fn reopening_continues_the_chain() {
    let (_dir, path) = db_with(4);
    let mut store = AuditStore::open(&path).unwrap();
    assert_eq!(store.append(&[record(5), record(6)]).unwrap(), vec![5, 6]);
    drop(store);
    let report = verify(&path);
    assert!(report.ok(), "{report:?}");
    assert_eq!(report.rows, 6);
}

/// Tamper with a fresh 10-row database and check the first problem: its id and words in its text.
fn assert_first_bad(sql: &str, id: i64, words: &str) {
    let (_dir, path) = db_with(10);
    tamper(&path, sql);
    let (got, what) = first_bad(&path);
    assert_eq!(got, id, "{sql}: {what}");
    assert!(what.contains(words), "{sql}: {what}");
}

#[test]
fn edited_field_is_found_in_its_row() {
    for (column, value) in [
        ("time", "'2020-01-01T00:00:00.000Z'"),
        ("kind", "'request'"),
        ("client", "NULL"),
        ("provider", "'openai'"),
        ("model", "'gpt'"),
        ("tool", "'Read'"),
        ("decision", "'ask'"),
        ("rules", "'[\"EVL001\"]'"),
        ("redactions", "7"),
        ("detail", "'{}'"),
        ("hash", "'ff'"),
    ] {
        let sql = format!("UPDATE audit SET {column} = {value} WHERE id = 6");
        assert_first_bad(&sql, 6, "contents do not match its hash");
    }
    assert_first_bad("UPDATE audit SET prev_hash = '00' WHERE id = 6", 6, "does not follow row 5");
    assert_first_bad("UPDATE audit SET decision = 'allow', rules = '[]' WHERE id = 5", 5, "edited");
}

#[test]
fn deleted_middle_rows_are_named() {
    assert_first_bad("DELETE FROM audit WHERE id = 4", 4, "row 4 is missing");
    assert_first_bad("DELETE FROM audit WHERE id BETWEEN 3 AND 5", 3, "rows 3..5 are missing");
}

#[test]
fn deleted_last_rows_are_named() {
    assert_first_bad("DELETE FROM audit WHERE id = 10", 10, "row 10 is missing");
    assert_first_bad("DELETE FROM audit WHERE id > 7", 8, "rows 8..10 are missing");
    assert_first_bad("DELETE FROM audit", 1, "rows 1..10 are missing");
    // Deleting the head too is still seen: the head is what vouches for the end of the chain.
    assert_first_bad("DELETE FROM audit WHERE id = 10; DELETE FROM chain_head;", 9, "chain head");
    assert_first_bad("DROP TABLE chain_head", 10, "chain head");
}

#[test]
fn swapped_rows_are_found() {
    let (_dir, path) = db_with(10);
    tamper(
        &path,
        "UPDATE audit SET id = -1 WHERE id = 3;
         UPDATE audit SET id = 3 WHERE id = 7;
         UPDATE audit SET id = 7 WHERE id = -1;",
    );
    let report = verify(&path);
    assert_eq!(report.problems[0].id, 3, "{report:?}");
    assert!(report.problems.iter().any(|p| p.id == 7), "{report:?}");

    // Moving the contents (everything but the id) between two rows is found as well.
    assert_first_bad(
        "CREATE TEMP TABLE t AS SELECT * FROM audit WHERE id IN (2, 3);
         UPDATE audit SET (time, kind, client, provider, model, tool, decision, rules, redactions, detail, prev_hash, hash) =
           (SELECT time, kind, client, provider, model, tool, decision, rules, redactions, detail, prev_hash, hash
            FROM t WHERE t.id = 5 - audit.id) WHERE id IN (2, 3);",
        2,
        "does not follow row 1",
    );
}

#[test]
fn forged_rows_are_found() {
    // At the end, with a plausible-looking hash.
    let (_dir, path) = db_with(10);
    let head: String = Connection::open(&path)
        .unwrap()
        .query_row("SELECT hash FROM audit WHERE id = 10", [], |r| r.get(0))
        .unwrap();
    tamper(
        &path,
        &format!(
            "INSERT INTO audit VALUES (11, '2026-01-01T00:00:00.000Z', 'request', NULL, 'anthropic', NULL, NULL, 'allow', '[]', 0, 'null', '{head}', '{}')",
            "a".repeat(64)
        ),
    );
    let (id, what) = first_bad(&path);
    assert_eq!(id, 11);
    assert!(what.contains("added by hand") && what.contains("do not match"), "{what}");

    // Before the first row.
    let (_dir, path) = db_with(10);
    tamper(&path, "INSERT INTO audit SELECT 0, time, kind, client, provider, model, tool, decision, rules, redactions, detail, prev_hash, hash FROM audit WHERE id = 1");
    let (id, what) = first_bad(&path);
    assert_eq!(id, 0);
    assert!(what.contains("out of sequence"), "{what}");
}

#[test]
fn appending_after_tampering_keeps_it_visible() {
    let (_dir, path) = db_with(10);
    tamper(&path, "DELETE FROM audit WHERE id = 10");
    let mut store = AuditStore::open(&path).unwrap();
    assert_eq!(store.append(&[record(11)]).unwrap(), vec![11]);
    let report = store.verify().unwrap();
    assert_eq!(report.problems[0].id, 10, "{report:?}");

    // A forged row past the head does not block the writer.
    let (_dir, path) = db_with(3);
    tamper(&path, "INSERT INTO audit SELECT 4, time, kind, client, provider, model, tool, decision, rules, redactions, detail, prev_hash, hash FROM audit WHERE id = 3");
    let mut store = AuditStore::open(&path).unwrap();
    assert_eq!(store.append(&[record(5)]).unwrap(), vec![5]);
    assert_eq!(store.verify().unwrap().problems[0].id, 4);
}

#[test]
fn open_existing_refuses_to_create() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("none.db");
    assert!(matches!(AuditStore::open_existing(&path), Err(AuditError::Missing(p)) if p == path));
    assert!(!path.exists());
    Connection::open(&path).unwrap().execute_batch("CREATE TABLE x (a)").unwrap();
    assert!(matches!(AuditStore::open_existing(&path), Err(AuditError::NotAnAuditDb(_))));
}

#[test]
fn json_columns_edited_into_garbage_are_shown_raw() {
    let (_dir, path) = db_with(2);
    tamper(&path, "UPDATE audit SET rules = 'oops', detail = '{' WHERE id = 2");
    let store = AuditStore::open_existing(&path).unwrap();
    let e = store.get(2).unwrap().unwrap();
    assert_eq!(e.record.rules, vec!["oops".to_string()]);
    assert_eq!(e.record.detail, json!("{"));
    assert_eq!(store.verify().unwrap().problems[0].id, 2);
}
