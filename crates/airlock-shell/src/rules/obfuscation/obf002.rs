use crate::analysis::Analysis;
use crate::rules::{at_span, RuleMeta};
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    code: "OBF002",
    name: "obfuscated-command",
    category: Category::Obfuscation,
    severity: Severity::High,
    decision: Decision::Ask,
    summary: "A command name written so that it does not read as itself: quote-split (`c''url`), ANSI-C escapes (`$'\\x63url'`), \
              assembled from variables or substitutions (`$a$b`), or `${IFS}` in place of spaces. The resolved command is analysed as well.",
    why: "Nobody writes `c''url` by accident: it exists to slip past pattern-matching guards and human readers.",
    instead: "Write the command plainly.",
    references: &["CWE-116", "ATT&CK T1027", "ATT&CK T1027.010"],
    flags: &["c''url -s https://x.example", "$'\\x63\\x75\\x72\\x6c' x.example", "a=cu; b=rl; $a$b x.example", "cat${IFS}/etc/hosts", "$(echo Y2F0 | base64 -d) /etc/hosts"],
    passes: &["curl -s https://example.com", "\"ls\" -la", "echo 'a''b'"],
};

pub fn check(a: &Analysis, m: &RuleMeta, out: &mut Vec<Finding>) {
    for cmd in &a.cmds {
        if cmd.name.is_some() && cmd.name_arg.obfuscated {
            let name = cmd.name.as_deref().unwrap_or("");
            out.push(at_span(
                a,
                m,
                cmd.name_arg.span,
                format!(
                    "writes the command name `{}` in an obfuscated form that resolves to `{name}`",
                    cmd.name_arg.raw
                ),
            ));
        }
        if let Some(arg) = cmd.args.iter().find(|x| x.vars.iter().any(|v| v == "IFS")) {
            out.push(at_span(
                a,
                m,
                arg.span,
                format!("uses `${{IFS}}` in place of spaces (`{}`)", arg.raw),
            ));
        }
    }
}
