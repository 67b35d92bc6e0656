//! Every kind has texts it must redact (exactly the secret, nothing else) and texts
//! nothing may touch; redaction is idempotent, deterministic and its ranges valid.

mod common;

use airlock_redact::{kinds, Redaction, Redactor};
use common::{Rng, NEGATIVES, POSITIVES};
use std::borrow::Cow;

/// Ranges sorted, disjoint, inside the text, on character boundaries; the output is
/// the text with exactly those ranges replaced.
fn check_ranges(text: &str, out: &str, found: &[Redaction]) {
    let mut at = 0;
    let mut expect = String::new();
    for r in found {
        assert!(r.start >= at && r.start < r.end && r.end <= text.len(), "{r:?} in {text:?}");
        assert!(text.is_char_boundary(r.start) && text.is_char_boundary(r.end), "{r:?} splits a character");
        expect.push_str(text.get(at..r.start).unwrap_or_default());
        expect.push_str(&format!("[REDACTED:{}]", r.kind));
        at = r.end;
    }
    expect.push_str(text.get(at..).unwrap_or_default());
    assert_eq!(out, expect, "output of {text:?}");
}

/// Redacting twice changes nothing the second time.
fn check_idempotent(r: &Redactor, text: &str) -> String {
    let (once, found) = r.redact_str(text);
    check_ranges(text, &once, &found);
    let (twice, again) = r.redact_str(&once);
    assert!(again.is_empty(), "second pass of {text:?} found {again:?} in {once:?}");
    assert!(matches!(twice, Cow::Borrowed(_)));
    let (same, _) = r.redact_str(text);
    assert_eq!(same, once, "deterministic");
    once.into_owned()
}

#[test]
fn every_kind_has_positive_fixtures() {
    for k in kinds::KINDS {
        assert!(POSITIVES.iter().any(|p| p.kind == k.name), "no positive fixture for {}", k.name);
        assert!(!k.matches.is_empty() && !k.example.is_empty(), "{} is documented", k.name);
    }
}

#[test]
fn positives_redact_exactly_the_secret() {
    let r = Redactor::default();
    for p in POSITIVES {
        let (out, found) = r.redact_str(p.text);
        let hit: Vec<_> = found.iter().map(|f| (f.kind.as_str(), p.text.get(f.start..f.end).unwrap_or_default())).collect();
        assert_eq!(hit, vec![(p.kind, p.secret)], "in {:?}", p.text);
        assert!(!out.contains(p.secret), "{out}");
        check_ranges(p.text, &out, &found);
    }
}

#[test]
fn negatives_stay_borrowed() {
    let r = Redactor::default();
    for n in NEGATIVES {
        let (out, found) = r.redact_str(n);
        assert!(found.is_empty(), "redacted {:?} in {n:?}", found.iter().map(|f| n.get(f.start..f.end)).collect::<Vec<_>>());
        assert!(matches!(out, Cow::Borrowed(_)), "{n:?}");
    }
}

#[test]
fn secrets_inside_negatives_are_still_found() {
    // Positives embedded in negative context: exactly the positives are redacted.
    let r = Redactor::default();
    for (i, p) in POSITIVES.iter().enumerate() {
        let n = NEGATIVES.get(i % NEGATIVES.len()).copied().unwrap_or_default();
        let text = format!("{n}\n{}\n{n}", p.text);
        let (out, found) = r.redact_str(&text);
        assert!(found.iter().any(|f| f.kind == p.kind), "{} lost in {text:?}", p.kind);
        assert!(!out.contains(p.secret));
    }
}

#[test]
fn disabling_a_kind_keeps_its_fixtures() {
    for k in kinds::KINDS {
        let opts = airlock_redact::RedactOptions { disabled: vec![k.name.to_string()], ..Default::default() };
        let r = Redactor::new(&opts).unwrap_or_default();
        for p in POSITIVES.iter().filter(|p| p.kind == k.name) {
            let (_, found) = r.redact_str(p.text);
            assert!(found.iter().all(|f| f.kind != k.name), "{} still found when disabled", k.name);
        }
    }
}

#[test]
fn classify_value_knows_token_shapes() {
    let r = Redactor::default();
    for p in POSITIVES.iter().filter(|p| kinds::kind(p.kind).is_some_and(|k| k.family != kinds::Family::Assignment)) {
        // The part redacted of these is not recognisable without what stands before it.
        let needs_context = ["url-password", "slack-webhook", "azure-storage-key"].contains(&p.kind);
        assert!(needs_context || r.classify_value(p.secret) == Some(p.kind), "{}: {:?}", p.kind, r.classify_value(p.secret));
    }
    assert_eq!(r.classify_value("AKIA2E0A8F3B244C9986"), Some("aws-access-key-id"));
    assert_eq!(r.classify_value("/usr/local/bin"), None);
    assert_eq!(r.classify_value("hunter2"), None);
}

/// Pieces spliced between fixtures and into them: the characters detectors key on.
const GLUE: &[&str] = &[
    "", " ", "\n", "\\n", "\"", "'", "\\\"", "\\", "=", ": ", ";", "&", "@", "://", "[", "]", "[REDACTED:x]", "é",
    "日本", "-----", "key=", "TOKEN=", "password: ", "export ", "\t", ",", "}", "{\"k\": \"",
];

#[test]
fn idempotent_over_fixtures_and_their_mixtures() {
    let r = Redactor::default();
    let all: Vec<&str> = POSITIVES.iter().map(|p| p.text).chain(NEGATIVES.iter().copied()).collect();
    for t in &all {
        check_idempotent(&r, t);
    }
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..3000 {
        let mut text = String::new();
        for _ in 0..1 + rng.below(3) {
            text.push_str(GLUE.get(rng.below(GLUE.len())).copied().unwrap_or_default());
            let piece = all.get(rng.below(all.len())).copied().unwrap_or_default();
            // Sometimes only part of a fixture, cut on a character boundary.
            let mut cut = if rng.below(3) == 0 { rng.below(piece.len() + 1) } else { piece.len() };
            while !piece.is_char_boundary(cut) {
                cut -= 1;
            }
            text.push_str(piece.get(..cut).unwrap_or_default());
        }
        // And a few bytes glued into the middle.
        if rng.below(2) == 0 && !text.is_empty() {
            let mut at = rng.below(text.len());
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            text.insert_str(at, GLUE.get(rng.below(GLUE.len())).copied().unwrap_or_default());
        }
        check_idempotent(&r, &text);
    }
}

#[test]
fn output_is_valid_json_when_input_is() {
    // Redacting the raw text of a JSON document keeps it parseable.
    let r = Redactor::default();
    for p in POSITIVES {
        let doc = serde_json::json!({ "content": p.text, "nested": [{ "text": p.text }] }).to_string();
        let (out, _) = r.redact_str(&doc);
        assert!(serde_json::from_str::<serde_json::Value>(&out).is_ok(), "{out}");
        assert!(!out.contains(p.secret) || p.secret.contains('\\') || p.secret.contains('\n'), "{out}");
    }
}

#[test]
fn positives_inside_json_encoded_text() {
    // A tool result holding a JSON document: the secret sits after `\n` escapes,
    // its quotes are `\"`. Still found, once, and nothing of it is left.
    let r = Redactor::default();
    for p in POSITIVES {
        let encoded = serde_json::to_string(p.text).unwrap_or_default();
        let secret = serde_json::to_string(p.secret).unwrap_or_default();
        let secret = secret.trim_matches('"');
        let (out, found) = r.redact_str(&encoded);
        assert_eq!(found.iter().map(|f| f.kind.as_str()).collect::<Vec<_>>(), vec![p.kind], "{encoded}");
        assert!(!out.contains(secret), "{out}");
    }
}
