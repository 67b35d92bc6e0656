//! Private key blocks: PEM (`-----BEGIN … PRIVATE KEY-----`) and PuTTY key files,
//! with real line breaks or literal `\n` escapes (a key inside a JSON string).

use crate::span::Cand;
use memchr::memmem;

/// Priority of a key block when ranges overlap.
pub(crate) const PRIO: u8 = 4;
/// Farthest an END line is looked for after its BEGIN line (a 16384-bit RSA key is ~12 KB).
const WINDOW: usize = 64 * 1024;

const BEGIN: &[u8] = b"-----BEGIN ";
const END: &[u8] = b"-----END ";
const PUTTY: &[u8] = b"PuTTY-User-Key-File-";

/// Appends the key blocks in `text`.
pub(crate) fn find(text: &str, pem_on: bool, putty_on: bool, out: &mut Vec<Cand<'_>>) {
    let b = text.as_bytes();
    if pem_on {
        find_pem(b, out);
    }
    if putty_on {
        let mut from = 0;
        for at in memmem::find_iter(b, PUTTY) {
            if at < from {
                continue;
            }
            let header_end = line_end(b, at);
            let end = body_end(b, header_end, true);
            from = end;
            out.push(Cand { start: at, end, kind: "putty-key", prio: PRIO });
        }
    }
}

fn find_pem(b: &[u8], out: &mut Vec<Cand<'_>>) {
    let begins: Vec<usize> = memmem::find_iter(b, BEGIN).collect();
    if begins.is_empty() {
        return;
    }
    // END lines once, so each BEGIN finds its END by binary search (no rescans).
    let ends: Vec<usize> = memmem::find_iter(b, END).collect();
    let mut from = 0;
    for (i, &at) in begins.iter().enumerate() {
        if at < from {
            continue;
        }
        let Some(label) = label(b, at + BEGIN.len()) else { continue };
        let after_begin = at + BEGIN.len() + label.len() + 5;
        let next_begin = begins.get(i + 1).copied().unwrap_or(usize::MAX);
        let limit = next_begin.min(after_begin.saturating_add(WINDOW));
        let j = ends.partition_point(|e| *e < after_begin);
        let closed = ends.get(j).copied().filter(|e| *e < limit).and_then(|e| {
            let l = label_at(b, e + END.len())?;
            // Same label, or at least another private-key label.
            (l == label || l.windows(11).any(|w| w == b"PRIVATE KEY")).then_some(e + END.len() + l.len() + 5)
        });
        let end = closed.unwrap_or_else(|| body_end(b, after_begin, false));
        from = end;
        out.push(Cand { start: at, end, kind: "private-key", prio: PRIO });
    }
}

/// A private-key label after `-----BEGIN ` (`RSA PRIVATE KEY`, `PGP PRIVATE KEY BLOCK`).
fn label(b: &[u8], at: usize) -> Option<&[u8]> {
    label_at(b, at).filter(|l| l.windows(11).any(|w| w == b"PRIVATE KEY"))
}

/// Upper-case words closed by `-----`.
fn label_at(b: &[u8], at: usize) -> Option<&[u8]> {
    let rest = b.get(at..)?;
    let n = rest.iter().take(64).take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || **c == b' ').count();
    (n > 0 && rest.get(n..n + 5) == Some(b"-----")).then(|| rest.get(..n)).flatten()
}

/// End of the line starting at or before `at` (before its break).
fn line_end(b: &[u8], at: usize) -> usize {
    let mut i = at;
    while i < b.len() && !is_break(b, i) {
        i += 1;
    }
    i
}

/// A real line break, or a literal `\n` / `\r` escape.
fn is_break(b: &[u8], i: usize) -> bool {
    match b.get(i) {
        Some(b'\n' | b'\r') => true,
        Some(b'\\') => matches!(b.get(i + 1), Some(b'n' | b'r')),
        _ => false,
    }
}

/// Length of the break at `i` (0 when none).
fn break_len(b: &[u8], i: usize) -> usize {
    match b.get(i) {
        Some(b'\n' | b'\r') => 1,
        Some(b'\\') if matches!(b.get(i + 1), Some(b'n' | b'r')) => 2,
        _ => 0,
    }
}

/// From `at` (the end of an armour or header line), the end of the run of lines
/// that look like key material: base64, `Name: value` headers (`Proc-Type:`,
/// `DEK-Info:`, PuTTY's `Private-MAC:`), and blank lines; bounded by [`WINDOW`].
fn body_end(b: &[u8], at: usize, putty: bool) -> usize {
    let stop = at.saturating_add(WINDOW).min(b.len());
    let mut end = at;
    let mut i = at;
    loop {
        // One or more breaks.
        let mut saw_break = false;
        while i < stop {
            let n = break_len(b, i);
            if n == 0 {
                break;
            }
            i += n;
            saw_break = true;
        }
        if !saw_break || i >= stop {
            return end;
        }
        let line_to = line_end(b, i).min(stop);
        let line = b.get(i..line_to).unwrap_or_default();
        if !(base64_line(line) || header_line(line)) {
            return end;
        }
        let mac = putty && line.starts_with(b"Private-MAC:");
        end = line_to;
        i = line_to;
        if mac {
            return end;
        }
    }
}

fn base64_line(line: &[u8]) -> bool {
    !line.is_empty() && line.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'='))
}

/// `Name-Part: value` as in PEM and PuTTY headers.
fn header_line(line: &[u8]) -> bool {
    let Some(colon) = line.iter().position(|c| *c == b':') else { return false };
    colon > 0
        && line.len() < 256
        && line.get(..colon).is_some_and(|n| n.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-'))
        && line.get(colon + 1) == Some(&b' ')
        && line.iter().all(|c| (b' '..=b'~').contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(t: &str) -> Vec<(usize, usize)> {
        let mut v = Vec::new();
        find(t, true, true, &mut v);
        v.iter().map(|c| (c.start, c.end)).collect()
    }

    #[test]
    fn whole_block_with_real_and_escaped_breaks() {
        let real = "x\n-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nAAAA==\n-----END RSA PRIVATE KEY-----\ny";
        assert_eq!(spans(real), vec![(2, real.len() - 2)]);
        let esc = r#"{"k":"-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n"}"#;
        let s = esc.find("-----B").unwrap_or_default();
        let e = esc.find("KEY-----\\n\"").map(|i| i + 8).unwrap_or_default();
        assert_eq!(spans(esc), vec![(s, e)]);
    }

    #[test]
    fn truncated_block_runs_to_last_base64_line() {
        let t = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNz\naC1rZXk=\n$ next command";
        assert_eq!(spans(t), vec![(0, t.find("\n$").unwrap_or_default())]);
    }

    #[test]
    fn public_keys_and_certificates_stay() {
        assert!(spans("-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----").is_empty());
        assert!(spans("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----").is_empty());
    }

    #[test]
    fn putty_through_mac() {
        let t = "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: me\nPublic-Lines: 1\nAAAA\nPrivate-Lines: 1\nBBBB\nPrivate-MAC: 0a1b\nnext";
        assert_eq!(spans(t), vec![(0, t.len() - 5)]);
    }
}
