use clap::Args;
use std::process::ExitCode;

#[derive(Args)]
pub struct InstallArgs {
    /// claude-code, codex or gemini
    pub agent: String,
}

#[derive(Args)]
pub struct UninstallArgs {
    /// claude-code, codex or gemini
    pub agent: String,
}

pub fn run_install(_a: InstallArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("install: not built yet")
}

pub fn run_uninstall(_a: UninstallArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("uninstall: not built yet")
}
