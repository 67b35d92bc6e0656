//! The writer thread on a real SQLite file: many producers, flush, shutdown, failures.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use airlock_audit::{AuditError, AuditStore, AuditWriter, Record};
use serde_json::json;

fn record(thread: usize, i: usize) -> Record {
    Record {
        kind: "tool_call".into(),
        provider: Some("openai".into()),
        tool: Some("shell".into()),
        decision: Some("allow".into()),
        detail: json!({"thread": thread, "i": i}),
        ..Record::default()
    }
}

#[test]
fn eight_threads_of_a_thousand_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.db");
    let handle = AuditWriter::spawn(AuditStore::open(&path).unwrap());
    std::thread::scope(|s| {
        for t in 0..8 {
            let h = handle.clone();
            s.spawn(move || {
                for i in 0..1000 {
                    h.record(record(t, i));
                }
            });
        }
    });
    assert_eq!(handle.shutdown().unwrap(), 8000);
    let stats = handle.stats();
    assert_eq!((stats.sent, stats.written, stats.refused, stats.write_errors), (8000, 8000, 0, 0));

    let store = AuditStore::open_existing(&path).unwrap();
    assert_eq!(store.count().unwrap(), 8000);
    let report = store.verify().unwrap();
    assert!(report.ok(), "{report:?}");
    assert_eq!(report.head_id, 8000);
    // Every producer's records are there, each once, in the order that producer sent them.
    let mut stmt = store
        .connection()
        .prepare("SELECT json_extract(detail, '$.thread'), json_extract(detail, '$.i') FROM audit ORDER BY id")
        .unwrap();
    let mut next = [0i64; 8];
    for row in stmt.query_map([], |r| Ok((r.get::<_, usize>(0)?, r.get::<_, i64>(1)?))).unwrap() {
        let (t, i) = row.unwrap();
        assert_eq!(i, next[t], "thread {t}");
        next[t] += 1;
    }
    assert_eq!(next, [1000; 8]);
}

#[test]
fn a_thousand_concurrent_producers_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.db");
    let handle = AuditWriter::spawn(AuditStore::open(&path).unwrap());
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(1000));
    let threads: Vec<_> = (0..1000)
        .map(|t| {
            let (h, barrier) = (handle.clone(), barrier.clone());
            std::thread::Builder::new()
                .stack_size(64 * 1024)
                .spawn(move || {
                    barrier.wait();
                    for i in 0..5 {
                        h.record(record(t, i));
                    }
                })
                .unwrap()
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
    assert_eq!(handle.shutdown().unwrap(), 5000);
    let report = AuditStore::open_existing(&path).unwrap().verify().unwrap();
    assert!(report.ok() && report.rows == 5000, "{report:?}");
}

#[test]
fn flush_waits_for_the_commit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.db");
    let handle = AuditWriter::spawn(AuditStore::open(&path).unwrap());
    for round in 1..=5u64 {
        for i in 0..100 {
            handle.record(record(0, i));
        }
        handle.flush().unwrap();
        // Another connection sees every row sent before the flush.
        let reader = AuditStore::open_existing(&path).unwrap();
        assert_eq!(reader.count().unwrap(), round * 100);
        assert!(reader.verify().unwrap().ok());
    }
    handle.flush().unwrap();
    assert_eq!(handle.shutdown().unwrap(), 500);
    // Shutdown is idempotent; afterwards records are refused and counted, flush says the writer is gone.
    assert_eq!(handle.shutdown().unwrap(), 500);
    handle.record(record(0, 0));
    assert_eq!(handle.stats().refused, 1);
    assert!(matches!(handle.flush(), Err(AuditError::WriterGone)));
}

#[test]
fn record_stamps_the_time_and_keeps_a_given_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.db");
    let handle = AuditWriter::spawn(AuditStore::open(&path).unwrap());
    let before = airlock_audit::now_rfc3339();
    handle.record(record(0, 0));
    let mut given = record(0, 1);
    given.time = "2026-01-01T00:00:00.000Z".into();
    handle.record(given);
    assert_eq!(handle.shutdown().unwrap(), 2);
    let store = AuditStore::open_existing(&path).unwrap();
    let stamped = store.get(1).unwrap().unwrap().record.time;
    assert!(stamped >= before && stamped <= airlock_audit::now_rfc3339(), "{stamped}");
    assert_eq!(store.get(2).unwrap().unwrap().record.time, "2026-01-01T00:00:00.000Z");
}

#[test]
fn reopened_database_continues_the_chain_through_the_writer() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.db");
    for _ in 0..3 {
        let handle = AuditWriter::spawn(AuditStore::open(&path).unwrap());
        for i in 0..10 {
            handle.record(record(0, i));
        }
        handle.shutdown().unwrap();
    }
    let report = AuditStore::open_existing(&path).unwrap().verify().unwrap();
    assert!(report.ok(), "{report:?}");
    assert_eq!(report.rows, 30);
}

#[test]
fn dropping_every_handle_still_commits() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.db");
    let handle = AuditWriter::spawn(AuditStore::open(&path).unwrap());
    let other = handle.clone();
    for i in 0..50 {
        other.record(record(1, i));
    }
    drop((handle, other));
    // No shutdown: the writer sees every sender gone, commits what was queued and stops by itself
    // (shutdown is the way to wait for that; dropping is the fallback).
    let reader = AuditStore::open_existing(&path).unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while reader.count().unwrap() < 50 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert_eq!(reader.count().unwrap(), 50);
    assert!(reader.verify().unwrap().ok());
}

#[test]
fn a_failing_store_is_retried_counted_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.db");
    let store = AuditStore::open(&path).unwrap();
    store.set_busy_timeout(std::time::Duration::from_millis(50)).unwrap();
    let handle = AuditWriter::spawn(store);
    handle.record(record(0, 0));
    handle.flush().unwrap();
    // Another connection holds the write lock past the busy timeout: commits fail, then succeed once
    // it lets go.
    let blocker = rusqlite::Connection::open(&path).unwrap();
    blocker.execute_batch("BEGIN IMMEDIATE").unwrap();
    handle.record(record(0, 1));
    let err = handle.flush().unwrap_err();
    assert!(matches!(err, AuditError::Unwritten { unwritten: 1, .. }), "{err}");
    assert!(handle.stats().write_errors >= 1);
    blocker.execute_batch("COMMIT").unwrap();
    handle.flush().unwrap();
    assert_eq!(handle.shutdown().unwrap(), 2);
}

#[test]
fn records_gather_but_flush_and_shutdown_leave_none_behind() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.db");
    let linger = std::time::Duration::from_millis(300);
    let handle = AuditWriter::try_spawn_with(AuditStore::open(&path).unwrap(), linger).unwrap();
    let started = std::time::Instant::now();
    for i in 0..50 {
        handle.record(record(0, i));
    }
    // Still gathering: nothing is committed yet; a flush gets everything sent before it.
    assert_eq!(handle.stats().written, 0);
    handle.flush().unwrap();
    assert_eq!(handle.stats().written, 50);
    assert!(started.elapsed() < linger * 3, "a flush waits at most about one linger");
    for i in 50..80 {
        handle.record(record(0, i));
    }
    assert_eq!(handle.shutdown().unwrap(), 80, "shutdown in the middle of gathering loses nothing");
    let store = AuditStore::open_existing(&path).unwrap();
    assert_eq!(store.count().unwrap(), 80);
    assert!(store.verify().unwrap().ok());
    // Zero linger: committed without waiting.
    let handle = AuditWriter::try_spawn_with(AuditStore::open(&path).unwrap(), std::time::Duration::ZERO).unwrap();
    handle.record(record(1, 0));
    handle.flush().unwrap();
    assert_eq!(handle.shutdown().unwrap(), 1);
}
