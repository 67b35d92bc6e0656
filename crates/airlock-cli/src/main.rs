//! `airlock`: a security layer between coding agents and the models that drive them.

#![forbid(unsafe_code)]

mod audit;
mod catalog;
mod check;
mod gateway;
mod githook;
mod hook;
mod install;
mod models;
mod review;
mod rules;
mod run;
mod scan;
mod session;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "airlock",
    version,
    about = "Treat every model output as untrusted code."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Judge a shell command: exit 0 allow, 1 ask, 2 deny.
    Check(check::CheckArgs),
    /// Answer an agent's pre-tool-use hook (JSON on stdin, the agent's protocol on stdout).
    Hook(hook::HookArgs),
    /// Install airlock's hook into an agent's settings.
    Install(install::InstallArgs),
    /// Remove airlock's hook from an agent's settings.
    Uninstall(install::UninstallArgs),
    /// List the rules with their codes and default verdicts.
    Rules(rules::RulesArgs),
    /// Show a rule's documentation.
    Explain(rules::ExplainArgs),
    /// Run the gateway: a local proxy for model APIs that judges every tool call before the agent sees it.
    Gateway(gateway::GatewayArgs),
    /// Read and check the audit database: tail, show ID, verify (exit 0 intact, 2 tampered, 3 error).
    Audit(audit::AuditArgs),
    /// Scan files, a git diff or stdin for planted vulnerabilities: exit 0 clean, 1 findings
    /// below --fail-level, 2 at or above it, 3 error.
    Scan(scan::ScanArgs),
    /// Run a command sandboxed: namespaces, a fresh file view (workspace writable, secrets
    /// absent), Landlock, seccomp, a scrubbed environment, no network but an allowlist.
    Run(run::RunArgs),
    /// A sandboxed shell: `airlock shell -c CMD` runs `bash -c CMD` inside `airlock run`.
    Shell(run::ShellArgs),
    /// A warm sandbox session for a workspace: `airlock run` there then skips making namespaces
    /// per command (start, serve, stop).
    Session(session::SessionArgs),
    /// Say what this machine supports and which isolation `airlock run` will use (exit 2: none).
    Doctor(run::DoctorArgs),
    /// Check local model files before an engine loads them: scan (code in pickles, malformed
    /// safetensors/GGUF, chat-template escapes), verify and sign (OpenSSF model signing), check (policy).
    Models(models::ModelsArgs),
    /// Have a change reviewed by a model of another provider than the one that wrote it, merged
    /// with airlock's code analysis: exit 0 clean, 1 findings below --fail-level, 2 at or above, 3 error.
    Review(review::ReviewArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(a) => check::run(a),
        Command::Hook(a) => hook::run(a),
        Command::Install(a) => install::run_install(a),
        Command::Uninstall(a) => install::run_uninstall(a),
        Command::Rules(a) => rules::run_rules(a),
        Command::Explain(a) => rules::run_explain(a),
        Command::Audit(a) => audit::run(a),
        Command::Gateway(a) => gateway::run(a),
        Command::Scan(a) => scan::run(a),
        Command::Run(a) => run::run(a),
        Command::Shell(a) => run::shell(a),
        Command::Session(a) => session::run(a),
        Command::Doctor(a) => run::doctor(a),
        Command::Models(a) => models::run(a),
        Command::Review(a) => review::run(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("airlock: error: {e:#}");
            ExitCode::from(3)
        }
    }
}

/// How long one analysis may take before a one-shot command gives up (it takes microseconds normally).
pub(crate) const WATCHDOG: std::time::Duration = std::time::Duration::from_secs(2);

/// Run `f` on a worker thread; `None` if it does not finish within [`WATCHDOG`]. The caller then answers
/// fail-closed and exits, which also ends the runaway thread: a parser bug cannot hang an agent.
pub(crate) fn watchdog<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    watchdog_for(WATCHDOG, f)
}

/// [`watchdog`] with another time budget.
pub(crate) fn watchdog_for<T: Send + 'static>(budget: std::time::Duration, f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("airlock-analysis".into())
        .spawn(move || {
            let _ = tx.send(f());
        })
        .ok()?;
    rx.recv_timeout(budget).ok()
}

/// The directory the policy is discovered from.
pub(crate) fn resolve_cwd(cwd: Option<PathBuf>) -> PathBuf {
    cwd.or_else(|| std::env::current_dir().ok())
        .unwrap_or_else(|| PathBuf::from("/"))
}
