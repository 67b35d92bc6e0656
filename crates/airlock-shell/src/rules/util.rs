//! Questions several rules ask about a command.

use crate::analysis::Analysis;
use crate::facts;
use crate::ir::{Arg, Cmd, RedirOp};

/// Whether the command's standard output ends up in the tool result (and so with the model).
/// `hay` contains `needle`, ignoring ASCII case, without building a lower-cased copy.
pub fn icontains(hay: &str, needle: &str) -> bool {
    let n = needle.as_bytes();
    n.is_empty()
        || hay
            .as_bytes()
            .windows(n.len())
            .any(|w| w.eq_ignore_ascii_case(n))
}

pub fn prints_to_model(a: &Analysis, cmd: &Cmd) -> bool {
    if cmd.captured {
        return false;
    }
    if let Some(p) = cmd.pipe {
        if p.index + 1 < p.len {
            return false;
        }
    }
    if stdout_file(cmd).is_some() {
        return false;
    }
    // A re-parsed command prints where its owner prints.
    match cmd.parent.and_then(|p| a.cmds.get(p)) {
        Some(parent) if parent.id != cmd.id => !parent.captured && stdout_file(parent).is_none(),
        _ => true,
    }
}

/// The file standard output is redirected to, if any (`/dev/null` included).
pub fn stdout_file(cmd: &Cmd) -> Option<&Arg> {
    cmd.redirects
        .iter()
        .rev()
        .find(|r| {
            r.is_output() && r.fd.unwrap_or(1) == 1 && !r.target.text().starts_with("/dev/std")
        })
        .map(|r| &r.target)
}

/// Paths a command writes: output redirections, the destinations of writing programs, and for
/// other programs (`hashcat -o X`, `socat ... open:X,creat`, `sed 's/a/b/w X'`) any sensitive
/// location named inside their words.
pub fn written_paths(cmd: &Cmd) -> Vec<String> {
    let mut out: Vec<String> = cmd
        .redirects
        .iter()
        .filter(|r| {
            r.is_output() && !matches!(r.target.text(), "/dev/null" | "/dev/stdout" | "/dev/stderr")
        })
        .map(|r| r.target.text().to_string())
        .collect();
    let Some(base) = cmd.base() else { return out };
    let operands: Vec<&Arg> = cmd
        .args
        .iter()
        .filter(|a| !a.text().starts_with('-'))
        .collect();
    let texts: Vec<&str> = cmd.arg_texts().collect();
    match base {
        "tee" | "truncate" | "touch" => out.extend(operands.iter().map(|a| a.text().to_string())),
        "cp" | "mv" | "install" | "ln" | "rsync" | "ditto" | "rename" | "gcp" => {
            if let Some(t) = cmd.option_value(&["-t", "--target-directory"]) {
                out.push(t.text().to_string());
            } else if let Some(last) = operands.last() {
                out.push(last.text().to_string());
            }
        }
        "dd" => out.extend(
            texts
                .iter()
                .filter_map(|t| t.strip_prefix("of="))
                .map(str::to_string),
        ),
        "curl" | "wget" => {
            if let Some(o) = cmd.option_value(&["-o", "--output", "-O", "--output-document"]) {
                out.push(o.text().to_string());
            }
        }
        "systemctl" | "launchctl" | "crontab" | "service" | "chkconfig" | "update-rc.d"
        | "journalctl" | "sudoedit" => {}
        _ if (facts::is_reader(base)
            && !(base == "find"
                && texts
                    .iter()
                    .any(|t| t.starts_with("-fprint") || t.starts_with("-fls"))))
            || facts::is_lookup(base)
            || facts::is_shell(base) => {}
        _ => {
            for w in cmd.args.iter().chain(cmd.wrapper_args.iter()) {
                for tok in facts::path_tokens(w.text()) {
                    if facts::persistence_path(tok).is_some() {
                        out.push(tok.to_string());
                    }
                }
            }
        }
    }
    // Wrappers that write files themselves (`strace -o FILE`, `time -o FILE`).
    if cmd
        .wrappers
        .iter()
        .any(|w| matches!(w.as_str(), "strace" | "ltrace" | "time"))
    {
        let mut it = cmd.wrapper_args.iter();
        while let Some(a) = it.next() {
            if a.text() == "-o" {
                if let Some(v) = it.next() {
                    out.push(v.text().to_string());
                }
            }
        }
    }
    out
}

/// Whether the command runs code it reads from standard input (`sh`, `python -`, `bash -s`).
pub fn executes_stdin(cmd: &Cmd) -> bool {
    let Some(base) = cmd.base() else { return false };
    let runs = facts::is_shell(base)
        || facts::interpreter_lang(base).is_some_and(|l| !matches!(l, "awk" | "gdb"));
    if !runs {
        return matches!(base, "source" | ".")
            && cmd
                .args
                .first()
                .is_some_and(|a| matches!(a.text(), "/dev/stdin" | "-"));
    }
    let has_code_flag = cmd.arg_texts().any(|t| {
        matches!(t, "-c" | "-e" | "-E" | "-r" | "--eval")
            || (t.starts_with('-')
                && !t.starts_with("--")
                && t.ends_with('c')
                && facts::is_shell(base))
    });
    let operand = cmd.arg_texts().any(|t| !t.starts_with('-') && t != "\u{1}");
    !has_code_flag
        && !operand
        && !cmd
            .redirects
            .iter()
            .any(|r| matches!(r.op, RedirOp::HereDoc | RedirOp::HereString | RedirOp::Read))
}

/// Commands whose output feeds `cmd` as code or data: earlier pipeline stages
/// and substitutions in its arguments (recursively through their own feeders).
pub fn feeders(a: &Analysis, cmd: &Cmd) -> Vec<usize> {
    let mut out = Vec::new();
    if let Some(p) = cmd.pipe {
        for c in &a.cmds {
            if c.pipe
                .is_some_and(|q| q.pipeline == p.pipeline && q.index < p.index)
            {
                out.push(c.id);
            }
        }
    }
    for arg in cmd
        .args
        .iter()
        .chain(std::iter::once(&cmd.name_arg))
        .chain(cmd.redirects.iter().map(|r| &r.target))
    {
        out.extend(arg.substitutions.iter().copied());
    }
    // Substitutions of feeders feed too (`eval "$(echo $(curl ...))"`).
    let mut i = 0;
    while let Some(id) = out.get(i).copied() {
        if let Some(c) = a.cmds.get(id) {
            for arg in c.args.iter().chain(c.redirects.iter().map(|r| &r.target)) {
                for s in &arg.substitutions {
                    if !out.contains(s) {
                        out.push(*s);
                    }
                }
            }
        }
        i += 1;
        if i > 256 {
            break;
        }
    }
    out
}

/// Whether a command downloads from the network (prints what it fetches).
pub fn is_downloader(cmd: &Cmd) -> bool {
    cmd.base().is_some_and(|b| {
        matches!(
            b,
            "curl"
                | "wget"
                | "fetch"
                | "aria2c"
                | "http"
                | "https"
                | "xh"
                | "lynx"
                | "links"
                | "w3m"
                | "nc"
                | "ncat"
                | "netcat"
                | "socat"
                | "openssl"
                | "telnet"
                | "tftp"
                | "ftp"
                | "lwp-download"
                | "lwp-request"
                | "GET"
                | "urlget"
        ) || cmd.args.iter().any(|x| x.text().contains("/dev/tcp/"))
    }) || crate::interp::inline_code(cmd).is_some_and(|c| crate::interp::scan(&c.text).network)
}

/// Whether a command decodes data (`base64 -d`, `xxd -r`, `openssl enc -d`, `gunzip`).
pub fn is_decoder(cmd: &Cmd) -> bool {
    let Some(b) = cmd.base() else { return false };
    let has = |f: &[&str]| cmd.arg_texts().any(|t| f.contains(&t));
    match b {
        "base64" | "base32" | "basenc" | "b64decode" | "basez" => {
            has(&["-d", "--decode", "-D"]) || b == "b64decode"
        }
        "xxd" => has(&["-r", "-revert"]),
        "openssl" => has(&["-d", "base64"]),
        "uudecode" | "gunzip" | "zcat" | "bunzip2" | "xz" | "unxz" | "rev" => true,
        "gzip" | "bzip2" => has(&["-d", "--decompress"]),
        "printf" => cmd
            .args
            .first()
            .is_some_and(|f| f.text().contains("\\x") || f.raw.contains("\\x")),
        "tr" => true,
        _ => crate::interp::inline_code(cmd).is_some_and(|c| crate::interp::scan(&c.text).decodes),
    }
}

/// The network host a command talks to, when one is named.
pub fn destination_host(cmd: &Cmd) -> Option<String> {
    for a in &cmd.args {
        if let Some(h) = facts::url_host(a.text()) {
            return Some(h);
        }
    }
    // scp/rsync/ssh style `user@host:path` or `host:path`.
    for a in &cmd.args {
        let t = a.text();
        if t.starts_with('-') {
            continue;
        }
        if let Some((left, _)) = t.split_once(':') {
            let host = left.rsplit('@').next().unwrap_or(left);
            if !host.is_empty() && !host.contains('/') && (host.contains('.') || left.contains('@'))
            {
                return Some(host.to_ascii_lowercase());
            }
        }
    }
    None
}
