//! Inline interpreter code (`python -c`, `node -e`, `perl -e`, `ruby -e`, awk
//! programs, here-documents fed to interpreters): what it touches.

use crate::facts;
use crate::ir::{Cmd, RedirOp};
use airlock_protocol::Span;

pub struct Code {
    pub lang: &'static str,
    pub text: String,
    pub span: Span,
}

/// The code an interpreter command runs inline, if any.
pub fn inline_code(cmd: &Cmd) -> Option<Code> {
    let base = cmd.base()?;
    let lang = facts::interpreter_lang(base)?;
    let flags: &[&str] = match lang {
        "python" => &["-c"],
        "javascript" => &["-e", "--eval", "-p", "--print"],
        "perl" | "ruby" | "lua" | "r" | "applescript" => &["-e", "-E"],
        "php" => &["-r"],
        "java" => &["-e"],
        "julia" | "bpftrace" => &["-e", "--eval"],
        "octave" => &["--eval", "-r", "-batch"],
        "gdb" => &["-ex", "--eval-command"],
        _ => &[],
    };
    let args = &cmd.args;
    let mut parts: Vec<(&str, Span)> = Vec::new();
    let mut i = 0;
    while let Some(a) = args.get(i) {
        let t = a.text();
        // perl -ne / -pe / -le: a cluster of flags ending in e.
        let cluster = matches!(lang, "perl" | "ruby")
            && t.starts_with('-')
            && !t.starts_with("--")
            && t.len() > 2
            && t.ends_with('e');
        if flags.contains(&t) || cluster {
            if let Some(code) = args.get(i + 1) {
                parts.push((code.text(), code.span));
            }
            i += 2;
            continue;
        }
        if let Some(rest) = t.strip_prefix("--eval=").or_else(|| {
            t.strip_prefix("-c")
                .filter(|r| lang == "python" && !r.is_empty())
        }) {
            parts.push((rest, a.span));
        }
        i += 1;
    }
    if lang == "awk" {
        // The first operand that is not an option or an option's value is the program.
        let mut j = 0;
        while let Some(a) = args.get(j) {
            let t = a.text();
            if matches!(
                t,
                "-F" | "-v" | "-f" | "--assign" | "--field-separator" | "--file"
            ) {
                if t == "-f" || t == "--file" {
                    return None;
                }
                j += 2;
                continue;
            }
            if t.starts_with('-') && t.len() > 1 {
                j += 1;
                continue;
            }
            parts.push((t, a.span));
            break;
        }
    }
    if parts.is_empty() {
        if let Some(text) = &cmd.piped_text {
            // Static text piped in (`echo 'import os; ...' | python3`).
            if args.iter().all(|a| a.text().starts_with('-')) {
                return Some(Code {
                    lang,
                    text: text.clone(),
                    span: cmd.span,
                });
            }
        }
        // Code from a here-document or here-string (`python - <<EOF`, `python3 <<<'...'`).
        let reads_stdin = args.iter().all(|a| a.text().starts_with('-'));
        if reads_stdin {
            for r in &cmd.redirects {
                if matches!(r.op, RedirOp::HereDoc | RedirOp::HereString) {
                    parts.push((r.target.text(), r.target.span));
                }
            }
        }
    }
    let (_, first_span) = parts.first()?;
    let span = *first_span;
    let text = parts.iter().map(|(t, _)| *t).collect::<Vec<_>>().join("\n");
    Some(Code { lang, text, span })
}

/// What a piece of code does, by the APIs it names.
#[derive(Debug, Default, Clone)]
pub struct CodeFacts {
    pub env: bool,
    pub secret_paths: Vec<String>,
    pub network: bool,
    pub socket: bool,
    pub dup_fds: bool,
    pub spawns_shell: bool,
    pub runs_commands: bool,
    pub decodes: bool,
    pub writes_files: bool,
}

const ENV_APIS: &[&str] = &[
    "os.environ",
    "os.getenv",
    "process.env",
    "%env",
    "$env{",
    "env[",
    "getenv(",
    "system.getenv",
    "sys.getenv",
    "environ",
    "deno.env",
    "bun.env",
    "$_server",
    "$_env",
    "environment()",
    "env.to_",
    "env.each",
    "env.inspect",
    "env.fetch",
    "env.keys",
    "env.values",
    "env.map",
    "env.select",
    "env.key?",
];
const NET_APIS: &[&str] = &[
    "urllib",
    "requests.",
    "http.client",
    "httplib",
    "socket",
    "fetch(",
    "http.request",
    "https.request",
    "http.get",
    "https.get",
    "net.connect",
    "net.socket",
    "net::http",
    "io::socket",
    "lwp::",
    "http::tiny",
    "tcpsocket",
    "udpsocket",
    "fsockopen",
    "curl_exec",
    "file_get_contents(\"http",
    "file_get_contents('http",
    "/inet/tcp",
    "/inet/udp",
    "aiohttp",
    "httpx",
    "axios",
    "xmlhttprequest",
    "websocket",
    "smtplib",
    "ftplib",
    "telnetlib",
    "paramiko",
    "open-uri",
    "net/http",
    "url(",
    "download.file",
    "httr::",
    "dns.resolve",
    "dgram",
    "sock_connect",
    "java.net",
];
const SHELL_SPAWN: &[&str] = &[
    "/bin/sh",
    "/bin/bash",
    "/bin/zsh",
    "/bin/dash",
    "\"sh\"",
    "'sh'",
    "\"bash\"",
    "'bash'",
    "sh -i",
    "bash -i",
    "pty.spawn",
    "cmd.exe",
    "/bin/ksh",
    "/bin/csh",
];
const RUN_APIS: &[&str] = &[
    "system(",
    "exec(",
    "execl",
    "execv",
    "popen",
    "subprocess",
    "child_process",
    "spawn(",
    "spawnsync",
    "execsync",
    "os.system",
    "shell_exec",
    "passthru",
    "proc_open",
    "%x",
    "io.popen",
    "runtime.getruntime",
    "processbuilder",
    "process.start",
    "`",
    "system2(",
    "os.exec",
    "do shell script",
    "exec ",
    "os.popen",
    "commands.getoutput",
    "|&",
    "| getline",
    "|getline",
    "do script",
    "run(`",
    "run(pipeline",
    "esyscmd",
    "syscmd(",
];

pub fn scan(code: &str) -> CodeFacts {
    let lower = code.to_ascii_lowercase();
    let has = |list: &[&str]| list.iter().any(|p| lower.contains(p));
    let mut f = CodeFacts {
        env: has(ENV_APIS),
        network: has(NET_APIS),
        socket: lower.contains("socket")
            || lower.contains("/inet/")
            || lower.contains("net.connect")
            || lower.contains("fsockopen"),
        dup_fds: lower.contains("dup2")
            || lower.contains("dup(")
            || lower.contains("fdopen")
            || lower.contains("redirecterrorstream")
            || lower.contains("stdio: [")
            || lower.contains(".pipe("),
        spawns_shell: has(SHELL_SPAWN),
        runs_commands: has(RUN_APIS),
        decodes: lower.contains("b64decode")
            || lower.contains("base64")
            || lower.contains("frombase64")
            || lower.contains("unhexlify")
            || lower.contains("decode_base64"),
        writes_files: lower.contains("open(")
            && (lower.contains("'w'")
                || lower.contains("\"w\"")
                || lower.contains("'a'")
                || lower.contains(".write")),
        ..CodeFacts::default()
    };
    for lit in literals(code) {
        if facts::secret_path(&lit).is_some_and(|s| s != facts::Secret::Accounts)
            && !f.secret_paths.contains(&lit)
        {
            f.secret_paths.push(lit);
        }
    }
    f
}

/// Quoted string literals in code, plus bare path-like tokens.
fn literals(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    for c in code.chars() {
        match quote {
            Some(q) if c == q => {
                out.push(std::mem::take(&mut cur));
                quote = None;
            }
            Some(_) => cur.push(c),
            None if c == '"' || c == '\'' || c == '`' => quote = Some(c),
            None => {}
        }
        if out.len() > 256 {
            break;
        }
    }
    out.extend(
        code.split(|c: char| c.is_whitespace() || matches!(c, '(' | ')' | ',' | ';' | '"' | '\''))
            .filter(|t| t.contains('/') || t.starts_with('.'))
            .map(str::to_string)
            .take(256),
    );
    out
}
