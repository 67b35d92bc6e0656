//! Arguments of the text opcodes (protocol 0) and string validation, as CPython's
//! unpickler accepts them: what it refuses is a parse error here too.

/// UTF-8 as CPython's `surrogatepass` decoder accepts it (encoded surrogates
/// pass), fed in chunks.
#[derive(Default)]
pub struct Utf8 {
    need: u8,
    lo: u8,
    hi: u8,
}

impl Utf8 {
    /// Feeds `s`; `false` once the bytes cannot be UTF-8.
    pub fn feed(&mut self, s: &[u8]) -> bool {
        let mut s = s;
        if self.need == 0 {
            // Most strings of a model file are short ASCII names: skip the decoder.
            if s.is_ascii() {
                return true;
            }
            match std::str::from_utf8(s) {
                Ok(_) => return true,
                Err(e) => s = s.get(e.valid_up_to()..).unwrap_or_default(),
            }
        }
        for &b in s {
            if self.need == 0 {
                let (need, lo, hi) = match b {
                    0x00..=0x7f => continue,
                    0xc2..=0xdf => (1, 0x80, 0xbf),
                    0xe0 => (2, 0xa0, 0xbf),
                    // 0xed: surrogates (0xa0..=0xbf) pass.
                    0xe1..=0xef => (2, 0x80, 0xbf),
                    0xf0 => (3, 0x90, 0xbf),
                    0xf1..=0xf3 => (3, 0x80, 0xbf),
                    0xf4 => (3, 0x80, 0x8f),
                    _ => return false,
                };
                *self = Utf8 { need, lo, hi };
            } else if (self.lo..=self.hi).contains(&b) {
                self.need -= 1;
                self.lo = 0x80;
                self.hi = 0xbf;
            } else {
                return false;
            }
        }
        true
    }

    /// Whether the bytes fed so far end on a character boundary.
    pub fn complete(&self) -> bool {
        self.need == 0
    }
}

/// Whole-slice check.
#[inline]
pub fn utf8_ok(s: &[u8]) -> bool {
    if s.is_ascii() {
        return true;
    }
    let mut u = Utf8::default();
    u.feed(s) && u.complete()
}

fn trim(s: &[u8]) -> &[u8] {
    let ws = |b: &u8| b.is_ascii_whitespace();
    let start = s.iter().position(|b| !ws(b)).unwrap_or(s.len());
    let end = s.iter().rposition(|b| !ws(b)).map_or(start, |e| e + 1);
    s.get(start..end).unwrap_or_default()
}

/// A Python `int(text, base)` literal (`base` 0: with `0x`/`0o`/`0b` prefixes).
/// `None`: not an int (a parse error); `Some(None)`: an int beyond `i64`.
pub fn py_int(s: &[u8], base0: bool) -> Option<Option<i64>> {
    let s = trim(s);
    let (neg, s) = match s.first() {
        Some(b'-') => (true, s.get(1..)?),
        Some(b'+') => (false, s.get(1..)?),
        _ => (false, s),
    };
    let (radix, digits) = match (base0, s.get(..2).map(|p| p.to_ascii_lowercase())) {
        (true, Some(p)) if p == b"0x" => (16, s.get(2..)?),
        (true, Some(p)) if p == b"0o" => (8, s.get(2..)?),
        (true, Some(p)) if p == b"0b" => (2, s.get(2..)?),
        _ => (10, s),
    };
    // Underscores only between digits (or right after a prefix).
    let digits = if radix != 10 { digits.strip_prefix(b"_").unwrap_or(digits) } else { digits };
    if digits.is_empty() || digits.starts_with(b"_") || digits.ends_with(b"_") || digits.windows(2).any(|w| w == b"__") {
        return None;
    }
    let mut v: Option<i64> = Some(0);
    for &b in digits.iter().filter(|&&b| b != b'_') {
        let d = char::from(b).to_digit(radix)?;
        v = v.and_then(|v| v.checked_mul(i64::from(radix))).and_then(|v| v.checked_add(i64::from(d)));
    }
    Some(if neg { v.and_then(i64::checked_neg) } else { v })
}

/// A Python `float(text)` literal.
pub fn py_float(s: &[u8]) -> bool {
    let s = trim(s);
    let Ok(t) = std::str::from_utf8(s) else { return false };
    if t.contains("__") || t.starts_with('_') || t.ends_with('_') {
        return false;
    }
    t.replace('_', "").parse::<f64>().is_ok()
}

/// The argument of `STRING`: quoted with `'` or `"`. Returns the text between the
/// quotes when it has no escapes (so it is exactly known), `Ok(None)` otherwise.
pub fn quoted(s: &[u8]) -> Result<Option<&[u8]>, ()> {
    match (s.first(), s.last()) {
        (Some(&a), Some(&b)) if s.len() >= 2 && a == b && (a == b'\'' || a == b'"') => {
            let inner = s.get(1..s.len() - 1).unwrap_or_default();
            Ok((!inner.contains(&b'\\')).then_some(inner))
        }
        _ => Err(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ints() {
        assert_eq!(py_int(b"12", true), Some(Some(12)));
        assert_eq!(py_int(b" -0x1_f ", true), Some(Some(-31)));
        assert_eq!(py_int(b"1__2", true), None);
        assert_eq!(py_int(b"", false), None);
        assert_eq!(py_int(b"99999999999999999999999", false), Some(None));
        assert_eq!(py_int(b"0x10", false), None);
        assert!(py_float(b"1.5e3") && py_float(b"nan") && !py_float(b"x"));
    }

    #[test]
    fn utf8_surrogatepass() {
        assert!(utf8_ok("é€𝄞".as_bytes()));
        assert!(utf8_ok(b"\xed\xa0\x80"));
        assert!(!utf8_ok(b"\xf8"));
        assert!(!utf8_ok(b"\xc3"));
        let mut u = Utf8::default();
        assert!(u.feed(b"a\xe2\x82") && !u.complete() && u.feed(b"\xac") && u.complete());
        assert_eq!(quoted(b"'os'"), Ok(Some(&b"os"[..])));
        assert_eq!(quoted(b"'o\\x73'"), Ok(None));
        assert_eq!(quoted(b"'os"), Err(()));
    }
}
