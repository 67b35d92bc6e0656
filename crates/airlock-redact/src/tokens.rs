//! Credentials recognised by their shape alone: one multi-pattern regex (a lazy
//! DFA behind a literal prefilter, so linear time), then a per-kind check of the match.

use crate::span::Cand;
use base64::Engine as _;
use regex_automata::meta::Regex;
use std::sync::LazyLock;

/// Priority of a token kind when ranges overlap (over assignments and URLs).
pub(crate) const PRIO: u8 = 3;

/// One shape. `(?-u:\b)` keeps the DFA on non-ASCII text; group 1, when present,
/// is the part to redact. A shape that must start a word says so with `word: true`
/// (checked by [`starts_word`], which also accepts a word right after a `\n` escape).
struct Shape {
    kind: &'static str,
    re: &'static str,
    word: bool,
    check: fn(&str, Option<u8>) -> bool,
}

/// A shape that starts a word.
const fn s(kind: &'static str, re: &'static str, check: fn(&str, Option<u8>) -> bool) -> Shape {
    Shape { kind, re, word: true, check }
}

/// A shape that may stand anywhere (it starts with its own context).
const fn anywhere(kind: &'static str, re: &'static str, check: fn(&str, Option<u8>) -> bool) -> Shape {
    Shape { kind, re, word: false, check }
}

/// Order matters where prefixes are shared: at one position the first shape wins.
static SHAPES: &[Shape] = &[
    s("aws-access-key-id", r"(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?-u:\b)", aws),
    s("github-token", r"(?:gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{22,244})(?-u:\b)", any),
    s("gitlab-token", r"gl(?:pat|dt|rt|ptt|cbt|oas)-[A-Za-z0-9_-]{20,64}", has_digit_after_dash),
    anywhere("slack-webhook", r"https://hooks\.slack\.com/((?:services|workflows|triggers)/[A-Za-z0-9_/+-]{20,})", any),
    s("slack-token", r"xox[abposr]-[A-Za-z0-9-]{10,250}", has_digit_after_dash),
    s("stripe-key", r"[sr]k_live_[A-Za-z0-9]{20,247}(?-u:\b)", any),
    s("google-api-key", r"AIza[A-Za-z0-9_-]{35}", ends_token),
    s("anthropic-key", r"sk-ant-[a-z]{3,10}[0-9]{2}-[A-Za-z0-9_-]{20,}", any),
    s("openai-key", r"sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}", openai),
    s("huggingface-token", r"hf_[A-Za-z0-9]{30,}(?-u:\b)", mixed_case),
    s("npm-token", r"npm_[A-Za-z0-9]{36}(?-u:\b)", any),
    s("pypi-token", r"pypi-AgEI[A-Za-z0-9_-]{50,}", any),
    s("twilio-key", r"SK[0-9a-fA-F]{32}(?-u:\b)", twilio),
    s("sendgrid-key", r"SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}", ends_token),
    s("jwt", r"eyJ[A-Za-z0-9_-]{10,}\.ey[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]*", jwt),
    anywhere("azure-storage-key", r"(?:AccountKey|SharedAccessKey)=([A-Za-z0-9+/]{40,}={0,2})", any),
];

/// The compiled shapes; `None` only if a built-in pattern failed to compile
/// (a test proves they all do).
static REGEX: LazyLock<Option<Regex>> = LazyLock::new(|| {
    let pats: Vec<&str> = SHAPES.iter().map(|s| s.re).collect();
    Regex::new_many(&pats).ok()
});

/// Whether the built-in shapes compiled (for the test that proves it).
#[cfg(test)]
pub(crate) fn compiled() -> bool {
    REGEX.is_some()
}

/// Literals at least one of which every shape contains. Checking them first costs
/// microseconds; compiling [`REGEX`] costs milliseconds, which a one-shot process (the
/// sandbox launcher checking a dozen environment values) should pay only when a value
/// could hold a token at all.
static LITERALS: LazyLock<Option<aho_corasick::AhoCorasick>> = LazyLock::new(|| {
    // A contiguous NFA: built in microseconds (a DFA takes far longer to build); the SIMD
    // prefilter over these few literals does the searching either way.
    aho_corasick::AhoCorasick::builder().kind(Some(aho_corasick::AhoCorasickKind::ContiguousNFA)).build([
        "AKIA", "ASIA", "ABIA", "ACCA", "gh", "github_pat_", "gl", "hooks.slack.com", "xox", "k_live_",
        "AIza", "sk-", "hf_", "npm_", "pypi-", "SK", "SG.", "eyJ", "AccountKey=", "SharedAccessKey=",
    ])
    .ok()
});

/// Appends every token found in `text` whose kind `enabled` accepts.
pub(crate) fn find(text: &str, enabled: &dyn Fn(&str) -> bool, out: &mut Vec<Cand<'_>>) {
    if let Some(lits) = LITERALS.as_ref() {
        if !lits.is_match(text) {
            return;
        }
    }
    let Some(re) = REGEX.as_ref() else { return };
    let b = text.as_bytes();
    for caps in re.captures_iter(text) {
        let (Some(pid), Some(m)) = (caps.pattern(), caps.get_match()) else { continue };
        let Some(shape) = SHAPES.get(pid.as_usize()) else { continue };
        if !enabled(shape.kind) || (shape.word && !starts_word(b, m.start())) {
            continue;
        }
        let Some(matched) = text.get(m.start()..m.end()) else { continue };
        if !(shape.check)(matched, b.get(m.end()).copied()) {
            continue;
        }
        let span = caps.get_group(1).unwrap_or(m.span());
        out.push(Cand { start: span.start, end: span.end, kind: shape.kind, prio: PRIO });
    }
}

/// Nothing word-like stands right before `at`, or only the letter of a `\n`, `\r`,
/// `\t` escape (a token on a new line of JSON-encoded text).
fn starts_word(b: &[u8], at: usize) -> bool {
    let word = |c: &u8| c.is_ascii_alphanumeric() || *c == b'_';
    match at.checked_sub(1).and_then(|p| b.get(p)) {
        None => true,
        Some(c) if !word(c) => true,
        Some(b'n' | b'r' | b't') => {
            let slashes = b.get(..at - 1).unwrap_or_default().iter().rev().take_while(|c| **c == b'\\').count();
            slashes % 2 == 1
        }
        Some(_) => false,
    }
}

fn any(_: &str, _: Option<u8>) -> bool {
    true
}

/// AWS's documentation placeholders (AKIAIOSFODNN7EXAMPLE) are published, not secret.
fn aws(m: &str, _: Option<u8>) -> bool {
    !m.ends_with("EXAMPLE")
}

/// The random part (after the last `-` of the prefix) holds a digit.
fn has_digit_after_dash(m: &str, _: Option<u8>) -> bool {
    m.split_once('-').is_some_and(|(_, rest)| rest.bytes().any(|c| c.is_ascii_digit()))
}

/// The fixed-length shape is not the start of a longer word.
fn ends_token(_: &str, next: Option<u8>) -> bool {
    !next.is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
}

fn classes(s: &str) -> (bool, bool, bool) {
    let b = s.as_bytes();
    (
        b.iter().any(u8::is_ascii_uppercase),
        b.iter().any(u8::is_ascii_lowercase),
        b.iter().any(u8::is_ascii_digit),
    )
}

/// Random base62: upper, lower and digit all present (so `sk-learn-…` is prose).
fn openai(m: &str, _: Option<u8>) -> bool {
    let (u, l, d) = classes(m.get(3..).unwrap_or_default());
    u && l && d
}

fn mixed_case(m: &str, _: Option<u8>) -> bool {
    let (u, l, _) = classes(m.get(3..).unwrap_or_default());
    u && l
}

fn twilio(m: &str, _: Option<u8>) -> bool {
    let rest = m.get(2..).unwrap_or_default().as_bytes();
    rest.iter().any(u8::is_ascii_digit) && rest.iter().any(u8::is_ascii_alphabetic)
}

/// The header decodes to printable ASCII starting as a JSON object (`{"`).
fn jwt(m: &str, _: Option<u8>) -> bool {
    let head = m.split('.').next().unwrap_or_default();
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    // A prefix whose length is a multiple of 4 decodes without padding questions.
    let cut = head.len().min(64) / 4 * 4;
    engine
        .decode(head.get(..cut).unwrap_or_default())
        .is_ok_and(|d| d.starts_with(b"{\"") && d.iter().all(|c| (b' '..=b'~').contains(c) || c.is_ascii_whitespace()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]
    #[test]
    fn every_shape_example_passes_the_literal_prefilter() {
        let lits = super::LITERALS.as_ref().unwrap_or_else(|| panic!("literals"));
        for shape in super::SHAPES {
            let info = crate::kinds::kind(shape.kind).unwrap_or_else(|| panic!("{} not in the kinds table", shape.kind));
            assert!(lits.is_match(info.example), "{}: example {:?} has none of the literals", shape.kind, info.example);
        }
    }

    use super::*;

    #[test]
    fn all_shapes_compile() {
        assert!(compiled());
        for s in SHAPES {
            assert!(crate::kinds::kind(s.kind).is_some(), "{} is in the kinds table", s.kind);
        }
    }

    #[test]
    fn tokens_start_words_or_escaped_lines() {
        let kinds = |t: &str| {
            let mut v = Vec::new();
            find(t, &|_| true, &mut v);
            v.len()
        };
        let key = "AKIA2E0A8F3B244C9986";
        assert_eq!(kinds(&format!("x {key}")), 1);
        assert_eq!(kinds(&format!("x\\n{key}")), 1);
        assert_eq!(kinds(&format!("x\\\\n{key}")), 0);
        assert_eq!(kinds(&format!("xn{key}")), 0);
    }

    #[test]
    fn jwt_header_must_decode() {
        assert!(jwt("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc", None));
        assert!(!jwt("eyJzzzzzzzzzzzzzzzzzz.eyJzzzzzzzzzzzzzz.abc", None));
    }
}
