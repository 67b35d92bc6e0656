//! The tensor infos: names, shapes, types, offsets; then where the data lies.

use std::collections::HashSet;

use super::ggml;
use super::reader::Reader;
use super::{Halt, Reported};
use crate::util::{is_invisible, shown, Capped};
use crate::Finding;

/// ggml keeps at most this many dimensions.
pub const MAX_DIMS: u32 = 4;
/// ggml names are at most 63 bytes (64 with the terminating NUL).
pub const MAX_NAME: usize = 63;

struct Info {
    name: String,
    offset: u64,
    /// `None` when the size cannot be computed (reported).
    bytes: Option<u64>,
}

pub(super) fn read_all(rd: &mut Reader<'_>, n: u64, align: u64, out: &mut Capped<'_>) -> Result<(), Halt> {
    // The smallest info: an empty name, n_dims, no dims, a type, an offset.
    let min = if rd.v1 { 4 + 4 + 4 + 8 } else { 8 + 4 + 4 + 8 };
    if n > rd.left() / min {
        out.push(Finding::unsafe_(
            "GGF003",
            format!("{n} tensors declared, more than the {} bytes left could hold", rd.left()),
        ));
        return Err(Reported.into());
    }
    let mut infos = Vec::new();
    let mut names = HashSet::new();
    let mut buf = Vec::new();
    for _ in 0..n {
        let at = rd.pos();
        rd.string_into(&mut buf, "a tensor name")?;
        let name = match std::str::from_utf8(&buf) {
            Ok(s) => s.to_string(),
            Err(_) => {
                out.push(Finding::unsafe_("GGF004", "tensor name is not valid UTF-8").at(format!("@{at}")));
                String::from_utf8_lossy(&buf).into_owned()
            }
        };
        let loc = shown(&name);
        if let Some(p) = name_problem(&name) {
            out.push(Finding::unsafe_("GGF012", format!("tensor name {loc} {p}")).at(loc.clone()));
        }
        if !names.insert(name.clone()) {
            out.push(Finding::unsafe_("GGF011", format!("duplicate tensor name {loc}")).at(loc.clone()));
        }
        let n_dims = rd.u32("a tensor's dimension count")?;
        if n_dims > MAX_DIMS {
            out.push(Finding::unsafe_("GGF013", format!("tensor {loc} has {n_dims} dimensions (at most {MAX_DIMS})")).at(loc));
            return Err(Reported.into());
        }
        let mut dims = Vec::with_capacity(4);
        for _ in 0..n_dims {
            dims.push(rd.count("a tensor dimension")?);
        }
        let type_id = rd.u32("a tensor type")?;
        let offset = rd.u64("a tensor offset")?;
        let elements = element_count(&dims, &loc, out);
        let bytes = elements.and_then(|e| byte_size(type_id, e, &dims, &loc, out));
        if offset % align != 0 {
            out.push(
                Finding::unsafe_("GGF017", format!("tensor {loc} at data offset {offset} is not aligned to {align}")).at(loc),
            );
        }
        infos.push(Info { name, offset, bytes });
    }
    // The data section starts at the next multiple of the alignment.
    let pos = rd.pos();
    let start = pos.div_ceil(align).saturating_mul(align);
    placement(&mut infos, start, pos + rd.left(), out);
    Ok(())
}

fn name_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        Some("is empty")
    } else if name.len() > MAX_NAME {
        Some("is longer than 63 bytes (ggml's limit: engines cut it)")
    } else if name.chars().any(|c| c.is_control() || is_invisible(c)) {
        Some("holds control or invisible characters")
    } else {
        None
    }
}

fn element_count(dims: &[u64], loc: &str, out: &mut Capped<'_>) -> Option<u64> {
    let mut n: u64 = 1;
    for &d in dims {
        if d == 0 || d > i64::MAX as u64 {
            out.push(Finding::unsafe_("GGF014", format!("tensor {loc} has dimension {d}")).at(loc));
            return None;
        }
        match n.checked_mul(d) {
            Some(m) if m <= i64::MAX as u64 => n = m,
            _ => {
                out.push(Finding::unsafe_("GGF014", format!("tensor {loc}: element count of {dims:?} overflows")).at(loc));
                return None;
            }
        }
    }
    Some(n)
}

fn byte_size(type_id: u32, elements: u64, dims: &[u64], loc: &str, out: &mut Capped<'_>) -> Option<u64> {
    let Some(t) = ggml::by_id(type_id) else {
        let what = match ggml::removed(type_id) {
            Some(name) => format!("removed ggml type {type_id} ({name})"),
            None => format!("unknown ggml type {type_id}"),
        };
        out.push(Finding::warning("GGF015", format!("tensor {loc} has {what}: its size is not checked")).at(loc));
        return None;
    };
    let ne0 = dims.first().copied().unwrap_or(1);
    if ne0 % t.block != 0 {
        out.push(
            Finding::unsafe_(
                "GGF016",
                format!("tensor {loc}: first dimension {ne0} is not a multiple of {}'s block size {}", t.name, t.block),
            )
            .at(loc),
        );
        return None;
    }
    match (elements / t.block).checked_mul(t.bytes) {
        Some(b) => Some(b),
        None => {
            out.push(Finding::unsafe_("GGF014", format!("tensor {loc}: byte size overflows")).at(loc));
            None
        }
    }
}

/// Each tensor inside the file; no two overlapping.
fn placement(infos: &mut [Info], start: u64, size: u64, out: &mut Capped<'_>) {
    let mut ranges: Vec<(u64, u64, &str)> = Vec::with_capacity(infos.len());
    for i in infos.iter() {
        let Some(bytes) = i.bytes else { continue };
        let loc = shown(&i.name);
        let end = start.checked_add(i.offset).and_then(|b| b.checked_add(bytes));
        match end {
            Some(e) if e <= size => ranges.push((i.offset, i.offset + bytes, &i.name)),
            _ => out.push(
                Finding::unsafe_(
                    "GGF018",
                    format!(
                        "tensor {loc}: {bytes} bytes at data offset {} (file offset {}) run past the end of the {size}-byte file",
                        i.offset,
                        start.saturating_add(i.offset)
                    ),
                )
                .at(loc),
            ),
        }
    }
    ranges.sort_unstable();
    let mut reach: Option<(u64, &str)> = None;
    for &(b, e, name) in &ranges {
        if let Some((r, owner)) = reach {
            if b < r && b < e {
                out.push(
                    Finding::unsafe_(
                        "GGF019",
                        format!("tensor {} at data offset {b} overlaps tensor {} (which ends at {r})", shown(name), shown(owner)),
                    )
                    .at(shown(name)),
                );
            }
        }
        if reach.is_none_or(|(r, _)| e > r) {
            reach = Some((e, name));
        }
    }
}
