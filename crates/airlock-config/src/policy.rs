use crate::{ConfigError, ConfigFile, RuleLevel, MANAGED_CONFIG_PATH, PROJECT_CONFIG_NAMES};
use airlock_protocol::{Decision, Finding};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The three optional files, each with the path it came from.
#[derive(Debug, Clone, Default)]
pub struct Layers {
    pub managed: Option<(PathBuf, ConfigFile)>,
    pub user: Option<(PathBuf, ConfigFile)>,
    pub project: Option<(PathBuf, ConfigFile)>,
}

impl Layers {
    /// Find and read the files that apply to `cwd`. A file that exists but is
    /// malformed is an error (never silently ignored: a broken policy must not
    /// fall back to a looser one).
    pub fn discover(cwd: &Path) -> Result<Layers, ConfigError> {
        let managed_path = std::env::var_os("AIRLOCK_MANAGED_CONFIG")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(MANAGED_CONFIG_PATH));
        let user_path = user_config_path();
        let project_path = find_project_file(cwd);
        Ok(Layers {
            managed: read_optional(&managed_path)?,
            user: match user_path {
                Some(p) => read_optional(&p)?,
                None => None,
            },
            project: match project_path {
                Some(p) => read_optional(&p)?,
                None => None,
            },
        })
    }
}

fn user_config_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("AIRLOCK_USER_CONFIG") {
        return Some(PathBuf::from(p));
    }
    if let Some(x) = std::env::var_os("XDG_CONFIG_HOME") {
        return Some(PathBuf::from(x).join("airlock").join("airlock.toml"));
    }
    std::env::var_os("HOME").map(|h| {
        PathBuf::from(h)
            .join(".config")
            .join("airlock")
            .join("airlock.toml")
    })
}

fn find_project_file(cwd: &Path) -> Option<PathBuf> {
    let mut dir = Some(cwd);
    while let Some(d) = dir {
        for name in PROJECT_CONFIG_NAMES {
            let p = d.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
        dir = d.parent();
    }
    None
}

fn read_optional(path: &Path) -> Result<Option<(PathBuf, ConfigFile)>, ConfigError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some((path.to_path_buf(), parse_file(path, &text)?))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(ConfigError::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Parse one policy file's text.
pub fn parse_file(path: &Path, text: &str) -> Result<ConfigFile, ConfigError> {
    let file: ConfigFile = toml::from_str(text).map_err(|e| ConfigError::Parse {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    for key in file.rules.keys() {
        if key.trim().is_empty() {
            return Err(ConfigError::Invalid {
                path: path.to_path_buf(),
                message: "empty rule name".into(),
            });
        }
    }
    Ok(file)
}

/// The policy in force: the layers merged over the built-in defaults.
#[derive(Debug, Clone)]
pub struct Policy {
    pub unknown_tools: Decision,
    pub unparseable: Decision,
    pub workspace_root: Option<PathBuf>,
    pub trusted_hosts: Vec<String>,
    pub protected_branches: Vec<String>,
    pub trusted_remotes: Vec<String>,
    /// Levels from the user and project files (project wins), keyed by code or category.
    levels: BTreeMap<String, RuleLevel>,
    /// Levels from the managed file: the minimum strictness.
    floors: BTreeMap<String, RuleLevel>,
    /// Files that contributed, for `airlock rules` and error messages.
    pub sources: Vec<PathBuf>,
    /// The gateway's settings (user, then project, then managed: the managed file's fields win).
    pub gateway: crate::GatewaySection,
    /// The sandbox's settings (lists accumulate; the managed file is a floor).
    pub sandbox: crate::SandboxSection,
    /// Trusted model publishers (user and project add; a managed list replaces).
    pub models: crate::ModelsPolicy,
    /// Cross-provider review (user and project add reviewers; a managed list and its scalars win).
    pub review: crate::ReviewConfig,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            unknown_tools: Decision::Allow,
            unparseable: Decision::Ask,
            workspace_root: None,
            trusted_hosts: vec!["localhost".into(), "127.0.0.1".into(), "::1".into()],
            protected_branches: vec![
                "main".into(),
                "master".into(),
                "release/*".into(),
                "production".into(),
            ],
            trusted_remotes: vec!["origin".into(), "upstream".into()],
            levels: BTreeMap::new(),
            floors: BTreeMap::new(),
            sources: Vec::new(),
            gateway: crate::GatewaySection::default(),
            sandbox: crate::SandboxSection::default(),
            models: crate::ModelsPolicy::default(),
            review: crate::ReviewConfig::default(),
        }
    }
}

impl Policy {
    /// Discover the files for `cwd` and merge them.
    pub fn load(cwd: &Path) -> Result<Policy, ConfigError> {
        Policy::from_layers(Layers::discover(cwd)?)
    }

    pub fn from_layers(layers: Layers) -> Result<Policy, ConfigError> {
        let mut p = Policy::default();
        for (path, file) in [&layers.user, &layers.project].into_iter().flatten() {
            p.sources.push(path.clone());
            apply_loosenable(&mut p, path, file);
            p.gateway.overlay(&file.gateway);
            p.sandbox.overlay(&file.sandbox);
            p.models.overlay(path, &file.models)?;
            let project = layers.project.as_ref().is_some_and(|(pp, _)| pp == path);
            p.review.overlay(path, &file.review, project)?;
            for (k, v) in &file.rules {
                p.levels.insert(normalize_key(k), *v);
            }
        }
        if let Some((path, file)) = &layers.managed {
            p.sources.push(path.clone());
            p.gateway.overlay(&file.gateway);
            p.sandbox.overlay_managed(&file.sandbox);
            p.models.overlay_managed(path, &file.models)?;
            p.review.overlay_managed(path, &file.review)?;
            // Scalars: the stricter of the managed value and what the others said.
            if let Some(d) = file.policy.unknown_tools {
                p.unknown_tools = p.unknown_tools.max(d);
            }
            if let Some(d) = file.policy.unparseable {
                p.unparseable = p.unparseable.max(d);
            }
            if let Some(root) = &file.policy.workspace_root {
                p.workspace_root = Some(resolve_against(path, root));
            }
            // Lists: the managed list replaces the others'.
            if let Some(h) = &file.network.trusted_hosts {
                p.trusted_hosts = h.clone();
            }
            if let Some(b) = &file.git.protected_branches {
                // Protection only grows: keep what others protect too.
                for x in b {
                    if !p.protected_branches.contains(x) {
                        p.protected_branches.push(x.clone());
                    }
                }
            }
            if let Some(r) = &file.git.trusted_remotes {
                p.trusted_remotes = r.clone();
            }
            for (k, v) in &file.rules {
                p.floors.insert(normalize_key(k), *v);
            }
        }
        Ok(p)
    }

    /// A policy from one file's text (tests, `--config`).
    pub fn from_toml(path: &Path, text: &str) -> Result<Policy, ConfigError> {
        let file = parse_file(path, text)?;
        Policy::from_layers(Layers {
            project: Some((path.to_path_buf(), file)),
            ..Layers::default()
        })
    }

    fn lookup(map: &BTreeMap<String, RuleLevel>, code: &str, category: &str) -> Option<RuleLevel> {
        map.get(&normalize_key(code))
            .or_else(|| map.get(&normalize_key(category)))
            .copied()
    }

    /// The level the policy gives a rule, if it says anything about it.
    pub fn level_for(&self, code: &str, category: &str) -> Option<RuleLevel> {
        let own = Policy::lookup(&self.levels, code, category);
        let floor = Policy::lookup(&self.floors, code, category);
        match (own, floor) {
            (Some(o), Some(f)) => Some(if o.rank() >= f.rank() { o } else { f }),
            (o, f) => o.or(f),
        }
    }

    /// Re-level findings by the policy; findings set to `off` are dropped.
    pub fn apply(&self, findings: Vec<Finding>) -> Vec<Finding> {
        findings
            .into_iter()
            .filter_map(|mut f| match self.level_for(&f.code, f.category.as_str()) {
                None => Some(f),
                Some(level) => level.decision().map(|d| {
                    f.decision = d;
                    f
                }),
            })
            .collect()
    }

    /// Whether data may be sent to `host` (exact or `*.suffix` match, case-insensitive).
    pub fn host_trusted(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        self.trusted_hosts.iter().any(|pat| {
            let pat = pat.to_ascii_lowercase();
            match pat.strip_prefix("*.") {
                Some(suffix) => host.ends_with(&format!(".{suffix}")) || host == suffix,
                None => host == pat,
            }
        })
    }

    pub fn branch_protected(&self, branch: &str) -> bool {
        self.protected_branches
            .iter()
            .any(|pat| match pat.strip_suffix('*') {
                Some(prefix) => branch.starts_with(prefix),
                None => branch == pat,
            })
    }

    pub fn remote_trusted(&self, remote: &str) -> bool {
        self.trusted_remotes.iter().any(|r| r == remote)
    }
}

fn apply_loosenable(p: &mut Policy, path: &Path, file: &ConfigFile) {
    if let Some(d) = file.policy.unknown_tools {
        p.unknown_tools = d;
    }
    if let Some(d) = file.policy.unparseable {
        p.unparseable = d;
    }
    if let Some(root) = &file.policy.workspace_root {
        p.workspace_root = Some(resolve_against(path, root));
    }
    if let Some(h) = &file.network.trusted_hosts {
        for x in h {
            if !p.trusted_hosts.contains(x) {
                p.trusted_hosts.push(x.clone());
            }
        }
    }
    if let Some(b) = &file.git.protected_branches {
        p.protected_branches = b.clone();
    }
    if let Some(r) = &file.git.trusted_remotes {
        p.trusted_remotes = r.clone();
    }
}

fn resolve_against(file: &Path, value: &str) -> PathBuf {
    let v = PathBuf::from(value);
    if v.is_absolute() {
        v
    } else {
        file.parent().map(|d| d.join(&v)).unwrap_or(v)
    }
}

fn normalize_key(k: &str) -> String {
    k.trim().to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use airlock_protocol::{Category, Severity};

    fn finding(code: &str, category: Category, decision: Decision) -> Finding {
        Finding {
            code: code.into(),
            category,
            severity: Severity::High,
            decision,
            message: String::new(),
            span: None,
            snippet: None,
        }
    }

    fn file(text: &str) -> ConfigFile {
        parse_file(Path::new("t.toml"), text).unwrap_or_default()
    }

    #[test]
    fn no_files_is_builtin_defaults() {
        let p = Policy::from_layers(Layers::default()).ok();
        let p = p.unwrap_or_default();
        assert_eq!(p.unknown_tools, Decision::Allow);
        assert_eq!(p.unparseable, Decision::Ask);
        assert!(p.branch_protected("main"));
        assert!(p.branch_protected("release/1.2"));
        assert!(!p.branch_protected("feature/x"));
    }

    #[test]
    fn project_overrides_and_off_drops() {
        let layers = Layers {
            project: Some((
                "p".into(),
                file("[rules]\nEXF001 = \"ask\"\npersistence = \"off\"\n"),
            )),
            ..Layers::default()
        };
        let p = Policy::from_layers(layers).unwrap_or_default();
        let out = p.apply(vec![
            finding("EXF001", Category::Exfiltration, Decision::Deny),
            finding("PER001", Category::Persistence, Decision::Deny),
        ]);
        assert_eq!(out.len(), 1);
        assert_eq!(out.first().map(|f| f.decision), Some(Decision::Ask));
    }

    #[test]
    fn managed_floor_cannot_be_loosened() {
        let layers = Layers {
            managed: Some(("m".into(), file("[rules]\nexfiltration = \"deny\"\n[network]\ntrusted_hosts = [\"corp.example\"]\n"))),
            project: Some(("p".into(), file("[rules]\nEXF001 = \"off\"\n[network]\ntrusted_hosts = [\"evil.example\"]\n"))),
            ..Layers::default()
        };
        let p = Policy::from_layers(layers).unwrap_or_default();
        let out = p.apply(vec![finding(
            "EXF001",
            Category::Exfiltration,
            Decision::Deny,
        )]);
        assert_eq!(out.first().map(|f| f.decision), Some(Decision::Deny));
        assert!(p.host_trusted("corp.example"));
        assert!(!p.host_trusted("evil.example"));
    }

    #[test]
    fn malformed_file_is_an_error() {
        assert!(parse_file(Path::new("x"), "[rules]\nEXF001 = \"maybe\"").is_err());
        assert!(parse_file(Path::new("x"), "[nonsense]\n").is_err());
    }

    #[test]
    fn wildcard_hosts() {
        let p = Policy {
            trusted_hosts: vec!["*.example.com".into()],
            ..Policy::default()
        };
        assert!(p.host_trusted("api.example.com"));
        assert!(p.host_trusted("EXAMPLE.com."));
        assert!(!p.host_trusted("example.com.evil.net"));
    }
}
