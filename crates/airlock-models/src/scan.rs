//! One file, or one member of an archive: detect its format, hand it to the reader
//! for that format, collect the findings.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use crate::format::{self, Format, HEAD_LEN, TAIL_LEN};
use crate::{FileReport, Finding, ModelError};

/// Anything a reader can scan: a file, a zip member read into memory, a window.
pub trait Source: Read + Seek {}
impl<T: Read + Seek> Source for T {}

/// Archives inside archives are followed this deep, no deeper (reported).
pub const MAX_DEPTH: u32 = 4;

/// Reads up to `buf.len()` bytes, fewer only at the end of the input.
pub(crate) fn read_up_to(r: &mut dyn Source, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(buf.get_mut(n..).unwrap_or_default()) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Scans `r` (of `size` bytes, positioned anywhere) and returns its format. Content
/// problems become findings in `out`; a read error is a finding too (an input that
/// cannot be read is not clean).
pub fn scan_source(r: &mut dyn Source, size: u64, depth: u32, out: &mut Vec<Finding>) -> Format {
    let (head, tail) = match head_and_tail(r, size) {
        Ok(ht) => ht,
        Err(e) => {
            out.push(Finding::unsafe_("MDL002", format!("read error: {e}")));
            return Format::Unknown;
        }
    };
    let mut fmt = format::detect(&head, size);
    if depth > MAX_DEPTH {
        out.push(Finding::warning("MDL003", format!("{fmt} nested deeper than {MAX_DEPTH} archives: not opened")));
        return fmt;
    }
    let rewind = |r: &mut dyn Source| r.seek(SeekFrom::Start(0)).map(|_| ());
    if let Err(e) = rewind(r) {
        out.push(Finding::unsafe_("MDL002", format!("read error: {e}")));
        return fmt;
    }
    match fmt {
        Format::Pickle => {
            // Text whose first letter is an opcode (`import torch`, `MIT License`) fails as a
            // pickle before importing anything: it is text, not an unchecked pickle.
            let mut found = Vec::new();
            crate::pickle::scan(r, size, &mut found);
            if format::is_text(&head) && found.iter().any(|f| f.code == "PKL001") {
                found.retain(|f| f.code != "PKL001");
                fmt = Format::Text;
            } else if found.iter().any(|f| f.code == "PKL001") {
                fmt = Format::Unknown;
            }
            out.append(&mut found);
        }
        Format::Zip => crate::zip::scan(r, size, depth, out),
        Format::Numpy => crate::numpy::scan(r, size, out),
        Format::Safetensors => crate::safetensors::scan(r, size, out),
        Format::Gguf => crate::gguf::scan(r, size, out),
        Format::Archive => {
            let kind = format::archive_kind(&head).unwrap_or("archive");
            crate::archive::scan(r, size, depth, kind, out);
        }
        Format::Json => {
            if !crate::config::scan(r, size, out) {
                fmt = Format::Text;
            }
        }
        Format::Text | Format::Empty => {}
        Format::Unknown => out.push(Finding::warning("MDL001", "unknown format: not a model file this scanner reads")),
    }
    // A zip's central directory at the end of a file that is something else at its
    // start: zip readers (PyTorch's among them) look at the end, so scan it as a zip too.
    if fmt != Format::Zip && format::has_zip_tail(&tail) {
        if let Err(e) = rewind(r) {
            out.push(Finding::unsafe_("MDL002", format!("read error: {e}")));
            return fmt;
        }
        out.push(Finding::unsafe_(
            "MDL005",
            format!("{fmt} file that also ends with a zip directory (a polyglot: loaders disagree on what it is)"),
        ));
        crate::zip::scan(r, size, depth, out);
    }
    fmt
}

fn head_and_tail(r: &mut dyn Source, size: u64) -> std::io::Result<(Vec<u8>, Vec<u8>)> {
    r.seek(SeekFrom::Start(0))?;
    let mut head = vec![0u8; HEAD_LEN];
    let n = read_up_to(r, &mut head)?;
    head.truncate(n);
    let tail_len = u64::try_from(TAIL_LEN).unwrap_or(u64::MAX).min(size);
    r.seek(SeekFrom::Start(size - tail_len))?;
    let mut tail = vec![0u8; usize::try_from(tail_len).unwrap_or(0)];
    let n = read_up_to(r, &mut tail)?;
    tail.truncate(n);
    Ok((head, tail))
}

/// Scans one file on disk.
pub fn scan_file(path: &Path) -> Result<FileReport, ModelError> {
    let io = |source| ModelError::Io { path: path.to_path_buf(), source };
    let file = File::open(path).map_err(io)?;
    let size = file.metadata().map_err(io)?.len();
    let mut r = BufReader::with_capacity(1 << 16, file);
    let mut findings = Vec::new();
    let format = scan_source(&mut r, size, 0, &mut findings);
    Ok(FileReport { path: path.display().to_string(), format, size, findings })
}

/// Scans bytes in memory (tests, fuzzing, `--stdin`).
pub fn scan_bytes(name: &str, data: &[u8]) -> FileReport {
    let mut r = std::io::Cursor::new(data);
    let mut findings = Vec::new();
    let size = u64::try_from(data.len()).unwrap_or(u64::MAX);
    let format = scan_source(&mut r, size, 0, &mut findings);
    FileReport { path: name.to_string(), format, size, findings }
}
