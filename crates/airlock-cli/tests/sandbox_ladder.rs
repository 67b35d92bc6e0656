//! The isolation ladder: where namespaces cannot be created (here: inside an outer `airlock run`,
//! whose seccomp filter refuses new namespaces), `airlock run` falls back to Landlock and seccomp
//! with a warning, still keeps files outside the workspace read-only and secrets out of reach, and
//! refuses outright when the policy requires full isolation or a network is asked for.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::Command;

const AIRLOCK: &str = env!("CARGO_BIN_EXE_airlock");

fn can_sandbox() -> bool {
    let ok = Command::new("unshare").args(["-Urnm", "true"]).output().map(|o| o.status.success()).unwrap_or(false);
    if !ok {
        eprintln!("SKIP: unprivileged user namespaces (`unshare -Urnm true` failed)");
    }
    ok
}

/// Run `inner_args` with the inner `airlock` inside an outer `airlock run`; the binary's directory
/// is made visible read-only through a user policy file.
fn nested(ws: &Path, home: &Path, inner_args: &[&str]) -> std::process::Output {
    let bin_dir = Path::new(AIRLOCK).parent().unwrap();
    let cfg = ws.parent().unwrap().join("outer.toml");
    std::fs::write(&cfg, format!("[sandbox]\nread_paths = [{:?}]\n", bin_dir.to_string_lossy())).unwrap();
    Command::new(AIRLOCK)
        .args(["run", "--workspace"])
        .arg(ws)
        .arg("--")
        .arg(AIRLOCK)
        .args(inner_args)
        .current_dir(ws)
        .env("HOME", home)
        .env("AIRLOCK_USER_CONFIG", &cfg)
        .env("AIRLOCK_MANAGED_CONFIG", "/nonexistent")
        .output()
        .unwrap()
}

fn fixture() -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    let t = tempfile::tempdir().unwrap();
    let base = std::fs::canonicalize(t.path()).unwrap();
    let ws = base.join("ws");
    let home = base.join("home");
    std::fs::create_dir_all(&ws).unwrap();
    std::fs::create_dir_all(home.join(".ssh")).unwrap();
    std::fs::write(home.join(".ssh/id_ed25519"), "LADDER-CANARY-KEY").unwrap();
    (t, ws, home)
}

#[test]
fn without_namespaces_it_falls_back_to_landlock_with_a_warning() {
    if !can_sandbox() {
        return;
    }
    let (_t, ws, home) = fixture();
    let script = "echo inner-ran; touch inside.txt; touch /etc/airlock-ladder 2>&1; cat $HOME/.ssh/id_ed25519 2>&1; exit 7";
    let out = nested(&ws, &home, &["run", "--", "sh", "-c", script]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(7), "{stdout}\n{stderr}");
    assert!(stdout.contains("inner-ran"), "{stdout}\n{stderr}");
    assert!(stderr.contains("Landlock and seccomp only"), "the fallback must say so:\n{stderr}");
    assert!(ws.join("inside.txt").exists(), "the workspace stays writable");
    assert!(!Path::new("/etc/airlock-ladder").exists());
    assert!(!stdout.contains("LADDER-CANARY-KEY") && !stderr.contains("LADDER-CANARY-KEY"), "{stdout}");
}

#[test]
fn a_network_or_a_full_isolation_policy_refuses_instead() {
    if !can_sandbox() {
        return;
    }
    let (_t, ws, home) = fixture();
    let out = nested(&ws, &home, &["run", "--allow-domain", "example.com", "--", "sh", "-c", "echo SHOULD-NOT-RUN"]);
    assert_eq!(out.status.code(), Some(125));
    assert!(!String::from_utf8_lossy(&out.stdout).contains("SHOULD-NOT-RUN"));
    std::fs::write(ws.join("airlock.toml"), "[sandbox]\nrequire_full = true\n").unwrap();
    let out = nested(&ws, &home, &["run", "--", "sh", "-c", "echo SHOULD-NOT-RUN"]);
    assert_eq!(out.status.code(), Some(125), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!String::from_utf8_lossy(&out.stdout).contains("SHOULD-NOT-RUN"));
    let doctor = nested(&ws, &home, &["doctor"]);
    assert_eq!(doctor.status.code(), Some(2), "{}", String::from_utf8_lossy(&doctor.stdout));
    assert!(String::from_utf8_lossy(&doctor.stdout).contains("REFUSES"));
}
