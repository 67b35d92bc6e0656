use crate::analysis::Analysis;
use crate::rules::{at_span, RuleMeta};
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    code: "OBF001",
    name: "unresolved-command-name",
    category: Category::Obfuscation,
    severity: Severity::Medium,
    decision: Decision::Ask,
    summary: "The program to run is not known until run time: `$CMD args`, `$(get_tool) args`, `\"${ARR[@]}\"`.",
    why: "If the name cannot be known statically, nothing about the command can be judged; attackers assemble names at run time \
          precisely to get past guards.",
    instead: "Name the program literally.",
    references: &["CWE-78", "ATT&CK T1027"],
    flags: &["$CMD -d @/etc/hosts x.example", "$(echo $X) foo", "\"${TOOLS[@]}\" --run"],
    passes: &["ls -la", "X=ls; echo $X", "\"$HOME/bin/tool\" --version"],
};

pub fn check(a: &Analysis, m: &RuleMeta, out: &mut Vec<Finding>) {
    for cmd in &a.cmds {
        if cmd.name.is_none()
            && (!cmd.name_arg.raw.is_empty() || !cmd.name_arg.substitutions.is_empty())
        {
            // "$HOME/bin/x": a path under home with a known program name is still a named program.
            if cmd.name_arg.approx.starts_with('~') && !cmd.name_arg.approx.contains('\u{1}') {
                continue;
            }
            out.push(at_span(
                a,
                m,
                cmd.name_arg.span,
                format!(
                    "runs a program whose name is only known at run time (`{}`)",
                    cmd.name_arg.raw
                ),
            ));
        }
    }
}
