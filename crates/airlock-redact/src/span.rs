//! Candidate ranges: markers already in the text, clean-up, merging and rendering.

use memchr::memmem;

/// What a redaction is replaced with starts with this.
pub(crate) const MARKER_PREFIX: &str = "[REDACTED:";

/// A range some detector wants redacted, in bytes of the text it scanned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Cand<'k> {
    pub start: usize,
    pub end: usize,
    pub kind: &'k str,
    /// Which kind names a merged range: higher wins.
    pub prio: u8,
}

/// Byte ranges of the markers (`[REDACTED:kind]`) already present in `text`, in order.
pub(crate) fn markers(text: &str) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    for at in memmem::find_iter(b, MARKER_PREFIX.as_bytes()) {
        let from = at + MARKER_PREFIX.len();
        let n = b
            .get(from..)
            .unwrap_or_default()
            .iter()
            .take(65)
            .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || **c == b'-')
            .count();
        if (1..=64).contains(&n) && b.get(from + n) == Some(&b']') {
            out.push((at, from + n + 1));
        }
    }
    out
}

/// Whether `[start, end)` overlaps one of the sorted, disjoint `marks`.
fn hits_marker(marks: &[(usize, usize)], start: usize, end: usize) -> bool {
    // First marker that ends after `start`.
    let i = marks.partition_point(|m| m.1 <= start);
    marks.get(i).is_some_and(|m| m.0 < end)
}

/// Number of backslashes directly before `at`.
fn backslashes_before(b: &[u8], at: usize) -> usize {
    b.get(..at).unwrap_or_default().iter().rev().take_while(|c| **c == b'\\').count()
}

/// Keeps a range from splitting an escape sequence of text that is itself JSON- or
/// shell-escaped (a backslash left without the character it escaped, or a marker
/// placed right after an escaping backslash), and on character boundaries.
fn tidy(text: &str, c: &mut Cand<'_>) {
    let b = text.as_bytes();
    while c.end > c.start && b.get(c.end - 1) == Some(&b'\\') && backslashes_before(b, c.end) % 2 == 1 {
        c.end -= 1;
    }
    if c.start < c.end && backslashes_before(b, c.start) % 2 == 1 {
        c.start += 1;
    }
    while c.start < c.end && !text.is_char_boundary(c.start) {
        c.start += 1;
    }
    while c.end > c.start && !text.is_char_boundary(c.end) {
        c.end -= 1;
    }
}

/// Cleans, drops (empty, or touching a marker already in the text) and merges
/// candidates: overlapping ones become their union, named by the highest priority.
pub(crate) fn resolve<'k>(text: &str, mut cands: Vec<Cand<'k>>) -> Vec<Cand<'k>> {
    if cands.is_empty() {
        return cands;
    }
    let marks = markers(text);
    for c in &mut cands {
        tidy(text, c);
    }
    cands.retain(|c| c.start < c.end && !hits_marker(&marks, c.start, c.end));
    cands.sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)).then(b.prio.cmp(&a.prio)));
    let mut out: Vec<Cand<'k>> = Vec::with_capacity(cands.len());
    for c in cands {
        match out.last_mut() {
            Some(last) if c.start < last.end => {
                last.end = last.end.max(c.end);
                if c.prio > last.prio {
                    last.kind = c.kind;
                    last.prio = c.prio;
                }
            }
            _ => out.push(c),
        }
    }
    out
}

/// The text with every (sorted, disjoint) range replaced by its marker.
pub(crate) fn render(text: &str, ranges: &[Cand<'_>]) -> String {
    let mut out = String::with_capacity(text.len() + ranges.len() * 24);
    let mut at = 0;
    for r in ranges {
        out.push_str(text.get(at..r.start).unwrap_or_default());
        out.push_str(MARKER_PREFIX);
        out.push_str(r.kind);
        out.push(']');
        at = r.end;
    }
    out.push_str(text.get(at..).unwrap_or_default());
    out
}

/// Maps ranges found in `render(text, done)` back to `text`. Each range lies
/// between two markers (ranges touching a marker were dropped), so one shift applies.
pub(crate) fn map_back<'k>(done: &[Cand<'k>], found: &[Cand<'k>]) -> Vec<Cand<'k>> {
    found
        .iter()
        .map(|f| {
            let mut shift: isize = 0;
            for d in done {
                let marker_len = MARKER_PREFIX.len() + d.kind.len() + 1;
                let out_start = d.start as isize + shift;
                if out_start >= f.start as isize {
                    break;
                }
                shift += marker_len as isize - (d.end - d.start) as isize;
            }
            let start = (f.start as isize - shift).max(0) as usize;
            let end = (f.end as isize - shift).max(0) as usize;
            Cand { start, end, ..*f }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(start: usize, end: usize, kind: &'static str, prio: u8) -> Cand<'static> {
        Cand { start, end, kind, prio }
    }

    #[test]
    fn finds_markers_and_ignores_lookalikes() {
        let t = "a [REDACTED:jwt] b [REDACTED:] [REDACTED:Up] [REDACTED:url-password]";
        let u = t.find("[REDACTED:url").unwrap_or_default();
        assert_eq!(markers(t), vec![(2, 16), (u, t.len())]);
    }

    #[test]
    fn merges_overlaps_by_priority() {
        let t = "0123456789abcdef";
        let r = resolve(t, vec![c(2, 8, "secret", 1), c(4, 12, "jwt", 3), c(12, 14, "a", 1)]);
        assert_eq!(r, vec![c(2, 12, "jwt", 3), c(12, 14, "a", 1)]);
    }

    #[test]
    fn drops_ranges_touching_markers() {
        let t = "x=[REDACTED:secret] y";
        assert!(resolve(t, vec![c(2, 19, "secret", 1), c(0, 4, "a", 1)]).is_empty());
    }

    #[test]
    fn keeps_escapes_whole() {
        let t = r#"a\"bc\\"#;
        // Ends on an escaping backslash: shrunk; starts after one: moved on.
        let r = resolve(t, vec![c(0, 2, "k", 1), c(3, 5, "k", 1)]);
        assert_eq!(r, vec![c(0, 1, "k", 1), c(3, 5, "k", 1)]);
    }

    #[test]
    fn maps_second_pass_ranges_back() {
        let text = "ab SECRET cd TOKEN ef";
        let done = vec![c(3, 9, "s", 1)];
        let out = render(text, &done);
        assert_eq!(out, "ab [REDACTED:s] cd TOKEN ef");
        let t_at = out.find("TOKEN").unwrap_or_default();
        let back = map_back(&done, &[c(t_at, t_at + 5, "t", 1)]);
        assert_eq!(back, vec![c(13, 18, "t", 1)]);
    }
}
