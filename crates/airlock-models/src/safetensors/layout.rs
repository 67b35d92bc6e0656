//! How the tensors tile the data section: exactly, with no overlap, no gap and
//! nothing after the last one.

use crate::util::{shown, Capped};
use crate::Finding;

/// One tensor's byte range inside the data section.
#[derive(Debug, Clone, Copy)]
pub(super) struct Span<'a> {
    pub begin: u64,
    pub end: u64,
    pub name: &'a str,
}

/// A zero-size tensor at the boundary between two tensors is what the standard
/// writer produces and is accepted; one strictly inside another tensor's range
/// aliases it (SFT015). Two non-empty ranges that share a byte overlap (SFT014).
pub(super) fn check(spans: &mut [Span<'_>], data_len: u64, out: &mut Capped<'_>) {
    spans.sort_by(|a, b| (a.begin, a.end, a.name).cmp(&(b.begin, b.end, b.name)));
    // The furthest end seen so far and the tensor that reaches it.
    let mut reach: u64 = 0;
    let mut owner: Option<Span<'_>> = None;
    for s in spans.iter() {
        if s.begin < reach {
            let o = owner.map(|o| (shown(o.name), o.begin, o.end)).unwrap_or_default();
            let (code, what) = if s.begin == s.end {
                ("SFT015", "zero-size tensor placed inside")
            } else {
                ("SFT014", "overlaps")
            };
            out.push(
                Finding::unsafe_(
                    code,
                    format!(
                        "tensor {} [{}, {}] {what} tensor {} [{}, {}]",
                        shown(s.name),
                        s.begin,
                        s.end,
                        o.0,
                        o.1,
                        o.2
                    ),
                )
                .at(shown(s.name)),
            );
        } else if s.begin > reach {
            out.push(
                Finding::unsafe_(
                    "SFT016",
                    format!("bytes [{reach}, {}] of the data section belong to no tensor (before {})", s.begin, shown(s.name)),
                )
                .at(format!("@{reach}")),
            );
        }
        if s.end > reach || owner.is_none() {
            reach = reach.max(s.end);
            owner = Some(*s);
        }
    }
    if reach < data_len {
        out.push(
            Finding::unsafe_(
                "SFT017",
                format!("{} byte(s) of data after the last tensor (data section {data_len} bytes, tensors end at {reach})", data_len - reach),
            )
            .at(format!("@{reach}")),
        );
    }
}
