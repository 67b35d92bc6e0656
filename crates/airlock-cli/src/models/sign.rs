//! `airlock models sign` (being written).

use clap::Args;
use std::process::ExitCode;

#[derive(Args)]
pub struct SignArgs {}

pub fn run(_args: SignArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("airlock models sign is not written yet")
}
