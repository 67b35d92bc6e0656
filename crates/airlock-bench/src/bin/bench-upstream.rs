//! A fast local OpenAI Chat Completions upstream for the gateway benchmark.
//!
//! `POST /v1/chat/completions` (also without `/v1`):
//! - non-streaming: one fixed `chat.completion` whose message calls `bash {"command": "npm test"}`;
//! - `"stream": true`: N content events at a fixed interval, each carrying its send time as
//!   `ts=<ns since epoch>` in the delta content, then the same tool call in three fragments, a
//!   finish event and `[DONE]`. The first event goes out at once.
//!
//! A model whose name contains `slow` gets the slow stream shape (for holding many streams open).
//! Prints `bench-upstream listening on http://ADDR` when ready.

use airlock_bench::wall_ns;
use anyhow::{Context, Result};
use bytes::Bytes;
use clap::Parser;
use http_body_util::{combinators::BoxBody, BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use std::convert::Infallible;
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::time::Instant;

#[derive(Parser, Clone)]
#[command(about = "A fast local OpenAI Chat Completions upstream for benchmarks")]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: String,
    /// Runtime worker threads.
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Content events per stream.
    #[arg(long, default_value_t = 20)]
    events: u32,
    /// Milliseconds between stream events.
    #[arg(long, default_value_t = 10)]
    interval_ms: u64,
    /// Content events per stream for models whose name contains `slow`.
    #[arg(long, default_value_t = 600)]
    slow_events: u32,
    /// Milliseconds between events of a slow stream.
    #[arg(long, default_value_t = 1000)]
    slow_interval_ms: u64,
}

type Body = BoxBody<Bytes, Infallible>;

struct Shape {
    events: u32,
    interval: Duration,
}

struct State {
    completion: Bytes,
    fast: Shape,
    slow: Shape,
}

const COMPLETION: &str = r#"{"id":"chatcmpl-bench","object":"chat.completion","created":1700000000,"model":"MODEL","choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_bench","type":"function","function":{"name":"bash","arguments":"{\"command\": \"npm test\"}"}}]},"logprobs":null,"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":60,"completion_tokens":12,"total_tokens":72}}"#;

fn chunk(model: &str, delta: &str, finish: &str) -> Bytes {
    Bytes::from(format!(
        "data: {{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"{model}\",\"choices\":[{{\"index\":0,\"delta\":{delta},\"logprobs\":null,\"finish_reason\":{finish}}}]}}\n\n"
    ))
}

/// Event `i` of a stream with `n` content events (None after the last).
fn event(model: &str, n: u32, i: u32) -> Option<Bytes> {
    let b = match i.checked_sub(n) {
        None if i == 0 => chunk(model, &format!("{{\"role\":\"assistant\",\"content\":\"ts={};\"}}", wall_ns()), "null"),
        None => chunk(model, &format!("{{\"content\":\"ts={};\"}}", wall_ns()), "null"),
        Some(0) => chunk(
            model,
            r#"{"tool_calls":[{"index":0,"id":"call_bench","type":"function","function":{"name":"bash","arguments":""}}]}"#,
            "null",
        ),
        Some(1) => chunk(model, r#"{"tool_calls":[{"index":0,"function":{"arguments":"{\"command\": "}}]}"#, "null"),
        Some(2) => chunk(model, r#"{"tool_calls":[{"index":0,"function":{"arguments":"\"npm test\"}"}}]}"#, "null"),
        Some(3) => chunk(model, "{}", "\"tool_calls\""),
        Some(4) => Bytes::from_static(b"data: [DONE]\n\n"),
        Some(_) => return None,
    };
    Some(b)
}

fn full(status: StatusCode, ctype: &'static str, body: Bytes) -> Response<Body> {
    let mut r = Response::new(Full::new(body).boxed());
    *r.status_mut() = status;
    r.headers_mut().insert(hyper::header::CONTENT_TYPE, hyper::header::HeaderValue::from_static(ctype));
    r
}

async fn handle(st: Arc<State>, req: Request<Incoming>) -> Result<Response<Body>, Infallible> {
    let path = req.uri().path().to_string();
    let body = match req.into_body().collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return Ok(full(StatusCode::BAD_REQUEST, "text/plain", Bytes::from_static(b"bad body"))),
    };
    if !(path.ends_with("/chat/completions")) {
        let msg = Bytes::from(format!("{{\"error\":{{\"message\":\"no route {path}\",\"type\":\"not_found\"}}}}"));
        return Ok(full(StatusCode::NOT_FOUND, "application/json", msg));
    }
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let model = v.get("model").and_then(Value::as_str).unwrap_or("gpt-4o-mini").to_string();
    if !v.get("stream").and_then(Value::as_bool).unwrap_or(false) {
        let b = if model == "gpt-4o-mini" { st.completion.clone() } else { Bytes::from(COMPLETION.replace("MODEL", &model)) };
        return Ok(full(StatusCode::OK, "application/json", b));
    }
    let shape = if model.contains("slow") { &st.slow } else { &st.fast };
    let (n, interval) = (shape.events, shape.interval);
    let start = Instant::now();
    let stream = futures_util::stream::unfold(0u32, move |i| {
        let model = model.clone();
        async move {
            if i > 0 {
                tokio::time::sleep_until(start + interval * i).await;
            }
            event(&model, n, i).map(|b| (Ok::<_, Infallible>(Frame::data(b)), i + 1))
        }
    });
    let mut r = Response::new(BodyExt::boxed(StreamBody::new(stream)));
    let h = r.headers_mut();
    h.insert(hyper::header::CONTENT_TYPE, hyper::header::HeaderValue::from_static("text/event-stream"));
    h.insert(hyper::header::CACHE_CONTROL, hyper::header::HeaderValue::from_static("no-cache"));
    Ok(r)
}

fn main() -> Result<()> {
    let a = Args::parse();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(a.threads.max(1)).enable_all().build()?;
    rt.block_on(serve(a))
}

async fn serve(a: Args) -> Result<()> {
    let st = Arc::new(State {
        completion: Bytes::from(COMPLETION.replace("MODEL", "gpt-4o-mini")),
        fast: Shape { events: a.events, interval: Duration::from_millis(a.interval_ms) },
        slow: Shape { events: a.slow_events, interval: Duration::from_millis(a.slow_interval_ms) },
    });
    let listener = TcpListener::bind(&a.listen).await.with_context(|| format!("listening on {}", a.listen))?;
    let addr = listener.local_addr()?;
    println!("bench-upstream listening on http://{addr}");
    std::io::stdout().flush()?;
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(x) => x,
            Err(e) => {
                eprintln!("bench-upstream: accept: {e}");
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let st = st.clone();
        tokio::spawn(async move {
            let svc = service_fn(move |req| handle(st.clone(), req));
            let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), svc).await;
        });
    }
}
