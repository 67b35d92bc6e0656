//! Elliptic-curve keys: P-256 with SHA-256, P-384 with SHA-384, P-521 with SHA-512
//! (the hash follows the curve, as model_signing does). Signatures are ASN.1 DER.

use crate::SigningError;
use ecdsa::signature::hazmat::PrehashVerifier;
use ecdsa::signature::{Signer as _, Verifier as _};
use p256::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePublicKey, LineEnding};
use sha2::{Digest, Sha256};

/// The curves model_signing accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Curve {
    P256,
    P384,
    P521,
}

impl Curve {
    pub fn name(self) -> &'static str {
        match self {
            Curve::P256 => "P-256",
            Curve::P384 => "P-384",
            Curve::P521 => "P-521",
        }
    }
}

impl std::fmt::Display for Curve {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A hash named by a certificate's signature algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashAlg {
    Sha256,
    Sha384,
    Sha512,
}

impl HashAlg {
    fn digest(self, msg: &[u8]) -> Vec<u8> {
        match self {
            HashAlg::Sha256 => Sha256::digest(msg).to_vec(),
            HashAlg::Sha384 => sha2::Sha384::digest(msg).to_vec(),
            HashAlg::Sha512 => sha2::Sha512::digest(msg).to_vec(),
        }
    }
}

/// A public key on one of the supported curves.
#[derive(Debug, Clone)]
pub enum PublicKey {
    P256(p256::PublicKey),
    P384(p384::PublicKey),
    P521(p521::PublicKey),
}

/// A private key on one of the supported curves.
pub enum PrivateKey {
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
    P521(p521::ecdsa::SigningKey),
}

fn key_err(what: &str) -> SigningError {
    SigningError::Key(what.to_string())
}

impl PublicKey {
    /// Reads a SubjectPublicKeyInfo PEM (`-----BEGIN PUBLIC KEY-----`).
    pub fn from_spki_pem(pem: &str) -> Result<Self, SigningError> {
        if let Ok(k) = p256::PublicKey::from_public_key_pem(pem) {
            return Ok(PublicKey::P256(k));
        }
        if let Ok(k) = p384::PublicKey::from_public_key_pem(pem) {
            return Ok(PublicKey::P384(k));
        }
        if let Ok(k) = p521::PublicKey::from_public_key_pem(pem) {
            return Ok(PublicKey::P521(k));
        }
        Err(key_err(
            "not an EC public key on P-256, P-384 or P-521 in SubjectPublicKeyInfo PEM",
        ))
    }

    /// Reads a DER SubjectPublicKeyInfo (as found in a certificate).
    pub fn from_spki_der(der: &[u8]) -> Result<Self, SigningError> {
        if let Ok(k) = p256::PublicKey::from_public_key_der(der) {
            return Ok(PublicKey::P256(k));
        }
        if let Ok(k) = p384::PublicKey::from_public_key_der(der) {
            return Ok(PublicKey::P384(k));
        }
        if let Ok(k) = p521::PublicKey::from_public_key_der(der) {
            return Ok(PublicKey::P521(k));
        }
        Err(key_err("certificate key is not an EC key on P-256, P-384 or P-521"))
    }

    pub fn curve(&self) -> Curve {
        match self {
            PublicKey::P256(_) => Curve::P256,
            PublicKey::P384(_) => Curve::P384,
            PublicKey::P521(_) => Curve::P521,
        }
    }

    /// The SubjectPublicKeyInfo PEM with LF line endings, uncompressed point.
    pub fn to_spki_pem(&self) -> Result<String, SigningError> {
        let pem = match self {
            PublicKey::P256(k) => k.to_public_key_pem(LineEnding::LF),
            PublicKey::P384(k) => k.to_public_key_pem(LineEnding::LF),
            PublicKey::P521(k) => k.to_public_key_pem(LineEnding::LF),
        };
        pem.map_err(|e| SigningError::Key(format!("cannot encode public key: {e}")))
    }

    /// SHA-256 (hex) of the SPKI PEM text: the `publicKey.hint` model_signing
    /// writes into bundles and the fingerprint airlock reports for a key.
    pub fn fingerprint(&self) -> Result<String, SigningError> {
        Ok(hex(&Sha256::digest(self.to_spki_pem()?.as_bytes())))
    }

    /// Verifies an ASN.1 DER ECDSA signature over `msg`, hashing with the
    /// curve's hash.
    pub fn verify_der(&self, msg: &[u8], sig_der: &[u8]) -> Result<(), SigningError> {
        let ok = match self {
            PublicKey::P256(k) => p256::ecdsa::Signature::from_der(sig_der)
                .ok()
                .map(|s| p256::ecdsa::VerifyingKey::from(k).verify(msg, &s).is_ok()),
            PublicKey::P384(k) => p384::ecdsa::Signature::from_der(sig_der)
                .ok()
                .map(|s| p384::ecdsa::VerifyingKey::from(k).verify(msg, &s).is_ok()),
            PublicKey::P521(k) => p521::ecdsa::Signature::from_der(sig_der).ok().and_then(|s| {
                let vk = p521::ecdsa::VerifyingKey::from_affine(*k.as_affine()).ok()?;
                Some(vk.verify(msg, &s).is_ok())
            }),
        };
        match ok {
            Some(true) => Ok(()),
            Some(false) => Err(SigningError::BadSignature),
            None => Err(SigningError::Bundle(format!(
                "signature is not an ASN.1 DER ECDSA signature for {}",
                self.curve()
            ))),
        }
    }
}

impl PublicKey {
    /// Verifies an ASN.1 DER ECDSA signature over `msg` hashed with `alg`
    /// (certificate signatures name their hash).
    pub fn verify_der_with(&self, alg: HashAlg, msg: &[u8], sig_der: &[u8]) -> Result<(), SigningError> {
        let h = alg.digest(msg);
        let ok = match self {
            PublicKey::P256(k) => p256::ecdsa::Signature::from_der(sig_der)
                .ok()
                .map(|s| p256::ecdsa::VerifyingKey::from(k).verify_prehash(&h, &s).is_ok()),
            PublicKey::P384(k) => p384::ecdsa::Signature::from_der(sig_der)
                .ok()
                .map(|s| p384::ecdsa::VerifyingKey::from(k).verify_prehash(&h, &s).is_ok()),
            PublicKey::P521(k) => p521::ecdsa::Signature::from_der(sig_der).ok().and_then(|s| {
                let vk = p521::ecdsa::VerifyingKey::from_affine(*k.as_affine()).ok()?;
                Some(vk.verify_prehash(&h, &s).is_ok())
            }),
        };
        if ok == Some(true) {
            Ok(())
        } else {
            Err(SigningError::BadSignature)
        }
    }
}

impl PrivateKey {
    /// Reads a PKCS#8 (`BEGIN PRIVATE KEY`) or SEC1 (`BEGIN EC PRIVATE KEY`)
    /// PEM. Encrypted keys are not supported.
    pub fn from_pem(pem: &str) -> Result<Self, SigningError> {
        if pem.contains("ENCRYPTED PRIVATE KEY") || pem.contains("Proc-Type: 4,ENCRYPTED") {
            return Err(key_err("encrypted private keys are not supported"));
        }
        if let Ok(k) = p256::SecretKey::from_pkcs8_pem(pem).or_else(|_| p256::SecretKey::from_sec1_pem(pem)) {
            return Ok(PrivateKey::P256(k.into()));
        }
        if let Ok(k) = p384::SecretKey::from_pkcs8_pem(pem).or_else(|_| p384::SecretKey::from_sec1_pem(pem)) {
            return Ok(PrivateKey::P384(k.into()));
        }
        if let Ok(k) = p521::SecretKey::from_pkcs8_pem(pem).or_else(|_| p521::SecretKey::from_sec1_pem(pem)) {
            let sk = p521::ecdsa::SigningKey::from_bytes(&k.to_bytes())
                .map_err(|_| key_err("invalid P-521 private key"))?;
            return Ok(PrivateKey::P521(sk));
        }
        Err(key_err(
            "not an EC private key on P-256, P-384 or P-521 in PKCS#8 or SEC1 PEM",
        ))
    }

    pub fn public_key(&self) -> Result<PublicKey, SigningError> {
        Ok(match self {
            PrivateKey::P256(k) => PublicKey::P256(k.verifying_key().into()),
            PrivateKey::P384(k) => PublicKey::P384(k.verifying_key().into()),
            PrivateKey::P521(k) => {
                let point = p521::ecdsa::VerifyingKey::from(k).to_encoded_point(false);
                PublicKey::P521(
                    p521::PublicKey::from_sec1_bytes(point.as_bytes())
                        .map_err(|_| key_err("invalid P-521 public key"))?,
                )
            }
        })
    }

    /// Signs `msg` (hashed with the curve's hash); ASN.1 DER signature.
    pub fn sign_der(&self, msg: &[u8]) -> Vec<u8> {
        match self {
            PrivateKey::P256(k) => {
                let s: p256::ecdsa::Signature = k.sign(msg);
                s.to_der().as_bytes().to_vec()
            }
            PrivateKey::P384(k) => {
                let s: p384::ecdsa::Signature = k.sign(msg);
                s.to_der().as_bytes().to_vec()
            }
            PrivateKey::P521(k) => {
                let s: p521::ecdsa::Signature = k.sign(msg);
                s.to_der().as_bytes().to_vec()
            }
        }
    }
}

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        for nibble in [b >> 4, b & 0x0f] {
            out.push(char::from_digit(u32::from(nibble), 16).unwrap_or('0'));
        }
    }
    out
}

/// Parses hex (either case) into exactly `N` bytes.
pub fn unhex<const N: usize>(s: &str) -> Option<[u8; N]> {
    let bytes = s.as_bytes();
    if bytes.len() != N * 2 {
        return None;
    }
    let mut out = [0u8; N];
    for (o, pair) in out.iter_mut().zip(bytes.chunks_exact(2)) {
        let hi = char::from(*pair.first()?).to_digit(16)?;
        let lo = char::from(*pair.get(1)?).to_digit(16)?;
        *o = u8::try_from(hi * 16 + lo).ok()?;
    }
    Some(out)
}
