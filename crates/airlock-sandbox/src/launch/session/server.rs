//! Inside the session: the init process keeps one standby ready; a standby builds a fresh view
//! in namespaces of its own, waits for one request, runs it and reports its status.

use super::wire::{self, Kind};
use super::Inside;
use crate::launch::child::{self, Ready};
use crate::launch::{mounts, sys, Prepared, SETUP_FAILED};
use crate::SandboxError;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::signal::{kill, Signal};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;
use std::io::{Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::time::Instant;

/// A standby tells the init: it took a request (so another is needed), or a stop was asked.
const TAKEN: u8 = b'a';
const STOP: u8 = b's';
/// Standbys that die one after the other without taking a request: the view cannot be built;
/// the session ends (clients then run fresh sandboxes, which report the error).
const MAX_FAILED_STANDBYS: u32 = 3;

/// The session init, after the id maps are written: returns the session's exit status.
pub fn init(prep: &mut Prepared, s: Inside) -> Result<i32, SandboxError> {
    let proc_dir = nix::fcntl::open("/proc", nix::fcntl::OFlag::O_PATH | nix::fcntl::OFlag::O_DIRECTORY | nix::fcntl::OFlag::O_CLOEXEC, nix::sys::stat::Mode::empty())
        .map_err(|e| SandboxError::sys("open /proc", e))?;
    // Single-threaded: unshare moves this whole process into the new network namespace.
    drop(child::new_network_namespace(&proc_dir)?);
    drop(proc_dir);
    nix::sys::prctl::set_dumpable(false).map_err(|e| SandboxError::sys("PR_SET_DUMPABLE", e))?;
    let _ = nix::unistd::sethostname("airlock");
    let seccomp = crate::seccomp::program()?;
    // The secret checks build their tables on first use: once here, inherited by every standby,
    // instead of once per command. A token-shaped value reaches the full check.
    let mut sample: Vec<(std::ffi::OsString, std::ffi::OsString)> = std::env::vars_os().collect();
    sample.push(("PATH".into(), "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB".into()));
    drop(crate::env::scrub(&sample, &s.env_names));
    let sfd = SignalFd::with_flags(&prep.signals, SfdFlags::SFD_NONBLOCK | SfdFlags::SFD_CLOEXEC).map_err(|e| SandboxError::sys("signalfd", e))?;
    let (taken_r, taken_w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC | nix::fcntl::OFlag::O_NONBLOCK).map_err(|e| SandboxError::sys("pipe", e))?;
    let mut standby = spawn_standby(prep, &s, &taken_w, &seccomp)?;
    let mut busy: Vec<Pid> = Vec::new();
    let mut failed = 0u32;
    let mut last = Instant::now();
    loop {
        let timeout = if busy.is_empty() {
            let left = s.idle.saturating_sub(last.elapsed());
            if left.is_zero() {
                return Ok(0);
            }
            PollTimeout::try_from(left.as_millis().min(i32::MAX as u128) as i32).unwrap_or(PollTimeout::MAX)
        } else {
            PollTimeout::NONE
        };
        let mut fds = [PollFd::new(taken_r.as_fd(), PollFlags::POLLIN), PollFd::new(sfd.as_fd(), PollFlags::POLLIN)];
        match poll(&mut fds, timeout) {
            Ok(_) | Err(nix::errno::Errno::EINTR) => {}
            Err(e) => return Err(SandboxError::sys("poll", e)),
        }
        // Requests taken first: a standby that took one and already ended is not a failure.
        for b in drain(&taken_r) {
            match b {
                TAKEN => {
                    busy.push(standby);
                    failed = 0;
                    last = Instant::now();
                    standby = spawn_standby(prep, &s, &taken_w, &seccomp)?;
                }
                STOP => return Ok(0),
                _ => {}
            }
        }
        while let Ok(Some(info)) = sfd.read_signal() {
            let (sig, code) = (info.ssi_signo as i32, info.ssi_code);
            if sig != libc::SIGCHLD && code != libc::SI_KERNEL {
                // `kill` of the session launcher, passed on: end the session (init_main kills
                // everything left).
                return Ok(128 + sig);
            }
        }
        loop {
            let pid = match waitpid(None, Some(WaitPidFlag::WNOHANG)) {
                Ok(WaitStatus::Exited(pid, _)) | Ok(WaitStatus::Signaled(pid, _, _)) => pid,
                Ok(WaitStatus::StillAlive) | Err(_) => break,
                Ok(_) => continue,
            };
            if pid == standby {
                failed += 1;
                if failed >= MAX_FAILED_STANDBYS {
                    return Err(SandboxError::Invalid("the session's standby processes keep failing; session ended".into()));
                }
                standby = spawn_standby(prep, &s, &taken_w, &seccomp)?;
            } else if let Some(i) = busy.iter().position(|p| *p == pid) {
                busy.swap_remove(i);
                last = Instant::now();
            }
        }
    }
}

fn drain(r: &OwnedFd) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 64];
    while let Ok(n @ 1..) = nix::unistd::read(r, &mut buf) {
        out.extend_from_slice(buf.get(..n).unwrap_or_default());
    }
    out
}

/// Fork a standby into new mount, PID and IPC namespaces (the init is single-threaded).
fn spawn_standby(prep: &mut Prepared, s: &Inside, taken_w: &OwnedFd, seccomp: &seccompiler::BpfProgram) -> Result<Pid, SandboxError> {
    match sys::clone_into_namespaces(libc::CLONE_NEWNS | libc::CLONE_NEWPID | libc::CLONE_NEWIPC) {
        Ok(0) => {
            let code = match standby(prep, s, taken_w, seccomp) {
                Ok(code) => code,
                Err(e) => {
                    eprintln!("airlock: session: {e}");
                    SETUP_FAILED
                }
            };
            sys::exit_now(code)
        }
        Ok(pid) => Ok(Pid::from_raw(pid)),
        Err(e) => Err(SandboxError::sys("clone a standby", e)),
    }
}

/// PID 1 of its own namespace: the view and Landlock ruleset first, then one request.
fn standby(prep: &mut Prepared, s: &Inside, taken_w: &OwnedFd, seccomp: &seccompiler::BpfProgram) -> Result<i32, SandboxError> {
    nix::sys::prctl::set_pdeathsig(Signal::SIGKILL).map_err(|e| SandboxError::sys("PR_SET_PDEATHSIG", e))?;
    mounts::build_root(&prep.plan)?;
    let landlock = crate::landlock::prepare(&prep.landlock)?;
    let conn = loop {
        match s.listener.accept() {
            Ok((c, _)) => break c,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(SandboxError::sys("session: accept", e)),
        }
    };
    nix::unistd::write(taken_w, &[TAKEN]).map_err(|e| SandboxError::sys("session: notify", e))?;
    serve_one(prep, s, taken_w, &conn, Ready { landlock, seccomp: seccomp.clone() })
}

/// The peer must be this session's user (its uid as seen in the session's user namespace, where
/// the owner is mapped to itself and anyone else shows as the overflow uid).
pub(super) fn peer_allowed(peer_uid: u32, own_uid: u32) -> bool {
    peer_uid == own_uid
}

fn serve_one(prep: &mut Prepared, s: &Inside, taken_w: &OwnedFd, conn: &UnixStream, ready: Ready) -> Result<i32, SandboxError> {
    let refuse = |why: &str| {
        let _ = wire::reply(conn, wire::REFUSED, why.as_bytes());
        Ok(SETUP_FAILED)
    };
    let cred = nix::sys::socket::getsockopt(conn, nix::sys::socket::sockopt::PeerCredentials).map_err(|e| SandboxError::sys("SO_PEERCRED", e))?;
    if !peer_allowed(cred.uid(), nix::unistd::geteuid().as_raw()) {
        return refuse(&format!("uid {} may not use this session", cred.uid()));
    }
    let req = match wire::read_request(conn) {
        Ok(r) => r,
        Err(e) => return refuse(&e.to_string()),
    };
    if req.key != s.key {
        return refuse("the request's sandbox plan differs from this session's");
    }
    if req.kind == Kind::Stop {
        let _ = nix::unistd::write(taken_w, &[STOP]);
        let _ = wire::reply(conn, wire::STATUS, &0i32.to_le_bytes());
        return Ok(0);
    }
    let (env, _dropped) = crate::env::scrub(&req.env, &s.env_names);
    prep.argv = req.argv;
    prep.env = env;
    prep.cwd = req.cwd;
    let fds = req.fds;
    wire::reply(conn, wire::ACCEPTED, &[]).map_err(|e| SandboxError::sys("session: reply", e))?;
    let sfd = SignalFd::with_flags(&prep.signals, SfdFlags::SFD_NONBLOCK | SfdFlags::SFD_CLOEXEC).map_err(|e| SandboxError::sys("signalfd", e))?;
    let (err_r, err_w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).map_err(|e| SandboxError::sys("pipe", e))?;
    let child = match sys::fork()? {
        nix::unistd::ForkResult::Child => {
            drop(err_r);
            let stdio = [nix::unistd::dup2_stdin, nix::unistd::dup2_stdout, nix::unistd::dup2_stderr];
            for (fd, dup) in fds.iter().zip(stdio) {
                if dup(fd).is_err() {
                    sys::exit_now(SETUP_FAILED);
                }
            }
            child::exec_command(&*prep, err_w, Some(ready))
        }
        nix::unistd::ForkResult::Parent { child } => child,
    };
    drop(err_w);
    drop(ready);
    let mut msg = String::new();
    let _ = std::fs::File::from(err_r).read_to_string(&mut msg);
    if !msg.is_empty() {
        if let Some(stderr) = fds.get(2) {
            let _ = std::fs::File::from(stderr.try_clone().map_err(|e| SandboxError::sys("dup", e))?).write_all(format!("airlock: {msg}\n").as_bytes());
        }
    }
    drop(fds);
    let code = wait_command(child, conn, &sfd)?;
    // Nothing the command started outlives it (this is PID 1 of the command's namespace).
    let _ = kill(Pid::from_raw(-1), Signal::SIGKILL);
    let _ = wire::reply(conn, wire::STATUS, &code.to_le_bytes());
    Ok(code)
}

/// Wait for the command, passing on the signals the client relays; a client that goes away
/// takes the command with it.
fn wait_command(command: Pid, conn: &UnixStream, sfd: &SignalFd) -> Result<i32, SandboxError> {
    loop {
        let mut fds = [PollFd::new(conn.as_fd(), PollFlags::POLLIN), PollFd::new(sfd.as_fd(), PollFlags::POLLIN)];
        match poll(&mut fds, PollTimeout::NONE) {
            Ok(_) | Err(nix::errno::Errno::EINTR) => {}
            Err(e) => return Err(SandboxError::sys("poll", e)),
        }
        let ready = |f: &PollFd| f.revents().is_some_and(|r| !r.is_empty());
        if fds.first().is_some_and(ready) {
            let mut b = [0u8; 16];
            match (&mut &*conn).read(&mut b) {
                Ok(0) | Err(_) => {
                    let _ = kill(Pid::from_raw(-1), Signal::SIGKILL);
                    return Ok(128 + libc::SIGKILL);
                }
                Ok(n) => {
                    for sig in b.iter().take(n) {
                        if let Ok(s) = Signal::try_from(i32::from(*sig)) {
                            let _ = kill(command, s);
                        }
                    }
                }
            }
        }
        while let Ok(Some(_)) = sfd.read_signal() {}
        if let Some(code) = child::reap_all(command) {
            return Ok(code);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_owner_may_use_a_session() {
        assert!(peer_allowed(1000, 1000));
        assert!(!peer_allowed(65534, 1000));
        assert!(!peer_allowed(0, 1000));
    }
}
