//! Reviewer clients: one request per review, structured output where the API has it, and the answer
//! parsed strictly ([`crate::schema`]) whatever the API promised.

mod anthropic;
mod gemini;
mod openai;

use crate::change::Change;
use crate::prompt::Prompt;
use crate::schema::{self, Finding, ReviewerId};
use crate::{ReviewError, Result};
use airlock_config::{ReviewApi, ReviewerSpec};
use serde_json::Value;
use std::time::Duration;

/// A reviewer ready to be called: its configuration, its key, and a timeout.
#[derive(Debug, Clone)]
pub struct Reviewer {
    pub spec: ReviewerSpec,
    api_key: Option<String>,
    pub timeout: Duration,
}

/// A finished review.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Review {
    pub reviewer: ReviewerId,
    pub findings: Vec<Finding>,
    /// Secrets redacted from the prompt before it was sent.
    pub redactions: u64,
}

/// One HTTP request to a reviewer API.
pub(crate) struct Request {
    pub url: String,
    pub headers: Vec<(&'static str, String)>,
    pub body: Value,
}

impl Reviewer {
    /// A reviewer whose key is read from its `api_key_env` (an error naming the variable when the
    /// API needs a key and it is unset; optional for `openai-compatible`).
    pub fn from_env(spec: &ReviewerSpec, timeout: Duration) -> Result<Reviewer> {
        let key = spec
            .api_key_env
            .as_deref()
            .and_then(|v| std::env::var(v).ok())
            .filter(|k| !k.trim().is_empty());
        if key.is_none() && spec.api != ReviewApi::OpenaiCompatible {
            let var = spec.api_key_env.clone().unwrap_or_else(|| "(none configured)".into());
            return Err(ReviewError::MissingKey { reviewer: spec.name.clone(), var });
        }
        Ok(Reviewer::with_key(spec, key, timeout))
    }

    /// A reviewer with an explicit key (tests, callers holding the key already).
    pub fn with_key(spec: &ReviewerSpec, api_key: Option<String>, timeout: Duration) -> Reviewer {
        Reviewer { spec: spec.clone(), api_key, timeout }
    }

    /// Provider and model, as findings carry them.
    pub fn id(&self) -> ReviewerId {
        ReviewerId { provider: crate::normalize_provider(&self.spec.provider), model: self.spec.model.clone() }
    }

    fn base(&self, default: &str) -> String {
        self.spec.base_url.as_deref().unwrap_or(default).trim_end_matches('/').to_string()
    }

    /// The request this reviewer sends for `prompt`.
    pub(crate) fn request(&self, prompt: &Prompt) -> Request {
        let key = self.api_key.as_deref();
        match self.spec.api {
            ReviewApi::Anthropic => anthropic::request(&self.spec, &self.base("https://api.anthropic.com"), key, prompt),
            ReviewApi::OpenaiChat => openai::chat_request(&self.spec, &self.base("https://api.openai.com"), key, prompt, true),
            ReviewApi::OpenaiCompatible => openai::chat_request(&self.spec, &self.base("http://127.0.0.1:11434"), key, prompt, false),
            ReviewApi::OpenaiResponses => openai::responses_request(&self.spec, &self.base("https://api.openai.com"), key, prompt),
            ReviewApi::Gemini => gemini::request(&self.spec, &self.base("https://generativelanguage.googleapis.com"), key, prompt),
        }
    }

    /// The findings document inside an API's answer.
    fn answer(&self, body: &Value) -> Result<Value, String> {
        match self.spec.api {
            ReviewApi::Anthropic => anthropic::answer(body),
            ReviewApi::OpenaiChat | ReviewApi::OpenaiCompatible => openai::chat_answer(body),
            ReviewApi::OpenaiResponses => openai::responses_answer(body),
            ReviewApi::Gemini => gemini::answer(body),
        }
    }

    /// Review `change`: build the (redacted) prompt, send it, parse the answer strictly.
    pub async fn review(&self, change: &Change, redactor: &airlock_redact::Redactor) -> Result<Review> {
        if change.is_empty() {
            return Err(ReviewError::BadChange("nothing changed".into()));
        }
        let prompt = Prompt::build(change, redactor);
        let findings = self.review_prompt(&prompt, change).await?;
        Ok(Review { reviewer: self.id(), findings, redactions: prompt.redactions })
    }

    /// Send an already-built prompt (it must have been built from `change`).
    pub async fn review_prompt(&self, prompt: &Prompt, change: &Change) -> Result<Vec<Finding>> {
        let body = self.send(self.request(prompt)).await?;
        let id = self.id();
        let doc = self.answer(&body).map_err(|reason| ReviewError::Malformed { reviewer: id.to_string(), reason })?;
        schema::parse_findings(&doc, change, &id)
    }

    /// [`Reviewer::review`] for callers without a runtime (the CLI, a git hook).
    pub fn review_blocking(&self, change: &Change, redactor: &airlock_redact::Redactor) -> Result<Review> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| self.transport(format!("cannot start the HTTP runtime: {e}")))?;
        rt.block_on(self.review(change, redactor))
    }

    fn transport(&self, message: String) -> ReviewError {
        ReviewError::Transport { reviewer: self.spec.name.clone(), message }
    }

    async fn send(&self, req: Request) -> Result<Value> {
        let name = &self.spec.name;
        let timeout = ReviewError::Timeout { reviewer: name.clone(), secs: self.timeout.as_secs() };
        let client = reqwest::Client::builder()
            .timeout(self.timeout)
            .connect_timeout(self.timeout.min(Duration::from_secs(30)))
            // A redirect would carry the key headers (`x-api-key`, `x-goog-api-key`) and the prompt
            // to wherever it points: not followed, it is an error status.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| self.transport(format!("HTTP client: {e}")))?;
        let mut rb = client.post(&req.url).json(&req.body);
        for (k, v) in &req.headers {
            rb = rb.header(*k, v);
        }
        let resp = match rb.send().await {
            Ok(r) => r,
            Err(e) if e.is_timeout() => return Err(timeout),
            Err(e) => return Err(self.transport(format!("POST {}: {e}", req.url))),
        };
        let status = resp.status();
        let bytes = match resp.bytes().await {
            Ok(b) => b,
            Err(e) if e.is_timeout() => return Err(timeout),
            Err(e) => return Err(self.transport(format!("reading the answer: {e}"))),
        };
        if bytes.len() > 4 * schema::MAX_ANSWER_BYTES {
            return Err(ReviewError::Malformed { reviewer: self.id().to_string(), reason: format!("{} bytes of answer", bytes.len()) });
        }
        let json: Option<Value> = serde_json::from_slice(&bytes).ok();
        if !status.is_success() {
            let message = json
                .as_ref()
                .and_then(|v| v.pointer("/error/message").or_else(|| v.get("error")).or_else(|| v.get("message")))
                .map(|m| m.as_str().map_or_else(|| m.to_string(), str::to_string))
                .unwrap_or_else(|| String::from_utf8_lossy(bytes.get(..bytes.len().min(500)).unwrap_or_default()).into_owned());
            // The provider's text is untrusted too: one short printable line.
            let message: String = message
                .chars()
                .take(500)
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            return Err(ReviewError::Http { reviewer: name.clone(), status: status.as_u16(), message });
        }
        json.ok_or_else(|| ReviewError::Malformed { reviewer: self.id().to_string(), reason: "the API's answer is not JSON".into() })
    }
}

/// `base` joined with `path` (`v1/messages`), without doubling a version segment the base ends with.
pub(crate) fn endpoint(base: &str, version: &str, rest: &str) -> String {
    if base.ends_with(&format!("/{version}")) {
        format!("{base}/{rest}")
    } else {
        format!("{base}/{version}/{rest}")
    }
}

/// The text of a reply that should be one JSON document.
pub(crate) fn text_answer(text: &str) -> Result<Value, String> {
    schema::answer_json(text)
}
