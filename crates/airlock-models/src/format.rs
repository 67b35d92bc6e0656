//! What a file is, by its bytes. The extension is never consulted: a pickle named
//! `.safetensors` is a pickle.

use serde::Serialize;

/// Bytes [`detect`] wants from the start of a file.
pub const HEAD_LEN: usize = 512;
/// Bytes [`detect`] wants from the end of a file: a zip's end-of-central-directory
/// record (22 bytes) plus the largest comment (65,535).
pub const TAIL_LEN: usize = 22 + 65_535;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// A pickle stream (protocol 0-5), possibly several in a row, possibly a legacy
    /// (pre-zip) PyTorch file.
    Pickle,
    /// A zip archive: PyTorch's current format, numpy `.npz`, or anything else.
    Zip,
    /// A numpy `.npy` array.
    Numpy,
    Safetensors,
    Gguf,
    /// A 7z, tar or compressed (gzip, bzip2, xz, zstd) wrapper: not opened, reported.
    Archive,
    /// JSON (a config, a tokenizer, an index of shards): checked for declared custom code
    /// and chat templates.
    Json,
    /// UTF-8 text that is none of the above (a README, a license, a vocabulary).
    Text,
    /// An empty file.
    Empty,
    /// Nothing this reader knows: reported, never passed as clean.
    Unknown,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Pickle => "pickle",
            Format::Zip => "zip",
            Format::Numpy => "numpy",
            Format::Safetensors => "safetensors",
            Format::Gguf => "gguf",
            Format::Archive => "archive",
            Format::Json => "json",
            Format::Text => "text",
            Format::Empty => "empty",
            Format::Unknown => "unknown",
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Wrappers this reader recognises but does not open.
pub fn archive_kind(head: &[u8]) -> Option<&'static str> {
    const MAGICS: &[(&[u8], &str)] = &[
        (b"7z\xbc\xaf\x27\x1c", "7z"),
        (b"\x1f\x8b", "gzip"),
        (b"BZh", "bzip2"),
        (b"\xfd7zXZ\x00", "xz"),
        (b"\x28\xb5\x2f\xfd", "zstd"),
        (b"Rar!\x1a\x07", "rar"),
    ];
    if let Some((_, k)) = MAGICS.iter().find(|(m, _)| head.starts_with(m)) {
        return Some(k);
    }
    (head.get(257..262) == Some(b"ustar")).then_some("tar")
}

/// Whether the end of a file holds a zip end-of-central-directory record. A file
/// can be a pickle at its start and a zip at its end (zip readers, PyTorch's
/// among them, look at the end): the caller checks both.
pub fn has_zip_tail(tail: &[u8]) -> bool {
    memchr::memmem::rfind(tail, b"PK\x05\x06").is_some()
}

/// Safetensors: an 8-byte little-endian header length that fits the file, then a
/// JSON object (leading whitespace still counts as safetensors here, so the strict
/// parser can report it).
fn looks_safetensors(head: &[u8], size: u64) -> bool {
    let Some(len) = head.get(..8).and_then(|b| <[u8; 8]>::try_from(b).ok()) else {
        return false;
    };
    let n = u64::from_le_bytes(len);
    if n < 2 || n > size.saturating_sub(8) {
        return false;
    }
    head.get(8..)
        .and_then(|rest| rest.iter().find(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n')))
        .is_some_and(|&b| b == b'{')
}

/// The format of a file from its first [`HEAD_LEN`] bytes (fewer if the file is
/// shorter) and its size. Pickle is the fallback for any first byte that is a
/// pickle opcode; the pickle reader reports a stream that fails at its first
/// opcode as not a pickle.
pub fn detect(head: &[u8], size: u64) -> Format {
    if size == 0 || head.is_empty() {
        return Format::Empty;
    }
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        return Format::Zip;
    }
    if head.starts_with(b"\x93NUMPY") {
        return Format::Numpy;
    }
    if head.starts_with(b"GGUF") {
        return Format::Gguf;
    }
    if archive_kind(head).is_some() {
        return Format::Archive;
    }
    if looks_safetensors(head, size) {
        return Format::Safetensors;
    }
    let body = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{' | b'[') => return Format::Json,
        Some(&b) if crate::pickle::is_opcode(b) => return Format::Pickle,
        _ => {}
    }
    if is_text(head) {
        Format::Text
    } else {
        Format::Unknown
    }
}

/// UTF-8 without NUL or other C0 controls but tab, newline, carriage return and form
/// feed; a character cut at the end of the sample is allowed.
pub fn is_text(sample: &[u8]) -> bool {
    let valid = match std::str::from_utf8(sample) {
        Ok(s) => s,
        Err(e) if e.error_len().is_none() => match sample.get(..e.valid_up_to()).map(std::str::from_utf8) {
            Some(Ok(s)) => s,
            _ => return false,
        },
        Err(_) => return false,
    };
    valid.chars().all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r' | '\x0c'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_content() {
        assert_eq!(detect(b"PK\x03\x04rest", 10), Format::Zip);
        assert_eq!(detect(b"\x93NUMPY\x01\x00", 10), Format::Numpy);
        assert_eq!(detect(b"GGUF\x03\x00\x00\x00", 10), Format::Gguf);
        assert_eq!(detect(b"\x80\x04\x95", 10), Format::Pickle);
        assert_eq!(detect(b"7z\xbc\xaf\x27\x1c", 10), Format::Archive);
        assert_eq!(detect(b"", 0), Format::Empty);
        let mut st = 2u64.to_le_bytes().to_vec();
        st.extend_from_slice(b"{}");
        assert_eq!(detect(&st, 10), Format::Safetensors);
        // A header length past the end is not safetensors.
        assert_ne!(detect(&st, 9), Format::Safetensors);
        assert_eq!(detect(b"\x7fELF\x02\x01\x01\x00", 8), Format::Unknown);
        assert_eq!(detect(b"  {\"architectures\": []}", 20), Format::Json);
        assert_eq!(detect(b"# A model card\n", 15), Format::Text);
        assert_eq!(detect("# caf\u{e9}".as_bytes().get(..6).unwrap_or_default(), 6), Format::Text);
    }
}
