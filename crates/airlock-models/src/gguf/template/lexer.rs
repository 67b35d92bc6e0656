//! Splits a Jinja template into literal text, comments and code blocks, and a code
//! block into tokens, the way a Jinja engine does: string literals may hold the
//! closing delimiter, `{% raw %}` bodies are text, whitespace control (`-`, `+`)
//! is part of the delimiter, and string literals are decoded (Python escapes:
//! `\xHH`, `\uHHHH`, `\UHHHHHHHH`, octal, the single-character ones).

/// One piece of a template.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    /// Literal text the template emits as is.
    Text { text: String, at: usize },
    /// `{{ ... }}`.
    Expr { toks: Vec<Tok>, at: usize },
    /// `{% ... %}` (not `raw`/`endraw`, whose body is a `Text`).
    Stmt { toks: Vec<Tok>, at: usize },
}

#[derive(Debug, Clone, PartialEq)]
pub enum TokKind {
    Name(String),
    /// A string literal's decoded value; `exact` is false when an escape could not
    /// be decoded here (`\N{...}`), so the value is not what the engine sees.
    Str { value: String, exact: bool },
    Num,
    /// An operator or punctuation: `.`, `|`, `~`, `(`, `==`, `**`, ...
    Op(&'static str),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Tok {
    pub kind: TokKind,
    /// Byte offset in the template.
    pub at: usize,
}

/// Why a template could not be split (an engine would refuse to render it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexError {
    pub at: usize,
    pub what: &'static str,
}

const OPS: &[&str] = &[
    "**", "//", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "|", ".", ",", ":", ";", "(", ")", "[", "]", "{", "}",
    "<", ">", "=", "!",
];

/// Splits `src` into parts.
pub fn split(src: &str) -> Result<Vec<Part>, LexError> {
    let b = src.as_bytes();
    let mut parts = Vec::new();
    let mut i = 0;
    let mut text_start = 0;
    while i < b.len() {
        let open = (b.get(i), b.get(i + 1));
        let kind = match open {
            (Some(b'{'), Some(b'{')) => b'{',
            (Some(b'{'), Some(b'%')) => b'%',
            (Some(b'{'), Some(b'#')) => b'#',
            _ => {
                i += 1;
                continue;
            }
        };
        push_text(&mut parts, src, text_start, i);
        let at = i;
        i += 2;
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        if kind == b'#' {
            let end = find(b, i, b"#}").ok_or(LexError { at, what: "unterminated comment" })?;
            i = end + 2;
            text_start = i;
            continue;
        }
        let close: &[u8] = if kind == b'{' { b"}}" } else { b"%}" };
        let (toks, end) = tokens(src, i, close).map_err(|what| LexError { at, what })?;
        i = end;
        if kind == b'%' && is_tag(&toks, "raw") {
            // The body up to `{% endraw %}` is text, whatever it holds.
            let (body_end, after) = find_endraw(src, i).ok_or(LexError { at, what: "unterminated raw block" })?;
            parts.push(Part::Text { text: src.get(i..body_end).unwrap_or_default().to_string(), at: i });
            i = after;
        } else if kind == b'%' {
            parts.push(Part::Stmt { toks, at });
        } else {
            parts.push(Part::Expr { toks, at });
        }
        text_start = i;
    }
    push_text(&mut parts, src, text_start, b.len());
    Ok(parts)
}

fn push_text(parts: &mut Vec<Part>, src: &str, from: usize, to: usize) {
    if to > from {
        parts.push(Part::Text { text: src.get(from..to).unwrap_or_default().to_string(), at: from });
    }
}

fn is_tag(toks: &[Tok], name: &str) -> bool {
    matches!(toks.first(), Some(Tok { kind: TokKind::Name(n), .. }) if n == name)
}

fn find(b: &[u8], from: usize, pat: &[u8]) -> Option<usize> {
    memchr::memmem::find(b.get(from..)?, pat).map(|k| from + k)
}

/// The start of the next `{% endraw %}` (with any whitespace control) and the
/// offset after it. Matched by hand, in one pass over the body.
fn find_endraw(src: &str, from: usize) -> Option<(usize, usize)> {
    let b = src.as_bytes();
    let mut i = from;
    loop {
        let start = find(b, i, b"{%")?;
        let mut j = start + 2;
        if matches!(b.get(j), Some(b'-' | b'+')) {
            j += 1;
        }
        while matches!(b.get(j), Some(c) if c.is_ascii_whitespace()) {
            j += 1;
        }
        if b.get(j..j + 6) == Some(b"endraw") {
            j += 6;
            while matches!(b.get(j), Some(c) if c.is_ascii_whitespace()) {
                j += 1;
            }
            if matches!(b.get(j), Some(b'-' | b'+')) {
                j += 1;
            }
            if b.get(j..j + 2) == Some(b"%}") {
                return Some((start, j + 2));
            }
        }
        i = start + 2;
    }
}

/// Tokens from `i` up to the closing delimiter; returns them and the offset after
/// the delimiter.
fn tokens(src: &str, mut i: usize, close: &[u8]) -> Result<(Vec<Tok>, usize), &'static str> {
    let b = src.as_bytes();
    let mut toks = Vec::new();
    loop {
        while matches!(b.get(i), Some(c) if c.is_ascii_whitespace()) {
            i += 1;
        }
        let Some(&c) = b.get(i) else {
            return Err("unterminated block");
        };
        // `-}}`, `+%}` or the bare closing delimiter.
        let ctl = usize::from(matches!(c, b'-' | b'+'));
        if b.get(i + ctl..i + ctl + close.len()) == Some(close) {
            return Ok((toks, i + ctl + close.len()));
        }
        let at = i;
        if c == b'\'' || c == b'"' {
            let (value, exact, end) = string(src, i)?;
            toks.push(Tok { kind: TokKind::Str { value, exact }, at });
            i = end;
        } else if c.is_ascii_digit() {
            while matches!(b.get(i), Some(d) if d.is_ascii_alphanumeric() || *d == b'_' || *d == b'.') {
                i += 1;
            }
            toks.push(Tok { kind: TokKind::Num, at });
        } else if c == b'_' || c.is_ascii_alphabetic() || c >= 0x80 {
            let rest = src.get(i..).unwrap_or_default();
            let len = rest
                .char_indices()
                .find(|&(_, ch)| !(ch == '_' || ch.is_alphanumeric()))
                .map_or(rest.len(), |(k, _)| k);
            if len == 0 {
                return Err("unexpected character");
            }
            toks.push(Tok { kind: TokKind::Name(rest.get(..len).unwrap_or_default().to_string()), at });
            i += len;
        } else if let Some(op) = OPS.iter().find(|op| b.get(i..i + op.len()) == Some(op.as_bytes())) {
            toks.push(Tok { kind: TokKind::Op(op), at });
            i += op.len();
        } else {
            return Err("unexpected character");
        }
    }
}

/// A string literal at `i` (on its quote): its decoded value, whether the decoding
/// is exact, and the offset after the closing quote.
fn string(src: &str, i: usize) -> Result<(String, bool, usize), &'static str> {
    let quote = src.as_bytes().get(i).copied().map(char::from).ok_or("unterminated string")?;
    let body = src.get(i + 1..).ok_or("unterminated string")?;
    let mut out = String::new();
    let mut exact = true;
    let mut chars = body.char_indices().peekable();
    while let Some((k, c)) = chars.next() {
        if c == quote {
            return Ok((out, exact, i + 1 + k + 1));
        }
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some((_, e)) = chars.next() else { break };
        let hex = |n: usize, chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>| {
            let mut v = 0u32;
            for _ in 0..n {
                match chars.peek().and_then(|&(_, d)| d.to_digit(16)) {
                    Some(d) => {
                        v = v * 16 + d;
                        chars.next();
                    }
                    None => return None,
                }
            }
            char::from_u32(v)
        };
        match e {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'a' => out.push('\u{7}'),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            'v' => out.push('\u{b}'),
            '\\' | '\'' | '"' => out.push(e),
            '\n' => {}
            'x' => match hex(2, &mut chars) {
                Some(ch) => out.push(ch),
                None => return Err("invalid \\x escape"),
            },
            'u' => match hex(4, &mut chars) {
                Some(ch) => out.push(ch),
                None => return Err("invalid \\u escape"),
            },
            'U' => match hex(8, &mut chars) {
                Some(ch) => out.push(ch),
                None => return Err("invalid \\U escape"),
            },
            '0'..='7' => {
                let mut v = e.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    match chars.peek().and_then(|&(_, d)| d.to_digit(8)) {
                        Some(d) => {
                            v = v * 8 + d;
                            chars.next();
                        }
                        None => break,
                    }
                }
                out.push(char::from_u32(v).unwrap_or('\u{FFFD}'));
            }
            'N' => {
                // A character by its Unicode name: not resolved here.
                exact = false;
                out.push('\u{FFFD}');
                if chars.peek().map(|&(_, d)| d) == Some('{') {
                    for (_, d) in chars.by_ref() {
                        if d == '}' {
                            break;
                        }
                    }
                }
            }
            other => {
                // Python keeps unknown escapes as written.
                out.push('\\');
                out.push(other);
            }
        }
    }
    Err("unterminated string")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;

    fn strs(src: &str) -> Vec<String> {
        split(src)
            .unwrap()
            .into_iter()
            .flat_map(|p| match p {
                Part::Expr { toks, .. } | Part::Stmt { toks, .. } => toks,
                Part::Text { .. } => vec![],
            })
            .filter_map(|t| match t.kind {
                TokKind::Str { value, .. } => Some(value),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn parts() {
        let p = split("a{# c }} #}b{{- x -}}c{%+ if y %}d{% raw %}{{ z }}{% endraw %}").unwrap();
        assert_eq!(p.len(), 7, "{p:?}");
        assert!(matches!(&p[0], Part::Text { text, .. } if text == "a"));
        assert!(matches!(&p[2], Part::Expr { toks, .. } if toks.len() == 1));
        assert!(matches!(&p[6], Part::Text { text, .. } if text == "{{ z }}"));
    }

    #[test]
    fn strings_hold_delimiters_and_escapes() {
        assert_eq!(strs("{{ '}}' ~ \"%}\" }}"), ["}}", "%}"]);
        assert_eq!(strs(r"{{ '\x5f\x5fclass\u005f\U0000005f' }}"), ["__class__"]);
        assert_eq!(strs(r"{{ '\137\137' ~ 'a\'b' }}"), ["__", "a'b"]);
        let p = split(r"{{ '\N{LOW LINE}' }}").unwrap();
        assert!(matches!(&p[0], Part::Expr { toks, .. } if toks[0].kind == TokKind::Str { value: "\u{FFFD}".into(), exact: false }));
    }

    #[test]
    fn errors() {
        assert!(split("{{ 'a }}").is_err());
        assert!(split("{{ a ").is_err());
        assert!(split("{# a").is_err());
        assert!(split("{% raw %}x").is_err());
    }
}
