//! Certificate method: the bundle carries the signing certificate and its
//! chain; the caller supplies the trusted certificates (PEM). Like
//! model_signing, validity is checked at the signing certificate's notBefore
//! (the bundle carries no trusted timestamp for this method).
//!
//! Path building: from the signing certificate, each step finds an issuer
//! whose subject equals the certificate's issuer name and whose key verifies
//! its signature, first among the trusted certificates (any one of them is a
//! trust anchor), then among the bundle's other certificates (which must be
//! CAs). Issuer signatures: ECDSA with SHA-256/384/512 on P-256/384/521, or
//! RSA PKCS#1 v1.5 with SHA-256/384/512.
//! The signing certificate needs keyUsage digitalSignature or extendedKeyUsage
//! codeSigning. Unknown critical extensions are refused.

use crate::keys::{hex, HashAlg, PublicKey};
use crate::SigningError;
use der::oid::ObjectIdentifier;
use der::{Decode, Encode};
use sha2::{Digest, Sha256};
use std::time::Duration;
use x509_cert::ext::pkix::{BasicConstraints, ExtendedKeyUsage, KeyUsage};
use x509_cert::Certificate;

const BASIC_CONSTRAINTS: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.19");
const KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.15");
const EXT_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.37");
const SUBJECT_ALT_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.17");
const CODE_SIGNING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.3");
const ECDSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const ECDSA_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");
const ECDSA_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.4");
const RSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
const RSA_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.12");
const RSA_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.13");

/// Longest path (signing certificate to anchor).
const MAX_PATH: usize = 8;
/// Largest trusted-certificates PEM read.
pub const MAX_TRUST_PEM: usize = 4 * 1024 * 1024;

/// Who signed, per the certificate method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertSigner {
    /// Subject of the signing certificate (RFC 4514 form).
    pub subject: String,
    /// Issuer of the signing certificate.
    pub issuer: String,
    /// SHA-256 of the signing certificate's DER, lowercase hex.
    pub fingerprint: String,
    /// Subject of the trusted certificate the path ended at.
    pub anchor: String,
}

fn cert_err(msg: impl Into<String>) -> SigningError {
    SigningError::Certificate(msg.into())
}

fn ext<T: for<'a> Decode<'a>>(c: &Certificate, oid: ObjectIdentifier) -> Result<Option<T>, SigningError> {
    let Some(exts) = &c.tbs_certificate.extensions else { return Ok(None) };
    let mut found = exts.iter().filter(|e| e.extn_id == oid);
    let Some(e) = found.next() else { return Ok(None) };
    if found.next().is_some() {
        return Err(cert_err(format!("extension {oid} appears twice")));
    }
    T::from_der(e.extn_value.as_bytes())
        .map(Some)
        .map_err(|err| cert_err(format!("extension {oid} is malformed: {err}")))
}

fn check_critical(c: &Certificate) -> Result<(), SigningError> {
    let known = [BASIC_CONSTRAINTS, KEY_USAGE, EXT_KEY_USAGE, SUBJECT_ALT_NAME];
    for e in c.tbs_certificate.extensions.iter().flatten() {
        if e.critical && !known.contains(&e.extn_id) {
            return Err(cert_err(format!(
                "certificate {} has an unsupported critical extension {}",
                c.tbs_certificate.subject, e.extn_id
            )));
        }
    }
    Ok(())
}

fn valid_at(c: &Certificate, t: Duration) -> Result<(), SigningError> {
    let v = &c.tbs_certificate.validity;
    if v.not_before.to_unix_duration() <= t && t <= v.not_after.to_unix_duration() {
        Ok(())
    } else {
        Err(cert_err(format!(
            "certificate {} is not valid at signing time (valid {} to {})",
            c.tbs_certificate.subject, v.not_before, v.not_after
        )))
    }
}

fn is_ca(c: &Certificate, anchor: bool) -> Result<bool, SigningError> {
    let bc: Option<BasicConstraints> = ext(c, BASIC_CONSTRAINTS)?;
    let ku: Option<KeyUsage> = ext(c, KEY_USAGE)?;
    let ca = match bc {
        Some(bc) => bc.ca,
        // A version-1 trusted root carries no extensions at all.
        None => anchor && c.tbs_certificate.extensions.is_none(),
    };
    Ok(ca && ku.map(|k| k.key_cert_sign()).unwrap_or(true))
}

/// Whether `issuer`'s key verifies `child`'s signature.
fn signed_by(child: &Certificate, issuer: &Certificate) -> bool {
    if child.tbs_certificate.issuer != issuer.tbs_certificate.subject {
        return false;
    }
    let (alg, rsa) = match child.signature_algorithm.oid {
        o if o == ECDSA_SHA256 => (HashAlg::Sha256, false),
        o if o == ECDSA_SHA384 => (HashAlg::Sha384, false),
        o if o == ECDSA_SHA512 => (HashAlg::Sha512, false),
        o if o == RSA_SHA256 => (HashAlg::Sha256, true),
        o if o == RSA_SHA384 => (HashAlg::Sha384, true),
        o if o == RSA_SHA512 => (HashAlg::Sha512, true),
        _ => return false,
    };
    let Ok(spki) = issuer.tbs_certificate.subject_public_key_info.to_der() else { return false };
    let Ok(tbs) = child.tbs_certificate.to_der() else { return false };
    let Some(sig) = child.signature.as_bytes() else { return false };
    if rsa {
        return rsa_verify(alg, &spki, &tbs, sig);
    }
    let Ok(key) = PublicKey::from_spki_der(&spki) else { return false };
    key.verify_der_with(alg, &tbs, sig).is_ok()
}

/// RSA PKCS#1 v1.5 issuer signatures (CAs made with RSA keys).
fn rsa_verify(alg: HashAlg, spki: &[u8], tbs: &[u8], sig: &[u8]) -> bool {
    use rsa::pkcs8::DecodePublicKey;
    use rsa::signature::Verifier;
    let Ok(key) = rsa::RsaPublicKey::from_public_key_der(spki) else { return false };
    let Ok(sig) = rsa::pkcs1v15::Signature::try_from(sig) else { return false };
    match alg {
        HashAlg::Sha256 => rsa::pkcs1v15::VerifyingKey::<sha2::Sha256>::new(key).verify(tbs, &sig).is_ok(),
        HashAlg::Sha384 => rsa::pkcs1v15::VerifyingKey::<sha2::Sha384>::new(key).verify(tbs, &sig).is_ok(),
        HashAlg::Sha512 => rsa::pkcs1v15::VerifyingKey::<sha2::Sha512>::new(key).verify(tbs, &sig).is_ok(),
    }
}

/// Checks the bundle's chain against the trusted PEM certificates; returns
/// the signing certificate's key and who it names.
pub fn verify_chain(chain_der: &[Vec<u8>], trusted_pem: &[u8]) -> Result<(PublicKey, CertSigner), SigningError> {
    if trusted_pem.len() > MAX_TRUST_PEM {
        return Err(cert_err("trusted certificate file is too large"));
    }
    let anchors = Certificate::load_pem_chain(trusted_pem)
        .map_err(|e| cert_err(format!("cannot read trusted certificates PEM: {e}")))?;
    if anchors.is_empty() {
        return Err(cert_err("no trusted certificate given"));
    }
    let mut certs = Vec::with_capacity(chain_der.len());
    for d in chain_der {
        certs.push(Certificate::from_der(d).map_err(|e| cert_err(format!("bundle certificate is not DER X.509: {e}")))?);
    }
    let (leaf, intermediates) = certs.split_first().ok_or_else(|| cert_err("bundle has no certificate"))?;
    let t = leaf.tbs_certificate.validity.not_before.to_unix_duration();

    check_critical(leaf)?;
    let ku: Option<KeyUsage> = ext(leaf, KEY_USAGE)?;
    let eku: Option<ExtendedKeyUsage> = ext(leaf, EXT_KEY_USAGE)?;
    let can_sign = ku.map(|k| k.digital_signature()).unwrap_or(false)
        || eku.map(|e| e.0.contains(&CODE_SIGNING)).unwrap_or(false);
    if !can_sign {
        return Err(cert_err("signing certificate allows neither digitalSignature nor codeSigning"));
    }

    let mut current = leaf;
    let mut anchor = None;
    for _ in 0..MAX_PATH {
        valid_at(current, t)?;
        if let Some(a) = anchors.iter().find(|a| signed_by(current, a)) {
            check_critical(a)?;
            valid_at(a, t)?;
            if !is_ca(a, true)? {
                return Err(cert_err(format!("trusted certificate {} is not a CA", a.tbs_certificate.subject)));
            }
            anchor = Some(a);
            break;
        }
        let mut next = None;
        for i in intermediates {
            if !std::ptr::eq(i, current) && signed_by(current, i) {
                check_critical(i)?;
                if !is_ca(i, false)? {
                    return Err(cert_err(format!("certificate {} is not a CA", i.tbs_certificate.subject)));
                }
                next = Some(i);
                break;
            }
        }
        current = next.ok_or_else(|| {
            cert_err(format!(
                "no trusted path: nothing verifies the certificate of {} (issuer {})",
                current.tbs_certificate.subject, current.tbs_certificate.issuer
            ))
        })?;
    }
    let anchor = anchor.ok_or_else(|| cert_err("certificate path is too long"))?;

    let spki = leaf
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .map_err(|e| cert_err(format!("signing certificate key: {e}")))?;
    let key = PublicKey::from_spki_der(&spki)?;
    let leaf_der = chain_der.first().map(Vec::as_slice).unwrap_or_default();
    Ok((
        key,
        CertSigner {
            subject: leaf.tbs_certificate.subject.to_string(),
            issuer: leaf.tbs_certificate.issuer.to_string(),
            fingerprint: hex(&Sha256::digest(leaf_der)),
            anchor: anchor.tbs_certificate.subject.to_string(),
        },
    ))
}
