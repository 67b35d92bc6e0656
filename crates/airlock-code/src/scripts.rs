//! Shell embedded in files: shell scripts, Dockerfile `RUN` instructions and
//! `package.json` scripts are judged by the command analysis, with its rule
//! codes, at their place in the file.

use crate::lang::Lang;
use airlock_config::Policy;
use airlock_protocol::{Finding, Span};

/// A command and the byte offset of its first character in the file.
pub(crate) struct Embedded {
    pub offset: usize,
    pub command: String,
    /// `package.json` lifecycle scripts that run on `npm install`.
    pub install_time: bool,
}

/// Findings of the command analysis on every command the file would run.
pub(crate) fn shell_findings(text: &str, lang: Lang, policy: &Policy) -> Vec<Finding> {
    let commands = match lang {
        Lang::Shell => vec![Embedded {
            offset: 0,
            command: text.to_string(),
            install_time: false,
        }],
        Lang::Dockerfile => dockerfile_runs(text),
        Lang::PackageJson => package_scripts(text),
        _ => return Vec::new(),
    };
    let ctx = airlock_shell::Context {
        policy,
        cwd: None,
        home: None,
    };
    let mut out = Vec::new();
    for c in commands {
        let found = if lang == Lang::Shell {
            airlock_shell::analyze_script(&c.command, &ctx)
        } else {
            airlock_shell::analyze(&c.command, &ctx)
        };
        for mut f in found {
            // A script's parse error is an ask for the whole file only when it is
            // the file itself; embedded commands keep their offset.
            let span = match f.span {
                Some(s) => Span::new(s.start + c.offset, s.end + c.offset),
                None => Span::new(c.offset, c.offset + c.command.len()),
            };
            // Embedded commands are unescaped or joined, so their offsets are approximate:
            // keep the span inside the file and on character boundaries.
            f.span = Some(snap(text, span));
            out.push(f);
        }
    }
    out
}

fn snap(text: &str, s: Span) -> Span {
    let mut start = s.start.min(text.len());
    let mut end = s.end.clamp(start, text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    while !text.is_char_boundary(end) {
        end += 1;
    }
    Span::new(start, end)
}

/// Every `RUN` instruction of a Dockerfile, continuation lines joined.
pub(crate) fn dockerfile_runs(text: &str) -> Vec<Embedded> {
    let mut out = Vec::new();
    let mut offset = 0usize;
    let mut pending: Option<(usize, String)> = None;
    for raw in text.split_inclusive('\n') {
        let line_start = offset;
        offset += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        if let Some((start, mut cmd)) = pending.take() {
            let trimmed = line.trim_start();
            if trimmed.starts_with('#') {
                pending = Some((start, cmd));
                continue;
            }
            let (body, more) = continued(line);
            cmd.push(' ');
            cmd.push_str(body.trim());
            if more {
                pending = Some((start, cmd));
            } else {
                out.push(run_command(start, cmd));
            }
            continue;
        }
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if trimmed.len() >= 4 && trimmed.get(..4).is_some_and(|k| k.eq_ignore_ascii_case("RUN ")) {
            let mut rest = &trimmed[4..];
            let mut start = line_start + indent + 4;
            // Skip RUN flags such as --mount=... and --network=...
            while let Some(r) = rest.trim_start().strip_prefix("--") {
                let skipped = rest.len() - r.len();
                let end = r.find(char::is_whitespace).unwrap_or(r.len());
                start += skipped + end;
                rest = &r[end..];
            }
            let lead = rest.len() - rest.trim_start().len();
            start += lead;
            let (body, more) = continued(rest.trim_start());
            if more {
                pending = Some((start, body.to_string()));
            } else {
                out.push(run_command(start, body.to_string()));
            }
        }
    }
    if let Some((start, cmd)) = pending {
        out.push(run_command(start, cmd));
    }
    out
}

/// A Dockerfile line without its continuation backslash, and whether one was there.
pub(crate) fn continued(line: &str) -> (&str, bool) {
    let t = line.trim_end();
    match t.strip_suffix('\\') {
        Some(body) => (body, true),
        None => (t, false),
    }
}

/// Exec form `RUN ["sh", "-c", "..."]` runs the `-c` string; other exec forms
/// run their words.
fn run_command(offset: usize, cmd: String) -> Embedded {
    if cmd.trim_start().starts_with('[') {
        if let Ok(words) = serde_json::from_str::<Vec<String>>(cmd.trim()) {
            let joined = match words.iter().position(|w| w == "-c") {
                Some(i) => words.get(i + 1).cloned().unwrap_or_default(),
                None => words.join(" "),
            };
            return Embedded {
                offset,
                command: joined,
                install_time: false,
            };
        }
    }
    Embedded {
        offset,
        command: cmd,
        install_time: false,
    }
}

/// Lifecycle scripts npm runs on install without being asked.
pub(crate) const INSTALL_SCRIPTS: &[&str] = &[
    "preinstall",
    "install",
    "postinstall",
    "prepare",
    "preprepare",
    "postprepare",
    "prepublish",
];

/// Every script in a `package.json`, with its offset in the file.
pub(crate) fn package_scripts(text: &str) -> Vec<Embedded> {
    let Ok(serde_json::Value::Object(root)) = serde_json::from_str::<serde_json::Value>(text) else {
        return Vec::new();
    };
    let Some(serde_json::Value::Object(scripts)) = root.get("scripts") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut search_from = text.find("\"scripts\"").unwrap_or(0);
    for (name, value) in scripts {
        let Some(cmd) = value.as_str() else { continue };
        let key = format!("\"{name}\"");
        let offset = text
            .get(search_from..)
            .and_then(|t| t.find(&key))
            .map(|i| i + search_from)
            .and_then(|k| text.get(k..).and_then(|t| t.find(':')).map(|c| c + k))
            .and_then(|c| text.get(c..).and_then(|t| t.find('"')).map(|q| q + c + 1))
            .unwrap_or(0);
        if offset > 0 {
            search_from = offset;
        }
        out.push(Embedded {
            offset,
            command: cmd.to_string(),
            install_time: INSTALL_SCRIPTS.contains(&name.as_str()),
        });
    }
    out
}
