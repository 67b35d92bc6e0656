//! The change under review: each file's new text and a unified diff of it with surrounding context,
//! numbered by the lines of the new file.

use crate::{ReviewError, Result};
use similar::{ChangeTag, TextDiff};
use std::collections::BTreeSet;

/// Most files in one review.
pub const MAX_FILES: usize = 200;
/// Most bytes of one file's new text.
pub const MAX_FILE_BYTES: usize = 2 << 20;
/// Most bytes of diff text (hunks with their context) sent in one review.
pub const MAX_CHANGE_BYTES: usize = 512 << 10;

/// What a line of the diff is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    Context,
    Added,
    Removed,
}

/// One line of a hunk. `new_line` is its 1-based number in the new file (`None` for a removed line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffLine {
    pub kind: LineKind,
    pub new_line: Option<u32>,
    pub text: String,
}

/// A run of changed lines with their context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hunk {
    pub lines: Vec<DiffLine>,
}

/// One reviewed file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    /// The path as the reviewer sees it and as findings name it (repository-relative).
    pub path: String,
    /// The language, from the file name (`python`, `rust`, ... or `text`).
    pub language: String,
    new_text: String,
    line_count: u32,
    hunks: Vec<Hunk>,
    added: BTreeSet<u32>,
}

impl FileChange {
    /// A file's change from its old text (`None` for a new file) to its new text, with
    /// `context` unchanged lines around each change.
    pub fn new(path: &str, old: Option<&str>, new: &str, context: usize) -> Result<FileChange> {
        if path.trim().is_empty() {
            return Err(ReviewError::BadChange("a file without a path".into()));
        }
        if new.len() > MAX_FILE_BYTES {
            return Err(ReviewError::BadChange(format!("{path} is larger than {MAX_FILE_BYTES} bytes")));
        }
        let old = old.unwrap_or("");
        let diff = TextDiff::from_lines(old, new);
        let mut hunks = Vec::new();
        let mut added = BTreeSet::new();
        for group in diff.grouped_ops(context) {
            let mut lines = Vec::new();
            for op in &group {
                for ch in diff.iter_changes(op) {
                    let kind = match ch.tag() {
                        ChangeTag::Equal => LineKind::Context,
                        ChangeTag::Insert => LineKind::Added,
                        ChangeTag::Delete => LineKind::Removed,
                    };
                    let new_line = ch.new_index().and_then(|i| u32::try_from(i + 1).ok());
                    if let (LineKind::Added, Some(n)) = (kind, new_line) {
                        added.insert(n);
                    }
                    let text = ch.value().trim_end_matches(['\n', '\r']).to_string();
                    lines.push(DiffLine { kind, new_line, text });
                }
            }
            if lines.iter().any(|l| l.kind != LineKind::Context) {
                hunks.push(Hunk { lines });
            }
        }
        Ok(FileChange {
            path: path.to_string(),
            language: language_of(path).to_string(),
            line_count: u32::try_from(new.lines().count()).unwrap_or(u32::MAX),
            new_text: new.to_string(),
            hunks,
            added,
        })
    }

    /// The whole new text.
    pub fn new_text(&self) -> &str {
        &self.new_text
    }

    /// Lines in the new file.
    pub fn line_count(&self) -> u32 {
        self.line_count
    }

    pub fn hunks(&self) -> &[Hunk] {
        &self.hunks
    }

    /// The new file's numbers of the added (or changed) lines.
    pub fn added_lines(&self) -> &BTreeSet<u32> {
        &self.added
    }

    /// The text of new line `n` (1-based).
    pub fn line(&self, n: u32) -> Option<&str> {
        let i = usize::try_from(n).ok()?.checked_sub(1)?;
        self.new_text.lines().nth(i)
    }

    /// Whether new line `n` is shown to the reviewer (in a hunk).
    pub fn shown(&self, n: u32) -> bool {
        self.hunks.iter().flat_map(|h| &h.lines).any(|l| l.new_line == Some(n))
    }

    /// The added line nearest to `n` (ties go to the earlier one); for a change that only removes
    /// lines, the nearest line shown.
    pub fn nearest_added(&self, n: u32) -> Option<u32> {
        if self.added.is_empty() {
            let shown: BTreeSet<u32> = self.hunks.iter().flat_map(|h| &h.lines).filter_map(|l| l.new_line).collect();
            return nearest(&shown, n);
        }
        nearest(&self.added, n)
    }
}

fn nearest(set: &BTreeSet<u32>, n: u32) -> Option<u32> {
    let after = set.range(n..).next().copied();
    let before = set.range(..n).next_back().copied();
    match (before, after) {
        (Some(b), Some(a)) => Some(if n - b <= a - n { b } else { a }),
        (b, a) => b.or(a),
    }
}

/// A whole change: the files under review, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Change {
    pub files: Vec<FileChange>,
}

impl Change {
    /// A change from `(path, old text or None, new text)` triples; files that did not change are left out.
    pub fn from_texts<'a, I>(files: I, context: usize) -> Result<Change>
    where
        I: IntoIterator<Item = (&'a str, Option<&'a str>, &'a str)>,
    {
        let mut out = Vec::new();
        for (path, old, new) in files {
            let f = FileChange::new(path, old, new, context)?;
            if !f.hunks.is_empty() {
                out.push(f);
            }
        }
        if out.len() > MAX_FILES {
            return Err(ReviewError::BadChange(format!("{} files, more than {MAX_FILES}", out.len())));
        }
        let change = Change { files: out };
        if change.size() > MAX_CHANGE_BYTES {
            return Err(ReviewError::BadChange(format!(
                "{} bytes of diff, more than {MAX_CHANGE_BYTES}: review fewer files or fewer context lines",
                change.size()
            )));
        }
        Ok(change)
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Bytes of diff text the reviewer is shown (hunks with their context).
    pub fn size(&self) -> usize {
        self.files.iter().flat_map(|f| &f.hunks).flat_map(|h| &h.lines).map(|l| l.text.len() + 1).sum()
    }

    /// The reviewed file a reviewer's path names: exactly, or after a `./`, `a/` or `b/` prefix.
    pub fn file(&self, path: &str) -> Option<&FileChange> {
        let p = path.trim();
        let p = p.strip_prefix("./").unwrap_or(p);
        self.files.iter().find(|f| f.path == p).or_else(|| {
            let q = p.strip_prefix("a/").or_else(|| p.strip_prefix("b/"))?;
            self.files.iter().find(|f| f.path == q)
        })
    }
}

/// The language a file name suggests.
pub fn language_of(path: &str) -> &'static str {
    let name = path.rsplit('/').next().unwrap_or(path);
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    match ext.as_str() {
        "py" | "pyi" => "python",
        "rs" => "rust",
        "go" => "go",
        "js" | "mjs" | "cjs" | "jsx" => "javascript",
        "ts" | "tsx" | "mts" | "cts" => "typescript",
        "java" => "java",
        "kt" | "kts" => "kotlin",
        "rb" => "ruby",
        "php" => "php",
        "c" | "h" => "c",
        "cc" | "cpp" | "cxx" | "hpp" | "hh" => "c++",
        "cs" => "c#",
        "swift" => "swift",
        "sh" | "bash" | "zsh" => "shell",
        "yml" | "yaml" => "yaml",
        "json" => "json",
        "toml" => "toml",
        "sql" => "sql",
        "tf" => "terraform",
        _ if name == "Dockerfile" => "dockerfile",
        _ if name == "Makefile" => "make",
        _ => "text",
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn new_lines_are_numbered_and_context_bounded() {
        let old: String = (1..=50).map(|i| format!("line {i}\n")).collect();
        let new = old.replace("line 25\n", "line 25\ninserted\n");
        let f = FileChange::new("src/a.py", Some(&old), &new, 3).unwrap();
        assert_eq!(f.language, "python");
        assert_eq!(f.line_count(), 51);
        assert_eq!(f.added_lines().iter().copied().collect::<Vec<_>>(), [26]);
        assert_eq!(f.hunks().len(), 1);
        let h = &f.hunks()[0];
        assert_eq!(h.lines.len(), 7);
        assert_eq!(h.lines[0].new_line, Some(23));
        assert!(f.shown(29) && !f.shown(30));
        assert_eq!(f.line(26), Some("inserted"));
        assert_eq!(f.nearest_added(50), Some(26));
        let c = Change::from_texts([("src/a.py", Some(old.as_str()), new.as_str()), ("same.txt", Some("x\n"), "x\n")], 3).unwrap();
        assert_eq!(c.files.len(), 1);
        assert!(c.file("./src/a.py").is_some() && c.file("b/src/a.py").is_some() && c.file("a.py").is_none());
        let removal = FileChange::new("r.py", Some("a\nb\ncheck()\nc\n"), "a\nb\nc\n", 1).unwrap();
        assert!(removal.added_lines().is_empty());
        assert_eq!(removal.nearest_added(40), Some(3));
        let huge = format!("{}\n", "x".repeat(1000)).repeat(MAX_CHANGE_BYTES / 1000 + 1);
        assert!(matches!(Change::from_texts([("h.txt", None, huge.as_str())], 3), Err(ReviewError::BadChange(_))));
    }
}
