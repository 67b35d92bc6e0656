//! Values assigned to secret-shaped names, in any of the usual syntaxes:
//! `.env`/shell (`export GITHUB_TOKEN=…`), YAML (`password: …`), JSON (`"api_key": "…"`),
//! TOML/INI (`secret = "…"`), code (`apiKey := "…"`, `'token' => '…'`), connection
//! strings (`Password=…;`), query strings (`?access_token=…&`), flags (`--password …`),
//! XML (`<password>…</password>`) and HTTP headers (`Authorization: Bearer …`).
//!
//! Only the value is redacted: the name stays so the model still understands the file.
//! Names are found from a case-insensitive literal prefilter (`pass`, `token`, `key`, …),
//! so text without such a word costs one Aho-Corasick scan.

use crate::names::{self, NameStrength};
use crate::span::Cand;
use crate::values::{self, Sep, ValueCtx};
use aho_corasick::{AhoCorasick, MatchKind};
use std::sync::LazyLock;

/// Priority of a strong-name value when ranges overlap (a token inside it names it).
const PRIO_STRONG: u8 = 1;
/// Priority of a weak-name, high-entropy value.
const PRIO_WEAK: u8 = 0;
/// Longest name looked at.
const MAX_NAME: usize = 96;
/// Longest quoted value looked at (a PEM key in a JSON string fits).
const MAX_QUOTED: usize = 16 * 1024;
/// Longest unquoted value looked at.
const MAX_UNQUOTED: usize = 8 * 1024;

/// Words one of which every secret name contains (`pass` covers password, passwd, passphrase).
const ANCHORS: &[&str] = &["pass", "pwd", "secret", "token", "key", "auth", "cred", "cookie", "session", "salt", "dsn", "hmac", "bearer"];

/// The anchors in lower case, UPPER case and Capitalised (`apiKey`, `DB_PASSWORD`,
/// `Authorization`): case-sensitive, so the automaton keeps its fast SIMD prefilter
/// (three times faster than an ASCII-case-insensitive one). A name spelled in other
/// mixed case (`pAsSwOrD`) is not found.
static AC: LazyLock<Option<AhoCorasick>> = LazyLock::new(|| {
    let mut pats = Vec::with_capacity(ANCHORS.len() * 3);
    for a in ANCHORS {
        let mut cap = a.to_string();
        if let Some(first) = cap.get_mut(..1) {
            first.make_ascii_uppercase();
        }
        pats.extend([a.to_string(), a.to_ascii_uppercase(), cap]);
    }
    AhoCorasick::builder().match_kind(MatchKind::LeftmostFirst).build(pats).ok()
});

/// Whether the anchor automaton built (for the test that proves it).
#[cfg(test)]
pub(crate) fn compiled() -> bool {
    AC.is_some()
}

/// Appends the values of secret-named assignments whose kind `enabled` accepts.
pub(crate) fn find(text: &str, enabled: &dyn Fn(&str) -> bool, out: &mut Vec<Cand<'_>>) {
    let Some(ac) = AC.as_ref() else { return };
    let mut cursor = 0;
    for m in ac.find_iter(text) {
        if m.start() < cursor {
            continue;
        }
        let (resume, cand) = at_anchor(text, m.start(), m.end());
        cursor = resume;
        if let Some(c) = cand.filter(|c| enabled(c.kind)) {
            out.push(c);
        }
    }
}

fn name_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.')
}

/// Looks at the name around the anchor `[h, he)`: returns where scanning resumes and
/// the value's range when it is a secret.
fn at_anchor(text: &str, h: usize, he: usize) -> (usize, Option<Cand<'static>>) {
    let b = text.as_bytes();
    let mut s = h;
    while s > 0 && b.get(s - 1).copied().is_some_and(name_byte) {
        s -= 1;
        if h - s > MAX_NAME {
            return (he, None);
        }
    }
    let mut e = he;
    while b.get(e).copied().is_some_and(name_byte) {
        e += 1;
        if e - s > MAX_NAME {
            return (e, None);
        }
    }
    // `the password.` ends a sentence; `--password` is a flag.
    while e > he && matches!(b.get(e - 1), Some(b'.' | b'-')) {
        e -= 1;
    }
    // `\nKEY=…` inside an escaped string: the `n` belongs to the escape.
    if s > 0 && b.get(s - 1) == Some(&b'\\') && matches!(b.get(s), Some(b'n' | b'r' | b't')) && s < h {
        s += 1;
    }
    // `https://user:pass@host`: the URL detector's, not an assignment.
    if s >= 3 && b.get(s - 3..s) == Some(b"://") {
        return (e, None);
    }
    let flag = b.get(s) == Some(&b'-');
    let Some(name) = text.get(s..e) else { return (e, None) };
    let Some((sep, spaced, v_at)) = separator(b, s, e, flag) else { return (e, None) };
    let class = names::classify(name);
    if class.strength == NameStrength::None {
        return (e, None);
    }
    let Some(value) = parse_value(b, v_at, sep) else { return (e.max(scan_end(b, v_at)), None) };
    // A rejected value may hold a nested assignment (`Cookie: session=…`); a long one
    // is skipped whole so no byte is looked at twice for long.
    let resume = if value.end - value.start < 256 { e } else { value.end.max(e) };
    let Some(v) = text.get(value.start..value.end) else { return (resume, None) };
    let ctx = ValueCtx {
        quoted: value.quoted,
        sep,
        spaced,
        upper_name: !name.bytes().any(|c| c.is_ascii_lowercase()),
        term: term(b, value.end),
    };
    if !values::accept(v, &ctx, class.strength) {
        return (resume, None);
    }
    let prio = if class.strength == NameStrength::Strong { PRIO_STRONG } else { PRIO_WEAK };
    (value.end.max(e), Some(Cand { start: value.start, end: value.end, kind: class.kind, prio }))
}

/// After the name `[s, e)`: the separator, whether spaces stood before it, and where
/// the value starts. Accepts a closing quote (`"api_key":`) and a subscript
/// (`env["TOKEN"] =`).
fn separator(b: &[u8], s: usize, e: usize, flag: bool) -> Option<(Sep, bool, usize)> {
    let mut i = e;
    let before = s.checked_sub(1).and_then(|p| b.get(p)).copied();
    if let Some(q @ (b'"' | b'\'' | b'`')) = before {
        if b.get(i) == Some(&b'\\') && b.get(i + 1) == Some(&q) {
            i += 2;
        } else if b.get(i) == Some(&q) {
            i += 1;
        }
        if b.get(i) == Some(&b']') {
            i += 1;
        }
    }
    let sp = i;
    while matches!(b.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    let spaced = i > sp;
    let rest = b.get(i..).unwrap_or_default();
    let (sep, n) = if rest.starts_with(b":=") || rest.starts_with(b"=>") || rest.starts_with(b"?=") || rest.starts_with(b"==") {
        (Sep::Eq, if rest.starts_with(b"===") { 3 } else { 2 })
    } else if rest.starts_with(b"=") {
        (Sep::Eq, 1)
    } else if rest.starts_with(b":") && !rest.starts_with(b"::") {
        (Sep::Colon, 1)
    } else if rest.starts_with(b">") && before == Some(b'<') && !spaced {
        (Sep::Xml, 1)
    } else if flag && spaced && !rest.first().is_some_and(|c| matches!(c, b'\n' | b'\r' | b'-')) {
        (Sep::Space, 0)
    } else {
        return None;
    };
    i += n;
    if sep != Sep::Xml {
        while matches!(b.get(i), Some(b' ' | b'\t')) {
            i += 1;
        }
    }
    Some((sep, spaced, i))
}

/// A value's range.
struct Value {
    start: usize,
    end: usize,
    quoted: bool,
}

/// Authorization schemes before the credential itself.
const SCHEMES: &[&str] = &["bearer ", "basic ", "token ", "bot ", "digest ", "apikey ", "sso-key "];

fn scheme_len(b: &[u8], at: usize) -> usize {
    let rest = b.get(at..).unwrap_or_default();
    SCHEMES
        .iter()
        .find(|s| rest.len() > s.len() && rest.get(..s.len()).is_some_and(|p| p.eq_ignore_ascii_case(s.as_bytes())))
        .map_or(0, |s| s.len())
}

/// The value at `at`: quoted (`"…"`, `'…'`, `` `…` ``, or `\"…\"` inside an escaped
/// string) on one line, or unquoted up to a delimiter. An authorization scheme
/// (`Bearer `) before it is skipped.
fn parse_value(b: &[u8], at: usize, sep: Sep) -> Option<Value> {
    let first = *b.get(at)?;
    let escaped_quote = first == b'\\' && matches!(b.get(at + 1), Some(b'"' | b'\''));
    if sep != Sep::Xml && (escaped_quote || matches!(first, b'"' | b'\'' | b'`')) {
        let (q, open) = if escaped_quote { (*b.get(at + 1)?, 2) } else { (first, 1) };
        let mut start = at + open;
        let mut j = start;
        let stop = start.saturating_add(MAX_QUOTED).min(b.len());
        let end = loop {
            if j >= stop {
                return None;
            }
            match b.get(j) {
                Some(b'\n' | b'\r') | None => return None,
                Some(b'\\') if escaped_quote && b.get(j + 1) == Some(&q) => break j,
                Some(b'\\') => j += 2,
                Some(c) if *c == q && !escaped_quote => break j,
                _ => j += 1,
            }
        };
        start += scheme_len(b, start).min(end - start);
        return Some(Value { start, end, quoted: true });
    }
    let start = at + scheme_len(b, at);
    let mut j = start;
    let stop = start.saturating_add(MAX_UNQUOTED).min(b.len());
    while j < stop && !b.get(j).copied().is_some_and(|c| ends_unquoted(c, sep)) {
        j += 1;
    }
    if j == stop && stop < b.len() {
        return None;
    }
    Some(Value { start, end: j, quoted: false })
}

/// The byte after an unquoted value; a literal `\n` escape (text inside a JSON
/// string) counts as the line break it stands for.
fn term(b: &[u8], at: usize) -> Option<u8> {
    match (b.get(at), b.get(at + 1)) {
        (Some(b'\\'), Some(b'n' | b'r')) => Some(b'\n'),
        (c, _) => c.copied(),
    }
}

fn ends_unquoted(c: u8, sep: Sep) -> bool {
    if sep == Sep::Xml {
        return c == b'<' || c == b'\n';
    }
    c.is_ascii_whitespace()
        || matches!(c, b'"' | b'\'' | b'`' | b';' | b',' | b'&' | b'<' | b'>' | b')' | b'}' | b']' | b'\\' | b'|')
}

/// How far a failed value parse looked (so scanning does not look there again).
fn scan_end(b: &[u8], at: usize) -> usize {
    let stop = at.saturating_add(MAX_QUOTED).min(b.len());
    b.get(at..stop).and_then(|r| r.iter().position(|c| *c == b'\n')).map_or(stop, |p| at + p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vals(t: &str) -> Vec<&str> {
        let mut v = Vec::new();
        find(t, &|_| true, &mut v);
        v.iter().filter_map(|c| t.get(c.start..c.end)).collect()
    }

    #[test]
    fn anchors_build() {
        assert!(compiled());
    }

    #[test]
    fn syntaxes() {
        assert_eq!(vals("export GITHUB_TOKEN=abc123def456\n"), vec!["abc123def456"]);
        assert_eq!(vals("DB_PASSWORD=\"hunter2 prod\"\n"), vec!["hunter2 prod"]);
        assert_eq!(vals("password: supersecret\n"), vec!["supersecret"]);
        assert_eq!(vals(r#"{"api_key": "abcd1234efgh"}"#), vec!["abcd1234efgh"]);
        assert_eq!(vals(r#"{\"api_key\":\"abcd1234efgh\"}"#), vec!["abcd1234efgh"]);
        assert_eq!(vals("Server=db;User Id=sa;Password=Pa55word!;"), vec!["Pa55word!"]);
        assert_eq!(vals("GET /cb?access_token=abcDEF123456&x=1"), vec!["abcDEF123456"]);
        assert_eq!(vals("mysql --password s3cr3t-pw -u root"), vec!["s3cr3t-pw"]);
        assert_eq!(vals("<password>s3cr3t-pw</password>"), vec!["s3cr3t-pw"]);
        assert_eq!(vals("-H 'Authorization: Bearer abcdef123456'"), vec!["abcdef123456"]);
        assert_eq!(vals("settings[\"SECRET_KEY\"] = 'django-insecure-abc123'"), vec!["django-insecure-abc123"]);
        assert_eq!(vals("apiKey := \"0123456789abcdef\""), vec!["0123456789abcdef"]);
        // Inside an escaped string: `\nkey` is a line break, then `key`.
        assert_eq!(vals(r"a\nkey: q8XzT2vN5mR7pL3wK9sD\n"), vec!["q8XzT2vN5mR7pL3wK9sD"]);
    }

    #[test]
    fn not_assignments() {
        for t in [
            "password = get_password()",
            "token = request.headers['x']",
            "if password == null {",
            "def check_password(password: str) -> bool:",
            "the password is long",
            "max_tokens: 4096",
            "TOKENIZER_PATH=/models/tok.json",
            "password_hash(pw)",
            "key: value",
            "DB_PASSWORD=${DB_PASSWORD}",
            "API_KEY=os.environ['API_KEY']",
            "const token = process.env.TOKEN;",
            "password: password,",
            "Token::new(x)",
        ] {
            assert!(vals(t).is_empty(), "{t}: {:?}", vals(t));
        }
    }
}
