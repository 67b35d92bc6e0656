//! Runs one command like untrusted code.
//!
//! Layers, each independent of the others: Linux namespaces (user, mount, PID, network, IPC,
//! UTS) with a fresh mount view, Landlock over the same file rules, a seccomp filter installed
//! last before `execve`, an environment started from empty, and a network that is closed unless
//! an egress proxy run outside the sandbox allows a name.
//!
//! This is the one crate of airlock that uses `unsafe`: each block is one syscall with its
//! result checked.
#![deny(unsafe_code)]

mod env;
mod error;
mod gitdirs;
mod launch;
pub mod net;
pub mod plan;
mod spec;

pub use env::{scrub as scrub_env, Dropped};
pub use error::SandboxError;
pub use launch::{probe, run, session, Level, Support, SETUP_FAILED};
pub use net::{Denial, DenialKind, Reporter};
pub use spec::{find_workspace, SandboxRules, SandboxSpec};
pub mod landlock;
pub mod seccomp;
