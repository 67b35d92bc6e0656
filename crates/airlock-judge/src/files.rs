//! File writes, edits, notebook cells and patches: code analysis of what the
//! model writes, plus the persistence rules for where it writes.

use crate::{CallContext, MALFORMED_PATCH};
use airlock_code::change::{self, Change};
use airlock_code::{analyze_change, line_col, Lang};
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
            judge_change(&cell, Some(change::notebook_lang(path)), policy)
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
    analyze_change(c, lang, policy)
        .into_iter()
        .map(|mut f| {
            let line = f.span.map(|s| line_col(&c.text, s.start).0).unwrap_or(1);
            f.message = format!("{}:{line}: {}", c.path, f.message);
            f
        })
        .collect()
}
