//! Top-level items of a Go file. Go has only declarations at the top level and
//! gofmt starts each in column 0 with its keyword, so a line that starts with
//! `func`, `var`, `const`, `type`, `import` or `package` outside brackets,
//! strings and comments starts an item; comments and blank lines belong to the
//! item before.

use super::{Item, Kind};

/// The items of `text`, or `None` when the scan ends inside a string, a
/// comment or brackets (the file is parsed whole).
pub(super) fn items(text: &str) -> Option<Vec<Item>> {
    let b = text.as_bytes();
    let mut items = Vec::new();
    let (mut start, mut kind) = (0usize, Kind::Stmt);
    let mut depth = 0i32;
    let mut i = 0;
    let mut line_start = true;
    while let Some(&c) = b.get(i) {
        if line_start && depth == 0 {
            let line = text.get(i..).unwrap_or("").lines().next().unwrap_or("");
            if let Some(k) = classify(line) {
                if i > 0 {
                    items.push(Item { start, end: i, kind });
                }
                start = i;
                kind = k;
            }
        }
        line_start = false;
        match c {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while b.get(i).is_some_and(|x| *x != b'\n') {
                    i += 1;
                }
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let end = text.get(i + 2..)?.find("*/")?;
                i += end + 4;
                continue;
            }
            b'`' => {
                let end = text.get(i + 1..)?.find('`')?;
                i += end + 2;
                continue;
            }
            b'"' | b'\'' => {
                i += 1;
                loop {
                    match b.get(i)? {
                        b'\\' => i += 2,
                        b'\n' => return None,
                        x if *x == c => break,
                        _ => i += 1,
                    }
                }
            }
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => {
                depth -= 1;
                if depth < 0 {
                    return None;
                }
            }
            b'\n' => line_start = true,
            _ => {}
        }
        i += 1;
    }
    if depth != 0 {
        return None;
    }
    items.push(Item { start, end: text.len(), kind });
    Some(items)
}

fn classify(line: &str) -> Option<Kind> {
    let word = |w: &str| line.strip_prefix(w).is_some_and(|r| r.starts_with([' ', '\t', '(']));
    if word("import") || word("package") {
        Some(Kind::Import)
    } else if word("func") || word("type") {
        Some(Kind::Def)
    } else if word("var") || word("const") {
        Some(Kind::Stmt)
    } else {
        None
    }
}

/// Names an item binds that a rule can look up from elsewhere: a function's
/// name, and every `var`/`const` name (CRD001 follows a name to any
/// `var`/`const` in the file).
pub(super) fn binds(item: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut in_block = false;
    for line in item.lines() {
        let t = line.trim_start();
        if in_block {
            if t.starts_with(')') {
                in_block = false;
            } else if let Some(w) = super::identifiers(t).next() {
                out.push(w);
            }
            continue;
        }
        if let Some(rest) = t.strip_prefix("func ") {
            // `func (r *T) Name(` or `func Name(`.
            let rest = if rest.starts_with('(') { rest.split_once(')').map(|(_, r)| r).unwrap_or("") } else { rest };
            out.extend(super::identifiers(rest).next());
            continue;
        }
        for kw in ["var ", "const "] {
            if let Some(rest) = t.strip_prefix(kw) {
                if rest.trim_start().starts_with('(') {
                    in_block = true;
                } else {
                    let names = rest.split('=').next().unwrap_or("");
                    out.extend(super::identifiers(names));
                }
            }
        }
    }
    out
}
