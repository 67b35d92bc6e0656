//! Archive wrappers: tar, gzip, tar.gz and 7z are opened and their members
//! scanned; other wrappers are reported as not checked.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::io::Write;

use airlock_models::{scan_bytes, Severity};

const EVIL: &[u8] = b"\x80\x02cposix\nsystem\nX\x02\x00\x00\x00ls\x85R.";
const BENIGN: &[u8] = b"\x80\x02ccollections\nOrderedDict\n)R.";

fn tar(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, data) in members {
        let mut h = tar::Header::new_ustar();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, name, *data).unwrap();
    }
    b.into_inner().unwrap()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

#[test]
fn tar_members_are_scanned() {
    let r = scan_bytes("m.tar", &tar(&[("ok.pkl", BENIGN), ("model/evil.bin", EVIL)]));
    let f = r.findings.iter().find(|f| f.code == "PKL002").unwrap();
    assert_eq!(f.location.as_deref().map(|l| l.starts_with("model/evil.bin@")), Some(true), "{f:?}");
    assert!(scan_bytes("m.tar", &tar(&[("ok.pkl", BENIGN)])).is_clean());
}

#[test]
fn gzip_and_tar_gz() {
    assert_eq!(scan_bytes("m.pkl.gz", &gzip(EVIL)).verdict(), Some(Severity::Unsafe));
    assert!(scan_bytes("m.pkl.gz", &gzip(BENIGN)).is_clean());
    let r = scan_bytes("m.tgz", &gzip(&tar(&[("evil.pt", EVIL)])));
    assert_eq!(r.verdict(), Some(Severity::Unsafe), "{:?}", r.findings);
    // A broken stream: what came out before the break is scanned, the break is unsafe.
    let mut g = gzip(EVIL);
    let n = g.len();
    g.truncate(n - 6);
    assert_eq!(scan_bytes("m.gz", &g).verdict(), Some(Severity::Unsafe));
}

#[test]
fn sevenz_members_are_scanned() {
    let mut w = sevenz_rust2::ArchiveWriter::new(std::io::Cursor::new(Vec::new())).unwrap();
    for (name, data) in [("a/ok.pkl", BENIGN), ("a/evil.pkl", EVIL)] {
        w.push_archive_entry(sevenz_rust2::ArchiveEntry::new_file(name), Some(data)).unwrap();
    }
    let bytes = w.finish().unwrap().into_inner();
    let r = scan_bytes("m.7z", &bytes);
    assert!(r.findings.iter().any(|f| f.code == "PKL002" && f.location.as_deref().unwrap().starts_with("a/evil.pkl")));
    // Not a readable 7z after its magic: not checked, never clean.
    let r = scan_bytes("m.7z", b"7z\xbc\xaf\x27\x1c\x00\x04garbage-garbage-garbage-garbage");
    assert_eq!(r.verdict(), Some(Severity::Warning));
}

#[test]
fn bzip2_streams() {
    let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
    e.write_all(EVIL).unwrap();
    let b = e.finish().unwrap();
    assert_eq!(scan_bytes("m.pkl.bz2", &b).verdict(), Some(Severity::Unsafe));
}

#[test]
fn other_wrappers_are_not_checked() {
    let r = scan_bytes("m.zst", b"\x28\xb5\x2f\xfdrest");
    assert_eq!(r.verdict(), Some(Severity::Warning));
}
