//! Zip archives (PyTorch's current format, numpy `.npz`, anything else), read
//! from both ends: the central directory and every local header, so that any
//! disagreement between them is seen (a loader reading one and a scanner the
//! other is how zip tricks hide a payload).
//!
//! Unsafe: an unreadable directory (`ZIP001`), a local name that differs from the
//! directory's (`ZIP002`), a duplicate name (`ZIP003`), overlapping entries
//! (`ZIP004`), a bad CRC (`ZIP005`), flags, method, CRC or sizes that disagree
//! between the local header, the data descriptor, the directory and the data
//! (`ZIP006`), bytes no entry accounts for: before the first entry, between
//! entries, before the directory or after the end record (`ZIP007`: legitimate
//! writers, PyTorch's and Python's zipfile, leave none; PyTorch pads inside the
//! local header's extra field). Not checked, so a warning: encryption (`ZIP008`),
//! an unknown compression method (`ZIP009`), a member over the decompression cap
//! (`ZIP010`).
//!
//! Encryption and "patched data" flags are ignored the way a loader that ignores
//! them would: the bytes are read as stored or deflated content and scanned, so a
//! plain pickle behind an encryption flag is still found. Only when those bytes
//! do not decode (or fail their CRC) is the member reported as encrypted, not checked.
//!
//! Members are scanned by content ([`crate::scan::scan_source`], one level
//! deeper), streamed from the file (stored) or through a restartable inflater
//! (deflated), never read whole. The raw tensor storages of a PyTorch archive
//! (`<prefix>/data/<key>`) are skipped only once the layout is established:
//! `<prefix>/data.pkl` is a pickle whose persistent ids name that key, with a
//! byte size equal to the member's. The small metadata members PyTorch writes
//! next to it (`version`, `byteorder`, ...) are still scanned, but when they
//! hold a short line of letters and digits only an unsafe finding counts (their
//! "unknown format" warning does not).

mod dir;
mod source;

use std::collections::HashMap;

use crate::format::{self, Format};
use crate::scan::{read_up_to, Source};
use crate::Finding;
use dir::Entry;
pub use source::{drain, Inflate, Window};

/// Largest decompressed member scanned.
pub const INFLATE_CAP: u64 = 4 << 30;
/// Bytes inflated per archive, all members together (a bomb of many members
/// stops here).
pub const INFLATE_TOTAL_CAP: u64 = 16 << 30;

pub fn scan(r: &mut dyn Source, size: u64, depth: u32, out: &mut Vec<Finding>) {
    let d = match dir::read(r, size) {
        Ok(d) => d,
        Err(why) => {
            out.push(Finding::unsafe_("ZIP001", format!("zip not readable: {why}")));
            return;
        }
    };
    let mut problems = d.problems.clone();
    dir::layout(&d, &mut problems);
    for (code, msg) in problems {
        out.push(Finding::unsafe_(code, msg));
    }
    // PyTorch: the storages each `<prefix>/data.pkl` refers to, by prefix.
    let mut torch: HashMap<String, HashMap<String, u64>> = HashMap::new();
    let is_pkl = |e: &Entry| e.name == b"data.pkl" || e.name.ends_with(b"/data.pkl");
    let (first, rest): (Vec<&Entry>, Vec<&Entry>) = d.entries.iter().partition(|e| is_pkl(e));
    let mut skipped = 0u64;
    let mut budget = INFLATE_TOTAL_CAP;
    for e in first.into_iter().chain(rest) {
        let name = e.display_name();
        if e.name.ends_with(b"/") && e.usize == 0 {
            continue;
        }
        let Some(readable) = check(r, e, &mut budget, out) else { continue };
        if is_pkl(e) {
            let prefix = name.strip_suffix("data.pkl").unwrap_or_default().to_string();
            let keys = storages(r, e);
            torch.insert(prefix, keys);
        } else {
            match torch_data(&torch, e, &name, || member_head(r, e)) {
                Some("storage") => {
                    skipped += 1;
                    continue;
                }
                Some(_) if readable => {
                    // Metadata text: still scanned, only "not checked" dropped.
                    let mut found = Vec::new();
                    scan_member(r, e, &name, depth, &mut found);
                    out.extend(found.into_iter().filter(|f| f.severity == crate::Severity::Unsafe));
                    continue;
                }
                _ => {}
            }
        }
        if readable {
            scan_member(r, e, &name, depth, out);
        }
    }
    if skipped > 0 {
        out.push(Finding::info("ZIP020", format!("{skipped} PyTorch storage members skipped (raw tensor data)")));
    }
}

/// Whether `e` is raw data of an established PyTorch archive: a storage its
/// `data.pkl` names with this size, or a short metadata line.
fn torch_data(
    torch: &HashMap<String, HashMap<String, u64>>,
    e: &Entry,
    name: &str,
    head: impl FnOnce() -> Option<Vec<u8>>,
) -> Option<&'static str> {
    let (prefix, keys) = torch.iter().find(|(p, _)| name.starts_with(p.as_str()))?;
    let rel = name.get(prefix.len()..)?;
    if let Some(key) = rel.strip_prefix("data/") {
        return (keys.get(key) == Some(&e.usize) && e.method == 0 && e.flags & 0x61 == 0).then_some("storage");
    }
    let meta = [
        "version",
        "byteorder",
        ".data/version",
        ".data/serialization_id",
        ".format_version",
        ".storage_alignment",
    ];
    if !meta.contains(&rel) || e.usize > 64 {
        return None;
    }
    let h = head()?;
    h.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'\n').then_some("metadata")
}

fn member_head(r: &mut dyn Source, e: &Entry) -> Option<Vec<u8>> {
    let mut buf = vec![0u8; 64];
    let n = with_member(r, e, |src, _| read_up_to(src, &mut buf).ok())??;
    buf.truncate(n);
    Some(buf)
}

/// Opens the member's content (stored or deflated) as a [`Source`].
fn with_member<T>(r: &mut dyn Source, e: &Entry, f: impl FnOnce(&mut dyn Source, u64) -> T) -> Option<T> {
    let raw = Window::new(r, e.data_start, e.csize);
    match e.method {
        0 => {
            let mut w = std::io::BufReader::with_capacity(1 << 16, raw);
            Some(f(&mut w, e.csize))
        }
        8 => {
            let mut s = Inflate::new(raw, e.usize);
            Some(f(&mut s, e.usize))
        }
        _ => None,
    }
}

/// Checks the member's data against its CRC and declared size. `Some(true)`:
/// scan it; `Some(false)`: it cannot be read as plain content (reported);
/// `None`: nothing more to do.
fn check(r: &mut dyn Source, e: &Entry, budget: &mut u64, out: &mut Vec<Finding>) -> Option<bool> {
    let name = e.display_name();
    let encrypted = e.flags & 0x41 != 0;
    let flagged = if encrypted { " (flagged encrypted)" } else { "" };
    if e.method != 0 && e.method != 8 {
        out.push(Finding::warning("ZIP009", format!("compression method {} not supported: not checked", e.method)).at(name));
        return None;
    }
    if e.method == 8 && (e.usize > INFLATE_CAP || e.usize > *budget) {
        out.push(
            Finding::warning(
                "ZIP010",
                format!("{} bytes to inflate is over the cap ({INFLATE_CAP} a member, {INFLATE_TOTAL_CAP} an archive): not checked", e.usize),
            )
            .at(name),
        );
        return None;
    }
    if e.method == 8 {
        // Each member is inflated twice at most (CRC pass, scan), both bounded by its declared size.
        *budget -= e.usize;
    }
    // Inflate without the declared-size limit, so a stream longer than declared shows.
    let mut crc = crc32fast::Hasher::new();
    let counted = if e.method == 0 {
        let mut w = Window::new(r, e.data_start, e.csize);
        drain(&mut w, u64::MAX, |c| crc.update(c))
    } else {
        let w = std::io::BufReader::with_capacity(1 << 16, Window::new(r, e.data_start, e.csize));
        let mut dec = flate2::bufread::DeflateDecoder::new(w);
        drain(&mut dec, e.usize, |c| crc.update(c))
    };
    let n = match counted {
        Ok(Some(n)) => n,
        Ok(None) => {
            out.push(Finding::unsafe_("ZIP006", format!("inflates to more than the {} bytes declared{flagged}", e.usize)).at(name));
            return Some(false);
        }
        Err(err) if encrypted => {
            out.push(Finding::warning("ZIP008", format!("encrypted: not checked ({err})")).at(name));
            return Some(false);
        }
        Err(err) => {
            out.push(Finding::unsafe_("ZIP006", format!("data does not decode: {err}")).at(name));
            return Some(false);
        }
    };
    if n != e.usize {
        let f = format!("{n} bytes of content, {} declared{flagged}", e.usize);
        out.push(if encrypted { Finding::warning("ZIP008", f) } else { Finding::unsafe_("ZIP006", f) }.at(name));
        return Some(false);
    }
    if crc.finalize() != e.crc {
        if encrypted {
            // Real encryption: the plain reading is noise, but a loader that ignores
            // the flag reads exactly that, so it is scanned all the same.
            out.push(Finding::warning("ZIP008", "encrypted: not checked").at(name.clone()));
        } else {
            out.push(Finding::unsafe_("ZIP005", format!("CRC mismatch (directory says {:08x})", e.crc)).at(name.clone()));
        }
    }
    Some(true)
}

/// The storages a `data.pkl` refers to (a quiet pickle pass; its findings come
/// from the member scan).
fn storages(r: &mut dyn Source, e: &Entry) -> HashMap<String, u64> {
    with_member(r, e, |src, size| {
        let mut head = vec![0u8; format::HEAD_LEN];
        let n = read_up_to(src, &mut head).unwrap_or(0);
        head.truncate(n);
        if format::detect(&head, size) != Format::Pickle || src.seek(std::io::SeekFrom::Start(0)).is_err() {
            return HashMap::new();
        }
        crate::pickle::scan_stream(src, size, &mut Vec::new()).storages().map(|s| (s.key, s.bytes)).collect()
    })
    .unwrap_or_default()
}

fn scan_member(r: &mut dyn Source, e: &Entry, name: &str, depth: u32, out: &mut Vec<Finding>) {
    let mut found = Vec::new();
    with_member(r, e, |src, size| crate::scan::scan_source(src, size, depth + 1, &mut found));
    out.extend(found.into_iter().map(|f| relocate(f, name)));
}

/// A member's finding, located inside the archive.
pub fn relocate(mut f: Finding, member: &str) -> Finding {
    f.location = Some(match f.location.take() {
        Some(l) if l.starts_with('@') => format!("{member}{l}"),
        Some(l) => format!("{member}/{l}"),
        None => member.to_string(),
    });
    f
}
