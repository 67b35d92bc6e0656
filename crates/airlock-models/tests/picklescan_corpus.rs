//! The picklescan corpus (`../shared/corpora/models/picklescan`, or
//! `$AIRLOCK_CORPORA/models/picklescan`): every file labelled unsafe must get an
//! unsafe finding, no file labelled clean may. Clean files may carry warnings (an
//! encrypted zip, a PNG named `.pt`). Prints a table; skips, visibly, without the
//! corpus.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::path::PathBuf;

use airlock_models::{scan_file, Severity};

fn corpus() -> PathBuf {
    match std::env::var_os("AIRLOCK_CORPORA") {
        Some(d) => PathBuf::from(d).join("models/picklescan"),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora/models/picklescan"),
    }
}

#[test]
fn picklescan_corpus() {
    let dir = corpus();
    let Ok(labels) = std::fs::read_to_string(dir.join("labels.jsonl")) else {
        println!("SKIP picklescan corpus: {} not found (set AIRLOCK_CORPORA)", dir.display());
        return;
    };
    let (mut unsafe_total, mut unsafe_hit, mut clean_total, mut clean_hit) = (0, 0, 0, 0);
    let mut misses = Vec::new();
    println!("{:<48} {:<7} {:<8} codes", "file", "label", "verdict");
    for line in labels.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let file = v["file"].as_str().unwrap();
        let expect_unsafe = v["expect"].as_str().unwrap() == "unsafe";
        let report = scan_file(&dir.join(file)).unwrap();
        let flagged = report.verdict() == Some(Severity::Unsafe);
        let verdict = match report.verdict() {
            Some(Severity::Unsafe) => "unsafe",
            Some(Severity::Warning) => "warning",
            _ => "clean",
        };
        let mut codes: Vec<&str> = report.findings.iter().filter(|f| f.severity != Severity::Info).map(|f| f.code).collect();
        codes.dedup();
        println!("{file:<48} {:<7} {verdict:<8} {}", if expect_unsafe { "unsafe" } else { "clean" }, codes.join(","));
        if expect_unsafe {
            unsafe_total += 1;
            unsafe_hit += usize::from(flagged);
        } else {
            clean_total += 1;
            clean_hit += usize::from(flagged);
        }
        if flagged != expect_unsafe {
            misses.push(format!("{file}: {:?}", report.findings));
        }
    }
    println!("unsafe flagged: {unsafe_hit}/{unsafe_total}; clean flagged: {clean_hit}/{clean_total}");
    assert!(misses.is_empty(), "misses:\n{}", misses.join("\n"));
}
