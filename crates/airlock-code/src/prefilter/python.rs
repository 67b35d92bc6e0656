//! Top-level items of a Python file: a line that starts in column 0 outside
//! brackets, strings and continuation lines starts an item, except `else`,
//! `elif`, `except`, `finally` (they continue a compound statement) and the
//! line after a decorator. Comment and blank lines belong to the item before.

use super::{Item, Kind};

/// The items of `text`, or `None` when the scan ends inside a string or
/// brackets (a fragment or a syntax error: the file is parsed whole).
pub(super) fn items(text: &str) -> Option<Vec<Item>> {
    let b = text.as_bytes();
    let mut items = Vec::new();
    let (mut start, mut kind, mut decorators) = (0usize, Kind::Stmt, false);
    let mut depth = 0i32;
    let mut string: Option<(u8, bool)> = None;
    let mut continued = false;
    let mut line_start = true;
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if line_start {
            line_start = false;
            if string.is_none() && depth == 0 && !continued && !matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'#' | b'\x0c') {
                let line = text.get(i..).unwrap_or("").lines().next().unwrap_or("");
                if decorators && c != b'@' {
                    kind = classify(line);
                    decorators = false;
                } else if !(continues(line) || decorators && c == b'@') {
                    if i > 0 {
                        items.push(Item { start, end: i, kind });
                    }
                    start = i;
                    kind = classify(line);
                    decorators = c == b'@';
                }
            }
            continued = false;
        }
        match string {
            Some((q, triple)) => {
                if c == b'\\' {
                    if b.get(i + 1) == Some(&b'\n') {
                        line_start = true;
                    }
                    i += 2;
                    continue;
                }
                if c == q {
                    if !triple {
                        string = None;
                    } else if b.get(i..i + 3) == Some(&[q, q, q][..]) {
                        string = None;
                        i += 3;
                        continue;
                    }
                } else if c == b'\n' && !triple {
                    return None;
                }
            }
            None => match c {
                b'#' => {
                    while b.get(i).is_some_and(|x| *x != b'\n') {
                        i += 1;
                    }
                    continue;
                }
                b'"' | b'\'' => {
                    let triple = b.get(i..i + 3) == Some(&[c, c, c][..]);
                    string = Some((c, triple));
                    if triple {
                        i += 3;
                        continue;
                    }
                }
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' => {
                    depth -= 1;
                    if depth < 0 {
                        return None;
                    }
                }
                b'\\' => {
                    let rest = b.get(i + 1..).unwrap_or(&[]);
                    if rest.starts_with(b"\n") || rest.starts_with(b"\r\n") {
                        continued = true;
                    }
                }
                _ => {}
            },
        }
        if c == b'\n' {
            line_start = true;
        }
        i += 1;
    }
    if string.is_some() || depth != 0 || continued || decorators {
        return None;
    }
    items.push(Item { start, end: text.len(), kind });
    Some(items)
}

/// A column-0 line that continues the statement before it.
fn continues(line: &str) -> bool {
    ["else", "elif", "except", "finally"].iter().any(|k| {
        line.strip_prefix(k).is_some_and(|rest| !rest.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_'))
    })
}

fn classify(line: &str) -> Kind {
    let word = |w: &str| line.strip_prefix(w).is_some_and(|r| r.starts_with([' ', '\t']));
    if line.starts_with('@') || word("def") || word("class") || line.starts_with("async def ") {
        Kind::Def
    } else if word("import") || word("from") {
        Kind::Import
    } else {
        Kind::Stmt
    }
}

/// Names an item binds where a rule can look them up from elsewhere: for
/// statements and imports every assigned or imported name (module level); for
/// a class the names assigned in its body; for a function nothing.
pub(super) fn binds(item: &str, kind: Kind) -> Vec<&str> {
    let mut out = Vec::new();
    let mut lines = item.lines();
    match kind {
        Kind::Def => {
            let header = lines.by_ref().find(|l| !l.trim_start().starts_with('@')).unwrap_or("");
            if !header.starts_with("class") {
                return out;
            }
            let indent = |l: &str| l.len() - l.trim_start().len();
            let mut body_indent = None;
            for l in lines {
                let t = l.trim_start();
                if t.is_empty() || t.starts_with('#') {
                    continue;
                }
                let ind = indent(l);
                let at = *body_indent.get_or_insert(ind);
                if ind == at {
                    assigned(t, &mut out);
                }
            }
        }
        Kind::Import | Kind::Stmt => {
            for l in lines {
                let t = l.trim_start();
                assigned(t, &mut out);
                imported(t, &mut out);
            }
            if kind == Kind::Import {
                // `from m import (\n a,\n b as c,\n)`: every word after `import`.
                if let Some((_, names)) = item.split_once(" import ") {
                    for part in names.split([',', '(', ')', '\n']) {
                        if let Some(last) = part.split_whitespace().last() {
                            if super::identifiers(last).next() == Some(last) {
                                out.push(last);
                            }
                        }
                    }
                }
            }
        }
    }
    out
}

/// `a = ...`, `a: T = ...`, `a, b = ...`, `a += ...`: the names on the left.
fn assigned<'a>(line: &'a str, out: &mut Vec<&'a str>) {
    let Some(eq) = line.find('=') else { return };
    let after = line.get(eq + 1..).unwrap_or("");
    let left = line.get(..eq).unwrap_or("");
    if after.starts_with('=') || left.ends_with(['=', '!', '<', '>']) {
        return;
    }
    let left = left.trim_end_matches(['+', '-', '*', '/', '%', '&', '|', '^', '@', '<', '>']);
    let left = left.split(':').next().unwrap_or(left);
    let names: Vec<&str> = left.split(',').map(str::trim).collect();
    if names.iter().all(|n| !n.is_empty() && super::identifiers(n).next() == Some(*n)) {
        out.extend(names);
    }
}

/// `import a.b as c` -> `c`; `import a.b` -> `a`.
fn imported<'a>(line: &'a str, out: &mut Vec<&'a str>) {
    let Some(rest) = line.strip_prefix("import ") else { return };
    for part in rest.split(',') {
        let mut words = part.split_whitespace();
        let name = words.next().unwrap_or("");
        let bound = match (words.next(), words.next()) {
            (Some("as"), Some(alias)) => alias,
            _ => name.split('.').next().unwrap_or(""),
        };
        if !bound.is_empty() {
            out.push(bound);
        }
    }
}
