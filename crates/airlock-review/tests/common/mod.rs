//! A scripted model server on loopback: answers every POST with a fixed status and body, after an
//! optional delay, and records what it was sent.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::response::Response;
use airlock_review::{ReviewApi, ReviewerSpec};
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request the server saw.
#[derive(Debug, Clone)]
pub struct Seen {
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Seen {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

pub struct Server {
    pub base: String,
    pub seen: Arc<Mutex<Vec<Seen>>>,
}

/// Serve `body` with `status` to every request, after `delay`.
pub async fn serve(status: u16, body: String, delay: Duration) -> Server {
    serve_fn(status, Arc::new(move |_: &str| body.clone()), delay).await
}

/// What a scripted reviewer answers, from the request body.
pub type Responder = Arc<dyn Fn(&str) -> String + Send + Sync>;

/// Answer each request with `respond(request body)`.
pub async fn serve_fn(status: u16, respond: Responder, delay: Duration) -> Server {
    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let rec = seen.clone();
    let app = axum::Router::new().fallback(move |req: Request| {
        let rec = rec.clone();
        let respond = respond.clone();
        async move {
            let path = req.uri().path_and_query().map(|p| p.to_string()).unwrap_or_default();
            let headers = req
                .headers()
                .iter()
                .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
                .collect();
            let bytes = to_bytes(req.into_body(), 16 << 20).await.unwrap();
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let body = respond(&text);
            rec.lock().unwrap().push(Seen { path, headers, body: text });
            tokio::time::sleep(delay).await;
            let mut r = Response::new(Body::from(body));
            *r.status_mut() = axum::http::StatusCode::from_u16(status).unwrap();
            r.headers_mut().insert("content-type", "application/json".parse().unwrap());
            r
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Server { base, seen }
}

pub fn spec(api: ReviewApi, provider: &str, model: &str, base: &str) -> ReviewerSpec {
    ReviewerSpec {
        name: format!("{provider}-reviewer"),
        api,
        provider: provider.into(),
        model: model.into(),
        base_url: Some(base.into()),
        api_key_env: api.default_key_env().map(str::to_string),
        max_output_tokens: 2048,
    }
}

/// The answer body each API would send carrying `doc` (the findings document as JSON text).
pub fn wrap_answer(api: ReviewApi, doc: &str) -> String {
    use serde_json::json;
    match api {
        ReviewApi::Anthropic => {
            let input: Value = serde_json::from_str(doc).unwrap_or(Value::String(doc.into()));
            json!({"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
                "content": [{"type": "tool_use", "id": "toolu_1", "name": "report_findings", "input": input}],
                "stop_reason": "tool_use"})
        }
        ReviewApi::OpenaiChat | ReviewApi::OpenaiCompatible => json!({"id": "chatcmpl-1", "object": "chat.completion",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": doc, "refusal": null}, "finish_reason": "stop"}]}),
        ReviewApi::OpenaiResponses => json!({"id": "resp_1", "object": "response", "status": "completed",
            "output": [{"type": "reasoning", "id": "rs_1", "summary": []},
                       {"type": "message", "id": "msg_1", "role": "assistant", "status": "completed",
                        "content": [{"type": "output_text", "text": doc, "annotations": []}]}]}),
        ReviewApi::Gemini => json!({"candidates": [{"content": {"role": "model", "parts": [{"text": doc}]}, "finishReason": "STOP"}]}),
    }
    .to_string()
}
