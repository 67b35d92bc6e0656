//! Scans one pickle file with the pickle machine and prints opcodes, time and
//! opcodes per second (bench/models/pickle.sh runs it under `/usr/bin/time -v`).
//! Usage: `pickle_scan FILE`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::BufReader;
use std::time::Instant;

fn main() {
    let path = std::env::args().nth(1).expect("usage: pickle_scan FILE");
    let file = std::fs::File::open(&path).expect("open");
    let size = file.metadata().expect("metadata").len();
    let mut r = BufReader::with_capacity(1 << 16, file);
    let mut findings = Vec::new();
    let t = Instant::now();
    let summary = airlock_models::pickle::scan_stream(&mut r, size, &mut findings);
    let secs = t.elapsed().as_secs_f64();
    let worst = findings.iter().map(|f| f.severity).max();
    println!(
        "opcodes {} bytes {} seconds {:.3} opcodes/s {:.1}M verdict {:?} findings {}",
        summary.opcodes,
        size,
        secs,
        summary.opcodes as f64 / secs / 1e6,
        worst,
        findings.iter().filter(|f| f.severity != airlock_models::Severity::Info).count()
    );
    for f in findings.iter().take(5) {
        println!("  {:?} {} {} {}", f.severity, f.code, f.message, f.location.as_deref().unwrap_or(""));
    }
}
