//! The `[review]` section: which models review the code other models wrote (`airlock review`,
//! the git hook, and the gateway's optional review of every write).
//!
//! ```toml
//! [review]
//! default = "gpt"              # the reviewer used when none is requested
//! context_lines = 20           # unchanged lines shown around each change
//! timeout_secs = 120           # one reviewer call
//! review_writes = "off"        # or "gateway": the gateway reviews each model-written file
//! write_budget_secs = 60       # the gateway's time budget for that review
//!
//! [[review.reviewers]]
//! name = "gpt"
//! api = "openai-chat"          # anthropic | openai-chat | openai-responses | gemini | openai-compatible
//! model = "gpt-5"
//! api_key_env = "OPENAI_API_KEY"   # default per api; none for openai-compatible
//!
//! [[review.reviewers]]
//! name = "local"
//! api = "openai-compatible"
//! provider = "ollama"          # required for openai-compatible: the provider's identity
//! base_url = "http://127.0.0.1:11434/v1"
//! model = "qwen2.5-coder:32b"
//! ```
//!
//! User and project files add reviewers (by name) and set the scalars; a system-managed file that
//! lists reviewers replaces everyone else's list, and its `default`, `review_writes` and budget win.

use serde::Deserialize;
use std::path::Path;

/// The API a reviewer speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReviewApi {
    /// Anthropic Messages (`/v1/messages`).
    Anthropic,
    /// OpenAI Chat Completions (`/v1/chat/completions`).
    OpenaiChat,
    /// OpenAI Responses (`/v1/responses`).
    OpenaiResponses,
    /// Gemini `generateContent`.
    Gemini,
    /// Any server speaking Chat Completions (Ollama, vLLM, LM Studio): `base_url` and `provider` required.
    OpenaiCompatible,
}

impl ReviewApi {
    /// The provider a reviewer of this API is, unless the entry names one.
    pub fn default_provider(self) -> Option<&'static str> {
        match self {
            ReviewApi::Anthropic => Some("anthropic"),
            ReviewApi::OpenaiChat | ReviewApi::OpenaiResponses => Some("openai"),
            ReviewApi::Gemini => Some("google"),
            ReviewApi::OpenaiCompatible => None,
        }
    }

    /// The environment variable holding the key, unless the entry names one.
    pub fn default_key_env(self) -> Option<&'static str> {
        match self {
            ReviewApi::Anthropic => Some("ANTHROPIC_API_KEY"),
            ReviewApi::OpenaiChat | ReviewApi::OpenaiResponses => Some("OPENAI_API_KEY"),
            ReviewApi::Gemini => Some("GEMINI_API_KEY"),
            ReviewApi::OpenaiCompatible => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ReviewApi::Anthropic => "anthropic",
            ReviewApi::OpenaiChat => "openai-chat",
            ReviewApi::OpenaiResponses => "openai-responses",
            ReviewApi::Gemini => "gemini",
            ReviewApi::OpenaiCompatible => "openai-compatible",
        }
    }
}

/// Whether the gateway reviews model-written files before the agent sees the write.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReviewWrites {
    #[default]
    Off,
    Gateway,
}

/// One `[[review.reviewers]]` entry, as written.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewerEntry {
    pub name: String,
    pub api: ReviewApi,
    /// The provider's identity (`anthropic`, `openai`, `google`, `ollama`, ...); default from `api`.
    pub provider: Option<String>,
    pub model: String,
    pub base_url: Option<String>,
    /// The environment variable holding the API key; default from `api`.
    pub api_key_env: Option<String>,
    /// Most tokens the reviewer may answer with (default 4096).
    pub max_output_tokens: Option<u32>,
}

/// A reviewer with its defaults filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewerSpec {
    pub name: String,
    pub api: ReviewApi,
    /// Lower-case provider identity.
    pub provider: String,
    pub model: String,
    pub base_url: Option<String>,
    pub api_key_env: Option<String>,
    pub max_output_tokens: u32,
}

/// `[review]` as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewSection {
    #[serde(default)]
    pub reviewers: Vec<ReviewerEntry>,
    pub default: Option<String>,
    pub context_lines: Option<u32>,
    pub timeout_secs: Option<u64>,
    pub review_writes: Option<ReviewWrites>,
    pub write_budget_secs: Option<u64>,
}

/// The `[review]` settings in force.
#[derive(Debug, Clone, Default)]
pub struct ReviewConfig {
    pub reviewers: Vec<ReviewerSpec>,
    pub default: Option<String>,
    pub context_lines: Option<u32>,
    pub timeout_secs: Option<u64>,
    pub review_writes: ReviewWrites,
    pub write_budget_secs: Option<u64>,
}

impl ReviewConfig {
    /// Unchanged lines shown around each change (default 20).
    pub fn context_lines(&self) -> u32 {
        self.context_lines.unwrap_or(20)
    }

    /// One reviewer call's timeout (default 120 s).
    pub fn timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.timeout_secs.unwrap_or(120))
    }

    /// The gateway's budget for reviewing one write (default 60 s).
    pub fn write_budget(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.write_budget_secs.unwrap_or(60))
    }

    /// The reviewer with this name.
    pub fn reviewer(&self, name: &str) -> Option<&ReviewerSpec> {
        self.reviewers.iter().find(|r| r.name == name)
    }

    /// Adds the reviewers and scalars of one user or project file.
    pub(crate) fn overlay(&mut self, path: &Path, s: &ReviewSection) -> Result<(), crate::ConfigError> {
        for e in &s.reviewers {
            let r = resolve(path, e)?;
            self.reviewers.retain(|q| q.name != r.name);
            self.reviewers.push(r);
        }
        self.scalars(s);
        Ok(())
    }

    /// The managed file: its reviewer list replaces the others; its scalars win.
    pub(crate) fn overlay_managed(&mut self, path: &Path, s: &ReviewSection) -> Result<(), crate::ConfigError> {
        if !s.reviewers.is_empty() {
            self.reviewers = s.reviewers.iter().map(|e| resolve(path, e)).collect::<Result<_, _>>()?;
            // A default the managed list does not have cannot stand.
            if self.default.as_deref().is_some_and(|d| self.reviewer(d).is_none()) {
                self.default = None;
            }
        }
        self.scalars(s);
        Ok(())
    }

    fn scalars(&mut self, s: &ReviewSection) {
        if s.default.is_some() {
            self.default = s.default.clone();
        }
        if s.context_lines.is_some() {
            self.context_lines = s.context_lines;
        }
        if s.timeout_secs.is_some() {
            self.timeout_secs = s.timeout_secs;
        }
        if let Some(w) = s.review_writes {
            self.review_writes = w;
        }
        if s.write_budget_secs.is_some() {
            self.write_budget_secs = s.write_budget_secs;
        }
    }
}

fn resolve(file: &Path, e: &ReviewerEntry) -> Result<ReviewerSpec, crate::ConfigError> {
    let bad = |why: &str| crate::ConfigError::Invalid {
        path: file.to_path_buf(),
        message: format!("[[review.reviewers]] {:?}: {why}", e.name),
    };
    if e.name.trim().is_empty() {
        return Err(bad("a reviewer needs a name"));
    }
    if e.model.trim().is_empty() {
        return Err(bad("a reviewer needs a `model`"));
    }
    let provider = match (e.provider.as_deref().map(str::trim), e.api.default_provider()) {
        (Some(p), _) if !p.is_empty() => p.to_ascii_lowercase(),
        (_, Some(d)) => d.to_string(),
        _ => return Err(bad("an openai-compatible reviewer needs a `provider` name (e.g. \"ollama\")")),
    };
    if e.api == ReviewApi::OpenaiCompatible && e.base_url.is_none() {
        return Err(bad("an openai-compatible reviewer needs a `base_url`"));
    }
    if let Some(u) = &e.base_url {
        if !(u.starts_with("http://") || u.starts_with("https://")) {
            return Err(bad("`base_url` must be an http:// or https:// URL"));
        }
    }
    Ok(ReviewerSpec {
        name: e.name.clone(),
        api: e.api,
        provider,
        model: e.model.clone(),
        base_url: e.base_url.clone(),
        api_key_env: e.api_key_env.clone().or_else(|| e.api.default_key_env().map(str::to_string)),
        max_output_tokens: e.max_output_tokens.unwrap_or(4096),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
    use super::*;

    fn section(s: &str) -> ReviewSection {
        toml::from_str(s).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn defaults_fill_in_and_user_project_accumulate() {
        let user = section(
            "default = \"claude\"\n[[reviewers]]\nname = \"claude\"\napi = \"anthropic\"\nmodel = \"claude-sonnet-4-5\"\n",
        );
        let project = section(
            "context_lines = 5\nreview_writes = \"gateway\"\n[[reviewers]]\nname = \"local\"\napi = \"openai-compatible\"\nprovider = \"Ollama\"\nbase_url = \"http://127.0.0.1:11434/v1\"\nmodel = \"qwen\"\n",
        );
        let mut c = ReviewConfig::default();
        assert_eq!(c.review_writes, ReviewWrites::Off);
        assert_eq!(c.context_lines(), 20);
        c.overlay(Path::new("/u/airlock.toml"), &user).unwrap();
        c.overlay(Path::new("/r/airlock.toml"), &project).unwrap();
        assert_eq!(c.reviewers.len(), 2);
        let claude = c.reviewer("claude").unwrap();
        assert_eq!(claude.provider, "anthropic");
        assert_eq!(claude.api_key_env.as_deref(), Some("ANTHROPIC_API_KEY"));
        let local = c.reviewer("local").unwrap();
        assert_eq!(local.provider, "ollama");
        assert_eq!(local.api_key_env, None);
        assert_eq!(c.context_lines(), 5);
        assert_eq!(c.review_writes, ReviewWrites::Gateway);
        assert_eq!(c.default.as_deref(), Some("claude"));
    }

    #[test]
    fn managed_reviewers_and_review_writes_win() {
        let mut c = ReviewConfig::default();
        let project = section(
            "default = \"mine\"\nreview_writes = \"gateway\"\n[[reviewers]]\nname = \"mine\"\napi = \"gemini\"\nmodel = \"gemini-2.5-pro\"\n",
        );
        c.overlay(Path::new("/r/airlock.toml"), &project).unwrap();
        assert_eq!(c.reviewer("mine").unwrap().provider, "google");
        let managed = section(
            "review_writes = \"off\"\nwrite_budget_secs = 30\n[[reviewers]]\nname = \"corp\"\napi = \"openai-responses\"\nmodel = \"gpt-5\"\nbase_url = \"https://llm.corp.example\"\n",
        );
        c.overlay_managed(Path::new("/etc/airlock/airlock.toml"), &managed).unwrap();
        assert_eq!(c.reviewers.len(), 1);
        assert_eq!(c.reviewers[0].provider, "openai");
        assert_eq!(c.default, None, "a default the managed list lacks is dropped");
        assert_eq!(c.review_writes, ReviewWrites::Off);
        assert_eq!(c.write_budget(), std::time::Duration::from_secs(30));
    }

    #[test]
    fn bad_entries_are_errors() {
        let mut c = ReviewConfig::default();
        for bad in [
            "[[reviewers]]\nname = \"\"\napi = \"anthropic\"\nmodel = \"m\"\n",
            "[[reviewers]]\nname = \"a\"\napi = \"anthropic\"\nmodel = \"\"\n",
            "[[reviewers]]\nname = \"a\"\napi = \"openai-compatible\"\nmodel = \"m\"\nbase_url = \"http://x\"\n",
            "[[reviewers]]\nname = \"a\"\napi = \"openai-compatible\"\nprovider = \"vllm\"\nmodel = \"m\"\n",
            "[[reviewers]]\nname = \"a\"\napi = \"gemini\"\nmodel = \"m\"\nbase_url = \"file:///x\"\n",
        ] {
            let e = c.overlay(Path::new("/r/airlock.toml"), &section(bad)).unwrap_err();
            assert!(e.to_string().contains("review.reviewers"), "{e}");
        }
        assert!(toml::from_str::<ReviewSection>("[[reviewers]]\nname = \"a\"\napi = \"bard\"\nmodel = \"m\"\n").is_err());
        assert!(toml::from_str::<ReviewSection>("review_writes = \"always\"\n").is_err());
    }
}
