//! A file change as the analysis sees it: the text after the change, the byte
//! ranges the change wrote, and what it removed. Edits and patches are applied
//! to the file on disk when it is there, so a hole split between the old and
//! the new text is seen whole.

use crate::lang::Lang;
use crate::patch::{self, FileOp};
use crate::{analyze_with_removed, Error};
use airlock_config::Policy;
use airlock_protocol::{Edit, Finding};
use std::ops::Range;
use std::path::{Path, PathBuf};

/// The result of one file operation.
#[derive(Debug, Clone)]
pub struct Change {
    pub path: String,
    /// The text after the change (the whole file when it could be read).
    pub text: String,
    /// Byte ranges of `text` the change wrote; `None` when all of it is new.
    pub changed: Option<Vec<Range<usize>>>,
    /// Text the change removed.
    pub removed: String,
}

fn resolve(path: &str, cwd: Option<&Path>) -> PathBuf {
    let p = PathBuf::from(path);
    match cwd {
        Some(dir) if p.is_relative() => dir.join(p),
        _ => p,
    }
}

/// A whole-file write.
pub fn from_write(path: &str, content: &str) -> Change {
    Change {
        path: path.to_string(),
        text: content.to_string(),
        changed: None,
        removed: String::new(),
    }
}

/// Edits applied to the file on disk; when the file or an old string is not
/// there, the new strings are judged on their own.
pub fn from_edits(path: &str, edits: &[Edit], cwd: Option<&Path>) -> Change {
    let removed: String = edits.iter().map(|e| format!("{}\n", e.old)).collect();
    let fragment = || Change {
        path: path.to_string(),
        text: edits.iter().map(|e| format!("{}\n", e.new)).collect(),
        changed: None,
        removed: removed.clone(),
    };
    let disk = std::fs::read_to_string(resolve(path, cwd));
    let Ok(mut text) = disk else {
        // The file could not be read: the new text is judged on its own.
        return fragment();
    };
    let mut ranges: Vec<Range<usize>> = Vec::new();
    for e in edits {
        if e.old.is_empty() {
            // Claude Code writes a new file with an empty old string.
            if text.is_empty() {
                text = e.new.clone();
                ranges = std::iter::once(0..text.len()).collect();
                continue;
            }
            // An empty old string on a non-empty file: judge the new text on its own.
            return fragment();
        }
        let hits: Vec<usize> = text.match_indices(e.old.as_str()).map(|(i, _)| i).collect();
        if hits.is_empty() {
            // An old string is not in the file: judge the new text on its own.
            return fragment();
        }
        let chosen: Vec<usize> = if e.replace_all { hits } else { hits.into_iter().take(1).collect() };
        for at in chosen.into_iter().rev() {
            let end = at + e.old.len();
            text.replace_range(at..end, &e.new);
            let delta = e.new.len() as isize - e.old.len() as isize;
            for r in &mut ranges {
                if r.start >= end {
                    r.start = (r.start as isize + delta) as usize;
                    r.end = (r.end as isize + delta) as usize;
                }
            }
            ranges.push(at..at + e.new.len());
        }
    }
    Change {
        path: path.to_string(),
        text,
        changed: Some(ranges),
        removed,
    }
}

/// Every file a patch writes, hunks applied to the files on disk when they
/// match; deleted files are not judged.
pub fn from_patch(text: &str, cwd: Option<&Path>) -> Result<Vec<Change>, Error> {
    let ops = patch::parse(text)?;
    let mut out = Vec::new();
    for op in &ops {
        match op {
            FileOp::Add { path, content } => out.push(from_write(path, content)),
            FileOp::Delete { .. } => {}
            FileOp::Update {
                path,
                move_to,
                hunks,
            } => {
                let target = move_to.as_deref().unwrap_or(path);
                let removed: String = hunks
                    .iter()
                    .flat_map(|h| h.removed.iter())
                    .map(|l| format!("{l}\n"))
                    .collect();
                let applied = std::fs::read_to_string(resolve(path, cwd))
                    .ok()
                    .and_then(|disk| patch::apply(&disk, hunks));
                match applied {
                    Some((text, ranges)) => out.push(Change {
                        path: target.to_string(),
                        text,
                        changed: Some(ranges),
                        removed,
                    }),
                    None => out.push(Change {
                        path: target.to_string(),
                        text: hunks
                            .iter()
                            .flat_map(|h| h.new.iter())
                            .map(|l| format!("{l}\n"))
                            .collect(),
                        changed: None,
                        // The hunks do not apply to the file on disk: judge them on their own.
                        removed,
                    }),
                }
            }
        }
    }
    Ok(out)
}

/// Judge one change: findings in the written ranges (widened to whole lines),
/// or anywhere when all of the text is new.
pub fn analyze_change(change: &Change, lang: Lang, policy: &Policy) -> Vec<Finding> {
    let all = analyze_with_removed(&change.text, lang, Some(&change.path), &change.removed, policy);
    let Some(ranges) = &change.changed else {
        return all;
    };
    let widened: Vec<Range<usize>> = ranges.iter().map(|r| widen(&change.text, r)).collect();
    all.into_iter()
        .filter(|f| {
            let Some(s) = f.span else { return true };
            // Findings about the whole file (span at 0..0) and diff rules are kept.
            if s.start == 0 && s.end == 0 {
                return true;
            }
            widened.iter().any(|w| s.start <= w.end && w.start <= s.end)
        })
        .collect()
}

fn widen(text: &str, r: &Range<usize>) -> Range<usize> {
    let start = text.get(..r.start.min(text.len())).and_then(|t| t.rfind('\n')).map(|i| i + 1).unwrap_or(0);
    let end = text
        .get(r.end.min(text.len())..)
        .and_then(|t| t.find('\n'))
        .map(|i| i + r.end)
        .unwrap_or(text.len());
    start..end
}

/// The source of a notebook cell edit is Python unless the path says otherwise.
pub fn notebook_lang(path: &str) -> Lang {
    match Lang::from_path(Path::new(path)) {
        Some(Lang::Python) | None => Lang::Python,
        Some(l) => l,
    }
}
