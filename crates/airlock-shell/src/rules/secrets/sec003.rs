use crate::analysis::{kind, Analysis};
use crate::rules::{at_cmd, util, RuleMeta};
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    code: "SEC003",
    name: "environment-dump",
    category: Category::SecretRead,
    severity: Severity::Medium,
    decision: Decision::Ask,
    summary: "The whole environment is printed into the tool output (`env`, `printenv`, `set`, `export -p`, `/proc/*/environ`, \
              interpreter code printing `os.environ`/`process.env`).",
    why: "Environments hold API keys and tokens. Tool output goes back to the model provider, so dumping the environment \
          shares every secret in it.",
    instead: "Print the one variable you need (`printenv PATH`) or filter names only (`env | cut -d= -f1`).",
    references: &["CWE-526", "ATT&CK T1082"],
    flags: &["env", "printenv", "export -p", "cat /proc/self/environ", "node -e 'console.log(process.env)'"],
    passes: &["printenv PATH", "env | grep -c .", "env FOO=1 make", "echo $HOME"],
};

pub fn check(a: &Analysis, m: &RuleMeta, out: &mut Vec<Finding>) {
    for cmd in &a.cmds {
        let Some(t) = a.output.get(cmd.id) else {
            continue;
        };
        if t.kinds & kind::ENV == 0 || !util::prints_to_model(a, cmd) {
            continue;
        }
        // `env | cut -d= -f1`, `env | wc -l`, `env | grep -c`: names or counts only.
        if cmd.is(&["wc", "cut"])
            || (cmd.is(&["grep", "rg"])
                && cmd
                    .arg_texts()
                    .any(|x| x == "-c" || x == "-q" || x == "--count"))
        {
            continue;
        }
        if cmd.is(&["grep", "egrep", "rg"]) && cmd.pipe.is_some() {
            // Filtering the environment to named variables: still secrets if the pattern names one.
            let pattern = cmd.arg_texts().find(|x| !x.starts_with('-')).unwrap_or("");
            if !crate::facts::is_secret_var(pattern.trim_start_matches('^').trim_end_matches('=')) {
                continue;
            }
        }
        out.push(at_cmd(
            a,
            m,
            cmd,
            format!(
                "prints {} into the tool output, which goes to the model provider",
                t.describe()
            ),
        ));
    }
}
