//! An incremental, bounded reader of `text/event-stream` bytes.
//!
//! Events are cut at a blank line (`\n\n`, `\r\n\r\n` or `\r\r`) exactly as the WHATWG parser does,
//! and each event keeps the bytes it arrived as, so an event the gateway does not change goes out
//! byte for byte. One event may not exceed a cap: a stream that never ends an event cannot make the
//! gateway buffer without bound.

use bytes::{Bytes, BytesMut};

/// One server-sent event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// The `event:` field, if any.
    pub event: Option<String>,
    /// The `data:` lines joined with `\n`.
    pub data: String,
    /// The exact bytes of the event, including its terminating blank line.
    pub raw: Bytes,
}

impl SseEvent {
    /// Serialize an event the gateway made (one `data:` line: the JSON has no newlines).
    pub fn encode(event: Option<&str>, data: &str) -> Bytes {
        let mut s = String::with_capacity(data.len() + 32);
        if let Some(e) = event {
            s.push_str("event: ");
            s.push_str(e);
            s.push('\n');
        }
        for line in data.split('\n') {
            s.push_str("data: ");
            s.push_str(line);
            s.push('\n');
        }
        s.push('\n');
        Bytes::from(s)
    }

    /// The data parsed as JSON, if it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_str(&self.data).ok()
    }
}

/// What went wrong reading the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SseProblem {
    /// One event grew past the cap without ending.
    TooLarge(usize),
    /// An event's bytes are not UTF-8.
    NotUtf8,
}

/// Splits a byte stream into events.
#[derive(Debug)]
pub struct SseReader {
    buf: BytesMut,
    /// Bytes of `buf` already searched for a terminator (no terminator ends before this).
    scanned: usize,
    max_event: usize,
}

impl SseReader {
    pub fn new(max_event: usize) -> Self {
        SseReader {
            buf: BytesMut::new(),
            scanned: 0,
            max_event,
        }
    }

    /// Add bytes from the network.
    pub fn push(&mut self, chunk: &[u8]) {
        self.buf.extend_from_slice(chunk);
    }

    /// The next complete event, `Ok(None)` when more bytes are needed.
    pub fn next_event(&mut self) -> Result<Option<SseEvent>, SseProblem> {
        match find_boundary(&self.buf, self.scanned.saturating_sub(3)) {
            Some(end) => {
                self.scanned = 0;
                let raw = self.buf.split_to(end).freeze();
                parse_event(raw).map(Some)
            }
            None => {
                self.scanned = self.buf.len();
                if self.buf.len() > self.max_event {
                    Err(SseProblem::TooLarge(self.buf.len()))
                } else {
                    Ok(None)
                }
            }
        }
    }

    /// Bytes left over at the end of the stream (an unterminated event), if any besides whitespace.
    pub fn finish(&mut self) -> Result<Option<SseEvent>, SseProblem> {
        if self.buf.iter().all(|b| b.is_ascii_whitespace()) {
            self.buf.clear();
            return Ok(None);
        }
        let raw = std::mem::take(&mut self.buf).freeze();
        parse_event(raw).map(Some)
    }

    /// Bytes buffered and not yet returned as an event.
    pub fn pending(&self) -> usize {
        self.buf.len()
    }
}

/// Index just past the first blank line at or after `from`.
fn find_boundary(buf: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while i < buf.len() {
        let b = buf.get(i).copied()?;
        if b == b'\n' || b == b'\r' {
            // End of a line; is the next line empty?
            let next = if b == b'\r' && buf.get(i + 1) == Some(&b'\n') {
                i + 2
            } else {
                i + 1
            };
            match buf.get(next) {
                Some(b'\n') => return Some(next + 1),
                Some(b'\r') => {
                    return Some(if buf.get(next + 1) == Some(&b'\n') {
                        next + 2
                    } else if next + 1 < buf.len() {
                        next + 1
                    } else {
                        // A lone `\r` at the end may be the start of `\r\n`: wait for more.
                        return None;
                    });
                }
                _ => {}
            }
            i = next;
        } else {
            i += 1;
        }
    }
    None
}

fn parse_event(raw: Bytes) -> Result<SseEvent, SseProblem> {
    let text = std::str::from_utf8(&raw).map_err(|_| SseProblem::NotUtf8)?;
    let mut event = None;
    let mut data: Option<String> = None;
    for line in text.split(['\n', '\r']) {
        if line.is_empty() || line.starts_with(':') {
            continue;
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line, ""),
        };
        match field {
            "event" => event = Some(value.to_string()),
            "data" => match &mut data {
                Some(d) => {
                    d.push('\n');
                    d.push_str(value);
                }
                None => data = Some(value.to_string()),
            },
            _ => {}
        }
    }
    Ok(SseEvent {
        event,
        data: data.unwrap_or_default(),
        raw,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn all(chunks: &[&[u8]]) -> Vec<SseEvent> {
        let mut r = SseReader::new(1 << 20);
        let mut out = Vec::new();
        for c in chunks {
            r.push(c);
            while let Some(e) = r.next_event().unwrap() {
                out.push(e);
            }
        }
        out.extend(r.finish().unwrap());
        out
    }

    #[test]
    fn events_split_anywhere_come_out_whole_and_byte_exact() {
        let stream = b"event: a\ndata: {\"x\":1}\n\n: ping\n\nevent: b\r\ndata: one\r\ndata: two\r\n\r\ndata: last\n\n";
        for cut in 0..stream.len() {
            let (x, y) = stream.split_at(cut);
            let evs = all(&[x, y]);
            assert_eq!(evs.len(), 4, "cut at {cut}");
            assert_eq!(evs[0].event.as_deref(), Some("a"));
            assert_eq!(evs[0].data, "{\"x\":1}");
            assert_eq!(evs[2].data, "one\ntwo");
            let joined: Vec<u8> = evs.iter().flat_map(|e| e.raw.to_vec()).collect();
            assert_eq!(joined, stream.to_vec());
        }
    }

    #[test]
    fn byte_by_byte() {
        let stream = b"data: a\r\rdata: b\n\n";
        let chunks: Vec<&[u8]> = stream.chunks(1).collect();
        let evs = all(&chunks);
        assert_eq!(evs.iter().map(|e| e.data.as_str()).collect::<Vec<_>>(), ["a", "b"]);
    }

    #[test]
    fn an_event_that_never_ends_is_refused() {
        let mut r = SseReader::new(64);
        r.push(&[b'x'; 100]);
        assert_eq!(r.next_event(), Err(SseProblem::TooLarge(100)));
    }

    #[test]
    fn encode_round_trips() {
        let raw = SseEvent::encode(Some("message_delta"), "{\"a\":1}");
        let evs = all(&[&raw]);
        assert_eq!(evs[0].event.as_deref(), Some("message_delta"));
        assert_eq!(evs[0].data, "{\"a\":1}");
    }
}
