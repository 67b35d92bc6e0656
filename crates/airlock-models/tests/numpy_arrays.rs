//! numpy `.npy` files built by hand: strict header, object arrays scanned as
//! pickle, data length against the shape.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use airlock_models::{scan_bytes, Severity};

fn npy(header: &str, data: &[u8]) -> Vec<u8> {
    let mut h = header.to_string();
    while !(10 + h.len() + 1).is_multiple_of(64) {
        h.push(' ');
    }
    h.push('\n');
    let mut v = b"\x93NUMPY\x01\x00".to_vec();
    v.extend_from_slice(&(h.len() as u16).to_le_bytes());
    v.extend_from_slice(h.as_bytes());
    v.extend_from_slice(data);
    v
}

fn codes(b: &[u8]) -> Vec<&'static str> {
    scan_bytes("a.npy", b).findings.iter().filter(|f| f.severity != Severity::Info).map(|f| f.code).collect()
}

#[test]
fn plain_arrays() {
    let h = "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }";
    assert!(codes(&npy(h, &[0; 24])).is_empty());
    assert_eq!(codes(&npy(h, &[0; 25])), vec!["NPY002"]);
    assert_eq!(codes(&npy(h, &[0; 23])), vec!["NPY003"]);
    let h = "{'descr': '<U2', 'fortran_order': True, 'shape': (3,), }";
    assert!(codes(&npy(h, &[0; 24])).is_empty());
}

#[test]
fn object_arrays_are_pickles() {
    let h = "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }";
    let evil = b"\x80\x02cposix\nsystem\nX\x02\x00\x00\x00ls\x85R.";
    let r = scan_bytes("a.npy", &npy(h, evil));
    let f = r.findings.iter().find(|f| f.code == "PKL002").unwrap();
    assert!(f.location.as_deref().unwrap().starts_with("object array pickle@"));
    let benign = b"\x80\x03cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\x00\x85C\x01b\x87R.";
    assert!(scan_bytes("a.npy", &npy(h, benign)).is_clean());
    // A structured dtype with an object field is a pickle too.
    let h = "{'descr': [('a', '<i4'), ('b', '|O')], 'fortran_order': False, 'shape': (1,), }";
    assert!(codes(&npy(h, evil)).contains(&"PKL002"));
}

#[test]
fn headers_not_understood_are_never_clean() {
    for h in [
        "{'descr': '<i4', 'fortran_order': False}",
        "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), 'extra': 1}",
        "{'descr': '<i4', 'descr': '|O', 'fortran_order': False, 'shape': (2,)}",
        "{'descr': '<q9z', 'fortran_order': False, 'shape': (2,)}",
        "[1, 2]",
    ] {
        assert_eq!(codes(&npy(h, &[0; 8])), vec!["NPY001"], "{h}");
    }
    // A header length past the end of the file.
    let mut b = npy("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", &[0; 8]);
    b[8] = 0xff;
    b[9] = 0x7f;
    assert_eq!(codes(&b), vec!["NPY001"]);
}
