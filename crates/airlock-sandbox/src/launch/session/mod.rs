//! A warm session: the user and network namespaces made once, each command forked from a
//! standby process that has its own mount, PID and IPC namespaces and its file view and
//! Landlock ruleset built before the request arrives.
//!
//! Processes: the session launcher (outside; holds the socket's name, passes signals on), the
//! session init (PID 1 of the session's PID namespace, in the user and network namespaces;
//! keeps one standby ready), standbys (PID 1 of a PID namespace of their own, with a fresh view;
//! one accepts one request) and the command (Landlock, capabilities, seccomp, `execve`, as in a
//! fresh run).
//!
//! A client (`airlock run`) finds the session by a key naming everything the sandbox's plan is
//! made from (the workspace, home, rules, this binary); the server compares the whole key
//! before running anything, and checks the peer's uid. Anything unexpected before the server's
//! `A` and the client runs a fresh sandbox instead; nothing runs outside a sandbox.

pub mod client;
pub(super) mod server;
mod wire;

use super::{create_mount_points, spawn_init, sys, waited_signals, wait_forwarding, Cleanup, Prepared, Spawned};
use crate::plan;
use crate::spec::SandboxSpec;
use crate::SandboxError;
use nix::sys::signal::SigmaskHow;
use std::hash::{Hash, Hasher};
use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What the session init needs beyond the [`Prepared`] view.
pub struct Inside {
    listener: UnixListener,
    key: Vec<u8>,
    env_names: Vec<String>,
    idle: Duration,
}

/// Everything the sandbox of `spec` is built from, as bytes: two specs with the same key get the
/// same view, rules and environment policy. The argv, cwd and environment values are not part
/// of it (they are the request's).
pub fn key(spec: &SandboxSpec) -> Result<Vec<u8>, SandboxError> {
    let exe = std::env::current_exe().and_then(std::fs::metadata).map_err(|e| SandboxError::sys("session: this program", e))?;
    let workspace = std::fs::canonicalize(&spec.workspace).map_err(|e| SandboxError::Path { path: spec.workspace.clone(), source: e })?;
    let k = format!(
        "airlock-session v1\nexe {}:{}:{}.{}:{}\nuid {}\nworkspace {:?}\nhome {:?}\nrules {:?}\nrequire_full {}\n",
        exe.dev(),
        exe.ino(),
        exe.mtime(),
        exe.mtime_nsec(),
        exe.size(),
        nix::unistd::geteuid(),
        workspace,
        spec.home,
        spec.rules,
        spec.require_full
    );
    Ok(k.into_bytes())
}

/// The socket of the session for `key`, in an owner-only directory: `$XDG_RUNTIME_DIR/airlock`
/// or `/tmp/airlock-UID`. With `create`, the directory is made if missing (else a missing one
/// is `Ok(None)`: no session); it is refused unless it is ours and closed to others
/// (`AIRLOCK_SESSION_DIR` overrides the place, for tests).
pub fn socket_path(key: &[u8], create: bool) -> Result<Option<PathBuf>, SandboxError> {
    let uid = nix::unistd::geteuid().as_raw();
    let dir = match std::env::var_os("AIRLOCK_SESSION_DIR") {
        Some(d) => PathBuf::from(d),
        None => match std::env::var_os("XDG_RUNTIME_DIR").map(PathBuf::from).filter(|p| p.is_absolute() && p.is_dir()) {
            Some(run) => run.join("airlock"),
            None => PathBuf::from(format!("/tmp/airlock-{uid}")),
        },
    };
    if create {
        match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(SandboxError::Path { path: dir, source: e }),
        }
    }
    let m = match std::fs::symlink_metadata(&dir) {
        Ok(m) => m,
        Err(e) if !create && e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(SandboxError::Path { path: dir, source: e }),
    };
    if !m.is_dir() || m.uid() != uid || m.mode() & 0o077 != 0 {
        return Err(SandboxError::Invalid(format!("session directory {} must be a directory of uid {uid} with mode 0700", dir.display())));
    }
    let mut h = std::collections::hash_map::DefaultHasher::new();
    key.hash(&mut h);
    Ok(Some(dir.join(format!("{:016x}.sock", h.finish()))))
}

/// Whether `spec` can run in a session at all: sessions hold no egress proxy yet, so a run with
/// allowed domains or port forwards always gets a fresh sandbox.
pub fn supported(spec: &SandboxSpec) -> bool {
    spec.rules.allow_domains.is_empty() && spec.rules.port_forwards.is_empty()
}

/// Serve a session for `spec` (its argv is ignored) until it is stopped, idle for `idle` with
/// no command running, or killed. `ready` is called with the socket's path once clients can
/// connect. Returns 0 after a stop or idle end.
///
/// Must be called from a single-threaded process.
pub fn serve(spec: &SandboxSpec, idle: Duration, ready: &mut dyn FnMut(&Path)) -> Result<i32, SandboxError> {
    if !supported(spec) {
        return Err(SandboxError::Unsupported("a session cannot allow domains or port forwards yet; `airlock run` gives such commands a fresh sandbox".into()));
    }
    sys::assert_single_threaded()?;
    let key = key(spec)?;
    let path = socket_path(&key, true)?.ok_or_else(|| SandboxError::Invalid("no session directory".into()))?;
    if path.symlink_metadata().is_ok() {
        if UnixStream::connect(&path).is_ok() {
            return Err(SandboxError::Invalid(format!("a session for this workspace and policy already runs ({})", path.display())));
        }
        std::fs::remove_file(&path).map_err(|e| SandboxError::Path { path: path.clone(), source: e })?;
    }
    let plan = plan::build(spec, None, false)?;
    for n in &plan.notes {
        eprintln!("airlock: note: {n}");
    }
    let signals = waited_signals();
    let mut prep = Prepared::new(spec, plan, Vec::new(), false, signals);
    create_mount_points(&prep.plan)?;
    let _cleanup = Cleanup { dirs: prep.plan.created.clone(), runtime: None };
    let listener = UnixListener::bind(&path).map_err(|e| SandboxError::Path { path: path.clone(), source: e })?;
    let _socket = RemoveOnDrop(path.clone());
    let inside = Inside { listener, key, env_names: spec.rules.env.clone(), idle };
    nix::sys::signal::sigprocmask(SigmaskHow::SIG_BLOCK, Some(&signals), None).map_err(|e| SandboxError::sys("sigprocmask", e))?;
    let (pid, status) = match spawn_init(&mut prep, Some(inside), &mut None::<()>)? {
        Spawned::Init { pid, status } => (pid, status),
        Spawned::NoNamespaces(e) => {
            return Err(SandboxError::Unsupported(format!("a session needs namespaces ({e}); `airlock doctor` explains")));
        }
    };
    ready(&path);
    wait_forwarding(pid, &signals, Some(status))
}

/// Stop the session for `spec`, if one runs. Returns whether one did.
pub fn stop(spec: &SandboxSpec) -> Result<bool, SandboxError> {
    let key = key(spec)?;
    let Some(path) = socket_path(&key, false)? else { return Ok(false) };
    let Ok(conn) = UnixStream::connect(&path) else { return Ok(false) };
    wire::send_request(&conn, wire::Kind::Stop, &key, Path::new("/"), &[], &[], &[])?;
    let mut tag = [0u8; 1];
    Ok(std::io::Read::read(&mut &conn, &mut tag).unwrap_or(0) == 1 && tag[0] == wire::STATUS)
}

struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
