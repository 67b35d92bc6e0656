use crate::analysis::Analysis;
use crate::facts;
use crate::rules::{at_cmd, RuleMeta};
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    code: "SYS001",
    name: "system-configuration-modified",
    category: Category::SystemTampering,
    severity: Severity::Medium,
    decision: Decision::Ask,
    summary: "Files under system directories are written (`/etc`, `/usr`, `/boot`, `/lib`, `/bin`, `/sbin`, `/proc/sys`, `/sys`), \
              kernel modules or parameters are changed (`insmod`, `modprobe`, `sysctl -w`), or filesystems are mounted.",
    why: "Changes to the system outlive the project and affect every user; a model can weaken the machine this way without any single \
          step looking like an attack.",
    instead: "Keep changes inside the project; ask the person to change the system.",
    references: &["CWE-15", "ATT&CK T1547.006", "ATT&CK T1565.001"],
    flags: &["echo '1.2.3.4 github.com' >> /etc/hosts", "cp tool /usr/local/bin/tool", "insmod rootkit.ko", "sysctl -w net.ipv4.ip_forward=1", "sed -i 's/x/y/' /etc/ssh/ssh_config", "mount -o remount,rw /"],
    passes: &["cat /etc/hosts", "sysctl net.ipv4.ip_forward", "lsmod", "cp build/app ./dist/app"],
};

const SYSTEM: &[&str] = &[
    "/etc/",
    "/usr/",
    "/boot/",
    "/lib/",
    "/lib64/",
    "/bin/",
    "/sbin/",
    "/proc/sys/",
    "/sys/",
    "/opt/",
    "/System/",
    "/Library/",
    "/var/spool/",
    "/var/mail/",
];

pub fn check(a: &Analysis, m: &RuleMeta, out: &mut Vec<Finding>) {
    for cmd in &a.cmds {
        let Some(base) = cmd.base() else { continue };
        let texts: Vec<&str> = cmd.arg_texts().collect();
        let written = a
            .writes_of(cmd)
            .iter()
            .cloned()
            .chain(
                if facts::is_reader(base) || matches!(base, "ls" | "cd" | "which" | "stat") {
                    Vec::new()
                } else {
                    sed_like(cmd)
                },
            )
            .find(|p| {
                SYSTEM.iter().any(|s| p.starts_with(s))
                    && facts::persistence_path(p).is_none()
                    && !p.starts_with("/usr/local/src")
                    && !p.starts_with("/dev/")
            });
        let msg = if let Some(p) = written {
            Some(format!("modifies the system file {p}"))
        } else {
            match base {
                "insmod" | "rmmod" | "kextload" | "kmutil" => {
                    Some(format!("loads or unloads a kernel module with `{base}`"))
                }
                "modprobe"
                    if !texts
                        .iter()
                        .any(|t| matches!(*t, "-n" | "--dry-run" | "-c" | "--showconfig")) =>
                {
                    Some("loads a kernel module with `modprobe`".to_string())
                }
                "sysctl"
                    if texts
                        .iter()
                        .any(|t| *t == "-w" || (t.contains('=') && !t.starts_with('-'))) =>
                {
                    Some("changes kernel parameters with `sysctl`".to_string())
                }
                "ufw"
                    if texts.first().is_some_and(|t| {
                        !matches!(*t, "status" | "show" | "app" | "--help" | "version")
                    }) =>
                {
                    Some("changes firewall rules with `ufw`".to_string())
                }
                "iptables" | "ip6tables" | "nft" | "firewall-cmd" | "pfctl"
                    if texts.iter().any(|t| {
                        matches!(
                            *t,
                            "-A" | "-I"
                                | "-D"
                                | "-R"
                                | "-N"
                                | "-X"
                                | "-P"
                                | "add"
                                | "insert"
                                | "delete"
                                | "-f"
                                | "-e"
                        ) || t.starts_with("--add")
                            || t.starts_with("--remove")
                    }) =>
                {
                    Some(format!("changes firewall rules with `{base}`"))
                }
                "date"
                    if texts.iter().any(|t| {
                        matches!(*t, "-s" | "--set")
                            || t.starts_with("--set=")
                            || (t.len() >= 8 && t.chars().all(|c| c.is_ascii_digit() || c == '.'))
                    }) =>
                {
                    Some("sets the system clock".to_string())
                }
                "timedatectl"
                    if texts
                        .iter()
                        .any(|t| matches!(*t, "set-time" | "set-timezone" | "set-ntp")) =>
                {
                    Some("sets the system clock".to_string())
                }
                "hwclock"
                    if texts
                        .iter()
                        .any(|t| matches!(*t, "--set" | "-w" | "--systohc")) =>
                {
                    Some("sets the hardware clock".to_string())
                }
                "git" | "patch"
                    if texts.contains(&"--unsafe-paths")
                        || (base == "patch"
                            && texts.windows(2).any(|w| {
                                w.first() == Some(&"-d")
                                    && w.get(1).is_some_and(|d| d.starts_with('/'))
                            })) =>
                {
                    Some("applies a patch to paths outside the repository".to_string())
                }
                "mount" | "umount"
                    if !texts.is_empty()
                        && !texts
                            .iter()
                            .all(|t| t.starts_with('-') && matches!(*t, "-l" | "--list")) =>
                {
                    Some(format!("changes mounted filesystems with `{base}`"))
                }
                _ => None,
            }
        };
        if let Some(msg) = msg {
            out.push(at_cmd(a, m, cmd, msg));
        }
    }
}

/// Operands of in-place editors and copy-like programs, which write them.
fn sed_like(cmd: &crate::ir::Cmd) -> Vec<String> {
    let texts: Vec<&str> = cmd.arg_texts().collect();
    match cmd.base() {
        Some("sed" | "perl") if texts.iter().any(|t| t.starts_with("-i")) => texts
            .iter()
            .filter(|t| !t.starts_with('-'))
            .map(|t| t.to_string())
            .collect(),
        Some("ln" | "cp" | "mv" | "install") => texts
            .iter()
            .rfind(|t| !t.starts_with('-'))
            .map(|t| vec![t.to_string()])
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}
