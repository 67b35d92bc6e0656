//! What a command really runs: wrappers peeled off (`sudo`, `env`, `timeout`,
//! `xargs`, `find -exec`), strings re-parsed (`sh -c`, `eval`, `su -c`, `ssh
//! host CMD`), here-documents and decoded payloads fed to shells lowered too.

use crate::facts;
use crate::ir::{Arg, Cmd, Origin, RedirOp};
use crate::lower::{Frame, Lowerer};
use airlock_protocol::Span;
use base64::Engine;

/// A command that runs another: how to find the inner command among its arguments.
struct Wrapper {
    names: &'static [&'static str],
    /// Options that take a separate value.
    value_opts: &'static [&'static str],
    /// Positional arguments before the inner command (e.g. timeout's DURATION).
    positionals: usize,
}

const WRAPPERS: &[Wrapper] = &[
    Wrapper {
        names: &["sudo"],
        value_opts: &[
            "-u",
            "-g",
            "-p",
            "-C",
            "-h",
            "-U",
            "-r",
            "-t",
            "-T",
            "-D",
            "-R",
            "--user",
            "--group",
            "--prompt",
            "--host",
            "--role",
            "--type",
            "--chdir",
            "--chroot",
            "--close-from",
            "--other-user",
            "--command-timeout",
        ],
        positionals: 0,
    },
    Wrapper {
        names: &["doas"],
        value_opts: &["-u", "-C"],
        positionals: 0,
    },
    Wrapper {
        names: &["env"],
        value_opts: &["-u", "-C", "--unset", "--chdir", "-S", "--split-string"],
        positionals: 0,
    },
    Wrapper {
        names: &["timeout", "gtimeout"],
        value_opts: &["-s", "-k", "--signal", "--kill-after"],
        positionals: 1,
    },
    Wrapper {
        names: &["nice"],
        value_opts: &["-n", "--adjustment"],
        positionals: 0,
    },
    Wrapper {
        names: &["ionice"],
        value_opts: &["-c", "-n", "-p", "-P", "-u", "--class", "--classdata"],
        positionals: 0,
    },
    Wrapper {
        names: &["chrt"],
        value_opts: &[],
        positionals: 1,
    },
    Wrapper {
        names: &["taskset"],
        value_opts: &[],
        positionals: 1,
    },
    Wrapper {
        names: &[
            "nohup",
            "setsid",
            "builtin",
            "unbuffer",
            "caffeinate",
            "catchsegv",
            "dbus-launch",
            "proxychains",
            "proxychains4",
            "torsocks",
            "torify",
            "fakeroot",
            "sem",
            "ltrace",
        ],
        value_opts: &[],
        positionals: 0,
    },
    Wrapper {
        names: &["time"],
        value_opts: &["-f", "-o", "--format", "--output"],
        positionals: 0,
    },
    Wrapper {
        names: &["exec"],
        value_opts: &["-a"],
        positionals: 0,
    },
    Wrapper {
        names: &["command"],
        value_opts: &[],
        positionals: 0,
    },
    Wrapper {
        names: &["stdbuf"],
        value_opts: &["-i", "-o", "-e"],
        positionals: 0,
    },
    Wrapper {
        names: &["strace"],
        value_opts: &[
            "-o", "-p", "-e", "-s", "-u", "-E", "-a", "-b", "-I", "-O", "-S", "-P", "-X",
        ],
        positionals: 0,
    },
    Wrapper {
        names: &["chroot"],
        value_opts: &["--userspec", "--groups"],
        positionals: 1,
    },
    Wrapper {
        names: &["unshare", "nsenter"],
        value_opts: &[
            "-t",
            "--target",
            "-S",
            "-G",
            "--setuid",
            "--setgid",
            "--map-user",
            "--map-group",
        ],
        positionals: 0,
    },
    Wrapper {
        names: &["runuser"],
        value_opts: &["-u", "-g", "-G", "--user", "--group"],
        positionals: 0,
    },
    Wrapper {
        names: &["aa-exec"],
        value_opts: &["-p", "--profile", "-n", "--namespace"],
        positionals: 0,
    },
    Wrapper {
        names: &["firejail", "bwrap"],
        value_opts: &[
            "--bind",
            "--ro-bind",
            "--dev-bind",
            "--chdir",
            "--setenv",
            "--unsetenv",
            "--tmpfs",
            "--proc",
            "--dev",
            "--symlink",
            "--uid",
            "--gid",
        ],
        positionals: 0,
    },
    Wrapper {
        names: &["systemd-run"],
        value_opts: &[
            "-p",
            "--property",
            "-u",
            "--unit",
            "-E",
            "--setenv",
            "--uid",
            "--gid",
            "--working-directory",
            "--on-calendar",
            "--on-active",
            "--slice",
            "-M",
            "--machine",
        ],
        positionals: 0,
    },
    Wrapper {
        names: &["xargs"],
        value_opts: &[
            "-I",
            "-n",
            "-L",
            "-P",
            "-s",
            "-d",
            "-E",
            "-a",
            "--max-args",
            "--max-lines",
            "--max-procs",
            "--delimiter",
            "--arg-file",
            "--max-chars",
            "--eof",
            "--replace",
            "--process-slot-var",
        ],
        positionals: 0,
    },
    Wrapper {
        names: &["busybox", "toybox"],
        value_opts: &[],
        positionals: 0,
    },
    Wrapper {
        names: &["flock"],
        value_opts: &["-w", "-E", "--timeout", "--conflict-exit-code"],
        positionals: 1,
    },
];

fn wrapper_for(base: &str) -> Option<&'static Wrapper> {
    WRAPPERS.iter().find(|w| w.names.contains(&base))
}

/// Peel one wrapper; `None` when the command is not a wrapper (or wraps nothing).
fn peel(cmd: &Cmd) -> Option<Cmd> {
    let base = cmd.base()?;
    let w = wrapper_for(base)?;
    if base == "command" && cmd.arg_texts().any(|a| a == "-v" || a == "-V") {
        return None; // `command -v x` only looks x up
    }
    let mut i = 0;
    let mut positionals = w.positionals;
    let mut env = Vec::new();
    let mut split_string: Option<Arg> = None;
    while let Some(a) = cmd.args.get(i) {
        let t = a.text();
        if t == "--" {
            i += 1;
            if positionals == 0 {
                break;
            }
            continue;
        }
        if (base == "env") && (t == "-S" || t == "--split-string") {
            split_string = cmd.args.get(i + 1).cloned();
            i += 2;
            continue;
        }
        if t.starts_with('-') && t.len() > 1 && positionals == w.positionals {
            i += if w.value_opts.contains(&t) { 2 } else { 1 };
            continue;
        }
        if base == "env" && t.contains('=') && !t.starts_with('=') {
            let (k, v) = t.split_once('=').unwrap_or((t, ""));
            env.push((
                k.to_string(),
                Arg {
                    value: Some(v.to_string()),
                    approx: v.to_string(),
                    ..a.clone()
                },
            ));
            i += 1;
            continue;
        }
        if positionals > 0 {
            positionals -= 1;
            i += 1;
            continue;
        }
        break;
    }
    let mut rest: Vec<Arg> = cmd.args.iter().skip(i).cloned().collect();
    if let Some(s) = split_string {
        let mut fields: Vec<Arg> = crate::words::split_fields(s.text())
            .into_iter()
            .map(|x| Arg {
                value: Some(x.clone()),
                approx: x.clone(),
                raw: x,
                span: s.span,
                ..Arg::default()
            })
            .collect();
        fields.append(&mut rest);
        rest = fields;
    }
    if rest.is_empty() {
        return match base {
            // With no command these start an interactive shell.
            "chroot" | "unshare" | "nsenter" | "runuser" | "firejail" => {
                let mut inner = cmd.clone();
                inner.name = Some("sh".into());
                inner.args.clear();
                inner.wrapper_args = cmd.args.clone();
                inner.wrappers.push(base.to_string());
                Some(inner)
            }
            // `sudo -s` / `sudo -i` with no command: an interactive root shell.
            "sudo"
                if cmd
                    .arg_texts()
                    .any(|a| a == "-s" || a == "-i" || a == "--shell" || a == "--login") =>
            {
                let mut inner = cmd.clone();
                inner.name = Some("sh".into());
                inner.args.clear();
                inner.wrappers.push(base.to_string());
                Some(inner)
            }
            // `xargs` with no command runs echo.
            _ => None,
        };
    }
    let mut inner = cmd.clone();
    let name_arg = rest.remove(0);
    inner.name = name_arg.value.clone();
    inner.name_arg = name_arg;
    inner.wrapper_args.extend(cmd.args.iter().take(i).cloned());
    inner.args = rest;
    inner.env.extend(env);
    inner.wrappers.push(base.to_string());
    if base == "xargs" {
        // xargs appends what it reads from stdin as arguments.
        inner.args.push(Arg {
            raw: "<stdin>".into(),
            approx: "\u{1}".into(),
            ..Arg::default()
        });
    }
    Some(inner)
}

/// The script given to a shell with `-c` (or to `su -c`, `ssh host`, `watch`...), if any.
fn command_string(cmd: &Cmd) -> Option<&Arg> {
    let base = cmd.base()?;
    if facts::is_shell(base) || matches!(base, "su" | "sg" | "runuser" | "script" | "flock") {
        let mut it = cmd.args.iter().peekable();
        while let Some(a) = it.next() {
            let t = a.text();
            if t == "-c"
                || t == "--command"
                || (t.starts_with('-')
                    && !t.starts_with("--")
                    && t.contains('c')
                    && facts::is_shell(base))
            {
                return it.next();
            }
            if t == "-o" || t == "-O" {
                it.next();
            }
        }
        return None;
    }
    None
}

/// Words that together form a command run elsewhere: `ssh host CMD...`, `watch CMD...`, `eval ARGS...`.
fn joined_command(cmd: &Cmd) -> Option<(String, bool)> {
    let base = cmd.base()?;
    let words: Vec<&Arg> = match base {
        "eval" => cmd.args.iter().collect(),
        "watch" => {
            let value_opts = ["-n", "--interval", "-d"];
            let mut i = 0;
            while let Some(a) = cmd.args.get(i) {
                let t = a.text();
                if t.starts_with('-') {
                    i += if value_opts.contains(&t) { 2 } else { 1 };
                    continue;
                }
                break;
            }
            cmd.args.iter().skip(i).collect()
        }
        "trap" => cmd.args.iter().take(1).collect(),
        "ssh" => {
            let value_opts = [
                "-p", "-i", "-l", "-o", "-F", "-J", "-L", "-R", "-D", "-W", "-b", "-c", "-E", "-e",
                "-m", "-O", "-Q", "-S", "-w", "-B", "-I",
            ];
            let mut i = 0;
            let mut host_seen = false;
            while let Some(a) = cmd.args.get(i) {
                let t = a.text();
                if !host_seen && t.starts_with('-') {
                    i += if value_opts.contains(&t) { 2 } else { 1 };
                    continue;
                }
                if !host_seen {
                    host_seen = true;
                    i += 1;
                    continue;
                }
                break;
            }
            cmd.args.iter().skip(i).collect()
        }
        _ => return None,
    };
    if words.is_empty() {
        return None;
    }
    let all_static = words.iter().all(|a| a.value.is_some());
    let text = words.iter().map(|a| a.text()).collect::<Vec<_>>().join(" ");
    Some((text, all_static))
}

/// Build the commands one simple command really runs and add them.
pub fn push_command(l: &mut Lowerer, mut cmd: Cmd, f: Frame) {
    let mut guard = 0;
    while let Some(inner) = peel(&cmd) {
        cmd = inner;
        guard += 1;
        if guard > 16 {
            break;
        }
    }
    if cmd
        .base()
        .is_some_and(|b| facts::is_shell(b) || facts::interpreter_lang(b).is_some())
    {
        cmd.piped_text = piped_static_input(l, &cmd);
    }
    // `find ... -exec CMD ... ;` runs CMD for each file.
    let exec_inner = if cmd.is(&["find"]) {
        find_exec(&cmd)
    } else {
        None
    };
    // What this command runs in turn, taken before the command is stored (no copy of it).
    let script = match command_string(&cmd) {
        Some(arg) => Some((arg.text().to_string(), arg.span)),
        None => joined_command(&cmd).map(|(text, _)| (text, cmd.span)),
    };
    // A shell reading its script from stdin: a here-document, a here-string, or a pipe.
    let mut stdin_scripts: Vec<(String, Origin, Span)> = Vec::new();
    if cmd.base().is_some_and(facts::is_shell)
        && command_string(&cmd).is_none()
        && !has_script_operand(&cmd)
    {
        for r in &cmd.redirects {
            if matches!(r.op, RedirOp::HereDoc | RedirOp::HereString) {
                stdin_scripts.push((r.target.text().to_string(), Origin::Reparsed, r.target.span));
            }
        }
        if let Some(payload) = &cmd.piped_text {
            stdin_scripts.push((payload.clone(), Origin::Decoded, cmd.span));
        }
    }
    let id = l.push(cmd);
    let sub = |origin: Origin, span| Frame {
        origin,
        depth: f.depth + 1,
        parent: Some(id),
        span_override: Some(span),
        ..f
    };

    if let Some(inner) = exec_inner {
        push_command(
            l,
            inner,
            Frame {
                parent: Some(id),
                ..f
            },
        );
    }
    if let Some((text, span)) = script {
        l.lower_text(&text, sub(Origin::Reparsed, span));
    }
    for (text, origin, span) in stdin_scripts {
        l.lower_text(&text, sub(origin, span));
    }
}

fn has_script_operand(cmd: &Cmd) -> bool {
    cmd.arg_texts().any(|a| !a.starts_with('-') && a != "\u{1}")
}

fn find_exec(cmd: &Cmd) -> Option<Cmd> {
    let start = cmd
        .args
        .iter()
        .position(|a| matches!(a.text(), "-exec" | "-execdir" | "-ok" | "-okdir"))?;
    let mut args: Vec<Arg> = cmd
        .args
        .iter()
        .skip(start + 1)
        .take_while(|a| !matches!(a.text(), ";" | "+" | "\\;"))
        .cloned()
        .collect();
    if args.is_empty() {
        return None;
    }
    let name_arg = args.remove(0);
    let mut inner = cmd.clone();
    inner.name = name_arg.value.clone();
    inner.name_arg = name_arg;
    inner.args = args;
    inner.pipe = None;
    inner.redirects.clear();
    inner.wrappers.push("find".into());
    Some(inner)
}

/// The static text piped into `cmd`, when every command before it in the pipeline is simulable.
fn piped_static_input(l: &Lowerer, cmd: &Cmd) -> Option<String> {
    let pos = cmd.pipe?;
    if pos.index == 0 {
        return None;
    }
    let before: Vec<usize> = l
        .cmds
        .iter()
        .filter(|c| {
            c.pipe
                .is_some_and(|p| p.pipeline == pos.pipeline && p.index < pos.index)
                && c.depth == cmd.depth
        })
        .map(|c| c.id)
        .collect();
    static_output(l, &before)
}

/// What a pipeline of simple, side-effect-free commands prints, when it can be computed
/// statically (`echo`, `printf`, `base64 -d`, `xxd -r -p`, `rev`). Used to resolve
/// `$(echo Y3VybA== | base64 -d)` and payloads piped into shells.
pub fn static_output(l: &Lowerer, ids: &[usize]) -> Option<String> {
    if ids.is_empty() || ids.len() > 6 {
        return None;
    }
    let mut data: Option<String> = None;
    for id in ids {
        let c = l.cmds.get(*id)?;
        if !c.redirects.is_empty() || !c.wrappers.is_empty() {
            return None;
        }
        let args: Option<Vec<&str>> = c.args.iter().map(|a| a.value.as_deref()).collect();
        let args = args?;
        data = Some(match c.base()? {
            "echo" => {
                let (flags, words): (Vec<&str>, Vec<&str>) = split_echo_flags(&args);
                let mut s = words.join(" ");
                if flags.iter().any(|f| f.contains('e')) {
                    s = crate::words::decode_ansi_c(&s);
                }
                if !flags.iter().any(|f| f.contains('n')) {
                    s.push('\n');
                }
                s
            }
            "printf" => {
                let fmt = args.first()?;
                if fmt.contains('%') {
                    if *fmt == "%s" || *fmt == "%s\\n" {
                        args.get(1..).map(|r| r.concat()).unwrap_or_default()
                    } else {
                        return None;
                    }
                } else {
                    crate::words::decode_ansi_c(fmt)
                }
            }
            "base64" | "openssl" | "base32" => {
                if c.is(&["openssl"]) && !(args.contains(&"base64") || args.contains(&"enc")) {
                    return None;
                }
                if !args.iter().any(|a| matches!(*a, "-d" | "--decode" | "-D")) {
                    return None;
                }
                let input = data.take()?;
                let clean: String = input.chars().filter(|c| !c.is_whitespace()).collect();
                let bytes = if c.is(&["base32"]) {
                    return None;
                } else {
                    base64::engine::general_purpose::STANDARD
                        .decode(clean.as_bytes())
                        .or_else(|_| {
                            base64::engine::general_purpose::STANDARD_NO_PAD
                                .decode(clean.trim_end_matches('=').as_bytes())
                        })
                        .ok()?
                };
                String::from_utf8(bytes).ok()?
            }
            "xxd" if args.contains(&"-r") => {
                let input = data.take()?;
                let hex: String = input.chars().filter(|c| c.is_ascii_hexdigit()).collect();
                let bytes: Option<Vec<u8>> = (0..hex.len() / 2)
                    .map(|i| {
                        hex.get(2 * i..2 * i + 2)
                            .and_then(|h| u8::from_str_radix(h, 16).ok())
                    })
                    .collect();
                String::from_utf8(bytes?).ok()?
            }
            "rev" => {
                let input = data.take()?;
                input
                    .lines()
                    .map(|ln| ln.chars().rev().collect::<String>())
                    .collect::<Vec<_>>()
                    .join("\n")
                    + "\n"
            }
            "cat" if args.is_empty() => data.take()?,
            _ => return None,
        });
    }
    data
}

fn split_echo_flags<'a>(args: &[&'a str]) -> (Vec<&'a str>, Vec<&'a str>) {
    let mut flags = Vec::new();
    let mut i = 0;
    while let Some(a) = args.get(i) {
        if a.len() > 1
            && a.starts_with('-')
            && a.chars().skip(1).all(|c| matches!(c, 'n' | 'e' | 'E'))
        {
            flags.push(*a);
            i += 1;
        } else {
            break;
        }
    }
    (flags, args.iter().skip(i).copied().collect())
}
