//! Shared pieces of the gateway benchmark: wall-clock stamps that the upstream writes into
//! streamed events and the load generator reads back, and percentile summaries.
//!
//! The tools themselves are `bench-upstream` (a fast local OpenAI Chat Completions server) and
//! `bench-load` (an open-loop load generator); `bench/gateway/run.py` drives them.

use serde_json::{json, Value};
use std::time::{SystemTime, UNIX_EPOCH};

/// The marker that precedes a send time (nanoseconds since the Unix epoch) in streamed content.
pub const TS_MARK: &[u8] = b"ts=";

/// Nanoseconds since the Unix epoch. Both processes run on one machine, so the realtime clock is
/// shared and a difference of two stamps is a one-way delay.
pub fn wall_ns() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0)
}

/// Every send time stamped in `line` (`ts=` followed by digits).
pub fn stamps(line: &[u8], out: &mut Vec<u64>) {
    let mut i = 0;
    while i + TS_MARK.len() <= line.len() {
        if line.get(i..i + TS_MARK.len()) == Some(TS_MARK) {
            let mut j = i + TS_MARK.len();
            let mut v: u64 = 0;
            let mut digits = 0;
            while let Some(c) = line.get(j).copied().filter(u8::is_ascii_digit) {
                v = v.saturating_mul(10).saturating_add(u64::from(c - b'0'));
                digits += 1;
                j += 1;
            }
            if digits > 0 {
                out.push(v);
            }
            i = j;
        } else {
            i += 1;
        }
    }
}

/// Percentiles (nearest rank) of nanosecond samples, reported in microseconds.
pub fn summary(samples: &mut [u64]) -> Value {
    if samples.is_empty() {
        return json!({ "n": 0 });
    }
    samples.sort_unstable();
    let n = samples.len();
    let at = |p: f64| -> f64 {
        let rank = ((p * n as f64).ceil() as usize).clamp(1, n);
        samples.get(rank - 1).copied().unwrap_or(0) as f64 / 1000.0
    };
    let mean = samples.iter().map(|&v| v as f64).sum::<f64>() / n as f64 / 1000.0;
    json!({
        "n": n,
        "min": at(0.0),
        "p50": at(0.50),
        "p90": at(0.90),
        "p99": at(0.99),
        "p999": at(0.999),
        "max": at(1.0),
        "mean": (mean * 1000.0).round() / 1000.0,
    })
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn finds_stamps() {
        let mut v = Vec::new();
        stamps(br#"data: {"content":"ts=123;"} ts=45 ts= x"#, &mut v);
        assert_eq!(v, vec![123, 45]);
    }

    #[test]
    fn percentiles() {
        let mut v: Vec<u64> = (1..=1000).map(|x| x * 1000).collect();
        let s = summary(&mut v);
        assert_eq!(s["p50"], 500.0);
        assert_eq!(s["p99"], 990.0);
        assert_eq!(s["p999"], 999.0);
        assert_eq!(s["max"], 1000.0);
    }
}
