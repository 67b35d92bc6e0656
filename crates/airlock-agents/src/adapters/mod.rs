//! Real tool names and inputs onto [`ToolCall`].
//!
//! Tool names are matched whatever the agent, because hooks do not always use the agent's own model-facing
//! names: Codex's hook, for one, reports its shell tools as `Bash {command}` (Claude Code's spelling) and its
//! patches as `apply_patch {command}`. The agent only matters where one name means two things.

mod codex;
mod fields;

use crate::{Agent, AgentError};
use airlock_protocol::{Edit, ToolCall};
use fields::{bad, opt_bool, opt_str, opt_u64, req_str};
use serde_json::Value;

fn owned(s: Option<&str>) -> Option<String> {
    s.map(str::to_string)
}

fn edit(t: &str, e: &Value, old: &[&str], new: &[&str], all: &[&str]) -> Result<Edit, AgentError> {
    Ok(Edit {
        old: req_str(t, e, old)?.into(),
        new: req_str(t, e, new)?.into(),
        replace_all: opt_bool(t, e, all)?,
    })
}

/// Every `http://` or `https://` URL in free text (Gemini's `web_fetch` takes a prompt, not a URL).
fn urls_in(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = ["https://", "http://"]
        .iter()
        .filter_map(|scheme| rest.find(scheme))
        .min()
    {
        let tail = rest.get(at..).unwrap_or("");
        let end = tail.find(char::is_whitespace).unwrap_or(tail.len());
        let url = tail.get(..end).unwrap_or("").trim_end_matches([
            '.', ',', ';', ':', '!', '?', ')', ']', '}', '>', '\'', '"', '`',
        ]);
        out.push(url);
        rest = tail.get(end..).unwrap_or("");
    }
    out
}

fn claude_multi_edit(t: &str, input: &Value) -> Result<ToolCall, AgentError> {
    let path = req_str(t, input, &["file_path"])?.to_string();
    let list = input
        .get("edits")
        .and_then(Value::as_array)
        .ok_or_else(|| bad(t, "missing `edits` array"))?;
    if list.is_empty() {
        return Err(bad(t, "`edits` is empty"));
    }
    let edits = list
        .iter()
        .map(|e| edit(t, e, &["old_string"], &["new_string"], &["replace_all"]))
        .collect::<Result<Vec<_>, AgentError>>()?;
    Ok(ToolCall::EditFile { path, edits })
}

fn claude_notebook(t: &str, input: &Value) -> Result<ToolCall, AgentError> {
    let mode = opt_str(t, input, &["edit_mode"])?
        .unwrap_or("replace")
        .to_string();
    // Deleting a cell needs no source; replacing or inserting one does.
    let source = if mode == "delete" {
        opt_str(t, input, &["new_source"])?.unwrap_or("")
    } else {
        req_str(t, input, &["new_source"])?
    };
    Ok(ToolCall::EditNotebook {
        path: req_str(t, input, &["notebook_path"])?.into(),
        cell_id: owned(opt_str(t, input, &["cell_id"])?),
        source: source.into(),
        mode,
    })
}

fn codex_shell(t: &str, input: &Value) -> Result<ToolCall, AgentError> {
    let cwd = owned(opt_str(t, input, &["workdir"])?);
    match input.get("command") {
        Some(Value::Array(argv)) => codex::argv_call(t, argv, cwd),
        Some(Value::String(s)) => Ok(codex::shell_call(s.clone(), cwd)),
        Some(_) => Err(bad(t, "`command` is neither an argv array nor a string")),
        None => Err(bad(t, "missing `command`")),
    }
}

fn gemini_web_fetch(t: &str, input: &Value) -> Result<ToolCall, AgentError> {
    if let Some(url) = opt_str(t, input, &["url"])? {
        return Ok(ToolCall::FetchUrl { url: url.into() });
    }
    let prompt = req_str(t, input, &["prompt"])?;
    Ok(match urls_in(prompt).as_slice() {
        [url] => ToolCall::FetchUrl {
            url: (*url).to_string(),
        },
        // None, or several (one FetchUrl would hide the others): left to the unknown-tool policy.
        _ => ToolCall::Other {
            name: t.into(),
            input: input.clone(),
        },
    })
}

/// Map one tool call of `agent` onto the normalized model.
pub fn normalize(agent: Agent, tool: &str, input: &Value) -> Result<ToolCall, AgentError> {
    let t = tool;
    Ok(match tool {
        // Claude Code (and Codex's hook, which names its shell tools `Bash`).
        "Bash" => {
            let command = req_str(t, input, &["command"])?.to_string();
            if agent == Agent::Codex {
                codex::shell_call(command, None)
            } else {
                ToolCall::Shell { command, cwd: None }
            }
        }
        "Write" => ToolCall::WriteFile {
            path: req_str(t, input, &["file_path"])?.into(),
            content: req_str(t, input, &["content"])?.into(),
        },
        "Edit" => ToolCall::EditFile {
            path: req_str(t, input, &["file_path"])?.into(),
            edits: vec![edit(
                t,
                input,
                &["old_string"],
                &["new_string"],
                &["replace_all"],
            )?],
        },
        "MultiEdit" => claude_multi_edit(t, input)?,
        "NotebookEdit" => claude_notebook(t, input)?,
        "WebFetch" => ToolCall::FetchUrl {
            url: req_str(t, input, &["url"])?.into(),
        },
        // Codex (model-facing names, as older hooks and the gateway see them).
        "exec_command" => codex::shell_call(
            req_str(t, input, &["cmd", "command"])?.to_string(),
            owned(opt_str(t, input, &["workdir"])?),
        ),
        // The shell tool of Codex models whose `shell_type` is `shell_command`: one command line.
        "shell_command" => codex::shell_call(
            req_str(t, input, &["command"])?.to_string(),
            owned(opt_str(t, input, &["workdir"])?),
        ),
        "local_shell" | "container.exec" => codex_shell(t, input)?,
        "shell" if agent == Agent::Codex => codex_shell(t, input)?,
        "apply_patch" => codex::apply_patch(t, input)?,
        // Gemini CLI
        "run_shell_command" => ToolCall::Shell {
            command: req_str(t, input, &["command"])?.into(),
            cwd: owned(opt_str(t, input, &["directory", "dir_path"])?),
        },
        "write_file" => ToolCall::WriteFile {
            path: req_str(t, input, &["file_path", "path"])?.into(),
            content: req_str(t, input, &["content"])?.into(),
        },
        "replace" => ToolCall::EditFile {
            path: req_str(t, input, &["file_path", "path"])?.into(),
            edits: vec![Edit {
                old: req_str(t, input, &["old_string"])?.into(),
                new: req_str(t, input, &["new_string"])?.into(),
                replace_all: opt_u64(t, input, "expected_replacements")?.is_some_and(|n| n > 1),
            }],
        },
        "web_fetch" => gemini_web_fetch(t, input)?,
        // OpenCode
        "bash" => ToolCall::Shell {
            command: req_str(t, input, &["command"])?.into(),
            cwd: owned(opt_str(t, input, &["workdir"])?),
        },
        "write" => ToolCall::WriteFile {
            path: req_str(t, input, &["filePath", "file_path"])?.into(),
            content: req_str(t, input, &["content"])?.into(),
        },
        "edit" => ToolCall::EditFile {
            path: req_str(t, input, &["filePath", "file_path"])?.into(),
            edits: vec![edit(
                t,
                input,
                &["oldString", "old_string"],
                &["newString", "new_string"],
                &["replaceAll", "replace_all"],
            )?],
        },
        // MCP tools (`mcp__server__tool`) and everything else.
        _ => ToolCall::Other {
            name: tool.into(),
            input: input.clone(),
        },
    })
}

#[cfg(test)]
mod tests;
