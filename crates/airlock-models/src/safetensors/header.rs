//! The checks on a safetensors header: its JSON, its metadata, each tensor entry.

use std::collections::HashSet;

use super::dtype::Dtype;
use super::json::{parse_value, Json};
use super::layout::{self, Span};
use crate::util::{is_invisible, shown, Capped};
use crate::Finding;

/// Offset of the header in the file (after the 8-byte length), for locations.
const BASE: usize = 8;

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

pub(super) fn check(h: &[u8], data_len: u64, out: &mut Capped<'_>) {
    let lead = h.iter().take_while(|&&b| is_ws(b)).count();
    if lead > 0 {
        out.push(
            Finding::unsafe_("SFT004", format!("{lead} whitespace byte(s) before the header's opening '{{'"))
                .at(format!("@{BASE}")),
        );
    }
    let body = h.get(lead..).unwrap_or_default();
    let (root, end) = match parse_value(body) {
        Ok(v) => v,
        Err(e) => {
            let at = BASE + lead + e.at;
            out.push(Finding::unsafe_("SFT003", format!("header is not valid JSON: {} at byte {at}", e.what)).at(format!("@{at}")));
            return;
        }
    };
    let rest = body.get(end..).unwrap_or_default();
    if let Some(k) = rest.iter().position(|&b| b != b' ') {
        let at = BASE + lead + end + k;
        out.push(
            Finding::unsafe_(
                "SFT005",
                format!("{} byte(s) after the header's JSON, from byte {at}, are not space padding", rest.len() - k),
            )
            .at(format!("@{at}")),
        );
    }
    duplicate_keys(&root, None, out);
    let Json::Obj(members) = root else {
        out.push(Finding::unsafe_("SFT007", format!("header is {}, not an object", root.kind())));
        return;
    };
    let mut spans = Vec::with_capacity(members.len());
    for (name, v) in &members {
        if name == "__metadata__" {
            metadata(v, out);
        } else if let Some(s) = tensor(name, v, data_len, out) {
            spans.push(s);
        }
    }
    layout::check(&mut spans, data_len, out);
}

/// Every object, at every depth, with a key twice. `parent` is the key holding
/// `v` (`None` at the top).
fn duplicate_keys(v: &Json, parent: Option<&str>, out: &mut Capped<'_>) {
    match v {
        Json::Obj(m) => {
            let mut seen = HashSet::with_capacity(m.len());
            for (k, child) in m {
                if !seen.insert(k.as_str()) {
                    let place = parent.map_or_else(|| "the header".to_string(), |p| format!("the object under {}", shown(p)));
                    out.push(
                        Finding::unsafe_(
                            "SFT006",
                            format!("duplicate key {} in {place}: readers disagree on which value counts", shown(k)),
                        )
                        .at(shown(k)),
                    );
                }
                if matches!(child, Json::Obj(_) | Json::Arr(_)) {
                    duplicate_keys(child, Some(k), out);
                }
            }
        }
        Json::Arr(items) => {
            for child in items {
                duplicate_keys(child, parent, out);
            }
        }
        _ => {}
    }
}

fn metadata(v: &Json, out: &mut Capped<'_>) {
    let Json::Obj(m) = v else {
        out.push(Finding::unsafe_("SFT018", format!("__metadata__ is {}, not a map of strings", v.kind())).at("__metadata__"));
        return;
    };
    for (k, val) in m {
        if !matches!(val, Json::Str(_)) {
            out.push(
                Finding::unsafe_("SFT018", format!("__metadata__ value of {} is {}, not a string", shown(k), val.kind()))
                    .at(format!("__metadata__.{}", shown(k))),
            );
        }
    }
}

fn name_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        Some("is empty")
    } else if name.chars().any(char::is_control) {
        Some("holds control characters")
    } else if name.chars().any(is_invisible) {
        Some("holds invisible characters")
    } else {
        None
    }
}

/// Checks one tensor entry; returns its byte range when that range is usable for
/// the layout checks (well-formed and inside the data section).
fn tensor<'a>(name: &'a str, v: &Json, data_len: u64, out: &mut Capped<'_>) -> Option<Span<'a>> {
    if let (Some(Json::Str(d)), Some(Json::Arr(shape)), Some(Json::Arr(offs)), 3, None) =
        (field_of(v, "dtype"), field_of(v, "shape"), field_of(v, "data_offsets"), fields_len(v), name_problem(name))
    {
        // The common case, checked without building any message.
        if let (Some(dt), Some(n), [b, e]) = (Dtype::by_name(d), count(shape), offs.as_slice()) {
            if let (Some(b), Some(e)) = (b.as_u64(), e.as_u64()) {
                if b <= e && e <= data_len && dt.bytes_for(n) == Ok(e - b) {
                    return Some(Span { begin: b, end: e, name });
                }
            }
        }
    }
    let at = shown(name);
    if let Some(p) = name_problem(name) {
        out.push(Finding::unsafe_("SFT019", format!("tensor name {at} {p}")).at(at.clone()));
    }
    let Json::Obj(fields) = v else {
        out.push(Finding::unsafe_("SFT007", format!("tensor {at} is {}, not an object", v.kind())).at(at));
        return None;
    };
    let field = |key: &str| fields.iter().find(|(k, _)| k == key).map(|(_, v)| v);
    for (k, _) in fields {
        if !matches!(k.as_str(), "dtype" | "shape" | "data_offsets") {
            out.push(Finding::unsafe_("SFT008", format!("tensor {at} has unknown field {}", shown(k))).at(at.clone()));
        }
    }
    let (dtype_v, shape_v, offsets_v) = (field("dtype"), field("shape"), field("data_offsets"));
    for (key, got) in [("dtype", dtype_v.is_some()), ("shape", shape_v.is_some()), ("data_offsets", offsets_v.is_some())] {
        if !got {
            out.push(Finding::unsafe_("SFT008", format!("tensor {at} has no {key}")).at(at.clone()));
        }
    }
    let dtype = match dtype_v {
        Some(Json::Str(d)) => {
            let found = Dtype::by_name(d);
            if found.is_none() {
                out.push(Finding::unsafe_("SFT009", format!("tensor {at} has unknown dtype {}", shown(d))).at(at.clone()));
            }
            found
        }
        Some(other) => {
            out.push(Finding::unsafe_("SFT009", format!("tensor {at} has a dtype that is {}", other.kind())).at(at.clone()));
            None
        }
        None => None,
    };
    let elements = shape_v.and_then(|s| elements(s, &at, out));
    let range = offsets_v.and_then(|o| offsets(o, &at, out))?;
    let (begin, end) = range;
    if let (Some(d), Some(n)) = (dtype, elements) {
        match d.bytes_for(n) {
            Ok(bytes) if bytes == end - begin => {}
            Ok(bytes) => out.push(
                Finding::unsafe_(
                    "SFT011",
                    format!(
                        "tensor {at}: {n} elements of {} take {bytes} bytes, but data_offsets [{begin}, {end}] hold {}",
                        d.name,
                        end - begin
                    ),
                )
                .at(at.clone()),
            ),
            Err(why) => out.push(
                Finding::unsafe_("SFT011", format!("tensor {at}: {n} elements of {}: {why}", d.name)).at(at.clone()),
            ),
        }
    }
    if end > data_len {
        out.push(
            Finding::unsafe_(
                "SFT013",
                format!("tensor {at}: data_offsets [{begin}, {end}] run past the data section of {data_len} bytes"),
            )
            .at(at),
        );
        return None;
    }
    Some(Span { begin, end, name })
}

fn field_of<'v>(v: &'v Json, key: &str) -> Option<&'v Json> {
    match v {
        Json::Obj(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
        _ => None,
    }
}

fn fields_len(v: &Json) -> usize {
    match v {
        Json::Obj(m) => m.len(),
        _ => 0,
    }
}

/// The element count of well-formed dimensions, without findings.
fn count(dims: &[Json]) -> Option<u64> {
    dims.iter().try_fold(1u64, |n, d| n.checked_mul(d.as_u64()?))
}

/// The element count of a shape, or `None` after a finding.
fn elements(shape: &Json, at: &str, out: &mut Capped<'_>) -> Option<u64> {
    let Json::Arr(dims) = shape else {
        out.push(Finding::unsafe_("SFT010", format!("tensor {at} has a shape that is {}", shape.kind())).at(at));
        return None;
    };
    let mut n: u64 = 1;
    for d in dims {
        let Some(d) = d.as_u64() else {
            out.push(Finding::unsafe_("SFT010", format!("tensor {at} has a dimension that is not a non-negative integer")).at(at));
            return None;
        };
        let Some(next) = n.checked_mul(d) else {
            out.push(Finding::unsafe_("SFT010", format!("tensor {at}: the product of the shape overflows 64 bits")).at(at));
            return None;
        };
        n = next;
    }
    Some(n)
}

fn offsets(v: &Json, at: &str, out: &mut Capped<'_>) -> Option<(u64, u64)> {
    let pair = match v {
        Json::Arr(items) if items.len() == 2 => items.first().and_then(Json::as_u64).zip(items.get(1).and_then(Json::as_u64)),
        _ => None,
    };
    match pair {
        Some((b, e)) if b <= e => Some((b, e)),
        Some((b, e)) => {
            out.push(Finding::unsafe_("SFT012", format!("tensor {at}: data_offsets [{b}, {e}] end before they begin")).at(at));
            None
        }
        None => {
            out.push(
                Finding::unsafe_("SFT012", format!("tensor {at}: data_offsets are not two non-negative integers")).at(at),
            );
            None
        }
    }
}
