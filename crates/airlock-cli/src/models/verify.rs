//! `airlock models verify` (being written).

use clap::Args;
use std::process::ExitCode;

#[derive(Args)]
pub struct VerifyArgs {}

pub fn run(_args: VerifyArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("airlock models verify is not written yet")
}
