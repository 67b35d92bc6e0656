//! The fixture every attempt runs in (a temporary `HOME` with canaries, a git workspace, a
//! directory outside it), the output of one `airlock run`, and the host-side process and listener
//! helpers the tests share.

use std::collections::BTreeMap;
use std::fs;
use std::io::{ErrorKind, Read, Write};
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::{AIRLOCK, PY, RAN, TIMEOUT};

pub(crate) fn unique(prefix: &str) -> String {
    static SEQ: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let seq = SEQ.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}{:x}{:x}{seq:x}", std::process::id(), nanos & 0xffff_ffff_ffff)
}

/// `len` characters of [A-Za-z0-9] that differ between calls (a fake token's body).
fn token_chars(len: usize) -> String {
    const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut seed = u64::from_str_radix(unique("").get(..16).unwrap_or("1"), 16).unwrap_or(1) | 1;
    (0..len)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            ALNUM[(seed % ALNUM.len() as u64) as usize] as char
        })
        .collect()
}

pub(crate) fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(["-c", "user.name=Host", "-c", "user.email=host@example.com", "-c", "init.defaultBranch=main"])
        .args(args)
        .current_dir(dir)
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Every file and directory under `dir`, with its contents: a host-side snapshot to compare.
pub(crate) fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut map = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let p = e.path();
            let ft = e.file_type().unwrap();
            if ft.is_dir() {
                map.insert(p.clone(), b"<dir>".to_vec());
                stack.push(p);
            } else if ft.is_file() {
                map.insert(p.clone(), fs::read(&p).unwrap_or_default());
            } else {
                map.insert(p.clone(), b"<other>".to_vec());
            }
        }
    }
    map
}

pub(crate) struct Fx {
    _root: tempfile::TempDir,
    pub(crate) root: PathBuf,
    pub(crate) home: PathBuf,
    pub(crate) ws: PathBuf,
    /// A directory on the host outside the workspace, with `existing.txt` in it.
    pub(crate) outside: PathBuf,
    pub(crate) ssh_marker: String,
    pub(crate) aws_marker: String,
    pub(crate) env_marker: String,
    pub(crate) github_token: String,
}

pub(crate) struct Out {
    pub(crate) code: Option<i32>,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl std::fmt::Display for Out {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exit {:?}\n--- stdout\n{}\n--- stderr\n{}", self.code, self.stdout, self.stderr)
    }
}

impl Fx {
    pub(crate) fn new() -> Fx {
        let tmp = tempfile::Builder::new().prefix("airlock-escape-").tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap();
        let home = root.join("home");
        let ws = root.join("ws");
        let outside = root.join("outside");
        let ssh_marker = unique("SSHCANARY");
        let aws_marker = unique("AWSCANARY");
        let env_marker = unique("ENVCANARY");
        let github_token = format!("ghp_{}", token_chars(36));

        fs::create_dir_all(home.join(".ssh")).unwrap();
        fs::write(
            home.join(".ssh/id_ed25519"),
            format!(
                "-----BEGIN OPENSSH PRIVATE KEY-----\n\
                 b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n\
                 {ssh_marker}\n\
                 QyNTUxOQAAACBZ0f3qkq9XH0vx1c0Qm9bkz3zq5l2b8mQ0Q9sUo7lKcAAAAJgAAAAAAAAAAA\n\
                 -----END OPENSSH PRIVATE KEY-----\n"
            ),
        )
        .unwrap();
        fs::set_permissions(home.join(".ssh/id_ed25519"), fs::Permissions::from_mode(0o600)).unwrap();
        fs::write(home.join(".ssh/config"), format!("Host prod\n  # {ssh_marker}\n")).unwrap();
        fs::create_dir_all(home.join(".aws")).unwrap();
        fs::write(
            home.join(".aws/credentials"),
            format!("[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = {aws_marker}\n"),
        )
        .unwrap();
        fs::write(home.join(".bashrc"), "# host bashrc\nexport PS1='$ '\n").unwrap();
        // Allowlisted toolchain entries, so that the synthetic home has read-only mounts to attack.
        fs::create_dir_all(home.join(".cargo")).unwrap();
        fs::write(home.join(".cargo/config.toml"), "[net]\noffline = true\n").unwrap();
        fs::write(home.join(".gitconfig"), "[user]\n\tname = Sandboxed\n\temail = sandboxed@example.com\n").unwrap();

        fs::create_dir_all(&outside).unwrap();
        fs::write(outside.join("existing.txt"), "host data\n").unwrap();

        fs::create_dir_all(&ws).unwrap();
        git(&ws, &["init", "-q"]);
        fs::write(ws.join("README.md"), "# fixture\n").unwrap();
        git(&ws, &["add", "README.md"]);
        git(&ws, &["commit", "-q", "-m", "initial"]);

        Fx { _root: tmp, root, home, ws, outside, ssh_marker, aws_marker, env_marker, github_token }
    }

    pub(crate) fn command(&self, extra: &[&str], argv: &[&str]) -> Command {
        let mut c = Command::new(AIRLOCK);
        c.arg("run")
            .arg("--workspace")
            .arg(&self.ws)
            .args(extra)
            .arg("--")
            .args(argv)
            .current_dir(&self.ws)
            .env("HOME", &self.home)
            .env("CANARY_SECRET_TOKEN", &self.env_marker)
            .env("GITHUB_TOKEN", &self.github_token)
            .env("AIRLOCK_MANAGED_CONFIG", self.root.join("no-managed.toml"))
            .env("AIRLOCK_USER_CONFIG", self.root.join("no-user.toml"))
            .env_remove("CARGO_TARGET_DIR")
            .env_remove("XDG_CONFIG_HOME")
            .stdin(Stdio::null());
        c
    }

    pub(crate) fn run(&self, extra: &[&str], argv: &[&str]) -> Out {
        run_with_timeout(self.command(extra, argv), None, TIMEOUT)
    }

    /// `sh -c SCRIPT` inside, printing [`RAN`] first.
    pub(crate) fn sh(&self, extra: &[&str], script: &str) -> Out {
        self.run(extra, &["sh", "-c", &format!("echo {RAN}; {script}")])
    }

    /// `python3 -c CODE` inside, printing [`RAN`] first.
    pub(crate) fn py(&self, extra: &[&str], code: &str) -> Out {
        self.run(extra, &[PY, "-c", &format!("print({RAN:?}, flush=True)\n{code}")])
    }

    /// Writes a helper script into the workspace (host side) and returns its path.
    pub(crate) fn script(&self, name: &str, text: &str) -> String {
        let p = self.ws.join(name);
        fs::write(&p, text).unwrap();
        p.display().to_string()
    }

    /// No canary reached the command's output.
    pub(crate) fn assert_no_leak(&self, out: &Out) {
        for (what, m) in [
            ("ssh key", &self.ssh_marker),
            ("aws credentials", &self.aws_marker),
            ("CANARY_SECRET_TOKEN", &self.env_marker),
            ("GITHUB_TOKEN", &self.github_token),
        ] {
            assert!(!out.stdout.contains(m.as_str()) && !out.stderr.contains(m.as_str()), "{what} leaked:\n{out}");
        }
    }

    /// The attempt ran inside a working sandbox (not a setup failure) and leaked nothing.
    pub(crate) fn assert_ran_clean(&self, out: &Out) {
        assert_ne!(out.code, Some(125), "the sandbox could not be set up:\n{out}");
        assert!(out.stdout.contains(RAN), "the command did not run:\n{out}");
        self.assert_no_leak(out);
    }
}

pub(crate) fn run_with_timeout(mut cmd: Command, stdin: Option<Vec<u8>>, timeout: Duration) -> Out {
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    if stdin.is_some() {
        cmd.stdin(Stdio::piped());
    }
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("spawn {AIRLOCK}: {e}"));
    if let Some(input) = stdin {
        let mut w = child.stdin.take().unwrap();
        thread::spawn(move || {
            let _ = w.write_all(&input);
        });
    }
    let (so, se) = (reader(child.stdout.take().unwrap()), reader(child.stderr.take().unwrap()));
    let code = wait_until(&mut child, timeout);
    let (stdout, stderr) = (so.join().unwrap(), se.join().unwrap());
    match code {
        Some(status) => Out { code: status.code().or_else(|| signal_of(&status).map(|s| 128 + s)), stdout, stderr },
        None => panic!("`airlock run` did not finish within {timeout:?}\n--- stdout\n{stdout}\n--- stderr\n{stderr}"),
    }
}

pub(crate) fn signal_of(status: &std::process::ExitStatus) -> Option<i32> {
    std::os::unix::process::ExitStatusExt::signal(status)
}

pub(crate) fn reader<R: Read + Send + 'static>(mut r: R) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = r.read_to_end(&mut buf);
        String::from_utf8_lossy(&buf).into_owned()
    })
}

/// The child's status, or `None` (after killing it) if it runs past `timeout`.
pub(crate) fn wait_until(child: &mut Child, timeout: Duration) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return Some(s);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        thread::sleep(Duration::from_millis(5));
    }
}

/// A host process that lives for the test, with the given extra environment.
pub(crate) struct HostProcess(Child);

impl HostProcess {
    pub(crate) fn sleeper(arg: &str, env: &[(&str, &str)]) -> HostProcess {
        let mut c = Command::new("sleep");
        c.arg(arg).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
        for (k, v) in env {
            c.env(k, v);
        }
        HostProcess(c.spawn().unwrap())
    }
    pub(crate) fn pid(&self) -> u32 {
        self.0.id()
    }
    pub(crate) fn alive(&mut self) -> bool {
        self.0.try_wait().unwrap().is_none()
    }
    pub(crate) fn status_field(&self, field: &str) -> String {
        let s = fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap_or_default();
        s.lines().find_map(|l| l.strip_prefix(field)).map(|v| v.trim().to_string()).unwrap_or_default()
    }
}

impl Drop for HostProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// No connection is waiting on a listener the sandbox tried to reach.
pub(crate) fn assert_accepts_nothing(l: &TcpListener, what: &str) {
    l.set_nonblocking(true).unwrap();
    match l.accept() {
        Err(e) if e.kind() == ErrorKind::WouldBlock => {}
        Ok((_, peer)) => panic!("{what} accepted a connection from {peer}"),
        Err(e) => panic!("{what}: accept: {e}"),
    }
}

pub(crate) fn assert_unix_accepts_nothing(l: &UnixListener, what: &str) {
    l.set_nonblocking(true).unwrap();
    match l.accept() {
        Err(e) if e.kind() == ErrorKind::WouldBlock => {}
        Ok(_) => panic!("{what} accepted a connection from inside the sandbox"),
        Err(e) => panic!("{what}: accept: {e}"),
    }
}

/// Python that tries to connect to each `(label, family, address)` and prints `label: connected`
/// or `label: refused <errno>`.
pub(crate) fn py_connect(targets: &[(String, &str, String)]) -> String {
    let mut code = String::from("import socket\n");
    for (label, family, addr) in targets {
        code.push_str(&format!(
            "try:\n    s = socket.socket(socket.{family}, socket.SOCK_STREAM)\n    s.settimeout(3)\n    s.connect({addr})\n    print({:?}, flush=True)\nexcept OSError as e:\n    print({:?}, e.errno, e, flush=True)\n",
            format!("{label}: connected"),
            format!("{label}: refused")
        ));
    }
    code
}
