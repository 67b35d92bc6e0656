use crate::analysis::{kind, Analysis};
use crate::rules::{at_cmd, util, RuleMeta};
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    code: "SEC004",
    name: "secret-variable-printed",
    category: Category::SecretRead,
    severity: Severity::High,
    decision: Decision::Deny,
    summary: "A secret-named variable (`*_TOKEN`, `*_KEY`, `*SECRET*`, `*PASSWORD*`, ...) is printed into the tool output.",
    why: "Tool output is sent to the model provider: `echo $GITHUB_TOKEN` hands the token over.",
    instead: "Check that it is set without printing it: `test -n \"$GITHUB_TOKEN\" && echo set`.",
    references: &["CWE-532", "CWE-200", "ATT&CK T1552.001"],
    flags: &["echo $GITHUB_TOKEN", "printf '%s' \"$AWS_SECRET_ACCESS_KEY\"", "echo \"key=${OPENAI_API_KEY}\""],
    passes: &["test -n \"$GITHUB_TOKEN\" && echo set", "echo $HOME", "echo ${#API_TOKEN}"],
};

pub fn check(a: &Analysis, m: &RuleMeta, out: &mut Vec<Finding>) {
    for cmd in &a.cmds {
        if !cmd.is(&["echo", "printf", "print", "cat", "tee"]) || !util::prints_to_model(a, cmd) {
            continue;
        }
        let Some(t) = a.output.get(cmd.id) else {
            continue;
        };
        // Only variables named in this command's own words (a length `${#X}` is not the value).
        let named = cmd.args.iter().any(|x| {
            x.vars.iter().any(|v| crate::facts::is_secret_var(v)) && !x.raw.contains("${#")
        });
        if t.kinds & kind::SECRET_VAR != 0 && named {
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
}
