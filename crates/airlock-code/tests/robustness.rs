//! Hostile and broken input never panics, never hangs, and every span points
//! inside the input: random bytes and mutated fixtures in every language.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use airlock_code::rules::REGISTRY;
use airlock_code::{analyze, analyze_with_removed, change, notebook, Lang};
use airlock_config::Policy;

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn check(text: &str, lang: Lang, removed: &str, policy: &Policy) {
    for f in analyze_with_removed(text, lang, Some("x"), removed, policy) {
        let s = f.span.expect("code findings carry a span");
        assert!(s.start <= s.end && s.end <= text.len(), "{lang:?}: span {s:?} outside {} bytes: {text:?}", text.len());
        assert!(text.is_char_boundary(s.start) && text.is_char_boundary(s.end), "{lang:?}: span {s:?} splits a character");
    }
    let _ = change::from_patch(text, None);
    let _ = notebook::cells(text);
}

#[test]
fn random_bytes_in_every_language() {
    let policy = Policy::default();
    let mut rng = XorShift(0x5eed);
    for i in 0..600 {
        let n = (rng.next() % 300) as usize;
        let bytes: Vec<u8> = (0..n).map(|_| (rng.next() & 0xff) as u8).collect();
        let text = String::from_utf8_lossy(&bytes);
        check(&text, Lang::ALL[i % Lang::ALL.len()], "", &policy);
    }
}

#[test]
fn mutated_fixtures_in_every_language() {
    let policy = Policy::default();
    let mut rng = XorShift(7);
    let sources: Vec<&str> = REGISTRY.iter().flat_map(|r| r.meta.flags.iter().chain(r.meta.passes).map(|f| f.code)).collect();
    let tokens: &[&str] = &["(", ")", "{", "}", "[", "]", "\"", "'", "`", "${", "\n", "\\", "=", ",", ":", "*** ", "@@", "\u{202e}", "é"];
    for round in 0..1500 {
        let mut s = sources[(rng.next() as usize) % sources.len()].to_string();
        for _ in 0..(1 + rng.next() % 4) {
            let mut at = (rng.next() as usize) % (s.len() + 1);
            while !s.is_char_boundary(at) {
                at -= 1;
            }
            match rng.next() % 3 {
                0 => s.insert_str(at, tokens[(rng.next() as usize) % tokens.len()]),
                1 => s.truncate(at),
                _ => {
                    let mut end = (at + (rng.next() as usize) % 8).min(s.len());
                    while !s.is_char_boundary(end) {
                        end -= 1;
                    }
                    s.replace_range(at..end, "");
                }
            }
        }
        let lang = Lang::ALL[round % Lang::ALL.len()];
        let removed = if round % 5 == 0 { s.as_str() } else { "" };
        check(&s, lang, removed, &policy);
    }
}

#[test]
fn deep_nesting_and_long_lines_finish() {
    let policy = Policy::default();
    let deep = format!("x = {}1{}\n", "[".repeat(5000), "]".repeat(5000));
    let long = format!("s = \"{}\"\n", "a".repeat(1 << 20));
    for lang in [Lang::Python, Lang::JavaScript, Lang::Go, Lang::Java, Lang::Rust, Lang::Yaml] {
        let t = std::time::Instant::now();
        let _ = analyze(&deep, lang, None, &policy);
        let _ = analyze(&long, lang, None, &policy);
        // Generous: this guards against exponential blowups, not speed (benches measure that).
        assert!(t.elapsed().as_secs() < 20, "{lang:?} took {:?}", t.elapsed());
    }
    // Over the size limit: a finding (ask), not a silent pass.
    let huge = "a".repeat(airlock_code::MAX_SOURCE_BYTES + 1);
    let f = analyze(&huge, Lang::Python, None, &policy);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].code, "PAR002");
}
