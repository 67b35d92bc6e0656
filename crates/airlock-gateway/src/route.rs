//! What a request is: which API, which endpoint, which provider it names, and the upstream path.

use crate::providers::{ApiKind, Providers};
use http::HeaderMap;

/// The endpoints the gateway judges, and the rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// Anthropic `POST /v1/messages`.
    Messages,
    /// OpenAI `POST /v1/chat/completions`.
    ChatCompletions,
    /// OpenAI `POST /v1/responses`.
    Responses,
    /// Gemini `models/{model}:generateContent` or `:streamGenerateContent`.
    Generate { model: String, stream: bool },
    /// Anything else (count_tokens, model lists, files): forwarded, not judged.
    Other,
}

impl Endpoint {
    /// Whether responses from here carry tool calls an agent runs.
    pub fn judged(&self) -> bool {
        !matches!(self, Endpoint::Other)
    }
}

/// A request, understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub kind: ApiKind,
    pub endpoint: Endpoint,
    /// A provider named by a path prefix (`/ollama/v1/...`).
    pub provider: Option<String>,
    /// The path (and query) to append to the provider's base URL.
    pub upstream_path: String,
}

/// Understand `path` (with its query) and headers.
pub fn route(path_and_query: &str, headers: &HeaderMap, providers: &Providers) -> Route {
    let (path, query) = match path_and_query.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path_and_query, None),
    };
    let mut provider = None;
    let mut path = path.to_string();
    if let Some(first) = path.trim_start_matches('/').split('/').next() {
        if !first.is_empty() && providers.by_name(first).is_some() {
            provider = Some(first.to_string());
            path = path.trim_start_matches('/').get(first.len()..).unwrap_or("").to_string();
            if path.is_empty() {
                path = "/".into();
            }
        }
    }
    let with_query = |p: &str| match query {
        Some(q) => format!("{p}?{q}"),
        None => p.to_string(),
    };
    // Gemini: `/v1beta/models/NAME:ACTION` (any version prefix, or none).
    if let Some((model, action)) = gemini_call(&path) {
        let upstream = if path.starts_with("/v1") { path.clone() } else { format!("/v1beta{path}") };
        let stream = action == "streamGenerateContent";
        let endpoint = if stream || action == "generateContent" {
            Endpoint::Generate { model, stream }
        } else {
            Endpoint::Other
        };
        return Route { kind: ApiKind::Gemini, endpoint, provider, upstream_path: with_query(&upstream) };
    }
    let bare = path.strip_prefix("/v1").filter(|r| r.is_empty() || r.starts_with('/')).unwrap_or(&path);
    let (kind, endpoint) = match bare {
        "/messages" => (ApiKind::Anthropic, Endpoint::Messages),
        "/chat/completions" => (ApiKind::OpenAi, Endpoint::ChatCompletions),
        "/responses" => (ApiKind::OpenAi, Endpoint::Responses),
        p if p.starts_with("/messages/") => (ApiKind::Anthropic, Endpoint::Other),
        _ => (guess_kind(headers, provider.as_deref(), providers), Endpoint::Other),
    };
    let upstream = match kind {
        ApiKind::Gemini => path.clone(),
        _ => bare.to_string(),
    };
    Route { kind, endpoint, provider, upstream_path: with_query(&upstream) }
}

fn gemini_call(path: &str) -> Option<(String, String)> {
    let at = path.find("/models/")?;
    let rest = path.get(at + "/models/".len()..)?;
    let (model, action) = rest.rsplit_once(':')?;
    if model.is_empty() || model.contains('/') || action.is_empty() {
        return None;
    }
    Some((model.to_string(), action.to_string()))
}

fn guess_kind(headers: &HeaderMap, provider: Option<&str>, providers: &Providers) -> ApiKind {
    if let Some(p) = provider.and_then(|n| providers.by_name(n)) {
        return p.kind;
    }
    if headers.contains_key("anthropic-version") || headers.contains_key("x-api-key") {
        ApiKind::Anthropic
    } else if headers.contains_key("x-goog-api-key") {
        ApiKind::Gemini
    } else {
        ApiKind::OpenAi
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn r(p: &str) -> Route {
        let providers = Providers::from_config(&airlock_config::GatewaySection::default()).unwrap();
        route(p, &HeaderMap::new(), &providers)
    }

    #[test]
    fn routes_with_and_without_v1() {
        assert_eq!(r("/v1/messages").endpoint, Endpoint::Messages);
        assert_eq!(r("/v1/messages").upstream_path, "/messages");
        assert_eq!(r("/messages?beta=true").upstream_path, "/messages?beta=true");
        assert_eq!(r("/v1/messages/count_tokens").kind, ApiKind::Anthropic);
        assert_eq!(r("/v1/messages/count_tokens").endpoint, Endpoint::Other);
        assert_eq!(r("/chat/completions").endpoint, Endpoint::ChatCompletions);
        assert_eq!(r("/v1/responses").endpoint, Endpoint::Responses);
        assert_eq!(r("/v1/responses").upstream_path, "/responses");
        let g = r("/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse");
        assert_eq!(g.endpoint, Endpoint::Generate { model: "gemini-2.5-pro".into(), stream: true });
        assert_eq!(g.upstream_path, "/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse");
        assert_eq!(r("/models/gemini-2.5-pro:generateContent").upstream_path, "/v1beta/models/gemini-2.5-pro:generateContent");
        assert_eq!(r("/v1beta/models/gemini-2.5-pro:countTokens").endpoint, Endpoint::Other);
        let p = r("/openai/v1/chat/completions");
        assert_eq!((p.provider.as_deref(), p.endpoint), (Some("openai"), Endpoint::ChatCompletions));
        assert_eq!(r("/v1/models").kind, ApiKind::OpenAi);
        assert_eq!(r("/v1/modelsx").upstream_path, "/modelsx");
    }
}
