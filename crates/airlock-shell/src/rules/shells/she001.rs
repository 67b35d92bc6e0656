use crate::analysis::Analysis;
use crate::facts;
use crate::ir::RedirOp;
use crate::rules::{at_cmd, RuleMeta};
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    code: "SHE001",
    name: "shell-through-program",
    category: Category::ShellEscape,
    severity: Severity::High,
    decision: Decision::Ask,
    summary: "A program other than a shell is made to start a shell: a shell path as its argument or option value \
              (`aa-exec /bin/sh`, `vim -c ':!/bin/sh'`, `find . -exec /bin/sh \\;`), or code in its arguments that calls one \
              (`awk 'BEGIN {system(\"/bin/sh\")}'`).",
    why: "Spawning a shell through another binary escapes restrictions placed on shells (allowlists, sudo rules, restricted shells) \
          and hides what runs next from the tool call that a person reviewed.",
    instead: "Run the command you need directly, so it can be judged.",
    references: &["CWE-78", "ATT&CK T1059.004", "GTFOBins"],
    flags: &["expect -c 'spawn /bin/sh; interact'", "vim -c ':!/bin/sh'", "awk 'BEGIN {system(\"/bin/sh\")}'", "setarch $(arch) /bin/sh", "ksu -q -e /bin/bash"],
    passes: &["ls -l /bin/sh", "which bash", "chsh --help", "file /bin/bash", "readlink -f /bin/sh"],
};

const SHELL_PATHS: &[&str] = &[
    "/bin/sh",
    "/bin/bash",
    "/bin/dash",
    "/bin/zsh",
    "/bin/ksh",
    "/bin/csh",
    "/bin/tcsh",
    "/bin/ash",
    "/bin/mksh",
    "/usr/bin/sh",
    "/usr/bin/bash",
    "/usr/bin/zsh",
    "/usr/bin/dash",
    "/bin/busybox",
];

pub fn check(a: &Analysis, m: &RuleMeta, out: &mut Vec<Finding>) {
    for cmd in &a.cmds {
        let Some(base) = cmd.base() else { continue };
        // Content written to a file that something will run later (`echo '/bin/sh' > x; chmod +x x`, a package.json hook).
        if matches!(base, "echo" | "printf" | "cat" | "tee") && !a.writes_of(cmd).is_empty() {
            let body: Vec<&str> = cmd
                .arg_texts()
                .chain(
                    cmd.redirects
                        .iter()
                        .filter(|r| matches!(r.op, RedirOp::HereDoc | RedirOp::HereString))
                        .map(|r| r.target.text()),
                )
                .collect();
            let starts_shell = body
                .iter()
                .flat_map(|b| b.lines())
                .filter(|l| !l.trim_start().starts_with("#!"))
                .any(mentions_shell);
            if starts_shell {
                out.push(at_cmd(
                    a,
                    m,
                    cmd,
                    "writes a file whose content starts a shell".into(),
                ));
            }
            continue;
        }
        if facts::is_shell(base)
            || lookup_only(base)
            || matches!(
                base,
                "echo" | "printf" | "grep" | "sed" | "chsh" | "usermod" | "useradd"
            )
        {
            continue;
        }
        let hit = cmd
            .args
            .iter()
            .chain(cmd.wrapper_args.iter())
            .find(|x| mentions_shell(x.text()));
        if let Some(h) = hit {
            out.push(at_cmd(
                a,
                m,
                cmd,
                format!(
                    "makes `{base}` start a shell (`{}`)",
                    crate::words::snippet(h.text(), 60)
                ),
            ));
        }
    }
}

/// Whether a word names a shell binary as something to run.
fn mentions_shell(t: &str) -> bool {
    let tokens = t.split(|c: char| {
        c.is_whitespace()
            || matches!(
                c,
                '\'' | '"'
                    | '='
                    | ','
                    | '('
                    | ')'
                    | '{'
                    | '}'
                    | ';'
                    | '!'
                    | '`'
                    | ':'
                    | '<'
                    | '>'
                    | '|'
                    | '['
                    | ']'
            )
    });
    tokens
        .into_iter()
        // Every entry holds `/bin/`: most tokens are ruled out by that alone.
        .any(|tok| tok.contains("/bin/") && SHELL_PATHS.iter().any(|s| tok.ends_with(s)))
        || ((t.contains("system(")
            || t.contains("exec(")
            || t.contains("spawn(")
            || t.contains("popen("))
            && (t.contains("\"sh\"")
                || t.contains("'sh'")
                || t.contains("\"bash\"")
                || t.contains("sh -i")))
}

fn lookup_only(base: &str) -> bool {
    matches!(
        base,
        "ls" | "stat"
            | "file"
            | "which"
            | "whereis"
            | "type"
            | "readlink"
            | "realpath"
            | "test"
            | "["
            | "dpkg"
            | "rpm"
            | "ldd"
            | "nm"
            | "objdump"
            | "strings"
            | "sha256sum"
            | "md5sum"
            | "du"
            | "command"
            | "update-alternatives"
    )
}
