//! Which providers and models the gateway forwards to.
//!
//! A request names its API by its path and its model by its body (Gemini: by its path). It goes to
//! the first trusted provider of that API whose model patterns match, or to the provider named by a
//! path prefix (`/ollama/v1/chat/completions`). Anything else is refused, naming the policy line.

use airlock_config::GatewaySection;
use std::fmt;

/// The wire protocol a provider speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApiKind {
    Anthropic,
    OpenAi,
    Gemini,
}

impl ApiKind {
    pub fn parse(s: &str) -> Option<ApiKind> {
        match s.to_ascii_lowercase().as_str() {
            "anthropic" => Some(ApiKind::Anthropic),
            "openai" | "openai-compatible" => Some(ApiKind::OpenAi),
            "gemini" | "google" => Some(ApiKind::Gemini),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ApiKind::Anthropic => "anthropic",
            ApiKind::OpenAi => "openai",
            ApiKind::Gemini => "gemini",
        }
    }

    /// The path a base URL gets when an override names only scheme, host and port.
    fn default_prefix(self) -> &'static str {
        match self {
            ApiKind::Anthropic | ApiKind::OpenAi => "/v1",
            ApiKind::Gemini => "",
        }
    }
}

impl fmt::Display for ApiKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One trusted provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provider {
    pub name: String,
    pub kind: ApiKind,
    /// Up to and including the version prefix for Anthropic and OpenAI (`https://api.openai.com/v1`);
    /// the bare origin for Gemini, whose paths carry their own version.
    pub base_url: String,
    pub models: Vec<String>,
    /// Where this entry comes from, for refusals ("built-in provider table", "airlock.toml").
    pub source: String,
}

impl Provider {
    pub fn model_trusted(&self, model: &str) -> bool {
        self.models.iter().any(|p| glob(p, model))
    }
}

/// `*` matches any run of characters; everything else literally.
pub fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let [first, rest @ ..] = parts.as_slice() else { return false };
    let Some(mut t) = text.strip_prefix(first) else { return false };
    let Some((last, middle)) = rest.split_last() else { return t.is_empty() };
    for m in middle {
        match t.find(m) {
            Some(i) => t = t.get(i + m.len()..).unwrap_or(""),
            None => return false,
        }
    }
    t.len() >= last.len() && t.ends_with(last)
}

/// The built-in table: the first-party endpoints.
pub fn builtin() -> Vec<Provider> {
    let p = |name: &str, kind, url: &str, models: &[&str]| Provider {
        name: name.into(),
        kind,
        base_url: url.into(),
        models: models.iter().map(|m| m.to_string()).collect(),
        source: format!("built-in provider `{name}`"),
    };
    vec![
        p("anthropic", ApiKind::Anthropic, "https://api.anthropic.com/v1", &["claude-*"]),
        p(
            "openai",
            ApiKind::OpenAi,
            "https://api.openai.com/v1",
            &["gpt-*", "o1*", "o3*", "o4*", "codex-*", "chatgpt-*", "computer-use-*"],
        ),
        p("gemini", ApiKind::Gemini, "https://generativelanguage.googleapis.com", &["gemini-*", "models/gemini-*"]),
    ]
}

/// The table in force.
#[derive(Debug, Clone)]
pub struct Providers {
    pub list: Vec<Provider>,
}

/// A bad provider entry or override.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderProblem(pub String);

impl Providers {
    /// Built-ins (unless switched off), then the configured entries (a same-named entry replaces).
    pub fn from_config(g: &GatewaySection) -> Result<Providers, ProviderProblem> {
        let mut list = if g.builtin_providers.unwrap_or(true) { builtin() } else { Vec::new() };
        for e in &g.providers {
            let kind = ApiKind::parse(&e.kind)
                .ok_or_else(|| ProviderProblem(format!("provider `{}`: unknown kind `{}` (anthropic, openai, gemini)", e.name, e.kind)))?;
            check_url(&e.base_url).map_err(|m| ProviderProblem(format!("provider `{}`: {m}", e.name)))?;
            list.retain(|p| p.name != e.name);
            list.push(Provider {
                name: e.name.clone(),
                kind,
                base_url: e.base_url.trim_end_matches('/').to_string(),
                models: e.models.clone(),
                source: format!("[[gateway.providers]] name = \"{}\" in airlock.toml", e.name),
            });
        }
        Ok(Providers { list })
    }

    /// `--upstream NAME=URL`: point a provider somewhere else (a local server, a corporate proxy).
    pub fn override_upstream(&mut self, spec: &str) -> Result<(), ProviderProblem> {
        let (name, url) = spec
            .split_once('=')
            .ok_or_else(|| ProviderProblem(format!("--upstream `{spec}`: expected NAME=URL")))?;
        check_url(url).map_err(|m| ProviderProblem(format!("--upstream {name}: {m}")))?;
        let p = self
            .list
            .iter_mut()
            .find(|p| p.name == name)
            .ok_or_else(|| ProviderProblem(format!("--upstream {name}: no provider named `{name}`")))?;
        let url = url.trim_end_matches('/');
        let has_path = url.splitn(4, '/').nth(3).is_some_and(|rest| !rest.is_empty());
        p.base_url = if has_path { url.to_string() } else { format!("{url}{}", p.kind.default_prefix()) };
        p.source = format!("{} (upstream overridden on the command line)", p.source);
        Ok(())
    }

    pub fn by_name(&self, name: &str) -> Option<&Provider> {
        self.list.iter().find(|p| p.name == name)
    }

    /// The provider for a request of `kind` asking for `model`.
    pub fn select(&self, kind: ApiKind, model: &str) -> Result<&Provider, String> {
        let of_kind: Vec<&Provider> = self.list.iter().filter(|p| p.kind == kind).collect();
        if let Some(p) = of_kind.iter().find(|p| p.model_trusted(model)) {
            return Ok(p);
        }
        if of_kind.is_empty() {
            return Err(format!("no trusted provider speaks the {kind} API (policy: [gateway] providers)"));
        }
        let lines: Vec<String> = of_kind.iter().map(|p| format!("{} allows {:?}", p.source, p.models)).collect();
        Err(format!("model `{model}` is not trusted: {}", lines.join("; ")))
    }
}

/// Each provider's base URL parsed once, at startup, so a request's upstream URL is the base with
/// the request's path and query set: no URL (host, IDNA) parsing per request, and a request path can
/// only ever change the path and query, never the host.
#[derive(Debug, Clone, Default)]
pub struct Bases {
    /// By provider name: the parsed base and its path without a trailing `/`. `None` for a base
    /// that does not parse, or has a query or fragment: such a provider's URLs are built as text.
    by_name: std::collections::HashMap<String, Option<(reqwest::Url, String)>>,
}

impl Bases {
    pub fn new(providers: &Providers) -> Self {
        let by_name = providers
            .list
            .iter()
            .map(|p| {
                let parsed = reqwest::Url::parse(&p.base_url)
                    .ok()
                    .filter(|u| u.query().is_none() && u.fragment().is_none() && !u.cannot_be_a_base())
                    .map(|u| {
                        let path = u.path().trim_end_matches('/').to_string();
                        (u, path)
                    });
                (p.name.clone(), parsed)
            })
            .collect();
        Bases { by_name }
    }

    /// The upstream URL for `upstream_path` (a path and query from [`crate::route`]) at `provider`;
    /// the same URL as parsing the base URL and the path joined as text.
    pub fn url(&self, provider: &Provider, upstream_path: &str) -> Result<reqwest::Url, String> {
        let Some(Some((base, base_path))) = self.by_name.get(&provider.name) else {
            let text = format!("{}{}", provider.base_url, upstream_path);
            return reqwest::Url::parse(&text).map_err(|e| format!("`{text}` is not a URL: {e}"));
        };
        let (path, query) = match upstream_path.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (upstream_path, None),
        };
        let mut url = base.clone();
        let mut full = String::with_capacity(base_path.len() + path.len());
        full.push_str(base_path);
        full.push_str(path);
        url.set_path(&full);
        url.set_query(query);
        Ok(url)
    }
}

fn check_url(url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| format!("`{url}` is not an http(s) URL"))?;
    if rest.is_empty() || rest.starts_with('/') {
        return Err(format!("`{url}` has no host"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn globs() {
        assert!(glob("claude-*", "claude-sonnet-4-5"));
        assert!(!glob("claude-*", "xclaude-"));
        assert!(glob("o3*", "o3"));
        assert!(glob("*-coder*", "qwen2.5-coder:7b"));
        assert!(!glob("gpt-4", "gpt-4o"));
        assert!(glob("a*b*c", "aXbYc"));
        assert!(!glob("a*b*c", "aXc"));
    }

    #[test]
    fn selection_and_overrides() {
        let mut p = Providers::from_config(&GatewaySection::default()).unwrap();
        assert_eq!(p.select(ApiKind::Anthropic, "claude-opus-4-1").unwrap().name, "anthropic");
        let err = p.select(ApiKind::OpenAi, "evil-model").unwrap_err();
        assert!(err.contains("built-in provider `openai`"), "{err}");
        p.override_upstream("anthropic=http://127.0.0.1:9000").unwrap();
        assert_eq!(p.by_name("anthropic").unwrap().base_url, "http://127.0.0.1:9000/v1");
        p.override_upstream("openai=http://127.0.0.1:9001/api/v1/").unwrap();
        assert_eq!(p.by_name("openai").unwrap().base_url, "http://127.0.0.1:9001/api/v1");
        assert!(p.override_upstream("nobody=http://x").is_err());
        assert!(p.override_upstream("openai=ftp://x").is_err());
        let cfg: airlock_config::ConfigFile = toml::from_str(
            "[gateway]\nbuiltin_providers = false\n[[gateway.providers]]\nname = \"ollama\"\nkind = \"openai\"\nbase_url = \"http://127.0.0.1:11434/v1\"\nmodels = [\"qwen*\"]\n",
        )
        .unwrap();
        let p = Providers::from_config(&cfg.gateway).unwrap();
        assert_eq!(p.select(ApiKind::OpenAi, "qwen3-coder").unwrap().name, "ollama");
        assert!(p.select(ApiKind::Anthropic, "claude-x").unwrap_err().contains("no trusted provider"));
    }

    #[test]
    fn upstream_urls_are_the_same_as_parsing_the_joined_text() {
        let mut p = Providers::from_config(&GatewaySection::default()).unwrap();
        p.override_upstream("gemini=http://127.0.0.1:9002").unwrap();
        let cfg: airlock_config::ConfigFile = toml::from_str(
            "[[gateway.providers]]\nname = \"local\"\nkind = \"openai\"\nbase_url = \"http://localhost:11434/api/v1/\"\nmodels = [\"q*\"]\n\
             [[gateway.providers]]\nname = \"odd\"\nkind = \"openai\"\nbase_url = \"https://example.com/v1?k=1\"\nmodels = [\"o*\"]\n",
        )
        .unwrap();
        p.list.extend(Providers::from_config(&cfg.gateway).unwrap().list.into_iter().filter(|x| x.name == "local" || x.name == "odd"));
        let bases = Bases::new(&p);
        let paths = [
            "/chat/completions", "/messages?beta=true", "/responses", "", "/", "*", "/models/x:y?alt=sse&key=a%20b",
            "/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse", "/a/../b", "/a/./b/..", "/%2e%2e/x",
            "/a b", "/\u{fc}ber", "/x?", "/x??y", "/x?a=\u{e9}&b=%zz", "//double", "/a%2Fb", "/trailing/",
        ];
        for prov in &p.list {
            for path in paths {
                let text = format!("{}{}", prov.base_url, path);
                let base = reqwest::Url::parse(&prov.base_url).unwrap();
                let got = bases.url(prov, path).unwrap();
                match reqwest::Url::parse(&text) {
                    // Where the joined text keeps the provider's origin, the URLs are the same.
                    Ok(want) if want.origin() == base.origin() => assert_eq!(got, want, "{} + {path:?}", prov.name),
                    // Where it does not (`*` after a bare `host:port`), the text was no URL of this
                    // provider at all; the built one keeps the provider's origin.
                    _ => assert_eq!(got.origin(), base.origin(), "{} + {path:?}", prov.name),
                }
            }
        }
        // Whatever the path, the host stays the provider's.
        let openai = p.by_name("openai").unwrap();
        for evil in ["@evil.example/x", ".evil.example/x", ":1/x"] {
            assert_eq!(bases.url(openai, evil).unwrap().host_str(), Some("api.openai.com"), "{evil}");
        }
    }
}
