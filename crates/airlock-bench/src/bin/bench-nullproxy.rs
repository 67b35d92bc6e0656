//! A pass-through HTTP/1 reverse proxy that does nothing but forward (hyper server + hyper client, one
//! runtime thread, bodies streamed as they come). It is the floor for the gateway benchmark: what two more
//! socket hops and an HTTP parse each way cost on this machine, before any judging.

use anyhow::{Context, Result};
use bytes::Bytes;
use clap::Parser;
use http_body_util::{combinators::BoxBody, BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode, Uri};
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

#[derive(Parser)]
#[command(about = "A pass-through reverse proxy (the benchmark's floor)")]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: String,
    /// Upstream base, e.g. http://127.0.0.1:9000
    #[arg(long)]
    upstream: String,
    /// Runtime worker threads.
    #[arg(long, default_value_t = 1)]
    threads: usize,
}

type Body = BoxBody<Bytes, hyper::Error>;

struct State {
    client: Client<HttpConnector, Incoming>,
    authority: String,
}

async fn forward(st: Arc<State>, req: Request<Incoming>) -> Result<Response<Body>, hyper::Error> {
    let (mut parts, body) = req.into_parts();
    let pq = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let uri: Result<Uri, _> = format!("http://{}{}", st.authority, pq).parse();
    let Ok(uri) = uri else {
        return Ok(bad(StatusCode::BAD_REQUEST));
    };
    parts.uri = uri;
    parts.headers.remove(hyper::header::HOST);
    match st.client.request(Request::from_parts(parts, body)).await {
        Ok(resp) => Ok(resp.map(BodyExt::boxed)),
        Err(_) => Ok(bad(StatusCode::BAD_GATEWAY)),
    }
}

fn bad(status: StatusCode) -> Response<Body> {
    let mut r = Response::new(Full::new(Bytes::new()).map_err(|never| match never {}).boxed());
    *r.status_mut() = status;
    r
}

fn main() -> Result<()> {
    let a = Args::parse();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(a.threads.max(1)).enable_all().build()?;
    rt.block_on(serve(a))
}

async fn serve(a: Args) -> Result<()> {
    let up: Uri = a.upstream.parse().with_context(|| format!("parsing {}", a.upstream))?;
    let authority = up.authority().map(|x| x.to_string()).context("the upstream needs host:port")?;
    let mut conn = HttpConnector::new();
    conn.set_nodelay(true);
    let client = Client::builder(TokioExecutor::new()).pool_idle_timeout(Duration::from_secs(60)).build(conn);
    let st = Arc::new(State { client, authority });
    let listener = TcpListener::bind(&a.listen).await.with_context(|| format!("listening on {}", a.listen))?;
    println!("bench-nullproxy listening on http://{}", listener.local_addr()?);
    std::io::stdout().flush()?;
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let _ = stream.set_nodelay(true);
        let st = st.clone();
        tokio::spawn(async move {
            let svc = service_fn(move |req| forward(st.clone(), req));
            let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), svc).await;
        });
    }
}
