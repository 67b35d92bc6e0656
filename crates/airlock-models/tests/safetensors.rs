//! The strict safetensors reader, on files the tests build.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use airlock_models::{scan_bytes, Format, Severity};

/// A safetensors file: the header as given (padded with spaces to 8 bytes, as the
/// standard writer does), then `data_len` bytes of data.
fn file(header: &str, data_len: usize) -> Vec<u8> {
    let mut h = header.as_bytes().to_vec();
    while !h.len().is_multiple_of(8) {
        h.push(b' ');
    }
    let mut out = (h.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(&h);
    out.extend(std::iter::repeat_n(0u8, data_len));
    out
}

fn codes(data: &[u8]) -> Vec<&'static str> {
    let r = scan_bytes("t.safetensors", data);
    assert_eq!(r.format, Format::Safetensors, "{r:?}");
    assert!(r.findings.iter().all(|f| f.severity == Severity::Unsafe), "{r:?}");
    let mut c: Vec<_> = r.findings.iter().map(|f| f.code).collect();
    c.dedup();
    c
}

/// The reader called directly, for files the format detector does not take for
/// safetensors (it wants a `{` and a length that fits).
fn direct(data: &[u8]) -> Vec<&'static str> {
    let mut out = Vec::new();
    airlock_models::safetensors::scan(&mut std::io::Cursor::new(data), data.len() as u64, &mut out);
    out.iter().map(|f| f.code).collect()
}

fn one(header: &str, data_len: usize) -> Vec<&'static str> {
    codes(&file(header, data_len))
}

const GOOD: &str = r#"{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"b":{"dtype":"BF16","shape":[4],"data_offsets":[24,32]}}"#;

#[test]
fn standard_file_from_the_reference_writer_is_clean() {
    let data = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/standard.safetensors")).unwrap();
    let r = scan_bytes("standard.safetensors", &data);
    assert_eq!(r.format, Format::Safetensors);
    assert!(r.findings.is_empty(), "{:?}", r.findings);
}

#[test]
fn well_formed_headers_are_clean() {
    assert!(one(GOOD, 32).is_empty());
    assert!(one("{}", 0).is_empty());
    // Sub-byte and 8-bit float dtypes, C64, zero-size tensors at boundaries.
    let h = r#"{"f4":{"dtype":"F4","shape":[2,3],"data_offsets":[0,3]},"f6":{"dtype":"F6_E2M3","shape":[4],"data_offsets":[3,6]},"e":{"dtype":"F8_E8M0","shape":[0],"data_offsets":[6,6]},"e2":{"dtype":"F8_E4M3FNUZ","shape":[3,0],"data_offsets":[6,6]},"c":{"dtype":"C64","shape":[1],"data_offsets":[6,14]},"end":{"dtype":"U8","shape":[0],"data_offsets":[14,14]}}"#;
    assert!(one(h, 14).is_empty(), "{:?}", one(h, 14));
    // Tensor entries in any order; fields in any order.
    let h = r#"{"b":{"data_offsets":[4,8],"shape":[1],"dtype":"I32"},"a":{"shape":[],"dtype":"F32","data_offsets":[0,4]}}"#;
    assert!(one(h, 8).is_empty());
}

#[test]
fn header_length_and_truncation() {
    assert_eq!(direct(b"\x10\x00\x00\x00\x00\x00\x00\x00{}      "), ["SFT001"]);
    let mut big = (200_000_000u64).to_le_bytes().to_vec();
    big.extend_from_slice(b"{}");
    // Not detected as safetensors (length past the end): the detector refuses it,
    // so call the reader directly.
    let mut out = Vec::new();
    let size = big.len() as u64;
    airlock_models::safetensors::scan(&mut std::io::Cursor::new(big), size, &mut out);
    assert_eq!(out[0].code, "SFT002");
    let mut out = Vec::new();
    airlock_models::safetensors::scan(&mut std::io::Cursor::new(vec![1u8, 0]), 2, &mut out);
    assert_eq!(out[0].code, "SFT001");
}

#[test]
fn whitespace_before_the_object() {
    assert_eq!(one(&format!(" {GOOD}"), 32), ["SFT004"]);
    assert_eq!(one(&format!("\n{GOOD}"), 32), ["SFT004"]);
}

#[test]
fn trailing_bytes_after_the_json() {
    // Space padding is the format's own.
    assert!(one(&format!("{GOOD}        "), 32).is_empty());
    assert_eq!(one(&format!("{GOOD}\n"), 32), ["SFT005"]);
    assert_eq!(one(&format!("{GOOD} {{}}"), 32), ["SFT005"]);
    assert_eq!(one(&format!("{GOOD}\0"), 32), ["SFT005"]);
}

#[test]
fn not_json() {
    assert_eq!(one(r#"{"a":{"dtype":"F32",}}"#, 0), ["SFT003"]);
    assert_eq!(codes(&file_bytes(b"{\"a\xff\":1}")), ["SFT003"]);
}

fn file_bytes(h: &[u8]) -> Vec<u8> {
    let mut out = (h.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(h);
    out
}

#[test]
fn duplicate_keys_at_every_level() {
    let dup_tensor = r#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#;
    assert!(one(dup_tensor, 4).contains(&"SFT006"));
    let dup_field = r#"{"a":{"dtype":"F32","dtype":"I32","shape":[1],"data_offsets":[0,4]}}"#;
    assert_eq!(one(dup_field, 4), ["SFT006"]);
    let dup_meta = r#"{"__metadata__":{"k":"1","k":"2"},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#;
    assert_eq!(one(dup_meta, 4), ["SFT006"]);
    let two_meta = r#"{"__metadata__":{},"__metadata__":{},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#;
    assert_eq!(one(two_meta, 4), ["SFT006"]);
    // Same key in different objects is fine.
    let r = r#"{"__metadata__":{"dtype":"x"},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#;
    assert!(one(r, 4).is_empty());
}

#[test]
fn entry_fields() {
    assert_eq!(one(r#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":1}}"#, 4), ["SFT008"]);
    assert_eq!(one(r#"{"a":{"dtype":"F32","data_offsets":[0,4]}}"#, 4), ["SFT008"]);
    assert_eq!(one(r#"{"a":[1]}"#, 0), ["SFT007"]);
    assert_eq!(direct(&file("[]", 0)), ["SFT007"]);
}

#[test]
fn dtypes() {
    assert_eq!(one(r#"{"a":{"dtype":"F31","shape":[1],"data_offsets":[0,4]}}"#, 4), ["SFT009"]);
    assert_eq!(one(r#"{"a":{"dtype":"f32","shape":[1],"data_offsets":[0,4]}}"#, 4), ["SFT009"]);
    assert_eq!(one(r#"{"a":{"dtype":32,"shape":[1],"data_offsets":[0,4]}}"#, 4), ["SFT009"]);
}

#[test]
fn shapes() {
    assert_eq!(one(r#"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, 4), ["SFT010"]);
    assert_eq!(one(r#"{"a":{"dtype":"F32","shape":[1.0],"data_offsets":[0,4]}}"#, 4), ["SFT010"]);
    assert_eq!(one(r#"{"a":{"dtype":"F32","shape":"1","data_offsets":[0,4]}}"#, 4), ["SFT010"]);
    let over = r#"{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}"#;
    assert_eq!(one(over, 4), ["SFT010"]);
    // Fits in 64 bits as elements, overflows as bits.
    let over = r#"{"a":{"dtype":"F64","shape":[4611686018427387904],"data_offsets":[0,4]}}"#;
    assert_eq!(one(over, 4), ["SFT011"]);
}

#[test]
fn size_mismatch() {
    assert_eq!(one(r#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#, 4), ["SFT011"]);
    assert_eq!(one(r#"{"a":{"dtype":"F4","shape":[3],"data_offsets":[0,2]}}"#, 2), ["SFT011"]);
    assert_eq!(one(r#"{"a":{"dtype":"F32","shape":[0],"data_offsets":[0,4]}}"#, 4), ["SFT011"]);
}

#[test]
fn offsets() {
    assert_eq!(one(r#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}"#, 4), ["SFT012", "SFT017"]);
    assert_eq!(one(r#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0]}}"#, 4), ["SFT012", "SFT017"]);
    assert_eq!(one(r#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}}"#, 4), ["SFT012", "SFT017"]);
    assert_eq!(one(r#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, 6), ["SFT013", "SFT017"]);
}

#[test]
fn overlaps_and_aliases() {
    let h = r#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#;
    assert_eq!(one(h, 12), ["SFT014"]);
    // Same range twice.
    let h = r#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#;
    assert_eq!(one(h, 4), ["SFT014"]);
    // A zero-size tensor inside another one's range.
    let h = r#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"z":{"dtype":"F32","shape":[0],"data_offsets":[4,4]}}"#;
    assert_eq!(one(h, 8), ["SFT015"]);
}

#[test]
fn gaps_and_trailing_data() {
    let h = r#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#;
    assert_eq!(one(h, 12), ["SFT016"]);
    let h = r#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#;
    assert_eq!(one(h, 8), ["SFT016"]);
    assert_eq!(one(GOOD, 33), ["SFT017"]);
    assert_eq!(one("{}", 1), ["SFT017"]);
}

#[test]
fn metadata_strings_only() {
    let m = |meta: &str| one(&format!(r#"{{"__metadata__":{meta},"a":{{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}}}"#), 1);
    assert!(m(r#"{"format":"pt","x":""}"#).is_empty());
    assert_eq!(m(r#"{"n":1}"#), ["SFT018"]);
    assert_eq!(m(r#"{"n":{"a":"b"}}"#), ["SFT018"]);
    assert_eq!(m("null"), ["SFT018"]);
    assert_eq!(m(r#"["a"]"#), ["SFT018"]);
}

#[test]
fn tensor_names() {
    let t = |name: &str| {
        one(&format!(r#"{{"{name}":{{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}}}"#), 1)
    };
    assert!(t("model.layers.0.self_attn.q_proj.weight").is_empty());
    assert!(t("模型.权重").is_empty());
    assert_eq!(t(""), ["SFT019"]);
    assert_eq!(t(r"a\u0000b"), ["SFT019"]);
    assert_eq!(t(r"a\nb"), ["SFT019"]);
    assert_eq!(t("a\u{202E}b"), ["SFT019"]);
    assert_eq!(t("a\u{200B}b"), ["SFT019"]);
}

#[test]
fn many_findings_are_capped() {
    let mut h = String::from("{");
    for i in 0..1000 {
        h.push_str(&format!(r#""t{i}":{{"dtype":"XX","shape":[1],"data_offsets":[{i},{}]}},"#, i + 1));
    }
    h.pop();
    h.push('}');
    let r = scan_bytes("t", &file(&h, 1000));
    assert!(r.findings.len() < 30, "{}", r.findings.len());
    assert!(r.findings.last().unwrap().message.contains("980 more SFT009"));
}

#[test]
fn messages_name_the_tensor_and_offsets() {
    let h = r#"{"w.q":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"w.k":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#;
    let r = scan_bytes("t", &file(h, 12));
    insta::assert_json_snapshot!(r.findings);
}
