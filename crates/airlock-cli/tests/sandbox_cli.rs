//! `airlock shell` and `airlock doctor` from the command line.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::process::Command;

const AIRLOCK: &str = env!("CARGO_BIN_EXE_airlock");

fn can_sandbox() -> bool {
    let ok = Command::new("unshare").args(["-Urnm", "true"]).output().map(|o| o.status.success()).unwrap_or(false);
    if !ok {
        eprintln!("SKIP: unprivileged user namespaces (`unshare -Urnm true` failed)");
    }
    ok
}

#[test]
fn shell_runs_a_command_string_like_bash_inside_the_sandbox() {
    if !can_sandbox() {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let base = std::fs::canonicalize(t.path()).unwrap();
    let (ws, home) = (base.join("ws"), base.join("home"));
    std::fs::create_dir_all(&ws).unwrap();
    std::fs::create_dir_all(home.join(".ssh")).unwrap();
    std::fs::write(home.join(".ssh/id_rsa"), "SHELL-CANARY").unwrap();
    let out = Command::new(AIRLOCK)
        .args(["shell", "-c", "echo \"$0 $1\"; cat ~/.ssh/id_rsa; echo made > here.txt; exit 3", "name", "arg"])
        .current_dir(&ws)
        .env("HOME", &home)
        .env("AIRLOCK_MANAGED_CONFIG", "/nonexistent")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stdout}{stderr}");
    assert!(stdout.starts_with("name arg\n"), "{stdout}");
    assert!(!stdout.contains("SHELL-CANARY") && !stderr.contains("SHELL-CANARY"));
    assert_eq!(std::fs::read_to_string(ws.join("here.txt")).unwrap(), "made\n");
}

#[test]
fn doctor_reports_the_isolation_level() {
    let out = Command::new(AIRLOCK).args(["doctor", "--json"]).env("AIRLOCK_MANAGED_CONFIG", "/nonexistent").output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let level = v["level"].as_str().unwrap();
    assert!(["Full", "LandlockOnly", "refuse"].contains(&level), "{v}");
    assert_eq!(out.status.success(), level != "refuse", "{v}");
    if can_sandbox() {
        assert_eq!(level, "Full", "{v}");
        assert!(v["landlock_abi"].as_u64().unwrap() >= 1);
    }
}
