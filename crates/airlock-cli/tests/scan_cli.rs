//! `airlock scan` as a person or a CI job runs it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use serde_json::Value;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

const SEED: &str = "import jwt\n\ndef verify(token):\n    return jwt.decode(token, PUBLIC_KEY, algorithms=[\"RS256\", \"HS256\"])\n";
const TWIN: &str = "import jwt\n\ndef verify(token):\n    return jwt.decode(token, PUBLIC_KEY, algorithms=[\"RS256\"])\n";

fn scan(dir: &Path, args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_airlock"))
        .arg("scan")
        .args(args)
        .current_dir(dir)
        .env("HOME", dir)
        .env("AIRLOCK_MANAGED_CONFIG", dir.join("no-managed.toml"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The scan may exit before reading (a bad --lang): a broken pipe here is not the test's failure.
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn codes(json: &str) -> Vec<String> {
    let v: Value = serde_json::from_str(json).unwrap();
    v["findings"].as_array().unwrap().iter().map(|f| format!("{}:{}:{}", f["path"].as_str().unwrap(), f["line"], f["code"].as_str().unwrap())).collect()
}

#[test]
fn stdin_seed_twin_and_fail_levels() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, _) = scan(dir.path(), &["--stdin", "--lang", "python", "--stdin-name", "auth.py", "--format", "json"], SEED);
    assert_eq!(code, 2, "{out}");
    assert_eq!(codes(&out), ["auth.py:4:JWT001"]);
    let (code, out, _) = scan(dir.path(), &["--stdin", "--lang", "py"], TWIN);
    assert_eq!((code, out.as_str()), (0, "no findings (1 files scanned)\n"));
    // CRY003 is high: below a critical fail level it exits 1, at the default (high) 2.
    let weak = "reset_token = ''.join(random.choice(alphabet) for _ in range(32))\n";
    assert_eq!(scan(dir.path(), &["--stdin", "--lang", "python", "--fail-level", "critical"], weak).0, 1);
    assert_eq!(scan(dir.path(), &["--stdin", "--lang", "python"], weak).0, 2);
    let (code, _, err) = scan(dir.path(), &["--stdin", "--lang", "cobol"], weak);
    assert_eq!(code, 3);
    assert!(err.contains("unknown language"), "{err}");
}

#[test]
fn directory_walk_text_output() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::create_dir_all(p.join("src")).unwrap();
    std::fs::create_dir_all(p.join(".cache")).unwrap();
    std::fs::create_dir_all(p.join(".github/workflows")).unwrap();
    std::fs::write(p.join("src/auth.py"), SEED).unwrap();
    std::fs::write(p.join("src/ok.py"), TWIN).unwrap();
    std::fs::write(p.join(".cache/hidden.py"), SEED).unwrap();
    std::fs::write(p.join("src/logo.png"), [0u8, 159, 146, 150]).unwrap();
    std::fs::write(
        p.join(".github/workflows/ci.yml"),
        "on: issue_comment\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo \"${{ github.event.comment.body }}\"\n",
    )
    .unwrap();
    let (code, out, err) = scan(p, &[], "");
    assert_eq!(code, 2, "{out}{err}");
    insta::assert_snapshot!(out);
    let (code, _, err) = scan(p, &["does-not-exist"], "");
    assert_eq!(code, 3);
    assert!(err.contains("does-not-exist"), "{err}");
}

fn git(dir: &Path, args: &[&str]) -> bool {
    Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"])
        .args(args)
        .current_dir(dir)
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

#[test]
fn diff_judges_only_what_changed() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    if !git(p, &["init", "-q"]) {
        eprintln!("SKIP diff_judges_only_what_changed: git is not available");
        return;
    }
    // An old hole that the change does not touch, and a function the change weakens.
    let old = format!("{SEED}\n\ndef fetch(u):\n    return requests.get(u, timeout=5)\n");
    std::fs::write(p.join("app.py"), &old).unwrap();
    assert!(git(p, &["add", "."]) && git(p, &["commit", "-qm", "base"]));
    std::fs::write(p.join("app.py"), old.replace("timeout=5)", "timeout=5, verify=False)")).unwrap();
    std::fs::write(p.join("new.js"), "const jwt = require('jsonwebtoken');\njwt.verify(t, k, { algorithms: ['none'] });\n").unwrap();
    let (code, out, err) = scan(p, &["--diff", "HEAD", "--format", "json"], "");
    assert_eq!(code, 2, "{out}{err}");
    assert_eq!(codes(&out), ["app.py:8:TLS001", "new.js:2:JWT002"]);
    // Nothing changed since the new commit: clean.
    assert!(git(p, &["add", "."]) && git(p, &["commit", "-qm", "more"]));
    let (code, out, _) = scan(p, &["--diff", "HEAD"], "");
    assert_eq!((code, out.as_str()), (0, "no findings (0 files scanned)\n"));
    let (code, _, err) = scan(p, &["--diff", "no-such-rev"], "");
    assert_eq!(code, 3, "{err}");
}

#[test]
fn sarif_is_well_formed() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, _) = scan(dir.path(), &["--stdin", "--lang", "python", "--stdin-name", "src/auth.py", "--format", "sarif"], SEED);
    assert_eq!(code, 2);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let run = &v["runs"][0];
    assert_eq!(run["tool"]["driver"]["rules"][0]["id"], "JWT001");
    let r = &run["results"][0];
    assert_eq!(r["ruleId"], "JWT001");
    assert_eq!(r["level"], "error");
    assert_eq!(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "src/auth.py");
    assert_eq!(r["locations"][0]["physicalLocation"]["region"]["startLine"], 4);
}
