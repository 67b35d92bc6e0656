//! `airlock models verify`: check an OpenSSF model-signing bundle over a model
//! directory or file. Exit 0 verified, 2 failed.

use airlock_signing::{Options, VerifierSpec};
use anyhow::Context;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct VerifyArgs {
    /// The model directory or single model file.
    path: PathBuf,
    /// The bundle (a model-signing Sigstore bundle, JSON).
    #[arg(long, value_name = "FILE")]
    signature: PathBuf,
    /// Trust this EC public key (SubjectPublicKeyInfo PEM; P-256, P-384, P-521).
    #[arg(long, value_name = "PEM", group = "trust")]
    public_key: Option<PathBuf>,
    /// Trust these certificates (PEM) as anchors for the bundle's certificate chain.
    #[arg(long, value_name = "PEM", group = "trust")]
    certificate: Option<PathBuf>,
    /// Keyless Sigstore: the signer's certificate identity (with --issuer).
    #[arg(long, value_name = "ID", group = "trust", requires = "issuer")]
    identity: Option<String>,
    /// Keyless Sigstore: the OIDC issuer URL (with --identity).
    #[arg(long, value_name = "URL", requires = "identity")]
    issuer: Option<String>,
    /// Follow symbolic links (e.g. a Hugging Face cache snapshot); refused otherwise.
    #[arg(long)]
    follow_symlinks: bool,
    /// Hashing threads (default: one per core).
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

const MAX_PEM: u64 = 4 * 1024 * 1024;

pub fn run(a: VerifyArgs) -> anyhow::Result<ExitCode> {
    let read = |p: &PathBuf| {
        airlock_signing::read_capped(p, MAX_PEM).with_context(|| format!("reading {}", p.display()))
    };
    let spec = match (&a.public_key, &a.certificate, &a.identity, &a.issuer) {
        (Some(k), None, None, None) => VerifierSpec::PublicKey(read(k)?),
        (None, Some(c), None, None) => VerifierSpec::Certificate(read(c)?),
        (None, None, Some(id), Some(iss)) => VerifierSpec::Keyless { identity: id.clone(), issuer: iss.clone() },
        _ => anyhow::bail!("give one of --public-key, --certificate, or --identity with --issuer"),
    };
    let opts = Options { follow_symlinks: a.follow_symlinks, threads: a.threads };
    match airlock_signing::verify_with(&a.path, &a.signature, &spec, &opts) {
        Ok(v) => {
            if a.json {
                let files: Vec<_> = v
                    .files
                    .iter()
                    .map(|f| serde_json::json!({"name": f.name, "sha256": f.sha256, "bytes": f.bytes}))
                    .collect();
                let out = serde_json::json!({
                    "verified": true,
                    "signer": v.signer.to_string(),
                    "model_name": v.model_name,
                    "files": files,
                    "excluded": v.excluded,
                    "signed_ignore_paths": v.signed_ignore_paths,
                    "bytes_hashed": v.bytes_hashed,
                });
                println!("{}", serde_json::to_string_pretty(&out)?);
            } else {
                println!(
                    "verified: {} files ({} bytes) in {} signed by {}",
                    v.files.len(),
                    v.bytes_hashed,
                    a.path.display(),
                    v.signer
                );
                if !v.excluded.is_empty() {
                    println!("not covered (VCS metadata): {}", v.excluded.join(", "));
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            if a.json {
                let out = serde_json::json!({"verified": false, "error": e.to_string()});
                println!("{}", serde_json::to_string_pretty(&out)?);
            } else {
                eprintln!("verification failed: {e}");
            }
            Ok(ExitCode::from(2))
        }
    }
}
