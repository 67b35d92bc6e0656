//! The Codex `apply_patch` format, parsed strictly: a line that is not part of
//! the grammar is an error (and the judge asks), never skipped.
//!
//! ```text
//! *** Begin Patch
//! *** Add File: path        then lines starting with '+'
//! *** Update File: path     optionally *** Move to: path, then hunks:
//! @@ [context]              lines starting with ' ', '-', '+'
//! *** End of File           (optional, ends the last hunk)
//! *** Delete File: path
//! *** End Patch
//! ```

use crate::Error;

/// One hunk of an update: the lines it expects and the lines it writes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hunk {
    /// Context and removed lines, in order.
    pub old: Vec<String>,
    /// Context and added lines, in order.
    pub new: Vec<String>,
    /// Removed lines only.
    pub removed: Vec<String>,
    /// Added lines only.
    pub added: Vec<String>,
}

/// One file operation of a patch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileOp {
    Add { path: String, content: String },
    Update {
        path: String,
        move_to: Option<String>,
        hunks: Vec<Hunk>,
    },
    Delete { path: String },
}

impl FileOp {
    /// The path written (the destination of a move).
    pub fn target(&self) -> &str {
        match self {
            FileOp::Add { path, .. } | FileOp::Delete { path } => path,
            FileOp::Update { path, move_to, .. } => move_to.as_deref().unwrap_or(path),
        }
    }
}

fn err(line: usize, reason: impl Into<String>) -> Error {
    Error::Patch {
        line,
        reason: reason.into(),
    }
}

/// Parse a whole patch. Text around the `*** Begin Patch` / `*** End Patch`
/// envelope (a here-document wrapper) is the caller's business.
pub fn parse(patch: &str) -> Result<Vec<FileOp>, Error> {
    let lines: Vec<&str> = patch.lines().map(|l| l.trim_end_matches('\r')).collect();
    let begin = lines
        .iter()
        .position(|l| l.trim() == "*** Begin Patch")
        .ok_or_else(|| err(1, "no `*** Begin Patch` line"))?;
    let mut ops = Vec::new();
    let mut i = begin + 1;
    let mut ended = false;
    while let Some(line) = lines.get(i).copied() {
        let n = i + 1;
        if line.trim() == "*** End Patch" {
            ended = true;
            break;
        }
        if let Some(path) = line.strip_prefix("*** Add File: ") {
            let path = nonempty(path, n)?;
            let mut content = String::new();
            i += 1;
            while let Some(l) = lines.get(i) {
                if l.starts_with("*** ") {
                    break;
                }
                let body = l
                    .strip_prefix('+')
                    .ok_or_else(|| err(i + 1, "a line of an added file must start with '+'"))?;
                content.push_str(body);
                content.push('\n');
                i += 1;
            }
            ops.push(FileOp::Add { path, content });
            continue;
        }
        if let Some(path) = line.strip_prefix("*** Delete File: ") {
            ops.push(FileOp::Delete {
                path: nonempty(path, n)?,
            });
            i += 1;
            continue;
        }
        if let Some(path) = line.strip_prefix("*** Update File: ") {
            let path = nonempty(path, n)?;
            i += 1;
            let mut move_to = None;
            if let Some(dest) = lines.get(i).and_then(|l| l.strip_prefix("*** Move to: ")) {
                move_to = Some(nonempty(dest, i + 1)?);
                i += 1;
            }
            let mut hunks: Vec<Hunk> = Vec::new();
            let mut current: Option<Hunk> = None;
            while let Some(l) = lines.get(i).copied() {
                if l == "*** End of File" {
                    i += 1;
                    continue;
                }
                if l.starts_with("*** ") {
                    break;
                }
                if l.starts_with("@@") {
                    if let Some(h) = current.take() {
                        hunks.push(h);
                    }
                    current = Some(Hunk::default());
                    i += 1;
                    continue;
                }
                let h = current.get_or_insert_with(Hunk::default);
                match l.chars().next() {
                    Some('+') => {
                        let s = l.get(1..).unwrap_or("").to_string();
                        h.new.push(s.clone());
                        h.added.push(s);
                    }
                    Some('-') => {
                        let s = l.get(1..).unwrap_or("").to_string();
                        h.old.push(s.clone());
                        h.removed.push(s);
                    }
                    Some(' ') | None => {
                        let s = l.get(1..).unwrap_or("").to_string();
                        h.old.push(s.clone());
                        h.new.push(s);
                    }
                    Some(_) => {
                        return Err(err(
                            i + 1,
                            "a hunk line must start with ' ', '-', '+' or '@@'",
                        ))
                    }
                }
                i += 1;
            }
            if let Some(h) = current.take() {
                hunks.push(h);
            }
            if hunks.is_empty() && move_to.is_none() {
                return Err(err(n, "an update with no hunks"));
            }
            ops.push(FileOp::Update {
                path,
                move_to,
                hunks,
            });
            continue;
        }
        if line.trim().is_empty() {
            i += 1;
            continue;
        }
        return Err(err(n, format!("unexpected line `{}`", line.chars().take(60).collect::<String>())));
    }
    if !ended {
        return Err(err(lines.len(), "no `*** End Patch` line"));
    }
    Ok(ops)
}

fn nonempty(path: &str, line: usize) -> Result<String, Error> {
    let p = path.trim();
    if p.is_empty() {
        return Err(err(line, "empty path"));
    }
    Ok(p.to_string())
}

/// Apply hunks to a file's text. `None` when a hunk's expected lines are not
/// found in order (the file changed, or the patch is for another version).
/// Returns the new text and the byte ranges of the new text each hunk wrote.
pub fn apply(text: &str, hunks: &[Hunk]) -> Option<(String, Vec<std::ops::Range<usize>>)> {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let trailing_newline = text.ends_with('\n') || text.is_empty();
    let mut from = 0usize;
    let mut written: Vec<(usize, usize)> = Vec::new();
    for h in hunks {
        let at = if h.old.is_empty() {
            lines.len()
        } else {
            find_block(&lines, &h.old, from)?
        };
        let end = at + h.old.len();
        lines.splice(at..end, h.new.iter().cloned());
        let delta = h.new.len() as isize - h.old.len() as isize;
        for w in &mut written {
            if w.0 >= at {
                w.0 = (w.0 as isize + delta).max(0) as usize;
            }
        }
        written.push((at, h.new.len()));
        from = at + h.new.len();
    }
    let mut out = lines.join("\n");
    if trailing_newline && !out.is_empty() {
        out.push('\n');
    }
    // Line index -> byte offset.
    let mut starts = vec![0usize];
    for (i, b) in out.bytes().enumerate() {
        if b == b'\n' {
            starts.push(i + 1);
        }
    }
    let ranges = written
        .into_iter()
        .map(|(line, count)| {
            let s = starts.get(line).copied().unwrap_or(out.len());
            let e = starts.get(line + count).copied().unwrap_or(out.len());
            s..e.max(s)
        })
        .collect();
    Some((out, ranges))
}

/// First index at or after `from` where `block` matches, exactly or ignoring
/// trailing whitespace.
fn find_block(lines: &[String], block: &[String], from: usize) -> Option<usize> {
    let fits = |i: usize, loose: bool| {
        block.iter().enumerate().all(|(j, b)| {
            lines.get(i + j).is_some_and(|l| {
                if loose {
                    l.trim() == b.trim()
                } else {
                    l == b
                }
            })
        })
    };
    for loose in [false, true] {
        for start in [from, 0] {
            if let Some(i) = (start..lines.len()).find(|&i| fits(i, loose)) {
                return Some(i);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn parses_every_operation() {
        let p = "*** Begin Patch\n*** Add File: a.py\n+import os\n*** Update File: b.py\n*** Move to: c.py\n@@ def f():\n-    return 1\n+    return 2\n*** Delete File: d.py\n*** End Patch\n";
        let ops = parse(p).unwrap();
        assert_eq!(ops.len(), 3);
        assert_eq!(ops[1].target(), "c.py");
        let FileOp::Update { hunks, .. } = &ops[1] else { unreachable!("not an update") };
        assert_eq!(hunks[0].removed, ["    return 1"]);
        assert_eq!(hunks[0].added, ["    return 2"]);
    }

    #[test]
    fn rejects_what_is_not_the_grammar() {
        assert!(parse("*** Add File: a\n+x\n*** End Patch").is_err());
        assert!(parse("*** Begin Patch\n*** Add File: a\nx\n*** End Patch").is_err());
        assert!(parse("*** Begin Patch\n*** Update File: a\n@@\n~x\n*** End Patch").is_err());
        assert!(parse("*** Begin Patch\n*** Add File: a\n+x\n").is_err());
        assert!(parse("*** Begin Patch\ngarbage\n*** End Patch").is_err());
    }

    #[test]
    fn applies_hunks_and_reports_written_ranges() {
        let text = "a\nb\nc\nd\n";
        let h = Hunk {
            old: vec!["b".into(), "c".into()],
            new: vec!["b".into(), "X".into(), "Y".into()],
            removed: vec!["c".into()],
            added: vec!["X".into(), "Y".into()],
        };
        let (out, ranges) = apply(text, &[h]).unwrap();
        assert_eq!(out, "a\nb\nX\nY\nd\n");
        assert_eq!(&out[ranges[0].clone()], "b\nX\nY\n");
        let missing = Hunk {
            old: vec!["zzz".into()],
            ..Hunk::default()
        };
        assert!(apply(text, &[missing]).is_none());
    }
}
