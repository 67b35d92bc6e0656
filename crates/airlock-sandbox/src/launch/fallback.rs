//! The rung below full isolation: no namespaces on this machine, so the command runs in the
//! host's own file view, held by Landlock (files, TCP) and seccomp alone.

use super::{child, sys, Prepared};
use crate::SandboxError;
use nix::unistd::ForkResult;
use std::io::Read;

pub fn run(prep: &Prepared) -> Result<i32, SandboxError> {
    nix::sys::signal::sigprocmask(nix::sys::signal::SigmaskHow::SIG_BLOCK, Some(&prep.signals), None)
        .map_err(|e| SandboxError::sys("sigprocmask", e))?;
    let (err_r, err_w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).map_err(|e| SandboxError::sys("pipe", e))?;
    let pid = match sys::fork()? {
        ForkResult::Child => {
            drop(err_r);
            child::exec_command(prep, err_w, None)
        }
        ForkResult::Parent { child } => child,
    };
    drop(err_w);
    let mut msg = String::new();
    let _ = std::fs::File::from(err_r).read_to_string(&mut msg);
    if !msg.is_empty() {
        eprintln!("airlock: {msg}");
    }
    super::wait_forwarding(pid, &prep.signals, None)
}
