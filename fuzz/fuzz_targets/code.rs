//! Any bytes as any language, no panic: the code analysis, the patch parser and
//! the notebook reader over arbitrary input. The first byte picks the language.
//! Run: `cargo fuzz run code` (from the repository root).
#![no_main]

use airlock_code::{analyze_with_removed, change, notebook, Lang};
use airlock_config::Policy;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let lang = Lang::ALL[usize::from(pick) % Lang::ALL.len()];
    let text = String::from_utf8_lossy(rest);
    // The last quarter doubles as the text a change removed, for the diff rules.
    let mut cut = text.len() * 3 / 4;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let removed = &text[cut..];
    let policy = Policy::default();
    for f in analyze_with_removed(&text, lang, Some("fuzz"), removed, &policy) {
        if let Some(s) = f.span {
            assert!(s.start <= s.end && s.end <= text.len(), "span {s:?} outside {} bytes", text.len());
        }
    }
    let _ = change::from_patch(&text, None);
    let _ = notebook::cells(&text);
});
