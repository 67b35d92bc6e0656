use crate::analysis::Analysis;
use crate::rules::{at_span, RuleMeta};
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    code: "INT002",
    name: "inline-code-runs-commands",
    category: Category::ShellEscape,
    severity: Severity::Medium,
    decision: Decision::Ask,
    summary: "Inline interpreter code runs operating-system commands (`os.system`, `subprocess`, `child_process`, `system()`, backticks, \
              `Runtime.exec`), or writes files when given as a one-liner.",
    why: "Commands run from inside interpreter code are invisible to shell analysis; this is a standard way to get a shell through an \
          allowed interpreter.",
    instead: "Run the command itself in the shell, where it is analysed.",
    references: &["CWE-78", "ATT&CK T1059"],
    flags: &["python3 -c 'import os; os.system(\"id\")'", "perl -e 'system(\"whoami\")'", "ruby -e 'exec \"/bin/sh\"'", "node -e 'require(\"child_process\").execSync(\"id\")'"],
    passes: &["python3 -c 'print(1+1)'", "perl -ne 'print if /foo/' file.txt", "awk '{print $1}' file.txt"],
};

pub fn check(a: &Analysis, m: &RuleMeta, out: &mut Vec<Finding>) {
    for cmd in &a.cmds {
        let Some((code, f)) = a.code_of(cmd) else {
            continue;
        };
        // Backticks are command execution in perl/ruby/php, template strings in JavaScript.
        let runs = f.runs_commands
            && !(code.lang == "javascript"
                && !code.text.contains("child_process")
                && !code.text.contains("exec"));
        let runs = runs
            && !(code.lang == "awk"
                && !code.text.contains("system(")
                && !code.text.contains("| getline")
                && !code.text.contains("|&"));
        if runs || f.spawns_shell {
            out.push(at_span(
                a,
                m,
                cmd.span,
                format!("{} code runs operating-system commands", code.lang),
            ));
        }
    }
}
