//! Any bytes, read as a pickle stream by the pickle machine: no panic, bounded
//! time and memory (the machine's caps), and a clean verdict only for a stream
//! that reached a `STOP`.
//! Run: `cargo fuzz run pickle` (from the repository root).
#![no_main]

use airlock_models::Severity;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut findings = Vec::new();
    let mut r = std::io::Cursor::new(data);
    airlock_models::pickle::scan_stream(&mut r, data.len() as u64, &mut findings);
    let clean = findings.iter().all(|f| f.severity == Severity::Info);
    if clean && !data.is_empty() {
        assert!(data.contains(&b'.'), "clean without a STOP");
    }
    // The whole dispatch too (formats by content).
    let _ = airlock_models::scan_bytes("fuzz", data);
});
