//! The sandbox's file view as a list of mount operations, computed from the host's file system
//! without changing it. The launcher carries the list out inside the new mount namespace; the
//! same list gives the Landlock rules, so the two layers cannot disagree.

use crate::gitdirs;
use crate::spec::SandboxSpec;
use crate::SandboxError;
use std::path::{Path, PathBuf};

/// One step of building the new root. Destinations are absolute paths inside the sandbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MountOp {
    /// A fresh, empty, writable tmpfs.
    Tmpfs { dst: PathBuf },
    /// The host's `src` at `dst` (recursively), read-only unless `write`.
    Bind { src: PathBuf, dst: PathBuf, write: bool },
    /// A host character device (`/dev/null`), usable but not executable.
    Dev { src: PathBuf, dst: PathBuf },
    Symlink { target: PathBuf, dst: PathBuf },
    /// `/proc` of the new PID namespace.
    Proc { dst: PathBuf },
    /// A private `devpts` instance (so `openpty` works) with `/dev/ptmx` pointing into it.
    Devpts { dst: PathBuf },
    /// A file with these contents (in the new root's own tmpfs), bound read-only over `dst`.
    File { dst: PathBuf, contents: Vec<u8> },
    /// Hide `dst`: an empty read-only file or directory over it.
    Mask { dst: PathBuf, dir: bool },
}

/// Access the Landlock layer grants beneath a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
    Device,
}

/// The whole view.
#[derive(Debug, Clone, Default)]
pub struct MountPlan {
    pub ops: Vec<MountOp>,
    /// Paths and the access the Landlock layer grants (the same view, independently enforced).
    pub access: Vec<(PathBuf, Access)>,
    /// Things worth telling the user (`~/.gitconfig skipped: it holds a token`).
    pub notes: Vec<String>,
    /// A directory created in the user's tree only to serve as a mount point, removed after the
    /// run (`.git/hooks` when the repository had none).
    pub created: Vec<PathBuf>,
}

/// System directories made visible read-only when they exist (symlinks are recreated as such).
const SYSTEM: &[&str] = &["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt", "/var", "/nix", "/snap"];
/// Files under the system directories that hold secrets readable by their owner.
const SYSTEM_MASKS: &[&str] = &[
    "/etc/shadow", "/etc/shadow-", "/etc/gshadow", "/etc/gshadow-", "/etc/sudoers",
    "/etc/ssh/ssh_host_rsa_key", "/etc/ssh/ssh_host_ecdsa_key", "/etc/ssh/ssh_host_ed25519_key",
    "/etc/ssh/ssh_host_dsa_key", "/var/lib/docker", "/var/lib/containers", "/var/run/docker.sock",
];
/// Devices bound from the host.
const DEVICES: &[&str] = &["null", "zero", "full", "random", "urandom", "tty"];
/// Entries of `$HOME` shown read-only by default: toolchains and package caches. Never keys,
/// tokens or credentials: those live in other entries (or are masked below).
pub const HOME_READ: &[&str] = &[
    ".cargo", ".rustup", ".npm", ".nvm", ".volta", ".bun", ".deno", ".pyenv", ".local/bin",
    ".local/lib", ".local/share/pnpm", ".cache", "go", ".gradle/caches", ".gradle/wrapper",
    ".m2/repository", ".gitconfig", ".config/git", ".gitignore_global", ".sdkman",
];
/// Credential files inside the allowed entries, hidden all the same.
const HOME_MASKS: &[&str] = &[".cargo/credentials", ".cargo/credentials.toml", ".cache/gh", ".config/git/credentials"];
/// Workspace entries read-only inside: code that runs later outside the sandbox, and the
/// settings that decide how airlock and the agents treat this project.
const WORKSPACE_PROTECTED: &[&str] = &[
    "airlock.toml", ".airlock.toml", ".airlock", ".claude", ".codex", ".gemini", ".mcp.json",
    ".vscode", ".idea", ".envrc", ".husky",
];

/// Agent settings directories made to exist (empty, read-only) during a run when missing.
const AGENT_DIRS: &[&str] = &[".claude", ".codex", ".gemini"];

/// Where the egress socket and the generated `resolv.conf` appear inside.
pub const RUN_DIR: &str = "/run/airlock";

/// Compute the view for `spec`. `dns` says whether a resolver answers on 127.0.0.1 inside.
pub fn build(spec: &SandboxSpec, egress_socket: Option<&Path>, dns: bool) -> Result<MountPlan, SandboxError> {
    let mut p = MountPlan::default();
    let workspace = canonical(&spec.workspace)?;
    if workspace == Path::new("/") {
        return Err(SandboxError::Invalid("the workspace cannot be / (everything would be writable); run from a project directory or pass --workspace".into()));
    }
    if let Some(home) = spec.home.as_deref().and_then(|h| canonical(h).ok()) {
        if home.starts_with(&workspace) {
            return Err(SandboxError::Invalid(format!(
                "the workspace {} contains the home directory {}: its keys and tokens would be visible; run from a project directory or pass --workspace",
                workspace.display(),
                home.display()
            )));
        }
    }
    for sys in SYSTEM {
        let path = Path::new(sys);
        match path.symlink_metadata() {
            Ok(m) if m.file_type().is_symlink() => {
                let target = std::fs::read_link(path).map_err(|e| path_err(path, e))?;
                p.ops.push(MountOp::Symlink { target, dst: path.into() });
            }
            Ok(m) if m.is_dir() => p.bind(path, path, false),
            _ => {}
        }
    }
    // /dev: a tmpfs with the harmless devices, a private devpts, shm.
    p.ops.push(MountOp::Tmpfs { dst: "/dev".into() });
    for d in DEVICES {
        let src = Path::new("/dev").join(d);
        if src.exists() {
            p.ops.push(MountOp::Dev { src: src.clone(), dst: src.clone() });
            p.access.push((src, Access::Device));
        }
    }
    p.ops.push(MountOp::Devpts { dst: "/dev/pts".into() });
    p.access.push(("/dev/pts".into(), Access::Device));
    p.ops.push(MountOp::Symlink { target: "pts/ptmx".into(), dst: "/dev/ptmx".into() });
    for (name, target) in [("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")] {
        p.ops.push(MountOp::Symlink { target: target.into(), dst: Path::new("/dev").join(name) });
    }
    p.tmpfs("/dev/shm");
    p.ops.push(MountOp::Proc { dst: "/proc".into() });
    p.access.push(("/proc".into(), Access::Write));
    p.tmpfs("/tmp");
    p.tmpfs("/var/tmp");
    p.tmpfs("/run");

    // Home, the extra paths and the workspace, parents before children.
    let mut nested: Vec<(PathBuf, Nested)> = Vec::new();
    if let Some(home) = spec.home.as_deref().and_then(|h| canonical(h).ok()) {
        if home != Path::new("/") {
            nested.push((home.clone(), Nested::Home));
        }
        let mut entries: Vec<(String, bool)> = HOME_READ.iter().map(|e| (e.to_string(), false)).collect();
        entries.extend(spec.rules.home_read.iter().map(|e| (e.clone(), false)));
        entries.extend(spec.rules.home_write.iter().map(|e| (e.clone(), true)));
        for (entry, write) in entries {
            let rel = Path::new(&entry);
            if rel.is_absolute() || rel.components().any(|c| matches!(c, std::path::Component::ParentDir)) {
                return Err(SandboxError::Invalid(format!("home entry {entry:?} must be relative to $HOME")));
            }
            let src = home.join(rel);
            if src.symlink_metadata().is_err() {
                continue;
            }
            if entry == ".gitconfig" && file_has_secret(&src) {
                p.notes.push(format!("{} not shown: it holds a credential", src.display()));
                continue;
            }
            nested.push((src, Nested::Bind { write }));
        }
        for m in HOME_MASKS {
            let f = home.join(m);
            if let Ok(md) = f.symlink_metadata() {
                nested.push((f, Nested::Mask { dir: md.is_dir() }));
            }
        }
    }
    for (list, write) in [(&spec.rules.read_paths, false), (&spec.rules.write_paths, true)] {
        for path in list {
            nested.push((canonical(path)?, Nested::Bind { write }));
        }
    }
    nested.push((workspace.clone(), Nested::Bind { write: true }));
    // Stable: shorter paths (parents) first; equal depth keeps insertion order.
    nested.sort_by_key(|(path, _)| path.components().count());
    for (path, what) in nested {
        match what {
            Nested::Home => p.tmpfs(&path),
            Nested::Bind { write } => p.bind(&path, &path, write),
            Nested::Mask { dir } => p.ops.push(MountOp::Mask { dst: path, dir }),
        }
    }

    // Inside the workspace: git's hooks and config, and the agents' and airlock's settings.
    for name in WORKSPACE_PROTECTED {
        let path = workspace.join(name);
        if path.symlink_metadata().is_ok() {
            p.protect(&path);
        } else if AGENT_DIRS.contains(name) {
            // An agent reads hooks and permissions from here at its next start: the sandbox
            // must not be able to create it. An empty directory stands in during the run.
            p.created.push(path.clone());
            p.protect(&path);
        }
    }
    let git = gitdirs::resolve(&workspace);
    if let Some(dot) = &git.pin {
        p.ops.push(MountOp::Bind { src: dot.clone(), dst: dot.clone(), write: true });
    }
    for path in &git.protect {
        p.protect(path);
    }
    for dir in &git.create {
        p.created.push(dir.clone());
        p.protect(dir);
    }
    if let Some(common) = &git.common_outside {
        // A worktree's shared repository lives outside the workspace: writable (commits), with
        // its hooks and config protected like the workspace's own.
        p.bind(common, common, true);
        for path in gitdirs::protected_in(common) {
            p.protect(&path);
        }
    }
    for m in SYSTEM_MASKS {
        if let Ok(md) = Path::new(m).symlink_metadata() {
            p.ops.push(MountOp::Mask { dst: m.into(), dir: md.is_dir() });
        }
    }

    if let Some(sock) = egress_socket {
        let dst = Path::new(RUN_DIR).join("egress.sock");
        p.ops.push(MountOp::Bind { src: sock.into(), dst: dst.clone(), write: true });
    }
    if dns {
        let contents = b"nameserver 127.0.0.1\noptions ndots:0 attempts:1 timeout:2\n".to_vec();
        let dst = match std::fs::canonicalize("/etc/resolv.conf") {
            Ok(real) if real.starts_with("/run") => real,
            _ => PathBuf::from("/etc/resolv.conf"),
        };
        p.ops.push(MountOp::File { dst, contents });
    }
    Ok(p)
}

enum Nested {
    Home,
    Bind { write: bool },
    Mask { dir: bool },
}

impl MountPlan {
    fn bind(&mut self, src: &Path, dst: &Path, write: bool) {
        self.ops.push(MountOp::Bind { src: src.into(), dst: dst.into(), write });
        self.access.push((dst.into(), if write { Access::Write } else { Access::Read }));
    }

    fn tmpfs(&mut self, dst: impl AsRef<Path>) {
        self.ops.push(MountOp::Tmpfs { dst: dst.as_ref().into() });
        self.access.push((dst.as_ref().into(), Access::Write));
    }

    /// Read-only over an existing path that a writable bind above made writable.
    fn protect(&mut self, path: &Path) {
        self.ops.push(MountOp::Bind { src: path.into(), dst: path.into(), write: false });
    }
}

fn canonical(p: &Path) -> Result<PathBuf, SandboxError> {
    std::fs::canonicalize(p).map_err(|e| path_err(p, e))
}

fn path_err(p: &Path, source: std::io::Error) -> SandboxError {
    SandboxError::Path { path: p.into(), source }
}

/// A git config file that carries a credential: a URL with a password or token in it
/// (`url."https://TOKEN@host/".insteadOf`), an `http.extraHeader` (authorization), a key named
/// like a password or token with a value, or a token of a known shape anywhere.
fn file_has_secret(path: &Path) -> bool {
    let bytes = match std::fs::read(path) {
        Ok(b) if b.len() <= 1 << 20 => b,
        Ok(_) => return true,
        Err(_) => return false,
    };
    let text = String::from_utf8_lossy(&bytes);
    if crate::env::has_userinfo(&text) || airlock_redact::Redactor::default().classify_value(&text).is_some() {
        return true;
    }
    text.lines().any(|line| {
        let Some((key, value)) = line.split_once('=') else { return false };
        let key = key.trim().to_ascii_lowercase();
        !value.trim().is_empty() && (key == "extraheader" || ["pass", "token", "secret"].iter().any(|w| key.contains(w)))
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::spec::SandboxRules;

    fn spec(ws: &Path, home: &Path) -> SandboxSpec {
        SandboxSpec {
            workspace: ws.into(),
            cwd: ws.into(),
            home: Some(home.into()),
            rules: SandboxRules::default(),
            argv: vec!["true".into()],
            env: Vec::new(),
            require_full: false,
        }
    }

    fn tmp() -> (tempfile::TempDir, PathBuf) {
        let t = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let p = std::fs::canonicalize(t.path()).unwrap_or_else(|e| panic!("{e}"));
        (t, p)
    }

    #[test]
    fn a_workspace_holding_the_home_directory_is_refused() {
        let (_t, base) = tmp();
        let home = base.join("home");
        std::fs::create_dir_all(home.join(".ssh")).unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(build(&spec(&home, &home), None, false), Err(SandboxError::Invalid(_))));
        assert!(matches!(build(&spec(&base, &home), None, false), Err(SandboxError::Invalid(_))));
        assert!(matches!(build(&spec(Path::new("/"), &home), None, false), Err(SandboxError::Invalid(_))));
    }

    #[test]
    fn home_shows_toolchains_and_never_keys() {
        let (_t, base) = tmp();
        let home = base.join("home");
        let ws = home.join("src/proj");
        for d in [".ssh", ".aws", ".cargo", ".config/gh"] {
            std::fs::create_dir_all(home.join(d)).unwrap_or_else(|e| panic!("{e}"));
        }
        std::fs::create_dir_all(&ws).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(home.join(".cargo/credentials.toml"), "token").unwrap_or_else(|e| panic!("{e}"));
        let p = build(&spec(&ws, &home), None, false).unwrap_or_else(|e| panic!("{e}"));
        let binds: Vec<&PathBuf> = p.ops.iter().filter_map(|o| match o { MountOp::Bind { dst, .. } => Some(dst), _ => None }).collect();
        assert!(binds.contains(&&home.join(".cargo")));
        assert!(binds.contains(&&ws));
        assert!(!binds.iter().any(|b| b.starts_with(home.join(".ssh")) || b.starts_with(home.join(".aws")) || b.starts_with(home.join(".config/gh"))));
        assert!(p.ops.contains(&MountOp::Mask { dst: home.join(".cargo/credentials.toml"), dir: false }));
        // The home tmpfs comes before the workspace inside it.
        let pos = |want: &MountOp| p.ops.iter().position(|o| o == want);
        let home_at = pos(&MountOp::Tmpfs { dst: home.clone() }).unwrap_or(usize::MAX);
        let ws_at = pos(&MountOp::Bind { src: ws.clone(), dst: ws.clone(), write: true }).unwrap_or(0);
        assert!(home_at < ws_at, "{:?}", p.ops);
    }

    #[test]
    fn gitconfig_credentials_are_seen() {
        let (_t, base) = tmp();
        let f = base.join("gitconfig");
        let cases = [
            ("[user]\n\tname = A\n\temail = a@example.com\n[url \"git@github.com:\"]\n\tinsteadOf = https://github.com/\n", false),
            ("[url \"https://x-access-token:abc123@github.com/\"]\n\tinsteadOf = https://github.com/\n", true),
            ("[http]\n\textraHeader = AUTHORIZATION: basic Zm9vOmJhcg==\n", true),
            ("[sendemail]\n\tsmtpPass = hunter2\n", true),
            ("[github]\n\toauth = ghp_abcdefghijklmnopqrstuvwxyz0123456789\n", true),
        ];
        for (text, secret) in cases {
            std::fs::write(&f, text).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(file_has_secret(&f), secret, "{text}");
        }
    }
}
