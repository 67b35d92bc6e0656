//! Any bytes behind a zip signature: no panic, bounded time and memory (the
//! directory and inflate caps). A zip whose directory cannot be read is never
//! clean.
//! Run: `cargo fuzz run zip` (from the repository root).
#![no_main]

use airlock_models::Severity;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut bytes = b"PK\x03\x04".to_vec();
    bytes.extend_from_slice(data);
    let report = airlock_models::scan_bytes("fuzz.zip", &bytes);
    if !bytes.windows(4).any(|w| w == b"PK\x05\x06") {
        assert_eq!(report.verdict(), Some(Severity::Unsafe), "{:?}", report.findings);
    }
});
