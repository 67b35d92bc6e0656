//! OpenSSF model signing for airlock: verify and produce bundles in the format
//! of the `model-signing` Python package (a Sigstore bundle holding a DSSE
//! envelope around an in-toto statement that lists every model file with its
//! SHA-256), with a stricter coverage rule: every file in the model directory
//! must be signed, whatever the signer's `ignore_paths` say (see [`tree`]).
//!
//! ```no_run
//! # fn main() -> Result<(), airlock_signing::SigningError> {
//! let pem = std::fs::read("publisher.pub")?;
//! let spec = airlock_signing::VerifierSpec::PublicKey(pem);
//! let v = airlock_signing::verify("models/m".as_ref(), "models/m.sig".as_ref(), &spec)?;
//! println!("{} files signed by {}", v.files.len(), v.signer);
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]

pub mod bundle;
pub mod cert;
pub mod keyless;
pub mod keys;
pub mod tree;

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

pub use bundle::{parse_bundle, Bundle, Material, SignedManifest};
pub use cert::CertSigner;
pub use keys::{Curve, PrivateKey, PublicKey};

/// One way a model differs from its signed manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mismatch {
    /// A file in the model that the bundle does not list.
    Unsigned(String),
    /// A file the bundle lists that the model lacks.
    Missing(String),
    /// A file whose SHA-256 differs from the signed one.
    Changed(String),
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mismatch::Unsigned(n) => write!(f, "file not covered by the signature: {n}"),
            Mismatch::Missing(n) => write!(f, "signed file missing: {n}"),
            Mismatch::Changed(n) => write!(f, "file changed since signing: {n}"),
        }
    }
}

fn list(m: &[Mismatch]) -> String {
    let mut s: Vec<String> = m.iter().take(20).map(|x| x.to_string()).collect();
    if m.len() > 20 {
        s.push(format!("and {} more", m.len() - 20));
    }
    s.join("; ")
}

/// Everything that can go wrong, as one error type.
#[derive(Debug, thiserror::Error)]
pub enum SigningError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("malformed bundle: {0}")]
    Bundle(String),
    #[error("unsupported: {0}")]
    Unsupported(String),
    #[error("key: {0}")]
    Key(String),
    #[error("certificate: {0}")]
    Certificate(String),
    #[error("the bundle was signed by another key (its publicKey.hint {bundle} is not the given key's {given})")]
    KeyMismatch { bundle: String, given: String },
    #[error("signature does not verify")]
    BadSignature,
    #[error("the bundle is signed with {found}; verify it with {use_instead}")]
    WrongMethod { found: &'static str, use_instead: &'static str },
    #[error("model does not match its signature: {}", list(.0))]
    Coverage(Vec<Mismatch>),
    #[error("symbolic link {0} (refused unless symlinks are followed)")]
    Symlink(String),
    #[error("not a regular file or directory: {0}")]
    SpecialFile(String),
    #[error("file name is not UTF-8: {0}")]
    NonUtf8Name(String),
    #[error("file changed while being read: {0}")]
    Changed(String),
    #[error("keyless Sigstore verification failed: {0}")]
    Keyless(String),
    #[error("cancelled")]
    Cancelled,
}

impl From<std::io::Error> for SigningError {
    fn from(source: std::io::Error) -> Self {
        SigningError::Io { path: PathBuf::new(), source }
    }
}

/// Whom to trust.
#[derive(Debug, Clone)]
pub enum VerifierSpec {
    /// SubjectPublicKeyInfo PEM of an EC key (P-256, P-384, P-521).
    PublicKey(Vec<u8>),
    /// PEM certificates trusted as anchors for the bundle's chain.
    Certificate(Vec<u8>),
    /// Keyless Sigstore: certificate identity (SAN) and OIDC issuer URL.
    Keyless { identity: String, issuer: String },
}

/// Walking and hashing choices.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Follow symbolic links (a Hugging Face cache snapshot); refused otherwise.
    pub follow_symlinks: bool,
    /// Hashing threads; 0 means one per core.
    pub threads: usize,
}

/// Who signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signer {
    /// Key method: SHA-256 of the key's SPKI PEM (model_signing's key hint).
    PublicKey { curve: Curve, fingerprint: String },
    /// Certificate method.
    Certificate(CertSigner),
    /// Keyless Sigstore: the certificate identity and OIDC issuer checked.
    Keyless { identity: String, issuer: String },
}

impl fmt::Display for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Signer::PublicKey { curve, fingerprint } => write!(f, "{curve} key sha256:{fingerprint}"),
            Signer::Certificate(c) => write!(
                f,
                "certificate \"{}\" issued by \"{}\" (sha256:{}), trusted via \"{}\"",
                c.subject, c.issuer, c.fingerprint, c.anchor
            ),
            Signer::Keyless { identity, issuer } => write!(f, "Sigstore identity {identity} (issuer {issuer})"),
        }
    }
}

/// A file covered by the signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoveredFile {
    /// Relative `/`-separated name (`.` for a single-file model).
    pub name: String,
    /// Lowercase hex SHA-256.
    pub sha256: String,
    pub bytes: u64,
}

/// A successful verification.
#[derive(Debug, Clone)]
pub struct Verified {
    pub signer: Signer,
    /// The subject name in the statement (informative only).
    pub model_name: String,
    /// Every file of the model, each signed and matching.
    pub files: Vec<CoveredFile>,
    /// Files present but left out of coverage (VCS metadata) and not listed.
    pub excluded: Vec<String>,
    /// The signer's `ignore_paths`, reported but never honoured.
    pub signed_ignore_paths: Vec<String>,
    pub bytes_hashed: u64,
}

/// A bundle produced by [`sign`].
#[derive(Debug, Clone)]
pub struct Signed {
    pub bundle: Vec<u8>,
    pub signer: Signer,
    pub files: Vec<CoveredFile>,
    pub bytes_hashed: u64,
}

/// Reads a file no larger than `cap` bytes.
pub fn read_capped(path: &Path, cap: u64) -> Result<Vec<u8>, SigningError> {
    let io = |source| SigningError::Io { path: path.to_path_buf(), source };
    let f = std::fs::File::open(path).map_err(io)?;
    let len = f.metadata().map_err(io)?.len();
    if len > cap {
        return Err(SigningError::Bundle(format!("{} is larger than {cap} bytes", path.display())));
    }
    let mut buf = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    f.take(cap + 1).read_to_end(&mut buf).map_err(io)?;
    if buf.len() as u64 > cap {
        return Err(SigningError::Bundle(format!("{} is larger than {cap} bytes", path.display())));
    }
    Ok(buf)
}

/// Authenticates a bundle (no file system access) and returns the signer and
/// the signed manifest.
pub fn verify_bundle(json: &[u8], spec: &VerifierSpec) -> Result<(Signer, SignedManifest), SigningError> {
    let b = parse_bundle(json)?;
    let pae = bundle::pae(&b.payload);
    let signer = match (spec, &b.material) {
        (VerifierSpec::PublicKey(pem), Material::PublicKey { hint }) => {
            let pem = std::str::from_utf8(pem).map_err(|_| SigningError::Key("public key PEM is not UTF-8".into()))?;
            let key = PublicKey::from_spki_pem(pem)?;
            let fingerprint = key.fingerprint()?;
            if let Some(h) = hint.as_deref().filter(|h| !h.is_empty()) {
                if !h.eq_ignore_ascii_case(&fingerprint) {
                    return Err(SigningError::KeyMismatch { bundle: h.to_string(), given: fingerprint });
                }
            }
            key.verify_der(&pae, &b.signature)?;
            Signer::PublicKey { curve: key.curve(), fingerprint }
        }
        (VerifierSpec::Certificate(pem), Material::Certificates(chain)) => {
            let (key, who) = cert::verify_chain(chain, pem)?;
            key.verify_der(&pae, &b.signature)?;
            Signer::Certificate(who)
        }
        (VerifierSpec::PublicKey(_), Material::Certificates(_)) => {
            return Err(SigningError::WrongMethod { found: "a certificate", use_instead: "a certificate (--certificate)" })
        }
        (VerifierSpec::Certificate(_), Material::PublicKey { .. }) => {
            return Err(SigningError::WrongMethod { found: "a bare key", use_instead: "a public key (--public-key)" })
        }
        (VerifierSpec::Keyless { identity, issuer }, Material::Certificates(_)) => {
            let manifest = bundle::parse_statement(&b.payload)?;
            let signer = keyless::verify(json, identity, issuer, &manifest.subject_sha256)?;
            return Ok((signer, manifest));
        }
        (VerifierSpec::Keyless { .. }, Material::PublicKey { .. }) => {
            return Err(SigningError::WrongMethod { found: "a bare key", use_instead: "a public key (--public-key)" })
        }
    };
    let manifest = bundle::parse_statement(&b.payload)?;
    Ok((signer, manifest))
}

/// Checks a model on disk against an authenticated manifest.
pub fn check_tree(
    model: &Path,
    manifest: &SignedManifest,
    signature: Option<&Path>,
    opts: &Options,
) -> Result<(Vec<CoveredFile>, Vec<String>, u64), SigningError> {
    let entries = tree::walk(model, &tree::WalkOptions { follow_symlinks: opts.follow_symlinks, signature })?;
    let on_disk: std::collections::HashMap<&str, &tree::Entry> = entries.iter().map(|e| (e.name.as_str(), e)).collect();
    let signed: std::collections::HashSet<&str> = manifest.files.iter().map(|(n, _)| n.as_str()).collect();
    let mut problems = Vec::new();
    for e in &entries {
        if !e.excluded && !signed.contains(e.name.as_str()) {
            problems.push(Mismatch::Unsigned(e.name.clone()));
        }
    }
    let mut to_hash = Vec::with_capacity(manifest.files.len());
    for (name, _) in &manifest.files {
        match on_disk.get(name.as_str()) {
            Some(e) => to_hash.push(*e),
            None => problems.push(Mismatch::Missing(name.clone())),
        }
    }
    // Structural differences fail before any hashing: the file sets must agree.
    if !problems.is_empty() {
        return Err(SigningError::Coverage(problems));
    }
    let digests = tree::hash_all(&to_hash, opts.threads)?;
    let mut files = Vec::with_capacity(digests.len());
    let mut bytes = 0u64;
    for ((e, got), (name, want)) in to_hash.iter().zip(&digests).zip(&manifest.files) {
        if got != want {
            problems.push(Mismatch::Changed(name.clone()));
        }
        bytes += e.len;
        files.push(CoveredFile { name: name.clone(), sha256: keys::hex(got), bytes: e.len });
    }
    if !problems.is_empty() {
        return Err(SigningError::Coverage(problems));
    }
    let excluded = entries.iter().filter(|e| e.excluded && !signed.contains(e.name.as_str())).map(|e| e.name.clone()).collect();
    Ok((files, excluded, bytes))
}

/// Verifies the bundle at `bundle_path` and that it covers every file of the
/// model at `model` (a directory or a single file), with default [`Options`].
pub fn verify(model: &Path, bundle_path: &Path, spec: &VerifierSpec) -> Result<Verified, SigningError> {
    verify_with(model, bundle_path, spec, &Options::default())
}

/// [`verify`] with explicit options.
pub fn verify_with(model: &Path, bundle_path: &Path, spec: &VerifierSpec, opts: &Options) -> Result<Verified, SigningError> {
    let json = read_capped(bundle_path, bundle::MAX_BUNDLE_BYTES)?;
    let (signer, manifest) = verify_bundle(&json, spec)?;
    let (files, excluded, bytes_hashed) = check_tree(model, &manifest, Some(bundle_path), opts)?;
    Ok(Verified {
        signer,
        model_name: manifest.model_name,
        files,
        excluded,
        signed_ignore_paths: manifest.ignore_paths,
        bytes_hashed,
    })
}

/// The model name model_signing records: the path's last component.
fn model_name(model: &Path) -> String {
    let name = model.file_name().and_then(|n| n.to_str()).filter(|n| !n.is_empty() && *n != "..");
    match name {
        Some(n) => n.to_string(),
        None => std::fs::canonicalize(model)
            .ok()
            .and_then(|p| p.file_name().and_then(|n| n.to_str()).map(str::to_string))
            .unwrap_or_else(|| "model".into()),
    }
}

/// Signs every file of `model` (the same coverage rule as verification) with
/// a PKCS#8 or SEC1 PEM private key; `output` is where the bundle will be
/// written (left out of coverage when inside the model). Returns the bundle.
pub fn sign_bytes(model: &Path, private_key_pem: &[u8], output: Option<&Path>, opts: &Options) -> Result<Signed, SigningError> {
    let pem = std::str::from_utf8(private_key_pem).map_err(|_| SigningError::Key("private key PEM is not UTF-8".into()))?;
    let key = PrivateKey::from_pem(pem)?;
    let public = key.public_key()?;
    let fingerprint = public.fingerprint()?;
    let entries = tree::walk(model, &tree::WalkOptions { follow_symlinks: opts.follow_symlinks, signature: output })?;
    let covered: Vec<&tree::Entry> = entries.iter().filter(|e| !e.excluded).collect();
    let digests = tree::hash_all(&covered, opts.threads)?;
    let mut named: Vec<(String, [u8; 32])> = covered.iter().zip(&digests).map(|(e, d)| (e.name.clone(), *d)).collect();
    tree::sort_like_model_signing(&mut named);
    let mut ignore: Vec<String> = Vec::new();
    if std::fs::metadata(model).map(|m| m.is_dir()).unwrap_or(false) {
        ignore.extend(tree::VCS_EXCLUDED.iter().map(|s| s.to_string()));
        if let Some(rel) = output.and_then(|o| relative_inside(model, o)) {
            ignore.push(rel);
        }
    }
    let payload = bundle::build_statement(&model_name(model), &named, &ignore, opts.follow_symlinks)?;
    let sig = key.sign_der(&bundle::pae(&payload));
    let bundle = bundle::build_key_bundle(&payload, &sig, &fingerprint)?;
    let bytes_hashed = covered.iter().map(|e| e.len).sum();
    let sizes: std::collections::HashMap<&str, u64> = covered.iter().map(|e| (e.name.as_str(), e.len)).collect();
    let files = named
        .iter()
        .map(|(n, d)| CoveredFile { name: n.clone(), sha256: keys::hex(d), bytes: sizes.get(n.as_str()).copied().unwrap_or(0) })
        .collect();
    Ok(Signed { bundle, signer: Signer::PublicKey { curve: public.curve(), fingerprint }, files, bytes_hashed })
}

/// [`sign_bytes`], then writes the bundle to `output`.
pub fn sign(model: &Path, private_key_pem: &[u8], output: &Path, opts: &Options) -> Result<Signed, SigningError> {
    let signed = sign_bytes(model, private_key_pem, Some(output), opts)?;
    std::fs::write(output, &signed.bundle).map_err(|source| SigningError::Io { path: output.to_path_buf(), source })?;
    Ok(signed)
}

/// `path` relative to `dir` when it lies inside it (it may not exist yet).
fn relative_inside(dir: &Path, path: &Path) -> Option<String> {
    let dir = std::fs::canonicalize(dir).ok()?;
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let full = std::fs::canonicalize(parent).ok()?.join(path.file_name()?);
    full.strip_prefix(&dir).ok()?.to_str().map(str::to_string)
}
