//! NET001: a network request over a cleartext protocol.

use crate::lang::Lang::*;
use crate::rules::util::{assigned_value, calls, emit};
use crate::rules::{fx, CodeRuleMeta};
use crate::syntax::N;
use crate::unit::Unit;
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: CodeRuleMeta = CodeRuleMeta {
    code: "NET001",
    name: "cleartext-transport",
    category: Category::CodeVulnerability,
    severity: Severity::Medium,
    decision: Decision::Allow,
    langs: &[Python, JavaScript, TypeScript, Tsx, Go, Java, Rust],
    summary: "A request, download or socket goes to an `http://`, `ftp://` or `ws://` URL written in the code \
              (loopback addresses excepted). Reported for review; agents are not stopped.",
    why: "Anyone on the path can read and change cleartext traffic: credentials and tokens leak, and a \
          downloaded file or API answer can be replaced with the attacker's.",
    example: "urllib.request.urlretrieve(\"http://downloads.example.com/tool.tar.gz\", dest)",
    instead: "Use `https://`, `ftps`/`sftp` or `wss://`.",
    references: &["CWE-319"],
    flags: &[
        fx(Python, "requests.get(\"http://api.example.com/users\", timeout=5)\n"),
        fx(Python, "urllib.request.urlopen(\"ftp://files.example.com/data.csv\")\n"),
        fx(JavaScript, "const r = await fetch('http://api.example.com/v1/items');"),
        fx(Go, "package a\nfunc f() { http.Get(\"http://api.example.com/\") }\n"),
        fx(JavaScript, "const ws = new WebSocket('ws://chat.example.com/socket');"),
        fx(Python, "def f():\n    url = \"http://example.com/api\"\n    return session.post(url)\n"),
    ],
    passes: &[
        fx(Python, "requests.get(\"https://api.example.com/users\", timeout=5)\n"),
        fx(Python, "requests.get(\"http://localhost:8080/health\")\n"),
        fx(JavaScript, "const r = await fetch('http://127.0.0.1:3000/api');"),
        fx(Go, "package a\nfunc f() { http.Get(\"https://api.example.com/\") }\n"),
    ],
};

const NETWORK_CALLS: &[&str] = &[
    "get", "post", "put", "patch", "delete", "head", "options", "request", "urlopen", "urlretrieve", "open",
    "retrieve", "Request", "fetch", "Get", "Post", "Head", "PostForm", "NewRequest", "NewRequestWithContext",
    "WebSocket", "create_connection", "connect", "ws_connect", "Dial", "FTP", "ftp", "openConnection", "newCall",
    "uri", "send", "download", "$http", "ajax", "getJSON",
];

/// The URL text a literal or assembled string starts with.
fn url_prefix(n: &N<'_>) -> Option<String> {
    let t = n.text();
    let t = t.trim_start_matches(['f', 'r', 'b', 'F', 'R', 'B']).trim_start_matches(['"', '\'', '`']);
    let lower = t.to_ascii_lowercase();
    ["http://", "ftp://", "ws://", "telnet://"].iter().any(|s| lower.starts_with(s)).then(|| lower.chars().take(80).collect())
}

fn loopback(url: &str) -> bool {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let host = rest.split(['/', ':', '?', '"', '\'', '`', '{', '$']).next().unwrap_or("");
    matches!(host, "localhost" | "127.0.0.1" | "0.0.0.0" | "[::1]" | "") || host.starts_with("127.") || host.ends_with(".localhost")
}

pub fn check(unit: &Unit<'_>, meta: &CodeRuleMeta, out: &mut Vec<Finding>) {
    for c in calls(unit) {
        let n = c.name.as_str();
        let known = NETWORK_CALLS.contains(&n) || c.callee == "new URL" && unit.lang == Java;
        if !known {
            continue;
        }
        let arg = c.first().cloned().or_else(|| c.option("url"));
        let Some(arg) = arg else { continue };
        if let Some(url) = url_prefix(&arg).or_else(|| assigned_value(unit, &arg).and_then(|v| url_prefix(&v))) {
            if !loopback(&url) {
                let scheme = url.split("://").next().unwrap_or("http");
                emit(unit, meta, &arg, format!("`{}` uses cleartext {scheme}://", c.callee), out);
            }
        }
    }
}
