//! The `[models]` section: which publishers' models `airlock models check` accepts.
//!
//! ```toml
//! [[models.publishers]]
//! name = "acme-ai"
//! public_key = "keys/acme.pub.pem"        # ECDSA P-256/384/521, SPKI PEM
//!
//! [[models.publishers]]
//! name = "example-labs"
//! certificate = "keys/example-root.pem"   # trusted root/chain for certificate-signed bundles
//!
//! [[models.publishers]]
//! name = "sigstore-signed"
//! identity = "releases@example.com"       # keyless Sigstore: certificate identity and OIDC issuer
//! issuer = "https://accounts.example.com"
//! ```
//!
//! Paths are relative to the file that names them. User and project files add publishers; a
//! system-managed file that lists publishers replaces everyone else's list.

use serde::Deserialize;
use std::path::{Path, PathBuf};

/// One trusted publisher, as written. Exactly one way of recognising it: a public key, a
/// certificate (root or chain), or a keyless identity with its issuer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublisherEntry {
    pub name: String,
    pub public_key: Option<String>,
    pub certificate: Option<String>,
    pub identity: Option<String>,
    pub issuer: Option<String>,
}

/// How a publisher is recognised, with paths resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublisherKey {
    PublicKey(PathBuf),
    Certificate(PathBuf),
    Identity { identity: String, issuer: String },
}

/// A publisher with its key material located.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publisher {
    pub name: String,
    pub key: PublisherKey,
    /// The file that named it.
    pub source: PathBuf,
}

/// `[models]` as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelsSection {
    #[serde(default)]
    pub publishers: Vec<PublisherEntry>,
    /// `airlock models check` refuses a model without a signature (default true).
    pub require_signature: Option<bool>,
}

/// The `[models]` settings in force.
#[derive(Debug, Clone, Default)]
pub struct ModelsPolicy {
    pub publishers: Vec<Publisher>,
    pub require_signature: Option<bool>,
}

impl ModelsPolicy {
    pub fn require_signature(&self) -> bool {
        self.require_signature.unwrap_or(true)
    }

    /// Adds the publishers of one user or project file.
    pub(crate) fn overlay(&mut self, path: &Path, section: &ModelsSection) -> Result<(), crate::ConfigError> {
        for e in &section.publishers {
            let p = resolve(path, e)?;
            self.publishers.retain(|q| q.name != p.name);
            self.publishers.push(p);
        }
        if section.require_signature.is_some() {
            self.require_signature = section.require_signature;
        }
        Ok(())
    }

    /// The managed file: its publisher list replaces the others; a signature it requires stays required.
    pub(crate) fn overlay_managed(&mut self, path: &Path, section: &ModelsSection) -> Result<(), crate::ConfigError> {
        if !section.publishers.is_empty() {
            self.publishers = section.publishers.iter().map(|e| resolve(path, e)).collect::<Result<_, _>>()?;
        }
        if section.require_signature == Some(true) {
            self.require_signature = Some(true);
        }
        Ok(())
    }
}

fn resolve(file: &Path, e: &PublisherEntry) -> Result<Publisher, crate::ConfigError> {
    let bad = |why: &str| crate::ConfigError::Invalid {
        path: file.to_path_buf(),
        message: format!("[[models.publishers]] {:?}: {why}", e.name),
    };
    if e.name.trim().is_empty() {
        return Err(bad("a publisher needs a name"));
    }
    let base = file.parent().unwrap_or(Path::new("."));
    let key = match (&e.public_key, &e.certificate, &e.identity, &e.issuer) {
        (Some(k), None, None, None) => PublisherKey::PublicKey(base.join(k)),
        (None, Some(c), None, None) => PublisherKey::Certificate(base.join(c)),
        (None, None, Some(i), Some(s)) => PublisherKey::Identity { identity: i.clone(), issuer: s.clone() },
        (None, None, Some(_), None) | (None, None, None, Some(_)) => {
            return Err(bad("a keyless publisher needs both `identity` and `issuer`"))
        }
        _ => return Err(bad("give exactly one of `public_key`, `certificate`, or `identity` with `issuer`")),
    };
    Ok(Publisher { name: e.name.clone(), key, source: file.to_path_buf() })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
    use super::*;

    fn section(s: &str) -> ModelsSection {
        toml::from_str(s).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn publishers_resolve_against_their_file_and_managed_replaces() {
        let user = section("[[publishers]]\nname = \"a\"\npublic_key = \"k.pem\"\n");
        let project = section(
            "require_signature = false\n[[publishers]]\nname = \"b\"\nidentity = \"x@example.com\"\nissuer = \"https://issuer.example\"\n",
        );
        let mut p = ModelsPolicy::default();
        p.overlay(Path::new("/home/u/.config/airlock/airlock.toml"), &user).unwrap();
        p.overlay(Path::new("/repo/airlock.toml"), &project).unwrap();
        assert_eq!(p.publishers.len(), 2);
        assert_eq!(p.publishers[0].key, PublisherKey::PublicKey("/home/u/.config/airlock/k.pem".into()));
        assert!(!p.require_signature());
        let managed = section("require_signature = true\n[[publishers]]\nname = \"corp\"\ncertificate = \"root.pem\"\n");
        p.overlay_managed(Path::new("/etc/airlock/airlock.toml"), &managed).unwrap();
        assert_eq!(p.publishers.len(), 1);
        assert_eq!(p.publishers[0].key, PublisherKey::Certificate("/etc/airlock/root.pem".into()));
        assert!(p.require_signature());
    }

    #[test]
    fn a_publisher_needs_exactly_one_key() {
        let mut p = ModelsPolicy::default();
        for bad in [
            "[[publishers]]\nname = \"a\"\n",
            "[[publishers]]\nname = \"a\"\npublic_key = \"k\"\ncertificate = \"c\"\n",
            "[[publishers]]\nname = \"a\"\nidentity = \"x\"\n",
            "[[publishers]]\nname = \"\"\npublic_key = \"k\"\n",
        ] {
            let e = p.overlay(Path::new("/r/airlock.toml"), &section(bad)).unwrap_err();
            assert!(e.to_string().contains("models.publishers"), "{e}");
        }
        assert!(toml::from_str::<ModelsSection>("[[publishers]]\nname = \"a\"\nkey = \"k\"\n").is_err());
    }
}
