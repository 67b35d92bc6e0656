//! Legacy (pre-zip) PyTorch files: five pickles, then raw storage bytes.
//!
//! `torch.save(..., _use_new_zipfile_serialization=False)` writes the magic number
//! (a `LONG1`), the protocol version (an int), a `sys_info` dict, the object
//! pickle, the list of storage keys (sorted), then for each key in that order the
//! storage's element count (8 bytes, little-endian) and its raw bytes. The layout
//! is established only when the first two pickles are exactly the magic number and
//! an int and the bytes after the fifth pickle walk exactly to the end of the file
//! through the storages the object pickle declared (by its persistent ids: key,
//! element size, element count). Then those bytes are data, not pickle.

use std::collections::BTreeMap;

use super::input::Input;
use super::machine::{Machine, Value};
use crate::Finding;

/// Whether the results of the first five pickles look like a legacy PyTorch file.
pub fn looks_legacy(results: &[Value]) -> bool {
    matches!(results, [Value::TorchMagic, Value::Int(_), _, _, _])
}

/// Walks the storage region; `Err` says why it does not match.
pub fn walk(inp: &mut Input, m: &Machine) -> Result<u64, String> {
    let mut by_key: BTreeMap<&[u8], (u8, u64)> = BTreeMap::new();
    for s in m.storages.iter().filter(|s| s.used) {
        let key = m.storage_key(s);
        let e = by_key.entry(key).or_insert((s.element_size, s.numel));
        if *e != (s.element_size, s.numel) {
            return Err(format!(
                "storage {:?} declared with two sizes",
                String::from_utf8_lossy(key)
            ));
        }
    }
    let start = inp.offset();
    for (key, (size, numel)) in &by_key {
        let at = inp.offset();
        let n = u64::from_le_bytes(
            inp.array::<8>()
                .map_err(|_| format!("storage count missing at @{at}"))?,
        );
        if n != *numel {
            return Err(format!(
                "storage {:?} has {n} elements at @{at}, the pickle declared {numel}",
                String::from_utf8_lossy(key)
            ));
        }
        let bytes = numel
            .checked_mul(u64::from(*size))
            .ok_or("storage size overflows")?;
        inp.skip(bytes).map_err(|_| {
            format!(
                "storage {:?} runs past the end",
                String::from_utf8_lossy(key)
            )
        })?;
    }
    Ok(inp.offset() - start)
}

/// Findings for the bytes after the fifth pickle of a legacy file. `true`: the
/// storages walked and bytes remain after them (the caller scans them as pickle).
pub fn check(inp: &mut Input, m: &Machine, out: &mut Vec<Finding>) -> bool {
    let at = inp.offset();
    match walk(inp, m) {
        Ok(n) => {
            out.push(
                Finding::info(
                    "PKL021",
                    format!("legacy PyTorch file: {n} bytes of raw tensor storage (not pickle)"),
                )
                .at(format!("@{at}")),
            );
            inp.remaining() > 0
        }
        Err(why) => {
            out.push(
                Finding::warning(
                    "PKL022",
                    format!("legacy PyTorch layout, but the storage data does not match what the pickle declares ({why}): not checked"),
                )
                .at(format!("@{at}")),
            );
            false
        }
    }
}
