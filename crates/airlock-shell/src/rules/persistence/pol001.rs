use crate::analysis::Analysis;
use crate::facts::Persist;
use crate::rules::{at_cmd, RuleMeta};
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    code: "POL001",
    name: "guard-settings-tampering",
    category: Category::Policy,
    severity: Severity::Critical,
    decision: Decision::Deny,
    summary: "airlock's own policy (`airlock.toml`, `/etc/airlock`) or an agent's hook settings (`.claude/settings*.json`, \
              `/etc/claude-code`, `~/.codex/hooks.json`, `/etc/codex`, `.gemini/settings.json`) is written by the model.",
    why: "A model that can edit the guard's configuration can switch the guard off and then do what it was stopped from doing.",
    instead: "Change policy yourself, outside the agent.",
    references: &["CWE-284", "ATT&CK T1562.001"],
    flags: &["echo '[rules]\nEXF001 = \"off\"' > airlock.toml", "rm -f .claude/settings.json", "sed -i 's/airlock//' ~/.codex/hooks.json"],
    passes: &["cat airlock.toml", "airlock rules", "grep hooks .claude/settings.json"],
};

pub fn check(a: &Analysis, m: &RuleMeta, out: &mut Vec<Finding>) {
    for (cmd, path) in super::writes_to(a, &[Persist::AgentPolicy]) {
        out.push(at_cmd(
            a,
            m,
            cmd,
            format!("modifies {path}, the guard's own configuration"),
        ));
    }
    for cmd in &a.cmds {
        if cmd.is(&["rm", "unlink", "shred", "mv", "truncate"]) {
            if let Some(x) = cmd
                .args
                .iter()
                .find(|x| crate::facts::persistence_path(x.text()) == Some(Persist::AgentPolicy))
            {
                out.push(at_cmd(
                    a,
                    m,
                    cmd,
                    format!(
                        "removes or moves {}, the guard's own configuration",
                        x.text()
                    ),
                ));
            }
        }
    }
}
