//! GGUF, read in one bounded pass: header, every metadata key and value (nested
//! arrays included), every tensor info. Tensor data is never read.
//!
//! Every count and length is checked against the bytes left in the file before
//! anything is allocated, so a hostile header cannot make the reader allocate more
//! than the file holds. Strings must be UTF-8. Chat templates found in the metadata
//! go to [`template::check_chat_template`].
//!
//! | code | severity | what |
//! | --- | --- | --- |
//! | GGF001 | unsafe / warning | version not 1, 2 or 3 (warning: a big-endian file, not checked) |
//! | GGF002 | unsafe | file ends inside the header, a key, a value or a tensor info; read error |
//! | GGF003 | unsafe | a count or length larger than the rest of the file could hold |
//! | GGF004 | unsafe | a string that is not valid UTF-8 |
//! | GGF005 | unsafe | duplicate metadata key |
//! | GGF006 | unsafe | a bool that is neither 0 nor 1 |
//! | GGF007 | unsafe | `general.alignment` not a u32 power of two |
//! | GGF008 | unsafe | unknown metadata value type (the rest cannot be read) |
//! | GGF009 | unsafe | arrays nested deeper than [`MAX_NESTING`] |
//! | GGF010 | unsafe | a string longer than 16 MiB |
//! | GGF011 | unsafe | duplicate tensor name |
//! | GGF012 | unsafe | tensor name empty, longer than 63 bytes, or with control/invisible characters |
//! | GGF013 | unsafe | tensor with more than 4 dimensions |
//! | GGF014 | unsafe | a dimension of 0 or above 2^63-1, or an element count that overflows |
//! | GGF015 | warning | unknown or removed ggml type (its size cannot be computed: not checked) |
//! | GGF016 | unsafe | first dimension not a multiple of the type's block size |
//! | GGF017 | unsafe | tensor offset not a multiple of the alignment |
//! | GGF018 | unsafe | tensor data past the end of the file |
//! | GGF019 | unsafe | two tensors overlap |
//! | GGF020 | unsafe | a chat template key whose value is not a string |

mod ggml;
mod meta;
pub mod reader;
mod tensors;
pub mod template;

use crate::scan::Source;
use crate::util::Capped;
use crate::Finding;

use reader::{Reader, Stop};

pub use template::check_chat_template;

/// Arrays of arrays are followed this deep, no deeper.
pub const MAX_NESTING: u32 = 8;
/// `general.alignment` when the file does not set it.
pub const DEFAULT_ALIGNMENT: u64 = 32;

/// Checks a GGUF file of `size` bytes read from `r` (positioned at its start).
pub fn scan(r: &mut dyn Source, size: u64, out: &mut Vec<Finding>) {
    let mut sink = Capped::new(out);
    let mut rd = Reader::new(r, size);
    if let Err(stop) = read(&mut rd, &mut sink) {
        sink.push(stop_finding(stop));
    }
    sink.finish();
}

/// What the metadata says that later parts need.
#[derive(Debug, Default)]
pub(crate) struct Meta {
    pub alignment: Option<u64>,
    /// Chat templates: (key, text).
    pub templates: Vec<(String, String)>,
}

/// A parse that cannot go on, already reported.
pub(crate) struct Reported;

pub(crate) enum Halt {
    Stop(Stop),
    Reported,
}

impl From<Stop> for Halt {
    fn from(s: Stop) -> Self {
        Halt::Stop(s)
    }
}

impl From<Reported> for Halt {
    fn from(_: Reported) -> Self {
        Halt::Reported
    }
}

fn stop_finding(stop: Stop) -> Finding {
    match stop {
        Stop::Short { what, at, need, left } => Finding::unsafe_(
            "GGF002",
            format!("file ends inside {what}: {need} bytes needed at offset {at}, {left} left"),
        )
        .at(format!("@{at}")),
        Stop::TooLong { what, at, len } => {
            Finding::unsafe_("GGF010", format!("{what} is {len} bytes long, above the 16 MiB limit")).at(format!("@{at}"))
        }
        Stop::Io(e) => Finding::unsafe_("GGF002", format!("read error: {e}")),
    }
}

fn read(rd: &mut Reader<'_>, out: &mut Capped<'_>) -> Result<(), Stop> {
    let magic = rd.fixed::<4>("the magic")?;
    if &magic != b"GGUF" {
        out.push(Finding::unsafe_("GGF001", "not a GGUF file (bad magic)"));
        return Ok(());
    }
    let version = rd.u32("the version")?;
    match version {
        1 => rd.v1 = true,
        2 | 3 => {}
        v if v.swap_bytes() <= 3 => {
            out.push(Finding::warning(
                "GGF001",
                format!("big-endian GGUF (version {}): not checked", v.swap_bytes()),
            ));
            return Ok(());
        }
        v => {
            out.push(Finding::unsafe_("GGF001", format!("unknown GGUF version {v} (known: 1, 2, 3)")));
            return Ok(());
        }
    }
    let n_tensors = rd.count("the tensor count")?;
    let n_kv = rd.count("the metadata count")?;
    let mut meta = Meta::default();
    let read_meta = meta::read_all(rd, n_kv, &mut meta, out);
    // Templates read before a later problem are still judged.
    for (key, text) in &meta.templates {
        let mut found = Vec::new();
        template::check_chat_template(key, text, &mut found);
        for f in found {
            out.push(f);
        }
    }
    match read_meta {
        Ok(()) => {}
        Err(Halt::Stop(s)) => return Err(s),
        Err(Halt::Reported) => return Ok(()),
    }
    match tensors::read_all(rd, n_tensors, meta.alignment.unwrap_or(DEFAULT_ALIGNMENT), out) {
        Ok(()) | Err(Halt::Reported) => Ok(()),
        Err(Halt::Stop(s)) => Err(s),
    }
}
