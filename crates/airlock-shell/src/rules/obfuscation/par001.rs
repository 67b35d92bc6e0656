use crate::analysis::Analysis;
use crate::lower::Note;
use crate::rules::{at_span, RuleMeta};
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    code: "PAR001",
    name: "unanalysable-input",
    category: Category::Unparseable,
    severity: Severity::Medium,
    decision: Decision::Ask,
    summary: "The command (or a string inside it that would run: `sh -c`, `eval`, a here-document) is not valid shell, or is too large \
              or too deeply nested to follow. (PAR002 is the same finding raised before parsing, for size and nesting limits.)",
    why: "What cannot be parsed cannot be judged, and a shell may still run part of it. airlock fails closed.",
    instead: "Fix the quoting, or split the command into smaller ones.",
    references: &["CWE-20"],
    flags: &["echo 'unterminated", "if true; then echo", "sh -c 'echo \"oops'"],
    passes: &["echo 'terminated'", "if true; then echo ok; fi"],
};

pub fn check(a: &Analysis, m: &RuleMeta, out: &mut Vec<Finding>) {
    for note in &a.notes {
        let (span, msg) = match note {
            Note::ParseError {
                span,
                message,
                depth,
            } => {
                let where_ = if *depth == 0 {
                    "the command"
                } else {
                    "a shell string inside the command"
                };
                (
                    *span,
                    format!("{where_} is not valid shell ({message}); it cannot be judged"),
                )
            }
            Note::Truncated { span, why } => (
                *span,
                format!("the command is too complex to follow ({why})"),
            ),
        };
        let mut f = at_span(a, m, span, msg);
        f.decision = a.ctx.policy.unparseable.max(Decision::Ask);
        out.push(f);
    }
}
