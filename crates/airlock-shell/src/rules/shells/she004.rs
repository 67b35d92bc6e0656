use crate::analysis::Analysis;
use crate::ir::Cmd;
use crate::rules::{at_cmd, RuleMeta};
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    code: "SHE004",
    name: "program-feature-abuse",
    category: Category::ShellEscape,
    severity: Severity::Medium,
    decision: Decision::Ask,
    summary: "A program is told, through one of its own options, to run another program or to reach files it is not meant to: \
              a table of programs and the options that do this (`tar -I PROG`, `zip -TT CMD`, `scp -S PROG`, `rsync -e CMD`, \
              `man -P CMD`, `tcpdump -z CMD`, `pic -U`/`groff -U` unsafe mode, `run-parts` over a system binary directory, \
              `dosbox -c 'mount c /'`, `fail2ban-client ... actionban CMD`), or a program's own command language is given a shell escape \
              on its command line (`vim -c ':!CMD'`, `gdb -ex '!CMD'`, `sqlite3 db '.shell CMD'`, `mysql -e '\\! CMD'`, \
              `emacs --eval '(shell-command ...)'`, `capsh -- -c CMD`, GNU sed's `e` command).",
    why: "The program that visibly runs is an archiver, a copier or a document formatter; the command it is made to run, or the files it \
          is made to reach, are hidden in an option (the GTFOBins pattern). Under sudo or in a restricted shell it is a full escape.",
    instead: "Run the command directly, so it can be judged on its own.",
    references: &["CWE-78", "ATT&CK T1059", "ATT&CK T1218", "GTFOBins"],
    flags: &[
        "tar -cf /dev/null x -I /tmp/run.sh",
        "zip out.zip a.txt -T -TT 'id #'",
        "scp -S /tmp/prog x host.example:",
        "pic -U doc.pic",
        "run-parts --regex '^py' /usr/bin",
        "dosbox -c 'mount c /' -c 'type c:\\etc\\hosts'",
        "fail2ban-client set j action a actionban /usr/local/bin/x",
        "gdb -nx -ex '!/usr/local/bin/x' -ex quit",
        "sqlite3 /dev/null '.shell /usr/local/bin/x'",
        "vim -c ':!make test'",
        "sed -n '1e id' /etc/hosts",
    ],
    passes: &[
        "tar -I zstd -cf out.tar.zst src",
        "rsync -e 'ssh -p 2222' -a src/ host.example:dst/",
        "man -P less ls",
        "run-parts /etc/cron.daily",
        "fail2ban-client status sshd",
        "scp file.txt host.example:/tmp/",
        "vim -c ':set nu' README.md",
        "gdb -ex run -ex bt ./app",
        "sqlite3 app.db '.tables'",
        "sed -e 's/a/b/g' -e '/^$/d' notes.txt",
    ],
};

/// Programs whose option names a program or command line to run, with the values that are ordinary.
const RUNS: &[(&str, &[&str], &[&str])] = &[
    (
        "tar",
        &[
            "-I",
            "--use-compress-program",
            "--to-command",
            "--rsh-command",
            "--info-script",
            "--new-volume-script",
            "-F",
            "--checkpoint-action",
        ],
        &[
            "dot", ".", "echo", "bell", "ttyout", "gzip", "gunzip", "bzip2", "xz", "zstd", "lz4",
            "lzip", "lzma", "pigz", "pbzip2", "pixz", "brotli", "unzstd", "plzip", "lzop",
        ],
    ),
    ("zip", &["-TT", "--unzip-command"], &["unzip"]),
    ("scp", &["-S"], &["ssh"]),
    ("sftp", &["-S"], &["ssh"]),
    (
        "rsync",
        &["-e", "--rsh", "--rsync-path"],
        &["ssh", "rsync", "sudo rsync"],
    ),
    (
        "man",
        &["-P", "--pager", "-H", "--html"],
        &["less", "more", "cat", "most", "bat"],
    ),
    ("tcpdump", &["-z"], &["gzip", "bzip2", "xz", "zstd"]),
    (
        "git",
        &["--upload-pack", "--receive-pack"],
        &["git-upload-pack", "git-receive-pack"],
    ),
    ("crash", &["-i"], &[]),
    ("mysql", &["--pager"], &["less", "more", "cat"]),
];

/// Programs whose "unsafe" switch lets the document or input run commands.
const UNSAFE: &[(&str, &str)] = &[
    ("pic", "-U"),
    ("gpic", "-U"),
    ("dpic", "-U"),
    ("groff", "-U"),
    ("troff", "-U"),
    ("nroff", "-U"),
    ("eqn", "-U"),
    ("ghostscript", "-dNOSAFER"),
    ("gs", "-dNOSAFER"),
];

const BIN_DIRS: &[&str] = &[
    "/bin",
    "/sbin",
    "/usr/bin",
    "/usr/sbin",
    "/usr/local/bin",
    "/usr/local/sbin",
];

fn values<'c>(cmd: &'c Cmd, opts: &[&str]) -> Vec<&'c str> {
    let mut out = Vec::new();
    let mut it = cmd.args.iter().peekable();
    while let Some(a) = it.next() {
        let t = a.text();
        if opts.contains(&t) {
            if let Some(v) = it.peek() {
                out.push(v.text());
            }
            continue;
        }
        for o in opts.iter().filter(|o| o.starts_with("--")) {
            if let Some(v) = t.strip_prefix(*o).and_then(|r| r.strip_prefix('=')) {
                out.push(v);
            }
        }
    }
    out
}

fn ordinary(value: &str, safe: &[&str]) -> bool {
    let v = value.trim();
    let first = v.split_whitespace().next().unwrap_or("");
    let prog = first.rsplit('/').next().unwrap_or(first);
    safe.contains(&v) || safe.contains(&prog)
}

/// A shell escape in the command language of an editor, debugger or database client.
fn escape(cmd: &Cmd, base: &str, texts: &[&str]) -> Option<String> {
    let bang = |v: &str| {
        let v = v.trim_start().trim_start_matches(':').trim_start();
        v.starts_with('!') || v.starts_with("sh ") || v == "sh" || v.starts_with("shell ")
    };
    let hit = match base {
        "vim" | "vi" | "nvim" | "view" | "rvim" | "vimdiff" | "ex" | "gvim" => {
            let cmds: Vec<&str> = values(cmd, &["-c", "--cmd"])
                .into_iter()
                .chain(texts.iter().filter_map(|t| t.strip_prefix('+')))
                .collect();
            cmds.into_iter().find(|v| {
                bang(v)
                    || v.contains(":!")
                    || v.contains("system(")
                    || v.contains("terminal")
                    || v.contains("os.execute")
            })
        }
        "gdb" | "gdb-multiarch" | "cgdb" => values(cmd, &["-ex", "--eval-command", "-iex"])
            .into_iter()
            .find(|v| bang(v) || v.starts_with("pipe ") || v.starts_with('|')),
        "sqlite3" => values(cmd, &["-cmd"])
            .into_iter()
            .chain(texts.iter().copied())
            .find(|v| {
                let v = v.trim_start();
                v.starts_with(".shell") || v.starts_with(".system")
            }),
        "mysql" | "mariadb" | "psql" => values(cmd, &["-e", "-c", "--execute", "--command"])
            .into_iter()
            .find(|v| v.contains("\\!") || v.trim_start().starts_with("system ")),
        "emacs" => values(cmd, &["--eval", "-eval"]).into_iter().find(|v| {
            [
                "shell-command",
                "call-process",
                "start-process",
                "(term ",
                "(shell",
                "(ansi-term",
            ]
            .iter()
            .any(|k| v.contains(k))
        }),
        "sed" | "gsed" => {
            let scripts = values(cmd, &["-e", "--expression"]);
            let scripts = if scripts.is_empty() {
                texts
                    .iter()
                    .copied()
                    .find(|t| !t.starts_with('-'))
                    .into_iter()
                    .collect()
            } else {
                scripts
            };
            scripts.into_iter().find(|v| sed_executes(v))
        }
        "capsh" if texts.contains(&"--") => Some("--"),
        "busybox"
            if texts
                .first()
                .is_some_and(|t| crate::facts::is_shell(t) || *t == "hush") =>
        {
            texts.first().copied()
        }
        _ => None,
    }?;
    Some(format!(
        "gives `{base}` a shell escape in its own command language (`{}`)",
        crate::words::snippet(hit, 60)
    ))
}

fn finding(cmd: &Cmd) -> Option<String> {
    let base = cmd.base()?;
    let texts: Vec<&str> = cmd.arg_texts().collect();
    for (prog, opts, safe) in RUNS {
        if base != *prog {
            continue;
        }
        if let Some(v) = values(cmd, opts).into_iter().find(|v| !ordinary(v, safe)) {
            return Some(format!(
                "makes `{base}` run `{}` through one of its options",
                crate::words::snippet(v, 60)
            ));
        }
    }
    if let Some(msg) = escape(cmd, base, &texts) {
        return Some(msg);
    }
    if let Some((_, flag)) = UNSAFE.iter().find(|(p, f)| *p == base && texts.contains(f)) {
        return Some(format!(
            "runs `{base}` in unsafe mode (`{flag}`), where its input can run shell commands"
        ));
    }
    match base {
        "run-parts" => {
            let dir = texts
                .iter()
                .rev()
                .find(|t| !t.starts_with('-'))
                .map(|t| t.trim_end_matches('/'));
            dir.filter(|d| BIN_DIRS.contains(d)).map(|d| {
                format!("uses `run-parts` to run programs picked from the system directory {d}")
            })
        }
        "dosbox" => values(cmd, &["-c"])
            .into_iter()
            .any(|v| v.to_ascii_lowercase().contains("mount"))
            .then(|| {
                "mounts the host file system inside DOSBox and runs commands on it".to_string()
            }),
        "fail2ban-client" => texts
            .windows(2)
            .find(|w| {
                w.first().is_some_and(|k| {
                    k.starts_with("action")
                        && matches!(
                            k.get(6..),
                            Some("ban" | "unban" | "start" | "stop" | "check" | "flush" | "repair")
                        )
                })
            })
            .map(|w| {
                format!(
                    "sets a fail2ban action to run `{}` (as root, when it fires)",
                    crate::words::snippet(w.get(1).copied().unwrap_or(""), 60)
                )
            }),
        _ => None,
    }
}

pub fn check(a: &Analysis, m: &RuleMeta, out: &mut Vec<Finding>) {
    for cmd in &a.cmds {
        if let Some(msg) = finding(cmd) {
            out.push(at_cmd(a, m, cmd, msg));
        }
    }
}

/// Whether a sed script uses GNU sed's `e` command (`1e CMD`) or the `e` flag of `s///e`.
fn sed_executes(script: &str) -> bool {
    script.split([';', '\n']).any(|part| {
        let p = part.trim_start();
        // Skip a line-number, `$` or `/regex/` address (and a range of them).
        let mut rest =
            p.trim_start_matches(|c: char| c.is_ascii_digit() || matches!(c, '$' | ',' | '~'));
        if let Some(r) = rest.strip_prefix('/') {
            rest = r.split_once('/').map(|(_, r)| r).unwrap_or("");
        }
        let rest = rest.trim_start().trim_start_matches('!').trim_start();
        if rest == "e" || rest.starts_with("e ") {
            return true;
        }
        // `s/re/replacement/flags`: the flags after the third delimiter.
        let mut chars = rest.chars();
        if chars.next() != Some('s') {
            return false;
        }
        let Some(delim) = chars.next() else {
            return false;
        };
        if delim.is_alphanumeric() || delim.is_whitespace() {
            return false;
        }
        let body = chars.as_str().replace(&format!("\\{delim}"), "");
        let pieces: Vec<&str> = body.splitn(3, delim).collect();
        pieces.get(2).is_some_and(|flags| {
            flags
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .any(|c| c == 'e')
        })
    })
}
