use crate::analysis::Analysis;
use crate::facts::Persist;
use crate::rules::{at_cmd, RuleMeta};
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    code: "PER003",
    name: "ssh-access-planted",
    category: Category::Persistence,
    severity: Severity::Critical,
    decision: Decision::Deny,
    summary: "`~/.ssh/authorized_keys`, `~/.ssh/rc` or `sshd_config` is written.",
    why: "A key added to authorized_keys gives its owner a login on this machine that survives every reboot and password change.",
    instead: "Add SSH keys yourself, by hand, after checking whose they are.",
    references: &["CWE-284", "ATT&CK T1098.004"],
    flags: &["echo 'ssh-ed25519 AAAA attacker' >> ~/.ssh/authorized_keys", "cp key.pub /root/.ssh/authorized_keys", "sed -i 's/PermitRootLogin no/PermitRootLogin yes/' /etc/ssh/sshd_config"],
    passes: &["cat ~/.ssh/authorized_keys", "ssh-keygen -t ed25519 -f ./deploy_key -N ''", "ssh-copy-id user@host.example"],
};

pub fn check(a: &Analysis, m: &RuleMeta, out: &mut Vec<Finding>) {
    for (cmd, path) in super::writes_to(a, &[Persist::AuthorizedKeys]) {
        out.push(at_cmd(
            a,
            m,
            cmd,
            format!("writes {path}, granting remote access to this machine"),
        ));
    }
}
