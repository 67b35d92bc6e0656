//! A tiny GGUF writer for tests: any version, any metadata (nested arrays too),
//! tensor infos as given; tensor data is zeros.
#![allow(dead_code)]

pub enum V {
    U8(u8),
    U32(u32),
    I32(i32),
    F32(f32),
    U64(u64),
    Bool(u8),
    Str(String),
    /// Element type id and the elements (all of that type).
    Arr(u32, Vec<V>),
    /// Raw: a type id and the bytes that follow it.
    Raw(u32, Vec<u8>),
}

pub fn s(x: &str) -> V {
    V::Str(x.to_string())
}

pub struct Tensor {
    pub name: String,
    pub dims: Vec<u64>,
    pub ty: u32,
    pub offset: u64,
}

pub fn t(name: &str, dims: &[u64], ty: u32, offset: u64) -> Tensor {
    Tensor { name: name.to_string(), dims: dims.to_vec(), ty, offset }
}

pub struct Gguf {
    pub version: u32,
    pub kv: Vec<(String, V)>,
    pub tensors: Vec<Tensor>,
    pub alignment: u64,
    /// Bytes of tensor data after the aligned start.
    pub data_len: u64,
}

impl Gguf {
    pub fn new() -> Self {
        Gguf { version: 3, kv: Vec::new(), tensors: Vec::new(), alignment: 32, data_len: 0 }
    }

    pub fn kv(mut self, k: &str, v: V) -> Self {
        self.kv.push((k.to_string(), v));
        self
    }

    pub fn tensor(mut self, t: Tensor, bytes: u64) -> Self {
        self.data_len = self.data_len.max(t.offset + bytes);
        self.tensors.push(t);
        self
    }

    fn count(&self, out: &mut Vec<u8>, n: u64) {
        if self.version == 1 {
            out.extend_from_slice(&(n as u32).to_le_bytes());
        } else {
            out.extend_from_slice(&n.to_le_bytes());
        }
    }

    fn str(&self, out: &mut Vec<u8>, x: &[u8]) {
        self.count(out, x.len() as u64);
        out.extend_from_slice(x);
    }

    fn type_of(v: &V) -> u32 {
        match v {
            V::U8(_) => 0,
            V::U32(_) => 4,
            V::I32(_) => 5,
            V::F32(_) => 6,
            V::Bool(_) => 7,
            V::Str(_) => 8,
            V::Arr(..) => 9,
            V::U64(_) => 10,
            V::Raw(t, _) => *t,
        }
    }

    fn value(&self, out: &mut Vec<u8>, v: &V) {
        match v {
            V::U8(x) | V::Bool(x) => out.push(*x),
            V::U32(x) => out.extend_from_slice(&x.to_le_bytes()),
            V::I32(x) => out.extend_from_slice(&x.to_le_bytes()),
            V::F32(x) => out.extend_from_slice(&x.to_le_bytes()),
            V::U64(x) => out.extend_from_slice(&x.to_le_bytes()),
            V::Str(x) => self.str(out, x.as_bytes()),
            V::Arr(et, items) => {
                out.extend_from_slice(&et.to_le_bytes());
                self.count(out, items.len() as u64);
                for i in items {
                    self.value(out, i);
                }
            }
            V::Raw(_, b) => out.extend_from_slice(b),
        }
    }

    pub fn bytes(&self) -> Vec<u8> {
        let mut out = b"GGUF".to_vec();
        out.extend_from_slice(&self.version.to_le_bytes());
        self.count(&mut out, self.tensors.len() as u64);
        self.count(&mut out, self.kv.len() as u64);
        for (k, v) in &self.kv {
            self.str(&mut out, k.as_bytes());
            out.extend_from_slice(&Self::type_of(v).to_le_bytes());
            self.value(&mut out, v);
        }
        for t in &self.tensors {
            self.str(&mut out, t.name.as_bytes());
            out.extend_from_slice(&(t.dims.len() as u32).to_le_bytes());
            for d in &t.dims {
                self.count(&mut out, *d);
            }
            out.extend_from_slice(&t.ty.to_le_bytes());
            out.extend_from_slice(&t.offset.to_le_bytes());
        }
        if !self.tensors.is_empty() {
            while !(out.len() as u64).is_multiple_of(self.alignment) {
                out.push(0);
            }
            out.extend(std::iter::repeat_n(0u8, self.data_len as usize));
        }
        out
    }
}
