//! Writing airlock's hook into an agent's settings, idempotently, keeping everything else.
//!
//! | agent | user settings | `--managed` (cannot be switched off by the user) |
//! |---|---|---|
//! | Claude Code | `$CLAUDE_CONFIG_DIR/settings.json` or `~/.claude/settings.json` | `/etc/claude-code/managed-settings.json` |
//! | Codex | `$CODEX_HOME/hooks.json` (default `~/.codex`) | `/etc/codex/managed_config.toml` + `/etc/codex/requirements.toml` with `allow_managed_hooks_only = true` |
//! | Gemini CLI | `~/.gemini/settings.json` | `/etc/gemini-cli/settings.json` |

use crate::{Agent, AgentError};
use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};

/// What to install and where.
#[derive(Debug, Clone)]
pub struct Options {
    pub agent: Agent,
    pub managed: bool,
    /// The full hook command, e.g. `/usr/local/bin/airlock hook claude-code`.
    pub command: String,
    /// Write this settings file instead of the default one (tests, packaging).
    pub settings_file: Option<PathBuf>,
    /// Prefix for system paths (`--managed`), like DESTDIR.
    pub root: Option<PathBuf>,
    /// The user's home directory.
    pub home: Option<PathBuf>,
}

/// One file's new content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    pub path: PathBuf,
    pub before: Option<String>,
    pub after: String,
}

impl FileChange {
    pub fn changed(&self) -> bool {
        self.before.as_deref() != Some(self.after.as_str())
    }
}

/// Seconds an agent waits for the hook before giving up (it answers in milliseconds).
const HOOK_TIMEOUT_SECS: u64 = 30;

fn system(opts: &Options, p: &str) -> PathBuf {
    match &opts.root {
        Some(root) => root.join(p.trim_start_matches('/')),
        None => PathBuf::from(p),
    }
}

fn home(opts: &Options) -> Result<PathBuf, AgentError> {
    opts.home.clone().ok_or_else(|| {
        AgentError::Unsupported("cannot find the home directory (HOME is not set)".into())
    })
}

/// The main settings file for the options.
pub fn settings_path(opts: &Options) -> Result<PathBuf, AgentError> {
    if let Some(p) = &opts.settings_file {
        return Ok(p.clone());
    }
    Ok(match (opts.agent, opts.managed) {
        (Agent::ClaudeCode, true) => system(opts, "/etc/claude-code/managed-settings.json"),
        (Agent::ClaudeCode, false) => match std::env::var_os("CLAUDE_CONFIG_DIR") {
            Some(d) => PathBuf::from(d).join("settings.json"),
            None => home(opts)?.join(".claude").join("settings.json"),
        },
        (Agent::Codex, true) => system(opts, "/etc/codex/managed_config.toml"),
        (Agent::Codex, false) => match std::env::var_os("CODEX_HOME") {
            Some(d) => PathBuf::from(d).join("hooks.json"),
            None => home(opts)?.join(".codex").join("hooks.json"),
        },
        (Agent::Gemini, true) => system(opts, "/etc/gemini-cli/settings.json"),
        (Agent::Gemini, false) => home(opts)?.join(".gemini").join("settings.json"),
        (Agent::OpenCode, _) => {
            return Err(AgentError::Unsupported(
                "OpenCode has no command hooks; point it at `airlock gateway`".into(),
            ))
        }
    })
}

fn read(path: &Path) -> Result<Option<String>, AgentError> {
    match std::fs::read_to_string(path) {
        Ok(s) => Ok(Some(s)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(AgentError::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Whether a hook command is airlock's hook for this agent.
fn is_ours(command: &str, agent: Agent) -> bool {
    command.contains("airlock")
        && command
            .trim_end()
            .ends_with(&format!("hook {}", agent.name()))
}

/// Compute the changes that install (or, with `remove`, uninstall) the hook. Nothing is written.
pub fn plan(opts: &Options, remove: bool) -> Result<Vec<FileChange>, AgentError> {
    let path = settings_path(opts)?;
    let before = read(&path)?;
    let mut changes = Vec::new();
    if opts.agent == Agent::Codex && opts.managed && path.extension().is_some_and(|e| e == "toml") {
        let after = edit_codex_toml(&path, before.as_deref(), opts, remove)?;
        changes.push(FileChange {
            path: path.clone(),
            before,
            after,
        });
        // Only managed hooks run: a user's `--bare`, hooks.json or disabled hooks cannot switch airlock off.
        let req_path = path.with_file_name("requirements.toml");
        let req_before = read(&req_path)?;
        let req_after = edit_requirements(&req_path, req_before.as_deref(), remove)?;
        changes.push(FileChange {
            path: req_path,
            before: req_before,
            after: req_after,
        });
    } else {
        let event = if opts.agent == Agent::Gemini {
            "BeforeTool"
        } else {
            "PreToolUse"
        };
        let after = edit_json(&path, before.as_deref(), opts, event, remove)?;
        changes.push(FileChange {
            path,
            before,
            after,
        });
    }
    Ok(changes)
}

/// Write the planned changes (creating directories as needed).
pub fn apply(changes: &[FileChange]) -> Result<(), AgentError> {
    for c in changes.iter().filter(|c| c.changed()) {
        if let Some(dir) = c.path.parent() {
            std::fs::create_dir_all(dir).map_err(|source| AgentError::Write {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        // Write beside and rename, so a crash never leaves a half-written settings file.
        let tmp = c.path.with_extension("airlock-tmp");
        std::fs::write(&tmp, &c.after).map_err(|source| AgentError::Write {
            path: tmp.clone(),
            source,
        })?;
        std::fs::rename(&tmp, &c.path).map_err(|source| AgentError::Write {
            path: c.path.clone(),
            source,
        })?;
    }
    Ok(())
}

fn edit_json(
    path: &Path,
    before: Option<&str>,
    opts: &Options,
    event: &str,
    remove: bool,
) -> Result<String, AgentError> {
    let mut root: Value = match before.map(str::trim).filter(|s| !s.is_empty()) {
        Some(text) => serde_json::from_str(text).map_err(|e| AgentError::Malformed {
            path: path.to_path_buf(),
            format: "JSON",
            message: e.to_string(),
        })?,
        None => Value::Object(Map::new()),
    };
    let malformed = |m: &str| AgentError::Malformed {
        path: path.to_path_buf(),
        format: "JSON settings",
        message: m.to_string(),
    };
    let obj = root
        .as_object_mut()
        .ok_or_else(|| malformed("the top level is not an object"))?;
    let hooks = obj
        .entry("hooks")
        .or_insert_with(|| Value::Object(Map::new()))
        .as_object_mut()
        .ok_or_else(|| malformed("`hooks` is not an object"))?;
    let groups = hooks
        .entry(event)
        .or_insert_with(|| Value::Array(Vec::new()))
        .as_array_mut()
        .ok_or_else(|| malformed("the hook event is not an array"))?;
    // Drop our old entries (any binary path), keep everyone else's.
    for g in groups.iter_mut() {
        if let Some(list) = g.get_mut("hooks").and_then(Value::as_array_mut) {
            list.retain(|h| {
                !h.get("command")
                    .and_then(Value::as_str)
                    .is_some_and(|c| is_ours(c, opts.agent))
            });
        }
    }
    groups.retain(|g| {
        g.get("hooks")
            .and_then(Value::as_array)
            .is_none_or(|l| !l.is_empty())
    });
    if !remove {
        let handler =
            json!({"type": "command", "command": opts.command, "timeout": HOOK_TIMEOUT_SECS});
        let group = match opts.agent {
            // Codex matchers are regular expressions; no matcher matches every tool.
            Agent::Codex => json!({"hooks": [handler]}),
            _ => json!({"matcher": "*", "hooks": [handler]}),
        };
        // First, so airlock judges before other hooks that might have side effects.
        groups.insert(0, group);
    }
    if groups.is_empty() {
        hooks.remove(event);
    }
    if hooks.is_empty() {
        obj.remove("hooks");
    }
    let mut text = serde_json::to_string_pretty(&root).map_err(|e| malformed(&e.to_string()))?;
    text.push('\n');
    Ok(text)
}

fn parse_toml(path: &Path, before: Option<&str>) -> Result<toml_edit::DocumentMut, AgentError> {
    before
        .unwrap_or("")
        .parse::<toml_edit::DocumentMut>()
        .map_err(|e| AgentError::Malformed {
            path: path.to_path_buf(),
            format: "TOML",
            message: e.to_string(),
        })
}

fn edit_codex_toml(
    path: &Path,
    before: Option<&str>,
    opts: &Options,
    remove: bool,
) -> Result<String, AgentError> {
    use toml_edit::{value, ArrayOfTables, Item, Table};
    let mut doc = parse_toml(path, before)?;
    let malformed = |m: &str| AgentError::Malformed {
        path: path.to_path_buf(),
        format: "Codex config",
        message: m.to_string(),
    };
    let hooks = doc
        .entry("hooks")
        .or_insert(Item::Table(Table::new()))
        .as_table_mut()
        .ok_or_else(|| malformed("`hooks` is not a table"))?;
    hooks.set_implicit(true);
    let groups = hooks
        .entry("PreToolUse")
        .or_insert(Item::ArrayOfTables(ArrayOfTables::new()))
        .as_array_of_tables_mut()
        .ok_or_else(|| malformed("`hooks.PreToolUse` is not an array of tables"))?;
    let mut kept = ArrayOfTables::new();
    for g in groups.iter() {
        let mut g = g.clone();
        if let Some(list) = g.get_mut("hooks").and_then(Item::as_array_of_tables_mut) {
            list.retain(|h| {
                !h.get("command")
                    .and_then(Item::as_str)
                    .is_some_and(|c| is_ours(c, opts.agent))
            });
            if list.is_empty() {
                continue;
            }
        }
        kept.push(g);
    }
    let mut out = ArrayOfTables::new();
    if !remove {
        let mut handler = Table::new();
        handler.insert("type", value("command"));
        handler.insert("command", value(opts.command.as_str()));
        handler.insert("timeout", value(HOOK_TIMEOUT_SECS as i64));
        let mut list = ArrayOfTables::new();
        list.push(handler);
        let mut group = Table::new();
        group.insert("hooks", Item::ArrayOfTables(list));
        out.push(group);
    }
    for g in kept.iter() {
        out.push(g.clone());
    }
    *groups = out;
    if groups.is_empty() {
        hooks.remove("PreToolUse");
    }
    if hooks.is_empty() {
        doc.remove("hooks");
    }
    Ok(doc.to_string())
}

fn edit_requirements(
    path: &Path,
    before: Option<&str>,
    remove: bool,
) -> Result<String, AgentError> {
    let mut doc = parse_toml(path, before)?;
    if remove {
        doc.remove("allow_managed_hooks_only");
    } else {
        doc.insert("allow_managed_hooks_only", toml_edit::value(true));
    }
    Ok(doc.to_string())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn opts(agent: Agent, dir: &Path, managed: bool) -> Options {
        Options {
            agent,
            managed,
            command: "/opt/airlock/bin/airlock hook ".to_string() + agent.name(),
            settings_file: None,
            root: Some(dir.join("root")),
            home: Some(dir.join("home")),
        }
    }

    #[test]
    fn claude_install_is_idempotent_and_preserving() {
        let dir = tempfile::tempdir().unwrap();
        let o = Options {
            settings_file: Some(dir.path().join("settings.json")),
            ..opts(Agent::ClaudeCode, dir.path(), false)
        };
        std::fs::write(dir.path().join("settings.json"), r#"{"model": "x", "hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "other-guard"}]}], "Stop": []}}"#).unwrap();
        apply(&plan(&o, false).unwrap()).unwrap();
        let first = std::fs::read_to_string(dir.path().join("settings.json")).unwrap();
        apply(&plan(&o, false).unwrap()).unwrap();
        let second = std::fs::read_to_string(dir.path().join("settings.json")).unwrap();
        assert_eq!(first, second, "installing twice changes nothing");
        let v: Value = serde_json::from_str(&second).unwrap();
        assert_eq!(v["model"], "x");
        assert_eq!(v["hooks"]["PreToolUse"].as_array().unwrap().len(), 2);
        assert_eq!(
            v["hooks"]["PreToolUse"][0]["hooks"][0]["command"],
            "/opt/airlock/bin/airlock hook claude-code"
        );
        assert_eq!(
            v["hooks"]["PreToolUse"][1]["hooks"][0]["command"],
            "other-guard"
        );
        assert!(v["hooks"]["Stop"].is_array());
        // Keys keep their order.
        assert!(second.find("\"model\"").unwrap() < second.find("\"hooks\"").unwrap());
        apply(&plan(&o, true).unwrap()).unwrap();
        let v: Value = serde_json::from_str(
            &std::fs::read_to_string(dir.path().join("settings.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(v["hooks"]["PreToolUse"].as_array().unwrap().len(), 1);
        assert_eq!(
            v["hooks"]["PreToolUse"][0]["hooks"][0]["command"],
            "other-guard"
        );
    }

    #[test]
    fn malformed_settings_are_never_clobbered() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("settings.json");
        std::fs::write(&p, "{ not json").unwrap();
        let o = Options {
            settings_file: Some(p.clone()),
            ..opts(Agent::ClaudeCode, dir.path(), false)
        };
        assert!(matches!(plan(&o, false), Err(AgentError::Malformed { .. })));
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "{ not json");
    }

    #[test]
    fn codex_managed_writes_config_and_requirements() {
        let dir = tempfile::tempdir().unwrap();
        let o = opts(Agent::Codex, dir.path(), true);
        let cfg = dir.path().join("root/etc/codex/managed_config.toml");
        std::fs::create_dir_all(cfg.parent().unwrap()).unwrap();
        std::fs::write(&cfg, "# admin settings\nmodel = \"gpt\"\n").unwrap();
        apply(&plan(&o, false).unwrap()).unwrap();
        apply(&plan(&o, false).unwrap()).unwrap();
        let text = std::fs::read_to_string(&cfg).unwrap();
        assert!(
            text.starts_with("# admin settings\nmodel = \"gpt\""),
            "{text}"
        );
        assert_eq!(text.matches("hook codex").count(), 1, "{text}");
        let parsed: toml::Value = toml::from_str(&text).unwrap();
        assert_eq!(
            parsed["hooks"]["PreToolUse"][0]["hooks"][0]["type"].as_str(),
            Some("command")
        );
        let req =
            std::fs::read_to_string(dir.path().join("root/etc/codex/requirements.toml")).unwrap();
        assert!(req.contains("allow_managed_hooks_only = true"));
        apply(&plan(&o, true).unwrap()).unwrap();
        assert!(!std::fs::read_to_string(&cfg).unwrap().contains("airlock"));
    }

    #[test]
    fn codex_user_and_gemini_paths() {
        let dir = tempfile::tempdir().unwrap();
        let o = Options {
            settings_file: Some(dir.path().join("hooks.json")),
            ..opts(Agent::Codex, dir.path(), false)
        };
        let c = plan(&o, false).unwrap();
        let v: Value = serde_json::from_str(&c[0].after).unwrap();
        assert!(v["hooks"]["PreToolUse"][0].get("matcher").is_none());
        let g = opts(Agent::Gemini, dir.path(), false);
        let c = plan(&g, false).unwrap();
        assert!(c[0].path.ends_with(".gemini/settings.json"));
        let v: Value = serde_json::from_str(&c[0].after).unwrap();
        assert_eq!(
            v["hooks"]["BeforeTool"][0]["hooks"][0]["command"],
            "/opt/airlock/bin/airlock hook gemini"
        );
    }
}
