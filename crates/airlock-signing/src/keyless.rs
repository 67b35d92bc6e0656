//! Keyless Sigstore bundles (a short-lived Fulcio certificate, a Rekor entry,
//! timestamps), checked by the `sigstore-verify` crate offline against the
//! Sigstore public-good trusted root that `sigstore-trust-root` embeds: the
//! certificate chain to Fulcio at the verified times, the SCT, the transparency
//! log entry (inclusion proof or promise), the DSSE signature, and the
//! identity (certificate SAN) and OIDC issuer policy. The DSSE statement's
//! subject digest is the artifact digest it binds.

use crate::keys::hex;
use crate::{Signer, SigningError};

fn err(e: impl std::fmt::Display) -> SigningError {
    SigningError::Keyless(e.to_string())
}

/// Verifies a keyless bundle for `identity` and `issuer`, binding it to the
/// statement whose subject digest is `subject_sha256`.
pub fn verify(json: &[u8], identity: &str, issuer: &str, subject_sha256: &[u8; 32]) -> Result<Signer, SigningError> {
    let text = std::str::from_utf8(json).map_err(|_| SigningError::Bundle("bundle is not UTF-8".into()))?;
    let bundle = sigstore_verify::types::Bundle::from_json(text)
        .map_err(|e| SigningError::Bundle(format!("not a Sigstore bundle: {e}")))?;
    let root = sigstore_verify::trust_root::TrustedRoot::from_json(
        sigstore_verify::trust_root::SIGSTORE_PRODUCTION_TRUSTED_ROOT,
    )
    .map_err(err)?;
    let policy = sigstore_verify::VerificationPolicy::new(identity, issuer);
    let digest = sigstore_verify::types::Sha256Hash::from_hex(&hex(subject_sha256)).map_err(err)?;
    let result = sigstore_verify::verify(digest, &bundle, &policy, &root).map_err(err)?;
    if !result.identity_policy_checked() || !result.tlog_verified() {
        return Err(err("identity policy or transparency log not checked"));
    }
    Ok(Signer::Keyless { identity: identity.to_string(), issuer: issuer.to_string() })
}
