use crate::analysis::{kind, Analysis};
use crate::rules::{at_cmd, RuleMeta};
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    code: "SEC005",
    name: "account-database-read",
    category: Category::SecretRead,
    severity: Severity::Low,
    decision: Decision::Ask,
    summary: "The account database is read: `/etc/passwd`, `/etc/group`, password policy files.",
    why: "Listing accounts is the first step of credential access and privilege escalation; a coding task seldom needs it.",
    instead: "Use `id` or `whoami` for the current user.",
    references: &["ATT&CK T1087.001", "ATT&CK T1003.008"],
    flags: &["cat /etc/passwd", "cut -d: -f1 /etc/passwd", "grep root /etc/group"],
    passes: &["id", "whoami", "getent hosts example.com"],
};

pub fn check(a: &Analysis, m: &RuleMeta, out: &mut Vec<Finding>) {
    for cmd in &a.cmds {
        if let Some(reads) = a.reads.get(cmd.id) {
            if reads.kinds & kind::ACCOUNTS != 0 {
                out.push(at_cmd(
                    a,
                    m,
                    cmd,
                    format!("reads the account database {}", reads.describe()),
                ));
            }
        }
    }
}
