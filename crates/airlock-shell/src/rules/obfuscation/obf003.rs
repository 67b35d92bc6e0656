use crate::analysis::Analysis;
use crate::facts;
use crate::rules::{at_cmd, util, RuleMeta};
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    code: "OBF003",
    name: "dynamic-code-execution",
    category: Category::Obfuscation,
    severity: Severity::Medium,
    decision: Decision::Ask,
    summary: "`eval`, `source`, `sh -c` or a shell fed through a pipe runs text that is only known at run time (the output of another \
              command, a variable), other than the usual environment set-up tools (`ssh-agent`, `pyenv init`, `direnv hook`, ...).",
    why: "Code built at run time cannot be judged before it runs.",
    instead: "Run the commands themselves, or save the generated script to a file and review it.",
    references: &["CWE-95", "ATT&CK T1059.004"],
    flags: &["eval \"$(cat /tmp/cmds)\"", "sh -c \"$PAYLOAD\"", "cat script.txt | bash", "eval $X"],
    passes: &["eval \"$(ssh-agent -s)\"", "eval \"$(pyenv init -)\"", "sh -c 'make && make test'", "bash scripts/build.sh"],
};

const ENV_SETUP: &[&str] = &[
    "ssh-agent",
    "pyenv",
    "rbenv",
    "nodenv",
    "goenv",
    "direnv",
    "opam",
    "brew",
    "conda",
    "fnm",
    "starship",
    "zoxide",
    "thefuck",
    "dircolors",
    "keychain",
    "gpg-agent",
    "luarocks",
    "mise",
    "rtx",
    "asdf",
    "jenv",
    "pdm",
    "poetry",
    "gh",
    "kubectl",
    "minikube",
    "docker-machine",
    "register-python-argcomplete",
    "rustup",
    "uv",
    "atuin",
    "fzf",
    "mcfly",
    "navi",
    "hub",
    "nvm",
    "sdkman",
    "pipenv",
    "phpenv",
    "plenv",
    "exenv",
    "scmpuff",
    "aws_completer",
    "helm",
    "terraform",
];

pub fn check(a: &Analysis, m: &RuleMeta, out: &mut Vec<Finding>) {
    for exe in crate::rules::rce::executors(a) {
        let base = exe.base().unwrap_or("");
        let fed: Vec<usize> = util::feeders(a, exe);
        let feeders: Vec<&crate::ir::Cmd> = fed.iter().filter_map(|i| a.cmds.get(*i)).collect();
        // Downloads and decoders are RCE001/RCE003's; set-up tools are fine; static payloads were re-parsed.
        if feeders
            .iter()
            .any(|c| util::is_downloader(c) || util::is_decoder(c))
        {
            continue;
        }
        if !feeders.is_empty()
            && feeders
                .iter()
                .all(|c| c.base().is_some_and(|b| ENV_SETUP.contains(&b)))
        {
            continue;
        }
        let dynamic_args = exe.args.iter().any(|x| x.value.is_none());
        let piped = exe.pipe.is_some_and(|p| p.index > 0) && util::executes_stdin(exe);
        let static_pipe = piped
            && feeders.iter().all(|c| {
                c.is(&["echo", "printf", "cat"])
                    && c.args.iter().all(|x| x.value.is_some())
                    && !c.is(&["cat"])
            });
        let runs_dynamic = match base {
            "eval" => dynamic_args,
            "source" | "." => exe
                .args
                .first()
                .is_some_and(|x| x.value.is_none() || x.text() == "/dev/stdin"),
            _ if facts::is_shell(base) || facts::interpreter_lang(base).is_some() => {
                (piped && !static_pipe)
                    || (dynamic_args
                        && exe
                            .args
                            .iter()
                            .any(|x| !x.substitutions.is_empty() || !x.vars.is_empty())
                        && exe.arg_texts().any(|t| t == "-c" || t == "-e"))
            }
            _ => false,
        };
        if runs_dynamic {
            out.push(at_cmd(
                a,
                m,
                exe,
                format!("`{base}` runs code that is only known at run time"),
            ));
        }
    }
}
