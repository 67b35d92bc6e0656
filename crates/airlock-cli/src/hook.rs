use clap::Args;
use std::process::ExitCode;

#[derive(Args)]
pub struct HookArgs {
    /// claude-code, codex or gemini
    pub agent: String,
}

pub fn run(_a: HookArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("hook: not built yet")
}
