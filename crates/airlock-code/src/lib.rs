//! Code-write analysis.
//!
//! Every file a model writes, edits or patches (and every file a person asks
//! airlock to scan) is parsed with tree-sitter (through ast-grep) into a small
//! language-independent set of facts (calls, settings, sequences, strings,
//! comments) and checked by the rules in [`rules::REGISTRY`]: planted JWT
//! algorithm confusion, disabled TLS verification, injection, unsafe
//! deserialization, weak crypto, hardcoded secrets, permissive web settings,
//! workflow and supply-chain holes, hidden Unicode, and what a change removes.
//!
//! Fragments are normal input (an edit's new string, a patch hunk): tree-sitter
//! recovers from syntax errors and the rules still run on what parsed. Input too
//! large to analyse is a finding of its own, never a silent pass.

#![forbid(unsafe_code)]

pub mod change;
pub mod file;
pub mod lang;
pub mod notebook;
pub mod patch;
mod prefilter;
pub mod rules;
mod scripts;
pub mod syntax;
mod unit;

use airlock_config::Policy;
use airlock_protocol::{Finding, Span};

pub use change::{analyze_change, Change};
pub use file::{analyze_file, analyze_source, Located};
pub use lang::Lang;
pub use unit::Unit;

/// Larger sources are not parsed; the write is a PAR002 finding (ask) instead.
pub const MAX_SOURCE_BYTES: usize = 4 << 20;

/// Errors of this crate: malformed patches and unreadable input.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("malformed patch at line {line}: {reason}")]
    Patch { line: usize, reason: String },
    #[error("notebook is not valid JSON: {0}")]
    Notebook(String),
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// Analyse a whole source text in `lang`. `path` is used for messages and for
/// rules that look at the file name (workflows, manifests).
pub fn analyze(text: &str, lang: Lang, path: Option<&str>, policy: &Policy) -> Vec<Finding> {
    analyze_with_removed(text, lang, path, "", policy)
}

/// Like [`analyze`], with the text the change removed (for diff-aware rules).
pub fn analyze_with_removed(
    text: &str,
    lang: Lang,
    path: Option<&str>,
    removed: &str,
    policy: &Policy,
) -> Vec<Finding> {
    analyze_parsed(text, lang, path, removed, policy, true)
}

/// [`analyze_with_removed`] with the whole file parsed, never the reduced
/// text of the prefilter: the reference the prefilter is tested against.
#[doc(hidden)]
pub fn analyze_full_parse(text: &str, lang: Lang, path: Option<&str>, removed: &str, policy: &Policy) -> Vec<Finding> {
    analyze_parsed(text, lang, path, removed, policy, false)
}

fn analyze_parsed(text: &str, lang: Lang, path: Option<&str>, removed: &str, policy: &Policy, fast: bool) -> Vec<Finding> {
    if text.len() > MAX_SOURCE_BYTES {
        return vec![too_large(text.len())];
    }
    let mut out = unit::run(text, lang, path, removed, policy, fast);
    out.extend(scripts::shell_findings(text, lang, policy));
    out.sort_by_key(|f| (f.span.map(|s| s.start).unwrap_or(0), f.code.clone()));
    out
}

/// The text the prefilter parses in place of `text` (`None`: the whole text),
/// for tests and benchmarks.
#[doc(hidden)]
pub fn prefilter_reduce(text: &str, lang: Lang) -> Option<String> {
    prefilter::reduce(text, lang)
}

fn too_large(len: usize) -> Finding {
    use airlock_protocol::{Category, Decision, Severity};
    Finding {
        code: "PAR002".into(),
        category: Category::Unparseable,
        severity: Severity::Medium,
        decision: Decision::Ask,
        message: format!(
            "the content is {len} bytes, over the {} byte limit for code analysis: it was not analysed",
            MAX_SOURCE_BYTES
        ),
        span: Some(Span::new(0, 0)),
        snippet: None,
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map(|l| l.chars().count()).unwrap_or(0) + 1;
    (line, col)
}
