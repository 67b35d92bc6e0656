//! What a scan says about a file: pure data, serialisable for `--json`.

use serde::Serialize;

/// How bad a finding is. Ordered: the worst finding decides a file's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing, changes nothing (e.g. which imports a pickle uses).
    Info,
    /// Not checked, so not clean: an unknown format, an encrypted zip entry, a
    /// compression method this reader does not support. Exit status 1.
    Warning,
    /// Can run code when loaded, or malformed in a way an engine may act on. Exit 2.
    Unsafe,
}

/// One thing found in a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    /// Stable code, e.g. `PKL001`; documented in docs/models.md.
    pub code: &'static str,
    /// What was found, for a person: names the import, the offset, the key.
    pub message: String,
    /// Where inside the file, when it is not the file as a whole: a zip member
    /// (`archive/data.pkl`), a byte offset (`@1234`), a metadata key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

impl Finding {
    pub fn new(severity: Severity, code: &'static str, message: impl Into<String>) -> Self {
        Finding { severity, code, message: message.into(), location: None }
    }

    pub fn unsafe_(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(Severity::Unsafe, code, message)
    }

    pub fn warning(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, code, message)
    }

    pub fn info(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(Severity::Info, code, message)
    }

    #[must_use]
    pub fn at(mut self, location: impl Into<String>) -> Self {
        self.location = Some(location.into());
        self
    }
}

/// The result of one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileReport {
    pub path: String,
    pub format: crate::Format,
    pub size: u64,
    pub findings: Vec<Finding>,
}

impl FileReport {
    /// The worst severity among the findings; `None` when there are none (clean).
    pub fn verdict(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }

    /// Clean: no warning and nothing unsafe (informational findings allowed).
    pub fn is_clean(&self) -> bool {
        self.verdict().is_none_or(|s| s == Severity::Info)
    }
}
