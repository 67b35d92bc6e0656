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
//!
//! A project file is repository content, which the model under review may have written, so a
//! reviewer it defines may not name an `api_key_env`, and its `base_url` may only be a loopback
//! address and then gets no key at all: a repository cannot send the user's keys elsewhere. For every
//! file, the provider of an `anthropic`, `openai-*` or `gemini` reviewer is that API's provider: only
//! an `openai-compatible` endpoint names its own. A project file may turn `review_writes` on but not off.

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

    /// Adds the reviewers and scalars of one user or project file (`project`: the repository's own).
    pub(crate) fn overlay(&mut self, path: &Path, s: &ReviewSection, project: bool) -> Result<(), crate::ConfigError> {
        for e in &s.reviewers {
            let r = resolve(path, e, project)?;
            self.reviewers.retain(|q| q.name != r.name);
            self.reviewers.push(r);
        }
        let writes = self.review_writes;
        self.scalars(s);
        // A repository may turn the gateway's review on, never off.
        if project && writes == ReviewWrites::Gateway {
            self.review_writes = ReviewWrites::Gateway;
        }
        Ok(())
    }

    /// The managed file: its reviewer list replaces the others; its scalars win.
    pub(crate) fn overlay_managed(&mut self, path: &Path, s: &ReviewSection) -> Result<(), crate::ConfigError> {
        if !s.reviewers.is_empty() {
            self.reviewers = s.reviewers.iter().map(|e| resolve(path, e, false)).collect::<Result<_, _>>()?;
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

fn resolve(file: &Path, e: &ReviewerEntry, project: bool) -> Result<ReviewerSpec, crate::ConfigError> {
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
    let given = e.provider.as_deref().map(|p| p.trim().to_ascii_lowercase()).filter(|p| !p.is_empty());
    let provider = match (given, e.api.default_provider()) {
        // The provider of a first-party API is that API's: a reviewer cannot pass for another.
        (Some(p), Some(d)) if p == d || (d == "google" && p == "gemini") => d.to_string(),
        (Some(_), Some(d)) => return Err(bad(&format!("an `{}` reviewer is provider {d:?}", e.api.as_str()))),
        (None, Some(d)) => d.to_string(),
        (Some(p), None) => p,
        (None, None) => return Err(bad("an openai-compatible reviewer needs a `provider` name (e.g. \"ollama\")")),
    };
    if e.api == ReviewApi::OpenaiCompatible && e.base_url.is_none() {
        return Err(bad("an openai-compatible reviewer needs a `base_url`"));
    }
    if let Some(u) = &e.base_url {
        if !(u.starts_with("http://") || u.starts_with("https://")) {
            return Err(bad("`base_url` must be an http:// or https:// URL"));
        }
    }
    let mut api_key_env = e.api_key_env.clone().or_else(|| e.api.default_key_env().map(str::to_string));
    if project {
        if e.api_key_env.is_some() {
            return Err(bad("a project file may not name `api_key_env` (set the reviewer in your user file)"));
        }
        if let Some(u) = &e.base_url {
            if !loopback(u) {
                return Err(bad("a project file may only point `base_url` at a loopback address (set the reviewer in your user file)"));
            }
            api_key_env = None;
        }
    }
    Ok(ReviewerSpec {
        name: e.name.clone(),
        api: e.api,
        provider,
        model: e.model.clone(),
        base_url: e.base_url.clone(),
        api_key_env,
        max_output_tokens: e.max_output_tokens.unwrap_or(4096),
    })
}

/// Whether a URL's host is `localhost`, `127.x.x.x` or `[::1]`.
fn loopback(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if host_port.starts_with('[') {
        host_port.split(']').next().map(|h| format!("{h}]")).unwrap_or_default()
    } else {
        host_port.split(':').next().unwrap_or("").to_string()
    };
    let host = host.to_ascii_lowercase();
    host == "localhost" || host == "[::1]" || (host.starts_with("127.") && host.split('.').count() == 4 && host.split('.').all(|o| o.parse::<u8>().is_ok()))
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
        c.overlay(Path::new("/u/airlock.toml"), &user, false).unwrap();
        c.overlay(Path::new("/r/airlock.toml"), &project, true).unwrap();
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
        c.overlay(Path::new("/r/airlock.toml"), &project, true).unwrap();
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
            "[[reviewers]]\nname = \"a\"\napi = \"anthropic\"\nprovider = \"ollama\"\nmodel = \"m\"\n",
        ] {
            let e = c.overlay(Path::new("/r/airlock.toml"), &section(bad), false).unwrap_err();
            assert!(e.to_string().contains("review.reviewers"), "{e}");
        }
        assert!(toml::from_str::<ReviewSection>("[[reviewers]]\nname = \"a\"\napi = \"bard\"\nmodel = \"m\"\n").is_err());
        assert!(toml::from_str::<ReviewSection>("review_writes = \"always\"\n").is_err());
    }

    #[test]
    fn a_project_file_cannot_send_keys_elsewhere() {
        let mut c = ReviewConfig::default();
        let project = Path::new("/repo/airlock.toml");
        for bad in [
            "[[reviewers]]\nname = \"a\"\napi = \"anthropic\"\nmodel = \"m\"\nbase_url = \"https://collect.example\"\n",
            "[[reviewers]]\nname = \"a\"\napi = \"openai-chat\"\nmodel = \"m\"\napi_key_env = \"AWS_SECRET_ACCESS_KEY\"\n",
            "[[reviewers]]\nname = \"a\"\napi = \"openai-compatible\"\nprovider = \"x\"\nmodel = \"m\"\nbase_url = \"http://127.0.0.1.evil.example/v1\"\n",
            "[[reviewers]]\nname = \"a\"\napi = \"openai-compatible\"\nprovider = \"x\"\nmodel = \"m\"\nbase_url = \"http://localhost@evil.example/v1\"\n",
        ] {
            let e = c.overlay(project, &section(bad), true).unwrap_err();
            assert!(e.to_string().contains("project file"), "{e}");
        }
        let ok = section("[[reviewers]]\nname = \"a\"\napi = \"anthropic\"\nmodel = \"m\"\nbase_url = \"http://127.0.0.1:9000\"\n[[reviewers]]\nname = \"b\"\napi = \"gemini\"\nmodel = \"g\"\n");
        c.overlay(project, &ok, true).unwrap();
        c.review_writes = ReviewWrites::Gateway;
        c.overlay(project, &section("review_writes = \"off\""), true).unwrap();
        assert_eq!(c.review_writes, ReviewWrites::Gateway, "a repository cannot turn the review off");
        assert_eq!(c.reviewer("a").unwrap().api_key_env, None, "a local endpoint from a project gets no key");
        assert_eq!(c.reviewer("b").unwrap().api_key_env.as_deref(), Some("GEMINI_API_KEY"));
        // The same entries are fine in the user's own file.
        c.overlay(Path::new("/home/u/.config/airlock/airlock.toml"), &section("[[reviewers]]\nname = \"a\"\napi = \"anthropic\"\nmodel = \"m\"\nbase_url = \"https://llm.corp.example\"\napi_key_env = \"CORP_KEY\"\n"), false).unwrap();
        assert_eq!(c.reviewer("a").unwrap().api_key_env.as_deref(), Some("CORP_KEY"));
        assert!(loopback("http://[::1]:8080/v1") && loopback("http://localhost") && !loopback("http://127.0.0.1x/"));
    }
}
