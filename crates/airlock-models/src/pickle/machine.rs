//! The state of the pickle machine: stack, metastack (marks), memo, protocol,
//! frame, and what the verdict needs from the values.
//!
//! Values keep only what can change the verdict: short strings (they may become
//! `STACK_GLOBAL` operands), imports, results of calls and where they came from,
//! small ints and the storage tuples of PyTorch persistent ids. Containers hold no
//! elements. The memo is a dense table of 4-byte slots: plain values take no more,
//! others an entry in a side table; both are capped.

use std::collections::HashMap;

use super::allowlist;
use crate::Finding;

/// Bytes of a string kept in a value: at least the longest part of an allowed
/// import (checked by a test), so a longer string can never name one.
pub const NAME_CAP: usize = 29;
/// Stack entries (all segments together).
pub const STACK_CAP: usize = 1 << 21;
/// Memo keys: a key at or past this is refused.
pub const MEMO_CAP: u64 = 1 << 24;
/// Memo entries holding a short string or an int (40 bytes each).
pub const MEMO_SIDE_CAP: usize = 1 << 22;
/// Distinct imports of one file.
pub const IMPORT_CAP: usize = 4096;
/// Storage tuples of one pickle.
pub const STORAGE_CAP: usize = 1 << 20;

/// A short string, or the first [`NAME_CAP`] bytes of a longer one.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Name {
    len: u8,
    b: [u8; NAME_CAP],
}

impl Name {
    pub fn new(s: &[u8]) -> Name {
        let mut b = [0u8; NAME_CAP];
        let n = s.len().min(NAME_CAP);
        if let (Some(d), Some(s)) = (b.get_mut(..n), s.get(..n)) {
            d.copy_from_slice(s);
        }
        Name { len: u8::try_from(n).unwrap_or(0), b }
    }

    pub fn bytes(&self) -> &[u8] {
        self.b.get(..usize::from(self.len)).unwrap_or_default()
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(self.bytes()).into_owned()
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Value {
    /// Anything whose content cannot change the verdict.
    Other,
    /// An int (little-endian bytes: keeps the value 32 bytes with no 8-byte alignment).
    Int([u8; 8]),
    /// A `str` known exactly (at most [`NAME_CAP`] bytes).
    Str(Name),
    /// A `str` longer than [`NAME_CAP`] bytes: its first bytes, for messages.
    LongStr(Name),
    /// An imported object (index into [`Machine::imports`]).
    Global(u32),
    /// What calling an import returned.
    Obj(u32),
    /// What the loader's `persistent_load` returned.
    Persid,
    /// A PyTorch storage persistent id tuple (index into [`Machine::storages`]).
    Storage(u32),
    /// The magic number a legacy PyTorch file starts with.
    TorchMagic,
}

impl Value {
    pub fn describe(&self, m: &Machine) -> String {
        match self {
            Value::Other => "a constant or container".into(),
            Value::Int(_) => "an int".into(),
            Value::Str(n) => format!("the string {:?}", n.text()),
            Value::LongStr(n) if n.bytes().is_empty() => "a long string".into(),
            Value::LongStr(n) => format!("a long string starting {:?}", n.text()),
            Value::Global(i) => format!("the import {}", m.import_path(*i)),
            Value::Obj(i) => format!("a result of {}", m.import_path(*i)),
            Value::Persid | Value::Storage(_) => "a persistent object".into(),
            Value::TorchMagic => "an int".into(),
        }
    }
}

pub struct Import {
    pub path: String,
    pub allowed: bool,
    /// Element size when the import is a PyTorch storage type.
    pub storage_size: Option<u8>,
}

/// A `('storage', torch.XStorage, key, location, numel, ...)` persistent id.
pub struct StorageRef {
    /// The key: `key_len` bytes at `key_at` in [`Machine::storage_keys`].
    key_at: u32,
    key_len: u8,
    pub element_size: u8,
    pub numel: u64,
    /// Passed to `BINPERSID` (not just built).
    pub used: bool,
}

impl StorageRef {
    /// The key, from the machine's key bytes.
    pub fn key<'a>(&self, keys: &'a [u8]) -> &'a [u8] {
        let at = self.key_at as usize;
        keys.get(at..at + usize::from(self.key_len)).unwrap_or_default()
    }
}

/// Why the machine stopped before `STOP`.
#[derive(Debug)]
pub enum Fail {
    Truncated,
    Malformed(String),
    Frame(String),
    Cap(String),
    Io(String),
}

impl From<super::input::Short> for Fail {
    fn from(s: super::input::Short) -> Self {
        match s {
            super::input::Short::Truncated => Fail::Truncated,
            super::input::Short::LongLine => {
                Fail::Cap(format!("text argument longer than {} bytes", super::input::BUF))
            }
            super::input::Short::Io(e) => Fail::Io(e.to_string()),
        }
    }
}

pub fn bad(msg: impl Into<String>) -> Fail {
    Fail::Malformed(msg.into())
}

// Memo slots: a few fixed values, or a tag (top 4 bits) and an index.
const EMPTY: u32 = 0;
const PLAIN: u32 = 1;
const PERSID: u32 = 2;
const MAGIC: u32 = 3;
const LONG: u32 = 4;
const MASK: u32 = (1 << 28) - 1;
const T_GLOBAL: u32 = 1 << 28;
const T_OBJ: u32 = 2 << 28;
const T_STORAGE: u32 = 3 << 28;
const T_SIDE: u32 = 4 << 28;

#[derive(Default)]
pub struct Machine {
    pub stack: Vec<Value>,
    pub marks: Vec<usize>,
    memo: Vec<u32>,
    memo_side: Vec<Value>,
    memo_len: u64,
    pub proto: u8,
    pub frame_end: Option<u64>,
    /// Distinct imports of the file (all pickles), with their first offsets.
    pub imports: Vec<Import>,
    import_index: HashMap<String, u32>,
    pub storages: Vec<StorageRef>,
    storage_keys: Vec<u8>,
    /// Whether the current pickle has imported anything or raised a finding:
    /// until then a failure has run no code.
    pub acted: bool,
    /// Findings already reported per code (each kind is capped).
    reported: HashMap<&'static str, u32>,
    pub opcodes: u64,
}

impl Machine {
    /// Fresh state for the next pickle of a file (each `load` starts from zero);
    /// imports and storages are kept.
    pub fn reset(&mut self) {
        self.stack.clear();
        self.marks.clear();
        self.memo.clear();
        self.memo_side.clear();
        self.memo_len = 0;
        self.proto = 0;
        self.frame_end = None;
        self.acted = false;
    }

    /// The key of a storage.
    pub fn storage_key(&self, s: &StorageRef) -> &[u8] {
        s.key(&self.storage_keys)
    }

    /// The storage table and the bytes its keys point into.
    pub fn into_storages(self) -> (Vec<StorageRef>, Vec<u8>) {
        (self.storages, self.storage_keys)
    }

    pub fn import_path(&self, i: u32) -> &str {
        self.imports.get(i as usize).map_or("?", |g| g.path.as_str())
    }

    /// Records a finding, at most 20 of one code per file.
    pub fn report(&mut self, out: &mut Vec<Finding>, f: Finding) {
        self.acted = true;
        let n = self.reported.entry(f.code).or_insert(0);
        *n += 1;
        if *n <= 20 {
            out.push(f);
        }
    }

    #[inline]
    pub fn push(&mut self, v: Value) -> Result<(), Fail> {
        if self.stack.len() >= STACK_CAP {
            return Err(Fail::Cap(format!("stack deeper than {STACK_CAP}")));
        }
        self.stack.push(v);
        Ok(())
    }

    #[inline]
    fn fence(&self) -> usize {
        self.marks.last().copied().unwrap_or(0)
    }

    #[inline]
    pub fn pop(&mut self) -> Result<Value, Fail> {
        if self.stack.len() <= self.fence() {
            return Err(bad("stack underflow"));
        }
        self.stack.pop().ok_or_else(|| bad("stack underflow"))
    }

    #[inline]
    pub fn top(&mut self) -> Result<&mut Value, Fail> {
        if self.stack.len() <= self.fence() {
            return Err(bad("stack underflow"));
        }
        self.stack.last_mut().ok_or_else(|| bad("stack underflow"))
    }

    pub fn mark(&mut self) -> Result<(), Fail> {
        if self.marks.len() >= STACK_CAP {
            return Err(Fail::Cap(format!("more than {STACK_CAP} marks")));
        }
        self.marks.push(self.stack.len());
        Ok(())
    }

    /// Pops the topmost mark; the items above it are `stack[start..]`.
    pub fn pop_mark(&mut self) -> Result<usize, Fail> {
        self.marks.pop().ok_or_else(|| bad("no MARK on the stack"))
    }

    /// A memo slot for `v`: most values fit the 4-byte slot itself; short
    /// strings and ints go to the side table.
    #[inline]
    fn encode(&mut self, v: Value, old: u32) -> Result<u32, Fail> {
        let small = |tag: u32, i: u32| if i <= MASK { Ok(tag | i) } else { Err(bad("memo index")) };
        match v {
            Value::Other => Ok(PLAIN),
            Value::Persid => Ok(PERSID),
            Value::TorchMagic => Ok(MAGIC),
            // Only its start (kept for messages) is lost: it still names nothing allowed.
            Value::LongStr(_) => Ok(LONG),
            Value::Global(i) => small(T_GLOBAL, i),
            Value::Obj(i) => small(T_OBJ, i),
            Value::Storage(i) => small(T_STORAGE, i),
            Value::Str(_) | Value::Int(_) => {
                if old & !MASK == T_SIDE {
                    if let Some(e) = self.memo_side.get_mut((old & MASK) as usize) {
                        *e = v;
                        return Ok(old);
                    }
                }
                if self.memo_side.len() >= MEMO_SIDE_CAP {
                    return Err(Fail::Cap(format!("more than {MEMO_SIDE_CAP} memoized strings and ints")));
                }
                let i = u32::try_from(self.memo_side.len()).map_err(|_| bad("memo"))?;
                self.memo_side.push(v);
                small(T_SIDE, i)
            }
        }
    }

    #[inline]
    pub fn memo_put(&mut self, key: u64, v: Value) -> Result<(), Fail> {
        if key >= MEMO_CAP {
            return Err(Fail::Cap(format!("memo key {key} (at most {MEMO_CAP} modelled)")));
        }
        let k = usize::try_from(key).map_err(|_| bad("memo key"))?;
        let old = match self.memo.get(k) {
            Some(&old) => old,
            None => {
                // Keys far beyond those used so far grow the table no faster than the
                // stream does: one more key ahead of the next 64 Ki at most per opcode.
                if k > self.memo.len() + (1 << 16) && k as u64 > 4 * self.memo_len + (1 << 16) {
                    return Err(Fail::Cap(format!("memo key {key} far beyond the {} keys stored", self.memo_len)));
                }
                if k > self.memo.len() {
                    self.memo.resize(k, EMPTY);
                }
                self.memo.push(EMPTY);
                EMPTY
            }
        };
        if old == EMPTY {
            self.memo_len += 1;
        }
        let slot = self.encode(v, old)?;
        if let Some(s) = self.memo.get_mut(k) {
            *s = slot;
        }
        Ok(())
    }

    #[inline]
    pub fn memo_get(&self, key: u64) -> Result<Value, Fail> {
        let slot = usize::try_from(key).ok().and_then(|k| self.memo.get(k)).copied().unwrap_or(EMPTY);
        let i = slot & MASK;
        Ok(match slot {
            EMPTY => return Err(bad(format!("memo key {key} was never stored"))),
            PLAIN => Value::Other,
            PERSID => Value::Persid,
            MAGIC => Value::TorchMagic,
            LONG => Value::LongStr(Name::new(b"")),
            _ => match slot & !MASK {
                T_GLOBAL => Value::Global(i),
                T_OBJ => Value::Obj(i),
                T_STORAGE => Value::Storage(i),
                _ => self.memo_side.get(i as usize).copied().ok_or_else(|| bad("memo"))?,
            },
        })
    }

    /// `MEMOIZE`: the next key is the number of entries.
    #[inline]
    pub fn memoize(&mut self) -> Result<(), Fail> {
        let v = *self.top()?;
        self.memo_put(self.memo_len, v)
    }

    /// An import of `module.name`: resolved, recorded once, judged once.
    pub fn import(&mut self, module: &str, name: &str, at: u64, out: &mut Vec<Finding>) -> Result<Value, Fail> {
        let path = allowlist::resolve(module, name, self.proto);
        self.import_path_value(path, at, out)
    }

    pub fn import_path_value(&mut self, path: String, at: u64, out: &mut Vec<Finding>) -> Result<Value, Fail> {
        self.acted = true;
        if let Some(&i) = self.import_index.get(&path) {
            return Ok(Value::Global(i));
        }
        if self.imports.len() >= IMPORT_CAP {
            return Err(Fail::Cap(format!("more than {IMPORT_CAP} distinct imports")));
        }
        let allowed = allowlist::allowed(&path);
        if !allowed {
            let f = if allowlist::has_dunder(&path) {
                Finding::unsafe_("PKL003", format!("import of {path}: a dunder name (never needed by a model)"))
            } else {
                Finding::unsafe_("PKL002", format!("import of {path}: not on the allowlist of what model files need"))
            };
            out.push(f.at(format!("@{at}")));
        }
        let i = u32::try_from(self.imports.len()).map_err(|_| bad("imports"))?;
        self.import_index.insert(path.clone(), i);
        let storage_size = allowlist::storage_element_size(&path);
        self.imports.push(Import { path, allowed, storage_size });
        Ok(Value::Global(i))
    }

    /// A call (`REDUCE`, `NEWOBJ`, `NEWOBJ_EX`, `OBJ`, `INST`) of `callee`.
    pub fn call(&mut self, callee: Value, op: &str, at: u64, out: &mut Vec<Finding>) -> Value {
        self.acted = true;
        match callee {
            Value::Global(i) => Value::Obj(i),
            other => {
                let what = other.describe(self);
                self.report(
                    out,
                    Finding::unsafe_("PKL007", format!("{op} calls {what}, not an import on the allowlist"))
                        .at(format!("@{at}")),
                );
                Value::Other
            }
        }
    }

    /// `BUILD`, `APPEND(S)`, `SETITEM(S)`, `ADDITEMS` on `target`: on an import
    /// (a class, module or function) this sets its attributes or items.
    pub fn mutate(&mut self, target: Value, op: &str, at: u64, out: &mut Vec<Finding>) {
        if let Value::Global(i) = target {
            let path = self.import_path(i).to_string();
            self.report(
                out,
                Finding::unsafe_("PKL006", format!("{op} on the import {path}: changes a class, module or function"))
                    .at(format!("@{at}")),
            );
        }
    }

    /// The items of a tuple being built: a PyTorch storage persistent id becomes a
    /// [`Value::Storage`], anything else [`Value::Other`].
    pub fn tuple_value(&mut self, start: usize) -> Result<Value, Fail> {
        let items = self.stack.get(start..).unwrap_or_default();
        let v = match items {
            [Value::Str(tag), Value::Global(g), Value::Str(key), _, Value::Int(n), ..]
                if items.len() <= 6 && tag.bytes() == b"storage" && i64::from_le_bytes(*n) >= 0 =>
            {
                match self.imports.get(*g as usize).and_then(|g| g.storage_size) {
                    Some(element_size) if self.storages.len() < STORAGE_CAP => {
                        let i = u32::try_from(self.storages.len()).map_err(|_| bad("storages"))?;
                        let numel = u64::from_le_bytes(*n);
                        let key_at = u32::try_from(self.storage_keys.len()).map_err(|_| bad("storages"))?;
                        self.storage_keys.extend_from_slice(key.bytes());
                        let key_len = u8::try_from(key.bytes().len()).map_err(|_| bad("storages"))?;
                        self.storages.push(StorageRef { key_at, key_len, element_size, numel, used: false });
                        Value::Storage(i)
                    }
                    _ => Value::Other,
                }
            }
            _ => Value::Other,
        };
        self.stack.truncate(start);
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn value_is_small() {
        assert!(std::mem::size_of::<super::Value>() <= 32);
    }
}
