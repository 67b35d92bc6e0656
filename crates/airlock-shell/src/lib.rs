//! Shell command analysis.
//!
//! A command line is parsed like bash parses it (brush-parser), lowered to the
//! list of every simple command that would run (through pipelines, lists,
//! substitutions, function and loop bodies, wrappers such as `sudo`/`env`/
//! `xargs`/`find -exec`, and strings re-parsed from `sh -c`, `eval`, `ssh host
//! CMD`, here-documents and decoded payloads), annotated with dataflow from
//! secret sources to sinks, and checked by the rules in [`rules::REGISTRY`].
//!
//! Input that cannot be parsed, is too large or too deeply nested is never a
//! silent allow: it is a finding of its own.

#![forbid(unsafe_code)]

pub mod analysis;
mod expand;
pub mod facts;
pub mod interp;
pub mod ir;
pub mod lower;
mod prescan;
mod resolve;
pub mod rules;
pub mod words;

use airlock_config::Policy;
use airlock_protocol::{Category, Decision, Finding, Severity, Span};
use std::path::PathBuf;

pub use prescan::{MAX_INPUT_BYTES, MAX_NESTING};

/// What the analysis needs to know about where the command would run.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    pub policy: &'a Policy,
    /// Working directory of the command, when known.
    pub cwd: Option<PathBuf>,
    /// The user's home directory, to recognise `~` and `$HOME` paths.
    pub home: Option<PathBuf>,
}

/// Analyse one command line; every finding, before the policy re-levels them.
/// A finding repeated with the same message is reported once.
pub fn analyze(command: &str, ctx: &Context<'_>) -> Vec<Finding> {
    analyze_as(command, ctx, false)
}

/// Analyse a whole script: like [`analyze`], but the same finding at two places
/// is reported at each (a file scan points at every line that needs fixing).
pub fn analyze_script(script: &str, ctx: &Context<'_>) -> Vec<Finding> {
    analyze_as(script, ctx, true)
}

fn analyze_as(command: &str, ctx: &Context<'_>, every_place: bool) -> Vec<Finding> {
    if let Err(f) = prescan::check(command, ctx.policy) {
        return vec![f];
    }
    let mut lowerer = lower::Lowerer::new(command);
    let frame = lower::Frame {
        origin: ir::Origin::Direct,
        depth: 0,
        parent: None,
        span_override: None,
        base: 0,
        nest: 0,
        captured: false,
    };
    lowerer.lower_text(command, frame);
    if !lowerer.budget_left() {
        lowerer.notes.push(lower::Note::Truncated {
            span: Span::new(0, command.len()),
            why: format!("more than {} commands", lower::MAX_COMMANDS),
        });
    }
    let analysis = analysis::Analysis::new(command, ctx, lowerer.cmds, lowerer.notes);
    let mut findings = Vec::new();
    for rule in rules::REGISTRY {
        (rule.check)(&analysis, rule.meta, &mut findings);
    }
    finish(findings, ctx.policy, every_place)
}

/// Dedupe, and let evasion raise the severity of everything else.
fn finish(mut findings: Vec<Finding>, policy: &Policy, every_place: bool) -> Vec<Finding> {
    let mut seen = std::collections::HashSet::new();
    findings.retain(|f| {
        let place = if every_place { f.span.map(|s| s.start) } else { None };
        seen.insert((f.code.clone(), f.message.clone(), place))
    });
    let evasive = findings.iter().any(|f| f.category == Category::Evasion);
    if evasive {
        for f in findings
            .iter_mut()
            .filter(|f| f.category != Category::Evasion)
        {
            f.severity = f.severity.raised();
        }
    }
    for f in findings
        .iter_mut()
        .filter(|f| f.category == Category::Unparseable)
    {
        f.decision = f.decision.max(policy.unparseable);
    }
    findings
}

/// A finding for input the analysis refused to follow.
pub(crate) fn unparseable(code: &str, message: String, span: Span, decision: Decision) -> Finding {
    Finding {
        code: code.into(),
        category: Category::Unparseable,
        severity: Severity::Medium,
        decision,
        message,
        span: Some(span),
        snippet: None,
    }
}
