//! What one sandboxed run is asked to do, before any of it is checked against the machine.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The allow lists of one run (from policy, profile and command-line flags together).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SandboxRules {
    pub allow_domains: Vec<String>,
    pub port_forwards: Vec<u16>,
    /// Entries of `$HOME` (relative) visible read-only, beyond the built-in toolchain list.
    pub home_read: Vec<String>,
    /// Entries of `$HOME` (relative) visible read-write.
    pub home_write: Vec<String>,
    pub read_paths: Vec<PathBuf>,
    pub write_paths: Vec<PathBuf>,
    /// Environment variable names passed in beyond the built-in allowlist.
    pub env: Vec<String>,
}

/// One run: the command, where it runs, and what it may reach.
#[derive(Debug, Clone)]
pub struct SandboxSpec {
    /// The directory the command may write (its real path is used).
    pub workspace: PathBuf,
    /// The command's working directory (inside the sandbox: the same path).
    pub cwd: PathBuf,
    /// The user's home directory on the host (`$HOME`); inside it is a fresh, empty directory
    /// with only the allowlisted entries.
    pub home: Option<PathBuf>,
    pub rules: SandboxRules,
    pub argv: Vec<OsString>,
    /// The host environment the command's environment is chosen from.
    pub env: Vec<(OsString, OsString)>,
    /// Refuse to fall back to Landlock-only isolation.
    pub require_full: bool,
}

impl SandboxSpec {
    /// A spec for `argv` in `cwd`, with the workspace found from `cwd` (the nearest enclosing
    /// directory holding `.git`, else `cwd`) and the environment and home of this process.
    pub fn for_command(cwd: &Path, argv: Vec<OsString>) -> SandboxSpec {
        SandboxSpec {
            workspace: find_workspace(cwd),
            cwd: cwd.to_path_buf(),
            home: std::env::var_os("HOME").filter(|h| !h.is_empty()).map(PathBuf::from),
            rules: SandboxRules::default(),
            argv,
            env: std::env::vars_os().collect(),
            require_full: false,
        }
    }
}

/// The nearest directory at or above `cwd` that holds a `.git` entry (directory or worktree
/// file); `cwd` itself when there is none. No `git` process is spawned: startup time counts.
pub fn find_workspace(cwd: &Path) -> PathBuf {
    let mut dir = Some(cwd);
    while let Some(d) = dir {
        if d.join(".git").symlink_metadata().is_ok() {
            return d.to_path_buf();
        }
        dir = d.parent();
    }
    cwd.to_path_buf()
}
