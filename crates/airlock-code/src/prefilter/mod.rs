//! Parse only what can matter: the top-level declarations of a file that
//! contain a word some rule needs (its [`crate::rules::CodeRule::triggers`]).
//! Tree-sitter parses the original text restricted to those byte ranges
//! (`Parser::set_included_ranges`), so nodes keep their offsets and the rest
//! of the file is never lexed; [`reduce`] shows the same as the text with the
//! rest blanked.
//!
//! A declaration is kept when it contains a trigger; when it mentions a name
//! bound (assigned or imported) by a kept statement that contains a trigger (an
//! alias: `from hashlib import md5 as h`, `URL = "http://..."`); or when it binds
//! a name a kept declaration mentions at module or class level (the rules follow
//! a name to its module-level assignment). Imports and module-level statements
//! are always kept. Python items are split by indentation ([`python`]), Go
//! items by their column-0 keyword ([`golang`]). Other languages (no cheap split
//! that is safe yet), files the splitter is not sure about (unbalanced brackets,
//! unterminated strings) and files whose reduced parse has a syntax error are
//! parsed whole.

mod golang;
mod python;

use crate::lang::Lang;
use crate::rules::REGISTRY;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use std::collections::HashSet;
use std::sync::OnceLock;

/// What a top-level item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `import`/`from ... import`: always kept.
    Import,
    /// Any other module-level statement: always kept.
    Stmt,
    /// A function or class (with its decorators): kept when it can matter.
    Def,
}

/// One top-level item: bytes `start..end` of the file.
#[derive(Debug, Clone)]
pub(crate) struct Item {
    pub start: usize,
    pub end: usize,
    pub kind: Kind,
}

/// One trigger word and how an occurrence of it counts.
struct Word {
    /// The word as written in the rule (the key; also its text when `exact`).
    spec: String,
    /// The case must match (`=Word`).
    exact: bool,
    /// Anywhere in the file rather than in the item (`^word`).
    file: bool,
    /// A call with arguments: `word(` followed by something other than `)`.
    call: bool,
}

impl Word {
    fn parse(spec: &str) -> Word {
        let (file, w) = spec.strip_prefix('^').map_or((false, spec), |r| (true, r));
        // `=` and `(` are marks only beside a letter: `==` is a word.
        let letter = |r: &str, first: bool| {
            let c = if first { r.chars().next() } else { r.chars().next_back() };
            c.is_some_and(|c| c.is_ascii_alphabetic())
        };
        let (exact, w) = w.strip_prefix('=').filter(|r| letter(r, true)).map_or((false, w), |r| (true, r));
        let (call, w) = w.strip_suffix('(').filter(|r| letter(r, false)).map_or((false, w), |r| (true, r));
        Word { spec: if exact { w.to_string() } else { w.to_ascii_lowercase() }, exact, file, call }
    }

    /// Does the match at `at` (`at..end` of `text`) count?
    fn counts(&self, text: &str, at: std::ops::Range<usize>) -> bool {
        if self.exact && text.get(at.clone()) != Some(self.spec.as_str()) {
            return false;
        }
        !self.call || call_with_arguments(text.as_bytes(), at.end)
    }
}

/// After a call's name: `(`, possibly after `?.`, `!` or type arguments, then
/// something other than `)`.
fn call_with_arguments(b: &[u8], mut i: usize) -> bool {
    let skip_ws = |i: &mut usize| {
        while b.get(*i).is_some_and(|c| c.is_ascii_whitespace()) {
            *i += 1;
        }
    };
    skip_ws(&mut i);
    if b.get(i..i + 2) == Some(b"?.") {
        i += 2;
    } else if b.get(i) == Some(&b'!') {
        i += 1;
    } else if matches!(b.get(i), Some(b'[' | b'<')) {
        let close = if b.get(i) == Some(&b'[') { b']' } else { b'>' };
        while b.get(i).is_some_and(|c| *c != close) {
            i += 1;
        }
        i += 1;
    }
    skip_ws(&mut i);
    if b.get(i) != Some(&b'(') {
        return false;
    }
    i += 1;
    skip_ws(&mut i);
    b.get(i).is_some_and(|c| *c != b')')
}

/// The trigger words of every rule for one language, compiled.
struct Matcher {
    ac: AhoCorasick,
    words: Vec<Word>,
    /// Alternatives, as word indices that must all be present.
    alts: Vec<Vec<usize>>,
}

impl Matcher {
    /// `None` when some rule for `lang` needs the whole file.
    fn build(lang: Lang) -> Option<Matcher> {
        let mut words: Vec<Word> = Vec::new();
        let mut alts = Vec::new();
        for rule in REGISTRY.iter().filter(|r| r.meta.applies_to(lang)) {
            for entry in rule.triggers? {
                let entry = match entry.split_once(':') {
                    Some((l, rest)) if matches!(l, "go" | "python" | "js" | "java") => {
                        let on = match l {
                            "go" => lang == Lang::Go,
                            "python" => lang == Lang::Python,
                            "js" => lang.is_js(),
                            _ => lang == Lang::Java,
                        };
                        if !on {
                            continue;
                        }
                        rest
                    }
                    _ => entry,
                };
                let mut alt = Vec::new();
                for spec in entry.split('&') {
                    let w = Word::parse(spec);
                    let key = |x: &Word| (x.spec.clone(), x.exact, x.file, x.call);
                    let id = match words.iter().position(|x| key(x) == key(&w)) {
                        Some(i) => i,
                        None => {
                            words.push(w);
                            words.len() - 1
                        }
                    };
                    alt.push(id);
                }
                alts.push(alt);
            }
        }
        let ac = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(words.iter().map(|w| w.spec.as_str()))
            .ok()?;
        Some(Matcher { ac, words, alts })
    }

    /// Which items contain a trigger (some alternative complete inside them).
    fn triggered(&self, text: &str, items: &[Item]) -> Vec<bool> {
        let n = self.words.len();
        let mut present = vec![false; n * items.len()];
        let mut in_file = vec![false; n];
        for m in self.ac.find_overlapping_iter(text) {
            let p = m.pattern().as_usize();
            let Some(w) = self.words.get(p) else { continue };
            if !w.counts(text, m.range()) {
                continue;
            }
            if let Some(slot) = in_file.get_mut(p) {
                *slot = true;
            }
            let item = items.partition_point(|it| it.end <= m.start());
            if let Some(slot) = present.get_mut(item * n + p) {
                *slot = true;
            }
        }
        (0..items.len())
            .map(|i| {
                let row = present.get(i * n..(i + 1) * n).unwrap_or(&[]);
                let has = |p: &usize| {
                    let file = self.words.get(*p).is_some_and(|w| w.file);
                    if file { in_file.get(*p) } else { row.get(*p) }.copied().unwrap_or(false)
                };
                // An alternative made only of file-wide words says nothing about this item.
                self.alts.iter().any(|alt| alt.iter().all(has) && alt.iter().any(|p| self.words.get(*p).is_some_and(|w| !w.file)))
            })
            .collect()
    }
}

fn matcher(lang: Lang) -> Option<&'static Matcher> {
    static PYTHON: OnceLock<Option<Matcher>> = OnceLock::new();
    static GO: OnceLock<Option<Matcher>> = OnceLock::new();
    match lang {
        Lang::Python => PYTHON.get_or_init(|| Matcher::build(Lang::Python)).as_ref(),
        Lang::Go => GO.get_or_init(|| Matcher::build(Lang::Go)).as_ref(),
        _ => None,
    }
}

/// The byte ranges of `text` to parse (the items that can matter, merged),
/// never empty. `None` means parse `text` whole.
pub(crate) fn ranges(text: &str, lang: Lang) -> Option<Vec<std::ops::Range<usize>>> {
    let m = matcher(lang)?;
    let items = match lang {
        Lang::Python => python::items(text)?,
        Lang::Go => golang::items(text)?,
        _ => return None,
    };
    let mut keep = select(text, lang, &items, &m.triggered(text, &items));
    if keep.iter().all(|k| *k) {
        return None;
    }
    if !keep.iter().any(|k| *k) {
        // Tree-sitter reads no ranges as the whole text: keep the first item.
        if let Some(k) = keep.first_mut() {
            *k = true;
        }
    }
    let mut out: Vec<std::ops::Range<usize>> = Vec::new();
    for (it, _) in items.iter().zip(&keep).filter(|(_, k)| **k) {
        match out.last_mut() {
            Some(last) if last.end == it.start => last.end = it.end,
            _ => out.push(it.start..it.end),
        }
    }
    Some(out)
}

/// `text` with everything outside [`ranges`] blanked to spaces (newlines
/// kept): what the parser sees, for tests and benchmarks.
pub(crate) fn reduce(text: &str, lang: Lang) -> Option<String> {
    let keep = ranges(text, lang)?;
    let mut out = text.as_bytes().to_vec();
    let mut at = 0;
    for r in keep.iter().chain(std::iter::once(&(text.len()..text.len()))) {
        if let Some(bytes) = out.get_mut(at..r.start) {
            for b in bytes.iter_mut().filter(|b| !matches!(**b, b'\n' | b'\r')) {
                *b = b' ';
            }
        }
        at = r.end;
    }
    String::from_utf8(out).ok()
}

/// Which items to keep: see the module documentation.
fn select(text: &str, lang: Lang, items: &[Item], triggered: &[bool]) -> Vec<bool> {
    let body = |it: &Item| text.get(it.start..it.end).unwrap_or("");
    let mut keep: Vec<bool> = items.iter().zip(triggered).map(|(it, t)| *t || it.kind != Kind::Def).collect();
    if keep.iter().all(|k| *k) {
        return keep;
    }
    // Names bound at module or class level, per item.
    let binds: Vec<Vec<&str>> = items
        .iter()
        .map(|it| match lang {
            Lang::Go => golang::binds(body(it)),
            _ => python::binds(body(it), it.kind),
        })
        .collect();
    let mut aliases: HashSet<&str> = HashSet::new();
    for (b, t) in binds.iter().zip(triggered) {
        if *t {
            aliases.extend(b.iter().copied());
        }
    }
    let open: Vec<usize> = (0..items.len()).filter(|i| !keep.get(*i).copied().unwrap_or(true)).collect();
    if aliases.is_empty() && open.iter().all(|i| binds.get(*i).is_none_or(|b| b.is_empty())) {
        return keep;
    }
    let mut mentioned: HashSet<&str> = HashSet::new();
    for (it, k) in items.iter().zip(&keep) {
        if *k {
            mentioned.extend(identifiers(body(it)));
        }
    }
    let words: Vec<(usize, Vec<&str>)> = open.into_iter().map(|i| (i, items.get(i).map(|it| identifiers(body(it)).collect()).unwrap_or_default())).collect();
    loop {
        let mut changed = false;
        for (i, w) in &words {
            if keep.get(*i).copied().unwrap_or(true) {
                continue;
            }
            let b = binds.get(*i).map(Vec::as_slice).unwrap_or(&[]);
            let via_alias = w.iter().any(|x| aliases.contains(x));
            if via_alias || b.iter().any(|n| mentioned.contains(n)) {
                if let Some(k) = keep.get_mut(*i) {
                    *k = true;
                }
                if via_alias {
                    aliases.extend(b.iter().copied());
                }
                mentioned.extend(w.iter().copied());
                changed = true;
            }
        }
        if !changed {
            return keep;
        }
    }
}

/// The identifier-like words of a text.
pub(crate) fn identifiers(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '$'))
        .filter(|w| w.bytes().next().is_some_and(|b| !b.is_ascii_digit()))
}

#[cfg(test)]
mod tests;
