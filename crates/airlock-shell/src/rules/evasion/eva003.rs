use crate::analysis::Analysis;
use crate::rules::{at_cmd, RuleMeta};
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    code: "EVA003",
    name: "hiding-or-timestomping",
    category: Category::Evasion,
    severity: Severity::Medium,
    decision: Decision::Ask,
    summary: "Files are hidden or made immutable (`chattr +i`, `chflags hidden`/`uchg`, `setfile -a V`) or their timestamps are forged \
              (`touch -r`/`-t`/`-d` on files outside the project), or a file is padded with junk bytes to change its hash \
              (`dd if=/dev/zero >> FILE`).",
    why: "Hiding files and forging their times defeats the person and the tools that look for what changed.",
    instead: "Leave file attributes and times to the build tools.",
    references: &["ATT&CK T1564.001", "ATT&CK T1070.006", "ATT&CK T1222.002", "ATT&CK T1027.001"],
    flags: &["chattr +i /etc/resolv.conf", "chflags hidden /tmp/x", "setfile -a V /tmp/evil", "touch -r /bin/ls /usr/local/bin/x", "dd if=/dev/urandom bs=1 count=1 >> ./bin/tool"],
    passes: &["touch README.md", "lsattr file", "chattr -i ./build/out", "touch -d '2 hours ago' ./test/fixture.txt", "dd if=/dev/zero of=disk.img bs=1M count=4"],
};

pub fn check(a: &Analysis, m: &RuleMeta, out: &mut Vec<Finding>) {
    for cmd in &a.cmds {
        let Some(base) = cmd.base() else { continue };
        let texts: Vec<&str> = cmd.arg_texts().collect();
        let outside = texts
            .iter()
            .filter(|t| !t.starts_with('-'))
            .any(|t| t.starts_with('/') || t.starts_with('~'));
        let hit = match base {
            "chattr" => texts
                .iter()
                .any(|t| t.starts_with('+') && (t.contains('i') || t.contains('a'))),
            "chflags" => texts
                .iter()
                .any(|t| matches!(*t, "hidden" | "uchg" | "schg" | "uappnd")),
            "setfile" | "SetFile" => texts.iter().any(|t| t.contains('V') || t.contains('I')),
            "touch" => {
                outside
                    && texts.iter().any(|t| {
                        matches!(*t, "-r" | "-t" | "-d" | "--reference" | "--date")
                            || t.starts_with("--reference=")
                            || t.starts_with("--date=")
                            || (t.starts_with('-')
                                && !t.starts_with("--")
                                && (t.contains('r') || t.contains('t')))
                    })
            }
            _ => false,
        };
        if hit {
            out.push(at_cmd(
                a,
                m,
                cmd,
                format!("hides files or forges their timestamps with `{base}`"),
            ));
        } else if pads(cmd) {
            out.push(at_cmd(
                a,
                m,
                cmd,
                "appends junk bytes to a file, changing its hash (binary padding)".into(),
            ));
        }
    }
}

/// `dd if=/dev/zero|random|urandom` whose output is appended to a file.
fn pads(cmd: &crate::ir::Cmd) -> bool {
    cmd.base() == Some("dd")
        && cmd
            .arg_texts()
            .any(|t| matches!(t, "if=/dev/zero" | "if=/dev/random" | "if=/dev/urandom"))
        && (cmd.arg_texts().any(|t| t == "oflag=append")
            || cmd.redirects.iter().any(|r| {
                r.op == crate::ir::RedirOp::Append
                    && r.fd.unwrap_or(1) == 1
                    && r.target.text() != "/dev/null"
            }))
}
