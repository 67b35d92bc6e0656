//! Real tool names and inputs onto [`ToolCall`].

use crate::{Agent, AgentError};
use airlock_protocol::{Edit, ToolCall};
use serde_json::Value;

fn field<'a>(tool: &str, input: &'a Value, names: &[&str]) -> Result<&'a str, AgentError> {
    for n in names {
        match input.get(*n) {
            Some(Value::String(s)) => return Ok(s),
            Some(other) if !other.is_null() => {
                return Err(AgentError::BadToolInput {
                    tool: tool.into(),
                    message: format!("`{n}` is not a string"),
                })
            }
            _ => {}
        }
    }
    Err(AgentError::BadToolInput {
        tool: tool.into(),
        message: format!("missing `{}`", names.join("` or `")),
    })
}

fn opt_str(input: &Value, names: &[&str]) -> Option<String> {
    names
        .iter()
        .find_map(|n| input.get(*n).and_then(Value::as_str))
        .map(str::to_string)
}

fn flag(input: &Value, names: &[&str]) -> bool {
    names
        .iter()
        .any(|n| input.get(*n).and_then(Value::as_bool).unwrap_or(false))
}

/// Quote one argument for a POSIX shell.
fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:@%+,".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// Codex `shell {command: [argv]}`: `["bash", "-lc", SCRIPT]` is the script; anything else is quoted argv.
fn argv_to_command(tool: &str, argv: &[Value]) -> Result<String, AgentError> {
    let words: Option<Vec<&str>> = argv.iter().map(Value::as_str).collect();
    let words = words.ok_or_else(|| AgentError::BadToolInput {
        tool: tool.into(),
        message: "`command` has a non-string element".into(),
    })?;
    if words.is_empty() {
        return Err(AgentError::BadToolInput {
            tool: tool.into(),
            message: "`command` is empty".into(),
        });
    }
    if let [shell, flag, script] = words.as_slice() {
        let base = shell.rsplit('/').next().unwrap_or(shell);
        if matches!(base, "bash" | "sh" | "zsh" | "dash")
            && flag.starts_with('-')
            && flag.ends_with('c')
        {
            return Ok((*script).to_string());
        }
    }
    Ok(words
        .iter()
        .map(|w| shell_quote(w))
        .collect::<Vec<_>>()
        .join(" "))
}

/// A Codex shell command that is really `apply_patch <<'EOF' ... EOF`.
fn heredoc_patch(command: &str) -> Option<String> {
    let start = command.find("*** Begin Patch")?;
    let end = command.rfind("*** End Patch")? + "*** End Patch".len();
    let head = command.get(..start)?;
    (head.contains("apply_patch") || head.contains("applypatch"))
        .then(|| command.get(start..end).map(str::to_string))
        .flatten()
}

fn shell_call(command: String, cwd: Option<String>) -> ToolCall {
    match heredoc_patch(&command) {
        Some(patch) => ToolCall::ApplyPatch { patch },
        None => ToolCall::Shell { command, cwd },
    }
}

/// Map one tool call of `agent` onto the normalized model.
pub fn normalize(agent: Agent, tool: &str, input: &Value) -> Result<ToolCall, AgentError> {
    let t = tool;
    Ok(match (agent, tool) {
        // Claude Code
        (_, "Bash") => ToolCall::Shell {
            command: field(t, input, &["command"])?.to_string(),
            cwd: None,
        },
        (_, "Write") => ToolCall::WriteFile {
            path: field(t, input, &["file_path"])?.into(),
            content: field(t, input, &["content"])?.into(),
        },
        (_, "Edit") => ToolCall::EditFile {
            path: field(t, input, &["file_path"])?.into(),
            edits: vec![Edit {
                old: field(t, input, &["old_string"])?.into(),
                new: field(t, input, &["new_string"])?.into(),
                replace_all: flag(input, &["replace_all"]),
            }],
        },
        (_, "MultiEdit") => {
            let path = field(t, input, &["file_path"])?.to_string();
            let list = input
                .get("edits")
                .and_then(Value::as_array)
                .ok_or_else(|| AgentError::BadToolInput {
                    tool: t.into(),
                    message: "missing `edits` array".into(),
                })?;
            let edits = list
                .iter()
                .map(|e| {
                    Ok(Edit {
                        old: field(t, e, &["old_string"])?.into(),
                        new: field(t, e, &["new_string"])?.into(),
                        replace_all: flag(e, &["replace_all"]),
                    })
                })
                .collect::<Result<Vec<_>, AgentError>>()?;
            ToolCall::EditFile { path, edits }
        }
        (_, "NotebookEdit") => ToolCall::EditNotebook {
            path: field(t, input, &["notebook_path"])?.into(),
            cell_id: opt_str(input, &["cell_id"]),
            source: opt_str(input, &["new_source"]).unwrap_or_default(),
            mode: opt_str(input, &["edit_mode"]).unwrap_or_else(|| "replace".into()),
        },
        (_, "WebFetch") => ToolCall::FetchUrl {
            url: field(t, input, &["url"])?.into(),
        },
        // Codex
        (_, "exec_command") => shell_call(
            field(t, input, &["cmd", "command"])?.to_string(),
            opt_str(input, &["workdir"]),
        ),
        (Agent::Codex, "shell") | (_, "local_shell") | (_, "container.exec") => {
            let cwd = opt_str(input, &["workdir"]);
            match input.get("command") {
                Some(Value::Array(argv)) => shell_call(argv_to_command(t, argv)?, cwd),
                Some(Value::String(s)) => shell_call(s.clone(), cwd),
                _ => {
                    return Err(AgentError::BadToolInput {
                        tool: t.into(),
                        message: "missing `command`".into(),
                    })
                }
            }
        }
        (_, "apply_patch") => {
            let patch = match input {
                Value::String(s) => s.clone(),
                _ => field(t, input, &["input", "patch", "command"])?.to_string(),
            };
            ToolCall::ApplyPatch { patch }
        }
        // Gemini CLI
        (_, "run_shell_command") => ToolCall::Shell {
            command: field(t, input, &["command"])?.into(),
            cwd: opt_str(input, &["directory", "dir_path"]),
        },
        (_, "write_file") => ToolCall::WriteFile {
            path: field(t, input, &["file_path", "path"])?.into(),
            content: field(t, input, &["content"])?.into(),
        },
        (_, "replace") => ToolCall::EditFile {
            path: field(t, input, &["file_path", "path"])?.into(),
            edits: vec![Edit {
                old: field(t, input, &["old_string"])?.into(),
                new: field(t, input, &["new_string"])?.into(),
                replace_all: input
                    .get("expected_replacements")
                    .and_then(Value::as_u64)
                    .is_some_and(|n| n > 1),
            }],
        },
        (_, "web_fetch") => {
            let prompt = opt_str(input, &["url", "prompt"]).unwrap_or_default();
            match prompt
                .split_whitespace()
                .find(|w| w.starts_with("http://") || w.starts_with("https://"))
            {
                Some(url) => ToolCall::FetchUrl {
                    url: url.to_string(),
                },
                None => ToolCall::Other {
                    name: tool.into(),
                    input: input.clone(),
                },
            }
        }
        // OpenCode
        (_, "bash") => ToolCall::Shell {
            command: field(t, input, &["command"])?.into(),
            cwd: opt_str(input, &["workdir"]),
        },
        (_, "write") => ToolCall::WriteFile {
            path: field(t, input, &["filePath", "file_path"])?.into(),
            content: field(t, input, &["content"])?.into(),
        },
        (_, "edit") => ToolCall::EditFile {
            path: field(t, input, &["filePath", "file_path"])?.into(),
            edits: vec![Edit {
                old: field(t, input, &["oldString", "old_string"])?.into(),
                new: field(t, input, &["newString", "new_string"])?.into(),
                replace_all: flag(input, &["replaceAll", "replace_all"]),
            }],
        },
        _ => ToolCall::Other {
            name: tool.into(),
            input: input.clone(),
        },
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use serde_json::json;

    #[test]
    fn claude_code_tools() {
        assert_eq!(
            normalize(
                Agent::ClaudeCode,
                "Bash",
                &json!({"command": "ls", "description": "x"})
            )
            .unwrap(),
            ToolCall::Shell {
                command: "ls".into(),
                cwd: None
            }
        );
        let w = normalize(
            Agent::ClaudeCode,
            "Write",
            &json!({"file_path": "/a", "content": "b"}),
        )
        .unwrap();
        assert_eq!(
            w,
            ToolCall::WriteFile {
                path: "/a".into(),
                content: "b".into()
            }
        );
        let m = normalize(Agent::ClaudeCode, "MultiEdit", &json!({"file_path": "/a", "edits": [{"old_string": "x", "new_string": "y"}, {"old_string": "p", "new_string": "q", "replace_all": true}]})).unwrap();
        let ToolCall::EditFile { edits, .. } = m else {
            panic!()
        };
        assert_eq!(edits.len(), 2);
        assert!(edits[1].replace_all);
        let n = normalize(Agent::ClaudeCode, "NotebookEdit", &json!({"notebook_path": "n.ipynb", "cell_id": "c1", "new_source": "print(1)", "edit_mode": "insert"})).unwrap();
        assert!(matches!(n, ToolCall::EditNotebook { ref mode, .. } if mode == "insert"));
        assert!(matches!(
            normalize(
                Agent::ClaudeCode,
                "WebFetch",
                &json!({"url": "https://x", "prompt": "p"})
            )
            .unwrap(),
            ToolCall::FetchUrl { .. }
        ));
        assert!(matches!(
            normalize(Agent::ClaudeCode, "mcp__db__query", &json!({"q": 1})).unwrap(),
            ToolCall::Other { .. }
        ));
    }

    #[test]
    fn codex_tools() {
        assert_eq!(
            normalize(
                Agent::Codex,
                "exec_command",
                &json!({"cmd": "npm test", "workdir": "/w"})
            )
            .unwrap(),
            ToolCall::Shell {
                command: "npm test".into(),
                cwd: Some("/w".into())
            }
        );
        assert_eq!(
            normalize(
                Agent::Codex,
                "shell",
                &json!({"command": ["bash", "-lc", "echo $HOME"]})
            )
            .unwrap(),
            ToolCall::Shell {
                command: "echo $HOME".into(),
                cwd: None
            }
        );
        assert_eq!(
            normalize(
                Agent::Codex,
                "shell",
                &json!({"command": ["git", "commit", "-m", "it's"]})
            )
            .unwrap(),
            ToolCall::Shell {
                command: "git commit -m 'it'\\''s'".into(),
                cwd: None
            }
        );
        let p = "*** Begin Patch\n*** Add File: a.txt\n+hi\n*** End Patch";
        assert_eq!(
            normalize(Agent::Codex, "apply_patch", &json!({"input": p})).unwrap(),
            ToolCall::ApplyPatch { patch: p.into() }
        );
        assert_eq!(
            normalize(Agent::Codex, "apply_patch", &json!(p)).unwrap(),
            ToolCall::ApplyPatch { patch: p.into() }
        );
        let via_shell = format!("apply_patch <<'EOF'\n{p}\nEOF");
        assert_eq!(
            normalize(Agent::Codex, "exec_command", &json!({"cmd": via_shell})).unwrap(),
            ToolCall::ApplyPatch { patch: p.into() }
        );
    }

    #[test]
    fn gemini_and_opencode_tools() {
        assert_eq!(
            normalize(
                Agent::Gemini,
                "run_shell_command",
                &json!({"command": "ls", "directory": "src"})
            )
            .unwrap(),
            ToolCall::Shell {
                command: "ls".into(),
                cwd: Some("src".into())
            }
        );
        let r = normalize(Agent::Gemini, "replace", &json!({"file_path": "a", "old_string": "x", "new_string": "y", "expected_replacements": 3})).unwrap();
        assert!(matches!(r, ToolCall::EditFile { ref edits, .. } if edits[0].replace_all));
        assert!(matches!(
            normalize(
                Agent::Gemini,
                "write_file",
                &json!({"file_path": "a", "content": "c"})
            )
            .unwrap(),
            ToolCall::WriteFile { .. }
        ));
        assert!(matches!(
            normalize(Agent::OpenCode, "bash", &json!({"command": "ls"})).unwrap(),
            ToolCall::Shell { .. }
        ));
        assert!(
            matches!(normalize(Agent::OpenCode, "edit", &json!({"filePath": "a", "oldString": "x", "newString": "y", "replaceAll": true})).unwrap(), ToolCall::EditFile { ref edits, .. } if edits[0].replace_all)
        );
    }

    #[test]
    fn bad_inputs_are_errors_not_allows() {
        assert!(normalize(Agent::ClaudeCode, "Bash", &json!({})).is_err());
        assert!(normalize(Agent::ClaudeCode, "Bash", &json!({"command": 5})).is_err());
        assert!(normalize(Agent::Codex, "shell", &json!({"command": [1, 2]})).is_err());
        assert!(normalize(Agent::Codex, "shell", &json!({"command": []})).is_err());
        assert!(normalize(
            Agent::ClaudeCode,
            "MultiEdit",
            &json!({"file_path": "a", "edits": [{"old_string": "x"}]})
        )
        .is_err());
    }
}
