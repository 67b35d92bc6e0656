//! `airlock scan --diff REV`: the working tree's changes since a git revision,
//! as [`Change`]s (the file's text, the byte ranges of added lines, the removed
//! lines). Untracked files count as wholly added.

use airlock_code::{Change, Lang};
use anyhow::{bail, Context};
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::process::Command;

/// What the diff says about one file.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct FileDiff {
    /// 1-based line ranges of the new file that the change added (inclusive start, exclusive end).
    pub added: Vec<Range<usize>>,
    pub removed: String,
    /// The file is new: every line is added.
    pub new_file: bool,
}

pub(crate) fn git(root: &Path, args: &[&str]) -> anyhow::Result<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["-c", "core.quotePath=false"])
        .args(args)
        .output()
        .context("running git (is it installed?)")?;
    if !out.status.success() {
        bail!("git {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim());
    }
    String::from_utf8(out.stdout).context("git printed something that is not UTF-8")
}

/// The changes of the working tree under `cwd` since `rev`, limited to `paths` when given.
pub fn changes(cwd: &Path, rev: &str, paths: &[PathBuf]) -> anyhow::Result<Vec<(Change, Lang)>> {
    if rev.starts_with('-') {
        bail!("revision `{rev}` looks like an option");
    }
    let root = PathBuf::from(git(cwd, &["rev-parse", "--show-toplevel"])?.trim_end());
    git(cwd, &["rev-parse", "--verify", "--quiet", &format!("{rev}^{{commit}}")])
        .with_context(|| format!("`{rev}` is not a commit in this repository"))?;
    let specs: Vec<String> = paths.iter().map(|p| cwd.join(p).to_string_lossy().into_owned()).collect();
    let mut args = vec!["diff", "--no-color", "--no-ext-diff", "--no-renames", "-U0", rev, "--"];
    args.extend(specs.iter().map(String::as_str));
    let mut files = parse(&git(&root, &args)?)?;
    let mut untracked = vec!["ls-files", "--others", "--exclude-standard", "-z", "--"];
    untracked.extend(specs.iter().map(String::as_str));
    for name in git(&root, &untracked)?.split('\0').filter(|n| !n.is_empty()) {
        files.insert(name.to_string(), FileDiff { new_file: true, ..FileDiff::default() });
    }
    let mut out = Vec::new();
    for (name, d) in files {
        let Some(lang) = Lang::from_path(Path::new(&name)) else { continue };
        let full = root.join(&name);
        let text = match std::fs::read(&full) {
            Ok(b) => String::from_utf8_lossy(&b).into_owned(),
            // Deleted in the working tree: nothing left to judge.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => bail!("{name}: {e}"),
        };
        let changed = if d.new_file { None } else { Some(byte_ranges(&text, &d.added)) };
        let shown = pathdiff(&full, cwd);
        out.push((Change { path: shown, text, changed, removed: d.removed }, lang));
    }
    Ok(out)
}

/// `path` relative to `base` when it lies under it.
fn pathdiff(path: &Path, base: &Path) -> String {
    let base = base.canonicalize().unwrap_or_else(|_| base.to_path_buf());
    let p = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    p.strip_prefix(&base).unwrap_or(&p).to_string_lossy().into_owned()
}

/// Byte ranges of `text` covering the given 1-based line ranges.
pub(crate) fn byte_ranges(text: &str, lines: &[Range<usize>]) -> Vec<Range<usize>> {
    let mut starts = vec![0];
    starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
    let at = |line: usize| starts.get(line.saturating_sub(1)).copied().unwrap_or(text.len());
    lines.iter().map(|r| at(r.start)..at(r.end).max(at(r.start))).collect()
}

/// Parse `git diff -U0` output into per-file added lines and removed text.
pub fn parse(diff: &str) -> anyhow::Result<BTreeMap<String, FileDiff>> {
    let mut files: BTreeMap<String, FileDiff> = BTreeMap::new();
    let mut current: Option<String> = None;
    let mut minus: Option<String> = None;
    for line in diff.lines() {
        if line.starts_with("diff --git ") {
            current = None;
            minus = None;
        } else if let Some(p) = line.strip_prefix("--- ") {
            minus = Some(p.to_string());
        } else if let Some(p) = line.strip_prefix("+++ ") {
            if p == "/dev/null" {
                current = None;
                continue;
            }
            let name = unquote(p);
            let name = name.strip_prefix("b/").unwrap_or(&name).to_string();
            let new_file = minus.as_deref() == Some("/dev/null");
            files.insert(name.clone(), FileDiff { new_file, ..FileDiff::default() });
            current = Some(name);
        } else if let Some(h) = line.strip_prefix("@@ ") {
            let Some(name) = &current else { continue };
            let plus = h.split_whitespace().find(|t| t.starts_with('+')).context("a hunk header without a + range")?;
            let (start, count) = match plus.trim_start_matches('+').split_once(',') {
                Some((s, c)) => (s.parse::<usize>()?, c.parse::<usize>()?),
                None => (plus.trim_start_matches('+').parse::<usize>()?, 1),
            };
            if count > 0 {
                if let Some(f) = files.get_mut(name) {
                    f.added.push(start..start + count);
                }
            }
        } else if let (Some(name), Some(rest)) = (&current, line.strip_prefix('-')) {
            if let Some(f) = files.get_mut(name) {
                f.removed.push_str(rest);
                f.removed.push('\n');
            }
        }
    }
    Ok(files)
}

/// Undo git's C-style quoting of a path (`"a\tb"`), for names with unusual bytes.
fn unquote(p: &str) -> String {
    let Some(inner) = p.strip_prefix('"').and_then(|s| s.strip_suffix('"')) else {
        return p.to_string();
    };
    let mut bytes = Vec::new();
    let mut it = inner.bytes().peekable();
    while let Some(b) = it.next() {
        if b != b'\\' {
            bytes.push(b);
            continue;
        }
        match it.next() {
            Some(b't') => bytes.push(b'\t'),
            Some(b'n') => bytes.push(b'\n'),
            Some(d @ b'0'..=b'7') => {
                let mut v = u32::from(d - b'0');
                for _ in 0..2 {
                    if let Some(n @ b'0'..=b'7') = it.peek().copied() {
                        v = v * 8 + u32::from(n - b'0');
                        it.next();
                    }
                }
                bytes.push(u8::try_from(v).unwrap_or(b'?'));
            }
            Some(other) => bytes.push(other),
            None => {}
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn parses_hunks_removed_lines_and_new_files() {
        let d = "diff --git a/a.py b/a.py\nindex 1..2 100644\n--- a/a.py\n+++ b/a.py\n@@ -3 +3,2 @@ def f():\n-    x = 1\n+    x = 2\n+    y = 3\n@@ -9,2 +10,0 @@\n-gone\n-too\ndiff --git a/n.js b/n.js\nnew file mode 100644\n--- /dev/null\n+++ b/n.js\n@@ -0,0 +1 @@\n+eval(x)\ndiff --git a/d.go b/d.go\ndeleted file mode 100644\n--- a/d.go\n+++ /dev/null\n@@ -1 +0,0 @@\n-package d\n";
        let f = parse(d).unwrap();
        assert_eq!(f["a.py"].added, vec![3..5]);
        assert_eq!(f["a.py"].removed, "    x = 1\ngone\ntoo\n");
        assert!(f["n.js"].new_file);
        assert!(!f.contains_key("d.go"));
        assert_eq!(unquote("\"sp\\303\\244t.py\""), "spät.py");
    }

    #[test]
    fn line_ranges_become_byte_ranges() {
        let t = "a\nbb\nccc\n";
        assert_eq!(byte_ranges(t, &[2..3, 3..3]), vec![2..5, 5..5]);
        assert_eq!(byte_ranges(t, &[3..4, 1..1]), vec![5..9, 0..0]);
    }
}
