//! Checks local model files before an engine loads them.
//!
//! Every file is read by content, never by extension ([`format::detect`]), with
//! parsers that bound what they allocate by what the input has shown to exist:
//! - pickle streams (bare, several in a row, legacy and zip-wrapped PyTorch, numpy
//!   object arrays) run on a model of the pickle machine; every import must be on an
//!   allowlist of what model files need ([`pickle`]);
//! - zip archives are read from both the central directory and the local headers,
//!   and any disagreement is a finding ([`zip`]);
//! - safetensors headers are checked strictly ([`safetensors`]);
//! - GGUF headers, metadata and chat templates are read and judged ([`gguf`]).
//!
//! The result of a file is a [`report::FileReport`]: its format and its findings,
//! each [`report::Severity::Unsafe`] (the file can run code or is malformed in a way
//! an engine may act on), [`report::Severity::Warning`] (not checked, e.g. an unknown
//! format or an encrypted entry: never called clean) or informational.
#![forbid(unsafe_code)]

pub mod archive;
pub mod config;
pub mod error;
pub mod format;
pub mod gguf;
pub mod layout;
pub mod numpy;
pub mod pickle;
pub mod scan;
pub mod tree;
pub mod report;
pub mod safetensors;
mod util;
pub mod zip;

pub use error::ModelError;
pub use format::{detect, Format};
pub use gguf::template::check_chat_template;
pub use report::{FileReport, Finding, Severity};
pub use scan::{scan_bytes, scan_file, Source};
pub use tree::{scan_path, TreeReport};
