//! Where a workspace's git repository keeps what runs outside the sandbox later: hooks (run by
//! `git commit` on the host) and config (which can name programs: `core.fsmonitor`,
//! `core.hooksPath`, filters, aliases). Handles plain repositories, worktrees (`.git` is a file
//! naming a directory in another repository) and `core.hooksPath`.

use std::path::{Path, PathBuf};

#[derive(Debug, Default, PartialEq, Eq)]
pub struct GitDirs {
    /// Existing paths to make read-only.
    pub protect: Vec<PathBuf>,
    /// Directories to create (and remove after the run) so they can be made read-only: a
    /// missing `hooks` directory would otherwise let the sandbox plant one.
    pub create: Vec<PathBuf>,
    /// A worktree's common repository when it lies outside the workspace.
    pub common_outside: Option<PathBuf>,
    /// The repository directory inside the workspace, to be mounted on itself (writable) so it
    /// cannot be renamed or removed: a `.git` moved aside and replaced by one whose config sets
    /// `core.hooksPath` would run hooks on the host.
    pub pin: Option<PathBuf>,
}

/// Resolve the git layout of `workspace` (already canonical). No git process is spawned.
pub fn resolve(workspace: &Path) -> GitDirs {
    let mut out = GitDirs::default();
    let dot = workspace.join(".git");
    let Ok(md) = dot.symlink_metadata() else { return out };
    let git_dir = if md.is_dir() {
        out.pin = Some(dot.clone());
        dot
    } else {
        match read_gitdir_file(&dot, workspace) {
            Some(d) => {
                // The worktree's own directory: its config.worktree counts as config.
                out.protect.push(dot.clone());
                d
            }
            None => return out,
        }
    };
    let common = match std::fs::read_to_string(git_dir.join("commondir")) {
        Ok(s) => std::fs::canonicalize(git_dir.join(s.trim())).unwrap_or_else(|_| git_dir.clone()),
        Err(_) => git_dir.clone(),
    };
    if git_dir != common {
        for f in ["config.worktree", "config"] {
            let p = git_dir.join(f);
            if p.exists() {
                out.protect.push(p);
            }
        }
    }
    if !common.starts_with(workspace) {
        out.common_outside = Some(common.clone());
    } else {
        out.protect.extend(protected_in(&common));
        let hooks = common.join("hooks");
        if !hooks.exists() {
            out.create.push(hooks);
        }
    }
    // core.hooksPath pointing into the workspace (husky and friends): those scripts run on
    // the host at the next commit.
    if let Some(hp) = hooks_path(&common.join("config")) {
        let abs = if Path::new(&hp).is_absolute() { PathBuf::from(&hp) } else { workspace.join(&hp) };
        match std::fs::canonicalize(&abs) {
            Ok(abs) if abs.starts_with(workspace) && !out.protect.contains(&abs) => out.protect.push(abs),
            Ok(_) => {}
            // Not there yet: the sandbox must not be the one to create it.
            Err(_) if abs.starts_with(workspace) && !abs.components().any(|c| c == std::path::Component::ParentDir) => out.create.push(abs),
            Err(_) => {}
        }
    }
    out
}

/// The hooks directory, config and info of a repository directory, those that exist, and the
/// same of its submodules' repositories (`modules/<name>`, two levels deep).
pub fn protected_in(git_dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = ["hooks", "config", "info"]
        .iter()
        .map(|n| git_dir.join(n))
        .filter(|p| p.exists())
        .collect();
    let mut dirs = vec![(git_dir.join("modules"), 0)];
    while let Some((dir, depth)) = dirs.pop() {
        let Ok(rd) = std::fs::read_dir(&dir) else { continue };
        for e in rd.flatten().take(256) {
            let sub = e.path();
            if sub.join("HEAD").is_file() {
                out.extend(["hooks", "config"].iter().map(|n| sub.join(n)).filter(|p| p.exists()));
                if depth < 1 {
                    dirs.push((sub.join("modules"), depth + 1));
                }
            } else if sub.is_dir() && depth < 1 {
                // Submodule names may hold slashes: `modules/libs/foo`.
                dirs.push((sub, depth + 1));
            }
        }
    }
    out
}

/// `gitdir: <path>` in a worktree's `.git` file, resolved against the workspace.
fn read_gitdir_file(file: &Path, workspace: &Path) -> Option<PathBuf> {
    let text = std::fs::read_to_string(file).ok()?;
    let rest = text.lines().next()?.strip_prefix("gitdir:")?.trim();
    let p = Path::new(rest);
    let p = if p.is_absolute() { p.to_path_buf() } else { workspace.join(p) };
    std::fs::canonicalize(p).ok()
}

/// `core.hooksPath` from a git config file: the last value in a `[core]` section.
fn hooks_path(config: &Path) -> Option<String> {
    let text = std::fs::read_to_string(config).ok()?;
    let mut in_core = false;
    let mut found = None;
    for line in text.lines() {
        let l = line.trim();
        if l.starts_with('[') {
            in_core = l.trim_start_matches('[').trim_end_matches(']').trim().eq_ignore_ascii_case("core");
            continue;
        }
        if !in_core {
            continue;
        }
        if let Some((k, v)) = l.split_once('=') {
            if k.trim().eq_ignore_ascii_case("hookspath") {
                found = Some(v.trim().trim_matches('"').to_string());
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    #![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn git(dir: &Path, args: &[&str]) {
        let ok = std::process::Command::new("git")
            .args(args)
            .current_dir(dir)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        assert!(ok, "git {args:?}");
    }

    #[test]
    fn plain_repository() {
        let t = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let ws = std::fs::canonicalize(t.path()).unwrap_or_else(|e| panic!("{e}"));
        git(&ws, &["init", "-q"]);
        let d = resolve(&ws);
        assert!(d.protect.contains(&ws.join(".git/hooks")));
        assert!(d.protect.contains(&ws.join(".git/config")));
        assert!(d.common_outside.is_none());
    }

    #[test]
    fn worktree_protects_the_common_repository() {
        let t = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let base = std::fs::canonicalize(t.path()).unwrap_or_else(|e| panic!("{e}"));
        let main = base.join("main");
        std::fs::create_dir(&main).unwrap_or_else(|e| panic!("{e}"));
        git(&main, &["init", "-q"]);
        git(&main, &["-c", "user.name=a", "-c", "user.email=a@b", "commit", "-q", "--allow-empty", "-m", "x"]);
        git(&main, &["worktree", "add", "-q", "../wt"]);
        let wt = base.join("wt");
        let d = resolve(&wt);
        assert_eq!(d.common_outside.as_deref(), Some(main.join(".git").as_path()));
        assert!(d.protect.contains(&wt.join(".git")));
    }

    #[test]
    fn hooks_path_in_the_workspace_is_protected() {
        let t = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let ws = std::fs::canonicalize(t.path()).unwrap_or_else(|e| panic!("{e}"));
        git(&ws, &["init", "-q"]);
        std::fs::create_dir(ws.join(".husky")).unwrap_or_else(|e| panic!("{e}"));
        git(&ws, &["config", "core.hooksPath", ".husky"]);
        assert!(resolve(&ws).protect.contains(&ws.join(".husky")));
    }

    #[test]
    fn submodule_hooks_are_protected() {
        let t = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let ws = std::fs::canonicalize(t.path()).unwrap_or_else(|e| panic!("{e}"));
        git(&ws, &["init", "-q"]);
        let sub = ws.join(".git/modules/libs/foo");
        std::fs::create_dir_all(sub.join("hooks")).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(sub.join("HEAD"), "ref: refs/heads/main\n").unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(sub.join("config"), "").unwrap_or_else(|e| panic!("{e}"));
        let d = resolve(&ws);
        assert!(d.protect.contains(&sub.join("hooks")), "{:?}", d.protect);
        assert!(d.protect.contains(&sub.join("config")));
    }
}
