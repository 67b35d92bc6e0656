//! `airlock session` and `airlock run` through it, against the running kernel: a command run in a
//! warm session is confined like a fresh `airlock run` (the same probe script gives the same
//! answers both ways), a session refuses another plan and another uid, a killed session leads to
//! a fresh sandbox (never to none), and exit statuses and signals keep `airlock run`'s conventions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const AIRLOCK: &str = env!("CARGO_BIN_EXE_airlock");

/// Sessions need full isolation: asked of `airlock doctor`, a visible skip otherwise.
fn can_sandbox() -> bool {
    let out = Command::new(AIRLOCK).args(["doctor", "--json"]).env("AIRLOCK_MANAGED_CONFIG", "/nonexistent").output().unwrap();
    let full = String::from_utf8_lossy(&out.stdout).contains(r#""level":"Full""#);
    if !full {
        eprintln!("SKIP: sessions need full isolation (namespaces); `airlock doctor`: {}", String::from_utf8_lossy(&out.stdout));
    }
    full
}

struct Fx {
    _t: tempfile::TempDir,
    base: PathBuf,
    ws: PathBuf,
    home: PathBuf,
    sessions: PathBuf,
}

impl Fx {
    /// A fixture, or `None` (with the SKIP line printed) when this machine cannot sandbox fully.
    fn if_sandboxable() -> Option<Fx> {
        can_sandbox().then(Fx::new)
    }

    fn new() -> Fx {
        let t = tempfile::tempdir().unwrap();
        let base = std::fs::canonicalize(t.path()).unwrap();
        let (ws, home, sessions) = (base.join("ws"), base.join("home"), base.join("sessions"));
        std::fs::create_dir_all(ws.join(".git/hooks")).unwrap();
        std::fs::create_dir_all(home.join(".ssh")).unwrap();
        std::fs::write(home.join(".ssh/id_ed25519"), "SESSION-CANARY-KEY").unwrap();
        std::fs::create_dir_all(&sessions).unwrap();
        std::fs::set_permissions(&sessions, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
        Fx { _t: t, base, ws, home, sessions }
    }

    fn cmd(&self, ws: &Path) -> Command {
        let mut c = Command::new(AIRLOCK);
        c.current_dir(ws)
            .env("HOME", &self.home)
            .env("AIRLOCK_SESSION_DIR", &self.sessions)
            .env("AIRLOCK_MANAGED_CONFIG", "/nonexistent")
            .env("AIRLOCK_USER_CONFIG", "/nonexistent")
            .env("GITHUB_TOKEN", "ghp_SESSIONCANARY0123456789abcdefABCDEF0123")
            .stdin(Stdio::null());
        c
    }

    /// `airlock session serve` for `ws`, once it accepts commands; returns it and its socket.
    fn serve(&self, ws: &Path) -> (Served, PathBuf) {
        let mut child = self.cmd(ws).args(["session", "serve", "--workspace"]).arg(ws).stdout(Stdio::piped()).spawn().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let sock = PathBuf::from(line.strip_prefix("ready ").unwrap_or_else(|| panic!("no ready line: {line:?}")).trim());
        (Served(child), sock)
    }

    fn run(&self, ws: &Path, session: &str, script: &str) -> Output {
        self.cmd(ws).args(["run", "--session", session, "--workspace"]).arg(ws).args(["--", "sh", "-c", script]).output().unwrap()
    }
}

fn text(o: &Output) -> (String, String) {
    (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

fn signal(pid: u32, sig: &str) {
    let ok = Command::new("kill").args([sig, &pid.to_string()]).status().unwrap().success();
    assert!(ok, "kill {sig} {pid}");
}

/// A session the test started: stopped when dropped, also when an assertion fails first.
struct Served(Child);

impl Drop for Served {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            signal(self.0.id(), "-TERM");
            let _ = self.0.wait();
        }
    }
}

fn stop(served: Served) {
    drop(served);
}

#[test]
fn a_session_command_is_confined_like_a_fresh_run() {
    let Some(fx) = Fx::if_sandboxable() else { return };
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let outside = fx.base.join("outside.txt");
    let probe = format!(
        "cat ~/.ssh/id_ed25519 >/dev/null 2>&1 && echo ssh:read || echo ssh:denied
         (echo x > {outside}) 2>/dev/null && echo outside:written || echo outside:denied
         (echo x > .git/hooks/pre-commit) 2>/dev/null && echo hook:written || echo hook:denied
         echo ok > in-workspace.txt && echo workspace:written
         (exec 3<>/dev/tcp/127.0.0.1/{port}) 2>/dev/null && echo net:connected || echo net:denied
         grep -q '^Seccomp:[[:space:]]*2' /proc/self/status && echo seccomp:on || echo seccomp:off
         unshare -U true 2>/dev/null && echo userns:made || echo userns:denied
         grep -q '^CapBnd:[[:space:]]*0000000000000000' /proc/self/status && echo capbnd:empty || echo capbnd:set
         env | grep -q SESSIONCANARY && echo env:leaked || echo env:scrubbed
         (echo x > /etc/airlock-session-probe) 2>/dev/null && echo etc:written || echo etc:denied
         ls /tmp | wc -l | sed 's/^/tmp:/'; echo x > /tmp/left-behind",
        outside = outside.display()
    );
    let fresh = fx.run(&fx.ws, "never", &probe);
    let (child, _sock) = fx.serve(&fx.ws);
    let first = fx.run(&fx.ws, "require", &probe);
    let second = fx.run(&fx.ws, "require", &probe);
    stop(child);
    // `outside.txt` is under /tmp on the host: inside, that path lands in the sandbox's own /tmp.
    let want = "ssh:denied\noutside:written\nhook:denied\nworkspace:written\nnet:denied\nseccomp:on\nuserns:denied\ncapbnd:empty\nenv:scrubbed\netc:denied\ntmp:0\n";
    for (name, o) in [("fresh", &fresh), ("session 1", &first), ("session 2", &second)] {
        let (out, err) = text(o);
        assert_eq!(o.status.code(), Some(0), "{name}: {out}{err}");
        assert_eq!(out, want, "{name}: {err}");
        assert!(!err.contains("SESSION-CANARY"), "{name}: {err}");
    }
    assert!(!outside.exists(), "a write outside the workspace reached the host");
    assert!(!Path::new("/etc/airlock-session-probe").exists());
    drop(listener);
}

#[test]
fn exit_statuses_and_signals_keep_run_conventions() {
    let Some(fx) = Fx::if_sandboxable() else { return };
    let (child, _sock) = fx.serve(&fx.ws);
    assert_eq!(fx.run(&fx.ws, "require", "exit 7").status.code(), Some(7));
    assert_eq!(fx.run(&fx.ws, "require", "kill -TERM $$").status.code(), Some(143));
    let o = fx.cmd(&fx.ws).args(["run", "--session", "require", "--", "no-such-program-xyz"]).output().unwrap();
    assert_eq!(o.status.code(), Some(127), "{:?}", text(&o));
    assert!(text(&o).1.contains("no-such-program-xyz"), "{:?}", text(&o));
    let o = fx.run(&fx.ws, "require", "echo to-stdout; echo to-stderr >&2; read line; echo got:$line");
    assert_eq!(text(&o), ("to-stdout\ngot:\n".to_string(), "to-stderr\n".to_string()));
    // A signal sent to the client reaches the command.
    let mut c = fx.cmd(&fx.ws).args(["run", "--session", "require", "--", "sleep", "30"]).spawn().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let t = Instant::now();
    signal(c.id(), "-INT");
    let status = c.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert!(t.elapsed() < Duration::from_secs(5));
    stop(child);
}

#[test]
fn a_killed_session_leads_to_a_fresh_sandbox_not_none() {
    let Some(fx) = Fx::if_sandboxable() else { return };
    let (mut child, sock) = fx.serve(&fx.ws);
    assert_eq!(fx.run(&fx.ws, "require", "true").status.code(), Some(0));
    child.0.kill().unwrap();
    child.0.wait().unwrap();
    assert!(sock.exists(), "the killed session left its socket behind, as a crash would");
    let o = fx.run(&fx.ws, "require", "true");
    assert_eq!(o.status.code(), Some(125), "{:?}", text(&o));
    let o = fx.run(&fx.ws, "auto", "cat ~/.ssh/id_ed25519 2>&1; grep '^Seccomp:' /proc/self/status; cat /proc/1/comm");
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{err}");
    // PID 1 of its namespace is airlock's init: a fresh sandbox, not the host.
    assert!(!out.contains("SESSION-CANARY") && out.contains("Seccomp:\t2") && out.contains("airlock"), "{out}{err}");
    // A new session replaces the stale socket.
    let (child, sock2) = fx.serve(&fx.ws);
    assert_eq!(sock2, sock);
    assert_eq!(fx.run(&fx.ws, "require", "true").status.code(), Some(0));
    stop(child);
}

/// A raw client (python): sends `key` as the plan, the three standard descriptors, `true`.
fn raw_client(sock: &Path, key: &str, as_nobody: bool) -> Output {
    let script = r#"
import socket, struct, sys, os
def item(b): return struct.pack('<I', len(b)) + b
body = item(b'run') + item(sys.argv[2].encode()) + item(b'/') + item(b'1') + item(b'true') + item(b'0')
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
try:
    socket.send_fds(s, [b'ALSESS01' + struct.pack('<I', len(body))], [0, 1, 2])
    s.sendall(body)
except OSError as e:  # a server that refused at once has closed its end
    print(e)
print(s.recv(4096))
"#;
    let mut c = if as_nobody {
        let mut c = Command::new("setpriv");
        c.args(["--reuid", "65534", "--regid", "65534", "--clear-groups", "/usr/bin/python3"]);
        c
    } else {
        Command::new("python3")
    };
    c.args(["-c", script]).arg(sock).arg(key).stdin(Stdio::null()).output().unwrap()
}

#[test]
fn a_session_refuses_another_plan_and_another_uid() {
    let Some(fx) = Fx::if_sandboxable() else { return };
    let other = fx.base.join("other-ws");
    std::fs::create_dir_all(&other).unwrap();
    let (child, sock) = fx.serve(&fx.ws);
    // Another plan: the socket of the other workspace's session is this session's.
    let (probe_child, other_sock) = fx.serve(&other);
    stop(probe_child);
    let _ = std::fs::remove_file(&other_sock);
    std::fs::hard_link(&sock, &other_sock).unwrap();
    let o = fx.run(&other, "require", "true");
    assert_eq!(o.status.code(), Some(125), "{:?}", text(&o));
    assert!(text(&o).1.contains("differs"), "{:?}", text(&o));
    let o = fx.run(&other, "auto", "echo fresh > made.txt");
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    assert!(text(&o).1.contains("differs"), "{:?}", text(&o));
    assert_eq!(std::fs::read_to_string(other.join("made.txt")).unwrap(), "fresh\n");
    // A raw client with a wrong key.
    let o = raw_client(&sock, "not the plan", false);
    assert!(String::from_utf8_lossy(&o.stdout).contains("differs"), "{:?}", text(&o));
    // Another uid, with the directory and socket opened up so that only the server's check stands.
    let root = std::os::unix::fs::MetadataExt::uid(&std::fs::metadata("/proc/self").unwrap()) == 0;
    if root && Path::new("/usr/bin/python3").exists() && Command::new("setpriv").arg("--help").output().is_ok() {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&fx.sessions, std::fs::Permissions::from_mode(0o711)).unwrap();
        std::fs::set_permissions(&fx.base, std::fs::Permissions::from_mode(0o711)).unwrap();
        std::fs::set_permissions(&sock, std::fs::Permissions::from_mode(0o777)).unwrap();
        let o = raw_client(&sock, "whatever", true);
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(out.contains("may not use this session"), "{:?}", text(&o));
    } else {
        eprintln!("SKIP: foreign uid check (needs root and setpriv to act as another uid)");
    }
    stop(child);
}

#[test]
fn commands_of_a_session_share_neither_tmp_nor_processes() {
    let Some(fx) = Fx::if_sandboxable() else { return };
    let (child, _sock) = fx.serve(&fx.ws);
    let o = fx.run(&fx.ws, "require", "echo x > /tmp/mark; (sleep 60 &); echo started");
    assert_eq!(text(&o).0, "started\n");
    let o = fx.run(&fx.ws, "require", "ls /tmp; ls /proc | grep -c '^[0-9]'");
    let (out, err) = text(&o);
    assert!(!out.contains("mark"), "{out}{err}");
    // Its PID 1 (the standby that ran it), sh, ls and grep: nothing of the first command.
    assert!(out.trim().parse::<u32>().unwrap() <= 4, "{out}");
    stop(child);
}
