//! What `airlock review` reviews, read from git or the file system: each file's old text (`None`
//! for a new file) and new text, named by its path from the repository root (or as given, outside a
//! repository).

use crate::scan::git;
use anyhow::{bail, Context};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Where the change comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The working tree against a revision (`--diff REV`); untracked files count as new.
    Diff(String),
    /// The index against `HEAD` (`--staged`): what `git commit` would record.
    Staged,
    /// One revision against another (`--range BASE..TIP`): what `git push` would send.
    Range(String, String),
    /// Whole files, every line new (`PATHS...`).
    Paths(Vec<PathBuf>),
}

/// One file to review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputFile {
    pub path: String,
    pub old: Option<String>,
    pub new: String,
}

/// What was read, and what was left out (binary files, deleted files).
#[derive(Debug, Default)]
pub struct Input {
    pub files: Vec<InputFile>,
    /// The repository root, or the working directory outside a repository (SARIF's base).
    pub root: PathBuf,
    pub skipped: Vec<String>,
}

fn git_bytes(dir: &Path, args: &[&str]) -> anyhow::Result<Option<Vec<u8>>> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "core.quotePath=false"])
        .args(args)
        .output()
        .context("running git (is it installed?)")?;
    Ok(out.status.success().then_some(out.stdout))
}

/// `rev` names a commit (`peel` = `commit`) or a tree (`tree`: a commit or the empty tree, the
/// base of a push of a branch with no parent).
fn check_rev(root: &Path, rev: &str, peel: &str) -> anyhow::Result<()> {
    if rev.starts_with('-') {
        bail!("revision `{rev}` looks like an option");
    }
    git(root, &["rev-parse", "--verify", "--quiet", &format!("{rev}^{{{peel}}}")])
        .with_context(|| format!("`{rev}` is not a {peel} in this repository"))?;
    Ok(())
}

/// Text of a blob (`REV:path` or `:path`), `None` when it does not exist.
fn show(root: &Path, object: &str) -> anyhow::Result<Option<Vec<u8>>> {
    git_bytes(root, &["show", object])
}

/// UTF-8 text without NUL bytes, or `None` (a binary file).
fn text(bytes: Vec<u8>) -> Option<String> {
    if bytes.contains(&0) {
        return None;
    }
    String::from_utf8(bytes).ok()
}

/// The repository root of `cwd`.
pub fn repo_root(cwd: &Path) -> anyhow::Result<PathBuf> {
    Ok(PathBuf::from(git(cwd, &["rev-parse", "--show-toplevel"])?.trim_end()))
}

/// Read the change `source` names, from `cwd`; `limit` restricts a git source to these paths.
pub fn read(cwd: &Path, source: &Source, limit: &[PathBuf]) -> anyhow::Result<Input> {
    match source {
        Source::Paths(paths) => whole_files(cwd, paths),
        _ => from_git(cwd, source, limit),
    }
}

fn from_git(cwd: &Path, source: &Source, limit: &[PathBuf]) -> anyhow::Result<Input> {
    let root = repo_root(cwd)?;
    let specs: Vec<String> = limit.iter().map(|p| cwd.join(p).to_string_lossy().into_owned()).collect();
    let head = git_bytes(&root, &["rev-parse", "--verify", "--quiet", "HEAD^{commit}"])?.is_some();
    let mut args: Vec<String> = ["diff", "--name-only", "--no-renames", "--diff-filter=d", "-z"].map(String::from).to_vec();
    match source {
        Source::Diff(rev) => {
            check_rev(&root, rev, "commit")?;
            args.push(rev.clone());
        }
        Source::Staged => args.push("--cached".into()),
        Source::Range(base, tip) => {
            check_rev(&root, base, "tree")?;
            check_rev(&root, tip, "commit")?;
            args.push(base.clone());
            args.push(tip.clone());
        }
        Source::Paths(_) => {}
    }
    args.push("--".into());
    args.extend(specs.iter().cloned());
    let arg_refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut names: Vec<String> = git(&root, &arg_refs)?.split('\0').filter(|n| !n.is_empty()).map(String::from).collect();
    if let Source::Diff(_) = source {
        let mut untracked = vec!["ls-files", "--others", "--exclude-standard", "-z", "--"];
        untracked.extend(specs.iter().map(String::as_str));
        names.extend(git(&root, &untracked)?.split('\0').filter(|n| !n.is_empty()).map(String::from));
    }
    names.sort();
    names.dedup();
    let mut input = Input { root: root.clone(), ..Input::default() };
    for name in names {
        let (old_obj, new) = match source {
            Source::Diff(rev) => (Some(format!("{rev}:{name}")), read_file(&root.join(&name))?),
            // Before the first commit there is no HEAD: every staged file is new.
            Source::Staged => (head.then(|| format!("HEAD:{name}")), show(&root, &format!(":{name}"))?),
            Source::Range(base, tip) => (Some(format!("{base}:{name}")), show(&root, &format!("{tip}:{name}"))?),
            Source::Paths(_) => (None, None),
        };
        let Some(new) = new else {
            input.skipped.push(format!("{name}: deleted"));
            continue;
        };
        let old = match old_obj {
            Some(o) => show(&root, &o)?,
            None => None,
        };
        match (text(new), old.map(text)) {
            (Some(new), None) => input.files.push(InputFile { path: name, old: None, new }),
            (Some(new), Some(Some(old))) => input.files.push(InputFile { path: name, old: Some(old), new }),
            _ => input.skipped.push(format!("{name}: not text")),
        }
    }
    Ok(input)
}

fn read_file(p: &Path) -> anyhow::Result<Option<Vec<u8>>> {
    match std::fs::read(p) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => bail!("{}: {e}", p.display()),
    }
}

/// Whole files (directories walked as `airlock scan` walks them), named from the repository root
/// when inside one, else as given.
fn whole_files(cwd: &Path, paths: &[PathBuf]) -> anyhow::Result<Input> {
    let root = repo_root(cwd).unwrap_or_else(|_| cwd.to_path_buf());
    let root_c = root.canonicalize().unwrap_or_else(|_| root.clone());
    let (files, errors) = crate::scan::walk(paths, false);
    if let Some(e) = errors.first() {
        bail!("{e}");
    }
    let mut input = Input { root, ..Input::default() };
    for (p, _) in files {
        let full = cwd.join(&p);
        let name = match full.canonicalize().ok().and_then(|c| c.strip_prefix(&root_c).ok().map(Path::to_path_buf)) {
            Some(rel) => rel.to_string_lossy().into_owned(),
            None => p.to_string_lossy().trim_start_matches("./").to_string(),
        };
        let bytes = std::fs::read(&full).with_context(|| format!("reading {}", p.display()))?;
        match text(bytes) {
            Some(new) => input.files.push(InputFile { path: name, old: None, new }),
            None => input.skipped.push(format!("{name}: not text")),
        }
    }
    Ok(input)
}
