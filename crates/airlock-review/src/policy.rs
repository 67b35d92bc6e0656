//! The cross-provider policy: a reviewer must be of another provider than every provider that wrote
//! the reviewed lines.

use crate::provenance::Origin;
use crate::{ReviewError, Result};
use airlock_config::{ReviewApi, ReviewConfig, ReviewerSpec};
use std::collections::BTreeSet;

/// A provider name onto its identity: `gemini`/`google`/`vertex` are `google`; `openai` covers Chat
/// and Responses; others (`anthropic`, `ollama`, `vllm`, ...) are themselves, lower-cased.
pub fn normalize_provider(name: &str) -> String {
    let n = name.trim().to_ascii_lowercase();
    match n.as_str() {
        "gemini" | "google" | "vertex" | "vertex-ai" | "google-ai" => "google".into(),
        "openai" | "openai-chat" | "openai-responses" | "azure-openai" => "openai".into(),
        "claude" | "anthropic" => "anthropic".into(),
        _ => n,
    }
}

/// The reviewer chosen, and what the choice rests on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub spec: ReviewerSpec,
    /// No provider is known for the change (or for some of its lines).
    pub unknown_origin: bool,
    /// A sentence for the report: which providers wrote the change and why this reviewer.
    pub note: String,
}

/// Choose the reviewer. `origins` are the providers/models that wrote the reviewed lines (empty when
/// unknown); `unknown_lines` whether some lines have no known origin. `requested` is a configured
/// reviewer's name, or `provider/model`.
///
/// A requested reviewer of a generating provider is refused with [`ReviewError::SameProvider`];
/// without a request the default reviewer is used if it is allowed, else the first allowed one.
pub fn choose_reviewer(cfg: &ReviewConfig, origins: &[Origin], unknown_lines: bool, requested: Option<&str>) -> Result<Choice> {
    let writers: BTreeSet<String> = origins.iter().map(|o| normalize_provider(&o.provider)).collect();
    let written_by = describe(origins);
    let unknown_origin = writers.is_empty() || unknown_lines;
    let allowed = |s: &ReviewerSpec| !writers.contains(&normalize_provider(&s.provider));
    let refuse = |s: &ReviewerSpec| {
        ReviewError::SameProvider(format!(
            "the change was written by {written_by}, the reviewer must be another provider (not {}/{})",
            normalize_provider(&s.provider),
            s.model
        ))
    };
    let note = |s: &ReviewerSpec| {
        let who = format!("reviewer {}/{}", normalize_provider(&s.provider), s.model);
        match (writers.is_empty(), unknown_lines) {
            (true, _) => format!("the change is of unknown origin (not in the audit); {who}"),
            (false, true) => format!("the change was written by {written_by} (some lines of unknown origin); {who}"),
            (false, false) => format!("the change was written by {written_by}; {who}"),
        }
    };
    let spec = match requested {
        Some(r) => {
            let s = requested_spec(cfg, r)?;
            if !allowed(&s) {
                return Err(refuse(&s));
            }
            s
        }
        None => {
            let default = cfg.default.as_deref().and_then(|d| cfg.reviewer(d));
            match default.filter(|s| allowed(s)).or_else(|| cfg.reviewers.iter().find(|s| allowed(s))) {
                Some(s) => s.clone(),
                None if cfg.reviewers.is_empty() => {
                    return Err(ReviewError::NoReviewer("no reviewer is configured ([[review.reviewers]] in airlock.toml)".into()))
                }
                None => {
                    return Err(ReviewError::SameProvider(format!(
                        "the change was written by {written_by}, the reviewer must be another provider, and every configured reviewer is of {}",
                        writers.iter().cloned().collect::<Vec<_>>().join(", ")
                    )))
                }
            }
        }
    };
    Ok(Choice { note: note(&spec), spec, unknown_origin })
}

/// A configured reviewer by name or `provider/model`; an unconfigured `provider/model` of a known API.
fn requested_spec(cfg: &ReviewConfig, r: &str) -> Result<ReviewerSpec> {
    if let Some(s) = cfg.reviewer(r) {
        return Ok(s.clone());
    }
    let (provider, model) = r
        .split_once('/')
        .filter(|(p, m)| !p.is_empty() && !m.is_empty())
        .ok_or_else(|| ReviewError::NoReviewer(format!("{r:?} is neither a configured reviewer nor provider/model")))?;
    let provider = normalize_provider(provider);
    if let Some(s) = cfg.reviewers.iter().find(|s| normalize_provider(&s.provider) == provider && s.model == model) {
        return Ok(s.clone());
    }
    // Same provider, another model: keep that entry's API, endpoint and key.
    if let Some(s) = cfg.reviewers.iter().find(|s| normalize_provider(&s.provider) == provider) {
        return Ok(ReviewerSpec { model: model.to_string(), name: r.to_string(), ..s.clone() });
    }
    let api = match provider.as_str() {
        "anthropic" => ReviewApi::Anthropic,
        "openai" => ReviewApi::OpenaiResponses,
        "google" => ReviewApi::Gemini,
        _ => return Err(ReviewError::NoReviewer(format!("provider {provider:?} is not configured in [[review.reviewers]]"))),
    };
    Ok(ReviewerSpec {
        name: r.to_string(),
        api,
        provider,
        model: model.to_string(),
        base_url: None,
        api_key_env: api.default_key_env().map(str::to_string),
        max_output_tokens: 4096,
    })
}

/// `anthropic (claude-sonnet-4-5), openai (gpt-5)`.
fn describe(origins: &[Origin]) -> String {
    let mut by: std::collections::BTreeMap<String, BTreeSet<&str>> = Default::default();
    for o in origins {
        by.entry(normalize_provider(&o.provider)).or_default().insert(o.model.as_str());
    }
    if by.is_empty() {
        return "an unknown provider".into();
    }
    by.iter()
        .map(|(p, ms)| {
            let ms: Vec<&str> = ms.iter().copied().filter(|m| !m.is_empty()).collect();
            if ms.is_empty() { p.clone() } else { format!("{p} ({})", ms.join(", ")) }
        })
        .collect::<Vec<_>>()
        .join(", ")
}
