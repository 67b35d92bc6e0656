//! File writes, edits, notebook cells and patches: code analysis of what the
//! model writes, plus the persistence rules for where it writes.

use crate::{CallContext, MALFORMED_PATCH};
use airlock_code::change::{self, Change};
use airlock_code::{analyze_file, analyze_source, Lang, Located};
use airlock_config::Policy;
use airlock_protocol::{Decision, Finding, ToolCall};
use std::path::Path;

/// Code-analysis findings for a tool call that writes files (none for other calls).
pub fn code_findings(call: &ToolCall, ctx: &CallContext, policy: &Policy) -> Vec<Finding> {
    let cwd = ctx.cwd.as_deref();
    match call {
        ToolCall::WriteFile { path, content } => judge_change(&change::from_write(path, content), None, policy),
        ToolCall::EditFile { path, edits } => judge_change(&change::from_edits(path, edits, cwd), None, policy),
        ToolCall::EditNotebook { path, source, mode, .. } => {
            if mode == "delete" {
                return Vec::new();
            }
            let cell = change::from_write(path, source);
            let found = analyze_source(&cell, change::notebook_lang(path), policy);
            with_place(path, found)
        }
        ToolCall::ApplyPatch { patch } => match change::from_patch(patch, cwd) {
            Ok(changes) => changes.iter().flat_map(|c| judge_change(c, None, policy)).collect(),
            Err(e) => vec![Finding {
                code: MALFORMED_PATCH.code.into(),
                category: MALFORMED_PATCH.category,
                severity: MALFORMED_PATCH.severity,
                decision: policy.unparseable.max(Decision::Ask),
                message: format!("the patch cannot be read, so what it writes cannot be judged: {e}"),
                span: None,
                snippet: None,
            }],
        },
        ToolCall::Shell { .. } | ToolCall::FetchUrl { .. } | ToolCall::Other { .. } => Vec::new(),
    }
}

/// Findings of one changed file, each message prefixed with `path:line`.
fn judge_change(c: &Change, lang: Option<Lang>, policy: &Policy) -> Vec<Finding> {
    let Some(lang) = lang.or_else(|| Lang::from_path(Path::new(&c.path))) else {
        return Vec::new();
    };
    with_place(&c.path, analyze_file(c, lang, policy))
}

fn with_place(path: &str, found: Vec<Located>) -> Vec<Finding> {
    found
        .into_iter()
        .map(|l| {
            let mut f = l.finding;
            f.message = format!("{path}:{}: {}", l.line, f.message);
            f
        })
        .collect()
}
