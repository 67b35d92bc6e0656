//! The review pipeline: the change, its provenance, the reviewer the policy allows, the review
//! within its time limit, and airlock's own analysis of the same lines.

use super::input::{self, Source};
use super::{Item, Origin, Provenance, Report, ReviewArgs};
use crate::catalog;
use airlock_code::{analyze_file, Lang};
use airlock_config::Policy;
use airlock_redact::{RedactOptions, Redactor};
use airlock_review::change::LineKind;
use airlock_review::{choose_reviewer, Change, FileChange, Reviewer};
use anyhow::{bail, Context};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Review the change `source` names; `None` when nothing changed.
pub fn review(cwd: &Path, source: &Source, limit: &[PathBuf], a: &ReviewArgs) -> anyhow::Result<Option<Report>> {
    let policy = Policy::load(cwd)?;
    let cfg = &policy.review;
    let input = input::read(cwd, source, limit)?;
    let context = a.context.unwrap_or_else(|| cfg.context_lines());
    let change = Change::from_texts(
        input.files.iter().map(|f| (f.path.as_str(), f.old.as_deref(), f.new.as_str())),
        usize::try_from(context).unwrap_or(usize::MAX),
    )?;
    if change.is_empty() {
        return Ok(None);
    }

    // Who wrote the change: the gateway's audit. No database: every line is of unknown origin.
    let db = a.audit_db.clone().unwrap_or_else(airlock_audit::AuditStore::default_path);
    let (summary, audit_db) = if db.exists() {
        let p = airlock_review::Provenance::load(&db).with_context(|| format!("reading provenance from {}", db.display()))?;
        (p.summarize(&change), Some(db.display().to_string()))
    } else {
        (airlock_review::ProvenanceSummary::default(), None)
    };
    let unknown_lines = !summary.unknown_lines.is_empty() || summary.origins.is_empty();
    let choice = match choose_reviewer(cfg, &summary.origins_vec(), unknown_lines, a.reviewer.as_deref()) {
        Ok(c) => c,
        Err(e @ airlock_review::ReviewError::SameProvider(_)) => {
            let writers: Vec<String> = summary.providers.iter().cloned().collect();
            let others: Vec<String> = cfg
                .reviewers
                .iter()
                .filter(|r| !writers.contains(&airlock_review::normalize_provider(&r.provider)))
                .map(|r| format!("{} ({}/{})", r.name, r.provider, r.model))
                .collect();
            let hint = if others.is_empty() {
                "configure a reviewer of another provider in [[review.reviewers]] (airlock.toml)".to_string()
            } else {
                format!("reviewers of other providers: {} (--reviewer NAME)", others.join(", "))
            };
            bail!("{e}\n  policy: the reviewer must be of another provider than every writer of the change; {hint}");
        }
        Err(e) => return Err(e.into()),
    };

    let disabled = policy.gateway.redact_disable.clone().unwrap_or_default();
    let redactor = Redactor::new(&RedactOptions { disabled, extra: Vec::new() }).context("[gateway] redact_disable")?;
    let timeout = cfg.timeout();
    let reviewer = Reviewer::from_env(&choice.spec, timeout)?;
    let review = {
        let change = change.clone();
        // The client's own timeout bounds each request; this bounds the whole review.
        crate::watchdog_for(timeout + Duration::from_secs(5), move || reviewer.review_blocking(&change, &redactor))
    };
    let Some(review) = review else {
        bail!("reviewer {}: no answer within {} s", choice.spec.name, timeout.as_secs());
    };
    let review = review?;

    let mut findings: Vec<Item> = review
        .findings
        .iter()
        .map(|f| Item {
            file: f.file.clone(),
            line: f.line,
            end_line: f.end_line,
            column: None,
            severity: f.severity,
            title: f.title.clone(),
            explanation: f.explanation.clone(),
            suggested_fix: f.suggested_fix.clone(),
            cwe: f.cwe.clone(),
            note: f.note.clone(),
            source: Origin::reviewer(&f.reviewer),
        })
        .collect();
    if !a.no_code_analysis {
        for f in &change.files {
            findings.extend(code_findings(f, &policy));
        }
    }
    findings.sort_by(|x, y| (x.file.as_str(), x.line, y.severity).cmp(&(y.file.as_str(), y.line, x.severity)));

    let written_by = summary.origins.iter().map(|o| format!("{}/{}", o.provider, o.model)).collect();
    Ok(Some(Report {
        files: change.files.iter().map(|f| f.path.clone()).collect(),
        reviewer: review.reviewer,
        provenance: Provenance {
            audit_db,
            written_by,
            attributed_lines: summary.attributed_lines,
            unknown_lines: summary.unknown_lines.len(),
            unknown_origin: choice.unknown_origin,
            note: choice.note,
        },
        redactions: review.redactions,
        findings,
        skipped: input.skipped,
        root: input.root,
    }))
}

/// airlock's code analysis of a reviewed file, as `airlock scan --diff` runs it: the added lines
/// judged, the removed lines given to the rules about what a change takes away.
fn code_findings(f: &FileChange, policy: &Policy) -> Vec<Item> {
    let Some(lang) = Lang::from_path(Path::new(&f.path)) else { return Vec::new() };
    let text = f.new_text().to_string();
    let added: Vec<std::ops::Range<usize>> = f.added_lines().iter().filter_map(|n| usize::try_from(*n).ok()).map(|n| n..n + 1).collect();
    let whole = usize::try_from(f.line_count()).is_ok_and(|n| added.len() >= n);
    let removed: String = f
        .hunks()
        .iter()
        .flat_map(|h| &h.lines)
        .filter(|l| l.kind == LineKind::Removed)
        .map(|l| format!("{}\n", l.text))
        .collect();
    let changed = if whole && removed.is_empty() { None } else { Some(crate::scan::byte_ranges(&text, &added)) };
    let change = airlock_code::Change { path: f.path.clone(), text, changed, removed };
    analyze_file(&change, lang, policy)
        .into_iter()
        .map(|l| {
            let info = catalog::find(&l.finding.code);
            let fl = &l.finding;
            Item {
                file: f.path.clone(),
                line: u32::try_from(l.line).unwrap_or(u32::MAX),
                end_line: (l.end_line > l.line).then(|| u32::try_from(l.end_line).unwrap_or(u32::MAX)),
                column: u32::try_from(l.column).ok(),
                severity: fl.severity,
                title: info.as_ref().map_or_else(|| fl.code.clone(), |i| i.name.to_string()),
                explanation: fl.message.clone(),
                suggested_fix: info.as_ref().map(|i| i.instead.to_string()).filter(|s| !s.is_empty()),
                cwe: None,
                note: None,
                source: Origin::Airlock { code: fl.code.clone(), name: info.map(|i| i.name.to_string()).unwrap_or_default() },
            }
        })
        .collect()
}
