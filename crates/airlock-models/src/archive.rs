//! Archive and compression wrappers: tar, 7z, gzip and bzip2 are opened and
//! their members scanned by content, one level deeper; others (xz, zstd, rar)
//! are reported as not checked (`MDL004`, a warning).
//!
//! Memory stays bounded: tar members are windows on the file; 7z members and
//! gzip or bzip2 content are decompressed into an anonymous temporary file, at most
//! [`SPOOL_CAP`] bytes per archive (a decompression bomb stops there, reported
//! as not checked: `ARC002`, a warning). A stream that does not decode is
//! `ARC001` (unsafe: what came before it was read by whoever reads it), an
//! archive this reader cannot open (encrypted 7z, an unsupported method) is
//! `ARC003` (a warning).

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom, Write};

use crate::scan::{scan_source, Source};
use crate::zip::{relocate, Window};
use crate::Finding;

/// Decompressed bytes written per archive, all members together.
pub const SPOOL_CAP: u64 = 8 << 30;
/// Memory a 7z decoder may ask for (dictionaries, models), in KiB.
const SEVENZ_MEM_KB: usize = 512 << 10;

pub fn scan(r: &mut dyn Source, size: u64, depth: u32, kind: &str, out: &mut Vec<Finding>) {
    match kind {
        "tar" => scan_tar(r, depth, out),
        "gzip" => {
            let mut dec = flate2::read::MultiGzDecoder::new(BufReader::with_capacity(1 << 16, r));
            scan_stream("gzip", &mut dec, depth, out);
        }
        "bzip2" => {
            let mut dec = bzip2::read::MultiBzDecoder::new(BufReader::with_capacity(1 << 16, r));
            scan_stream("bzip2", &mut dec, depth, out);
        }
        "7z" => scan_7z(r, depth, out),
        _ => out.push(Finding::warning(
            "MDL004",
            format!("{kind} archive: not opened, so not checked; unpack it and scan what is inside"),
        )),
    }
    let _ = size;
}

/// Copies `r` into a temporary file, at most `*budget` bytes.
enum Spooled {
    Done(File, u64),
    OverCap,
    Broken(File, u64, std::io::Error),
}

fn spool(r: &mut dyn Read, budget: &mut u64) -> std::io::Result<Spooled> {
    let mut f = tempfile::tempfile()?;
    let mut buf = vec![0u8; 1 << 16];
    let mut n = 0u64;
    loop {
        let k = match r.read(&mut buf) {
            Ok(0) => break,
            Ok(k) => k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                f.flush()?;
                return Ok(Spooled::Broken(f, n, e));
            }
        };
        if n + k as u64 > *budget {
            return Ok(Spooled::OverCap);
        }
        f.write_all(buf.get(..k).unwrap_or_default())?;
        n += k as u64;
    }
    *budget -= n;
    Ok(Spooled::Done(f, n))
}

fn scan_spooled(f: File, n: u64, name: &str, depth: u32, out: &mut Vec<Finding>) {
    let mut r = BufReader::with_capacity(1 << 16, f);
    let mut found = Vec::new();
    if r.seek(SeekFrom::Start(0)).is_ok() {
        scan_source(&mut r, n, depth + 1, &mut found);
    }
    out.extend(found.into_iter().map(|x| relocate(x, name)));
}

/// A compressed stream (one member): decompressed into a temporary file, scanned.
fn scan_stream(kind: &str, dec: &mut dyn Read, depth: u32, out: &mut Vec<Finding>) {
    let mut budget = SPOOL_CAP;
    let name = format!("{kind} content");
    match spool(dec, &mut budget) {
        Ok(Spooled::Done(f, n)) => scan_spooled(f, n, &name, depth, out),
        Ok(Spooled::OverCap) => out.push(over_cap(&name)),
        Ok(Spooled::Broken(f, n, e)) => {
            out.push(Finding::unsafe_("ARC001", format!("{kind} stream broken after {n} bytes: {e}")));
            scan_spooled(f, n, &name, depth, out);
        }
        Err(e) => out.push(Finding::warning("ARC003", format!("{kind} not unpacked ({e}): not checked"))),
    }
}

fn over_cap(what: &str) -> Finding {
    Finding::warning("ARC002", format!("{what}: more than {SPOOL_CAP} bytes decompressed (cap): not checked"))
}

fn scan_tar(r: &mut dyn Source, depth: u32, out: &mut Vec<Finding>) {
    // First the list of members (offset and size in this file), then each.
    let mut members = Vec::new();
    {
        let mut a = tar::Archive::new(BufReader::with_capacity(1 << 16, &mut *r));
        let entries = match a.entries() {
            Ok(e) => e,
            Err(e) => {
                out.push(Finding::unsafe_("ARC001", format!("tar not readable: {e}")));
                return;
            }
        };
        for e in entries {
            let e = match e {
                Ok(e) => e,
                Err(err) => {
                    out.push(Finding::unsafe_("ARC001", format!("tar not readable: {err}")));
                    break;
                }
            };
            let name = String::from_utf8_lossy(&e.path_bytes()).into_owned();
            let kind = e.header().entry_type();
            if kind.is_file() {
                members.push((name, e.raw_file_position(), e.size()));
            } else if kind.is_gnu_sparse() {
                out.push(Finding::warning("ARC003", "sparse tar member: not checked").at(name));
            }
        }
    }
    for (name, start, len) in members {
        let mut w = BufReader::with_capacity(1 << 16, Window::new(r, start, len));
        let mut found = Vec::new();
        scan_source(&mut w, len, depth + 1, &mut found);
        out.extend(found.into_iter().map(|x| relocate(x, &name)));
    }
}

fn scan_7z(r: &mut dyn Source, depth: u32, out: &mut Vec<Finding>) {
    let mut reader =
        match sevenz_rust2::ArchiveReader::new_with_memory_limit(&mut *r, sevenz_rust2::Password::empty(), SEVENZ_MEM_KB) {
            Ok(a) => a,
            Err(e) => {
                out.push(Finding::warning("ARC003", format!("7z not opened ({e}): not checked")));
                return;
            }
        };
    reader.set_thread_count(1);
    let mut budget = SPOOL_CAP;
    let mut found = Vec::new();
    let res = reader.for_each_entries(|entry, data| {
        if entry.is_directory() || !entry.has_stream() {
            return Ok(true);
        }
        let name = entry.name().to_string();
        match spool(data, &mut budget) {
            Ok(Spooled::Done(f, n)) => scan_spooled(f, n, &name, depth, &mut found),
            Ok(Spooled::OverCap) => {
                found.push(over_cap(&name));
                return Ok(false);
            }
            Ok(Spooled::Broken(f, n, e)) => {
                found.push(Finding::unsafe_("ARC001", format!("7z member broken after {n} bytes: {e}")).at(name.clone()));
                scan_spooled(f, n, &name, depth, &mut found);
                return Ok(false);
            }
            Err(e) => {
                found.push(Finding::warning("ARC003", format!("7z member not unpacked ({e}): not checked")).at(name));
            }
        }
        Ok(true)
    });
    out.append(&mut found);
    if let Err(e) = res {
        out.push(Finding::warning("ARC003", format!("7z not fully read ({e}): not checked")));
    }
}
