//! The opcode loop: one pickle, from its first opcode to `STOP` or the first
//! thing CPython's unpickler would refuse.

use super::input::Input;
use super::machine::{bad, Fail, Machine, Name, Value, NAME_CAP};
use super::ops::*;
use super::text::{self, Utf8};
use crate::Finding;

/// Magic number of a legacy PyTorch file, as `LONG1` bytes.
const TORCH_MAGIC: &[u8] = &[0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

/// How one pickle ended.
pub enum Outcome {
    /// `STOP`, with the value it returned.
    Stop(Value),
    /// Stopped at the opcode starting at this offset.
    Fail(u64, Fail),
}

/// Runs one pickle from the current position of `inp`.
pub fn run(m: &mut Machine, inp: &mut Input, out: &mut Vec<Finding>) -> Outcome {
    m.reset();
    let mut at = inp.offset();
    match step_all(m, inp, out, &mut at) {
        Ok(v) => Outcome::Stop(v),
        Err(f) => Outcome::Fail(at, f),
    }
}

fn le_u64(b: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    for (d, s) in a.iter_mut().zip(b) {
        *d = *s;
    }
    u64::from_le_bytes(a)
}

/// A `str` argument of `n` bytes: validated as UTF-8, kept if short.
fn unicode(inp: &mut Input, n: u64) -> Result<Value, Fail> {
    if n <= NAME_CAP as u64 {
        let s = inp.take(n as usize)?;
        return if text::utf8_ok(s) { Ok(Value::Str(Name::new(s))) } else { Err(bad("invalid UTF-8 in a string")) };
    }
    if n <= super::input::BUF as u64 {
        let s = inp.take(n as usize)?;
        return if text::utf8_ok(s) { Ok(Value::LongStr(Name::new(s))) } else { Err(bad("invalid UTF-8 in a string")) };
    }
    let mut u = Utf8::default();
    let mut first = None;
    let ok = inp.stream(n, |c, _| {
        if first.is_none() {
            first = Some(Name::new(c));
        }
        u.feed(c)
    })?;
    if !ok || !u.complete() {
        return Err(bad("invalid UTF-8 in a string"));
    }
    Ok(Value::LongStr(first.unwrap_or(Name::new(b""))))
}

/// A `bytes`-like argument of `n` bytes; `STRING`-family ones decode to `str`.
fn binary(inp: &mut Input, n: u64, as_str: bool) -> Result<Value, Fail> {
    if as_str && n <= NAME_CAP as u64 {
        let s = inp.take(n as usize)?;
        return Ok(if s.is_ascii() { Value::Str(Name::new(s)) } else { Value::Other });
    }
    inp.skip(n)?;
    Ok(Value::Other)
}

fn line_utf8<'a>(inp: &'a mut Input, what: &str) -> Result<&'a [u8], Fail> {
    let l = inp.line()?;
    if text::utf8_ok(l) {
        Ok(l)
    } else {
        Err(bad(format!("{what} is not UTF-8")))
    }
}

fn int_value(v: Option<i64>) -> Value {
    v.map_or(Value::Other, int)
}

#[inline]
fn int(v: i64) -> Value {
    Value::Int(v.to_le_bytes())
}

fn step_all(m: &mut Machine, inp: &mut Input, out: &mut Vec<Finding>, at: &mut u64) -> Result<Value, Fail> {
    loop {
        *at = inp.offset();
        let op = inp.byte()?;
        m.opcodes += 1;
        match op {
            MARK => m.mark()?,
            STOP => {
                let v = m.pop()?;
                if let Some(end) = m.frame_end {
                    if end != inp.offset() {
                        return Err(Fail::Frame(format!(
                            "STOP {} bytes before the end of its frame (loaders disagree where the next read starts)",
                            end.saturating_sub(inp.offset())
                        )));
                    }
                }
                return Ok(v);
            }
            POP => {
                if m.pop().is_err() {
                    m.pop_mark()?;
                }
            }
            POP_MARK => {
                let start = m.pop_mark()?;
                m.stack.truncate(start);
            }
            DUP => {
                let v = *m.top()?;
                m.push(v)?;
            }
            FLOAT => {
                let l = inp.line()?;
                if !text::py_float(l) {
                    return Err(bad("FLOAT argument is not a float"));
                }
                m.push(Value::Other)?;
            }
            INT => {
                let l = inp.line()?;
                let v = match l {
                    b"00" | b"01" => Value::Other,
                    _ => int_value(text::py_int(l, true).ok_or_else(|| bad("INT argument is not an int"))?),
                };
                m.push(v)?;
            }
            LONG => {
                let l = inp.line()?;
                let l = l.strip_suffix(b"L").unwrap_or(l);
                let v = text::py_int(l, true).ok_or_else(|| bad("LONG argument is not an int"))?;
                m.push(int_value(v))?;
            }
            BININT => {
                let b = inp.array::<4>()?;
                m.push(int(i64::from(i32::from_le_bytes(b))))?;
            }
            BININT1 => {
                let b = inp.byte()?;
                m.push(int(i64::from(b)))?;
            }
            BININT2 => {
                let b = inp.array::<2>()?;
                m.push(int(i64::from(u16::from_le_bytes(b))))?;
            }
            LONG1 => {
                let n = inp.byte()?;
                let b = inp.take(usize::from(n))?;
                let v = if b == TORCH_MAGIC {
                    Value::TorchMagic
                } else if (1..=8).contains(&n) {
                    // Two's complement little-endian, sign-extended.
                    let neg = b.last().is_some_and(|&x| x & 0x80 != 0);
                    let mut a = [if neg { 0xff } else { 0 }; 8];
                    for (d, s) in a.iter_mut().zip(b) {
                        *d = *s;
                    }
                    Value::Int(a)
                } else {
                    Value::Other
                };
                m.push(v)?;
            }
            LONG4 => {
                let n = i32::from_le_bytes(inp.array::<4>()?);
                let n = u64::try_from(n).map_err(|_| bad("LONG4 with a negative length"))?;
                inp.skip(n)?;
                m.push(Value::Other)?;
            }
            BINFLOAT => {
                inp.take(8)?;
                m.push(Value::Other)?;
            }
            NONE | NEWTRUE | NEWFALSE | EMPTY_DICT | EMPTY_LIST | EMPTY_TUPLE | EMPTY_SET => m.push(Value::Other)?,
            STRING => {
                let l = inp.line()?;
                let v = match text::quoted(l) {
                    Ok(Some(s)) if s.len() <= NAME_CAP && s.is_ascii() => Value::Str(Name::new(s)),
                    Ok(Some(s)) if s.is_ascii() => Value::LongStr(Name::new(s)),
                    Ok(_) => Value::Other,
                    Err(()) => return Err(bad("STRING argument is not quoted")),
                };
                m.push(v)?;
            }
            BINSTRING => {
                let n = i32::from_le_bytes(inp.array::<4>()?);
                let n = u64::try_from(n).map_err(|_| bad("BINSTRING with a negative length"))?;
                let v = binary(inp, n, true)?;
                m.push(v)?;
            }
            SHORT_BINSTRING => {
                let n = inp.byte()?;
                let v = binary(inp, u64::from(n), true)?;
                m.push(v)?;
            }
            BINBYTES => {
                let n = u32::from_le_bytes(inp.array::<4>()?);
                inp.skip(u64::from(n))?;
                m.push(Value::Other)?;
            }
            SHORT_BINBYTES => {
                let n = inp.byte()?;
                inp.skip(u64::from(n))?;
                m.push(Value::Other)?;
            }
            BINBYTES8 | BYTEARRAY8 => {
                let n = le_u64(&inp.array::<8>()?);
                if n > i64::MAX as u64 {
                    return Err(bad("length larger than sys.maxsize"));
                }
                inp.skip(n)?;
                m.push(Value::Other)?;
            }
            UNICODE => {
                // raw-unicode-escape: bytes are latin-1 except `\uXXXX` escapes.
                let l = inp.line()?;
                let v = if l.contains(&b'\\') || !l.is_ascii() {
                    Value::Other
                } else if l.len() <= NAME_CAP {
                    Value::Str(Name::new(l))
                } else {
                    Value::LongStr(Name::new(l))
                };
                m.push(v)?;
            }
            BINUNICODE => {
                let n = u32::from_le_bytes(inp.array::<4>()?);
                let v = unicode(inp, u64::from(n))?;
                m.push(v)?;
            }
            SHORT_BINUNICODE => {
                let n = inp.byte()?;
                let v = unicode(inp, u64::from(n))?;
                m.push(v)?;
            }
            BINUNICODE8 => {
                let n = le_u64(&inp.array::<8>()?);
                if n > i64::MAX as u64 {
                    return Err(bad("length larger than sys.maxsize"));
                }
                let v = unicode(inp, n)?;
                m.push(v)?;
            }
            TUPLE => {
                let start = m.pop_mark()?;
                let v = m.tuple_value(start)?;
                m.push(v)?;
            }
            TUPLE1 | TUPLE2 | TUPLE3 => {
                for _ in 0..(op - TUPLE1 + 1) {
                    m.pop()?;
                }
                m.push(Value::Other)?;
            }
            LIST | FROZENSET => {
                let start = m.pop_mark()?;
                m.stack.truncate(start);
                m.push(Value::Other)?;
            }
            DICT => {
                let start = m.pop_mark()?;
                if !(m.stack.len() - start).is_multiple_of(2) {
                    return Err(bad("odd number of items for DICT"));
                }
                m.stack.truncate(start);
                m.push(Value::Other)?;
            }
            APPEND => {
                m.pop()?;
                let t = *m.top()?;
                m.mutate(t, "APPEND", *at, out);
            }
            SETITEM => {
                m.pop()?;
                m.pop()?;
                let t = *m.top()?;
                m.mutate(t, "SETITEM", *at, out);
            }
            APPENDS | SETITEMS | ADDITEMS => {
                let start = m.pop_mark()?;
                let n = m.stack.len() - start;
                m.stack.truncate(start);
                if op == SETITEMS && !n.is_multiple_of(2) {
                    return Err(bad("odd number of items for SETITEMS"));
                }
                let t = *m.top()?;
                let name = match op {
                    APPENDS => "APPENDS",
                    SETITEMS => "SETITEMS",
                    _ => "ADDITEMS",
                };
                m.mutate(t, name, *at, out);
            }
            BUILD => {
                m.pop()?;
                let t = *m.top()?;
                m.mutate(t, "BUILD", *at, out);
            }
            GLOBAL => {
                let module = String::from_utf8_lossy(line_utf8(inp, "GLOBAL module")?).into_owned();
                let name = String::from_utf8_lossy(line_utf8(inp, "GLOBAL name")?).into_owned();
                let v = m.import(&module, &name, *at, out)?;
                m.push(v)?;
            }
            INST => {
                let module = inp.line()?.to_vec();
                let name = inp.line()?.to_vec();
                if !module.is_ascii() || !name.is_ascii() {
                    return Err(bad("INST names are not ASCII"));
                }
                let g = m.import(&String::from_utf8_lossy(&module), &String::from_utf8_lossy(&name), *at, out)?;
                let start = m.pop_mark()?;
                m.stack.truncate(start);
                let v = m.call(g, "INST", *at, out);
                m.push(v)?;
            }
            STACK_GLOBAL => {
                let name = m.pop()?;
                let module = m.pop()?;
                let v = match (module, name) {
                    (Value::Str(a), Value::Str(b)) => {
                        let (a, b) = (a.text(), b.text());
                        m.import(&a, &b, *at, out)?
                    }
                    (Value::Str(a) | Value::LongStr(a), Value::Str(b) | Value::LongStr(b)) => {
                        // Longer than any allowed name: never allowed; named by its start.
                        let long = |v: &Value| matches!(v, Value::LongStr(_));
                        let dots = |l: bool| if l { "..." } else { "" };
                        let path = format!("{}{}.{}{}", a.text(), dots(long(&module)), b.text(), dots(long(&name)));
                        m.import_path_value(path, *at, out)?
                    }
                    _ => {
                        let (a, b) = (module.describe(m), name.describe(m));
                        m.report(
                            out,
                            Finding::unsafe_(
                                "PKL004",
                                format!("STACK_GLOBAL of {a} and {b}: the import is not known from the stream"),
                            )
                            .at(format!("@{at}")),
                        );
                        Value::Other
                    }
                };
                m.push(v)?;
            }
            EXT1 | EXT2 | EXT4 => {
                let code = match op {
                    EXT1 => i64::from(inp.byte()?),
                    EXT2 => i64::from(u16::from_le_bytes(inp.array::<2>()?)),
                    _ => i64::from(i32::from_le_bytes(inp.array::<4>()?)),
                };
                m.report(
                    out,
                    Finding::unsafe_("PKL005", format!("extension code {code}: an import from the copyreg registry"))
                        .at(format!("@{at}")),
                );
                m.push(Value::Other)?;
            }
            REDUCE => {
                m.pop()?;
                let f = *m.top()?;
                let v = m.call(f, "REDUCE", *at, out);
                *m.top()? = v;
            }
            NEWOBJ => {
                m.pop()?;
                let cls = m.pop()?;
                let v = m.call(cls, "NEWOBJ", *at, out);
                m.push(v)?;
            }
            NEWOBJ_EX => {
                m.pop()?;
                m.pop()?;
                let cls = m.pop()?;
                let v = m.call(cls, "NEWOBJ_EX", *at, out);
                m.push(v)?;
            }
            OBJ => {
                let start = m.pop_mark()?;
                let cls = *m.stack.get(start).ok_or_else(|| bad("OBJ without a class"))?;
                m.stack.truncate(start);
                let v = m.call(cls, "OBJ", *at, out);
                m.push(v)?;
            }
            PERSID => {
                if !inp.line()?.is_ascii() {
                    return Err(bad("PERSID argument is not ASCII"));
                }
                m.push(Value::Persid)?;
            }
            BINPERSID => {
                if let Value::Storage(i) = m.pop()? {
                    if let Some(s) = m.storages.get_mut(i as usize) {
                        s.used = true;
                    }
                }
                m.push(Value::Persid)?;
            }
            GET => {
                let k = text::py_int(inp.line()?, false).ok_or_else(|| bad("GET argument is not an int"))?;
                let k = k.and_then(|k| u64::try_from(k).ok()).unwrap_or(u64::MAX);
                let v = m.memo_get(k)?;
                m.push(v)?;
            }
            BINGET => {
                let k = inp.byte()?;
                let v = m.memo_get(u64::from(k))?;
                m.push(v)?;
            }
            LONG_BINGET => {
                let k = u32::from_le_bytes(inp.array::<4>()?);
                let v = m.memo_get(u64::from(k))?;
                m.push(v)?;
            }
            PUT => {
                let k = text::py_int(inp.line()?, false).ok_or_else(|| bad("PUT argument is not an int"))?;
                let k = match k {
                    Some(k) if k < 0 => return Err(bad("negative PUT argument")),
                    Some(k) => u64::try_from(k).unwrap_or(u64::MAX),
                    None => u64::MAX,
                };
                let v = *m.top()?;
                m.memo_put(k, v)?;
            }
            BINPUT => {
                let k = inp.byte()?;
                let v = *m.top()?;
                m.memo_put(u64::from(k), v)?;
            }
            LONG_BINPUT => {
                let k = u32::from_le_bytes(inp.array::<4>()?);
                let v = *m.top()?;
                m.memo_put(u64::from(k), v)?;
            }
            MEMOIZE => m.memoize()?,
            PROTO => {
                let p = inp.byte()?;
                if p > HIGHEST_PROTOCOL {
                    return Err(bad(format!("unsupported pickle protocol {p}")));
                }
                m.proto = p;
            }
            FRAME => {
                let n = le_u64(&inp.array::<8>()?);
                if m.frame_end.is_some() {
                    return Err(Fail::Frame("a FRAME before the end of the current frame".into()));
                }
                if n > inp.remaining() {
                    return Err(Fail::Truncated);
                }
                m.frame_end = (n > 0).then(|| inp.offset() + n);
                continue;
            }
            NEXT_BUFFER => return Err(bad("NEXT_BUFFER: out-of-band data that a file cannot carry")),
            READONLY_BUFFER => {
                m.top()?;
            }
            _ => return Err(bad(format!("unknown opcode 0x{op:02x}"))),
        }
        if let Some(end) = m.frame_end {
            let now = inp.offset();
            if now >= end {
                if now > end {
                    return Err(Fail::Frame(format!("an opcode crosses the end of its frame at {end}")));
                }
                m.frame_end = None;
            }
        }
    }
}
