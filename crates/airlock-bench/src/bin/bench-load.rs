//! An open-loop load generator for the gateway benchmark.
//!
//! Requests start on a fixed schedule (`--rate` per second) whatever the responses do, so a slow
//! server cannot slow the sender down and hide its own latency (no coordinated omission). Each
//! request's latency is measured from its scheduled start; the time the sender itself lagged behind
//! the schedule is reported apart (`sched_lag_us`) so a busy load generator is visible.
//!
//! Streams (`--stream`): time to first body byte, one-way delay of each event carrying a `ts=`
//! send time from `bench-upstream`, gaps between events, time to the end of the stream.
//!
//! Held streams (`--open N --hold S`): opens N streams (paced at `--rate`), waits until every one
//! has its first event, writes `--ready-file`, keeps them open S seconds, then closes them.
//!
//! Prints one JSON object.

use airlock_bench::{stamps, summary, wall_ns};
use anyhow::{bail, Context, Result};
use bytes::Bytes;
use clap::Parser;
use http_body_util::{BodyExt, Full};
use hyper::{Request, Uri};
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::TokioExecutor;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Parser, Clone)]
#[command(about = "Open-loop HTTP load generator (constant arrival rate)")]
struct Args {
    /// Target URL.
    #[arg(long)]
    url: String,
    /// File holding the JSON request body (POSTed).
    #[arg(long)]
    body: PathBuf,
    /// Requests started per second.
    #[arg(long, default_value_t = 100.0)]
    rate: f64,
    /// Seconds of measured load.
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    /// Seconds of load sent first at the same rate and not recorded.
    #[arg(long, default_value_t = 0.0)]
    warmup: f64,
    /// Read responses as server-sent event streams.
    #[arg(long)]
    stream: bool,
    /// Per-request timeout in milliseconds (counted as an error).
    #[arg(long, default_value_t = 10_000)]
    timeout_ms: u64,
    /// Runtime worker threads.
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Requests in flight beyond which a scheduled request is dropped (and counted).
    #[arg(long, default_value_t = 20_000)]
    max_inflight: usize,
    /// Extra request header `Name: value` (repeatable).
    #[arg(long = "header")]
    headers: Vec<String>,
    /// Held-streams mode: open this many streams and keep them open.
    #[arg(long)]
    open: Option<usize>,
    /// Held-streams mode: seconds to keep them open once all are open.
    #[arg(long, default_value_t = 10.0)]
    hold: f64,
    /// Held-streams mode: file written once all streams are open.
    #[arg(long)]
    ready_file: Option<PathBuf>,
}

type HttpClient = Client<HttpConnector, Full<Bytes>>;

#[derive(Default)]
struct Sample {
    /// Scheduled start to response end.
    latency: u64,
    /// Actual start to response end.
    service: u64,
    /// Scheduled start to actual start.
    lag: u64,
    ttfb: Option<u64>,
    delays: Vec<u64>,
    gaps: Vec<u64>,
    error: Option<String>,
    complete: bool,
}

struct Target {
    client: HttpClient,
    uri: Uri,
    body: Bytes,
    headers: Vec<(String, String)>,
    stream: bool,
    timeout: Duration,
}

impl Target {
    fn request(&self) -> Result<Request<Full<Bytes>>> {
        let mut b = Request::post(self.uri.clone()).header(hyper::header::CONTENT_TYPE, "application/json");
        for (k, v) in &self.headers {
            b = b.header(k.as_str(), v.as_str());
        }
        Ok(b.body(Full::new(self.body.clone()))?)
    }
}

async fn exchange(t: &Target, start: Instant, s: &mut Sample) -> Result<()> {
    let resp = t.client.request(t.request()?).await.map_err(|e| anyhow::anyhow!("connect/send: {e}"))?;
    let status = resp.status();
    let mut body = resp.into_body();
    let mut line = Vec::new();
    let mut ts = Vec::new();
    let mut last_event: Option<Instant> = None;
    let mut all = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| anyhow::anyhow!("body: {e}"))?;
        let Ok(data) = frame.into_data() else { continue };
        if data.is_empty() {
            continue;
        }
        let now = Instant::now();
        if s.ttfb.is_none() {
            s.ttfb = Some(now.duration_since(start).as_nanos() as u64);
        }
        if !status.is_success() {
            continue;
        }
        if !t.stream {
            all.extend_from_slice(&data);
            continue;
        }
        let wall = wall_ns();
        line.extend_from_slice(&data);
        while let Some(nl) = line.iter().position(|&c| c == b'\n') {
            let rest = line.split_off(nl + 1);
            let l = std::mem::replace(&mut line, rest);
            ts.clear();
            stamps(&l, &mut ts);
            for &sent in &ts {
                s.delays.push(wall.saturating_sub(sent));
                if let Some(prev) = last_event {
                    s.gaps.push(now.duration_since(prev).as_nanos() as u64);
                }
                last_event = Some(now);
            }
            if l.starts_with(b"data: [DONE]") {
                s.complete = true;
            }
        }
    }
    if !status.is_success() {
        bail!("http {}", status.as_u16());
    }
    if !t.stream {
        s.complete = all.windows(8).any(|w| w == b"npm test");
    }
    Ok(())
}

async fn one(t: Arc<Target>, scheduled: Instant) -> Sample {
    let start = Instant::now();
    let mut s = Sample { lag: start.saturating_duration_since(scheduled).as_nanos() as u64, ..Sample::default() };
    let r = tokio::time::timeout(t.timeout, exchange(&t, start, &mut s)).await;
    let end = Instant::now();
    s.latency = end.saturating_duration_since(scheduled).as_nanos() as u64;
    s.service = end.saturating_duration_since(start).as_nanos() as u64;
    match r {
        Ok(Ok(())) => {}
        Ok(Err(e)) => s.error = Some(classify(&e.to_string())),
        Err(_) => s.error = Some("timeout".into()),
    }
    s
}

fn classify(e: &str) -> String {
    if let Some(rest) = e.strip_prefix("http ") {
        return format!("http_{rest}");
    }
    if e.contains("connect/send") {
        return "connect_or_send".into();
    }
    "body".into()
}

fn target(a: &Args) -> Result<Arc<Target>> {
    let body = Bytes::from(std::fs::read(&a.body).with_context(|| format!("reading {}", a.body.display()))?);
    let uri: Uri = a.url.parse().with_context(|| format!("parsing {}", a.url))?;
    let mut conn = HttpConnector::new();
    conn.set_nodelay(true);
    let client = Client::builder(TokioExecutor::new())
        .pool_idle_timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(usize::MAX)
        .build(conn);
    let mut headers = Vec::new();
    for h in &a.headers {
        let (k, v) = h.split_once(':').with_context(|| format!("header `{h}`: expected `Name: value`"))?;
        headers.push((k.trim().to_string(), v.trim().to_string()));
    }
    Ok(Arc::new(Target { client, uri, body, headers, stream: a.stream, timeout: Duration::from_millis(a.timeout_ms) }))
}

/// Sleep until `t` without the runtime's millisecond timer granularity.
fn sleep_until(t: Instant) {
    loop {
        let now = Instant::now();
        if now >= t {
            return;
        }
        std::thread::sleep(t - now);
    }
}

fn run_rate(a: &Args, rt: &tokio::runtime::Runtime) -> Result<Value> {
    if a.rate <= 0.0 || a.duration <= 0.0 {
        bail!("--rate and --duration must be positive");
    }
    let t = target(a)?;
    let results: Arc<Mutex<Vec<Sample>>> = Arc::new(Mutex::new(Vec::new()));
    let inflight = Arc::new(AtomicUsize::new(0));
    let warm_n = (a.warmup * a.rate).round() as u64;
    let total = warm_n + (a.duration * a.rate).round() as u64;
    let mut dropped = 0u64;
    let t0 = Instant::now() + Duration::from_millis(20);
    let handle = rt.handle().clone();
    let mut measured_start = t0;
    for i in 0..total {
        let scheduled = t0 + Duration::from_secs_f64(i as f64 / a.rate);
        if i == warm_n {
            measured_start = scheduled;
        }
        sleep_until(scheduled);
        if inflight.load(Ordering::Relaxed) >= a.max_inflight {
            if i >= warm_n {
                dropped += 1;
            }
            continue;
        }
        inflight.fetch_add(1, Ordering::Relaxed);
        let (t, results, inflight) = (t.clone(), results.clone(), inflight.clone());
        let record = i >= warm_n;
        handle.spawn(async move {
            let s = one(t, scheduled).await;
            if record {
                if let Ok(mut r) = results.lock() {
                    r.push(s);
                }
            }
            inflight.fetch_sub(1, Ordering::Relaxed);
        });
    }
    let send_end = Instant::now();
    let deadline = send_end + Duration::from_millis(a.timeout_ms) + Duration::from_secs(2);
    while inflight.load(Ordering::Relaxed) > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    let mut samples = std::mem::take(&mut *results.lock().map_err(|_| anyhow::anyhow!("results lock poisoned"))?);
    let elapsed = send_end.duration_since(measured_start).as_secs_f64();
    Ok(report(a, &mut samples, dropped, inflight.load(Ordering::Relaxed), elapsed))
}

fn report(a: &Args, samples: &mut [Sample], dropped: u64, unfinished: usize, elapsed: f64) -> Value {
    let mut errors: BTreeMap<String, u64> = BTreeMap::new();
    let (mut lat, mut svc, mut lag, mut ttfb, mut delays, mut gaps) = (vec![], vec![], vec![], vec![], vec![], vec![]);
    let mut ok = 0u64;
    let mut complete = 0u64;
    let mut events = 0u64;
    for s in samples.iter_mut() {
        lag.push(s.lag);
        if let Some(e) = &s.error {
            *errors.entry(e.clone()).or_default() += 1;
            continue;
        }
        ok += 1;
        complete += u64::from(s.complete);
        lat.push(s.latency);
        svc.push(s.service);
        if let Some(t) = s.ttfb {
            ttfb.push(t);
        }
        events += s.delays.len() as u64;
        delays.append(&mut s.delays);
        gaps.append(&mut s.gaps);
    }
    if dropped > 0 {
        errors.insert("dropped_over_max_inflight".into(), dropped);
    }
    if unfinished > 0 {
        errors.insert("unfinished_at_exit".into(), unfinished as u64);
    }
    let error_total: u64 = errors.values().sum();
    let mut out = json!({
        "url": a.url,
        "rate": a.rate,
        "duration": a.duration,
        "stream": a.stream,
        "sent": samples.len() as u64 + dropped,
        "achieved_rate": ((samples.len() as f64 / elapsed.max(1e-9)) * 10.0).round() / 10.0,
        "ok": ok,
        "complete": complete,
        "error_total": error_total,
        "errors": errors,
        "latency_us": summary(&mut lat),
        "service_us": summary(&mut svc),
        "sched_lag_us": summary(&mut lag),
        "ttfb_us": summary(&mut ttfb),
    });
    if let (true, Some(o)) = (a.stream, out.as_object_mut()) {
        o.insert("events".into(), json!(events));
        o.insert("event_delay_us".into(), summary(&mut delays));
        o.insert("event_gap_us".into(), summary(&mut gaps));
    }
    out
}

fn run_open(a: &Args, n: usize, rt: &tokio::runtime::Runtime) -> Result<Value> {
    let t = target(a)?;
    let opened = Arc::new(AtomicUsize::new(0));
    let errors: Arc<Mutex<BTreeMap<String, u64>>> = Arc::new(Mutex::new(BTreeMap::new()));
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let pace = if a.rate > 0.0 { Duration::from_secs_f64(1.0 / a.rate) } else { Duration::ZERO };
    let hold = Duration::from_secs_f64(a.hold.max(0.0));
    let started = Instant::now();
    let (ready_after, closed_after) = rt.block_on(async {
        let t0 = tokio::time::Instant::now();
        let mut tasks = Vec::with_capacity(n);
        for i in 0..n {
            tokio::time::sleep_until(t0 + pace * i as u32).await;
            let (t, opened, errors, mut stop) = (t.clone(), opened.clone(), errors.clone(), stop_rx.clone());
            tasks.push(tokio::spawn(async move {
                let fail = |why: String| {
                    if let Ok(mut e) = errors.lock() {
                        *e.entry(why).or_default() += 1;
                    }
                };
                let req = match t.request() {
                    Ok(r) => r,
                    Err(e) => return fail(format!("request: {e}")),
                };
                let resp = match tokio::time::timeout(t.timeout, t.client.request(req)).await {
                    Ok(Ok(r)) if r.status().is_success() => r,
                    Ok(Ok(r)) => return fail(format!("http_{}", r.status().as_u16())),
                    Ok(Err(_)) => return fail("connect_or_send".into()),
                    Err(_) => return fail("timeout".into()),
                };
                let mut body = resp.into_body();
                let mut first = false;
                loop {
                    tokio::select! {
                        f = body.frame() => match f {
                            Some(Ok(fr)) => {
                                if !first && fr.data_ref().is_some_and(|d| !d.is_empty()) {
                                    first = true;
                                    opened.fetch_add(1, Ordering::Relaxed);
                                }
                            }
                            Some(Err(_)) => return fail("body".into()),
                            None => return if first { fail("ended_early".into()) } else { fail("empty".into()) },
                        },
                        _ = stop.changed() => return,
                    }
                }
            }));
        }
        let limit = tokio::time::Instant::now() + Duration::from_secs(120);
        loop {
            let failed: u64 = errors.lock().map(|e| e.values().sum()).unwrap_or(0);
            if opened.load(Ordering::Relaxed) + failed as usize >= n || tokio::time::Instant::now() > limit {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let ready_after = started.elapsed().as_secs_f64();
        if let Some(f) = &a.ready_file {
            let body = json!({ "opened": opened.load(Ordering::Relaxed) });
            let _ = std::fs::write(f, body.to_string());
        }
        tokio::time::sleep(hold).await;
        let _ = stop_tx.send(true);
        for task in tasks {
            let _ = task.await;
        }
        (ready_after, started.elapsed().as_secs_f64())
    });
    let errors = errors.lock().map(|e| e.clone()).unwrap_or_default();
    Ok(json!({
        "url": a.url,
        "open": n,
        "opened": opened.load(Ordering::Relaxed),
        "errors": errors,
        "error_total": errors.values().sum::<u64>(),
        "all_open_after_s": (ready_after * 100.0).round() / 100.0,
        "closed_after_s": (closed_after * 100.0).round() / 100.0,
    }))
}

fn main() -> Result<()> {
    let a = Args::parse();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(a.threads.max(1)).enable_all().build()?;
    let out = match a.open {
        Some(n) => run_open(&a, n, &rt)?,
        None => run_rate(&a, &rt)?,
    };
    println!("{out}");
    rt.shutdown_timeout(Duration::from_millis(100));
    Ok(())
}
