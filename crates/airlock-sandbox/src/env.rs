//! The command's environment: started from empty, filled from an allowlist of names, then
//! cleared of anything secret-shaped by name or by value.

use airlock_redact::Redactor;
use std::ffi::{OsStr, OsString};

/// Names passed through unless their value looks like a secret.
const ALLOWED: &[&str] = &[
    "PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "TERM", "COLORTERM", "TZ",
    "PAGER", "EDITOR", "VISUAL", "NO_COLOR", "FORCE_COLOR", "CLICOLOR", "COLUMNS", "LINES", "CI",
    // Toolchains.
    "CARGO_HOME", "RUSTUP_HOME", "RUSTUP_TOOLCHAIN", "RUSTFLAGS", "RUST_BACKTRACE", "CARGO_TERM_COLOR",
    "GOPATH", "GOROOT", "GOFLAGS", "GOCACHE", "GOMODCACHE", "GOPROXY", "GOTOOLCHAIN",
    "JAVA_HOME", "GRADLE_USER_HOME", "MAVEN_OPTS",
    "NVM_DIR", "NVM_BIN", "NODE_PATH", "NODE_ENV", "npm_config_cache", "PNPM_HOME", "BUN_INSTALL",
    "PYENV_ROOT", "PYENV_VERSION", "PYTHONPATH", "PYTHONUNBUFFERED", "VIRTUAL_ENV", "CONDA_PREFIX",
    "PIP_INDEX_URL", "UV_CACHE_DIR", "GEM_HOME", "GEM_PATH", "DENO_DIR",
];
/// Prefixes passed through the same way.
const ALLOWED_PREFIXES: &[&str] = &["LC_"];

/// Why a variable of the host environment did not reach the command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dropped {
    pub name: String,
    /// `not allowlisted`, or the kind of secret its value or name looks like.
    pub why: String,
}

/// Choose the command's environment from `host`. `extra` names are allowed too (policy).
/// Returns the kept pairs and what was dropped for a secret shape (not-allowlisted names are
/// not listed: there are many and they say nothing).
pub fn scrub(host: &[(OsString, OsString)], extra: &[String]) -> (Vec<(OsString, OsString)>, Vec<Dropped>) {
    let redactor = Redactor::default();
    let mut kept = Vec::new();
    let mut dropped = Vec::new();
    for (k, v) in host {
        let Some(name) = k.to_str() else { continue };
        let listed = ALLOWED.contains(&name)
            || ALLOWED_PREFIXES.iter().any(|p| name.starts_with(p))
            || extra.iter().any(|e| e == name);
        if !listed {
            continue;
        }
        let value = v.to_string_lossy();
        if Redactor::is_secret_name(name) {
            dropped.push(Dropped { name: name.into(), why: "secret-shaped name".into() });
            continue;
        }
        if let Some(kind) = redactor.classify_env(name, &value) {
            dropped.push(Dropped { name: name.into(), why: kind.to_string() });
            continue;
        }
        if value.contains("://") && has_userinfo(&value) {
            dropped.push(Dropped { name: name.into(), why: "URL with credentials".into() });
            continue;
        }
        kept.push((k.clone(), v.clone()));
    }
    (kept, dropped)
}

/// `scheme://user:pass@host` (a package index URL with a token in it).
pub(crate) fn has_userinfo(v: &str) -> bool {
    v.split(|c: char| c.is_whitespace() || c == '"' || c == '\'').any(|w| {
        w.split_once("://")
            .map(|(_, rest)| rest.split(['/', '?', '#']).next().unwrap_or("").contains('@'))
            .unwrap_or(false)
    })
}

/// Set `name` to `value` in `env`, replacing an earlier value.
pub fn set(env: &mut Vec<(OsString, OsString)>, name: &str, value: impl AsRef<OsStr>) {
    env.retain(|(k, _)| k != name);
    env.push((name.into(), value.as_ref().to_os_string()));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(v: &[(&str, &str)]) -> Vec<(OsString, OsString)> {
        v.iter().map(|(a, b)| (OsString::from(a), OsString::from(b))).collect()
    }

    #[test]
    fn keeps_the_allowlist_and_drops_the_rest() {
        let host = pairs(&[
            ("PATH", "/usr/bin:/bin"),
            ("HOME", "/home/u"),
            ("LC_ALL", "C.UTF-8"),
            ("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            ("GITHUB_TOKEN", "ghp_abcdefghijklmnopqrstuvwxyz0123456789"),
            ("SSH_AUTH_SOCK", "/run/user/1000/ssh"),
            ("RANDOM_THING", "x"),
        ]);
        let (kept, _) = scrub(&host, &[]);
        let names: Vec<_> = kept.iter().map(|(k, _)| k.to_string_lossy().into_owned()).collect();
        assert_eq!(names, vec!["PATH", "HOME", "LC_ALL"]);
    }

    #[test]
    fn an_allowlisted_name_with_a_secret_value_is_dropped() {
        let host = pairs(&[
            ("PIP_INDEX_URL", "https://user:s3cr3tpass@pypi.example/simple"),
            ("EDITOR", "ghp_abcdefghijklmnopqrstuvwxyz0123456789"),
            ("MY_API_TOKEN", "abc"),
        ]);
        let (kept, dropped) = scrub(&host, &["MY_API_TOKEN".to_string()]);
        assert!(kept.is_empty(), "{kept:?}");
        assert_eq!(dropped.len(), 3, "{dropped:?}");
    }
}
