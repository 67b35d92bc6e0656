use crate::analysis::Analysis;
use crate::facts;
use crate::rules::{at_cmd, RuleMeta};
use airlock_protocol::{Category, Decision, Finding, Severity};
use std::path::{Component, Path, PathBuf};

pub static META: RuleMeta = RuleMeta {
    code: "DES001",
    name: "recursive-delete-outside-workspace",
    category: Category::Destruction,
    severity: Severity::Critical,
    decision: Decision::Deny,
    summary: "A recursive delete (`rm -r`, `find -delete`, recursive `chmod`/`chown`) of `/`, the home directory, a system directory \
              (deny), or of a path outside the workspace and temporary directories (ask).",
    why: "One wrong path destroys the machine or the user's files; a backdoored model needs only one command.",
    instead: "Delete build outputs inside the project (`rm -rf target/`, `cargo clean`); leave everything else to the person.",
    references: &["CWE-73", "ATT&CK T1485"],
    flags: &["rm -rf /", "rm -rf ~", "rm -rf --no-preserve-root /", "sudo rm -rf /usr", "rm -rf $HOME/*", "find / -delete", "chmod -R 000 /"],
    passes: &["rm -rf target/", "rm -rf node_modules dist", "rm -rf /tmp/build-cache", "rm file.txt", "find . -name '*.pyc' -delete"],
};

const SYSTEM_DIRS: &[&str] = &[
    "/",
    "/bin",
    "/boot",
    "/dev",
    "/etc",
    "/home",
    "/lib",
    "/lib64",
    "/opt",
    "/proc",
    "/root",
    "/sbin",
    "/srv",
    "/sys",
    "/usr",
    "/var",
    "/Users",
    "/System",
    "/Library",
    "/Applications",
    "/usr/bin",
    "/usr/lib",
    "/usr/local",
    "/var/lib",
];

pub fn check(a: &Analysis, m: &RuleMeta, out: &mut Vec<Finding>) {
    let workspace = a
        .ctx
        .policy
        .workspace_root
        .clone()
        .or_else(|| a.ctx.cwd.clone());
    for cmd in &a.cmds {
        let Some(base) = cmd.base() else { continue };
        let texts: Vec<&str> = cmd.arg_texts().collect();
        let recursive = |short: char| {
            texts.iter().any(|t| {
                *t == "--recursive"
                    || (t.starts_with('-')
                        && !t.starts_with("--")
                        && (t.contains(short) || t.contains('R')))
            })
        };
        let targets: Vec<&str> = match base {
            "rm" if recursive('r') => texts
                .iter()
                .filter(|t| !t.starts_with('-'))
                .copied()
                .collect(),
            "chmod" | "chown" | "chgrp" if recursive('R') => texts
                .iter()
                .filter(|t| !t.starts_with('-'))
                .skip(1)
                .copied()
                .collect(),
            "find" if texts.contains(&"-delete") => texts
                .iter()
                .take_while(|t| !t.starts_with('-'))
                .copied()
                .collect(),
            "shred" | "srm" | "wipe" if recursive('r') || base != "shred" => texts
                .iter()
                .filter(|t| !t.starts_with('-'))
                .copied()
                .collect(),
            _ => continue,
        };
        for t in targets {
            let norm = facts::normalize_path(t);
            let trimmed = norm.trim_end_matches("/*").trim_end_matches('/');
            let trimmed = if trimmed.is_empty() { "/" } else { trimmed };
            let home = trimmed == "~" || norm == "~/*" || norm.starts_with("~/\u{1}");
            let root = trimmed == "/" || t.starts_with("/*");
            if root
                || home
                || (SYSTEM_DIRS.contains(&trimmed)
                    && matches!(base, "rm" | "shred" | "srm" | "wipe" | "find"))
            {
                out.push(at_cmd(a, m, cmd, format!("recursively destroys `{t}`")));
                continue;
            }
            if SYSTEM_DIRS.contains(&trimmed) {
                let mut f = at_cmd(a, m, cmd, format!("recursively changes ownership or permissions of the system directory `{t}`"));
                f.decision = Decision::Ask;
                out.push(f);
                continue;
            }
            if t.starts_with('\u{1}') && (t.ends_with("\u{1}/") || t.ends_with("\u{1}/*")) {
                let mut f = at_cmd(
                    a,
                    m,
                    cmd,
                    "recursively deletes `$VAR/`: if the variable is empty or unset this is `/`"
                        .into(),
                );
                f.decision = Decision::Ask;
                out.push(f);
                continue;
            }
            if let Some(p) = outside(&norm, workspace.as_deref()) {
                let mut f = at_cmd(
                    a,
                    m,
                    cmd,
                    format!("recursively deletes or changes `{p}`, outside the workspace"),
                );
                f.decision = Decision::Ask;
                f.severity = Severity::High;
                out.push(f);
            }
        }
    }
}

/// The path, when it lies outside the workspace and temporary directories.
fn outside(p: &str, workspace: Option<&Path>) -> Option<String> {
    if p.contains('\u{1}') {
        return None;
    }
    let tmp = ["/tmp/", "/var/tmp/", "/private/tmp/", "/dev/shm/"];
    if tmp.iter().any(|t| p.starts_with(t)) {
        return None;
    }
    let ws = workspace?;
    let abs = if p.starts_with('/') {
        PathBuf::from(p)
    } else if p.starts_with('~') {
        return Some(p.to_string());
    } else {
        ws.join(p)
    };
    let mut norm = PathBuf::new();
    for c in abs.components() {
        match c {
            Component::ParentDir => {
                norm.pop();
            }
            Component::CurDir => {}
            other => norm.push(other),
        }
    }
    (!norm.starts_with(ws)).then(|| p.to_string())
}
