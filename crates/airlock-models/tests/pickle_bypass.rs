//! Each bypass class of the pickle machine, on streams written byte by byte.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use airlock_models::{scan_bytes, Finding, Severity};

fn findings(b: &[u8]) -> Vec<Finding> {
    scan_bytes("t", b).findings
}

fn codes(b: &[u8]) -> Vec<&'static str> {
    let mut c: Vec<_> = findings(b).iter().filter(|f| f.severity != Severity::Info).map(|f| f.code).collect();
    c.dedup();
    c
}

fn worst(b: &[u8]) -> Option<Severity> {
    findings(b).iter().map(|f| f.severity).max()
}

fn has(b: &[u8], code: &str, text: &str) -> bool {
    findings(b).iter().any(|f| f.code == code && f.message.contains(text))
}

fn unicode(s: &str) -> Vec<u8> {
    let mut v = vec![0x8c, u8::try_from(s.len()).unwrap()];
    v.extend_from_slice(s.as_bytes());
    v
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// A PyTorch-style tensor entry, protocol 2: name -> _rebuild_tensor_v2(storage, ...).
fn torch_state_dict() -> Vec<u8> {
    let mut v = b"\x80\x02ccollections\nOrderedDict\nq\x00)Rq\x01(X\x01\x00\x00\x00wq\x02".to_vec();
    v.extend_from_slice(b"ctorch._utils\n_rebuild_tensor_v2\nq\x03((X\x07\x00\x00\x00storageq\x04");
    v.extend_from_slice(b"ctorch\nFloatStorage\nq\x05X\x01\x00\x00\x000q\x06X\x03\x00\x00\x00cpuq\x07K\x02Ntq\x08Q");
    v.extend_from_slice(b"K\x00K\x02\x85K\x01\x85\x89h\x00)Rq\x09tq\x0aRq\x0bu.");
    v
}

#[test]
fn clean_state_dict_is_clean() {
    let r = scan_bytes("t", &torch_state_dict());
    assert!(r.is_clean(), "{:?}", r.findings);
    assert!(r.findings.iter().any(|f| f.code == "PKL030" && f.message.contains("torch._utils._rebuild_tensor_v2")));
}

#[test]
fn global_not_allowed_with_offset() {
    let b = b"\x80\x02cposix\nsystem\nX\x02\x00\x00\x00lsq\x00\x85R.";
    let f = findings(b);
    let hit = f.iter().find(|f| f.code == "PKL002").unwrap();
    assert!(hit.message.contains("posix.system"));
    assert_eq!(hit.location.as_deref(), Some("@2"));
}

#[test]
fn python2_names_are_mapped_below_protocol_3() {
    // Protocol 2: __builtin__ is builtins, copy_reg is copyreg.
    assert!(has(b"\x80\x02c__builtin__\neval\n.", "PKL002", "builtins.eval"));
    assert!(has(b"\x80\x02ccopy_reg\n_reconstructor\n.", "PKL002", "copyreg._reconstructor"));
    // Protocol 0 (no PROTO opcode) too.
    assert!(has(b"c__builtin__\nxrange\n.", "PKL002", "builtins.range"));
    // Protocol 3: no mapping, and the dunder module is its own finding.
    assert!(has(b"\x80\x03c__builtin__\neval\n.", "PKL003", "__builtin__.eval"));
}

#[test]
fn stack_global_from_memo_and_dotted_names() {
    // Operands put in the memo, fetched back with BINGET.
    let b = cat(&[b"\x80\x04", &unicode("os"), b"\x94", &unicode("system"), b"\x94h\x00h\x01\x93."]);
    assert!(has(&b, "PKL002", "os.system"));
    // Protocol 4 dotted name: torch + _utils._rebuild_tensor_v2 is the allowed function.
    let b = cat(&[b"\x80\x04", &unicode("torch"), &unicode("_utils._rebuild_tensor_v2"), b"\x93."]);
    assert_eq!(worst(&b), Some(Severity::Info));
    // ... but the module itself is not on the list.
    let b = cat(&[b"\x80\x04", &unicode("torch"), &unicode("_utils"), b"\x93."]);
    assert!(has(&b, "PKL002", "torch._utils"));
    // A dunder attribute behind an allowed class.
    let b = cat(&[b"\x80\x04", &unicode("collections"), &unicode("OrderedDict.__init__"), b"\x93."]);
    assert!(has(&b, "PKL003", "collections.OrderedDict.__init__"));
    // Protocol 0 STRING operands count as str.
    assert!(has(b"S'os'\nS'system'\n\x93.", "PKL002", "os.system"));
}

#[test]
fn stack_global_operands_not_known() {
    // The module name is the result of a call: not a string known from the stream.
    let b = cat(&[b"\x80\x04ccollections\nOrderedDict\n)R", &unicode("x"), b"\x93."]);
    assert!(codes(&b).contains(&"PKL004"));
    // An escaped UNICODE string is not taken at face value.
    assert!(codes(b"Vo\\u0073\nVsystem\n\x93.").contains(&"PKL004"));
}

#[test]
fn long_names_are_never_allowed() {
    let long = "torch.utils.bottleneck.__main__.something_long";
    let b = cat(&[b"\x80\x04", &unicode(long), &unicode("run_env"), b"\x93."]);
    assert_eq!(worst(&b), Some(Severity::Unsafe));
}

#[test]
fn extension_codes() {
    assert!(codes(b"\x80\x02\x82\x01.").contains(&"PKL005"));
    assert!(codes(b"\x80\x02\x84\x01\x00\x00\x00.").contains(&"PKL005"));
}

#[test]
fn build_and_items_on_an_import() {
    // BUILD with a state dict on the class itself (class attribute overwrite).
    let b = b"\x80\x02ccollections\nOrderedDict\n}X\x01\x00\x00\x00aK\x01sb.";
    assert!(has(b, "PKL006", "BUILD on the import collections.OrderedDict"));
    let b = b"\x80\x02ccollections\nOrderedDict\nX\x01\x00\x00\x00aK\x01s.";
    assert!(codes(b).contains(&"PKL006"));
    // BUILD on an object an allowed call made is fine.
    let b = b"\x80\x02ccollections\nOrderedDict\n)R}b.";
    assert_eq!(worst(b), Some(Severity::Info));
}

#[test]
fn calls_of_non_imports() {
    // REDUCE whose callable is a string.
    assert!(codes(b"\x80\x02X\x01\x00\x00\x00a)R.").contains(&"PKL007"));
    // OBJ whose class is a call result.
    assert!(codes(b"\x80\x02(ccollections\nOrderedDict\n)Ro.").contains(&"PKL007"));
}

#[test]
fn failures_after_an_import_are_unsafe() {
    // Truncated after the import.
    assert!(codes(b"\x80\x02ccollections\nOrderedDict\n").contains(&"PKL011"));
    // Unknown opcode after the import.
    assert!(codes(b"\x80\x02ccollections\nOrderedDict\n\xff.").contains(&"PKL010"));
    // Memo key never stored (the KeyError trick).
    assert!(codes(b"\x80\x02ccollections\nOrderedDict\n0h\x03.").contains(&"PKL010"));
    // Stack underflow, missing MARK, odd SETITEMS.
    assert!(codes(b"\x80\x02ccollections\nOrderedDict\n00.").contains(&"PKL010"));
    assert!(codes(b"\x80\x02ccollections\nOrderedDict\n}K\x01u.").contains(&"PKL010"));
    assert!(codes(b"\x80\x02ccollections\nOrderedDict\n}(K\x01u.").contains(&"PKL010"));
    // Protocol 6 does not exist.
    assert!(codes(b"\x80\x02ccollections\nOrderedDict\n\x80\x06.").contains(&"PKL010"));
}

#[test]
fn failure_before_any_import_is_not_a_pickle() {
    // GLOBAL whose module is not UTF-8 fails before importing.
    assert_eq!(codes(b"cmod\n\xf8\n"), vec!["PKL001"]);
    assert_eq!(worst(b"cmod\n\xf8\n"), Some(Severity::Warning));
    // Constants then an unknown opcode.
    assert_eq!(codes(b"\x89PNG\r\n\x1a\n"), vec!["PKL001"]);
    // Truncated inside a constant.
    assert_eq!(codes(b"\x80\x02X\x10\x00\x00\x00ab"), vec!["PKL001"]);
}

#[test]
fn frames() {
    // An opcode whose argument runs past the end of its frame.
    let b = b"\x80\x04\x95\x03\x00\x00\x00\x00\x00\x00\x00ccollections\nOrderedDict\n.";
    assert!(codes(b).iter().any(|c| *c == "PKL012" || *c == "PKL001"));
    let b = cat(&[b"\x80\x04ccollections\nOrderedDict\n\x95\x02\x00\x00\x00\x00\x00\x00\x00", &unicode("ab"), b"."]);
    assert!(codes(&b).contains(&"PKL012"));
    // STOP with bytes of its frame left over.
    let b = b"\x80\x04ccollections\nOrderedDict\n\x95\x03\x00\x00\x00\x00\x00\x00\x00.NN";
    assert!(codes(b).contains(&"PKL012"));
    // A FRAME inside a frame.
    let b = b"\x80\x04ccollections\nOrderedDict\n\x95\x0a\x00\x00\x00\x00\x00\x00\x00\x95\x01\x00\x00\x00\x00\x00\x00\x00..";
    assert!(codes(b).contains(&"PKL012"));
    // Well-formed frames are clean.
    let inner = b"ccollections\nOrderedDict\n)R.";
    let mut b = b"\x80\x04\x95".to_vec();
    b.extend_from_slice(&(inner.len() as u64).to_le_bytes());
    b.extend_from_slice(inner);
    assert_eq!(worst(&b), Some(Severity::Info));
}

#[test]
fn several_pickles() {
    // A benign pickle, then a malicious one.
    let b = cat(&[b"\x80\x04]\x94.", b"\x80\x04cposix\nsystem\n."]);
    assert!(codes(&b).contains(&"PKL002"));
    // A benign pickle, then bytes that are not a pickle: reported, not ignored.
    let b = cat(&[b"\x80\x04]\x94.", b"\xff\xfe"]);
    assert_eq!(codes(&b), vec!["PKL020"]);
}

#[test]
fn legacy_pytorch_layout() {
    let magic: &[u8] = b"\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19.";
    let proto: &[u8] = b"\x80\x02M\xe9\x03.";
    let sys_info: &[u8] = b"\x80\x02}.";
    let keys: &[u8] = b"\x80\x02]X\x01\x00\x00\x000a.";
    let mut storage = 2u64.to_le_bytes().to_vec();
    storage.extend_from_slice(&[0xffu8; 8]);
    let b = cat(&[magic, proto, sys_info, &torch_state_dict(), keys, &storage]);
    let r = scan_bytes("t", &b);
    assert!(r.is_clean(), "{:?}", r.findings);
    assert!(r.findings.iter().any(|f| f.code == "PKL021"));
    // Bytes after the storages: scanned as pickle, not silently passed.
    let b = cat(&[magic, proto, sys_info, &torch_state_dict(), keys, &storage, b"\xff"]);
    assert_eq!(codes(&b), vec!["PKL020"]);
    let b = cat(&[magic, proto, sys_info, &torch_state_dict(), keys, &storage, b"cposix\nsystem\n."]);
    assert!(codes(&b).contains(&"PKL002"));
    // Storage data that does not match the declared sizes.
    let b = cat(&[magic, proto, sys_info, &torch_state_dict(), keys, &storage[..12]]);
    assert_eq!(codes(&b), vec!["PKL022"]);
}

#[test]
fn memory_caps() {
    // A memo key past the cap after an import: never clean.
    assert!(codes(b"\x80\x02ccollections\nOrderedDict\nr\xff\xff\xff\xff.").contains(&"PKL013"));
    // A string claiming 4 GiB in a tiny file: truncated, nothing allocated.
    let t = std::time::Instant::now();
    assert_eq!(codes(b"\x80\x04\x8d\xff\xff\xff\xff\x00\x00\x00\x00"), vec!["PKL001"]);
    assert!(t.elapsed().as_secs() < 2);
    // Deep MARK nesting is bounded by the stack cap, not by memory.
    let mut b = b"\x80\x02ccollections\nOrderedDict\n".to_vec();
    b.extend(std::iter::repeat_n(b'(', 3_000_000));
    assert!(codes(&b).contains(&"PKL013"));
}

#[test]
fn every_opcode_parses() {
    // One stream touching the protocol 0-5 opcodes that take arguments.
    let mut b = b"\x80\x05(I1\nI01\nL12L\nF1.5\nJ\x01\x00\x00\x00K\x01M\x01\x00".to_vec();
    b.extend_from_slice(b"\x8a\x01\x01\x8b\x01\x00\x00\x00\x01G\x00\x00\x00\x00\x00\x00\x00\x00");
    b.extend_from_slice(b"S'a'\nT\x01\x00\x00\x00aU\x01aVa\nX\x01\x00\x00\x00a\x8c\x01a");
    b.extend_from_slice(b"\x8d\x01\x00\x00\x00\x00\x00\x00\x00aB\x01\x00\x00\x00aC\x01a");
    b.extend_from_slice(b"\x8e\x01\x00\x00\x00\x00\x00\x00\x00a\x96\x01\x00\x00\x00\x00\x00\x00\x00a\x98");
    b.extend_from_slice(b"Np0\nq\x01r\x02\x00\x00\x00\x94g0\nh\x01j\x02\x00\x00\x00N\x88\x892l");
    b.extend_from_slice(b"]a(e}(K\x01K\x02u)NNN\x87\x86\x85\x8f(\x90(\x91(d(t0P1\nQ");
    // CPython loads this stream (checked with pickle.Unpickler).
    b.extend_from_slice(b"(ccollections\nOrderedDict\no(N1\x86.");
    let r = scan_bytes("t", &b);
    assert!(r.is_clean(), "{:?}", r.findings);
}
