//! The README's main job: `airlock gateway` with nothing configured starts, refuses an untrusted model,
//! records it in the default audit store, and stops cleanly on SIGTERM with every row written.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};

#[test]
fn gateway_with_embedded_defaults() {
    let home = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_airlock"))
        .args(["gateway", "--listen", "127.0.0.1:0"])
        .current_dir(work.path())
        .env("HOME", home.path())
        .env_remove("XDG_DATA_HOME")
        .env_remove("XDG_CONFIG_HOME")
        .env_remove("AIRLOCK_AUDIT_DB")
        .env_remove("AIRLOCK_USER_CONFIG")
        .env("AIRLOCK_MANAGED_CONFIG", home.path().join("none.toml"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    let addr = first.trim().strip_prefix("airlock gateway listening on http://").unwrap_or_else(|| panic!("banner: {first}")).to_string();
    let mut banner = String::new();
    for _ in 0..20 {
        let mut l = String::new();
        if out.read_line(&mut l).unwrap() == 0 || l.starts_with("Stop with") {
            break;
        }
        banner.push_str(&l);
    }
    assert!(banner.contains(&format!("ANTHROPIC_BASE_URL=http://{addr}")), "{banner}");
    assert!(banner.contains("api.anthropic.com"));
    let db = home.path().join(".local/share/airlock/audit.db");
    assert!(banner.contains(&db.display().to_string()), "{banner}");

    // An untrusted model, over a raw socket: a 403 in the Anthropic error shape.
    let body = r#"{"model":"backdoor-7b","max_tokens":1,"messages":[]}"#;
    let mut s = std::net::TcpStream::connect(&addr).unwrap();
    write!(s, "POST /v1/messages HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}", body.len()).unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    assert!(resp.starts_with("HTTP/1.1 403"), "{resp}");
    assert!(resp.contains("permission_error") && resp.contains("backdoor-7b"));

    let pid = child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let status = child.wait().unwrap();
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    assert!(status.success(), "{err}");
    assert!(err.contains("1 audit rows written"), "{err}");
    let tail = Command::new(env!("CARGO_BIN_EXE_airlock")).args(["audit", "verify", "--db"]).arg(&db).output().unwrap();
    assert!(tail.status.success(), "{}", String::from_utf8_lossy(&tail.stderr));
}
