//! Inside the namespaces: the init process (PID 1) that builds the file view, starts the
//! network relays and then lives on to reap and pass on signals, and the command it forks.

use super::{mounts, sys, Prepared};
use crate::SandboxError;
use nix::sys::signal::{kill, SigSet, SigmaskHow, Signal};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::{ForkResult, Pid};
use std::ffi::CString;
use std::io::{Read, Write};
use std::os::fd::OwnedFd;

/// Exit status when the sandbox itself could not be set up (the command never ran).
pub const SETUP_FAILED: i32 = 125;

/// The init process: returns its exit status (the command's).
pub fn init_main(prep: &mut Prepared, sync: OwnedFd, status: OwnedFd, session: Option<super::session::Inside>) -> i32 {
    match init_inner(prep, sync, session) {
        Ok(code) => {
            // Nothing the command started outlives it: then the caller may go.
            let _ = kill(Pid::from_raw(-1), Signal::SIGKILL);
            // The mount points made in the user's tree: unmounted and removed here, in the
            // namespace that holds them (cheaper than the host detaching them from outside).
            for dir in prep.plan.created.iter().rev() {
                let _ = nix::mount::umount2(dir, nix::mount::MntFlags::MNT_DETACH);
                let _ = std::fs::remove_dir(dir);
            }
            let _ = std::fs::File::from(status).write_all(&code.to_le_bytes());
            code
        }
        Err(e) => {
            eprintln!("airlock: sandbox: {e}");
            SETUP_FAILED
        }
    }
}

fn init_inner(prep: &mut Prepared, sync: OwnedFd, session: Option<super::session::Inside>) -> Result<i32, SandboxError> {
    // Wait until the parent has written our uid and gid maps.
    let mut f = std::fs::File::from(sync);
    let mut b = [0u8; 1];
    if f.read(&mut b).map_err(|e| SandboxError::sys("sync", e))? != 1 {
        return Err(SandboxError::Invalid("the launcher went away".into()));
    }
    drop(f);
    let t0 = std::time::Instant::now();
    let timing = std::env::var_os("AIRLOCK_SANDBOX_TIMING").is_some();
    let tick = |what: &str| if timing { eprintln!("  init [{:>6} us] {what}", t0.elapsed().as_micros()) };
    nix::sys::prctl::set_pdeathsig(Signal::SIGKILL).map_err(|e| SandboxError::sys("PR_SET_PDEATHSIG", e))?;
    if let Some(session) = session {
        // A warm session: each command gets its own view from a standby process.
        return super::session::server::init(prep, session);
    }
    // A network namespace takes about as long to create as the whole file view: a thread makes
    // it (unshare is per thread for the network) while this one mounts, then we join it.
    let proc_dir = nix::fcntl::open("/proc", nix::fcntl::OFlag::O_PATH | nix::fcntl::OFlag::O_DIRECTORY | nix::fcntl::OFlag::O_CLOEXEC, nix::sys::stat::Mode::empty())
        .map_err(|e| SandboxError::sys("open /proc", e))?;
    let net = std::thread::Builder::new()
        .name("airlock-netns".into())
        .spawn(move || new_network_namespace(&proc_dir))
        .map_err(|e| SandboxError::sys("spawn", e))?;
    let mounted = mounts::build_root(&prep.plan);
    let netns = net.join().map_err(|_| SandboxError::Invalid("the network namespace thread panicked".into()))?;
    mounted?;
    nix::sched::setns(netns?, nix::sched::CloneFlags::CLONE_NEWNET).map_err(|e| SandboxError::sys("setns network", e))?;
    tick("mounts");
    // The command (same uid) must not reach this process's descriptors through /proc/1/fd.
    nix::sys::prctl::set_dumpable(false).map_err(|e| SandboxError::sys("PR_SET_DUMPABLE", e))?;
    let _ = nix::unistd::sethostname("airlock");
    if prep.network {
        let sock = std::path::Path::new(crate::plan::RUN_DIR).join("egress.sock");
        let relays = crate::net::spawn_inside(&sock, &prep.port_forwards).map_err(|e| SandboxError::sys("network relays", e))?;
        let proxy = format!("http://127.0.0.1:{}", relays.proxy_port);
        for name in ["HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"] {
            prep.add_env(name, &proxy);
        }
        for name in ["NO_PROXY", "no_proxy"] {
            prep.add_env(name, "localhost,127.0.0.1,::1");
        }
    }
    tick("net");
    let (err_r, err_w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).map_err(|e| SandboxError::sys("pipe", e))?;
    let child = match sys::fork()? {
        ForkResult::Child => {
            drop(err_r);
            exec_command(prep, err_w, None)
        }
        ForkResult::Parent { child } => child,
    };
    drop(err_w);
    let mut msg = String::new();
    let _ = std::fs::File::from(err_r).read_to_string(&mut msg);
    let failed_exec = !msg.is_empty();
    if failed_exec {
        eprintln!("airlock: {msg}");
    }
    let code = reap_until(child, prep)?;
    Ok(code)
}

/// In the calling thread only: a new network namespace with loopback up; returns a handle on it.
pub(super) fn new_network_namespace(proc_dir: &OwnedFd) -> Result<OwnedFd, SandboxError> {
    nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNET).map_err(|e| SandboxError::sys("unshare network", e))?;
    sys::loopback_up()?;
    nix::fcntl::openat(proc_dir, "thread-self/ns/net", nix::fcntl::OFlag::O_RDONLY | nix::fcntl::OFlag::O_CLOEXEC, nix::sys::stat::Mode::empty())
        .map_err(|e| SandboxError::sys("open the network namespace", e))
}

/// Reap every child that has ended; `child`'s status (128 + N for signal N) if it is one of them.
pub(super) fn reap_all(child: Pid) -> Option<i32> {
    loop {
        match waitpid(None, Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::Exited(pid, c)) if pid == child => return Some(c),
            Ok(WaitStatus::Signaled(pid, s, _)) if pid == child => return Some(128 + s as i32),
            Ok(WaitStatus::StillAlive) | Err(_) => return None,
            Ok(_) => continue,
        }
    }
}

/// Reap children and pass signals on until `child` ends; its status becomes ours.
fn reap_until(child: Pid, prep: &Prepared) -> Result<i32, SandboxError> {
    loop {
        let (sig, code) = sys::sigwaitinfo(&prep.signals)?;
        if sig == libc::SIGCHLD {
            if let Some(code) = reap_all(child) {
                return Ok(code);
            }
        } else if code != libc::SI_KERNEL {
            // Sent by a process (the launcher outside passing on a `kill`): pass it on. Signals
            // from the terminal reach the command directly (same process group).
            if let Ok(s) = Signal::try_from(sig) {
                let _ = kill(child, s);
            }
        }
    }
}

/// The last layers, built ahead of the request by a warm session's standby process.
pub(super) struct Ready {
    pub landlock: crate::landlock::Prebuilt,
    pub seccomp: seccompiler::BpfProgram,
}

/// The command: last restrictions, then `execve`. Never returns.
pub(super) fn exec_command(prep: &Prepared, err_w: OwnedFd, ready: Option<Ready>) -> ! {
    let code = match exec_inner(prep, ready) {
        Ok(never) => match never {},
        Err((code, msg)) => {
            let _ = std::fs::File::from(err_w).write_all(msg.as_bytes());
            code
        }
    };
    sys::exit_now(code)
}

enum Never {}

fn exec_inner(prep: &Prepared, ready: Option<Ready>) -> Result<Never, (i32, String)> {
    let setup = |e: SandboxError| (SETUP_FAILED, format!("sandbox: {e}"));
    let _ = nix::sys::signal::sigprocmask(SigmaskHow::SIG_SETMASK, Some(&SigSet::empty()), None);
    if nix::unistd::chdir(&prep.cwd).is_err() {
        nix::unistd::chdir(&prep.workspace).map_err(|e| setup(SandboxError::sys("chdir", e)))?;
    }
    sys::cloexec_from_3().map_err(setup)?;
    sys::drop_bounding_set().map_err(setup)?;
    sys::lock_no_root_caps().map_err(setup)?;
    nix::sys::prctl::set_no_new_privs().map_err(|e| setup(SandboxError::sys("PR_SET_NO_NEW_PRIVS", e)))?;
    let t0 = std::time::Instant::now();
    let timing = std::env::var_os("AIRLOCK_SANDBOX_TIMING").is_some();
    let (landlock, seccomp) = match ready {
        Some(r) => (Some(r.landlock), Some(r.seccomp)),
        None => (None, None),
    };
    let outcome = match landlock {
        Some(prebuilt) => prebuilt.enforce(),
        None => crate::landlock::restrict_self(&prep.landlock),
    }
    .map_err(setup)?;
    if !outcome.fully_enforced && prep.landlock_required {
        return Err(setup(SandboxError::Unsupported(format!("Landlock only partly enforced: {}", outcome.notes.join("; ")))));
    }
    let (path, argv, envp) = prep.exec_args().map_err(|e| (127, e))?;
    if timing { eprintln!("    cmd landlock {} us", t0.elapsed().as_micros()) }
    match &seccomp {
        Some(program) => crate::seccomp::install_program(program),
        None => crate::seccomp::install(),
    }
    .map_err(setup)?;
    if timing { eprintln!("    cmd +seccomp {} us", t0.elapsed().as_micros()) }
    let e = nix::unistd::execve(&path, &argv, &envp).err().unwrap_or(nix::errno::Errno::EINVAL);
    let code = if e == nix::errno::Errno::ENOENT { 127 } else { 126 };
    Err((code, format!("{}: {}", path.to_string_lossy(), e.desc())))
}

impl Prepared {
    fn add_env(&mut self, name: &str, value: &str) {
        crate::env::set(&mut self.env, name, value);
    }

    /// The program's path (searched in the command's `PATH` inside the new view), argv, envp.
    fn exec_args(&self) -> Result<(CString, Vec<CString>, Vec<CString>), String> {
        use std::os::unix::ffi::OsStrExt;
        let cs = |b: &[u8]| CString::new(b).map_err(|_| "argument holds a NUL byte".to_string());
        let argv: Vec<CString> = self.argv.iter().map(|a| cs(a.as_bytes())).collect::<Result<_, _>>()?;
        let mut envp = Vec::with_capacity(self.env.len());
        for (k, v) in &self.env {
            let mut kv = k.as_bytes().to_vec();
            kv.push(b'=');
            kv.extend_from_slice(v.as_bytes());
            envp.push(cs(&kv)?);
        }
        let prog = self.argv.first().ok_or("no command")?;
        let path = if prog.as_bytes().contains(&b'/') {
            cs(prog.as_bytes())?
        } else {
            let path_var = self.env.iter().find(|(k, _)| k == "PATH").map(|(_, v)| v.clone()).unwrap_or_else(|| "/usr/bin:/bin".into());
            let found = std::env::split_paths(&path_var).map(|d| d.join(prog)).find(|p| {
                p.metadata().map(|m| m.is_file() && std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o111 != 0).unwrap_or(false)
            });
            match found {
                Some(p) => cs(p.as_os_str().as_bytes())?,
                None => return Err(format!("{}: command not found", prog.to_string_lossy())),
            }
        };
        Ok((path, argv, envp))
    }
}
