//! `airlock session`: a warm sandbox session, so that `airlock run` does not make namespaces for
//! every command.

use crate::run::{rules_from, spec_for};
use airlock_config::Policy;
use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::{ExitCode, Stdio};
use std::time::Duration;

#[derive(Args)]
pub struct SessionArgs {
    #[command(subcommand)]
    action: Action,
}

#[derive(Subcommand)]
enum Action {
    /// Start a session in the background and return once it accepts commands.
    Start(Target),
    /// Run a session in the foreground (prints `ready SOCKET` when it accepts commands).
    Serve(Target),
    /// Stop the session for this workspace and policy.
    Stop(Target),
}

/// Which sandbox the session holds: the same flags as `airlock run` (a run uses the session
/// only when they give the same sandbox).
#[derive(Args, Clone)]
struct Target {
    /// The directory commands may write (default as for `airlock run`).
    #[arg(long)]
    workspace: Option<PathBuf>,
    /// A `[sandbox.profiles.NAME]` from the policy.
    #[arg(long)]
    profile: Option<String>,
    /// Refuse the Landlock-only fallback (as `airlock run --require-full`).
    #[arg(long)]
    require_full: bool,
    /// End the session after this many seconds with no command running.
    #[arg(long, default_value_t = 1800, value_name = "SECONDS")]
    idle_timeout: u64,
}

pub fn run(a: SessionArgs) -> Result<ExitCode> {
    match a.action {
        Action::Serve(t) => serve(&t),
        Action::Start(t) => start(&t),
        Action::Stop(t) => {
            let spec = spec(&t)?;
            let stopped = airlock_sandbox::session::stop(&spec)?;
            if !stopped {
                eprintln!("airlock: no session runs for {}", spec.workspace.display());
            }
            Ok(if stopped { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
    }
}

fn spec(t: &Target) -> Result<airlock_sandbox::SandboxSpec> {
    let cwd = std::env::current_dir()?;
    let policy = Policy::load(&cwd)?;
    let rules = rules_from(&policy, t.profile.as_deref())?;
    spec_for(&policy, cwd, t.workspace.clone(), rules, Vec::new(), t.require_full)
}

fn serve(t: &Target) -> Result<ExitCode> {
    let spec = spec(t)?;
    let mut ready = |path: &std::path::Path| {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "ready {}", path.display());
        let _ = out.flush();
    };
    match airlock_sandbox::session::serve(&spec, Duration::from_secs(t.idle_timeout), &mut ready) {
        Ok(code) => Ok(ExitCode::from(code.clamp(0, 255) as u8)),
        Err(e) => {
            eprintln!("airlock: session: {e}");
            Ok(ExitCode::from(airlock_sandbox::SETUP_FAILED as u8))
        }
    }
}

/// `serve` in a new process group, detached from our stdin and stdout; returns when it is ready.
fn start(t: &Target) -> Result<ExitCode> {
    use std::os::unix::process::CommandExt;
    let exe = std::env::current_exe()?;
    let mut cmd = std::process::Command::new(exe);
    cmd.args(["session", "serve", "--idle-timeout", &t.idle_timeout.to_string()]);
    if let Some(w) = &t.workspace {
        cmd.arg("--workspace").arg(w);
    }
    if let Some(p) = &t.profile {
        cmd.args(["--profile", p]);
    }
    if t.require_full {
        cmd.arg("--require-full");
    }
    let mut child = cmd.stdin(Stdio::null()).stdout(Stdio::piped()).process_group(0).spawn().context("start the session")?;
    let mut line = String::new();
    if let Some(out) = child.stdout.take() {
        std::io::BufReader::new(out).read_line(&mut line)?;
    }
    match line.strip_prefix("ready ") {
        Some(path) => {
            println!("airlock: session ready ({}); `airlock run` in this workspace uses it", path.trim());
            Ok(ExitCode::SUCCESS)
        }
        None => {
            let status = child.wait()?;
            bail!("the session did not start ({status})")
        }
    }
}
