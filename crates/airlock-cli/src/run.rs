//! `airlock run`, `airlock shell` and `airlock doctor`: the sandbox from the command line.

use airlock_config::Policy;
use airlock_sandbox::{Denial, DenialKind, Reporter, SandboxRules, SandboxSpec};
use anyhow::{anyhow, bail, Result};
use clap::Args;
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Args)]
pub struct RunArgs {
    /// The directory the command may write (default: the git top-level of the working
    /// directory, else the working directory).
    #[arg(long)]
    workspace: Option<PathBuf>,
    /// A host name the command may reach through airlock's egress proxy (`*.example.com` for
    /// subdomains). Repeatable; adds to the policy's `[sandbox] allow_domains`.
    #[arg(long = "allow-domain", value_name = "DOMAIN")]
    allow_domains: Vec<String>,
    /// A port on the host's 127.0.0.1 that 127.0.0.1:PORT inside reaches. Repeatable.
    #[arg(long = "allow-port-forward", value_name = "PORT")]
    port_forwards: Vec<u16>,
    /// A `[sandbox.profiles.NAME]` from the policy, added to the section's own settings.
    #[arg(long)]
    profile: Option<String>,
    /// Refuse the Landlock-only fallback (as `[sandbox] require_full = true`).
    #[arg(long)]
    require_full: bool,
    /// Use a warm sandbox session (`airlock session start`) with the same workspace and policy
    /// if one runs (`auto`), never (`never`), or fail with 125 when none does (`require`).
    #[arg(long, value_enum, default_value = "auto")]
    session: SessionUse,
    /// The command and its arguments.
    #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true, value_name = "CMD")]
    command: Vec<OsString>,
}

#[derive(Args)]
pub struct ShellArgs {
    /// Run this command string with `bash -c` (as a shell does), sandboxed.
    #[arg(short = 'c', value_name = "COMMAND")]
    command: Option<OsString>,
    #[arg(long)]
    profile: Option<String>,
    /// Arguments after the command string (`$0`, `$1`, ...), as with `bash -c`.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    rest: Vec<OsString>,
}

#[derive(Args)]
pub struct DoctorArgs {
    /// Print the facts as JSON.
    #[arg(long)]
    json: bool,
}

/// Prints each refused connection with the command that tried it.
struct StderrReporter {
    command: String,
}

impl Reporter for StderrReporter {
    fn denied(&self, d: &Denial) {
        let kind = match d.kind {
            DenialKind::Connect => "connection to",
            DenialKind::Http => "HTTP request to",
            DenialKind::Dns => "DNS lookup of",
            DenialKind::Tls => "TLS connection to",
        };
        let target = if d.port == 0 { d.host.clone() } else { format!("{}:{}", d.host, d.port) };
        eprintln!("airlock: denied {kind} {target} ({}) from: {}", d.reason, self.command);
    }
}

pub fn run(a: RunArgs) -> Result<ExitCode> {
    let cwd = std::env::current_dir()?;
    let policy = Policy::load(&cwd)?;
    let mut rules = rules_from(&policy, a.profile.as_deref())?;
    for d in a.allow_domains {
        if !rules.allow_domains.contains(&d) {
            rules.allow_domains.push(d);
        }
    }
    for p in a.port_forwards {
        if !rules.port_forwards.contains(&p) {
            rules.port_forwards.push(p);
        }
    }
    launch(&policy, cwd, a.workspace, rules, a.command, a.require_full, a.session)
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SessionUse {
    Auto,
    Never,
    Require,
}

pub fn shell(a: ShellArgs) -> Result<ExitCode> {
    let cwd = std::env::current_dir()?;
    let policy = Policy::load(&cwd)?;
    let rules = rules_from(&policy, a.profile.as_deref())?;
    let sh = ["/bin/bash", "/usr/bin/bash", "/bin/sh"].into_iter().find(|p| std::path::Path::new(p).exists()).unwrap_or("/bin/sh");
    let mut argv: Vec<OsString> = vec![sh.into()];
    if let Some(c) = a.command {
        argv.push("-c".into());
        argv.push(c);
    }
    argv.extend(a.rest);
    launch(&policy, cwd, None, rules, argv, false, SessionUse::Auto)
}

/// The sandbox spec of one command from the policy, the flags and the working directory.
pub(crate) fn spec_for(policy: &Policy, cwd: PathBuf, workspace: Option<PathBuf>, rules: SandboxRules, argv: Vec<OsString>, require_full: bool) -> Result<SandboxSpec> {
    let mut spec = SandboxSpec::for_command(&cwd, argv);
    if let Some(w) = workspace.or_else(|| policy.workspace_root.clone()) {
        spec.workspace = std::fs::canonicalize(&w).map_err(|e| anyhow!("workspace {}: {e}", w.display()))?;
    }
    spec.rules = rules;
    spec.require_full = require_full || policy.sandbox.require_full.unwrap_or(false);
    Ok(spec)
}

fn launch(policy: &Policy, cwd: PathBuf, workspace: Option<PathBuf>, rules: SandboxRules, argv: Vec<OsString>, require_full: bool, session: SessionUse) -> Result<ExitCode> {
    let spec = spec_for(policy, cwd, workspace, rules, argv, require_full)?;
    if session != SessionUse::Never {
        use airlock_sandbox::session::client::{Attempt, Unavailable};
        match airlock_sandbox::session::client::run(&spec) {
            Attempt::Ran(code) => return Ok(ExitCode::from(code.clamp(0, 255) as u8)),
            Attempt::Unavailable(why) if session == SessionUse::Require => {
                eprintln!("airlock: sandbox: no usable session ({why:?}); --session require");
                return Ok(ExitCode::from(airlock_sandbox::SETUP_FAILED as u8));
            }
            // A session that answered wrongly: say so, then a fresh sandbox (never none).
            Attempt::Unavailable(Unavailable::Refused(why)) => eprintln!("airlock: note: sandbox session not used: {why}"),
            Attempt::Unavailable(_) => {}
        }
    }
    let mut command = spec.argv.iter().map(|a| a.to_string_lossy()).collect::<Vec<_>>().join(" ");
    // Every denial names the command: a long script is shown by its start.
    if command.chars().count() > 160 {
        command = command.chars().take(157).collect::<String>() + "...";
    }
    let reporter = Arc::new(StderrReporter { command });
    match airlock_sandbox::run(&spec, reporter) {
        Ok(code) => Ok(ExitCode::from(code.clamp(0, 255) as u8)),
        Err(e) => {
            eprintln!("airlock: sandbox: {e}");
            Ok(ExitCode::from(airlock_sandbox::SETUP_FAILED as u8))
        }
    }
}

/// The policy's sandbox settings (with `profile` added) in the launcher's terms.
pub(crate) fn rules_from(policy: &Policy, profile: Option<&str>) -> Result<SandboxRules> {
    let Some(r) = policy.sandbox.rules_for(profile) else {
        bail!("no sandbox profile {:?} in the policy ([sandbox.profiles.NAME])", profile.unwrap_or(""));
    };
    Ok(SandboxRules {
        allow_domains: r.allow_domains,
        port_forwards: r.allow_port_forwards,
        home_read: r.home_read,
        home_write: r.home_write,
        read_paths: r.read_paths.into_iter().map(PathBuf::from).collect(),
        write_paths: r.write_paths.into_iter().map(PathBuf::from).collect(),
        env: r.env,
    })
}

pub fn doctor(a: DoctorArgs) -> Result<ExitCode> {
    let s = airlock_sandbox::probe();
    let cwd = std::env::current_dir()?;
    let require_full = Policy::load(&cwd).map(|p| p.sandbox.require_full.unwrap_or(false)).unwrap_or(false);
    let level = s.level(require_full);
    if a.json {
        let v = serde_json::json!({
            "namespaces": s.namespaces.as_ref().map(|_| "available".to_string()).unwrap_or_else(|e| e.clone()),
            "apparmor_restricts_userns": s.apparmor_restricts_userns,
            "max_user_namespaces": s.max_user_namespaces,
            "landlock_abi": s.landlock_abi,
            "seccomp": s.seccomp,
            "seccomp_filtered": s.seccomp_filtered,
            "level": match &level { Ok(l) => format!("{l:?}"), Err(_) => "refuse".into() },
            "error": level.as_ref().err(),
        });
        println!("{v}");
    } else {
        let mark = |ok: bool| if ok { "ok  " } else { "MISS" };
        println!("{} user, mount, PID, network, IPC, UTS namespaces{}", mark(s.namespaces.is_ok()), s.namespaces.as_ref().err().map(|e| format!(": {e}")).unwrap_or_default());
        if let Some(r) = s.apparmor_restricts_userns {
            println!("{} AppArmor restriction on unprivileged user namespaces: {}", mark(!r || s.namespaces.is_ok()), if r { "on" } else { "off" });
        }
        if let Some(m) = s.max_user_namespaces {
            println!("{} user.max_user_namespaces = {m}", mark(m > 0));
        }
        let abi = s.landlock_abi;
        let extra = if abi >= 6 { " (signals and abstract sockets scoped)" } else if abi >= 4 { " (TCP rules)" } else { "" };
        println!("{} Landlock ABI {abi}{extra}", mark(abi > 0));
        println!("{} seccomp filters{}", mark(s.seccomp), if s.seccomp_filtered { " (already inside a filter)" } else { "" });
        match &level {
            Ok(airlock_sandbox::Level::Full) => println!("airlock run: full isolation (namespaces + Landlock + seccomp)"),
            Ok(airlock_sandbox::Level::LandlockOnly) => println!("airlock run: Landlock + seccomp only (WARNING: no private /tmp, PID or network namespace; --allow-domain refused)"),
            Err(e) => println!("airlock run: REFUSES to run: {e}"),
        }
    }
    Ok(if level.is_ok() { ExitCode::SUCCESS } else { ExitCode::from(2) })
}
