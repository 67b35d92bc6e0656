//! The HTTP side: take a request, check trust, forward it, and send the judged response back.

use crate::filter::{self, BodyOutcome, CallRecord, FilterCtx, StreamFilter};
use crate::providers::{ApiKind, Provider, Providers};
use crate::route::{route, Endpoint, Route};
use crate::shape::error_body;
use crate::sse::SseReader;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use serde_json::Value;
use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Instant;

/// Everything a request needs, shared.
pub struct Gateway {
    pub providers: Providers,
    /// The providers' base URLs, parsed once.
    pub bases: crate::providers::Bases,
    pub filters: FilterCtx,
    pub client: reqwest::Client,
    /// Largest request body accepted from a client.
    pub max_request: usize,
    /// Largest non-streaming response body judged.
    pub max_response: usize,
    /// Largest single SSE event.
    pub max_event: usize,
    pub observer: Arc<dyn Observer>,
    /// Outputs owed for calls removed from stored Responses responses.
    pub pending: crate::pending::PendingOutputs,
    /// `review_writes = "gateway"`: the review of every write (`None` when off).
    pub review: Option<Arc<crate::review::WriteReview>>,
}

/// Where the gateway reports what it did (the audit store, redaction).
pub trait Observer: Send + Sync {
    /// Redact secrets in a request body going upstream; returns how many were replaced.
    fn redact(&self, _body: &mut Value) -> u64 {
        0
    }
    /// Whether [`Observer::redact`] could change the string value `text` under the object key
    /// `key` (`None`: an array item, or the document itself): `false` only when it certainly would
    /// not. When no string would change, the body is forwarded without being parsed into a `Value`
    /// ([`crate::scan`]). `true` unless an observer knows better.
    fn may_redact(&self, _key: Option<&str>, _text: &str) -> bool {
        true
    }
    /// One request finished (or was refused).
    fn request(&self, _r: &RequestRecord) {}
}

/// What the audit store gets for one request.
#[derive(Debug, Clone, Default)]
pub struct RequestRecord {
    pub client: Option<String>,
    pub provider: Option<String>,
    pub model: Option<String>,
    pub path: String,
    pub status: u16,
    /// Why the gateway refused it, if it did.
    pub refused: Option<String>,
    pub redactions: u64,
    pub calls: Vec<CallRecord>,
    /// The stream did not finish (upstream died, the client left, an event was unreadable).
    pub incomplete: Option<String>,
    pub micros: u64,
}

/// An observer that does nothing (tests, `--no-audit`).
pub struct NoObserver;
impl Observer for NoObserver {
    fn may_redact(&self, _key: Option<&str>, _text: &str) -> bool {
        false
    }
}

/// Build the router: every path goes through [`handle`].
pub fn router(gw: Arc<Gateway>) -> axum::Router {
    axum::Router::new().fallback(handle).with_state(gw)
}

const HOP: [&str; 9] = [
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
    "transfer-encoding", "upgrade", "host",
];

fn refuse(kind: ApiKind, status: StatusCode, code: &str, message: &str) -> Response {
    let mut r = Response::new(Body::from(error_body(kind, status.as_u16(), code, message)));
    *r.status_mut() = status;
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

/// The one handler.
pub async fn handle(State(gw): State<Arc<Gateway>>, req: Request) -> Response {
    let started = Instant::now();
    let (parts, body) = req.into_parts();
    let pq = parts.uri.path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| "/".into());
    let rt = route(&pq, &parts.headers, &gw.providers);
    let mut rec = RequestRecord {
        client: parts.headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).map(str::to_string),
        path: parts.uri.path().to_string(),
        ..RequestRecord::default()
    };
    let finish = |mut rec: RequestRecord, resp: Response| {
        rec.status = resp.status().as_u16();
        rec.micros = started.elapsed().as_micros() as u64;
        gw.observer.request(&rec);
        resp
    };
    // A socket the gateway cannot read would bypass every check: never tunnel one.
    if parts.headers.contains_key(header::UPGRADE) {
        rec.refused = Some("websocket upgrade".into());
        let msg = "airlock gateway: WebSocket upgrades are not supported (the stream must be inspected); use HTTP streaming";
        return finish(rec, refuse(rt.kind, StatusCode::UPGRADE_REQUIRED, "airlock_no_websocket", msg));
    }
    if parts.method == Method::HEAD && parts.uri.path() == "/" {
        return finish(rec, Response::new(Body::empty()));
    }
    let raw = match axum::body::to_bytes(body, gw.max_request).await {
        Ok(b) => b,
        Err(_) => {
            rec.refused = Some("request body too large".into());
            let msg = format!("airlock gateway: the request body is larger than {} bytes (or was cut off)", gw.max_request);
            return finish(rec, refuse(rt.kind, StatusCode::PAYLOAD_TOO_LARGE, "airlock_request_too_large", &msg));
        }
    };
    let (provider, body, cwd) = match trust(&gw, &rt, &raw, &mut rec) {
        Ok(x) => x,
        Err(resp) => return finish(rec, *resp),
    };
    let url = match gw.bases.url(provider, &rt.upstream_path) {
        Ok(u) => u,
        Err(e) => {
            let msg = format!("airlock gateway: the upstream `{}` could not be reached: {e}", provider.name);
            rec.incomplete = Some(msg.clone());
            return finish(rec, refuse(rt.kind, StatusCode::BAD_GATEWAY, "airlock_upstream_unreachable", &msg));
        }
    };
    let mut builder = gw.client.request(parts.method.clone(), url);
    for (name, value) in &parts.headers {
        let n = name.as_str();
        if HOP.contains(&n) || n == "content-length" || n == "accept-encoding" {
            continue;
        }
        builder = builder.header(name, value);
    }
    builder = builder.header(header::ACCEPT_ENCODING, "identity").body(body);
    let upstream = match builder.send().await {
        Ok(r) => r,
        Err(e) => {
            let msg = format!("airlock gateway: the upstream `{}` could not be reached: {}", provider.name, error_chain(&e));
            rec.incomplete = Some(msg.clone());
            return finish(rec, refuse(rt.kind, StatusCode::BAD_GATEWAY, "airlock_upstream_unreachable", &msg));
        }
    };
    // Off, the filters are the gateway's own; on, each request's writes are reviewed as its provider's.
    let reviewed;
    let filters = match &gw.review {
        None => &gw.filters,
        Some(r) => {
            let writer = airlock_review::Origin {
                provider: airlock_review::normalize_provider(&provider.name),
                model: rec.model.clone().unwrap_or_default(),
            };
            reviewed = r.filters(&gw.filters, writer, cwd);
            &reviewed
        }
    };
    let resp = respond(&gw, filters, &rt, upstream, &mut rec).await;
    match resp {
        Respond::Done(r) => finish(rec, r),
        Respond::Streaming(r) => {
            // The stream's own guard reports when it ends; only the status is known now.
            r
        }
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

type Refusal = Box<Response>;

/// Check provider and model trust; redact the body. Returns the provider, the body to send and, when
/// writes are reviewed, the agent's working directory as the request states it.
fn trust<'a>(gw: &'a Gateway, rt: &Route, raw: &Bytes, rec: &mut RequestRecord) -> Result<(&'a Provider, Bytes, Option<std::path::PathBuf>), Refusal> {
    let deny = |rec: &mut RequestRecord, msg: String| {
        let m = format!("airlock gateway: {msg}");
        rec.refused = Some(m.clone());
        Box::new(refuse(rt.kind, StatusCode::FORBIDDEN, "airlock_untrusted", &m))
    };
    // One borrowed pass reads the model and rules redaction out for most bodies, which then go on
    // as they came. A body it cannot rule out (or read) is parsed whole, as are Responses bodies
    // (owed outputs are filled in) and, with reviewed writes, every body (the working directory).
    let scanned = if raw.is_empty() || rt.endpoint == Endpoint::Responses || gw.review.is_some() {
        None
    } else {
        crate::scan::scan(raw, gw.observer.as_ref())
    };
    let mut json: Option<Value> =
        if raw.is_empty() || scanned.is_some() { None } else { serde_json::from_slice(raw).ok() };
    let is_json = scanned.is_some() || json.is_some();
    let named = match scanned {
        Some(m) => m,
        None => json.as_ref().and_then(|v| v.get("model")).and_then(Value::as_str).map(str::to_string),
    };
    let model = match &rt.endpoint {
        Endpoint::Generate { model, .. } => Some(model.clone()),
        _ => named,
    };
    rec.model = model.clone();
    if rt.endpoint.judged() && !is_json && !matches!(rt.endpoint, Endpoint::Generate { .. }) {
        let m = "airlock gateway: the request body is not JSON".to_string();
        rec.refused = Some(m.clone());
        return Err(Box::new(refuse(rt.kind, StatusCode::BAD_REQUEST, "airlock_bad_request", &m)));
    }
    let provider = match (&rt.provider, &model) {
        (Some(name), m) => {
            let p = gw.providers.by_name(name).ok_or_else(|| deny(rec, format!("provider `{name}` is not trusted")))?;
            if let Some(m) = m {
                if !p.model_trusted(m) {
                    return Err(deny(rec, format!("model `{m}` is not trusted: {} allows {:?}", p.source, p.models)));
                }
            } else if rt.endpoint.judged() {
                return Err(deny(rec, "the request names no model".into()));
            }
            p
        }
        (None, Some(m)) => gw.providers.select(rt.kind, m).map_err(|e| deny(rec, e))?,
        (None, None) if rt.endpoint.judged() => return Err(deny(rec, "the request names no model".into())),
        (None, None) => gw
            .providers
            .list
            .iter()
            .find(|p| p.kind == rt.kind)
            .ok_or_else(|| deny(rec, format!("no trusted provider speaks the {} API", rt.kind)))?,
    };
    rec.provider = Some(provider.name.clone());
    let cwd = gw.review.as_ref().and(json.as_ref()).and_then(crate::review::request_cwd);
    let mut body = raw.clone();
    if let Some(v) = json.as_mut() {
        let owed = if rt.endpoint == Endpoint::Responses { gw.pending.fill(v) } else { 0 };
        let n = gw.observer.redact(v);
        rec.redactions = n;
        if n > 0 || owed > 0 {
            body = Bytes::from(v.to_string());
        }
    }
    Ok((provider, body, cwd))
}

enum Respond {
    Done(Response),
    Streaming(Response),
}

fn copy_headers(from: &reqwest::header::HeaderMap, to: &mut HeaderMap, keep_length: bool) {
    for (name, value) in from {
        let n = name.as_str();
        if HOP.contains(&n) || (!keep_length && n == "content-length") {
            continue;
        }
        if let (Ok(k), Ok(v)) = (HeaderName::from_bytes(n.as_bytes()), HeaderValue::from_bytes(value.as_bytes())) {
            to.append(k, v);
        }
    }
}

async fn respond(gw: &Arc<Gateway>, filters: &FilterCtx, rt: &Route, upstream: reqwest::Response, rec: &mut RequestRecord) -> Respond {
    let status = upstream.status();
    let headers = upstream.headers().clone();
    let judged = rt.endpoint.judged() && status.is_success();
    if !judged {
        // Errors and endpoints that run nothing pass through as they come.
        let mut r = Response::new(Body::from_stream(upstream.bytes_stream()));
        *r.status_mut() = status;
        copy_headers(&headers, r.headers_mut(), true);
        return Respond::Done(r);
    }
    let encoded = headers
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|e| !e.eq_ignore_ascii_case("identity"));
    if encoded {
        let msg = "airlock gateway: the upstream compressed its response although identity was asked for; it cannot be judged";
        rec.incomplete = Some(msg.into());
        return Respond::Done(refuse(rt.kind, StatusCode::BAD_GATEWAY, "airlock_unjudgeable", msg));
    }
    let sse = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("text/event-stream"));
    if sse {
        let filter: Box<dyn StreamFilter> = match (&rt.endpoint, rt.kind) {
            (Endpoint::Messages, _) => Box::new(filter::anthropic::AnthropicFilter::new(filters.clone())),
            (Endpoint::ChatCompletions, _) => Box::new(filter::chat::ChatFilter::new(filters.clone())),
            (Endpoint::Responses, _) => Box::new(filter::responses::ResponsesFilter::new(filters.clone())),
            _ => Box::new(filter::gemini::GeminiFilter::new(filters.clone())),
        };
        let state = StreamState {
            upstream: Box::pin(upstream.bytes_stream()),
            reader: SseReader::new(gw.max_event),
            filter,
            queue: VecDeque::new(),
            done: false,
            gw: gw.clone(),
            rec: Some(std::mem::take(rec)),
            started: Instant::now(),
        };
        let mut r = Response::new(Body::from_stream(futures_util::stream::unfold(state, next_chunk)));
        *r.status_mut() = status;
        copy_headers(&headers, r.headers_mut(), false);
        return Respond::Streaming(r);
    }
    let body = match read_capped(upstream, gw.max_response).await {
        Ok(b) => b,
        Err(msg) => {
            rec.incomplete = Some(msg.clone());
            return Respond::Done(refuse(rt.kind, StatusCode::BAD_GATEWAY, "airlock_unjudgeable", &msg));
        }
    };
    let response_id = (rt.endpoint == Endpoint::Responses)
        .then(|| serde_json::from_slice::<Value>(&body).ok())
        .flatten()
        .and_then(|v| v.get("id").and_then(Value::as_str).map(str::to_string));
    let outcome: Result<BodyOutcome, String> = match &rt.endpoint {
        Endpoint::Messages => filter::anthropic::judge_body(body, filters),
        Endpoint::ChatCompletions => filter::chat::judge_body(body, filters),
        Endpoint::Responses => filter::responses::judge_body(body, filters),
        Endpoint::Generate { stream: true, .. } => filter::gemini::judge_array_body(body, filters),
        _ => filter::gemini::judge_body(body, filters),
    };
    match outcome {
        Ok(o) => {
            if let Some(id) = response_id {
                gw.pending.remember(&id, &o.records);
            }
            rec.calls = o.records;
            let mut r = Response::new(Body::from(o.body));
            *r.status_mut() = status;
            copy_headers(&headers, r.headers_mut(), false);
            Respond::Done(r)
        }
        Err(e) => {
            let msg = format!("airlock gateway: the upstream response cannot be judged: {e}");
            rec.incomplete = Some(msg.clone());
            Respond::Done(refuse(rt.kind, StatusCode::BAD_GATEWAY, "airlock_unjudgeable", &msg))
        }
    }
}

async fn read_capped(upstream: reqwest::Response, cap: usize) -> Result<Bytes, String> {
    let mut s = upstream.bytes_stream();
    let mut buf = Vec::new();
    while let Some(chunk) = s.next().await {
        let chunk = chunk.map_err(|e| format!("airlock gateway: the upstream response broke off: {}", error_chain(&e)))?;
        if buf.len() + chunk.len() > cap {
            return Err(format!("airlock gateway: the upstream response is larger than {cap} bytes"));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(buf))
}

/// Every event of these APIs carries JSON (or Chat's `[DONE]`); one that does not parse is dropped.
fn unreadable(ev: &crate::sse::SseEvent) -> bool {
    let d = ev.data.trim();
    !d.is_empty() && d != "[DONE]" && serde_json::from_str::<Value>(d).is_err()
}

type Upstream = Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>;

/// One judged stream in flight. Reports to the observer when dropped, however it ends.
struct StreamState {
    upstream: Upstream,
    reader: SseReader,
    filter: Box<dyn StreamFilter>,
    queue: VecDeque<Bytes>,
    done: bool,
    gw: Arc<Gateway>,
    rec: Option<RequestRecord>,
    started: Instant,
}

impl StreamState {
    fn end(&mut self, why: Option<String>) {
        let mut out = Vec::new();
        match self.reader.finish() {
            Ok(Some(ev)) if unreadable(&ev) => self.note("an event that is not JSON was dropped".into()),
            Ok(Some(ev)) => self.filter.on_event(ev, &mut out),
            Ok(None) => {}
            Err(p) => self.note(format!("unreadable trailing event: {p:?}")),
        }
        self.filter.on_end(&mut out);
        self.queue.extend(out);
        if let Some(w) = why {
            self.note(w);
        }
        self.done = true;
    }

    fn note(&mut self, why: String) {
        if let Some(r) = self.rec.as_mut() {
            if r.incomplete.is_none() {
                r.incomplete = Some(why);
            }
        }
    }
}

impl Drop for StreamState {
    fn drop(&mut self) {
        if !self.done {
            // The client went away mid-stream: whatever was held was never sent.
            let mut out = Vec::new();
            self.filter.on_end(&mut out);
            self.note("the client disconnected before the stream ended".into());
        }
        if let Some(mut rec) = self.rec.take() {
            rec.calls.extend(self.filter.take_records());
            if let Some(id) = self.filter.response_id() {
                self.gw.pending.remember(&id, &rec.calls);
            }
            rec.micros = self.started.elapsed().as_micros() as u64;
            rec.status = 200;
            self.gw.observer.request(&rec);
        }
    }
}

async fn next_chunk(mut st: StreamState) -> Option<(Result<Bytes, std::convert::Infallible>, StreamState)> {
    loop {
        if !st.queue.is_empty() {
            let b = if st.queue.len() == 1 {
                st.queue.pop_front().unwrap_or_default()
            } else {
                let mut v = Vec::with_capacity(st.queue.iter().map(Bytes::len).sum());
                for b in st.queue.drain(..) {
                    v.extend_from_slice(&b);
                }
                Bytes::from(v)
            };
            return Some((Ok(b), st));
        }
        if st.done {
            return None;
        }
        match st.upstream.next().await {
            Some(Ok(chunk)) => {
                st.reader.push(&chunk);
                let mut out = Vec::new();
                loop {
                    match st.reader.next_event() {
                        Ok(Some(ev)) if unreadable(&ev) => {
                            // A client's parser may read what ours cannot (lone surrogates, say): never pass it.
                            st.note("an event that is not JSON was dropped".into());
                        }
                        Ok(Some(ev)) => st.filter.on_event(ev, &mut out),
                        Ok(None) => break,
                        Err(p) => {
                            st.queue.extend(std::mem::take(&mut out));
                            st.end(Some(format!("the upstream stream could not be read: {p:?}; it was cut there")));
                            break;
                        }
                    }
                }
                st.queue.extend(out);
            }
            Some(Err(e)) => st.end(Some(format!("the upstream stream broke off: {}", error_chain(&e)))),
            None => st.end(None),
        }
    }
}
