//! Header checks: a safetensors file of 1,000 tensors, a GGUF with a 150,000-token
//! vocabulary (tokens, scores, types, merges, a chat template and 300 tensor
//! infos), and one chat template on its own. Only headers are read.
//! Run: `cargo bench -p airlock-models --bench formats`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::hint::black_box;
use std::io::Cursor;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

#[path = "../tests/common/gguf_writer.rs"]
mod gguf_writer;
use gguf_writer::{s, t, Gguf, V};

const TEMPLATE: &str = include_str!("../tests/fixtures/templates/chatml-tools-thinking.jinja");

/// A safetensors header of `n` BF16 tensors of 4096×4096 and the data length.
fn safetensors_header(n: u64) -> (Vec<u8>, u64) {
    let mut h = String::from("{\"__metadata__\":{\"format\":\"pt\"}");
    let bytes = 4096 * 4096 * 2;
    for i in 0..n {
        h.push_str(&format!(
            ",\"model.layers.{}.mlp.proj_{}.weight\":{{\"dtype\":\"BF16\",\"shape\":[4096,4096],\"data_offsets\":[{},{}]}}",
            i / 10,
            i % 10,
            i * bytes,
            (i + 1) * bytes
        ));
    }
    h.push('}');
    while h.len() % 8 != 0 {
        h.push(' ');
    }
    (h.into_bytes(), n * bytes)
}

fn gguf_vocab(n: usize) -> Vec<u8> {
    let tokens: Vec<V> = (0..n).map(|i| s(&format!("tok{i}"))).collect();
    let merges: Vec<V> = (0..n).map(|i| s(&format!("t{} k{}", i % 977, i))).collect();
    let mut g = Gguf::new()
        .kv("general.architecture", s("qwen2"))
        .kv("tokenizer.ggml.model", s("gpt2"))
        .kv("tokenizer.ggml.tokens", V::Arr(8, tokens))
        .kv("tokenizer.ggml.scores", V::Arr(6, (0..n).map(|i| V::F32(i as f32)).collect()))
        .kv("tokenizer.ggml.token_type", V::Arr(5, (0..n).map(|_| V::I32(1)).collect()))
        .kv("tokenizer.ggml.merges", V::Arr(8, merges))
        .kv("tokenizer.chat_template", s(TEMPLATE));
    for i in 0..300u64 {
        g = g.tensor(t(&format!("blk.{}.ffn_{}.weight", i / 10, i % 10), &[256, 4], 12, i * 576), 576);
    }
    g.bytes()
}

fn benches(c: &mut Criterion) {
    let (h, data_len) = safetensors_header(1000);
    let mut file = (h.len() as u64).to_le_bytes().to_vec();
    file.extend_from_slice(&h);
    let size = file.len() as u64 + data_len;
    let mut g = c.benchmark_group("formats");
    g.throughput(Throughput::Bytes(file.len() as u64));
    g.bench_function("safetensors_header_1000_tensors", |b| {
        b.iter(|| {
            let mut out = Vec::new();
            airlock_models::safetensors::scan(&mut Cursor::new(&file), size, &mut out);
            assert!(out.is_empty());
            black_box(out)
        })
    });
    let gguf = gguf_vocab(150_000);
    g.throughput(Throughput::Bytes(gguf.len() as u64));
    g.bench_function("gguf_150k_vocab", |b| {
        b.iter(|| {
            let mut out = Vec::new();
            airlock_models::gguf::scan(&mut Cursor::new(&gguf), gguf.len() as u64, &mut out);
            assert!(out.iter().all(|f| f.severity == airlock_models::Severity::Info), "{out:?}");
            black_box(out)
        })
    });
    g.throughput(Throughput::Bytes(TEMPLATE.len() as u64));
    g.bench_function("chat_template", |b| {
        b.iter(|| {
            let mut out = Vec::new();
            airlock_models::check_chat_template("t", black_box(TEMPLATE), &mut out);
            black_box(out)
        })
    });
    g.finish();
}

criterion_group! {
    name = formats;
    config = Criterion::default().sample_size(20);
    targets = benches
}
criterion_main!(formats);
