//! The bundle format written by the `model-signing` Python package (1.x):
//!
//! - a Sigstore bundle, media type `application/vnd.dev.sigstore.bundle.v0.3+json`,
//!   JSON with camelCase keys;
//! - `verificationMaterial` holds either `publicKey.hint` (lowercase hex SHA-256
//!   of the signer's SubjectPublicKeyInfo PEM text) or `x509CertificateChain`
//!   (`certificates[].rawBytes`, base64 DER, signing certificate first), and
//!   an empty `tlogEntries` list for the key and certificate methods;
//! - `dsseEnvelope`: `payload` (base64 of the statement JSON), `payloadType`
//!   `application/vnd.in-toto+json`, one entry in `signatures` with `sig`
//!   (base64 of an ASN.1 DER ECDSA signature over the DSSE v1 PAE of the
//!   payload) and an empty `keyid`;
//! - the statement: `_type` `https://in-toto.io/Statement/v1`, `predicateType`
//!   `https://model_signing/signature/v1.0`, one subject (the model's name and,
//!   under `sha256`, the SHA-256 over the concatenated raw digests of the
//!   resources in the order listed), and a predicate with `serialization`
//!   (`method`, `hash_type`, `allow_symlinks`, optional `ignore_paths`) and
//!   `resources` (`name`, `algorithm`, hex `digest`).

use crate::SigningError;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

pub const BUNDLE_MEDIA_TYPE: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";
pub const IN_TOTO_PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";
pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
pub const PREDICATE_TYPE: &str = "https://model_signing/signature/v1.0";
const PREDICATE_TYPE_V01: &str = "https://model_signing/Digests/v0.1";

/// Largest bundle file read, in bytes (a 100 000-file manifest is ~20 MB).
pub const MAX_BUNDLE_BYTES: u64 = 64 * 1024 * 1024;
/// Most certificates accepted in a bundle's chain.
const MAX_CHAIN: usize = 10;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawBundle {
    media_type: String,
    verification_material: RawMaterial,
    dsse_envelope: Option<RawEnvelope>,
    message_signature: Option<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawMaterial {
    public_key: Option<RawPublicKey>,
    x509_certificate_chain: Option<RawChain>,
    certificate: Option<RawCert>,
}

#[derive(Deserialize)]
struct RawPublicKey {
    hint: Option<String>,
}

#[derive(Deserialize)]
struct RawChain {
    certificates: Vec<RawCert>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawCert {
    raw_bytes: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawEnvelope {
    payload: String,
    payload_type: String,
    signatures: Vec<RawSignature>,
}

#[derive(Deserialize)]
struct RawSignature {
    sig: String,
}

/// What the bundle says about the signer, before any check.
#[derive(Debug, Clone)]
pub enum Material {
    /// Key method: the optional `publicKey.hint`.
    PublicKey { hint: Option<String> },
    /// Certificate method (or keyless): DER certificates, signing certificate first.
    Certificates(Vec<Vec<u8>>),
}

/// A parsed bundle whose signature is not checked yet.
#[derive(Debug, Clone)]
pub struct Bundle {
    pub material: Material,
    pub payload: Vec<u8>,
    pub signature: Vec<u8>,
}

fn bad(msg: impl Into<String>) -> SigningError {
    SigningError::Bundle(msg.into())
}

fn b64(field: &str, s: &str) -> Result<Vec<u8>, SigningError> {
    base64::engine::general_purpose::STANDARD
        .decode(s.trim())
        .map_err(|e| bad(format!("{field} is not valid base64: {e}")))
}

/// Parses bundle JSON (untrusted) without checking the signature.
pub fn parse_bundle(json: &[u8]) -> Result<Bundle, SigningError> {
    if json.len() as u64 > MAX_BUNDLE_BYTES {
        return Err(bad(format!("bundle is larger than {MAX_BUNDLE_BYTES} bytes")));
    }
    let raw: RawBundle =
        serde_json::from_slice(json).map_err(|e| bad(format!("bundle is not valid JSON of the expected shape: {e}")))?;
    if raw.media_type != BUNDLE_MEDIA_TYPE {
        return Err(bad(format!(
            "media type is {:?}, expected {BUNDLE_MEDIA_TYPE:?}",
            raw.media_type
        )));
    }
    if raw.message_signature.is_some() {
        return Err(bad("bundle holds a messageSignature, expected a DSSE envelope"));
    }
    let env = raw.dsse_envelope.ok_or_else(|| bad("bundle has no dsseEnvelope"))?;
    if env.payload_type != IN_TOTO_PAYLOAD_TYPE {
        return Err(bad(format!(
            "DSSE payload type is {:?}, expected {IN_TOTO_PAYLOAD_TYPE:?}",
            env.payload_type
        )));
    }
    let sig = match env.signatures.as_slice() {
        [one] => b64("signature", &one.sig)?,
        [] => return Err(bad("DSSE envelope has no signature")),
        many => {
            return Err(bad(format!(
                "DSSE envelope has {} signatures, expected exactly one",
                many.len()
            )))
        }
    };
    let material = match (raw.verification_material.public_key, raw.verification_material.x509_certificate_chain, raw.verification_material.certificate) {
        (Some(pk), None, None) => Material::PublicKey { hint: pk.hint },
        (None, Some(chain), None) => {
            if chain.certificates.is_empty() || chain.certificates.len() > MAX_CHAIN {
                return Err(bad(format!(
                    "certificate chain must hold 1 to {MAX_CHAIN} certificates, has {}",
                    chain.certificates.len()
                )));
            }
            let certs = chain
                .certificates
                .iter()
                .map(|c| b64("certificate", &c.raw_bytes))
                .collect::<Result<Vec<_>, _>>()?;
            Material::Certificates(certs)
        }
        (None, None, Some(cert)) => Material::Certificates(vec![b64("certificate", &cert.raw_bytes)?]),
        _ => return Err(bad("verificationMaterial must hold exactly one of publicKey, x509CertificateChain, certificate")),
    };
    Ok(Bundle { material, payload: b64("payload", &env.payload)?, signature: sig })
}

/// DSSE v1 pre-authentication encoding of an in-toto payload.
pub fn pae(payload: &[u8]) -> Vec<u8> {
    let head = format!(
        "DSSEv1 {} {} {} ",
        IN_TOTO_PAYLOAD_TYPE.len(),
        IN_TOTO_PAYLOAD_TYPE,
        payload.len()
    );
    let mut out = Vec::with_capacity(head.len() + payload.len());
    out.extend_from_slice(head.as_bytes());
    out.extend_from_slice(payload);
    out
}

#[derive(Serialize, Deserialize)]
struct Statement {
    #[serde(rename = "_type")]
    type_: String,
    subject: Vec<Subject>,
    #[serde(rename = "predicateType")]
    predicate_type: String,
    predicate: Predicate,
}

#[derive(Serialize, Deserialize)]
struct Subject {
    name: String,
    digest: BTreeMap<String, String>,
}

#[derive(Serialize, Deserialize)]
struct Predicate {
    serialization: Serialization,
    resources: Vec<Resource>,
}

#[derive(Serialize, Deserialize)]
struct Serialization {
    method: String,
    hash_type: String,
    #[serde(default)]
    allow_symlinks: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    ignore_paths: Vec<String>,
}

#[derive(Serialize, Deserialize)]
struct Resource {
    name: String,
    algorithm: String,
    digest: String,
}

/// The signed manifest: file names (relative, `/`-separated; `.` for a
/// single-file model) with their SHA-256 digests, in the order signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedManifest {
    /// The subject name (the model directory's or file's name; informative).
    pub model_name: String,
    pub files: Vec<(String, [u8; 32])>,
    /// The signer's `ignore_paths`: reported, never honoured.
    pub ignore_paths: Vec<String>,
    /// The signer's `allow_symlinks` flag (informative).
    pub allow_symlinks: bool,
    /// The subject's SHA-256 (over the listed digests).
    pub subject_sha256: [u8; 32],
}

/// Checks a resource name: relative, `/`-separated, no empty, `.` or `..`
/// component (or exactly `.`, the single-file form).
fn check_name(name: &str) -> Result<(), SigningError> {
    if name == "." {
        return Ok(());
    }
    let ok = !name.is_empty()
        && !name.contains('\0')
        && name.split('/').all(|c| !c.is_empty() && c != "." && c != "..");
    if ok {
        Ok(())
    } else {
        Err(bad(format!("resource name {name:?} is not a plain relative path")))
    }
}

/// Parses the statement (the DSSE payload, already authenticated) into the
/// signed manifest, checking types, the hash and the subject digest.
pub fn parse_statement(payload: &[u8]) -> Result<SignedManifest, SigningError> {
    let v: serde_json::Value =
        serde_json::from_slice(payload).map_err(|e| bad(format!("statement is not JSON: {e}")))?;
    match v.get("predicateType").and_then(|p| p.as_str()) {
        Some(PREDICATE_TYPE) => {}
        Some(PREDICATE_TYPE_V01) => {
            return Err(SigningError::Unsupported(format!(
                "predicate type {PREDICATE_TYPE_V01} (model_signing 0.2 bundles); re-sign with model_signing 1.x"
            )))
        }
        other => return Err(bad(format!("predicate type is {other:?}, expected {PREDICATE_TYPE:?}"))),
    }
    let st: Statement =
        serde_json::from_value(v).map_err(|e| bad(format!("statement has an unexpected shape: {e}")))?;
    if st.type_ != STATEMENT_TYPE {
        return Err(bad(format!("statement type is {:?}, expected {STATEMENT_TYPE:?}", st.type_)));
    }
    let subject = match st.subject.as_slice() {
        [one] => one,
        s => return Err(bad(format!("statement has {} subjects, expected one", s.len()))),
    };
    let ser = &st.predicate.serialization;
    if ser.method != "files" {
        return Err(SigningError::Unsupported(format!(
            "serialization method {:?} (only \"files\" is supported)",
            ser.method
        )));
    }
    if ser.hash_type != "sha256" {
        return Err(SigningError::Unsupported(format!(
            "hash type {:?} (only \"sha256\" is supported)",
            ser.hash_type
        )));
    }
    let mut root = Sha256::new();
    let mut files = Vec::with_capacity(st.predicate.resources.len());
    let mut seen = std::collections::HashSet::new();
    for r in &st.predicate.resources {
        check_name(&r.name)?;
        if r.algorithm != "sha256" {
            return Err(SigningError::Unsupported(format!(
                "resource {:?} uses algorithm {:?}",
                r.name, r.algorithm
            )));
        }
        let d = crate::keys::unhex::<32>(&r.digest)
            .ok_or_else(|| bad(format!("resource {:?} digest is not 64 hex digits", r.name)))?;
        if !seen.insert(r.name.as_str()) {
            return Err(bad(format!("resource {:?} is listed twice", r.name)));
        }
        root.update(d);
        files.push((r.name.clone(), d));
    }
    if files.iter().any(|(n, _)| n == ".") && files.len() != 1 {
        return Err(bad("resource \".\" (a single-file model) must be the only resource"));
    }
    let want = subject
        .digest
        .get("sha256")
        .and_then(|h| crate::keys::unhex::<32>(h))
        .ok_or_else(|| bad("subject has no sha256 digest of 64 hex digits"))?;
    let got: [u8; 32] = root.finalize().into();
    if got != want {
        return Err(bad("subject digest does not match the listed resources"));
    }
    Ok(SignedManifest {
        model_name: subject.name.clone(),
        files,
        ignore_paths: ser.ignore_paths.clone(),
        allow_symlinks: ser.allow_symlinks,
        subject_sha256: want,
    })
}

/// Builds the statement JSON for `files`, which must be sorted as
/// model_signing sorts them (by path components).
pub fn build_statement(
    model_name: &str,
    files: &[(String, [u8; 32])],
    ignore_paths: &[String],
    allow_symlinks: bool,
) -> Result<Vec<u8>, SigningError> {
    let mut root = Sha256::new();
    let mut resources = Vec::with_capacity(files.len());
    for (name, d) in files {
        root.update(d);
        resources.push(Resource { name: name.clone(), algorithm: "sha256".into(), digest: crate::keys::hex(d) });
    }
    let st = Statement {
        type_: STATEMENT_TYPE.into(),
        subject: vec![Subject {
            name: model_name.into(),
            digest: BTreeMap::from([("sha256".to_string(), crate::keys::hex(&root.finalize()))]),
        }],
        predicate_type: PREDICATE_TYPE.into(),
        predicate: Predicate {
            serialization: Serialization {
                method: "files".into(),
                hash_type: "sha256".into(),
                allow_symlinks,
                ignore_paths: ignore_paths.to_vec(),
            },
            resources,
        },
    };
    serde_json::to_vec_pretty(&st).map_err(|e| bad(format!("cannot encode statement: {e}")))
}

/// Builds the key-method bundle JSON.
pub fn build_key_bundle(payload: &[u8], sig_der: &[u8], key_hint: &str) -> Result<Vec<u8>, SigningError> {
    let e = &base64::engine::general_purpose::STANDARD;
    let v = serde_json::json!({
        "mediaType": BUNDLE_MEDIA_TYPE,
        "verificationMaterial": { "publicKey": { "hint": key_hint }, "tlogEntries": [] },
        "dsseEnvelope": {
            "payload": e.encode(payload),
            "payloadType": IN_TOTO_PAYLOAD_TYPE,
            "signatures": [ { "sig": e.encode(sig_der), "keyid": "" } ],
        },
    });
    serde_json::to_vec_pretty(&v).map_err(|e| bad(format!("cannot encode bundle: {e}")))
}
