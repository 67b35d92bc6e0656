use clap::Args;
use std::process::ExitCode;

#[derive(Args)]
pub struct RulesArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct ExplainArgs {
    /// A rule code, e.g. EXF001.
    pub code: String,
}

pub fn run_rules(_a: RulesArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("rules: not built yet")
}

pub fn run_explain(_a: ExplainArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("explain: not built yet")
}
