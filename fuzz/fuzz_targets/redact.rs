//! Any bytes in, no panic, and redaction is idempotent: ranges inside the input on
//! character boundaries, a second pass finds nothing, JSON stays JSON.
//! Run: `cargo fuzz run redact` (from the repository root).
#![no_main]

use airlock_redact::Redactor;
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static REDACTOR: LazyLock<Redactor> = LazyLock::new(Redactor::default);

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let r = &*REDACTOR;
    let (once, found) = r.redact_str(&text);
    let mut at = 0;
    for f in &found {
        assert!(f.start >= at && f.start < f.end && f.end <= text.len(), "{f:?} of {} bytes", text.len());
        assert!(text.is_char_boundary(f.start) && text.is_char_boundary(f.end), "{f:?} splits a character");
        at = f.end;
    }
    let (twice, again) = r.redact_str(&once);
    assert!(again.is_empty(), "second pass found {again:?}");
    assert_eq!(once, twice);
    let _ = r.classify_value(&text);
    if let Ok(mut doc) = serde_json::from_str::<serde_json::Value>(&text) {
        r.redact_json(&mut doc);
        let out = doc.to_string();
        let mut back: serde_json::Value = serde_json::from_str(&out).expect("redacted JSON parses");
        assert_eq!(r.redact_json(&mut back).total, 0, "second JSON pass found more");
    }
});
