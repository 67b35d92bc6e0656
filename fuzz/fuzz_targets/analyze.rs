//! Any bytes in, a verdict out, no panic: the command analysis over arbitrary input.
//! Run: `cargo fuzz run analyze` (from the repository root).
#![no_main]

use airlock_config::Policy;
use airlock_shell::{analyze, Context};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let policy = Policy::default();
    let ctx = Context { policy: &policy, cwd: None, home: None };
    let findings = analyze(&text, &ctx);
    // Whatever was found points inside the input.
    for f in findings {
        if let Some(span) = f.span {
            assert!(span.start <= span.end && span.end <= text.len() + 1, "span {span:?} outside input of {} bytes", text.len());
        }
    }
});
