//! Zip tricks, on archives written byte by byte: each must be unsafe or not
//! checked, never clean; well-formed archives (stored, deflated, ZIP64, data
//! descriptors, a PyTorch layout) must be clean.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::io::Write;

use airlock_models::{scan_bytes, FileReport, Severity};

const EVIL: &[u8] = b"\x80\x02cposix\nsystem\nX\x02\x00\x00\x00ls\x85R.";
const BENIGN: &[u8] = b"\x80\x02ccollections\nOrderedDict\n)R.";

#[derive(Clone, Default)]
struct Ent {
    name: &'static str,
    local_name: Option<&'static str>,
    content: Vec<u8>,
    deflate: bool,
    method: Option<u16>,
    flags: u16,
    bad_crc: bool,
    local_usize_delta: u32,
    descriptor: bool,
    /// Point the directory at another entry's local header.
    alias_of: Option<usize>,
    /// Declared size (directory and local) instead of the real one.
    declared: Option<u32>,
}

#[derive(Default)]
struct Opts {
    prefix: Vec<u8>,
    gap: Vec<u8>,
    trailing: Vec<u8>,
    zip64: bool,
}

fn deflate(b: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(b).unwrap();
    e.finish().unwrap()
}

fn zip(ents: &[Ent], o: &Opts) -> Vec<u8> {
    let mut out = o.prefix.clone();
    let mut cd = Vec::new();
    let mut offsets = Vec::new();
    for (i, e) in ents.iter().enumerate() {
        if i == 1 {
            out.extend_from_slice(&o.gap);
        }
        let data = if e.deflate { deflate(&e.content) } else { e.content.clone() };
        let method = e.method.unwrap_or(if e.deflate { 8 } else { 0 });
        let mut crc = crc32fast::hash(&e.content);
        if e.bad_crc {
            crc ^= 1;
        }
        let usize_ = e.declared.unwrap_or(e.content.len() as u32);
        let csize = data.len() as u32;
        let flags = e.flags | if e.descriptor { 8 } else { 0 };
        let off = out.len() as u32;
        offsets.push(off);
        let lname = e.local_name.unwrap_or(e.name).as_bytes();
        let (l_crc, l_cs, l_us) =
            if e.descriptor { (0, 0, 0) } else { (crc, csize, usize_ + e.local_usize_delta) };
        let l_extra: Vec<u8> = if o.zip64 && !e.descriptor {
            [&1u16.to_le_bytes()[..], &16u16.to_le_bytes(), &u64::from(l_us).to_le_bytes(), &u64::from(l_cs).to_le_bytes()]
                .concat()
        } else {
            Vec::new()
        };
        let (w_cs, w_us) = if o.zip64 && !e.descriptor { (u32::MAX, u32::MAX) } else { (l_cs, l_us) };
        out.extend_from_slice(b"PK\x03\x04\x14\x00");
        out.extend_from_slice(&flags.to_le_bytes());
        out.extend_from_slice(&method.to_le_bytes());
        out.extend_from_slice(&[0; 4]);
        out.extend_from_slice(&l_crc.to_le_bytes());
        out.extend_from_slice(&w_cs.to_le_bytes());
        out.extend_from_slice(&w_us.to_le_bytes());
        out.extend_from_slice(&(lname.len() as u16).to_le_bytes());
        out.extend_from_slice(&(l_extra.len() as u16).to_le_bytes());
        out.extend_from_slice(lname);
        out.extend_from_slice(&l_extra);
        out.extend_from_slice(&data);
        if e.descriptor {
            out.extend_from_slice(b"PK\x07\x08");
            out.extend_from_slice(&crc.to_le_bytes());
            if o.zip64 {
                out.extend_from_slice(&u64::from(csize).to_le_bytes());
                out.extend_from_slice(&u64::from(usize_).to_le_bytes());
            } else {
                out.extend_from_slice(&csize.to_le_bytes());
                out.extend_from_slice(&usize_.to_le_bytes());
            }
        }
        let cd_off = e.alias_of.map_or(off, |j| offsets[j]);
        let extra: Vec<u8> = if o.zip64 {
            [
                &1u16.to_le_bytes()[..],
                &24u16.to_le_bytes(),
                &u64::from(usize_).to_le_bytes(),
                &u64::from(csize).to_le_bytes(),
                &u64::from(cd_off).to_le_bytes(),
            ]
            .concat()
        } else {
            Vec::new()
        };
        let (c_cs, c_us, c_off) = if o.zip64 { (u32::MAX, u32::MAX, u32::MAX) } else { (csize, usize_, cd_off) };
        cd.extend_from_slice(b"PK\x01\x02\x14\x03\x14\x00");
        cd.extend_from_slice(&flags.to_le_bytes());
        cd.extend_from_slice(&method.to_le_bytes());
        cd.extend_from_slice(&[0; 4]);
        cd.extend_from_slice(&crc.to_le_bytes());
        cd.extend_from_slice(&c_cs.to_le_bytes());
        cd.extend_from_slice(&c_us.to_le_bytes());
        cd.extend_from_slice(&(e.name.len() as u16).to_le_bytes());
        cd.extend_from_slice(&(extra.len() as u16).to_le_bytes());
        cd.extend_from_slice(&[0; 6]); // comment length, disk, internal attributes
        cd.extend_from_slice(&[0; 4]); // external attributes
        cd.extend_from_slice(&c_off.to_le_bytes());
        cd.extend_from_slice(e.name.as_bytes());
        cd.extend_from_slice(&extra);
    }
    let cd_start = out.len() as u64;
    out.extend_from_slice(&cd);
    let n = ents.len() as u64;
    if o.zip64 {
        let z_off = out.len() as u64;
        out.extend_from_slice(b"PK\x06\x06");
        out.extend_from_slice(&44u64.to_le_bytes());
        out.extend_from_slice(&[0x2d, 0, 0x2d, 0]);
        out.extend_from_slice(&[0; 8]);
        out.extend_from_slice(&n.to_le_bytes());
        out.extend_from_slice(&n.to_le_bytes());
        out.extend_from_slice(&(cd.len() as u64).to_le_bytes());
        out.extend_from_slice(&cd_start.to_le_bytes());
        out.extend_from_slice(b"PK\x06\x07\x00\x00\x00\x00");
        out.extend_from_slice(&z_off.to_le_bytes());
        out.extend_from_slice(&1u32.to_le_bytes());
        out.extend_from_slice(b"PK\x05\x06\x00\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x00\x00");
    } else {
        out.extend_from_slice(b"PK\x05\x06\x00\x00\x00\x00");
        out.extend_from_slice(&(n as u16).to_le_bytes());
        out.extend_from_slice(&(n as u16).to_le_bytes());
        out.extend_from_slice(&(cd.len() as u32).to_le_bytes());
        out.extend_from_slice(&(cd_start as u32).to_le_bytes());
        out.extend_from_slice(&[0, 0]);
    }
    out.extend_from_slice(&o.trailing);
    out
}

fn ent(name: &'static str, content: &[u8]) -> Ent {
    Ent { name, content: content.to_vec(), ..Ent::default() }
}

fn report(ents: &[Ent], o: &Opts) -> FileReport {
    scan_bytes("t.zip", &zip(ents, o))
}

fn codes(r: &FileReport) -> Vec<&'static str> {
    r.findings.iter().filter(|f| f.severity != Severity::Info).map(|f| f.code).collect()
}

#[test]
fn well_formed_archives_are_clean() {
    let both = [ent("a.pkl", BENIGN), Ent { deflate: true, ..ent("b.pkl", BENIGN) }];
    for o in [Opts::default(), Opts { zip64: true, ..Opts::default() }] {
        let r = report(&both, &o);
        assert!(r.is_clean(), "{:?}", r.findings);
        let with_descriptor: Vec<Ent> = both.iter().cloned().map(|e| Ent { descriptor: true, ..e }).collect();
        let r = report(&with_descriptor, &o);
        assert!(r.is_clean(), "{:?}", r.findings);
    }
}

#[test]
fn members_are_scanned_by_content() {
    for deflate in [false, true] {
        for zip64 in [false, true] {
            let r = report(&[Ent { deflate, ..ent("notes.txt", EVIL) }], &Opts { zip64, ..Opts::default() });
            let f = r.findings.iter().find(|f| f.code == "PKL002").unwrap();
            assert!(f.location.as_deref().unwrap().starts_with("notes.txt@"), "{f:?}");
        }
    }
    // A zip inside a zip.
    let inner = zip(&[ent("data.pkl", EVIL)], &Opts::default());
    let r = report(&[ent("inner.zip", &inner)], &Opts::default());
    assert_eq!(r.verdict(), Some(Severity::Unsafe));
}

#[test]
fn directory_and_local_header_disagree() {
    let r = report(&[Ent { local_name: Some("other.pkl"), ..ent("data.pkl", BENIGN) }], &Opts::default());
    assert!(codes(&r).contains(&"ZIP002"));
    let r = report(&[Ent { local_usize_delta: 1, ..ent("data.pkl", BENIGN) }], &Opts::default());
    assert!(codes(&r).contains(&"ZIP006"));
}

#[test]
fn duplicates_overlaps_and_crc() {
    let r = report(&[ent("a.pkl", BENIGN), ent("a.pkl", BENIGN)], &Opts::default());
    assert!(codes(&r).contains(&"ZIP003"));
    let r = report(&[ent("a.pkl", BENIGN), Ent { alias_of: Some(0), ..ent("b.pkl", BENIGN) }], &Opts::default());
    assert!(codes(&r).contains(&"ZIP004"), "{:?}", r.findings);
    let r = report(&[Ent { bad_crc: true, ..ent("a.pkl", BENIGN) }], &Opts::default());
    assert!(codes(&r).contains(&"ZIP005"));
}

#[test]
fn bytes_no_entry_accounts_for() {
    let two = [ent("a.pkl", BENIGN), ent("b.pkl", BENIGN)];
    let r = report(&two, &Opts { gap: EVIL.to_vec(), ..Opts::default() });
    assert!(codes(&r).contains(&"ZIP007"));
    let r = report(&two, &Opts { trailing: b"junk".to_vec(), ..Opts::default() });
    assert!(codes(&r).contains(&"ZIP007"));
    // A pickle in front of a zip: the pickle is scanned, the prefix reported.
    let r = report(&two, &Opts { prefix: EVIL.to_vec(), ..Opts::default() });
    assert!(codes(&r).contains(&"ZIP007") && codes(&r).contains(&"PKL002"), "{:?}", r.findings);
}

#[test]
fn flags_are_ignored_as_a_loader_would() {
    // Encryption and patched-data flags on a plain pickle: still scanned.
    for flags in [0x1, 0x20, 0x40] {
        let r = report(&[Ent { flags, ..ent("data.pkl", EVIL) }], &Opts::default());
        assert!(codes(&r).contains(&"PKL002"), "{flags:#x} {:?}", r.findings);
    }
    // Real ciphertext: not checked, never clean.
    let noise: Vec<u8> = (0..64u32).map(|i| (i * 97 % 251) as u8).collect();
    let mut e = Ent { flags: 1, ..ent("data.pkl", &noise) };
    e.bad_crc = true;
    let r = report(&[e], &Opts::default());
    assert!(codes(&r).contains(&"ZIP008"), "{:?}", r.findings);
    assert!(!r.is_clean());
}

#[test]
fn methods_and_sizes() {
    let r = report(&[Ent { method: Some(12), ..ent("data.pkl", EVIL) }], &Opts::default());
    assert_eq!(r.verdict(), Some(Severity::Warning));
    assert!(codes(&r).contains(&"ZIP009"));
    // Deflate that inflates to more than declared.
    let r = report(&[Ent { deflate: true, declared: Some(4), ..ent("data.pkl", BENIGN) }], &Opts::default());
    assert!(codes(&r).contains(&"ZIP006"), "{:?}", r.findings);
}

/// `archive/data.pkl` naming storage "0" (2 floats = 8 bytes).
fn torch_pickle() -> Vec<u8> {
    let mut v = b"\x80\x02ccollections\nOrderedDict\nq\x00)Rq\x01(X\x01\x00\x00\x00wq\x02".to_vec();
    v.extend_from_slice(b"ctorch._utils\n_rebuild_tensor_v2\nq\x03((X\x07\x00\x00\x00storageq\x04");
    v.extend_from_slice(b"ctorch\nFloatStorage\nq\x05X\x01\x00\x00\x000q\x06X\x03\x00\x00\x00cpuq\x07K\x02tq\x08Q");
    v.extend_from_slice(b"K\x00K\x02\x85K\x01\x85\x89h\x00)Rq\x09tq\x0aRq\x0bu.");
    v
}

#[test]
fn pytorch_storages_are_skipped_only_when_named() {
    // The storage bytes would be a malicious pickle if scanned (8 bytes: GLOBAL os.sys).
    let storage: &[u8] = b"cos\nsys\n";
    let ents = [ent("archive/data.pkl", &torch_pickle()), ent("archive/data/0", storage), ent("archive/version", b"3\n")];
    let r = report(&ents, &Opts::default());
    assert!(r.is_clean(), "{:?}", r.findings);
    assert!(r.findings.iter().any(|f| f.code == "ZIP020"));
    // A size other than the pickle declares: scanned by content.
    let ents = [ent("archive/data.pkl", &torch_pickle()), ent("archive/data/0", b"cos\nsyst\n")];
    assert!(codes(&report(&ents, &Opts::default())).contains(&"PKL002"));
    // A key the pickle does not name: scanned by content.
    let ents = [ent("archive/data.pkl", &torch_pickle()), ent("archive/data/1", storage)];
    assert!(codes(&report(&ents, &Opts::default())).contains(&"PKL002"));
    // Metadata members are read all the same.
    let ents = [ent("archive/data.pkl", &torch_pickle()), ent("archive/version", b"cantigravity
x
")];
    assert!(codes(&report(&ents, &Opts::default())).contains(&"PKL002"));
    // Without data.pkl nothing is skipped.
    let ents = [ent("archive/data/0", storage)];
    assert!(codes(&report(&ents, &Opts::default())).contains(&"PKL002"));
}

#[test]
fn broken_directories() {
    let z = zip(&[ent("a.pkl", BENIGN)], &Opts::default());
    // Truncated end record, directory offset past the end.
    let r = scan_bytes("t.zip", &z[..z.len() - 3]);
    assert_eq!(r.verdict(), Some(Severity::Unsafe));
    let mut bad = z.clone();
    let n = bad.len();
    bad[n - 6..n - 2].copy_from_slice(&0xfff0u32.to_le_bytes());
    assert!(codes(&scan_bytes("t.zip", &bad)).contains(&"ZIP001"));
}
