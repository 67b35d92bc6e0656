//! `airlock audit tail / show / verify` as a user runs them, on a database the library wrote.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use airlock_audit::{AuditStore, Record};
use std::path::Path;
use std::process::Command;

fn airlock(args: &[&str], env_db: Option<&Path>) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_airlock"));
    cmd.args(args).env_remove("AIRLOCK_AUDIT_DB");
    if let Some(db) = env_db {
        cmd.env("AIRLOCK_AUDIT_DB", db);
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn db(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("audit.db");
    let mut store = AuditStore::open(&path).unwrap();
    let records: Vec<Record> = (1..=5)
        .map(|i| Record {
            time: format!("2026-11-29T08:00:0{i}.000Z"),
            kind: if i == 3 { "tool_call" } else { "request" }.into(),
            client: Some("claude-cli/2.0".into()),
            provider: Some("anthropic".into()),
            model: Some("claude-sonnet-4".into()),
            tool: (i == 3).then(|| "Bash".into()),
            decision: Some(if i == 3 { "deny" } else { "allow" }.into()),
            rules: if i == 3 { vec!["EXF001".into(), "CRD001".into()] } else { vec![] },
            redactions: 0,
            detail: serde_json::json!({"request_id": format!("req-{i}")}),
        })
        .collect();
    store.append(&records).unwrap();
    path
}

#[test]
fn tail_show_verify_then_tamper() {
    let dir = tempfile::tempdir().unwrap();
    let path = db(dir.path());
    let p = path.to_str().unwrap();

    let (code, out, err) = airlock(&["audit", "--db", p, "tail", "-n", "2"], None);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "4  2026-11-29T08:00:04.000Z  request  anthropic/claude-sonnet-4  -  allow  -\n\
         5  2026-11-29T08:00:05.000Z  request  anthropic/claude-sonnet-4  -  allow  -\n"
    );
    // --db after the subcommand, and the default taken from AIRLOCK_AUDIT_DB.
    let (_, all, _) = airlock(&["audit", "tail", "--db", p], None);
    assert_eq!(all.lines().count(), 5);
    assert!(all.contains("3  2026-11-29T08:00:03.000Z  tool_call  anthropic/claude-sonnet-4  Bash  deny  EXF001,CRD001\n"), "{all}");
    assert_eq!(airlock(&["audit", "tail"], Some(&path)).1, all);
    let (code, json, _) = airlock(&["audit", "tail", "-n", "1", "--json"], Some(&path));
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(json.trim()).unwrap();
    assert_eq!(v["id"], 5);
    assert_eq!(v["record"]["detail"]["request_id"], "req-5");

    let (code, out, _) = airlock(&["audit", "show", "3"], Some(&path));
    assert_eq!(code, 0);
    assert!(out.contains("tool       Bash\n") && out.contains("rules      EXF001, CRD001\n"), "{out}");
    assert!(out.contains("\"request_id\": \"req-3\""), "{out}");
    let (code, json, _) = airlock(&["audit", "show", "3", "--json"], Some(&path));
    assert_eq!(code, 0);
    assert_eq!(serde_json::from_str::<serde_json::Value>(&json).unwrap()["record"]["tool"], "Bash");
    let (code, _, err) = airlock(&["audit", "show", "99"], Some(&path));
    assert_eq!(code, 3);
    assert!(err.contains("no entry 99"), "{err}");

    let (code, out, _) = airlock(&["audit", "verify"], Some(&path));
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("intact: 5 rows"), "{out}");

    // Tamper: turn the denied call into an allowed one, then delete the last row.
    let store = AuditStore::open(&path).unwrap();
    store
        .connection()
        .execute_batch("UPDATE audit SET decision = 'allow', rules = '[]' WHERE id = 3")
        .unwrap();
    drop(store);
    let (code, out, _) = airlock(&["audit", "verify"], Some(&path));
    assert_eq!(code, 2, "{out}");
    assert!(out.starts_with("TAMPERED: 1 problem") && out.contains("first bad id 3"), "{out}");
    assert!(out.contains("  id 3: row 3's contents do not match its hash"), "{out}");

    AuditStore::open(&path)
        .unwrap()
        .connection()
        .execute_batch("DELETE FROM audit WHERE id = 5")
        .unwrap();
    let (code, json, _) = airlock(&["audit", "verify", "--json"], Some(&path));
    assert_eq!(code, 2);
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let ids: Vec<i64> = report["problems"].as_array().unwrap().iter().map(|p| p["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, vec![3, 5]);
}

#[test]
fn missing_database_is_an_error_naming_it_and_is_not_created() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nowhere/audit.db");
    for sub in [&["tail"][..], &["show", "1"], &["verify"]] {
        let mut args = vec!["audit", "--db", path.to_str().unwrap()];
        args.extend_from_slice(sub);
        let (code, out, err) = airlock(&args, None);
        assert_eq!(code, 3, "{sub:?}: {out}");
        assert!(err.contains("no audit database at") && err.contains(path.to_str().unwrap()), "{err}");
    }
    assert!(!path.exists() && !path.parent().unwrap().exists());

    // A file that is not a database is an error naming it too.
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, "not sqlite at all, just text that is long enough to have a header").unwrap();
    let (code, _, err) = airlock(&["audit", "--db", junk.to_str().unwrap(), "verify"], None);
    assert_eq!(code, 3);
    assert!(err.contains(junk.to_str().unwrap()), "{err}");
}
