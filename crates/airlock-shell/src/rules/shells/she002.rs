use crate::analysis::Analysis;
use crate::facts;
use crate::ir::Origin;
use crate::rules::{at_cmd, RuleMeta};
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    code: "SHE002",
    name: "interactive-shell",
    category: Category::ShellEscape,
    severity: Severity::Medium,
    decision: Decision::Ask,
    summary: "An interactive shell or language REPL is started with no script or command (`bash`, `sh -i`, `sudo -s`, `script -q /dev/null`, \
              `python`, `pwsh`, `jshell`).",
    why: "An agent's tool call has no person at a terminal. An interactive shell started from one reads whatever input follows, \
          which is how restrictions are escaped (the GTFOBins pattern); what it runs is never shown for review.",
    instead: "Pass the commands explicitly: `bash -c '...'` or a script file, so they can be judged.",
    references: &["ATT&CK T1059", "GTFOBins"],
    flags: &["bash", "sh -i", "sudo -s", "script -q /dev/null", "pwsh", "python3"],
    passes: &["bash build.sh", "sh -c 'make test'", "python3 -m pytest", "script -q -c 'make' log.txt", "node server.js"],
};

pub fn check(a: &Analysis, m: &RuleMeta, out: &mut Vec<Finding>) {
    for cmd in &a.cmds {
        let Some(base) = cmd.base() else { continue };
        if cmd.origin == Origin::Decoded || cmd.pipe.is_some_and(|p| p.index > 0) || cmd.captured {
            continue;
        }
        // Input from the terminal (`</dev/tty`, `<$(tty)`) is still interactive.
        if cmd.redirects.iter().any(|r| {
            r.is_input()
                && !(r.target.text().contains("/dev/tty")
                    || r.target.text().contains("/dev/pts")
                    || r.target.approx.contains('\u{1}'))
        }) {
            continue;
        }
        let texts: Vec<&str> = cmd.arg_texts().collect();
        let operands = texts.iter().any(|t| !t.starts_with('-') && *t != "\u{1}");
        let interactive_flag = texts.iter().any(|t| {
            *t == "-i"
                || *t == "--interactive"
                || (t.starts_with('-')
                    && !t.starts_with("--")
                    && t.len() > 1
                    && t.contains('i')
                    && facts::is_shell(base))
        });
        let code_flag = texts.iter().any(|t| {
            matches!(
                *t,
                "-c" | "-e"
                    | "-E"
                    | "-m"
                    | "-r"
                    | "--eval"
                    | "--command"
                    | "-Command"
                    | "-File"
                    | "--version"
                    | "-V"
                    | "--help"
                    | "-h"
            ) || (t.starts_with('-') && t.ends_with('c') && !t.starts_with("--"))
        });
        let repl = facts::is_shell(base)
            || matches!(
                facts::interpreter_lang(base),
                Some("python" | "javascript" | "ruby" | "lua" | "r" | "java" | "tcl")
            )
            || matches!(
                base,
                "irb"
                    | "ghci"
                    | "sqlite3"
                    | "php"
                    | "perl"
                    | "gdb"
                    | "scala"
                    | "clojure"
                    | "erl"
                    | "iex"
                    | "ipython"
                    | "bpython"
            );
        let script = base == "script"
            && !texts
                .iter()
                .any(|t| *t == "-c" || t.starts_with("--command"));
        let switch_user = matches!(base, "su" | "ksu" | "newgrp" | "sg" | "login")
            && !texts.iter().any(|t| {
                *t == "-c" || *t == "--command" || t.starts_with("--command=") || *t == "-e"
            });
        let multiplexer = match base {
            "tmux" | "byobu" => {
                texts.iter().filter(|t| !t.starts_with('-')).all(|t| {
                    matches!(
                        *t,
                        "new" | "new-session" | "attach" | "a" | "attach-session"
                    ) || t.starts_with('/')
                }) && !texts.contains(&"-d")
            }
            "screen" => !texts.iter().any(|t| {
                *t == "-ls"
                    || *t == "-list"
                    || *t == "-d"
                    || *t == "-dm"
                    || *t == "-r"
                    || *t == "-x"
            }),
            "capsh" => {
                texts.last().is_some_and(|t| *t == "--")
                    || texts.iter().any(|t| t.starts_with("--shell"))
            }
            "ranger" | "mc" | "nnn" | "vifm" | "lf" | "minicom" | "picocom" | "cu" | "mutt"
            | "neomutt" | "ed" | "ex" | "busybox" => {
                !texts
                    .iter()
                    .any(|t| matches!(*t, "--help" | "-h" | "--version" | "-V"))
                    && (base != "ed" || !texts.contains(&"-s"))
            }
            "ftp" | "telnet" | "sftp" | "tftp" => texts.is_empty(),
            "vi" | "vim" | "nvim" | "emacs" | "nano" => texts.is_empty(),
            _ => false,
        };
        if switch_user || multiplexer {
            out.push(at_cmd(
                a,
                m,
                cmd,
                format!(
                    "starts an interactive `{base}` session that reads commands nobody reviewed"
                ),
            ));
            continue;
        }
        let reads_stdin = !(operands || code_flag || interactive_flag || matches!(base, "perl" | "php" | "sqlite3" | "gdb"));
        if (repl && reads_stdin) || (repl && interactive_flag && !code_flag) || script
        {
            out.push(at_cmd(
                a,
                m,
                cmd,
                format!("starts an interactive `{base}` that reads commands nobody reviewed"),
            ));
        }
    }
}
