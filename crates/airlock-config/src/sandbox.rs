//! The `[sandbox]` section: when agent commands run inside `airlock run`, and what the sandbox
//! lets them reach.

use serde::Deserialize;
use std::collections::BTreeMap;

/// When the hooks wrap an agent's shell command in `airlock run`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum SandboxMode {
    /// Never: the verdict alone decides (default).
    #[default]
    Never,
    /// A command the analysis would ask about runs sandboxed instead of asking.
    WhenAsked,
    /// Every allowed or asked-about command runs sandboxed.
    Always,
}

/// Settings a profile (or the section itself) may set. Lists accumulate across layers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SandboxRules {
    /// Host names the egress proxy lets through (`crates.io`, `*.npmjs.org`).
    #[serde(default)]
    pub allow_domains: Vec<String>,
    /// Ports on the host's loopback that `127.0.0.1:PORT` inside reaches.
    #[serde(default)]
    pub allow_port_forwards: Vec<u16>,
    /// Entries of `$HOME` made visible read-only (relative to `$HOME`), beyond the built-in list.
    #[serde(default)]
    pub home_read: Vec<String>,
    /// Entries of `$HOME` made visible read-write.
    #[serde(default)]
    pub home_write: Vec<String>,
    /// Absolute paths made visible read-only.
    #[serde(default)]
    pub read_paths: Vec<String>,
    /// Absolute paths made visible read-write.
    #[serde(default)]
    pub write_paths: Vec<String>,
    /// Environment variable names passed in (beyond the built-in allowlist); secret-shaped
    /// values are dropped all the same.
    #[serde(default)]
    pub env: Vec<String>,
}

impl SandboxRules {
    pub fn extend(&mut self, other: &SandboxRules) {
        fn add<T: Clone + PartialEq>(a: &mut Vec<T>, b: &[T]) {
            for x in b {
                if !a.contains(x) {
                    a.push(x.clone());
                }
            }
        }
        add(&mut self.allow_domains, &other.allow_domains);
        add(&mut self.allow_port_forwards, &other.allow_port_forwards);
        add(&mut self.home_read, &other.home_read);
        add(&mut self.home_write, &other.home_write);
        add(&mut self.read_paths, &other.read_paths);
        add(&mut self.write_paths, &other.write_paths);
        add(&mut self.env, &other.env);
    }
}

/// `[sandbox]` as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SandboxSection {
    pub mode: Option<SandboxMode>,
    /// Run only with full isolation (namespaces + Landlock + seccomp); refuse the Landlock-only
    /// fallback (default false: fall back with a warning).
    pub require_full: Option<bool>,
    #[serde(flatten)]
    pub rules: SandboxRules,
    /// Named profiles (`airlock run --profile NAME`), each added to the section's own rules.
    #[serde(default)]
    pub profiles: BTreeMap<String, SandboxRules>,
}

impl SandboxSection {
    /// Later layers add to the lists; `mode` and `require_full` take the later value.
    pub fn overlay(&mut self, other: &SandboxSection) {
        if other.mode.is_some() {
            self.mode = other.mode;
        }
        if other.require_full.is_some() {
            self.require_full = other.require_full;
        }
        self.rules.extend(&other.rules);
        for (name, r) in &other.profiles {
            self.profiles.entry(name.clone()).or_default().extend(r);
        }
    }

    /// The managed file's settings as a floor: the mode is at least the managed one, full
    /// isolation is required if it says so, and when it lists domains, only those are allowed.
    pub fn overlay_managed(&mut self, managed: &SandboxSection) {
        if let Some(m) = managed.mode {
            self.mode = Some(self.mode.unwrap_or_default().max(m));
        }
        if managed.require_full == Some(true) {
            self.require_full = Some(true);
        }
        if !managed.rules.allow_domains.is_empty() {
            let keep = |d: &String| managed.rules.allow_domains.contains(d);
            self.rules.allow_domains.retain(keep);
            for p in self.profiles.values_mut() {
                p.allow_domains.retain(keep);
            }
        }
        for (name, r) in &managed.profiles {
            self.profiles.entry(name.clone()).or_default().extend(r);
        }
    }

    /// The rules for one run: the section's own plus the named profile's.
    pub fn rules_for(&self, profile: Option<&str>) -> Option<SandboxRules> {
        let mut r = self.rules.clone();
        if let Some(name) = profile {
            r.extend(self.profiles.get(name)?);
        }
        Some(r)
    }

    pub fn mode(&self) -> SandboxMode {
        self.mode.unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn parse(s: &str) -> SandboxSection {
        toml::from_str(s).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn managed_is_a_floor() {
        let mut s = parse("mode = \"never\"\nallow_domains = [\"a.example\", \"b.example\"]\n");
        s.overlay_managed(&parse("mode = \"when-asked\"\nallow_domains = [\"a.example\"]\n"));
        assert_eq!(s.mode(), SandboxMode::WhenAsked);
        assert_eq!(s.rules.allow_domains, vec!["a.example".to_string()]);
        let mut t = parse("mode = \"always\"\n");
        t.overlay_managed(&parse("mode = \"when-asked\"\n"));
        assert_eq!(t.mode(), SandboxMode::Always);
    }

    #[test]
    fn profiles_add_to_the_section() {
        let s = parse(
            "allow_domains = [\"a.example\"]\n[profiles.npm]\nallow_domains = [\"registry.npmjs.org\"]\n",
        );
        let r = s.rules_for(Some("npm")).unwrap_or_default();
        assert_eq!(r.allow_domains, vec!["a.example".to_string(), "registry.npmjs.org".to_string()]);
        assert!(s.rules_for(Some("missing")).is_none());
    }
}
