//! Any bytes in: the GGUF reader and the chat template checks never panic and stay
//! bounded (every length is checked against the input before allocating).
//! Run: `cargo fuzz run gguf` (from the repository root).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The reader on the input behind a GGUF v3 magic, so the fuzzer starts inside
    // the counts and metadata rather than spending its time finding the magic.
    let mut file = b"GGUF\x03\x00\x00\x00".to_vec();
    file.extend_from_slice(data);
    let mut out = Vec::new();
    let size = file.len() as u64;
    airlock_models::gguf::scan(&mut std::io::Cursor::new(&file), size, &mut out);
    // The input as is, with format detection.
    let _ = airlock_models::scan_bytes("fuzz", data);
    // The input as a chat template.
    if let Ok(text) = std::str::from_utf8(data) {
        let mut out = Vec::new();
        airlock_models::check_chat_template("fuzz", text, &mut out);
    }
});
