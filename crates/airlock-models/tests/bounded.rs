//! The safetensors and GGUF readers read headers only, and survive any damage.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;
use common::gguf_writer::{s, t, Gguf, V};

use std::io::{Cursor, Read, Seek, SeekFrom};

/// A reader that counts the bytes read through it.
struct Counting<R> {
    inner: R,
    read: u64,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        Ok(n)
    }
}

impl<R: Seek> Seek for Counting<R> {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        self.inner.seek(pos)
    }
}

#[test]
fn safetensors_reads_the_header_only() {
    let header = br#"{"a":{"dtype":"F32","shape":[262144],"data_offsets":[0,1048576]}}      "#;
    let mut file = (header.len() as u64).to_le_bytes().to_vec();
    file.extend_from_slice(header);
    let header_end = file.len() as u64;
    file.resize(file.len() + (1 << 20), 0);
    let mut r = Counting { inner: Cursor::new(&file), read: 0 };
    let mut out = Vec::new();
    airlock_models::safetensors::scan(&mut r, file.len() as u64, &mut out);
    assert!(out.is_empty(), "{out:?}");
    assert_eq!(r.read, header_end);
}

#[test]
fn gguf_reads_no_tensor_data() {
    let g = Gguf::new().kv("general.architecture", s("llama")).tensor(t("w", &[262144], 0, 0), 1 << 20);
    let file = g.bytes();
    let mut r = Counting { inner: Cursor::new(&file), read: 0 };
    let mut out = Vec::new();
    airlock_models::gguf::scan(&mut r, file.len() as u64, &mut out);
    assert!(out.is_empty(), "{out:?}");
    assert!(r.read < 200, "{}", r.read);
}

/// A small deterministic generator (xorshift), so failures replay.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(base: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut d = base.to_vec();
    for _ in 0..1 + rng.below(4) {
        match rng.below(4) {
            0 if !d.is_empty() => {
                let i = rng.below(d.len());
                d[i] = rng.next() as u8;
            }
            1 if !d.is_empty() => {
                let i = rng.below(d.len());
                d[i] = [0, 0xff, b'"', b'{', b'_', 0x80][rng.below(6)];
            }
            2 => d.truncate(rng.below(d.len() + 1)),
            _ if !d.is_empty() => {
                // Overwrite eight bytes with a large little-endian number.
                let i = rng.below(d.len());
                let v = (rng.next() >> rng.below(64)).to_le_bytes();
                for (k, b) in v.iter().enumerate() {
                    if let Some(x) = d.get_mut(i + k) {
                        *x = *b;
                    }
                }
            }
            _ => {}
        }
    }
    d
}

#[test]
fn damaged_files_never_panic() {
    let st = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/standard.safetensors")).unwrap();
    let gg = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/small.gguf")).unwrap();
    let built = Gguf::new()
        .kv("tokenizer.chat_template", s("{% for m in messages %}{{ m['content'] }}{% endfor %}"))
        .kv("n", V::Arr(9, vec![V::Arr(8, vec![s("a")])]))
        .tensor(t("w", &[32], 2, 0), 18)
        .bytes();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..3000 {
        for base in [&st, &gg, &built] {
            let d = mutate(base, &mut rng);
            let r = airlock_models::scan_bytes("m", &d);
            if d != *base {
                // Damage is either harmless (a changed tensor byte) or reported.
                let _ = r.verdict();
            }
        }
    }
}
