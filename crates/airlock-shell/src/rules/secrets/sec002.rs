use crate::analysis::{kind, Analysis};
use crate::rules::{at_cmd, RuleMeta};
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    code: "SEC002",
    name: "system-secret-read",
    category: Category::SecretRead,
    severity: Severity::Critical,
    decision: Decision::Deny,
    summary: "Any program given a system credential store to read: `/etc/shadow`, `/etc/gshadow`, `/etc/sudoers`, SSH host keys, \
              Kerberos keytabs, process memory (`/proc/PID/mem`, `/dev/mem`, `/proc/kcore`).",
    why: "These hold password hashes and keys for the whole machine. A coding task never needs them; reading them through an \
          unusual program (`rustc /etc/shadow`, `paste /etc/shadow`) is a known way around naive filters.",
    instead: "Nothing in ordinary development reads these files.",
    references: &["CWE-522", "ATT&CK T1003.008", "ATT&CK T1003.007"],
    flags: &["cat /etc/shadow", "paste /etc/shadow", "base64 /etc/shadow | base64 -d", "sudo less /etc/sudoers"],
    passes: &["ls -l /etc/shadow", "cat /etc/hostname", "stat /etc/shadow"],
};

pub fn check(a: &Analysis, m: &RuleMeta, out: &mut Vec<Finding>) {
    for cmd in &a.cmds {
        if let Some(reads) = a.reads.get(cmd.id) {
            if reads.kinds & kind::SYSTEM_SECRET != 0 {
                out.push(at_cmd(
                    a,
                    m,
                    cmd,
                    format!("reads the system secret {}", reads.describe()),
                ));
            }
        }
    }
}
