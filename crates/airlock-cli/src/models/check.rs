//! `airlock models check`: scan, then verify the signature against the trusted publishers
//! of `airlock.toml`. A model passes only when its files are clean and every one of them is
//! signed by a publisher the policy names.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use airlock_config::{Policy, Publisher, PublisherKey};
use airlock_signing::{Options, SigningError, VerifierSpec};
use clap::Args;
use serde::Serialize;

use super::scan;

#[derive(Args)]
pub struct CheckArgs {
    /// A model folder or file.
    pub path: PathBuf,
    /// The signature bundle (default: `model.sig` inside a folder, `<file>.sig` beside a file).
    #[arg(long, value_name = "FILE")]
    pub signature: Option<PathBuf>,
    /// Follow symbolic links while hashing (automatic inside a Hugging Face cache snapshot).
    #[arg(long)]
    pub follow_symlinks: bool,
    /// One JSON document on stdout.
    #[arg(long)]
    pub json: bool,
    /// Worker threads for scanning and hashing (default: one per core).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
}

/// The signature half of the answer.
#[derive(Debug, Serialize)]
pub(crate) struct SignatureCheck {
    pub ok: bool,
    /// Why it passed or failed, for a person.
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signer: Option<String>,
    pub files: usize,
}

impl SignatureCheck {
    fn fail(message: impl Into<String>) -> Self {
        SignatureCheck { ok: false, message: message.into(), publisher: None, signer: None, files: 0 }
    }
}

fn default_signature(path: &Path) -> PathBuf {
    if path.is_dir() {
        path.join("model.sig")
    } else {
        let mut s = path.as_os_str().to_owned();
        s.push(".sig");
        PathBuf::from(s)
    }
}

fn spec_of(p: &Publisher) -> anyhow::Result<VerifierSpec> {
    let read = |f: &Path| {
        std::fs::read(f).map_err(|e| anyhow::anyhow!("publisher {:?} ({}): cannot read {}: {e}", p.name, p.source.display(), f.display()))
    };
    Ok(match &p.key {
        PublisherKey::PublicKey(f) => VerifierSpec::PublicKey(read(f)?),
        PublisherKey::Certificate(f) => VerifierSpec::Certificate(read(f)?),
        PublisherKey::Identity { identity, issuer } => {
            VerifierSpec::Keyless { identity: identity.clone(), issuer: issuer.clone() }
        }
    })
}

/// Verifies `sig` over `model` against each trusted publisher in turn.
pub(crate) fn check_signature(
    model: &Path,
    sig: &Path,
    policy: &Policy,
    opts: &Options,
) -> anyhow::Result<SignatureCheck> {
    let publishers = &policy.models.publishers;
    if !sig.exists() {
        let msg = format!("no signature at {}", sig.display());
        return Ok(if policy.models.require_signature() {
            SignatureCheck::fail(format!("{msg}: unsigned models are refused (require_signature)"))
        } else {
            SignatureCheck { ok: true, message: format!("{msg} (allowed: require_signature = false)"), publisher: None, signer: None, files: 0 }
        });
    }
    if publishers.is_empty() {
        return Ok(SignatureCheck::fail(
            "no trusted publishers: add [[models.publishers]] with a public_key, certificate or identity+issuer to airlock.toml",
        ));
    }
    let json = airlock_signing::read_capped(sig, airlock_signing::bundle::MAX_BUNDLE_BYTES)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut tried = Vec::new();
    for p in publishers {
        let spec = spec_of(p)?;
        match airlock_signing::verify_bundle(&json, &spec) {
            Ok((signer, manifest)) => {
                // The publisher signed it: now every file must match.
                return Ok(match airlock_signing::check_tree(model, &manifest, Some(sig), opts) {
                    Ok((files, _, _)) => SignatureCheck {
                        ok: true,
                        message: format!("signed by trusted publisher {:?}", p.name),
                        publisher: Some(p.name.clone()),
                        signer: Some(signer.to_string()),
                        files: files.len(),
                    },
                    Err(e) => SignatureCheck {
                        ok: false,
                        message: format!("signed by {:?}, but {e}", p.name),
                        publisher: Some(p.name.clone()),
                        signer: Some(signer.to_string()),
                        files: 0,
                    },
                });
            }
            Err(e @ (SigningError::Bundle(_) | SigningError::Io { .. })) => {
                return Ok(SignatureCheck::fail(format!("{}: {e}", sig.display())))
            }
            Err(e) => tried.push(format!("{}: {e}", p.name)),
        }
    }
    Ok(SignatureCheck::fail(format!(
        "not signed by a trusted publisher; unknown publishers are refused (tried {})",
        tried.join("; ")
    )))
}

pub fn run(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let cwd = std::env::current_dir()?;
    let policy = Policy::load(&cwd)?;
    let reports = scan::scan_paths(std::slice::from_ref(&args.path), args.threads)?;
    let sig = args.signature.clone().unwrap_or_else(|| default_signature(&args.path));
    let in_hf_snapshot = std::fs::canonicalize(&args.path)
        .map(|p| p.components().any(|c| c.as_os_str() == "snapshots"))
        .unwrap_or(false);
    let opts = Options { follow_symlinks: args.follow_symlinks || in_hf_snapshot, threads: args.threads };
    let signature = check_signature(&args.path, &sig, &policy, &opts)?;
    let code = scan::exit_of(&reports).max(if signature.ok { 0 } else { 2 });
    if args.json {
        let doc = serde_json::json!({ "reports": reports, "signature": signature, "exit": code });
        println!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        scan::print_text(&reports, false);
        let v = if signature.ok { "ok" } else { "REFUSED" };
        let who = signature.signer.as_deref().map(|s| format!(" ({s}, {} files)", signature.files)).unwrap_or_default();
        println!("signature: {v}: {}{who}", signature.message);
    }
    Ok(ExitCode::from(code))
}
