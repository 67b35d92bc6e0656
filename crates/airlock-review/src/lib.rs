//! Cross-provider review: code one provider's model wrote is reviewed by a model of another provider.
//!
//! A backdoor one provider's model plants is unlikely to be shared by another provider's model, so
//! airlock has each change reviewed across providers. This crate is the library under
//! `airlock review`, the git hook and the gateway's optional `review_writes`:
//!
//! 1. **The change** ([`Change`]): each file's old and new text; [`Change::from_texts`] diffs them with
//!    `context` lines around each change, numbered by the new file.
//! 2. **Provenance** ([`Provenance`]): which provider/model wrote which lines, from the gateway's audit
//!    database ([`Provenance::load`]); [`Provenance::summarize`] gives the generating providers and the
//!    lines of unknown origin of a change.
//! 3. **Policy** ([`choose_reviewer`]): a reviewer of a provider that wrote the change is refused
//!    ([`ReviewError::SameProvider`]); a change of unknown origin goes to any configured reviewer and
//!    the [`Choice`] says so.
//! 4. **The review** ([`Reviewer::from_env`], [`Reviewer::review`] or [`Reviewer::review_blocking`]):
//!    the prompt ([`REVIEW_PROMPT`] and the change as delimited, untrusted data) is redacted with an
//!    [`airlock_redact::Redactor`] before it leaves, sent with structured output where the API has it
//!    (Anthropic forced tool `report_findings`, OpenAI `json_schema`, Gemini `responseSchema`), and the
//!    answer is parsed strictly against [`FINDINGS_SCHEMA`]: a malformed answer is an error, never an
//!    empty review. Each [`Finding`] carries the file, the new-file line and the reviewer's identity.
//!
//! ```no_run
//! # fn main() -> Result<(), airlock_review::ReviewError> {
//! use airlock_review::*;
//! let policy = airlock_config::Policy::load(std::path::Path::new("."))
//!     .map_err(|e| ReviewError::BadChange(e.to_string()))?;
//! let cfg = &policy.review;
//! let change = Change::from_texts([("auth.py", Some("old\n"), "new\n")], cfg.context_lines() as usize)?;
//! let prov = Provenance::load(&airlock_audit::AuditStore::default_path())?;
//! let summary = prov.summarize(&change);
//! let choice = choose_reviewer(cfg, &summary.origins_vec(), !summary.unknown_lines.is_empty(), None)?;
//! let review = Reviewer::from_env(&choice.spec, cfg.timeout())?
//!     .review_blocking(&change, &airlock_redact::Redactor::default())?;
//! for f in &review.findings {
//!     println!("{}:{}: {} {} ({})", f.file, f.line, f.severity, f.title, f.reviewer);
//! }
//! # Ok(()) }
//! ```
//!
//! Notes for callers:
//!
//! - **Redaction**: build the redactor the way the gateway does, from `[gateway] redact_disable`
//!   (`Redactor::new(&RedactOptions { disabled, ..Default::default() })`), so the review leaks no
//!   more than the gateway would.
//! - **No audit database** ([`ReviewError::Audit`] from [`Provenance::load`] with
//!   `AuditError::Missing`): the change is of unknown origin; use `Provenance::default()`, and
//!   [`choose_reviewer`] says so.
//! - **The gateway's `review_writes`**: [`provenance::written`] reads a write-type tool call into
//!   `(path, `[`Write`]`)` pairs; [`Write::apply`] gives the file's text after the write from its text on
//!   disk; [`Change::from_texts`] then [`Reviewer::review`] under
//!   `tokio::time::timeout(cfg.write_budget(), ...)`. The writer is the request's provider, so
//!   [`choose_reviewer`] takes it as the one origin.
//! - **Errors**: one enum, [`ReviewError`]; an HTTP error carries the status and the provider's
//!   message, a timeout the seconds, a malformed answer the reason, a missing key the variable.
//!
//! See `docs/review.md` for the prompt, the schema and the provenance rule.

#![forbid(unsafe_code)]

pub mod change;
mod client;
mod error;
pub mod policy;
pub mod prompt;
pub mod provenance;
pub mod schema;

pub use airlock_config::{ReviewApi, ReviewConfig, ReviewWrites, ReviewerSpec};
pub use change::{Change, FileChange};
pub use client::{Review, Reviewer};
pub use error::{Result, ReviewError};
pub use policy::{choose_reviewer, normalize_provider, Choice};
pub use prompt::{Prompt, REVIEW_PROMPT};
pub use provenance::{Origin, Provenance, ProvenanceSummary, Write};
pub use schema::{findings_schema, parse_answer, Finding, ReviewerId, Severity, FINDINGS_SCHEMA};
