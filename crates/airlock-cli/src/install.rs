//! `airlock install` / `airlock uninstall`: the hook in an agent's settings.

use airlock_agents::install::{apply, plan, Options};
use airlock_agents::Agent;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct InstallArgs {
    /// claude-code, codex or gemini; or git-hook (a pre-commit hook running `airlock review --staged`)
    pub agent: String,
    /// Use the system-managed settings, which users and the agent's --bare cannot switch off.
    #[arg(long)]
    pub managed: bool,
    /// Print what would be written; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Write this settings file instead of the agent's default.
    #[arg(long, value_name = "FILE")]
    pub settings_file: Option<PathBuf>,
    /// Prefix for system paths with --managed (like DESTDIR).
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// git-hook: a pre-push hook reviewing the pushed commits instead of a pre-commit hook.
    #[arg(long)]
    pub pre_push: bool,
    /// git-hook: the repository (default: the current directory's).
    #[arg(long, value_name = "DIR")]
    pub repo: Option<PathBuf>,
    /// git-hook: when a hook airlock did not write is there, keep it (as NAME.airlock-chained, run
    /// first) instead of refusing.
    #[arg(long)]
    pub force: bool,
}

#[derive(Args)]
pub struct UninstallArgs {
    #[command(flatten)]
    pub inner: InstallArgs,
}

/// This airlock binary's path, quoted for a shell when it needs to be.
pub(crate) fn exe_quoted() -> anyhow::Result<String> {
    let exe = std::env::current_exe()?;
    let exe = exe.canonicalize().unwrap_or(exe);
    let exe = exe.to_str().ok_or_else(|| {
        anyhow::anyhow!("the airlock binary's path is not UTF-8: {}", exe.display())
    })?;
    let quoted = if exe
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+".contains(c))
    {
        exe.to_string()
    } else {
        format!("'{}'", exe.replace('\'', "'\\''"))
    };
    Ok(quoted)
}

fn options(a: &InstallArgs) -> anyhow::Result<Options> {
    let agent = Agent::parse(&a.agent)?;
    let quoted = exe_quoted()?;
    Ok(Options {
        agent,
        managed: a.managed,
        command: format!("{quoted} hook {}", agent.name()),
        settings_file: a.settings_file.clone(),
        root: a.root.clone(),
        home: std::env::var_os("HOME").map(PathBuf::from),
    })
}

fn git_hook(a: &InstallArgs, remove: bool) -> anyhow::Result<ExitCode> {
    let o = crate::githook::HookOptions {
        kind: if a.pre_push { crate::githook::Kind::PrePush } else { crate::githook::Kind::PreCommit },
        repo: crate::resolve_cwd(a.repo.clone()),
        force: a.force,
        dry_run: a.dry_run,
        exe: exe_quoted()?,
    };
    if remove {
        crate::githook::uninstall(&o)
    } else {
        crate::githook::install(&o)
    }
}

fn run(a: &InstallArgs, remove: bool) -> anyhow::Result<ExitCode> {
    if a.agent == "git-hook" {
        return git_hook(a, remove);
    }
    let opts = options(a)?;
    let changes = plan(&opts, remove)?;
    for c in &changes {
        if a.dry_run {
            println!(
                "--- {} ({})",
                c.path.display(),
                if c.changed() {
                    "would change"
                } else {
                    "unchanged"
                }
            );
            print!("{}", c.after);
        } else if c.changed() {
            println!(
                "{} {}",
                if remove { "updated" } else { "wrote" },
                c.path.display()
            );
        } else {
            println!("unchanged {}", c.path.display());
        }
    }
    if !a.dry_run {
        apply(&changes)?;
        if !remove {
            println!(
                "airlock now judges every {} tool call before it runs.",
                opts.agent
            );
            if opts.agent == Agent::Codex && !opts.managed {
                println!("note: Codex skips hooks.json hooks it has not been told to trust; use --managed for a hook users cannot skip.");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn run_install(a: InstallArgs) -> anyhow::Result<ExitCode> {
    run(&a, false)
}

pub fn run_uninstall(a: UninstallArgs) -> anyhow::Result<ExitCode> {
    run(&a.inner, true)
}
