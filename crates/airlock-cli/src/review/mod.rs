//! `airlock review`: a change reviewed by a model of another provider than the ones that wrote it,
//! merged with airlock's own code analysis of the same lines.
//!
//! Exit status, as `airlock scan`: 0 no findings, 1 findings all below `--fail-level`, 2 a finding
//! at or above it, 3 an error (a refused same-provider reviewer, a malformed answer, a timeout).

mod input;
mod output;
mod run;
mod sarif;

pub use input::{repo_root, Source};

use crate::scan::Level;
use airlock_protocol::Severity;
use airlock_review::ReviewerId;
use clap::{Args, ValueEnum};
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct ReviewArgs {
    /// Files or directories to review whole (every line new); with --diff, --staged or --range,
    /// limits the change to these paths.
    pub paths: Vec<PathBuf>,
    /// Review the working tree's changes since git revision REV (untracked files count as new).
    #[arg(long, value_name = "REV", conflicts_with_all = ["staged", "range"])]
    pub diff: Option<String>,
    /// Review what is staged for the next commit (the index against HEAD).
    #[arg(long, conflicts_with = "range")]
    pub staged: bool,
    /// Review the commits BASE..TIP (what a push sends): the tip's files against the base's.
    #[arg(long, value_name = "BASE..TIP")]
    pub range: Option<String>,
    /// The reviewer: a configured name ([[review.reviewers]]) or PROVIDER/MODEL. Default: the
    /// configured default if it is of another provider than the change's writers, else the first
    /// configured one that is.
    #[arg(long, value_name = "NAME|PROVIDER/MODEL")]
    pub reviewer: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// The gateway's audit database, which says which provider wrote which lines (default: the
    /// gateway's own, $AIRLOCK_AUDIT_DB or ~/.local/share/airlock/audit.db).
    #[arg(long, value_name = "PATH")]
    pub audit_db: Option<PathBuf>,
    /// Findings of this severity or above make the exit status 2; lower ones make it 1.
    #[arg(long, value_enum, default_value_t = Level::High)]
    pub fail_level: Level,
    /// Unchanged lines shown to the reviewer around each change (default: [review] context_lines).
    #[arg(long, value_name = "N")]
    pub context: Option<u32>,
    /// Leave out airlock's own code analysis: the reviewer's findings only.
    #[arg(long)]
    pub no_code_analysis: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Sarif,
    /// For a pull-request comment.
    Markdown,
}

impl ReviewArgs {
    fn source(&self) -> anyhow::Result<Source> {
        if let Some(rev) = &self.diff {
            return Ok(Source::Diff(rev.clone()));
        }
        if self.staged {
            return Ok(Source::Staged);
        }
        if let Some(r) = &self.range {
            let Some((base, tip)) = r.split_once("..").filter(|(b, t)| !b.is_empty() && !t.is_empty() && !t.starts_with('.')) else {
                anyhow::bail!("--range takes BASE..TIP, got `{r}`");
            };
            return Ok(Source::Range(base.to_string(), tip.to_string()));
        }
        let paths = if self.paths.is_empty() { vec![PathBuf::from(".")] } else { self.paths.clone() };
        Ok(Source::Paths(paths))
    }
}

/// Who reported a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Origin {
    /// airlock's code analysis: the rule's code and name.
    Airlock { code: String, name: String },
    /// The reviewer model.
    Reviewer { provider: String, model: String },
}

impl Origin {
    fn reviewer(id: &ReviewerId) -> Origin {
        Origin::Reviewer { provider: id.provider.clone(), model: id.model.clone() }
    }

    /// `airlock CODE` or `provider/model`.
    pub fn label(&self) -> String {
        match self {
            Origin::Airlock { code, .. } => format!("airlock {code}"),
            Origin::Reviewer { provider, model } => format!("{provider}/{model}"),
        }
    }

    /// A stable rule id for SARIF: the airlock code, or `review/<provider>`.
    pub fn rule_id(&self) -> String {
        match self {
            Origin::Airlock { code, .. } => code.clone(),
            Origin::Reviewer { provider, .. } => format!("review/{provider}"),
        }
    }
}

/// One finding of the merged report.
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    pub file: String,
    pub line: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    pub severity: Severity,
    pub title: String,
    pub explanation: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggested_fix: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cwe: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub source: Origin,
}

/// What provenance said about the change.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Provenance {
    /// The audit database read, or `None` when there was none.
    pub audit_db: Option<String>,
    /// `provider/model` of every writer of an added line.
    pub written_by: Vec<String>,
    pub attributed_lines: usize,
    pub unknown_lines: usize,
    /// No line has a known origin (or some lines lack one).
    pub unknown_origin: bool,
    /// The sentence the policy gave for the choice of reviewer.
    pub note: String,
}

/// The whole review.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub files: Vec<String>,
    pub reviewer: ReviewerId,
    pub provenance: Provenance,
    /// Secrets redacted from the prompt before it was sent.
    pub redactions: u64,
    pub findings: Vec<Item>,
    /// Files left out (deleted, not text).
    pub skipped: Vec<String>,
    #[serde(skip)]
    pub root: PathBuf,
}

impl Report {
    /// 0 none, 1 below `fail`, 2 at or above.
    pub fn exit_status(&self, fail: Severity) -> ExitCode {
        match self.findings.iter().map(|f| f.severity).max() {
            None => ExitCode::SUCCESS,
            Some(s) if s >= fail => ExitCode::from(2),
            Some(_) => ExitCode::from(1),
        }
    }
}

pub fn run(a: ReviewArgs) -> anyhow::Result<ExitCode> {
    let cwd = crate::resolve_cwd(None);
    let source = a.source()?;
    let limit: &[PathBuf] = if matches!(source, Source::Paths(_)) { &[] } else { &a.paths };
    let Some(report) = run::review(&cwd, &source, limit, &a)? else {
        match a.format {
            Format::Json => println!("{{\"files\": [], \"findings\": []}}"),
            Format::Sarif => print!("{}", sarif::render_empty(&cwd)?),
            Format::Text | Format::Markdown => println!("nothing to review: no changed text files"),
        }
        return Ok(ExitCode::SUCCESS);
    };
    let out = match a.format {
        Format::Text => output::text(&report),
        Format::Json => output::json(&report)?,
        Format::Sarif => sarif::render(&report)?,
        Format::Markdown => output::markdown(&report),
    };
    print!("{out}");
    Ok(report.exit_status(a.fail_level.severity()))
}
