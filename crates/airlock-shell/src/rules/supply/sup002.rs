use crate::analysis::Analysis;
use crate::rules::{at_cmd, RuleMeta};
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    code: "SUP002",
    name: "unverified-package-install",
    category: Category::SupplyChain,
    severity: Severity::Medium,
    decision: Decision::Ask,
    summary: "A package is installed from a URL, a VCS URL or a local archive instead of a registry (`pip install https://...`, \
              `pip install git+...`, `npm install https://.../x.tgz`, `dpkg -i`, `rpm -i`, `apt install ./x.deb`), or signature checks \
              are switched off (`--nogpgcheck`, `--allow-unauthenticated`, `--no-verify`).",
    why: "Such packages skip the registry's name ownership and the package manager's signature checks, and their install scripts run at once.",
    instead: "Install released versions from the registry, pinned in the project's lockfile.",
    references: &["CWE-494", "ATT&CK T1195.002"],
    flags: &["pip install https://x.example/pkg-1.0.tar.gz", "pip install git+https://github.com/someone/fork.git", "npm i https://x.example/pkg.tgz", "dpkg -i ./tool.deb", "dnf install -y x-1.0-1.noarch.rpm --disablerepo=*", "apt-get install --allow-unauthenticated foo"],
    passes: &["pip install -r requirements.txt", "npm ci", "apt-get install -y jq", "pip install -e ."],
};

pub fn check(a: &Analysis, m: &RuleMeta, out: &mut Vec<Finding>) {
    for cmd in &a.cmds {
        let Some(base) = cmd.base() else { continue };
        let texts: Vec<&str> = cmd.arg_texts().collect();
        let installing = texts
            .iter()
            .any(|t| matches!(*t, "install" | "i" | "add" | "localinstall" | "reinstall"));
        let remote_spec = |t: &str| {
            t.contains("://")
                || t.starts_with("git+")
                || t.starts_with("github:")
                || t.starts_with("gitlab:")
                || t.starts_with("bitbucket:")
        };
        let archive = |t: &str| {
            [
                ".whl",
                ".tar.gz",
                ".tgz",
                ".zip",
                ".deb",
                ".rpm",
                ".pkg",
                ".apk",
                ".gem",
                ".crate",
                ".nupkg",
                ".snap",
                ".txz",
                ".ipk",
                ".pkg.tar.zst",
                ".pkg.tar.xz",
            ]
            .iter()
            .any(|e| t.ends_with(e))
        };
        let unsigned = texts.iter().any(|t| {
            matches!(
                *t,
                "--nogpgcheck"
                    | "--allow-unauthenticated"
                    | "--no-gpg-checks"
                    | "--force-bad-verify"
                    | "--nosignature"
                    | "--nodigest"
                    | "--dangerous"
                    | "--insecure"
                    | "--trust-server-names"
            ) || t.starts_with("--disablerepo")
                || t.contains("AllowUnauthenticated")
        });
        let msg = match base.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.') {
            "dpkg" if texts.iter().any(|t| matches!(*t, "-i" | "--install")) => Some("installs a local Debian package outside the repositories"),
            "rpm" if texts.iter().any(|t| t.starts_with("-i") || t.starts_with("-U") || *t == "--install") => Some("installs a local RPM outside the repositories"),
            "installer" | "pkgutil" if texts.contains(&"-pkg") => Some("installs a local macOS package"),
            "pip" | "pipx" | "uv" | "npm" | "yarn" | "pnpm" | "gem" | "apt" | "apt-get" | "dnf" | "yum" | "zypper" | "snap" | "cargo" | "go" | "opkg" | "pkg" | "apk" | "pacman" | "brew" | "port"
                if installing && (unsigned || texts.iter().any(|t| remote_spec(t) || (archive(t) && !t.starts_with('-')))) =>
            {
                Some("installs a package from a URL, VCS or local archive, or without signature checks")
            }
            _ if unsigned && installing => Some("installs packages without signature checks"),
            _ => None,
        };
        if let Some(msg) = msg {
            out.push(at_cmd(a, m, cmd, msg.to_string()));
        }
    }
}
