//! numpy `.npy` arrays (versions 1-3), strictly.
//!
//! Magic, version, header length (at most numpy's own 10,000-byte limit and within
//! the file), then the header: a Python dict literal with exactly the keys
//! `descr`, `fortran_order` and `shape`. An object dtype (`O`, alone or in a
//! structured dtype) means the data is a pickle, which is scanned as one. For
//! other dtypes the data must be exactly `prod(shape) * itemsize` bytes.
//!
//! Findings: `NPY001` (warning) a header this reader does not understand: not
//! checked; `NPY002` (unsafe) bytes after the array data, which numpy ignores and
//! something else may read (hidden content, as in a zip gap); `NPY003` (warning)
//! data shorter than the shape needs (numpy refuses to load it);
//! `NPY004` (info) structured dtype without objects: length not checked.

use std::io::SeekFrom;

use crate::scan::{read_up_to, Source};
use crate::zip::{relocate, Window};
use crate::Finding;

/// numpy's default `max_header_size`.
pub const HEADER_CAP: u64 = 10_000;

pub fn scan(r: &mut dyn Source, size: u64, out: &mut Vec<Finding>) {
    let (header, data_start) = match read_header(r, size) {
        Ok(h) => h,
        Err(why) => {
            out.push(Finding::warning("NPY001", format!("numpy header not understood ({why}): not checked")));
            return;
        }
    };
    let h = match parse_header(&header) {
        Ok(h) => h,
        Err(why) => {
            out.push(Finding::warning("NPY001", format!("numpy header not understood ({why}): not checked")));
            return;
        }
    };
    let data_len = size - data_start;
    match h.dtype {
        Dtype::Object => {
            if r.seek(SeekFrom::Start(data_start)).is_err() {
                out.push(Finding::unsafe_("MDL002", "read error"));
                return;
            }
            let mut found = Vec::new();
            let mut w = std::io::BufReader::with_capacity(1 << 16, Window::new(r, data_start, data_len));
            crate::pickle::scan_stream(&mut w, data_len, &mut found);
            out.extend(found.into_iter().map(|f| relocate(f, "object array pickle")));
        }
        Dtype::Structured => out.push(Finding::info("NPY004", "structured dtype: data length not checked")),
        Dtype::Plain(itemsize) => {
            let need = h.shape.iter().try_fold(itemsize, |a, &d| a.checked_mul(d));
            match need {
                Some(n) if n == data_len => {}
                Some(n) if n < data_len => out.push(Finding::unsafe_(
                    "NPY002",
                    format!("{} bytes after the array data (numpy ignores them)", data_len - n),
                )),
                Some(n) => out.push(Finding::warning(
                    "NPY003",
                    format!("data is {data_len} bytes, the shape needs {n}: numpy cannot load it"),
                )),
                None => out.push(Finding::warning("NPY003", "shape overflows: numpy cannot load it")),
            }
        }
    }
}

fn read_header(r: &mut dyn Source, size: u64) -> Result<(String, u64), String> {
    r.seek(SeekFrom::Start(0)).map_err(|e| e.to_string())?;
    let mut pre = [0u8; 12];
    let n = read_up_to(r, &mut pre).map_err(|e| e.to_string())?;
    let pre = pre.get(..n).unwrap_or_default();
    if !pre.starts_with(b"\x93NUMPY") {
        return Err("no magic".into());
    }
    let major = pre.get(6).copied().unwrap_or(0);
    let (len, start) = match major {
        1 => (pre.get(8..10).and_then(|b| <[u8; 2]>::try_from(b).ok()).map(|b| u64::from(u16::from_le_bytes(b))), 10u64),
        2 | 3 => (pre.get(8..12).and_then(|b| <[u8; 4]>::try_from(b).ok()).map(|b| u64::from(u32::from_le_bytes(b))), 12),
        v => return Err(format!("version {v}")),
    };
    let len = len.ok_or("truncated")?;
    if len > HEADER_CAP || start + len > size {
        return Err(format!("header length {len}"));
    }
    r.seek(SeekFrom::Start(start)).map_err(|e| e.to_string())?;
    let mut h = vec![0u8; usize::try_from(len).unwrap_or(0)];
    if read_up_to(r, &mut h).map_err(|e| e.to_string())? != h.len() {
        return Err("truncated".into());
    }
    let text = if major == 3 {
        String::from_utf8(h).map_err(|_| "header not UTF-8")?
    } else if h.is_ascii() {
        String::from_utf8(h).map_err(|_| "header not ASCII")?
    } else {
        return Err("header not ASCII".into());
    };
    Ok((text, start + len))
}

#[derive(Debug, PartialEq)]
enum Dtype {
    Object,
    Structured,
    Plain(u64),
}

#[derive(Debug)]
struct Header {
    dtype: Dtype,
    shape: Vec<u64>,
}

/// A tiny tokenizer for the header's dict literal.
struct Lex<'a> {
    s: &'a [u8],
    i: usize,
}

impl Lex<'_> {
    fn ws(&mut self) {
        while self.s.get(self.i).is_some_and(|b| b.is_ascii_whitespace()) {
            self.i += 1;
        }
    }
    fn eat(&mut self, c: u8) -> bool {
        self.ws();
        if self.s.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn expect(&mut self, c: u8) -> Result<(), String> {
        if self.eat(c) { Ok(()) } else { Err(format!("expected {:?} at {}", char::from(c), self.i)) }
    }
    fn string(&mut self) -> Result<String, String> {
        self.ws();
        let q = *self.s.get(self.i).filter(|&&q| q == b'\'' || q == b'"').ok_or("expected a string")?;
        let rest = self.s.get(self.i + 1..).unwrap_or_default();
        let end = rest.iter().position(|&b| b == q).ok_or("unterminated string")?;
        let body = rest.get(..end).unwrap_or_default();
        if body.contains(&b'\\') {
            return Err("escape in a string".into());
        }
        self.i += end + 2;
        Ok(String::from_utf8_lossy(body).into_owned())
    }
    fn word(&mut self) -> &[u8] {
        self.ws();
        let start = self.i;
        while self.s.get(self.i).is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_') {
            self.i += 1;
        }
        self.s.get(start..self.i).unwrap_or_default()
    }
}

fn parse_header(text: &str) -> Result<Header, String> {
    let mut l = Lex { s: text.as_bytes(), i: 0 };
    l.expect(b'{')?;
    let (mut descr, mut fortran, mut shape) = (None, None, None);
    loop {
        if l.eat(b'}') {
            break;
        }
        let key = l.string()?;
        l.expect(b':')?;
        match key.as_str() {
            "descr" if descr.is_none() => descr = Some(parse_descr(&mut l)?),
            "fortran_order" if fortran.is_none() => {
                if !matches!(l.word(), b"True" | b"False") {
                    return Err("fortran_order is not a bool".into());
                }
                fortran = Some(true);
            }
            "shape" if shape.is_none() => shape = Some(parse_shape(&mut l)?),
            k => return Err(format!("unexpected or repeated key {k:?}")),
        }
        if !l.eat(b',') {
            l.expect(b'}')?;
            break;
        }
    }
    l.ws();
    if l.i != l.s.len() {
        return Err("text after the dict".into());
    }
    match (descr, fortran, shape) {
        (Some(dtype), Some(_), Some(shape)) => Ok(Header { dtype, shape }),
        _ => Err("missing keys".into()),
    }
}

fn parse_shape(l: &mut Lex) -> Result<Vec<u64>, String> {
    l.expect(b'(')?;
    let mut dims = Vec::new();
    loop {
        if l.eat(b')') {
            return Ok(dims);
        }
        let w = l.word();
        let d = std::str::from_utf8(w).ok().and_then(|w| w.parse::<u64>().ok()).ok_or("shape is not ints")?;
        if dims.len() >= 64 {
            return Err("more than 64 dimensions".into());
        }
        dims.push(d);
        if !l.eat(b',') {
            l.expect(b')')?;
            return Ok(dims);
        }
    }
}

/// A descr: a type string, or a list of fields (structured).
fn parse_descr(l: &mut Lex) -> Result<Dtype, String> {
    l.ws();
    if l.s.get(l.i) != Some(&b'[') {
        return type_string(&l.string()?);
    }
    // Structured: any object field makes the data a pickle. Nesting is skipped
    // over by bracket depth; every string inside is looked at.
    let mut depth = 0usize;
    let mut object = false;
    loop {
        l.ws();
        match l.s.get(l.i) {
            Some(b'[' | b'(') => {
                depth += 1;
                l.i += 1;
            }
            Some(b']' | b')') => {
                depth = depth.checked_sub(1).ok_or("unbalanced descr")?;
                l.i += 1;
                if depth == 0 {
                    return Ok(if object { Dtype::Object } else { Dtype::Structured });
                }
            }
            Some(b'\'' | b'"') => {
                let s = l.string()?;
                object |= matches!(type_string(&s), Ok(Dtype::Object));
            }
            Some(b',') => l.i += 1,
            Some(_) => {
                if l.word().is_empty() {
                    return Err("unexpected text in descr".into());
                }
            }
            None => return Err("unterminated descr".into()),
        }
    }
}

/// `<i4`, `|b1`, `<U10`, `|O`, `<M8[ns]`...
fn type_string(s: &str) -> Result<Dtype, String> {
    let t = s.strip_prefix(['<', '>', '|', '=']).unwrap_or(s);
    let t = t.split_once('[').map_or(t, |(a, _)| a);
    let mut chars = t.chars();
    let kind = chars.next().ok_or("empty dtype")?;
    let num = chars.as_str();
    if kind == 'O' {
        return Ok(Dtype::Object);
    }
    let n: u64 = num.parse().map_err(|_| format!("dtype {s:?}"))?;
    match kind {
        'b' | 'i' | 'u' | 'f' | 'c' | 'S' | 'V' | 'M' | 'm' | 'a' => Ok(Dtype::Plain(n)),
        'U' => Ok(Dtype::Plain(n.checked_mul(4).ok_or("dtype size")?)),
        _ => Err(format!("dtype {s:?}")),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn headers() {
        let h = parse_header("{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }          \n").unwrap();
        assert_eq!((h.dtype, h.shape), (Dtype::Plain(4), vec![2, 3]));
        let h = parse_header("{'descr': [('a', '<i4'), ('b', '|O')], 'fortran_order': False, 'shape': (1,)}").unwrap();
        assert_eq!(h.dtype, Dtype::Object);
        assert!(parse_header("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), 'x': 1}").is_err());
        assert!(parse_header("{'descr': '<i4', 'descr': '|O', 'fortran_order': False, 'shape': ()}").is_err());
        assert_eq!(type_string("<U3").unwrap(), Dtype::Plain(12));
    }
}
