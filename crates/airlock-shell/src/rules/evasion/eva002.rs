use crate::analysis::Analysis;
use crate::rules::{at_cmd, RuleMeta};
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    code: "EVA002",
    name: "logs-or-defences-disabled",
    category: Category::Evasion,
    severity: Severity::High,
    decision: Decision::Deny,
    summary: "System logs are deleted or truncated (`/var/log`, `journalctl --vacuum`, `utmp`/`wtmp`), auditing is switched off \
              (`auditctl -D`/`-e 0`, stopping `auditd`/`rsyslog`), or a security control is disabled (`setenforce 0`, `ufw disable`, \
              `iptables -F`, stopping firewalls or AppArmor, `spctl --master-disable`, `csrutil disable`).",
    why: "Removing the record of what happened and the controls that limit it is what an intruder does right before or after the real action.",
    instead: "Leave logs and defences alone; ask an administrator to change firewall rules.",
    references: &["CWE-778", "ATT&CK T1070.002", "ATT&CK T1562.001", "ATT&CK T1562.004", "ATT&CK T1562.012"],
    flags: &["echo '' > /var/log/auth.log", "rm -rf /var/log/*", "journalctl --vacuum-time=1s", "setenforce 0", "ufw disable", "iptables -F", "systemctl stop auditd", "auditctl -D"],
    passes: &["tail -n 50 /var/log/syslog", "journalctl -u nginx --since today", "ufw status", "iptables -L -n"],
};

pub fn check(a: &Analysis, m: &RuleMeta, out: &mut Vec<Finding>) {
    for cmd in &a.cmds {
        let Some(base) = cmd.base() else { continue };
        let texts: Vec<&str> = cmd.arg_texts().collect();
        let all = texts.join(" ");
        let is_log = |t: &str| {
            t.starts_with("/var/log")
                || t.starts_with("/var/adm")
                || t.ends_with("/wtmp")
                || t.ends_with("/btmp")
                || t.ends_with("/utmp")
                || t.ends_with("/lastlog")
                || t.starts_with("/private/var/log")
                || t.starts_with("/var/audit")
        };
        let security_units = [
            "auditd",
            "rsyslog",
            "syslog",
            "syslog-ng",
            "apparmor",
            "firewalld",
            "ufw",
            "falcon-sensor",
            "osqueryd",
            "selinux",
            "sysmon",
            "clamav",
            "fail2ban",
            "aide",
            "wazuh-agent",
            "ossec",
        ];
        let stops_security = texts.iter().any(|t| {
            matches!(
                *t,
                "stop" | "disable" | "mask" | "kill" | "unload" | "bootout"
            )
        }) && texts.iter().any(|t| {
            security_units
                .iter()
                .any(|u| t.trim_end_matches(".service").ends_with(u))
        });
        let msg = match base {
            "rm" | "shred" | "truncate" | "srm" | "unlink" if texts.iter().any(|t| is_log(t)) => {
                Some("deletes or truncates system logs")
            }
            "journalctl"
                if texts
                    .iter()
                    .any(|t| t.starts_with("--vacuum") || *t == "--rotate") =>
            {
                Some("deletes the system journal")
            }
            "auditctl" if texts.contains(&"-D") || all.contains("-e 0") => {
                Some("switches auditing off")
            }
            "setenforce"
                if texts
                    .first()
                    .is_some_and(|t| *t == "0" || t.eq_ignore_ascii_case("permissive")) =>
            {
                Some("switches SELinux enforcement off")
            }
            "ufw" if texts.contains(&"disable") || texts.contains(&"reset") => {
                Some("disables the firewall")
            }
            "iptables" | "ip6tables" | "nft"
                if texts
                    .iter()
                    .any(|t| matches!(*t, "-F" | "--flush" | "flush"))
                    || all.contains("-P INPUT ACCEPT") =>
            {
                Some("removes firewall rules")
            }
            "pfctl" if texts.contains(&"-d") => Some("disables the packet filter"),
            "spctl" if texts.iter().any(|t| t.contains("disable")) => Some("disables Gatekeeper"),
            "csrutil" if texts.contains(&"disable") => Some("disables System Integrity Protection"),
            "systemctl" | "service" | "launchctl" | "chkconfig" | "update-rc.d" | "rc-service"
            | "pkill" | "killall"
                if stops_security
                    || (matches!(base, "pkill" | "killall")
                        && texts.iter().any(|t| security_units.contains(t))) =>
            {
                Some("stops a logging or security service")
            }
            "aa-teardown" | "aa-disable" => Some("disables AppArmor"),
            "sysctl"
                if all.contains("kernel.randomize_va_space=0")
                    || all.contains("kernel.yama.ptrace_scope=0") =>
            {
                Some("weakens kernel protections")
            }
            _ => None,
        };
        let log_write = a.writes_of(cmd).iter().any(|p| is_log(p))
            && !cmd
                .redirects
                .iter()
                .any(|r| r.op == crate::ir::RedirOp::Append);
        if let Some(msg) = msg.or(log_write.then_some("overwrites system logs")) {
            out.push(at_cmd(a, m, cmd, msg.to_string()));
        }
    }
}
