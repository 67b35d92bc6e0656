//! Safetensors, read strictly.
//!
//! A safetensors file is an 8-byte little-endian header length `N`, `N` bytes of
//! JSON (padded with trailing spaces), then the data section the JSON describes.
//! Only the length and the header are read: a 56 GB model is judged from its
//! header and its file size, never from its tensor bytes.
//!
//! The reference implementation accepts several headers that different readers
//! understand differently (duplicate keys, of which serde_json and Python keep the
//! last; whitespace before `{`; zero-size tensors placed inside other tensors;
//! control characters in names). Here every one of them is a finding, and every
//! finding is [`crate::Severity::Unsafe`]: a header two loaders read differently can
//! hand an engine different weights than the ones that were reviewed or signed.
//!
//! | code | what |
//! | --- | --- |
//! | SFT001 | file shorter than its header length says, or unreadable header |
//! | SFT002 | header length above [`MAX_HEADER_LEN`] |
//! | SFT003 | header not valid JSON / UTF-8, or nested too deep |
//! | SFT004 | whitespace before the opening `{` |
//! | SFT005 | bytes after the JSON value that are not space padding |
//! | SFT006 | duplicate key, at any level |
//! | SFT007 | header or tensor entry not a JSON object |
//! | SFT008 | tensor entry with a missing or unknown field |
//! | SFT009 | unknown dtype |
//! | SFT010 | shape not a list of non-negative integers, or its size overflows |
//! | SFT011 | shape × dtype size differs from the byte range |
//! | SFT012 | `data_offsets` not two non-negative integers with begin ≤ end |
//! | SFT013 | tensor range past the end of the data section |
//! | SFT014 | two tensors overlap |
//! | SFT015 | zero-size tensor placed inside another tensor's range |
//! | SFT016 | gap in the data section not covered by any tensor |
//! | SFT017 | data after the last tensor |
//! | SFT018 | `__metadata__` not a map of strings to strings |
//! | SFT019 | tensor name empty, or holding control or invisible characters |

mod dtype;
mod header;
pub mod json;
mod layout;


use crate::scan::{read_up_to, Source};
use crate::util::Capped;
use crate::Finding;

pub use dtype::Dtype;

/// The largest header read, in bytes: 100,000,000 (100 MB), the same bound the
/// reference implementation uses, so no file it loads is refused for its size. A
/// header describes about 100 bytes per tensor: the largest real models (tens of
/// thousands of tensors per file) stay below 10 MB.
pub const MAX_HEADER_LEN: u64 = 100_000_000;

/// Checks a safetensors file of `size` bytes read from `r` (positioned at its start).
pub fn scan(r: &mut dyn Source, size: u64, out: &mut Vec<Finding>) {
    let mut sink = Capped::new(out);
    check(r, size, &mut sink);
    sink.finish();
}

fn check(r: &mut dyn Source, size: u64, out: &mut Capped<'_>) {
    let mut len = [0u8; 8];
    match r.read_exact(&mut len) {
        Ok(()) => {}
        Err(_) if size < 8 => {
            out.push(Finding::unsafe_("SFT001", format!("file of {size} bytes is shorter than the 8-byte header length")));
            return;
        }
        Err(e) => {
            out.push(Finding::unsafe_("SFT001", format!("cannot read the header length: {e}")));
            return;
        }
    }
    let n = u64::from_le_bytes(len);
    if n > MAX_HEADER_LEN {
        out.push(Finding::unsafe_(
            "SFT002",
            format!("header length {n} is above the {MAX_HEADER_LEN}-byte limit"),
        ));
        return;
    }
    let room = size.saturating_sub(8);
    if n > room {
        out.push(Finding::unsafe_(
            "SFT001",
            format!("header length {n} runs past the end of the file ({room} bytes after the length)"),
        ));
        return;
    }
    let mut h = vec![0u8; usize::try_from(n).unwrap_or(0)];
    match read_up_to(r, &mut h) {
        Ok(k) if k == h.len() => {}
        Ok(k) => {
            out.push(Finding::unsafe_("SFT001", format!("header truncated: {k} of {n} bytes readable")));
            return;
        }
        Err(e) => {
            out.push(Finding::unsafe_("SFT001", format!("cannot read the header: {e}")));
            return;
        }
    }
    header::check(&h, room - n, out);
}

/// Checks a header already in memory (the `N` bytes after the length) against a
/// data section of `data_len` bytes. For tests, benches and fuzzing.
pub fn check_header(h: &[u8], data_len: u64, out: &mut Vec<Finding>) {
    let mut sink = Capped::new(out);
    header::check(h, data_len, &mut sink);
    sink.finish();
}
