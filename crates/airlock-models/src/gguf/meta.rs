//! The metadata key-value pairs: every type, nested arrays, bounded by the file.

use std::collections::HashSet;

use super::reader::{Reader, Stop};
use super::{Halt, Meta, Reported, MAX_NESTING};
use crate::util::{shown, Capped};
use crate::Finding;

const T_U8: u32 = 0;
const T_I8: u32 = 1;
const T_U16: u32 = 2;
const T_I16: u32 = 3;
const T_U32: u32 = 4;
const T_I32: u32 = 5;
const T_F32: u32 = 6;
const T_BOOL: u32 = 7;
const T_STRING: u32 = 8;
const T_ARRAY: u32 = 9;
const T_U64: u32 = 10;
const T_I64: u32 = 11;
const T_F64: u32 = 12;

fn type_name(t: u32) -> &'static str {
    match t {
        T_U8 => "u8",
        T_I8 => "i8",
        T_U16 => "u16",
        T_I16 => "i16",
        T_U32 => "u32",
        T_I32 => "i32",
        T_F32 => "f32",
        T_BOOL => "bool",
        T_STRING => "string",
        T_ARRAY => "array",
        T_U64 => "u64",
        T_I64 => "i64",
        T_F64 => "f64",
        _ => "unknown",
    }
}

/// Bytes of one value of a fixed-size type.
fn fixed_size(t: u32) -> Option<u64> {
    match t {
        T_U8 | T_I8 | T_BOOL => Some(1),
        T_U16 | T_I16 => Some(2),
        T_U32 | T_I32 | T_F32 => Some(4),
        T_U64 | T_I64 | T_F64 => Some(8),
        _ => None,
    }
}

fn is_template_key(key: &str) -> bool {
    key == "tokenizer.chat_template" || key.starts_with("tokenizer.chat_template.")
}

struct Ctx<'r, 'a, 'o> {
    rd: &'r mut Reader<'a>,
    out: &'r mut Capped<'o>,
    buf: Vec<u8>,
    key: String,
}

/// Reads `n` key-value pairs into `meta`.
pub(super) fn read_all(rd: &mut Reader<'_>, n: u64, meta: &mut Meta, out: &mut Capped<'_>) -> Result<(), Halt> {
    // The smallest pair: an empty key (its length), a type, a one-byte value.
    let min = if rd.v1 { 4 + 4 + 1 } else { 8 + 4 + 1 };
    if n > rd.left() / min {
        out.push(Finding::unsafe_(
            "GGF003",
            format!("{n} metadata pairs declared, more than the {} bytes left could hold", rd.left()),
        ));
        return Err(Reported.into());
    }
    let mut seen = HashSet::new();
    let mut cx = Ctx { rd, out, buf: Vec::new(), key: String::new() };
    for _ in 0..n {
        let at = cx.rd.pos();
        cx.rd.string_into(&mut cx.buf, "a metadata key")?;
        cx.key = match std::str::from_utf8(&cx.buf) {
            Ok(k) => k.to_string(),
            Err(_) => {
                cx.out.push(Finding::unsafe_("GGF004", "metadata key is not valid UTF-8").at(format!("@{at}")));
                String::from_utf8_lossy(&cx.buf).into_owned()
            }
        };
        if !seen.insert(cx.key.clone()) {
            cx.out.push(
                Finding::unsafe_("GGF005", format!("duplicate metadata key {}: readers disagree on which value counts", shown(&cx.key)))
                    .at(cx.key.clone()),
            );
        }
        let t = cx.rd.u32("a metadata value type")?;
        let key = cx.key.clone();
        if key == "general.alignment" {
            alignment(&mut cx, t, meta)?;
        } else if is_template_key(&key) {
            if t == T_STRING {
                if let Some(text) = cx.string("a chat template")? {
                    meta.templates.push((key, text));
                }
            } else {
                cx.out.push(
                    Finding::unsafe_("GGF020", format!("chat template {} is a {}, not a string", shown(&key), type_name(t)))
                        .at(key),
                );
                cx.value(t, 0)?;
            }
        } else {
            cx.value(t, 0)?;
        }
    }
    Ok(())
}

fn alignment(cx: &mut Ctx<'_, '_, '_>, t: u32, meta: &mut Meta) -> Result<(), Halt> {
    if t != T_U32 {
        cx.out.push(
            Finding::unsafe_("GGF007", format!("general.alignment is a {}, not a u32", type_name(t))).at("general.alignment"),
        );
        return cx.value(t, 0);
    }
    let a = cx.rd.u32("general.alignment")?;
    if a == 0 || !a.is_power_of_two() {
        cx.out.push(
            Finding::unsafe_("GGF007", format!("general.alignment {a} is not a power of two")).at("general.alignment"),
        );
    } else {
        meta.alignment = Some(u64::from(a));
    }
    Ok(())
}

impl Ctx<'_, '_, '_> {
    /// A string value; `None` (after a finding) when it is not UTF-8.
    fn string(&mut self, what: &str) -> Result<Option<String>, Stop> {
        let at = self.rd.pos();
        self.rd.string_into(&mut self.buf, what)?;
        match std::str::from_utf8(&self.buf) {
            Ok(s) => Ok(Some(s.to_string())),
            Err(e) => {
                self.out.push(
                    Finding::unsafe_(
                        "GGF004",
                        format!("{what} under key {} is not valid UTF-8 (byte {})", shown(&self.key), e.valid_up_to()),
                    )
                    .at(format!("@{at}")),
                );
                Ok(None)
            }
        }
    }

    /// Reads past one value of type `t`, checking what it holds.
    fn value(&mut self, t: u32, depth: u32) -> Result<(), Halt> {
        match t {
            T_BOOL => self.bools(1),
            T_STRING => {
                self.string_checked()?;
                Ok(())
            }
            T_ARRAY => self.array(depth),
            _ => match fixed_size(t) {
                Some(n) => Ok(self.rd.skip(n, "a metadata value")?),
                None => {
                    self.out.push(
                        Finding::unsafe_("GGF008", format!("unknown value type {t} under key {}: the rest cannot be read", shown(&self.key)))
                            .at(self.key.clone()),
                    );
                    Err(Reported.into())
                }
            },
        }
    }

    /// A string whose bytes are checked for UTF-8 but not kept.
    fn string_checked(&mut self) -> Result<(), Stop> {
        let at = self.rd.pos();
        self.rd.string_into(&mut self.buf, "a metadata string")?;
        if let Err(e) = std::str::from_utf8(&self.buf) {
            self.out.push(
                Finding::unsafe_(
                    "GGF004",
                    format!("a string under key {} is not valid UTF-8 (byte {})", shown(&self.key), e.valid_up_to()),
                )
                .at(format!("@{at}")),
            );
        }
        Ok(())
    }

    fn bools(&mut self, n: u64) -> Result<(), Halt> {
        let at = self.rd.pos();
        let mut buf = std::mem::take(&mut self.buf);
        let mut left = n;
        while left > 0 {
            let chunk = left.min(1 << 16);
            self.rd.bytes_into(chunk, &mut buf, "a bool")?;
            if let Some(b) = buf.iter().find(|&&b| b > 1) {
                self.out.push(
                    Finding::unsafe_("GGF006", format!("bool value {b} under key {} is neither 0 nor 1", shown(&self.key)))
                        .at(format!("@{at}")),
                );
            }
            left -= chunk;
        }
        self.buf = buf;
        Ok(())
    }

    fn array(&mut self, depth: u32) -> Result<(), Halt> {
        if depth >= MAX_NESTING {
            self.out.push(
                Finding::unsafe_("GGF009", format!("arrays under key {} nested deeper than {MAX_NESTING}", shown(&self.key)))
                    .at(self.key.clone()),
            );
            return Err(Reported.into());
        }
        let et = self.rd.u32("an array element type")?;
        let n = self.rd.count("an array length")?;
        // The smallest element: a fixed value, an empty string, an empty array.
        let len_bytes = if self.rd.v1 { 4 } else { 8 };
        let min = match et {
            T_STRING => Some(len_bytes),
            T_ARRAY => Some(4 + len_bytes),
            _ => fixed_size(et),
        };
        let Some(min) = min else {
            return self.value(et, depth + 1);
        };
        if n.checked_mul(min).is_none_or(|b| b > self.rd.left()) {
            self.out.push(
                Finding::unsafe_(
                    "GGF003",
                    format!(
                        "array of {n} {} under key {} is larger than the {} bytes left",
                        type_name(et),
                        shown(&self.key),
                        self.rd.left()
                    ),
                )
                .at(self.key.clone()),
            );
            return Err(Reported.into());
        }
        match et {
            T_BOOL => self.bools(n),
            T_STRING => {
                for _ in 0..n {
                    self.string_checked()?;
                }
                Ok(())
            }
            T_ARRAY => {
                for _ in 0..n {
                    self.array(depth + 1)?;
                }
                Ok(())
            }
            _ => Ok(self.rd.skip(n * min, "an array")?),
        }
    }
}
