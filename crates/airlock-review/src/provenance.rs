//! Which provider and model wrote which lines, from the gateway's audit store.
//!
//! Every `tool_call` row the gateway records carries the provider, the model, the tool name and the
//! raw tool input (`detail.input`). For the write-type tools (Claude Code `Write`/`Edit`/`MultiEdit`/
//! `NotebookEdit`, Codex `apply_patch`, Gemini `write_file`/`replace`, OpenCode `write`/`edit`, read
//! through `airlock-agents`' adapters) the text written to a path is taken: a whole file's content, an
//! edit's new string, a patch's added lines. Calls the gateway blocked never ran and are skipped.
//!
//! The rule: each written line is trimmed; a line with fewer than 3 alphanumeric characters (`}`,
//! `*/`, an empty line) is trivial and never attributed. A non-trivial line is keyed by the SHA-256 of
//! its trimmed text. A line of a reviewed file is attributed to every (provider, model) that wrote a
//! line with the same key to the same path (paths compared by trailing components, so an absolute path
//! in the audit matches a repository-relative one). A non-trivial line no write explains is of unknown
//! origin: a person wrote it, or a tool outside the gateway.

use crate::change::Change;
use crate::policy::normalize_provider;
use crate::Result;
use airlock_agents::Agent;
use airlock_audit::AuditStore;
use airlock_protocol::ToolCall;
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

/// A provider (normalised) and a model.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Origin {
    pub provider: String,
    pub model: String,
}

/// Written lines per path.
#[derive(Debug, Clone, Default)]
pub struct Provenance {
    paths: HashMap<String, PathWrites>,
}

/// What was written to one path.
#[derive(Debug, Clone, Default)]
struct PathWrites {
    /// Whole written lines, by the hash of their trimmed text.
    lines: HashMap<u64, BTreeSet<Origin>>,
    /// The first and last lines of edits made to a file whose text is not known: they may be parts
    /// of lines, so a current line containing one is attributed.
    fragments: Vec<(String, Origin)>,
    /// The file's text as the recorded writes left it, while it is known (after a whole write).
    text: Option<String>,
}

impl PathWrites {
    fn add_lines(&mut self, text: &str, o: &Origin) {
        for l in text.lines().filter(|l| !is_trivial(l)) {
            self.lines.entry(key(l)).or_default().insert(o.clone());
        }
    }

    fn add_fragment(&mut self, f: &str, o: &Origin) {
        let f = f.trim();
        if f.chars().count() >= MIN_FRAGMENT && !is_trivial(f) && !self.fragments.iter().any(|(g, p)| g == f && p == o) {
            self.fragments.push((f.to_string(), o.clone()));
        }
    }

    fn apply(&mut self, w: Write, o: &Origin) {
        match w {
            Write::Whole(text) => {
                self.add_lines(&text, o);
                self.text = Some(text);
            }
            Write::Lines(text) => {
                self.add_lines(&text, o);
                self.text = None;
            }
            Write::Edit { old, new, all } => match self.text.take().and_then(|t| replace(&t, &old, &new, all)) {
                // The file is known: the whole lines the edit touched are the editor's.
                Some((text, ranges)) => {
                    for r in ranges {
                        let start = text.get(..r.start).and_then(|t| t.rfind('\n')).map_or(0, |i| i + 1);
                        let end = text.get(r.end..).and_then(|t| t.find('\n')).map_or(text.len(), |i| r.end + i);
                        if let Some(touched) = text.get(start..end) {
                            self.add_lines(touched, o);
                        }
                    }
                    self.text = Some(text);
                }
                // Not known: the new string's lines, its first and last also as fragments.
                None => {
                    self.add_lines(&new, o);
                    let lines: Vec<&str> = new.lines().collect();
                    for f in [lines.first(), lines.last()].into_iter().flatten() {
                        self.add_fragment(f, o);
                    }
                }
            },
        }
    }
}

/// A fragment shorter than this (trimmed, in characters) is not attributed.
pub const MIN_FRAGMENT: usize = 12;

/// `text` with `old` replaced by `new` (the first or every occurrence), and where the new text went.
fn replace(text: &str, old: &str, new: &str, all: bool) -> Option<(String, Vec<std::ops::Range<usize>>)> {
    if old.is_empty() || !text.contains(old) {
        return None;
    }
    let mut out = String::with_capacity(text.len() + new.len());
    let mut ranges = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(old) {
        out.push_str(rest.get(..i)?);
        ranges.push(out.len()..out.len() + new.len());
        out.push_str(new);
        rest = rest.get(i + old.len()..)?;
        if !all {
            break;
        }
    }
    out.push_str(rest);
    Some((out, ranges))
}

/// One write-type tool call's effect on one path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Write {
    /// The file's whole new text (`Write`, `write_file`, a patch's `Add File`).
    Whole(String),
    /// Lines put into the file somewhere (a patch's added lines, a notebook cell).
    Lines(String),
    /// `old` replaced by `new` (`Edit`, `MultiEdit`, `replace`, OpenCode `edit`).
    Edit { old: String, new: String, all: bool },
}

impl Write {
    /// The file's text after this write, from its text before (`None`: the file does not exist or
    /// is not known). `None` when that cannot be told: an edit whose old text is not there, or
    /// patch lines (apply the patch itself).
    pub fn apply(&self, before: Option<&str>) -> Option<String> {
        match self {
            Write::Whole(t) => Some(t.clone()),
            Write::Edit { old, new, all } => replace(before?, old, new, *all).map(|(t, _)| t),
            Write::Lines(_) => None,
        }
    }
}

/// What provenance says about a change's added lines.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ProvenanceSummary {
    /// Every provider/model that wrote some added line.
    pub origins: BTreeSet<Origin>,
    /// The providers among them.
    pub providers: BTreeSet<String>,
    /// Added, non-trivial lines attributed to some origin.
    pub attributed_lines: usize,
    /// Added, non-trivial lines no recorded write explains: (path, line).
    pub unknown_lines: Vec<(String, u32)>,
}

impl ProvenanceSummary {
    pub fn origins_vec(&self) -> Vec<Origin> {
        self.origins.iter().cloned().collect()
    }
}

/// Whether a trimmed line can be attributed (at least 3 alphanumeric characters).
pub fn is_trivial(line: &str) -> bool {
    line.trim().chars().filter(|c| c.is_alphanumeric()).count() < 3
}

/// A line's key: the first 64 bits of the SHA-256 of its trimmed text.
pub fn line_key(line: &str) -> u64 {
    let h = Sha256::digest(line.trim().as_bytes());
    h.iter().take(8).fold(0u64, |k, b| (k << 8) | u64::from(*b))
}

fn key(line: &str) -> u64 {
    line_key(line)
}

/// Tool names whose calls can write files (the others are skipped unread).
pub const WRITE_TOOLS: [&str; 15] = [
    "Write", "Edit", "MultiEdit", "NotebookEdit", "apply_patch", "write_file", "replace", "write", "edit",
    "shell", "exec_command", "local_shell", "shell_command", "container.exec", "applypatch",
];

/// The `writes` summary the gateway records with a write-type tool call: per path, the SHA-256 of
/// the text written and its line count, plus `line_keys` (hex [`line_key`]s of its non-trivial lines)
/// when `input_cut` says the recorded input is cut short, so a large write keeps its provenance.
pub fn write_digests(tool: &str, input_text: &str, input_cut: bool) -> Vec<Value> {
    if !WRITE_TOOLS.contains(&tool) {
        return Vec::new();
    }
    written(tool, &Value::String(input_text.to_string()))
        .into_iter()
        .map(|(path, w)| {
            let text = match &w {
                Write::Whole(t) | Write::Lines(t) => t.as_str(),
                Write::Edit { new, .. } => new.as_str(),
            };
            let sha: String = Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
            let mut v = serde_json::json!({"path": path, "sha256": sha, "lines": text.lines().count()});
            if let (true, Some(o)) = (input_cut, v.as_object_mut()) {
                let keys: Vec<String> = text.lines().filter(|l| !is_trivial(l)).map(|l| format!("{:016x}", line_key(l))).collect();
                o.insert("line_keys".into(), Value::from(keys));
            }
            v
        })
        .collect()
}

impl Provenance {
    /// Read every write the gateway recorded in the audit database at `path`.
    pub fn load(path: &Path) -> Result<Provenance> {
        Provenance::from_store(&AuditStore::open_existing(path)?)
    }

    /// Read every write recorded in an open store.
    pub fn from_store(store: &AuditStore) -> Result<Provenance> {
        let mut p = Provenance::default();
        let conn = store.connection();
        let mut stmt = conn
            .prepare("SELECT provider, model, tool, decision, detail FROM audit WHERE kind = 'tool_call' ORDER BY id")
            .map_err(airlock_audit::AuditError::from)?;
        let mut rows = stmt.query([]).map_err(airlock_audit::AuditError::from)?;
        while let Some(r) = rows.next().map_err(airlock_audit::AuditError::from)? {
            let get = |i: usize| r.get::<_, Option<String>>(i).ok().flatten();
            let (Some(provider), Some(tool)) = (get(0), get(2)) else { continue };
            // Calls the gateway blocked never ran; other tools write nothing (and are not parsed).
            if get(3).as_deref() == Some("blocked") || !WRITE_TOOLS.contains(&tool.as_str()) {
                continue;
            }
            let detail: Value = get(4).and_then(|d| serde_json::from_str(&d).ok()).unwrap_or(Value::Null);
            let model = get(1).unwrap_or_default();
            p.record(&provider, &model, &tool, detail.get("input").unwrap_or(&Value::Null));
            p.record_keys(&provider, &model, detail.get("writes").unwrap_or(&Value::Null));
        }
        Ok(p)
    }

    /// Add one tool call: `input` is the tool input as JSON, or as the JSON text / patch text the
    /// gateway stores.
    pub fn record(&mut self, provider: &str, model: &str, tool: &str, input: &Value) {
        let origin = Origin { provider: normalize_provider(provider), model: model.to_string() };
        for (path, w) in written(tool, input) {
            self.paths.entry(normalize_path(&path)).or_default().apply(w, &origin);
        }
    }

    /// Add the `line_keys` of a recorded `writes` summary (see [`write_digests`]): a write whose
    /// input the audit holds only in part.
    pub fn record_keys(&mut self, provider: &str, model: &str, writes: &Value) {
        let origin = Origin { provider: normalize_provider(provider), model: model.to_string() };
        for w in writes.as_array().into_iter().flatten() {
            let (Some(path), Some(keys)) = (w.get("path").and_then(Value::as_str), w.get("line_keys").and_then(Value::as_array)) else {
                continue;
            };
            let pw = self.paths.entry(normalize_path(path)).or_default();
            pw.text = None;
            for k in keys.iter().filter_map(Value::as_str).filter_map(|k| u64::from_str_radix(k, 16).ok()) {
                pw.lines.entry(k).or_default().insert(origin.clone());
            }
        }
    }

    /// Who wrote a line with this text to this path (empty: unknown, or a trivial line).
    pub fn origin(&self, path: &str, line_text: &str) -> Vec<Origin> {
        if is_trivial(line_text) {
            return Vec::new();
        }
        let k = key(line_text);
        let want = normalize_path(path);
        let mut out = BTreeSet::new();
        for (p, w) in &self.paths {
            if same_file(p, &want) {
                if let Some(o) = w.lines.get(&k) {
                    out.extend(o.iter().cloned());
                }
                out.extend(w.fragments.iter().filter(|(f, _)| line_text.contains(f.as_str())).map(|(_, o)| o.clone()));
            }
        }
        out.into_iter().collect()
    }

    /// The origins of a change's added lines.
    pub fn summarize(&self, change: &Change) -> ProvenanceSummary {
        let mut s = ProvenanceSummary::default();
        for f in &change.files {
            for &n in f.added_lines() {
                let Some(text) = f.line(n).filter(|t| !is_trivial(t)) else { continue };
                let o = self.origin(&f.path, text);
                if o.is_empty() {
                    s.unknown_lines.push((f.path.clone(), n));
                } else {
                    s.attributed_lines += 1;
                    s.origins.extend(o);
                }
            }
        }
        s.providers = s.origins.iter().map(|o| o.provider.clone()).collect();
        s
    }
}

fn normalize_path(p: &str) -> String {
    let p = p.trim().replace('\\', "/");
    p.split('/').filter(|c| !c.is_empty() && *c != ".").collect::<Vec<_>>().join("/")
}

/// Whether one path is a trailing-component suffix of the other.
fn same_file(a: &str, b: &str) -> bool {
    let (long, short) = if a.len() >= b.len() { (a, b) } else { (b, a) };
    !short.is_empty() && (long == short || long.ends_with(&format!("/{short}")))
}

/// What a write-type tool call writes, per path, in order.
pub fn written(tool: &str, input: &Value) -> Vec<(String, Write)> {
    let parsed;
    let input = match input {
        Value::String(s) => match serde_json::from_str::<Value>(s) {
            Ok(v) if v.is_object() => {
                parsed = v;
                &parsed
            }
            // A Responses custom tool call (Codex's `apply_patch`) stores the patch text itself.
            _ => return if matches!(tool, "apply_patch" | "applypatch") { patch_writes(s) } else { Vec::new() },
        },
        v => v,
    };
    let codex = matches!(tool, "apply_patch" | "applypatch" | "shell" | "exec_command" | "local_shell" | "shell_command" | "container.exec");
    let agent = if codex { Agent::Codex } else { Agent::ClaudeCode };
    match airlock_agents::normalize(agent, tool, input) {
        Ok(ToolCall::WriteFile { path, content }) => vec![(path, Write::Whole(content))],
        Ok(ToolCall::EditFile { path, edits }) => edits
            .into_iter()
            .map(|e| (path.clone(), Write::Edit { old: e.old, new: e.new, all: e.replace_all }))
            .collect(),
        Ok(ToolCall::EditNotebook { path, source, .. }) => vec![(path, Write::Lines(source))],
        Ok(ToolCall::ApplyPatch { patch }) => patch_writes(&patch),
        _ => Vec::new(),
    }
}

/// The added lines of a patch per target file: Codex's `*** Add File:` (the whole file) /
/// `*** Update File:` / `*** Move to:` format, or a unified diff's `+++ b/path`.
fn patch_writes(patch: &str) -> Vec<(String, Write)> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    let mut added_files: BTreeSet<String> = BTreeSet::new();
    let mut current: Option<String> = None;
    for line in patch.lines() {
        if let Some(p) = line.strip_prefix("*** Add File: ") {
            added_files.insert(p.trim().to_string());
        }
        let header = ["*** Add File: ", "*** Update File: ", "*** Move to: ", "+++ b/", "+++ "]
            .iter()
            .find_map(|h| line.strip_prefix(h));
        if let Some(path) = header {
            let path = path.trim();
            current = (path != "/dev/null").then(|| path.to_string());
            continue;
        }
        if line.starts_with("*** ") {
            continue;
        }
        if let (Some(p), Some(added)) = (&current, line.strip_prefix('+')) {
            let t = out.entry(p.clone()).or_default();
            t.push_str(added);
            t.push('\n');
        }
    }
    out.into_iter()
        .map(|(p, t)| {
            let w = if added_files.contains(&p) { Write::Whole(t) } else { Write::Lines(t) };
            (p, w)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use serde_json::json;

    #[test]
    fn each_tool_shape_yields_its_written_text() {
        let w = written("Write", &json!({"file_path": "/r/a.py", "content": "x = 1\n"}));
        assert_eq!(w, [("/r/a.py".to_string(), Write::Whole("x = 1\n".to_string()))]);
        let w = written("Edit", &Value::String(json!({"file_path": "a.py", "old_string": "a", "new_string": "b = 2"}).to_string()));
        assert_eq!(w[0].1, Write::Edit { old: "a".into(), new: "b = 2".into(), all: false });
        let patch = "*** Begin Patch\n*** Update File: src/lib.rs\n@@\n fn a() {}\n+fn backdoor() {}\n*** Add File: src/new.rs\n+pub fn x() {}\n*** End Patch\n";
        let w = written("apply_patch", &Value::String(patch.into()));
        assert_eq!(w.len(), 2);
        assert!(w.iter().any(|(p, t)| p == "src/lib.rs" && *t == Write::Lines("fn backdoor() {}\n".into())));
        assert!(w.iter().any(|(p, t)| p == "src/new.rs" && *t == Write::Whole("pub fn x() {}\n".into())));
        let w = written("apply_patch", &json!({"input": patch}));
        assert_eq!(w.len(), 2, "{w:?}");
        assert_eq!(written("write_file", &json!({"file_path": "g.go", "content": "package main"})).len(), 1);
        assert_eq!(written("write", &json!({"filePath": "o.ts", "content": "let a = 1"})).len(), 1);
        assert!(written("Bash", &json!({"command": "ls"})).is_empty());
        let heredoc = json!({"command": ["bash", "-lc", format!("apply_patch <<'EOF'\n{patch}EOF\n")]});
        assert_eq!(written("shell", &heredoc).len(), 2);
        let d = write_digests("Write", &json!({"file_path": "a.py", "content": "import os\n}\n"}).to_string(), true);
        assert_eq!(d[0]["lines"], 2);
        assert_eq!(d[0]["line_keys"], json!([format!("{:016x}", line_key("import os"))]));
        assert!(write_digests("Bash", "{\"command\": \"ls\"}", true).is_empty());
        assert!(write_digests("Write", "{\"file_path\": \"a.py\", \"content\": \"x\"}", false)[0].get("line_keys").is_none());
        let mut p = Provenance::default();
        p.record_keys("gemini", "g", &json!([{"path": "/r/big.py", "line_keys": d[0]["line_keys"]}]));
        assert_eq!(p.origin("big.py", "  import os"), [Origin { provider: "google".into(), model: "g".into() }]);
        let e = Write::Edit { old: "b".into(), new: "c".into(), all: false };
        assert_eq!(e.apply(Some("a b b")).as_deref(), Some("a c b"));
        assert_eq!(e.apply(Some("a")), None);
        assert_eq!(Write::Whole("x".into()).apply(None).as_deref(), Some("x"));
        let (t, r) = replace("a x b x c", "x", "yy", true).unwrap();
        assert_eq!((t.as_str(), r), ("a yy b yy c", vec![2..4, 7..9]));
        assert!(same_file("/home/u/repo/src/a.py", "src/a.py") && !same_file("/home/u/repo/xsrc/a.py", "src/a.py"));
    }
}
