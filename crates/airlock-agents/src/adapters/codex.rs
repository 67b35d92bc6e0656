//! Codex's shell tools: argv vectors onto one command line, and `apply_patch` hidden in a shell command.
//!
//! Codex itself recognises two shell spellings of a patch and applies the patch instead of running a
//! shell: the argv `["apply_patch", PATCH]`, and a script that is exactly one `apply_patch` here-document.
//! Those (and only those) become [`ToolCall::ApplyPatch`]; anything with more shell around it stays a
//! shell command, so nothing next to the patch escapes the shell analysis.

use super::fields::{bad, shell_quote};
use crate::AgentError;
use airlock_protocol::ToolCall;
use serde_json::Value;

/// A shell command line, unless it is exactly a patch in Codex's here-document form.
pub(super) fn shell_call(command: String, cwd: Option<String>) -> ToolCall {
    match heredoc_patch(&command) {
        Some(patch) => ToolCall::ApplyPatch { patch },
        None => ToolCall::Shell { command, cwd },
    }
}

/// Codex `shell`/`local_shell` `{command: [argv]}`.
pub(super) fn argv_call(
    tool: &str,
    argv: &[Value],
    cwd: Option<String>,
) -> Result<ToolCall, AgentError> {
    let words: Option<Vec<&str>> = argv.iter().map(Value::as_str).collect();
    let words = words.ok_or_else(|| bad(tool, "`command` has a non-string element"))?;
    match words.as_slice() {
        [] => Err(bad(tool, "`command` is empty")),
        [prog, patch] if matches!(*prog, "apply_patch" | "applypatch") => {
            Ok(ToolCall::ApplyPatch {
                patch: (*patch).to_string(),
            })
        }
        [shell, flag, script] if is_shell(shell) && is_command_flag(flag) => {
            Ok(shell_call((*script).to_string(), cwd))
        }
        _ => Ok(ToolCall::Shell {
            command: words
                .iter()
                .map(|w| shell_quote(w))
                .collect::<Vec<_>>()
                .join(" "),
            cwd,
        }),
    }
}

fn is_shell(prog: &str) -> bool {
    let base = prog.rsplit('/').next().unwrap_or(prog);
    matches!(base, "bash" | "sh" | "zsh" | "dash")
}

/// `-c`, `-lc`, `-ec`, ...: single-dash flags that take no argument of their own, one of them `c`.
fn is_command_flag(flag: &str) -> bool {
    flag.strip_prefix('-').is_some_and(|letters| {
        !letters.is_empty()
            && letters.contains('c')
            && letters.chars().all(|c| "celixuv".contains(c))
    })
}

/// The patch of a script that is exactly `apply_patch <<'EOF'` / patch / `EOF` (any delimiter word,
/// quoted or not). `None` for anything else: a `cd` prefix (the patch's paths would be relative to a
/// directory we would lose), commands before or after, or a delimiter line inside the body (the shell
/// would end the here-document there and run the rest as commands).
pub(super) fn heredoc_patch(script: &str) -> Option<String> {
    let s = script.trim_end_matches(['\n', ' ', '\t']).trim_start();
    let rest = s
        .strip_prefix("apply_patch")
        .or_else(|| s.strip_prefix("applypatch"))?;
    let rest = rest.trim_start_matches([' ', '\t']).strip_prefix("<<")?;
    let (head, body) = rest.split_once('\n')?;
    let head = head.trim_matches([' ', '\t']);
    let delim = ["'", "\""]
        .iter()
        .find_map(|q| head.strip_prefix(q).and_then(|h| h.strip_suffix(q)))
        .unwrap_or(head);
    if delim.is_empty() || !delim.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return None;
    }
    let patch = body.strip_suffix(delim)?.strip_suffix('\n')?;
    if patch.lines().any(|l| l == delim) {
        return None;
    }
    let trimmed = patch.trim();
    (trimmed.starts_with("*** Begin Patch") && trimmed.ends_with("*** End Patch"))
        .then(|| patch.to_string())
}

/// Codex `apply_patch` input: a bare string, or `{input|patch|command: "..."}`; the text may itself be
/// the here-document form.
pub(super) fn apply_patch(tool: &str, input: &Value) -> Result<ToolCall, AgentError> {
    let text = match input {
        Value::String(s) => s.as_str(),
        _ => super::fields::req_str(tool, input, &["input", "patch", "command"])?,
    };
    Ok(ToolCall::ApplyPatch {
        patch: heredoc_patch(text).unwrap_or_else(|| text.to_string()),
    })
}
