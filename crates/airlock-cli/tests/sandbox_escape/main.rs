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

use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

pub(crate) const AIRLOCK: &str = env!("CARGO_BIN_EXE_airlock");
/// The system interpreter: a version manager's shim (pyenv) may not be inside the sandbox.
pub(crate) const PY: &str = "/usr/bin/python3";
/// Printed first by every attempt: the command really ran inside (a sandbox that fails to start
/// denies everything, which must not count as a pass).
pub(crate) const RAN: &str = "AIRLOCK-ESCAPE-RAN";
pub(crate) const TIMEOUT: Duration = Duration::from_secs(60);

// ---------------------------------------------------------------------------------------------
// Skips

/// Why this machine cannot sandbox, if it cannot: probed once with `unshare -Urnm true` (a user
/// namespace with its own network and mount namespaces, which `airlock run` builds on).
pub(crate) fn cannot_sandbox() -> Option<&'static str> {
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
        if let Some(why) = $crate::cannot_sandbox() {
            eprintln!("SKIP: {why}");
            return;
        }
    };
}

/// A host tool a test drives inside the sandbox; without it the test is a visible skip.
macro_rules! require_tool {
    ($tool:expr) => {
        if ::std::process::Command::new("sh").args(["-c", &format!("command -v {}", $tool)]).output().map(|o| !o.status.success()).unwrap_or(true) {
            eprintln!("SKIP: {} (not installed on this machine)", $tool);
            return;
        }
    };
}

// ---------------------------------------------------------------------------------------------
// The attempts, by theme (the macros above must come before these lines)

mod everyday;
mod files;
mod fixture;
mod kernel;
mod network;
mod secrets;
