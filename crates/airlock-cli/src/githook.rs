//! `airlock install git-hook` / `airlock uninstall git-hook`: a pre-commit (or pre-push) hook that
//! runs `airlock review` on what is being committed (or pushed).
//!
//! The hook goes where git looks for hooks: `core.hooksPath` when set, else the repository's
//! `hooks` directory. A hook airlock did not write is never overwritten: without `--force` the
//! install is refused; with it the existing hook is kept as `NAME.airlock-chained` and run first,
//! and `uninstall` puts it back.

use anyhow::{bail, Context};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The line that marks a hook as airlock's.
pub const MARKER: &str = "# airlock git hook: cross-provider review";

/// Which hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    PreCommit,
    PrePush,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::PreCommit => "pre-commit",
            Kind::PrePush => "pre-push",
        }
    }
}

/// What to install.
pub struct HookOptions {
    pub kind: Kind,
    pub repo: PathBuf,
    pub force: bool,
    pub dry_run: bool,
    /// The airlock binary, shell-quoted.
    pub exe: String,
}

/// The directory git runs hooks from for the repository at `repo`.
pub fn hooks_dir(repo: &Path) -> anyhow::Result<PathBuf> {
    let top = crate::review::repo_root(repo).with_context(|| format!("{} is not in a git repository", repo.display()))?;
    let configured = crate::scan::git(&top, &["config", "--get", "core.hooksPath"]).ok();
    if let Some(p) = configured.map(|p| p.trim_end().to_string()).filter(|p| !p.is_empty()) {
        let p = if let Some(rest) = p.strip_prefix("~/") {
            PathBuf::from(std::env::var_os("HOME").context("core.hooksPath starts with ~ and HOME is unset")?).join(rest)
        } else {
            PathBuf::from(p)
        };
        // A relative core.hooksPath is relative to where hooks run: the top of the working tree.
        return Ok(if p.is_absolute() { p } else { top.join(p) });
    }
    let common = PathBuf::from(crate::scan::git(&top, &["rev-parse", "--git-common-dir"])?.trim_end());
    Ok(if common.is_absolute() { common } else { top.join(common) }.join("hooks"))
}

/// The hook's text.
pub fn script(kind: Kind, exe: &str) -> String {
    let (what, review, see, bypass) = match kind {
        Kind::PreCommit => (
            "commit",
            format!("{exe} review --staged"),
            "airlock review --staged --format markdown",
            "git commit --no-verify",
        ),
        Kind::PrePush => ("push", format!("{exe} review --range \"$range\""), "airlock review --range $range --format markdown", "git push --no-verify"),
    };
    let body = match kind {
        Kind::PreCommit => format!("{review}\nverdict $? \"what is being committed\"\n"),
        Kind::PrePush => format!(
            r#"empty=$(git hash-object -t tree /dev/null)
while read -r local_ref local_sha remote_ref remote_sha; do
    case $local_sha in *[!0]*) ;; *) continue ;; esac   # a deleted branch: nothing to review
    case $remote_sha in
        *[!0]*) base=$remote_sha ;;
        *)  # a new branch: from the oldest commit no remote has
            first=$(git rev-list --reverse "$local_sha" --not --remotes | head -n 1)
            [ -n "$first" ] || continue
            base=$(git rev-parse -q --verify "$first^" 2>/dev/null || echo "$empty") ;;
    esac
    range="$base..$local_sha"
    {review} </dev/null
    verdict $? "the push of $local_ref ($range)"
done <<REFS
$refs
REFS
"#
        ),
    };
    // pre-push reads the pushed refs on standard input: a chained hook gets them too.
    let chain = match kind {
        Kind::PreCommit => "if [ -x \"$chained\" ]; then\n    \"$chained\" \"$@\" || exit $?\nfi\n",
        Kind::PrePush => "refs=$(cat)\nif [ -x \"$chained\" ]; then\n    printf '%s\\n' \"$refs\" | \"$chained\" \"$@\" || exit $?\nfi\n",
    };
    format!(
        r#"#!/bin/sh
{MARKER} ({name}).
# Written by `airlock install git-hook`; remove it with `airlock uninstall git-hook`.
# Exit status of `airlock review`: 0 clean, 1 findings below the fail level (shown, not blocking),
# 2 findings at or above it, 3 the review could not run (both block the {what}).

hook_dir=$(dirname "$0")
chained="$hook_dir/{name}.airlock-chained"
{chain}
verdict() {{
    case $1 in
        0|1) return 0 ;;
        2) echo "airlock: the cross-provider review found problems in $2; the {what} is stopped." >&2 ;;
        *) echo "airlock: the cross-provider review of $2 could not run (the error is above); the {what} is stopped." >&2 ;;
    esac
    echo "  see the findings:  {see}" >&2
    echo "  {what} anyway:  {bypass}   (a conscious bypass: nothing is reviewed)" >&2
    exit 1
}}

{body}exit 0
"#,
        name = kind.name()
    )
}

fn is_ours(text: &str) -> bool {
    text.lines().take(3).any(|l| l.starts_with(MARKER))
}

#[cfg(unix)]
fn make_executable(p: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mut perm = std::fs::metadata(p)?.permissions();
    perm.set_mode(0o755);
    std::fs::set_permissions(p, perm).with_context(|| format!("making {} executable", p.display()))
}

#[cfg(not(unix))]
fn make_executable(_: &Path) -> anyhow::Result<()> {
    Ok(())
}

pub fn install(o: &HookOptions) -> anyhow::Result<ExitCode> {
    let dir = hooks_dir(&o.repo)?;
    let path = dir.join(o.kind.name());
    let chained = dir.join(format!("{}.airlock-chained", o.kind.name()));
    let text = script(o.kind, &o.exe);
    let existing = std::fs::read_to_string(&path).ok();
    let foreign = existing.as_deref().is_some_and(|t| !is_ours(t)) || (path.exists() && existing.is_none());
    if foreign && !o.force {
        bail!(
            "{} exists and is not airlock's hook; it was left alone. `--force` keeps it as {} and runs it before the review",
            path.display(),
            chained.display()
        );
    }
    if foreign && chained.exists() {
        bail!("{} exists already; move it away first", chained.display());
    }
    if o.dry_run {
        println!("--- {} ({})", path.display(), if foreign { "would chain the existing hook" } else { "would write" });
        print!("{text}");
        return Ok(ExitCode::SUCCESS);
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    if foreign {
        std::fs::rename(&path, &chained).with_context(|| format!("moving the existing hook to {}", chained.display()))?;
        println!("kept the existing hook as {} (it runs first)", chained.display());
    }
    std::fs::write(&path, &text).with_context(|| format!("writing {}", path.display()))?;
    make_executable(&path)?;
    println!("{} {}", if existing.is_some() && !foreign { "updated" } else { "wrote" }, path.display());
    let (what, bypass, see) = match o.kind {
        Kind::PreCommit => ("commit", "git commit --no-verify", "airlock review --staged --format markdown"),
        Kind::PrePush => ("push", "git push --no-verify", "airlock review --range BASE..TIP --format markdown"),
    };
    println!("each {what} is now reviewed by a model of another provider than the change's writers ([review] in airlock.toml).");
    println!("findings: `{see}`; a conscious bypass: `{bypass}`.");
    Ok(ExitCode::SUCCESS)
}

pub fn uninstall(o: &HookOptions) -> anyhow::Result<ExitCode> {
    let dir = hooks_dir(&o.repo)?;
    let path = dir.join(o.kind.name());
    let chained = dir.join(format!("{}.airlock-chained", o.kind.name()));
    match std::fs::read_to_string(&path) {
        Ok(t) if is_ours(&t) => {}
        Ok(_) => bail!("{} is not airlock's hook; it was left alone", path.display()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            println!("no airlock {} hook in {}", o.kind.name(), dir.display());
            return Ok(ExitCode::SUCCESS);
        }
        Err(e) => bail!("{}: {e}", path.display()),
    }
    if o.dry_run {
        println!("would remove {}", path.display());
        return Ok(ExitCode::SUCCESS);
    }
    std::fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
    println!("removed {}", path.display());
    if chained.exists() {
        std::fs::rename(&chained, &path).with_context(|| format!("restoring {}", chained.display()))?;
        println!("restored the earlier hook {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn scripts_carry_the_marker_and_the_way_out() {
        for k in [Kind::PreCommit, Kind::PrePush] {
            let s = script(k, "/usr/bin/airlock");
            assert!(is_ours(&s));
            assert!(s.contains("--no-verify") && s.contains("--format markdown"));
        }
        assert!(script(Kind::PreCommit, "x").contains("x review --staged"));
        assert!(script(Kind::PrePush, "x").contains("x review --range \"$range\""));
        assert!(!is_ours("#!/bin/sh\nexec lint\n"));
    }
}
