//! Launching: prepare everything in the parent, clone into new namespaces, let the init process
//! build the view, and wait.
//!
//! Processes: the launcher (outside; runs the egress proxy, passes signals on, returns the exit
//! status), the init process (PID 1 inside; builds the view, runs the relays, reaps), and the
//! command (PID 2; Landlock, seccomp, `execve`).

mod child;
mod fallback;
mod mounts;
mod probe;
pub mod session;
mod sys;

pub use child::SETUP_FAILED;
pub use probe::{probe, Support};

use crate::landlock::{FsAccess, FsRule, LandlockPlan};
use crate::net::{NetPolicy, Reporter};
use crate::plan::{self, Access, MountPlan};
use crate::spec::SandboxSpec;
use crate::SandboxError;
use nix::sys::signal::{kill, SigSet, SigmaskHow, Signal};
use nix::sys::wait::{waitpid, WaitStatus};
use nix::unistd::Pid;
use std::ffi::OsString;
use std::io::{Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::path::PathBuf;
use std::sync::Arc;

/// Everything the child processes need, computed before the clone.
pub struct Prepared {
    plan: MountPlan,
    landlock: LandlockPlan,
    landlock_required: bool,
    argv: Vec<OsString>,
    env: Vec<(OsString, OsString)>,
    cwd: PathBuf,
    workspace: PathBuf,
    network: bool,
    port_forwards: Vec<u16>,
    signals: SigSet,
}

impl Prepared {
    fn new(spec: &SandboxSpec, plan: MountPlan, env: Vec<(OsString, OsString)>, network: bool, signals: SigSet) -> Prepared {
        Prepared {
            landlock: landlock_plan(&plan, None),
            landlock_required: false,
            argv: spec.argv.clone(),
            env,
            cwd: spec.cwd.clone(),
            workspace: spec.workspace.clone(),
            network,
            port_forwards: spec.rules.port_forwards.clone(),
            signals,
            plan,
        }
    }
}

/// The mount points the plan needs in the user's tree (removed again by [`Cleanup`]).
fn create_mount_points(plan: &MountPlan) -> Result<(), SandboxError> {
    for dir in &plan.created {
        match std::fs::create_dir_all(dir) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(SandboxError::Path { path: dir.clone(), source: e }),
        }
    }
    Ok(())
}

/// What isolation a run gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Namespaces, the fresh view, Landlock and seccomp.
    Full,
    /// Landlock and seccomp over the host's own view (no user namespaces here).
    LandlockOnly,
}

/// Signals the launcher and init wait for rather than take (the others keep their defaults, so
/// a terminal's stop and continue work as usual).
fn waited_signals() -> SigSet {
    let mut s = SigSet::empty();
    for sig in [
        Signal::SIGCHLD, Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP, Signal::SIGQUIT,
        Signal::SIGUSR1, Signal::SIGUSR2, Signal::SIGALRM, Signal::SIGPIPE,
    ] {
        s.add(sig);
    }
    s
}

/// Run `spec` sandboxed. Returns the command's exit status (128 + N when a signal N ended it;
/// 125 when the sandbox could not be set up; 126/127 when the program could not run).
///
/// Must be called from a single-threaded process (the CLI's `run` does no other work first).
pub fn run(spec: &SandboxSpec, reporter: Arc<dyn Reporter>) -> Result<i32, SandboxError> {
    if spec.argv.is_empty() {
        return Err(SandboxError::Invalid("no command to run".into()));
    }
    sys::assert_single_threaded()?;
    let t0 = std::time::Instant::now();
    let tick = |what: &str| if std::env::var_os("AIRLOCK_SANDBOX_TIMING").is_some() { eprintln!("[{:>6} us] {what}", t0.elapsed().as_micros()) };
    let network = !spec.rules.allow_domains.is_empty() || !spec.rules.port_forwards.is_empty();
    let runtime = if network { Some(Runtime::create()?) } else { None };
    let listener = match &runtime {
        Some(rt) => Some(std::os::unix::net::UnixListener::bind(rt.socket()).map_err(|e| SandboxError::sys("egress socket", e))?),
        None => None,
    };
    tick("runtime");
    let plan = plan::build(spec, runtime.as_ref().map(|r| r.socket()).as_deref(), network)?;
    for n in &plan.notes {
        eprintln!("airlock: note: {n}");
    }
    tick("plan");
    let (env, _dropped) = crate::env::scrub(&spec.env, &spec.rules.env);
    tick("env");
    let signals = waited_signals();
    let mut prep = Prepared::new(spec, plan, env, network, signals);
    create_mount_points(&prep.plan)?;
    let _cleanup = Cleanup { dirs: prep.plan.created.clone(), runtime };

    nix::sys::signal::sigprocmask(SigmaskHow::SIG_BLOCK, Some(&signals), None).map_err(|e| SandboxError::sys("sigprocmask", e))?;
    let mut outside = listener;
    let (pid, status_r) = match spawn_init(&mut prep, None, &mut outside)? {
        Spawned::Init { pid, status } => (pid, status),
        Spawned::NoNamespaces(e) => {
            let _ = nix::sys::signal::sigprocmask(SigmaskHow::SIG_UNBLOCK, Some(&signals), None);
            if spec.require_full || network {
                let why = if network { " (an allowed network needs a network namespace)" } else { "" };
                return Err(SandboxError::Unsupported(format!("cannot create namespaces ({e}){why}; `airlock doctor` explains")));
            }
            eprintln!("airlock: warning: cannot create namespaces ({e}); running with Landlock and seccomp only (no private /tmp, PID or network namespace; UDP is not restricted; inside the workspace, .git/hooks, .git/config and agent settings are NOT protected)");
            prep.landlock = landlock_plan(&prep.plan, Some(&spec.workspace));
            prep.landlock_required = true;
            return fallback::run(&prep);
        }
    };
    tick("clone+maps");
    let listener = outside;
    let _egress = match listener {
        Some(l) => {
            let policy = NetPolicy { allow_domains: spec.rules.allow_domains.clone(), port_forwards: spec.rules.port_forwards.clone() };
            Some(crate::net::spawn_egress(l, policy, reporter).map_err(|e| SandboxError::sys("egress proxy", e))?)
        }
        None => None,
    };
    let code = wait_forwarding(pid, &signals, Some(status_r));
    tick("command done");
    code
}

/// The init process, started; or why the namespaces could not be made.
enum Spawned {
    Init { pid: Pid, status: OwnedFd },
    NoNamespaces(std::io::Error),
}

/// Clone the init process into new namespaces, write its id maps and let it go. `outside_only`
/// is closed in the child (the egress listener). `session`: the init serves a warm session
/// instead of running one command. Signals must already be blocked.
fn spawn_init<T>(prep: &mut Prepared, session: Option<session::Inside>, outside_only: &mut Option<T>) -> Result<Spawned, SandboxError> {
    let (sync_r, sync_w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).map_err(|e| SandboxError::sys("pipe", e))?;
    // The init process reports the command's status here as soon as the command and everything
    // it left running are gone, so the caller does not wait for the kernel to tear the
    // namespaces down (several ms, mostly RCU grace periods).
    let (status_r, status_w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).map_err(|e| SandboxError::sys("pipe", e))?;
    // The network namespace is made inside, in parallel with the mounts (see `child`).
    let flags = libc::CLONE_NEWUSER | libc::CLONE_NEWNS | libc::CLONE_NEWPID | libc::CLONE_NEWIPC | libc::CLONE_NEWUTS;
    let pid = match sys::clone_into_namespaces(flags) {
        Ok(0) => {
            drop(sync_w);
            drop(status_r);
            drop(outside_only.take());
            let code = child::init_main(prep, sync_r, status_w, session);
            sys::exit_now(code)
        }
        Ok(pid) => Pid::from_raw(pid),
        Err(e) => return Ok(Spawned::NoNamespaces(e)),
    };
    drop(sync_r);
    drop(status_w);
    drop(session);
    if let Err(e) = write_id_maps(pid) {
        let _ = kill(pid, Signal::SIGKILL);
        let _ = waitpid(pid, None);
        return Err(e);
    }
    let mut w = std::fs::File::from(sync_w);
    w.write_all(b"1").map_err(|e| SandboxError::sys("sync", e))?;
    Ok(Spawned::Init { pid, status: status_r })
}

/// Wait for `pid`, passing on signals sent to us by other processes. With `status`, the
/// child's report of the command's exit status ends the wait early.
fn wait_forwarding(pid: Pid, signals: &SigSet, mut status: Option<OwnedFd>) -> Result<i32, SandboxError> {
    use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
    use nix::sys::signalfd::{SfdFlags, SignalFd};
    let sfd = SignalFd::with_flags(signals, SfdFlags::SFD_NONBLOCK | SfdFlags::SFD_CLOEXEC).map_err(|e| SandboxError::sys("signalfd", e))?;
    loop {
        let (sig_ready, status_ready) = {
            let mut fds = vec![PollFd::new(sfd.as_fd(), PollFlags::POLLIN)];
            if let Some(s) = &status {
                fds.push(PollFd::new(s.as_fd(), PollFlags::POLLIN));
            }
            match poll(&mut fds, PollTimeout::NONE) {
                Ok(_) => {}
                Err(nix::errno::Errno::EINTR) => continue,
                Err(e) => return Err(SandboxError::sys("poll", e)),
            }
            let ready = |f: &PollFd| f.revents().is_some_and(|r| !r.is_empty());
            (fds.first().is_some_and(ready), fds.get(1).is_some_and(ready))
        };
        if status_ready {
            let mut buf = [0u8; 4];
            let got = status.take().map(|s| std::fs::File::from(s).read(&mut buf).unwrap_or(0)).unwrap_or(0);
            if got == 4 {
                return Ok(i32::from_le_bytes(buf));
            }
            // Closed without a report: the init process died; its exit status will tell.
        }
        if !sig_ready {
            continue;
        }
        while let Ok(Some(info)) = sfd.read_signal() {
            let (sig, code) = (info.ssi_signo as i32, info.ssi_code);
            if sig == libc::SIGCHLD {
                match waitpid(pid, Some(nix::sys::wait::WaitPidFlag::WNOHANG)) {
                    Ok(WaitStatus::Exited(_, c)) => return Ok(c),
                    Ok(WaitStatus::Signaled(_, s, _)) => return Ok(128 + s as i32),
                    _ => {}
                }
            } else if code != libc::SI_KERNEL {
                if let Ok(s) = Signal::try_from(sig) {
                    let _ = kill(pid, s);
                }
            }
        }
    }
}

/// Map our own uid and gid (only) into the child's user namespace.
fn write_id_maps(pid: Pid) -> Result<(), SandboxError> {
    let uid = nix::unistd::geteuid().as_raw();
    let gid = nix::unistd::getegid().as_raw();
    let dir = PathBuf::from(format!("/proc/{pid}"));
    let w = |name: &str, s: String| std::fs::write(dir.join(name), s).map_err(|e| SandboxError::sys(format!("write {name}"), e));
    w("setgroups", "deny".into())?;
    w("uid_map", format!("{uid} {uid} 1\n"))?;
    w("gid_map", format!("{gid} {gid} 1\n"))
}

/// The Landlock rules for the same view. With `host_view` (the fallback), the sandbox's own
/// tmpfs entries do not exist: `/tmp` stays the host's (writable), the home directory is not
/// granted at all, only its allowlisted entries.
fn landlock_plan(plan: &MountPlan, host_view: Option<&std::path::Path>) -> LandlockPlan {
    let mut fs = vec![FsRule { path: "/".into(), access: FsAccess::ListDir }];
    for (path, access) in &plan.access {
        let access = match access {
            Access::Read => FsAccess::ReadOnly,
            Access::Write => FsAccess::ReadWrite,
            Access::Device => FsAccess::Device,
        };
        fs.push(FsRule { path: path.clone(), access });
    }
    if host_view.is_some() {
        // Tmpfs entries of the fresh view other than /tmp, /var/tmp, /dev/shm are synthetic
        // there (the home directory, /run, /dev): drop the ones that would grant host files.
        let keep_write = ["/tmp", "/var/tmp", "/dev/shm"];
        fs.retain(|r| r.access != FsAccess::ReadWrite || keep_write.iter().any(|k| r.path == std::path::Path::new(k)) || plan.ops.iter().any(|op| matches!(op, plan::MountOp::Bind { dst, write: true, .. } if *dst == r.path)));
        // No mounts hide the masked files (`~/.cargo/credentials.toml`, `/etc/shadow`) here:
        // grant the directories above them entry by entry, leaving the masked ones out.
        for op in &plan.ops {
            if let plan::MountOp::Mask { dst, .. } = op {
                fs = fs.into_iter().flat_map(|r| carve(r, dst)).collect();
            }
        }
    }
    LandlockPlan { fs, tcp_connect: host_view.map(|_| Vec::new()), scope: true }
}

/// `rule` without `masked`: unchanged when `masked` is not strictly beneath it, else one rule
/// per entry on the way down, the masked entry left out. An unreadable directory on the way
/// grants nothing (fail closed).
fn carve(rule: FsRule, masked: &std::path::Path) -> Vec<FsRule> {
    if rule.access == FsAccess::ListDir || masked == rule.path || !masked.starts_with(&rule.path) {
        return if masked == rule.path { Vec::new() } else { vec![rule] };
    }
    let Some(next) = masked.strip_prefix(&rule.path).ok().and_then(|rel| rel.components().next()).map(|c| rule.path.join(c)) else {
        return Vec::new();
    };
    let Ok(entries) = std::fs::read_dir(&rule.path) else { return Vec::new() };
    let mut out = Vec::new();
    for e in entries.flatten() {
        let child = FsRule { path: e.path(), access: rule.access };
        if child.path == next {
            out.extend(carve(child, masked));
        } else {
            out.push(child);
        }
    }
    out
}

/// The launcher's private directory for the egress socket (only when a network is allowed).
struct Runtime {
    dir: PathBuf,
}

impl Runtime {
    fn create() -> Result<Runtime, SandboxError> {
        let base = std::env::var_os("XDG_RUNTIME_DIR").map(PathBuf::from).filter(|p| p.is_dir()).unwrap_or_else(std::env::temp_dir);
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
        let dir = base.join(format!("airlock-run-{}-{nanos:x}", std::process::id()));
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&dir)
            .map_err(|e| SandboxError::Path { path: dir.clone(), source: e })?;
        Ok(Runtime { dir })
    }

    fn socket(&self) -> PathBuf {
        self.dir.join("egress.sock")
    }
}

use std::os::unix::fs::DirBuilderExt;

/// Removes what the run created on the host: the runtime directory, and mount points made in
/// the user's repository (only if still empty).
struct Cleanup {
    dirs: Vec<PathBuf>,
    runtime: Option<Runtime>,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        for d in &self.dirs {
            let _ = std::fs::remove_dir(d);
        }
        if let Some(rt) = &self.runtime {
            let _ = std::fs::remove_dir_all(&rt.dir);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::panic, clippy::unwrap_used)]
    use super::*;

    #[test]
    fn carving_leaves_the_masked_file_out_and_keeps_its_siblings() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().join(".cargo");
        std::fs::create_dir_all(root.join("registry/cache")).unwrap();
        std::fs::create_dir_all(root.join("bin")).unwrap();
        std::fs::write(root.join("credentials.toml"), "token").unwrap();
        std::fs::write(root.join("registry/secret"), "x").unwrap();
        let rule = FsRule { path: root.clone(), access: FsAccess::ReadOnly };
        let mut got: Vec<PathBuf> = carve(rule.clone(), &root.join("credentials.toml")).into_iter().map(|r| r.path).collect();
        got.sort();
        assert_eq!(got, vec![root.join("bin"), root.join("registry")]);
        let mut deep: Vec<PathBuf> = carve(rule.clone(), &root.join("registry/secret")).into_iter().map(|r| r.path).collect();
        deep.sort();
        assert_eq!(deep, vec![root.join("bin"), root.join("credentials.toml"), root.join("registry/cache")]);
        assert_eq!(carve(rule.clone(), std::path::Path::new("/elsewhere")), vec![rule]);
    }
}
