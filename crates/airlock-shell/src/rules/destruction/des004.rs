use crate::analysis::Analysis;
use crate::rules::{at_cmd, RuleMeta};
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    code: "DES004",
    name: "system-disruption",
    category: Category::Destruction,
    severity: Severity::High,
    decision: Decision::Deny,
    summary: "The system is shut down or rebooted, every process is killed, a fork bomb is defined, or the kernel's SysRq trigger is written; \
              stopping services asks.",
    why: "These take the machine, and everyone's work on it, down; a development task never needs them.",
    instead: "Restart only the development process you started.",
    references: &["CWE-400", "ATT&CK T1529", "ATT&CK T1489"],
    flags: &["shutdown -h now", "reboot", "kill -9 -1", ":(){ :|:& };:", "echo b > /proc/sysrq-trigger", "systemctl poweroff", "halt -r"],
    passes: &["kill -9 12345", "shutdown --help", "systemctl status", "pkill -f 'node server.js'"],
};

pub fn check(a: &Analysis, m: &RuleMeta, out: &mut Vec<Finding>) {
    for cmd in &a.cmds {
        let Some(base) = cmd.base() else { continue };
        let texts: Vec<&str> = cmd.arg_texts().collect();
        let help = texts.iter().any(|t| matches!(*t, "--help" | "--version"));
        let mut ask = false;
        let hit = match base {
            "shutdown" | "reboot" | "halt" | "poweroff" | "kexec" => !help,
            "init" | "telinit" => texts
                .first()
                .is_some_and(|t| matches!(*t, "0" | "6" | "1" | "s" | "S")),
            "systemctl" => {
                if texts.iter().any(|t| {
                    matches!(
                        *t,
                        "poweroff"
                            | "reboot"
                            | "halt"
                            | "kexec"
                            | "suspend"
                            | "hibernate"
                            | "rescue"
                            | "emergency"
                    )
                }) {
                    true
                } else {
                    ask = texts
                        .iter()
                        .any(|t| matches!(*t, "stop" | "mask" | "disable" | "kill"))
                        && !texts.contains(&"--user");
                    ask
                }
            }
            "service" => {
                ask = texts.contains(&"stop");
                ask
            }
            "kill" | "pkill" | "killall" => {
                texts.iter().any(|t| *t == "-1" || *t == "1")
                    && texts.iter().any(|t| t.starts_with('-'))
                    && texts.last() == Some(&"-1")
                    || (base == "kill" && texts.last() == Some(&"1"))
            }
            "killall5" => true,
            _ => false,
        };
        let sysrq = a.writes_of(cmd).iter().any(|p| {
            p.starts_with("/proc/sysrq-trigger") || p.starts_with("/proc/sys/kernel/sysrq")
        });
        if hit || sysrq {
            let mut f = at_cmd(
                a,
                m,
                cmd,
                format!("disrupts the running system with `{base}`"),
            );
            if ask && !sysrq {
                f.decision = Decision::Ask;
                f.message = format!("stops system services with `{base}`");
            }
            out.push(f);
        }
    }
    // Fork bomb: a function whose body pipes itself into itself in the background.
    for cmd in &a.cmds {
        if cmd.origin == crate::ir::Origin::Function && cmd.background && cmd.pipe.is_some() {
            if let Some(name) = cmd.base() {
                let again = a
                    .cmds
                    .iter()
                    .filter(|c| c.base() == Some(name) && c.origin == crate::ir::Origin::Function)
                    .count()
                    >= 2;
                if again {
                    out.push(at_cmd(
                        a,
                        m,
                        cmd,
                        format!(
                            "defines a fork bomb: `{name}` spawns copies of itself without end"
                        ),
                    ));
                    break;
                }
            }
        }
    }
}
