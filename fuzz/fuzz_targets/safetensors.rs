//! Any bytes in: the strict safetensors reader never panics, reads no more than
//! the input, and reports something for anything that is not a well-formed file.
//! Run: `cargo fuzz run safetensors` (from the repository root).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The reader itself, on the input as a file (header length first)...
    let mut out = Vec::new();
    let size = data.len() as u64;
    airlock_models::safetensors::scan(&mut std::io::Cursor::new(data), size, &mut out);
    if size < 10 {
        assert!(!out.is_empty(), "a file too short for a header is never clean");
    }
    // ...the header checks on the input as a header, with a data section as long
    // as its first byte says...
    let mut out = Vec::new();
    let data_len = data.first().map_or(0, |&b| u64::from(b));
    airlock_models::safetensors::check_header(data, data_len, &mut out);
    // ...and the whole scan, with format detection.
    let _ = airlock_models::scan_bytes("fuzz", data);
});
