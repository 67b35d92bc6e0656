use crate::analysis::Analysis;
use crate::rules::{at_cmd, RuleMeta};
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    code: "EVA001",
    name: "history-tampering",
    category: Category::Evasion,
    severity: Severity::Medium,
    decision: Decision::Ask,
    summary: "Shell history is cleared, disabled or redirected: `history -c`, `unset HISTFILE`, `HISTFILE=/dev/null`, `HISTSIZE=0`, \
              `set +o history`, deleting or truncating `~/.bash_history`.",
    why: "Honest work has no reason to hide what it ran. Combined with anything else, it marks the command as an attack, \
          so it raises the severity of every other finding.",
    instead: "Leave history alone.",
    references: &["CWE-223", "ATT&CK T1070.003", "ATT&CK T1562.003"],
    flags: &["history -c", "unset HISTFILE", "export HISTFILESIZE=0", "rm ~/.bash_history", "ln -sf /dev/null ~/.bash_history", "set +o history"],
    passes: &["history | tail -5", "echo $HISTFILE", "cat ~/.bash_history | grep cargo"],
};

pub fn check(a: &Analysis, m: &RuleMeta, out: &mut Vec<Finding>) {
    for cmd in &a.cmds {
        let Some(base) = cmd.base() else {
            if cmd.env.iter().any(|(k, v)| hist_var(k, v.text())) {
                out.push(at_cmd(a, m, cmd, "disables shell history".into()));
            }
            continue;
        };
        let texts: Vec<&str> = cmd.arg_texts().collect();
        let touches_history = |t: &str| {
            t.ends_with("_history") || t.ends_with(".history") || t.ends_with("/.zsh_history")
        };
        let hit = match base {
            "history" => texts
                .iter()
                .any(|t| matches!(*t, "-c" | "-w" | "-d" | "-cw")),
            "unset" => texts.iter().any(|t| t.starts_with("HIST")),
            "export" | "declare" | "typeset" => texts
                .iter()
                .any(|t| t.split_once('=').is_some_and(|(k, v)| hist_var(k, v))),
            "set" => texts.windows(2).any(|w| w == ["+o", "history"]),
            "rm" | "shred" | "truncate" | "srm" | "unlink" => {
                texts.iter().any(|t| touches_history(t))
            }
            "ln" => texts.iter().any(|t| touches_history(t)) && texts.contains(&"/dev/null"),
            _ => false,
        } || cmd.env.iter().any(|(k, v)| hist_var(k, v.text()))
            || a.writes_of(cmd).iter().any(|p| {
                touches_history(p)
                    && !cmd
                        .redirects
                        .iter()
                        .any(|r| r.op == crate::ir::RedirOp::Append)
            });
        if hit {
            out.push(at_cmd(a, m, cmd, "clears or disables shell history".into()));
        }
    }
}

fn hist_var(k: &str, v: &str) -> bool {
    matches!(k, "HISTFILE" if v == "/dev/null" || v.is_empty())
        || (matches!(k, "HISTSIZE" | "HISTFILESIZE" | "SAVEHIST") && v == "0")
        || (k == "HISTCONTROL" && (v.contains("ignoreboth") || v.contains("ignorespace")))
}
