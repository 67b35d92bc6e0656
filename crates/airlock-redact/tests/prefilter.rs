//! `may_redact` never says "nothing" where `redact_json` changes a string under a key: over every
//! fixture, every kind's example and random text, with and without extra patterns.
#![allow(clippy::indexing_slicing, clippy::unwrap_used)]

mod common;

use airlock_redact::{kinds, RedactOptions, Redactor};
use common::{Rng, NEGATIVES, POSITIVES};
use serde_json::json;

fn check(r: &Redactor, text: &str) -> bool {
    let mut any = false;
    let mut item = json!([text]);
    let changed = r.redact_json(&mut item).total > 0;
    if changed {
        assert!(r.may_redact(None, text), "array item {text:?}");
    }
    any |= changed;
    for key in ["content", "DB_PASSWORD", "apiKey", "x"] {
        let mut doc = json!({ key: text });
        let changed = r.redact_json(&mut doc).total > 0;
        // Never "nothing" where something changes.
        if changed {
            assert!(r.may_redact(Some(key), text), "{key}: {text:?}");
        }
        any |= changed;
    }
    any
}

#[test]
fn never_rules_out_what_is_redacted() {
    let plain = Redactor::default();
    let extra = Redactor::new(&RedactOptions {
        disabled: vec!["jwt".into()],
        extra: vec![("internal-id".into(), r"corp-[0-9]{6}".into())],
    })
    .unwrap();
    let mut texts: Vec<String> = POSITIVES.iter().map(|p| p.text.to_string()).collect();
    texts.extend(NEGATIVES.iter().map(|t| t.to_string()));
    texts.extend(kinds::KINDS.iter().map(|k| k.example.to_string()));
    texts.extend(kinds::KINDS.iter().map(|k| format!("see {} here", k.example)));
    texts.extend(["ticket corp-123456".to_string(), "npm test".into(), "git status".into(), String::new()]);
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let alphabet: Vec<char> = "aZ09_-=:/@. \n\"'kKsStTpPeEy".chars().collect();
    for _ in 0..3000 {
        let n = rng.below(60);
        texts.push((0..n).map(|_| alphabet[rng.below(alphabet.len())]).collect());
    }
    for r in [&plain, &extra] {
        let changed = texts.iter().filter(|t| check(r, t)).count();
        assert!(changed >= POSITIVES.len(), "{changed}");
    }
    assert!(!plain.may_redact(Some("content"), "Run the test suite and tell me what fails."));
    assert!(!plain.may_redact(Some("role"), "user"));
    assert!(plain.may_redact(Some("DB_PASSWORD"), "Zx9-kLm2-Qw"));
    assert!(!plain.may_redact(None, "Zx9-kLm2-Qw"));
    assert!(extra.may_redact(None, "ticket corp-123456"));
    assert!(!plain.may_redact(None, "ticket corp-123456"));
}
