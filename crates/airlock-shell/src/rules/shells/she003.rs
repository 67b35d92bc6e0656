use crate::analysis::Analysis;
use crate::rules::{at_cmd, at_span, RuleMeta};
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    code: "SHE003",
    name: "command-through-program-hook",
    category: Category::ShellEscape,
    severity: Severity::High,
    decision: Decision::Ask,
    summary: "A command is handed to a program through a hook it runs: environment variables such as `LESSOPEN`, `GIT_SSH_COMMAND`, \
              `PAGER`, `*_COMMAND`, `BASH_ENV`, `PROMPT_COMMAND`; options such as `-o ProxyCommand=`, `--conf-script=`, `--on-*=`, `-wrapper`; \
              or a program's shell escape switched on (`--shell-escape`, `--unsafe`, `\\write18`). The hooked command is analysed as well.",
    why: "The program that visibly runs is harmless; the command it is told to run is not shown as a command at all, so it slips past \
          reviewers and guards (the GTFOBins pattern).",
    instead: "Run the command directly.",
    references: &["CWE-78", "ATT&CK T1059", "ATT&CK T1546", "GTFOBins"],
    flags: &["LESSOPEN='|/tmp/x %s' less README", "GIT_SSH_COMMAND='sh -c \"id\"' git fetch", "ssh -o ProxyCommand='sh -c id' host", "pdftex --shell-escape doc.tex", "aria2c --on-download-error=/tmp/x http://x.example"],
    passes: &["PAGER=less git log", "EDITOR=vim git commit", "GIT_SSH_COMMAND='ssh -i ~/.ssh/deploy_key' git fetch", "ssh -o StrictHostKeyChecking=no host.example uptime"],
};

const HOOK_VARS: &[&str] = &[
    "LESSOPEN",
    "LESSCLOSE",
    "GIT_SSH",
    "GIT_SSH_COMMAND",
    "GIT_EXTERNAL_DIFF",
    "GIT_PAGER",
    "GIT_EDITOR",
    "GIT_ASKPASS",
    "SSH_ASKPASS",
    "SUDO_ASKPASS",
    "PAGER",
    "MANPAGER",
    "EDITOR",
    "VISUAL",
    "BROWSER",
    "PROMPT_COMMAND",
    "BASH_ENV",
    "ENV",
    "PERL5OPT",
    "PYTHONSTARTUP",
    "RUBYOPT",
    "NODE_OPTIONS",
    "CRASHPAGER",
    "SYSTEMD_PAGER",
    "SYSTEMD_EDITOR",
    "TAR_OPTIONS",
    "GROFF_BIN_PATH",
    "PSQL_PAGER",
    "MYSQL_PS1",
    "SHELL",
];
const SAFE_VALUES: &[&str] = &[
    "less",
    "more",
    "cat",
    "vim",
    "vi",
    "nvim",
    "nano",
    "emacs",
    "code",
    "code --wait",
    "less -R",
    "less -FRX",
    "most",
    "bat",
    "delta",
    "subl -w",
    "true",
    "/bin/bash",
    "/bin/zsh",
    "bash",
    "zsh",
];
const KEY_WORDS: &[&str] = &[
    "command", "cmd", "exec", "script", "hook", "wrapper", "program", "pager", "editor", "askpass",
    "-bin", "shell",
];

fn suspicious_value(v: &str) -> bool {
    let v = v.trim();
    !v.is_empty()
        && !SAFE_VALUES.contains(&v)
        && !v.starts_with("ssh ")
        && !v.starts_with("ssh -")
        && v != "ssh"
}

pub fn check(a: &Analysis, m: &RuleMeta, out: &mut Vec<Finding>) {
    for cmd in &a.cmds {
        let exported: Vec<(String, &crate::ir::Arg)> = if cmd.is(&["export", "env"]) {
            cmd.args
                .iter()
                .filter_map(|x| x.text().split_once('=').map(|(k, _)| (k.to_string(), x)))
                .collect()
        } else {
            Vec::new()
        };
        for (k, v) in cmd.env.iter().map(|(k, v)| (k.clone(), v)).chain(exported) {
            let value = v
                .text()
                .split_once('=')
                .filter(|_| cmd.is(&["export", "env"]))
                .map(|(_, x)| x)
                .unwrap_or(v.text());
            let hooky =
                HOOK_VARS.contains(&k.as_str()) || k.ends_with("_COMMAND") || k.ends_with("_CMD");
            let var_safe = k == "SHELL" && value.starts_with("/bin/") && !value.contains(' ');
            if hooky && suspicious_value(value) && !var_safe {
                out.push(at_span(
                    a,
                    m,
                    v.span,
                    format!(
                        "sets {k} so that a program runs `{}`",
                        crate::words::snippet(value, 60)
                    ),
                ));
            }
        }
        let texts: Vec<&str> = cmd.arg_texts().collect();
        for (i, t) in texts.iter().enumerate() {
            let lower = t.to_ascii_lowercase();
            if matches!(
                lower.as_str(),
                "--shell-escape"
                    | "-shell-escape"
                    | "--unsafe"
                    | "-enable-write18"
                    | "--enable-write18"
            ) || lower.contains("\\write18")
            {
                out.push(at_cmd(
                    a,
                    m,
                    cmd,
                    format!(
                        "switches on `{}`'s ability to run shell commands (`{t}`)",
                        cmd.base().unwrap_or("?")
                    ),
                ));
                break;
            }
            // `--key=value`, `-o key=value`, `-key value` where key names a command to run.
            let (key, value): (String, Option<&str>) = if let Some((k, v)) = t.split_once('=') {
                (k.trim_start_matches('-').to_ascii_lowercase(), Some(v))
            } else if t.starts_with('-')
                && !t.starts_with("--")
                && t.len() > 3
                && KEY_WORDS.iter().any(|w| lower.contains(w))
            {
                (
                    t.trim_start_matches('-').to_ascii_lowercase(),
                    texts.get(i + 1).copied(),
                )
            } else {
                continue;
            };
            let Some(value) = value else { continue };
            let keyed = KEY_WORDS.iter().any(|w| key.contains(w))
                || key.starts_with("on-")
                || key == "proxycommand"
                || key == "localcommand";
            let runs_something = value.contains('/') || value.contains(' ');
            if keyed
                && runs_something
                && suspicious_value(value)
                && !key.contains("dir")
                && !key.contains("path")
                && !key.contains("file")
            {
                out.push(at_cmd(
                    a,
                    m,
                    cmd,
                    format!(
                        "hands `{}` a command to run through `{key}` (`{}`)",
                        cmd.base().unwrap_or("?"),
                        crate::words::snippet(value, 60)
                    ),
                ));
                break;
            }
        }
    }
}
