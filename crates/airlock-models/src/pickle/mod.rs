//! Pickle streams on a model of the pickle machine.
//!
//! Every opcode of protocols 0-5 is modelled as CPython's unpickler runs it:
//! stack, metastack (`MARK`), memo, protocol, frames. Imports (`GLOBAL`, `INST`,
//! `STACK_GLOBAL` with operands taken from the modelled stack and memo) resolve to
//! full dotted paths and must be on the [`allowlist`]. The verdict rules:
//! - an import not on the allowlist is unsafe (`PKL002`; `PKL003` for dunder
//!   names), reported once per file with the offset of its first use;
//! - `STACK_GLOBAL` whose operands are not strings known from the stream (`PKL004`),
//!   extension codes (`PKL005`), `BUILD` or item assignment on an import (`PKL006`)
//!   and calls of anything but an import (`PKL007`) are unsafe;
//! - a stream CPython would refuse (unknown opcode, bad argument, stack underflow,
//!   missing memo key, truncation, an opcode crossing a frame end) is unsafe once it
//!   has imported anything: the payload has run before the parser fails
//!   (`PKL010`-`PKL013`). The one exception: a stream that fails before its first
//!   import has run no code of the file's choosing (constants, containers and memo
//!   operations only), so it is not a pickle, reported as a warning (`PKL001`).
//!   That is how a PNG whose first byte happens to be an opcode, or `cmod\n\xf8\n`
//!   (its `GLOBAL` fails UTF-8 decoding before importing) are told apart;
//! - several pickles in one file are all scanned. A legacy PyTorch file (five
//!   pickles and raw storage, see [`legacy`]) has its storage region walked, not
//!   parsed (bytes after the storages are scanned as pickle again); any other
//!   trailing bytes are scanned as the next pickle, and reported
//!   (`PKL020`, a warning) when they are not one.
//!
//! Memory: a fixed 1 MiB read buffer, the stack (capped), the memo (4 bytes a key,
//! capped) and the distinct imports; long arguments are streamed, never allocated
//! by the length they claim.

pub mod allowlist;
mod input;
mod legacy;
mod machine;
pub mod ops;
mod run;
mod text;

use std::io::Read;

use crate::scan::Source;
use crate::Finding;
use input::Input;
use machine::{Fail, Machine, Value};
use run::Outcome;

pub use ops::is_opcode;

/// A PyTorch storage a pickle refers to by persistent id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageUse {
    pub key: String,
    /// Element count times element size.
    pub bytes: u64,
}

/// What a scan learnt beyond its findings.
#[derive(Default)]
pub struct Summary {
    /// Opcodes executed, all pickles together.
    pub opcodes: u64,
    /// The machine's storage table (built, not only used) and its key bytes.
    storages: Vec<machine::StorageRef>,
    keys: Vec<u8>,
}

impl Summary {
    /// Storages passed to `persistent_load` (PyTorch tensors), in the order
    /// the stream built them. Built on request: a plain pickle scan never needs them.
    pub fn storages(&self) -> impl Iterator<Item = StorageUse> + '_ {
        self.storages.iter().filter(|s| s.used).map(|s| StorageUse {
            key: String::from_utf8_lossy(s.key(&self.keys)).into_owned(),
            bytes: s.numel.saturating_mul(u64::from(s.element_size)),
        })
    }
}

/// Scans a pickle file (one or several pickles in a row) from its start.
pub fn scan(r: &mut dyn Source, size: u64, out: &mut Vec<Finding>) {
    scan_stream(r, size, out);
}

/// Scans `size` bytes of `r` as pickle, streaming.
pub fn scan_stream(r: &mut dyn Read, size: u64, out: &mut Vec<Finding>) -> Summary {
    let mut inp = Input::new(r, size);
    let mut m = Machine::default();
    let mut results: Vec<Value> = Vec::new();
    let mut count = 0u32;
    loop {
        match run::run(&mut m, &mut inp, out) {
            Outcome::Stop(v) => {
                count += 1;
                if results.len() < 5 {
                    results.push(v);
                }
            }
            Outcome::Fail(at, fail) => {
                failure(&m, count, at, fail, out);
                break;
            }
        }
        match inp.at_end() {
            Ok(true) => break,
            Ok(false) => {}
            Err(_) => {
                out.push(Finding::unsafe_("MDL002", "read error after a pickle"));
                break;
            }
        }
        if count == 5 && legacy::looks_legacy(&results) && !legacy::check(&mut inp, &m, out) {
            break;
        }
    }
    let allowed: Vec<&str> = m.imports.iter().filter(|g| g.allowed).map(|g| g.path.as_str()).collect();
    if !allowed.is_empty() {
        out.push(Finding::info("PKL030", format!("allowed imports: {}", allowed.join(", "))));
    }
    let opcodes = m.opcodes;
    let (storages, keys) = m.into_storages();
    Summary { opcodes, storages, keys }
}

fn failure(m: &Machine, count: u32, at: u64, fail: Fail, out: &mut Vec<Finding>) {
    let loc = format!("@{at}");
    let why = match &fail {
        Fail::Truncated => "the input ends inside an opcode".to_string(),
        Fail::Malformed(s) | Fail::Frame(s) | Fail::Cap(s) => s.clone(),
        Fail::Io(e) => {
            out.push(Finding::unsafe_("MDL002", format!("read error: {e}")).at(loc));
            return;
        }
    };
    if !m.acted {
        // Nothing imported or called yet: no code of the file's choosing has run.
        let f = if count == 0 {
            Finding::warning("PKL001", format!("not a pickle ({why} before any import): not checked"))
        } else {
            Finding::warning(
                "PKL020",
                format!("bytes after pickle {count} are not a pickle ({why} before any import): not checked"),
            )
        };
        out.push(f.at(loc));
        return;
    }
    let (code, what) = match fail {
        Fail::Truncated => ("PKL011", "truncated"),
        Fail::Frame(_) => ("PKL012", "frame violation"),
        Fail::Cap(_) => ("PKL013", "beyond what this reader models"),
        _ => ("PKL010", "malformed"),
    };
    out.push(
        Finding::unsafe_(code, format!("{what}: {why} (after the stream imported or called: that code has run)"))
            .at(loc),
    );
}
