use crate::analysis::Analysis;
use crate::rules::{at_cmd, RuleMeta};
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    code: "PRV002",
    name: "setuid-capability-or-account-change",
    category: Category::Privilege,
    severity: Severity::High,
    decision: Decision::Ask,
    summary: "A file gets the setuid/setgid bit or file capabilities (`chmod u+s`, `chmod 4755`, `setcap`), or an account is created, \
              changed or given a password (`useradd`, `usermod -aG sudo`, `passwd`, `chpasswd`, `dscl . -create`).",
    why: "A setuid binary or a new account is a lasting way back in with more privileges than the agent had.",
    instead: "Leave system accounts and privileged binaries to an administrator.",
    references: &["CWE-250", "ATT&CK T1548.001", "ATT&CK T1136.001", "ATT&CK T1098"],
    flags: &["chmod u+s /tmp/sh", "chmod 4755 ./helper", "setcap cap_setuid+ep /usr/bin/python3", "useradd -m -G sudo backup", "echo 'root:x' | chpasswd"],
    passes: &["chmod +x build.sh", "chmod 644 README.md", "chmod -R u+rw src", "getcap /usr/bin/ping", "id"],
};

pub fn check(a: &Analysis, m: &RuleMeta, out: &mut Vec<Finding>) {
    for cmd in &a.cmds {
        let Some(base) = cmd.base() else { continue };
        let texts: Vec<&str> = cmd.arg_texts().collect();
        let msg = match base {
            "chmod" | "install" => {
                let mode = if base == "install" {
                    cmd.option_value(&["-m", "--mode"]).map(|x| x.text())
                } else {
                    texts
                        .iter()
                        .find(|t| !t.starts_with('-') || t.contains('s'))
                        .copied()
                };
                mode.filter(|md| {
                    let numeric = md.len() == 4
                        && md.chars().all(|c| c.is_ascii_digit())
                        && md
                            .chars()
                            .next()
                            .is_some_and(|c| matches!(c, '2' | '4' | '6' | '7'));
                    numeric
                        || (md.contains('+')
                            && md.split('+').nth(1).is_some_and(|p| p.contains('s')))
                })
                .map(|md| format!("sets the setuid/setgid bit (`{md}`)"))
            }
            "setcap" => (!texts.iter().any(|t| *t == "-r" || *t == "-v"))
                .then(|| "grants file capabilities with `setcap`".to_string()),
            "useradd" | "adduser" | "usermod" | "userdel" | "groupadd" | "groupmod" | "gpasswd"
            | "passwd" | "chpasswd" | "newusers" | "chsh" | "vipw" | "visudo" => (!texts
                .iter()
                .any(|t| matches!(*t, "--help" | "-S" | "--status")))
            .then(|| format!("changes system accounts with `{base}`")),
            "pw" if texts
                .first()
                .is_some_and(|t| t.starts_with("user") || t.starts_with("group")) =>
            {
                Some("changes system accounts with `pw`".to_string())
            }
            "find"
                if texts.iter().any(|t| {
                    matches!(
                        *t,
                        "-4000"
                            | "-2000"
                            | "-6000"
                            | "-u=s"
                            | "-g=s"
                            | "/4000"
                            | "/2000"
                            | "/6000"
                            | "/u=s"
                    )
                }) =>
            {
                Some("looks for setuid/setgid programs (a privilege-escalation search)".to_string())
            }
            "sysadminctl" => texts
                .iter()
                .any(|t| t.to_ascii_lowercase().contains("user"))
                .then(|| "changes system accounts with `sysadminctl`".to_string()),
            "ldapadd" | "ldapmodify" => Some(format!("changes directory accounts with `{base}`")),
            "dscl" => texts
                .iter()
                .any(|t| {
                    t.contains("create")
                        || t.contains("addUser")
                        || t.contains("append")
                        || t.contains("passwd")
                })
                .then(|| format!("changes system accounts with `{base}`")),
            _ => None,
        };
        if let Some(msg) = msg {
            out.push(at_cmd(a, m, cmd, msg));
        }
        for (c, path) in
            crate::rules::persistence::writes_to_one(a, cmd, &[crate::facts::Persist::Auth])
        {
            let mut f = at_cmd(
                a,
                m,
                c,
                format!("modifies {path}, which controls who can log in or become root"),
            );
            f.decision = Decision::Deny;
            f.severity = Severity::Critical;
            out.push(f);
        }
    }
}
