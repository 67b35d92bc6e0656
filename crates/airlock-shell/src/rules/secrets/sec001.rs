use crate::analysis::{kind, Analysis};
use crate::rules::{at_cmd, util, RuleMeta};
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    code: "SEC001",
    name: "credential-read",
    category: Category::SecretRead,
    severity: Severity::High,
    decision: Decision::Deny,
    summary: "A credential file is printed or copied: SSH private keys, `~/.aws/credentials`, `~/.netrc`, `.env` files (not examples), \
              `~/.git-credentials`, `~/.config/gh/hosts.yml`, `~/.docker/config.json`, `~/.kube/config`, `~/.npmrc`, `~/.pypirc`, \
              cloud CLI token stores, keychains and browser cookie or password stores; also keychain dumps (`security find-generic-password -w`).",
    why: "A coding agent sends tool output back to the model provider, so printing a credential hands it to a remote party; \
          copying it stages it for a later upload.",
    instead: "Let programs read their own credentials (`aws`, `gh`, `docker` do). If you must check a file, check that it exists (`test -f`) \
              or list its keys without values.",
    references: &["CWE-522", "CWE-200", "ATT&CK T1552.001", "ATT&CK T1552.004", "ATT&CK T1555"],
    flags: &[
        "cat ~/.ssh/id_rsa",
        "cat .env",
        "head -5 $HOME/.aws/credentials",
        "cp ~/.kube/config /tmp/k",
        "python3 -c 'print(open(\"/root/.git-credentials\").read())'",
        "security find-generic-password -s github -w",
    ],
    passes: &["cat .env.example", "ls -la ~/.ssh", "cat ~/.ssh/id_ed25519.pub", "source .env && npm start", "test -f ~/.aws/credentials && echo ok"],
};

pub fn check(a: &Analysis, m: &RuleMeta, out: &mut Vec<Finding>) {
    for cmd in &a.cmds {
        let Some(base) = cmd.base() else { continue };
        let texts: Vec<&str> = cmd.arg_texts().collect();
        let keychain = (base == "security"
            && texts.iter().any(|t| {
                t.starts_with("find-") && t.ends_with("-password")
                    || *t == "dump-keychain"
                    || *t == "export"
            }))
            || (base == "secret-tool" && texts.first() == Some(&"lookup"))
            || (base == "gpg" && texts.iter().any(|t| t.starts_with("--export-secret")))
            || (base == "pass"
                && texts.first().is_some_and(|t| {
                    *t == "show"
                        || (!t.starts_with('-')
                            && !matches!(
                                *t,
                                "insert"
                                    | "add"
                                    | "generate"
                                    | "edit"
                                    | "rm"
                                    | "remove"
                                    | "mv"
                                    | "cp"
                                    | "git"
                                    | "otp"
                                    | "ls"
                                    | "list"
                                    | "find"
                                    | "search"
                                    | "grep"
                                    | "init"
                                    | "help"
                                    | "version"
                            ))
                }));
        if keychain {
            out.push(at_cmd(
                a,
                m,
                cmd,
                format!("reads stored passwords or secret keys with `{base}`"),
            ));
            continue;
        }
        if matches!(base, "source" | ".") {
            continue;
        }
        let Some(reads) = a.reads.get(cmd.id) else {
            continue;
        };
        if reads.kinds & kind::CREDENTIAL == 0 {
            // A printer echoing a credential that reached it through a substitution or variable.
            let printed = a
                .output
                .get(cmd.id)
                .is_some_and(|o| o.kinds & kind::CREDENTIAL != 0);
            if printed && cmd.is(&["echo", "printf", "print"]) && util::prints_to_model(a, cmd) {
                out.push(at_cmd(
                    a,
                    m,
                    cmd,
                    format!(
                        "prints the credential {}; tool output goes to the model provider",
                        a.output
                            .get(cmd.id)
                            .map(|o| o.describe())
                            .unwrap_or_default()
                    ),
                ));
            }
            continue;
        }
        if cmd.captured {
            // Its output feeds another command; EXF001 judges where it goes.
            continue;
        }
        let what = reads.describe();
        if util::prints_to_model(a, cmd) {
            out.push(at_cmd(
                a,
                m,
                cmd,
                format!(
                    "prints the credential file {what}; tool output goes to the model provider"
                ),
            ));
        } else if cmd.pipe.is_some_and(|p| p.index + 1 < p.len) {
            out.push(at_cmd(
                a,
                m,
                cmd,
                format!("reads the credential file {what} into a pipeline"),
            ));
        } else if !a.writes_of(cmd).is_empty()
            || cmd.is(&["cp", "mv", "tar", "zip", "7z", "rsync", "install", "dd"])
        {
            out.push(at_cmd(
                a,
                m,
                cmd,
                format!("copies the credential file {what} to another place"),
            ));
        } else if !cmd.captured {
            out.push(at_cmd(
                a,
                m,
                cmd,
                format!("reads the credential file {what}"),
            ));
        }
    }
}
