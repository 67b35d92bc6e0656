//! The GGUF reader, on files the tests build (and one written by gguf-py).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;
use common::gguf_writer::{s, t, Gguf, V};

use airlock_models::{scan_bytes, Format, Severity};

fn codes(g: &Gguf) -> Vec<&'static str> {
    codes_of(&g.bytes())
}

fn codes_of(data: &[u8]) -> Vec<&'static str> {
    let r = scan_bytes("t.gguf", data);
    assert_eq!(r.format, Format::Gguf);
    let mut c: Vec<_> = r.findings.iter().map(|f| f.code).collect();
    c.dedup();
    c
}

fn base() -> Gguf {
    Gguf::new()
        .kv("general.architecture", s("llama"))
        .kv("llama.context_length", V::U32(4096))
        .kv("tokenizer.ggml.tokens", V::Arr(8, vec![s("<s>"), s("a"), s("\u{200b}")]))
        .tensor(t("token_embd.weight", &[64, 3], 0, 0), 64 * 3 * 4)
        .tensor(t("blk.0.attn_q.weight", &[64, 2], 8, 768), 2 * 2 * 34)
}

#[test]
fn gguf_py_file_is_clean() {
    let data = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/small.gguf")).unwrap();
    let r = scan_bytes("small.gguf", &data);
    assert_eq!(r.format, Format::Gguf);
    assert!(r.findings.is_empty(), "{:?}", r.findings);
}

#[test]
fn built_files_of_every_version_are_clean() {
    for v in [1, 2, 3] {
        let mut g = base();
        g.version = v;
        assert!(codes(&g).is_empty(), "v{v}: {:?}", codes(&g));
    }
    // Every value type, nested arrays, a custom power-of-two alignment.
    let mut g = base()
        .kv("a.u8", V::U8(1))
        .kv("a.i32", V::I32(-1))
        .kv("a.f32", V::F32(0.5))
        .kv("a.u64", V::U64(7))
        .kv("a.bool", V::Bool(1))
        .kv("a.nested", V::Arr(9, vec![V::Arr(4, vec![V::U32(1), V::U32(2)]), V::Arr(8, vec![s("x")])]))
        .kv("a.empty", V::Arr(8, vec![]))
        .kv("general.alignment", V::U32(64));
    g.alignment = 64;
    g.tensors[1].offset = 768;
    assert!(codes(&g).is_empty(), "{:?}", codes(&g));
}

#[test]
fn versions() {
    let mut g = base();
    g.version = 4;
    assert_eq!(codes(&g), ["GGF001"]);
    let mut data = base().bytes();
    data[4..8].copy_from_slice(&3u32.to_be_bytes());
    let r = scan_bytes("t", &data);
    assert_eq!(r.findings[0].code, "GGF001");
    assert_eq!(r.findings[0].severity, Severity::Warning);
}

#[test]
fn truncation_anywhere_is_reported() {
    let data = base().bytes();
    // Cut inside the header and metadata: always a finding, never a panic.
    for cut in 4..data.len() - 64 * 3 * 4 - 2 * 2 * 34 {
        let r = scan_bytes("t", &data[..cut]);
        assert!(!r.findings.is_empty(), "cut at {cut}");
        assert!(r.findings.iter().any(|f| f.severity == Severity::Unsafe), "cut at {cut}: {:?}", r.findings);
    }
}

#[test]
fn counts_and_lengths_are_checked_before_allocating() {
    let mut data = b"GGUF".to_vec();
    data.extend_from_slice(&3u32.to_le_bytes());
    data.extend_from_slice(&0u64.to_le_bytes());
    data.extend_from_slice(&u64::MAX.to_le_bytes());
    assert_eq!(codes_of(&data), ["GGF003"]);
    // An array claiming 2^60 strings.
    let g = Gguf::new().kv("x", V::Raw(9, [8u32.to_le_bytes().to_vec(), (1u64 << 60).to_le_bytes().to_vec()].concat()));
    assert_eq!(codes(&g), ["GGF003"]);
    // A string claiming 2^40 bytes.
    let g = Gguf::new().kv("x", V::Raw(8, (1u64 << 40).to_le_bytes().to_vec()));
    assert_eq!(codes(&g), ["GGF002"]);
    // Tensor count larger than the file.
    let mut data = b"GGUF".to_vec();
    data.extend_from_slice(&3u32.to_le_bytes());
    data.extend_from_slice(&1_000_000u64.to_le_bytes());
    data.extend_from_slice(&0u64.to_le_bytes());
    assert_eq!(codes_of(&data), ["GGF003"]);
}

#[test]
fn strings_must_be_utf8() {
    let g = base().kv("x", V::Raw(8, [2u64.to_le_bytes().to_vec(), vec![0xff, 0xfe]].concat()));
    assert_eq!(codes(&g), ["GGF004"]);
    let g = base().kv("tokenizer.ggml.merges", V::Arr(8, vec![s("a b"), V::Raw(0, [1u64.to_le_bytes().to_vec(), vec![0xc3]].concat())]));
    assert_eq!(codes(&g), ["GGF004"]);
}

#[test]
fn duplicate_keys() {
    let g = base().kv("llama.context_length", V::U32(8));
    assert_eq!(codes(&g), ["GGF005"]);
}

#[test]
fn bools() {
    assert_eq!(codes(&base().kv("b", V::Bool(2))), ["GGF006"]);
    assert_eq!(codes(&base().kv("b", V::Arr(7, vec![V::Bool(1), V::Bool(7)]))), ["GGF006"]);
}

#[test]
fn alignment() {
    assert_eq!(codes(&base().kv("general.alignment", V::U32(24))), ["GGF007"]);
    assert_eq!(codes(&base().kv("general.alignment", V::U32(0))), ["GGF007"]);
    assert_eq!(codes(&base().kv("general.alignment", V::U64(32))), ["GGF007"]);
    // Offsets that fit 32 but not 256.
    let mut g = base().kv("general.alignment", V::U32(256));
    g.alignment = 256;
    g.tensors[1].offset = 800;
    g.data_len = 1000;
    assert_eq!(codes(&g), ["GGF017"]);
}

#[test]
fn unknown_value_type_and_nesting() {
    assert_eq!(codes(&base().kv("x", V::Raw(13, vec![]))), ["GGF008"]);
    let mut v = V::Arr(4, vec![V::U32(1)]);
    for _ in 0..9 {
        v = V::Arr(9, vec![v]);
    }
    assert_eq!(codes(&base().kv("deep", v)), ["GGF009"]);
}

#[test]
fn tensor_names() {
    let g = base().tensor(t("token_embd.weight", &[32], 0, 1024), 128);
    assert_eq!(codes(&g), ["GGF011"]);
    assert_eq!(codes(&base().tensor(t("", &[32], 0, 1024), 128)), ["GGF012"]);
    assert_eq!(codes(&base().tensor(t(&"x".repeat(64), &[32], 0, 1024), 128)), ["GGF012"]);
    assert_eq!(codes(&base().tensor(t("a\u{202e}b", &[32], 0, 1024), 128)), ["GGF012"]);
}

#[test]
fn tensor_shapes_and_types() {
    assert_eq!(codes(&base().tensor(t("x", &[1, 1, 1, 1, 1], 0, 1024), 4)), ["GGF013"]);
    assert_eq!(codes(&base().tensor(t("x", &[32, 0], 0, 1024), 0)), ["GGF014"]);
    assert_eq!(codes(&base().tensor(t("x", &[1 << 32, 1 << 32], 0, 1024), 0)), ["GGF014"]);
    let r = scan_bytes("t", &base().tensor(t("x", &[32], 99, 1024), 128).bytes());
    assert_eq!(r.findings[0].code, "GGF015");
    assert_eq!(r.findings[0].severity, Severity::Warning);
    let r = scan_bytes("t", &base().tensor(t("x", &[32], 31, 1024), 128).bytes());
    assert!(r.findings[0].message.contains("Q4_0_4_4"));
    // Q4_K needs rows in multiples of 256.
    assert_eq!(codes(&base().tensor(t("x", &[128], 12, 1024), 72)), ["GGF016"]);
    assert!(codes(&base().tensor(t("x", &[256, 2], 12, 1024), 288)).is_empty());
}

#[test]
fn tensor_placement() {
    assert_eq!(codes(&base().tensor(t("x", &[32], 0, 1025), 128)), ["GGF017"]);
    // Past the end of the file: the writer adds data only up to the declared bytes.
    assert_eq!(codes(&base().tensor(t("x", &[64], 0, 1024), 128)), ["GGF018"]);
    assert_eq!(codes(&base().tensor(t("x", &[32], 0, 800), 128)), ["GGF019"]);
    let mut g = base();
    g.tensors.push(t("x", &[32], 0, u64::MAX - 31));
    assert_eq!(codes(&g), ["GGF018"]);
}

#[test]
fn chat_templates_are_checked() {
    let g = base().kv("tokenizer.chat_template", s("{{ messages.__class__ }}"));
    assert_eq!(codes(&g), ["TPL001"]);
    let g = base().kv("tokenizer.chat_template.tool_use", s("{{ cycler.__init__.__globals__ }}"));
    assert!(codes(&g).contains(&"TPL001"));
    let g = base().kv("tokenizer.chat_template", V::U32(1));
    assert_eq!(codes(&g), ["GGF020"]);
    // A template read before the file turns out truncated is still judged.
    let data = base().kv("tokenizer.chat_template", s("{{ x.__class__ }}")).kv("y", V::Raw(8, 99u64.to_le_bytes().to_vec())).bytes();
    let c = codes_of(&data);
    assert!(c.contains(&"TPL001") && c.contains(&"GGF002"), "{c:?}");
    let r = scan_bytes("t", &base().kv("tokenizer.chat_template", s("{{ x.__class__ }}")).bytes());
    insta::assert_json_snapshot!(r.findings);
}
