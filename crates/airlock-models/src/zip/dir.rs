//! The structure of a zip: end record (and its ZIP64 form), central directory,
//! and each entry's local header and data descriptor, parsed with bounds checked
//! before anything is read or allocated.

use std::io::{self, SeekFrom};

use crate::scan::{read_up_to, Source};

/// Largest central directory read (about 1.4 million entries).
pub const CD_CAP: u64 = 64 << 20;
const EOCD_SIG: &[u8] = b"PK\x05\x06";
const FULL32: u64 = 0xffff_ffff;

/// One entry, as the central directory and its local header describe it.
#[derive(Debug, Clone, Default)]
pub struct Entry {
    pub name: Vec<u8>,
    pub flags: u16,
    pub method: u16,
    pub crc: u32,
    pub csize: u64,
    pub usize: u64,
    pub local_offset: u64,
    pub zip64: bool,
    /// Where the member's data starts (after the local header).
    pub data_start: u64,
    /// End of the entry: data plus data descriptor.
    pub span_end: u64,
}

impl Entry {
    pub fn display_name(&self) -> String {
        String::from_utf8_lossy(&self.name).into_owned()
    }
}

/// The directory of a zip, plus what did not add up.
pub struct Directory {
    pub entries: Vec<Entry>,
    pub cd_start: u64,
    /// (code, message): structural problems, all unsafe.
    pub problems: Vec<(&'static str, String)>,
}

fn u16_at(b: &[u8], i: usize) -> u16 {
    b.get(i..i + 2).and_then(|s| <[u8; 2]>::try_from(s).ok()).map_or(0, u16::from_le_bytes)
}
fn u32_at(b: &[u8], i: usize) -> u32 {
    b.get(i..i + 4).and_then(|s| <[u8; 4]>::try_from(s).ok()).map_or(0, u32::from_le_bytes)
}
fn u64_at(b: &[u8], i: usize) -> u64 {
    b.get(i..i + 8).and_then(|s| <[u8; 8]>::try_from(s).ok()).map_or(0, u64::from_le_bytes)
}

fn read_at(r: &mut dyn Source, at: u64, len: usize) -> io::Result<Vec<u8>> {
    r.seek(SeekFrom::Start(at))?;
    let mut b = vec![0u8; len];
    let n = read_up_to(r, &mut b)?;
    b.truncate(n);
    Ok(b)
}

/// Reads the directory; `Err` is a zip too broken to read (a finding for the caller).
pub fn read(r: &mut dyn Source, size: u64) -> Result<Directory, String> {
    let io = |e: io::Error| format!("read error: {e}");
    let tail_len = size.min(22 + 65_535);
    let tail = read_at(r, size - tail_len, usize::try_from(tail_len).unwrap_or(0)).map_err(io)?;
    let mut problems = Vec::new();
    // The end record whose comment reaches exactly the end of the file; else the last one.
    let cands: Vec<usize> = memchr::memmem::rfind_iter(&tail, EOCD_SIG).filter(|&i| i + 22 <= tail.len()).collect();
    let exact = cands.iter().copied().find(|&i| i + 22 + usize::from(u16_at(&tail, i + 20)) == tail.len());
    let Some(at) = exact.or_else(|| cands.first().copied()) else {
        return Err("no end of central directory record".into());
    };
    if exact.is_none() {
        problems.push(("ZIP007", "bytes after the end of the central directory record".to_string()));
    }
    let eocd = tail.get(at..at + 22).unwrap_or_default();
    let eocd_off = size - tail_len + at as u64;
    if u16_at(eocd, 4) != 0 || u16_at(eocd, 6) != 0 {
        return Err("multi-disk zip".into());
    }
    let (mut count, mut cd_size, mut cd_off) =
        (u64::from(u16_at(eocd, 10)), u64::from(u32_at(eocd, 12)), u64::from(u32_at(eocd, 16)));
    let mut cd_end_expected = eocd_off;
    let wants64 = count == 0xffff || cd_size == FULL32 || cd_off == FULL32;
    // ZIP64: a locator right before the end record points at the ZIP64 end record.
    // Readers use it whenever it is there (PyTorch always writes one), so its
    // values are the ones that count, and 32-bit values must agree with them.
    let l = match eocd_off.checked_sub(20) {
        Some(loc) => read_at(r, loc, 20).map_err(io)?,
        None => Vec::new(),
    };
    if l.get(..4) == Some(b"PK\x06\x07") {
        let loc = eocd_off - 20;
        let z_off = u64_at(&l, 8);
        if z_off.checked_add(56).is_none_or(|e| e > loc) {
            return Err("ZIP64 end record out of bounds".into());
        }
        let z = read_at(r, z_off, 56).map_err(io)?;
        if z.get(..4) != Some(b"PK\x06\x06") {
            return Err("bad ZIP64 end record".into());
        }
        if z_off.checked_add(12).and_then(|x| x.checked_add(u64_at(&z, 4))) != Some(loc) {
            problems.push(("ZIP007", "the ZIP64 end record does not reach its locator".to_string()));
        }
        let (c64, s64, o64) = (u64_at(&z, 32), u64_at(&z, 40), u64_at(&z, 48));
        let agree = |v32: u64, full: u64, v64: u64| v32 == full || v32 == v64;
        if !(agree(count, 0xffff, c64) && agree(cd_size, FULL32, s64) && agree(cd_off, FULL32, o64)) {
            problems.push(("ZIP006", "the end record and the ZIP64 end record disagree".to_string()));
        }
        (count, cd_size, cd_off) = (c64, s64, o64);
        cd_end_expected = z_off;
    } else if wants64 {
        return Err("ZIP64 values without a ZIP64 locator".into());
    }
    let cd_end = cd_off.checked_add(cd_size).ok_or("central directory out of bounds")?;
    if cd_end > cd_end_expected {
        return Err("central directory runs into its end record".into());
    }
    if cd_end != cd_end_expected {
        problems.push((
            "ZIP007",
            format!("{} bytes between the central directory and its end record", cd_end_expected - cd_end),
        ));
    }
    if cd_size > CD_CAP {
        return Err(format!("central directory of {cd_size} bytes (more than {CD_CAP} not read)"));
    }
    let cd = read_at(r, cd_off, usize::try_from(cd_size).unwrap_or(0)).map_err(io)?;
    if (cd.len() as u64) < cd_size {
        return Err("central directory truncated".into());
    }
    let mut entries = Vec::new();
    let mut p = 0usize;
    while p < cd.len() {
        let h = cd.get(p..p + 46).ok_or("central directory entry truncated")?;
        if h.get(..4) != Some(b"PK\x01\x02") {
            return Err(format!("bad central directory entry signature at {}", cd_off + p as u64));
        }
        let (nl, xl, cl) = (usize::from(u16_at(h, 28)), usize::from(u16_at(h, 30)), usize::from(u16_at(h, 32)));
        let name = cd.get(p + 46..p + 46 + nl).ok_or("central directory name truncated")?.to_vec();
        let extra = cd.get(p + 46 + nl..p + 46 + nl + xl).ok_or("central directory extra truncated")?;
        let mut e = Entry {
            name,
            flags: u16_at(h, 8),
            method: u16_at(h, 10),
            crc: u32_at(h, 16),
            csize: u64::from(u32_at(h, 20)),
            usize: u64::from(u32_at(h, 24)),
            local_offset: u64::from(u32_at(h, 42)),
            ..Entry::default()
        };
        if let Some(z) = zip64_extra(extra) {
            e.zip64 = true;
            let mut i = 0;
            for field in [&mut e.usize, &mut e.csize, &mut e.local_offset] {
                if *field == FULL32 {
                    *field = u64_at(z, i);
                    i += 8;
                    if i > z.len() {
                        return Err("ZIP64 extra field too short".into());
                    }
                }
            }
        }
        p += 46 + nl + xl + cl;
        entries.push(e);
    }
    if p != cd.len() || entries.len() as u64 != count {
        problems.push(("ZIP001", format!("end record counts {count} entries, the directory holds {}", entries.len())));
    }
    for e in &mut entries {
        local(r, e, cd_off, &mut problems)?;
    }
    Ok(Directory { entries, cd_start: cd_off, problems })
}

fn zip64_extra(extra: &[u8]) -> Option<&[u8]> {
    let mut i = 0;
    while i + 4 <= extra.len() {
        let (id, len) = (u16_at(extra, i), usize::from(u16_at(extra, i + 2)));
        let body = extra.get(i + 4..i + 4 + len)?;
        if id == 1 {
            return Some(body);
        }
        i += 4 + len;
    }
    None
}

/// Reads the local header (and data descriptor) of `e` and compares them with
/// the central directory.
fn local(r: &mut dyn Source, e: &mut Entry, cd_start: u64, problems: &mut Vec<(&'static str, String)>) -> Result<(), String> {
    let name = e.display_name();
    let io = |x: io::Error| format!("read error: {x}");
    if e.local_offset.checked_add(30).is_none_or(|x| x > cd_start) {
        return Err(format!("{name}: local header out of bounds"));
    }
    let h = read_at(r, e.local_offset, 30).map_err(io)?;
    if h.get(..4) != Some(b"PK\x03\x04") {
        return Err(format!("{name}: no local header at {}", e.local_offset));
    }
    let (nl, xl) = (u64::from(u16_at(&h, 26)), u64::from(u16_at(&h, 28)));
    let lname = read_at(r, e.local_offset + 30, usize::try_from(nl).unwrap_or(0)).map_err(io)?;
    let lextra = read_at(r, e.local_offset + 30 + nl, usize::try_from(xl).unwrap_or(0)).map_err(io)?;
    if lname != e.name {
        problems.push((
            "ZIP002",
            format!("{name}: the local header names it {:?}", String::from_utf8_lossy(&lname)),
        ));
    }
    let lflags = u16_at(&h, 6);
    let lmethod = u16_at(&h, 8);
    if lflags != e.flags || lmethod != e.method {
        problems.push((
            "ZIP006",
            format!("{name}: flags/method {lflags:#x}/{lmethod} in the local header, {:#x}/{} in the directory", e.flags, e.method),
        ));
    }
    e.data_start = e.local_offset + 30 + nl + xl;
    let data_end = e.data_start.checked_add(e.csize).ok_or("entry size overflows")?;
    if data_end > cd_start {
        return Err(format!("{name}: data runs past the central directory"));
    }
    let (mut lcrc, mut lcsize, mut lusize) = (u32_at(&h, 14), u64::from(u32_at(&h, 18)), u64::from(u32_at(&h, 22)));
    if let Some(z) = zip64_extra(&lextra) {
        e.zip64 = true;
        if lusize == FULL32 {
            lusize = u64_at(z, 0);
        }
        if lcsize == FULL32 {
            lcsize = u64_at(z, 8);
        }
    }
    e.span_end = data_end;
    if e.flags & 0x8 != 0 {
        // Data descriptor: [signature] crc, compressed size, size (8-byte sizes in ZIP64).
        let wide = if e.zip64 { 8 } else { 4 };
        let d = read_at(r, data_end, 4 + 4 + 2 * wide).map_err(io)?;
        let off = if d.get(..4) == Some(b"PK\x07\x08") { 4 } else { 0 };
        let get = |i: usize| if wide == 8 { u64_at(&d, i) } else { u64::from(u32_at(&d, i)) };
        lcrc = u32_at(&d, off);
        lcsize = get(off + 4);
        lusize = get(off + 4 + wide);
        e.span_end = data_end + (off + 4 + 2 * wide) as u64;
        if d.len() < off + 4 + 2 * wide || e.span_end > cd_start {
            return Err(format!("{name}: data descriptor truncated"));
        }
    }
    if (lcrc, lcsize, lusize) != (e.crc, e.csize, e.usize) {
        problems.push((
            "ZIP006",
            format!(
                "{name}: crc/sizes {lcrc:08x}/{lcsize}/{lusize} in the local header or descriptor, {:08x}/{}/{} in the directory",
                e.crc, e.csize, e.usize
            ),
        ));
    }
    Ok(())
}

/// Duplicate names, overlapping entries, and bytes no entry accounts for.
pub fn layout(d: &Directory, problems: &mut Vec<(&'static str, String)>) {
    let mut names = std::collections::HashSet::new();
    for e in &d.entries {
        if !names.insert(e.name.as_slice()) {
            problems.push(("ZIP003", format!("{}: the name appears twice", e.display_name())));
        }
    }
    let mut spans: Vec<(u64, u64, &Entry)> = d.entries.iter().map(|e| (e.local_offset, e.span_end, e)).collect();
    spans.sort_by_key(|s| s.0);
    let mut end = 0u64;
    let mut prev: Option<&Entry> = None;
    for (start, stop, e) in spans {
        if start < end {
            let other = prev.map(Entry::display_name).unwrap_or_default();
            problems.push(("ZIP004", format!("{} overlaps {other}", e.display_name())));
        } else if start > end {
            let what = if prev.is_none() { "before the first entry" } else { "between entries" };
            problems.push(("ZIP007", format!("{} bytes {what} (at {end}) that no entry accounts for", start - end)));
        }
        end = end.max(stop);
        prev = Some(e);
    }
    if d.cd_start > end {
        problems.push(("ZIP007", format!("{} bytes before the central directory that no entry accounts for", d.cd_start - end)));
    }
}
