use clap::Args;
use std::process::ExitCode;

#[derive(Args)]
pub struct CheckArgs {
    /// Print the verdict as JSON.
    #[arg(long)]
    pub json: bool,
    /// The directory the command would run in.
    #[arg(long)]
    pub cwd: Option<std::path::PathBuf>,
    /// Read JSON lines {"id", "command"} from FILE (`-` for stdin) and write one verdict per line.
    #[arg(long, value_name = "FILE", conflicts_with = "command")]
    pub batch: Option<String>,
    /// The command line to judge.
    pub command: Option<String>,
}

pub fn run(_a: CheckArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("check: not built yet")
}
