//! `airlock models sign`: sign every file of a model with an EC private key,
//! producing a bundle that `model_signing verify key` accepts.

use airlock_signing::Options;
use anyhow::Context;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct SignArgs {
    /// The model directory or single model file.
    path: PathBuf,
    /// EC private key (PKCS#8 or SEC1 PEM, unencrypted; P-256, P-384, P-521).
    #[arg(long, value_name = "PEM")]
    private_key: PathBuf,
    /// Where to write the bundle (left out of the signature when inside the model).
    #[arg(long, value_name = "FILE")]
    output: PathBuf,
    /// Follow symbolic links; refused otherwise.
    #[arg(long)]
    follow_symlinks: bool,
    /// Hashing threads (default: one per core).
    #[arg(long, default_value_t = 0)]
    threads: usize,
}

pub fn run(a: SignArgs) -> anyhow::Result<ExitCode> {
    let pem = airlock_signing::read_capped(&a.private_key, 1024 * 1024)
        .with_context(|| format!("reading {}", a.private_key.display()))?;
    let opts = Options { follow_symlinks: a.follow_symlinks, threads: a.threads };
    let s = airlock_signing::sign(&a.path, &pem, &a.output, &opts)
        .with_context(|| format!("signing {}", a.path.display()))?;
    println!(
        "signed {} files ({} bytes) with {} -> {}",
        s.files.len(),
        s.bytes_hashed,
        s.signer,
        a.output.display()
    );
    Ok(ExitCode::SUCCESS)
}
