//! The client side: hand one command to a running session, relay signals, return its status.

use super::wire::{self, Kind};
use crate::spec::SandboxSpec;
use crate::SandboxError;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::signal::{SigSet, SigmaskHow, Signal};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use std::io::{Read, Write};
use std::os::fd::AsFd;
use std::os::unix::net::UnixStream;

/// What became of the attempt.
#[derive(Debug)]
pub enum Attempt {
    /// The session ran the command (or it began and the session ended under it): its status.
    Ran(i32),
    /// No session took the command; nothing ran. The reason, for a note.
    Unavailable(Unavailable),
}

#[derive(Debug)]
pub enum Unavailable {
    /// No session for this plan (no socket, or nobody listening on it).
    NoSession,
    /// The command cannot use one (a terminal, an allowed network).
    NotSuitable(String),
    /// A session answered but refused, or answered wrongly.
    Refused(String),
}

/// Signals passed on to the command (as `airlock run` passes them on to its sandbox).
fn relayed() -> SigSet {
    let mut s = SigSet::empty();
    for sig in [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP, Signal::SIGQUIT, Signal::SIGUSR1, Signal::SIGUSR2, Signal::SIGALRM] {
        s.add(sig);
    }
    s
}

/// Run `spec` in the session for its plan, if one runs and it suits the command. Before the
/// session's `A` nothing has started, and the caller can fall back to a fresh sandbox.
pub fn run(spec: &SandboxSpec) -> Attempt {
    use Unavailable::*;
    if !super::supported(spec) {
        return Attempt::Unavailable(NotSuitable("allowed domains need the egress proxy of a fresh sandbox".into()));
    }
    // The command would not have the terminal as its controlling terminal in a session.
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() || std::io::stdout().is_terminal() || std::io::stderr().is_terminal() {
        return Attempt::Unavailable(NotSuitable("a terminal is attached".into()));
    }
    let key = match super::key(spec) {
        Ok(k) => k,
        Err(e) => return Attempt::Unavailable(Refused(e.to_string())),
    };
    let path = match super::socket_path(&key, false) {
        Ok(Some(p)) => p,
        Ok(None) => return Attempt::Unavailable(NoSession),
        Err(e) => return Attempt::Unavailable(Refused(e.to_string())),
    };
    let Ok(conn) = UnixStream::connect(&path) else { return Attempt::Unavailable(NoSession) };
    let signals = relayed();
    if let Err(e) = nix::sys::signal::sigprocmask(SigmaskHow::SIG_BLOCK, Some(&signals), None) {
        return Attempt::Unavailable(Refused(format!("sigprocmask: {e}")));
    }
    let unblock = || {
        let _ = nix::sys::signal::sigprocmask(SigmaskHow::SIG_UNBLOCK, Some(&signals), None);
    };
    if let Err(e) = wire::send_request(&conn, Kind::Run, &key, &spec.cwd, &spec.argv, &spec.env, &[0, 1, 2]) {
        unblock();
        return Attempt::Unavailable(Refused(e.to_string()));
    }
    let mut tag = [0u8; 1];
    match (&conn).read(&mut tag) {
        Ok(1) if tag[0] == wire::ACCEPTED => {}
        Ok(1) if tag[0] == wire::REFUSED => {
            unblock();
            return Attempt::Unavailable(Refused(wire::read_message(&conn)));
        }
        Ok(_) => {
            unblock();
            return Attempt::Unavailable(Refused("the session closed the connection".into()));
        }
        Err(e) => {
            unblock();
            return Attempt::Unavailable(Refused(e.to_string()));
        }
    }
    match relay(&conn, &signals) {
        Ok(code) => Attempt::Ran(code),
        Err(e) => {
            eprintln!("airlock: sandbox session: {e}");
            Attempt::Ran(128 + libc::SIGKILL)
        }
    }
}

/// After `A`: pass signals on until the status arrives. A session that ends under the command
/// killed it: 128 + SIGKILL.
fn relay(conn: &UnixStream, signals: &SigSet) -> Result<i32, SandboxError> {
    let sfd = SignalFd::with_flags(signals, SfdFlags::SFD_NONBLOCK | SfdFlags::SFD_CLOEXEC).map_err(|e| SandboxError::sys("signalfd", e))?;
    loop {
        let mut fds = [PollFd::new(conn.as_fd(), PollFlags::POLLIN), PollFd::new(sfd.as_fd(), PollFlags::POLLIN)];
        match poll(&mut fds, PollTimeout::NONE) {
            Ok(_) | Err(nix::errno::Errno::EINTR) => {}
            Err(e) => return Err(SandboxError::sys("poll", e)),
        }
        while let Ok(Some(info)) = sfd.read_signal() {
            if let Ok(sig) = u8::try_from(info.ssi_signo) {
                let _ = (&*conn).write_all(&[sig]);
            }
        }
        let ready = fds.first().and_then(|f| f.revents()).is_some_and(|r| !r.is_empty());
        if !ready {
            continue;
        }
        let mut tag = [0u8; 1];
        match (&*conn).read(&mut tag) {
            Ok(1) if tag[0] == wire::STATUS => {
                let mut code = [0u8; 4];
                (&*conn).read_exact(&mut code).map_err(|e| SandboxError::sys("session: status", e))?;
                return Ok(i32::from_le_bytes(code));
            }
            Ok(1) if tag[0] == wire::FAILED => {
                eprintln!("airlock: sandbox: {}", wire::read_message(conn));
                return Ok(crate::SETUP_FAILED);
            }
            _ => return Err(SandboxError::Invalid("the session ended during the command".into())),
        }
    }
}
