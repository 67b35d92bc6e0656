//! `airlock models`: check local model files before an engine loads them.

mod sign;
mod verify;

use clap::{Args, Subcommand};
use std::process::ExitCode;

#[derive(Args)]
pub struct ModelsArgs {
    #[command(subcommand)]
    command: ModelsCommand,
}

#[derive(Subcommand)]
enum ModelsCommand {
    /// Verify an OpenSSF model-signing bundle over a model directory or file: exit 0 verified, 2 failed.
    Verify(verify::VerifyArgs),
    /// Sign a model directory or file with a private key (a bundle `model_signing verify key` accepts).
    Sign(sign::SignArgs),
}

pub fn run(args: ModelsArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        ModelsCommand::Verify(a) => verify::run(a),
        ModelsCommand::Sign(a) => sign::run(a),
    }
}
