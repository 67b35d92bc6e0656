//! `airlock models`: check local model files before an engine loads them.

mod check;
mod scan;
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
    /// Scan model files by content (pickle, zip-wrapped PyTorch, numpy, safetensors, GGUF):
    /// exit 0 clean, 1 warnings (not checked), 2 unsafe, 3 error.
    Scan(scan::ScanArgs),
    /// Scan, then verify the signature against the trusted publishers in airlock.toml
    /// (`[[models.publishers]]`): an unknown publisher or an unsigned model is refused (exit 2).
    Check(check::CheckArgs),
    /// Verify an OpenSSF model-signing bundle over a model directory or file: exit 0 verified, 2 failed.
    Verify(verify::VerifyArgs),
    /// Sign a model directory or file with a private key (a bundle `model_signing verify key` accepts).
    Sign(sign::SignArgs),
}

pub fn run(args: ModelsArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        ModelsCommand::Scan(a) => scan::run(a),
        ModelsCommand::Check(a) => check::run(a),
        ModelsCommand::Verify(a) => verify::run(a),
        ModelsCommand::Sign(a) => sign::run(a),
    }
}
