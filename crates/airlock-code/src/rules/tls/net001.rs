//! NET001: a network request over a cleartext protocol.

use crate::lang::Lang::*;
use crate::rules::util::{assigned_value, calls, emit, enclosing_function};
use crate::rules::{fx, CodeRuleMeta};
use crate::syntax::{object_get, str_lit, Call, N};
use crate::unit::Unit;
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: CodeRuleMeta = CodeRuleMeta {
    code: "NET001",
    name: "cleartext-transport",
    category: Category::CodeVulnerability,
    severity: Severity::Medium,
    decision: Decision::Allow,
    langs: &[Python, JavaScript, TypeScript, Tsx, Go, Java, Rust],
    summary: "A request, download or socket goes to an `http://`, `ftp://` or `ws://` URL written in the code, \
              directly, through a variable, a parameter default or an options object's `url` (loopback addresses \
              excepted; the URL's assignment is reported too); Python `ftplib.FTP`/`telnetlib.Telnet`, Java plain \
              `Socket`/`ServerSocket`, Go `http.ListenAndServe`, and any `ws://` address in JavaScript. \
              Reported for review; agents are not stopped.",
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
        fx(Python, "def f(url=\"ftp://files.example.com/a\"):\n    return URLopener().retrieve(url)\n"),
        fx(Python, "ftp = ftplib.FTP(\"files.example.com\", \"user\", pw)\n"),
        fx(Python, "def f(url=\"http://example.com\"):\n    return requests.request(\"HEAD\", url, timeout=30)\n"),
        fx(Python, "pool = urllib3.connectionpool.HTTPConnectionPool(\"example.com\")\n"),
        fx(Java, "class A { void f() throws Exception { Socket s = new Socket(\"db.example.com\", 80); } }"),
        fx(TypeScript, "axios({ method: 'POST', url: 'http://api.example.com/items' });"),
        fx(JavaScript, "var scheme = \"ws://\";\nvar ws = new WebSocket(scheme + location.host);"),
    ],
    passes: &[
        fx(Python, "requests.get(\"https://api.example.com/users\", timeout=5)\n"),
        fx(Python, "requests.get(\"http://localhost:8080/health\")\n"),
        fx(JavaScript, "const r = await fetch('http://127.0.0.1:3000/api');"),
        fx(Go, "package a\nfunc f() { http.Get(\"https://api.example.com/\") }\n"),
        fx(Python, "ftp = ftplib.FTP_TLS(\"files.example.com\", \"user\", pw)\n"),
        fx(Java, "class A { void f() throws Exception { Socket s = SSLSocketFactory.getDefault().createSocket(\"db.example.com\", 443); } }"),
        fx(JavaScript, "const ws = new WebSocket('wss://chat.example.com/socket');"),
    ],
};

const NETWORK_CALLS: &[&str] = &[
    "get", "post", "put", "patch", "delete", "head", "options", "request", "urlopen", "urlretrieve", "open",
    "retrieve", "Request", "fetch", "Get", "Post", "Head", "PostForm", "NewRequest", "NewRequestWithContext",
    "WebSocket", "create_connection", "connect", "ws_connect", "Dial", "FTP", "ftp", "openConnection", "newCall",
    "uri", "send", "download", "$http", "ajax", "getJSON", "axios", "got", "needle", "HTTPConnectionPool",
    "HTTPConnection", "PoolManager", "Telnet",
];

/// Clients of protocols that have no encryption at all, whatever the address.
const CLEARTEXT_CLIENTS: &[&str] = &["ftplib.FTP", "telnetlib.Telnet", "FTP", "Telnet"];

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

/// The default value of a parameter named like `node` in the function around it.
fn parameter_default<'t>(node: &N<'t>) -> Option<N<'t>> {
    if node.kind() != "identifier" {
        return None;
    }
    let f = enclosing_function(node)?;
    let params = f.field("parameters")?;
    let found = params
        .children()
        .filter(|p| matches!(&*p.kind(), "default_parameter" | "typed_default_parameter" | "assignment_pattern"))
        .find(|p| p.field("name").or_else(|| p.field("left")).is_some_and(|n| n.text() == node.text()));
    found.and_then(|p| p.field("value").or_else(|| p.field("right")))
}

/// The value behind an argument: itself, its variable's last constant value, or a parameter default.
fn resolve<'t>(unit: &Unit<'t>, n: &N<'t>) -> Vec<N<'t>> {
    let mut v = vec![n.clone()];
    if let Some(a) = assigned_value(unit, n) {
        v.push(a);
    } else if let Some(d) = parameter_default(n) {
        v.push(d);
    }
    v
}

const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/// The URL argument of a client call: the first argument (the second after an
/// HTTP method: `request("GET", url)`), or the `url` of an options object given
/// inline or through a variable (then with the variable's assignment).
fn url_args<'t>(unit: &Unit<'t>, c: &Call<'t>) -> Vec<(N<'t>, Option<N<'t>>)> {
    let mut out = Vec::new();
    for key in ["url", "baseURL", "uri"] {
        if let Some(u) = c.option(key) {
            out.push((u, None));
        }
    }
    let mut pos = c.positional();
    let first = match pos.next() {
        Some(m) if str_lit(m).is_some_and(|m| METHODS.contains(&m.to_ascii_uppercase().as_str())) => pos.next(),
        other => other,
    };
    if let Some(first) = first {
        if let Some(obj) = assigned_value(unit, first).filter(|v| v.kind() == "object") {
            let decl = unit.facts().and_then(|f| f.settings.iter().find(|s| s.value.range() == obj.range()).map(|s| s.node.clone()));
            out.extend(["url", "baseURL", "uri"].iter().filter_map(|k| object_get(&obj, k)).map(|u| (u, decl.clone())));
        }
        out.push((first.clone(), None));
    }
    out
}

/// Prefilter triggers: a cleartext URL literal (module constants holding one are followed by the alias closure), cleartext clients, sockets, `ListenAndServe`.
pub(crate) const TRIGGERS: Option<&[&str]> = Some(&[
    "http://", "ftp://", "ws://", "telnet://", "ftp", "telnet", "httpconnection", "socket", "listenandserve",
]);

pub fn check(unit: &Unit<'_>, meta: &CodeRuleMeta, out: &mut Vec<Finding>) {
    let Some(facts) = unit.facts() else { return };
    for c in calls(unit) {
        let n = c.name.as_str();
        // Plain-HTTP connection classes take a host name, not a URL (`HTTPConnectionPool("example.com")`).
        let plain_http = matches!(n, "HTTPConnectionPool" | "HTTPConnection")
            && c.first().and_then(str_lit).is_some_and(|h| !h.contains("://") && !loopback(&format!("http://{h}")));
        if unit.lang == Python && (plain_http || CLEARTEXT_CLIENTS.contains(&c.callee.as_str()) && c.first().is_some_and(|h| !str_lit(h).is_some_and(|h| loopback(&h)))) {
            emit(unit, meta, &c.node, format!("`{}` speaks a protocol with no encryption", c.callee), out);
            continue;
        }
        if unit.lang == Java && matches!(c.callee.as_str(), "new Socket" | "new ServerSocket" | "new java.net.Socket" | "new java.net.ServerSocket") {
            if !c.first().and_then(str_lit).is_some_and(|h| loopback(&h)) {
                emit(unit, meta, &c.node, format!("`{}` opens a socket without TLS", c.callee), out);
            }
            continue;
        }
        if unit.lang == Go && matches!(c.callee.as_str(), "http.ListenAndServe") {
            let addr = c.first().and_then(str_lit).unwrap_or_default();
            if !(addr.starts_with("localhost") || addr.starts_with("127.")) {
                emit(unit, meta, &c.node, "`http.ListenAndServe` serves HTTP without TLS".into(), out);
            }
            continue;
        }
        let known = NETWORK_CALLS.contains(&n) || c.callee == "new URL" && unit.lang == Java;
        if !known {
            continue;
        }
        for (arg, decl) in url_args(unit, c) {
            for v in resolve(unit, &arg) {
                let Some(url) = url_prefix(&v) else { continue };
                if loopback(&url) {
                    continue;
                }
                let scheme = url.split("://").next().unwrap_or("http");
                emit(unit, meta, &arg, format!("`{}` uses cleartext {scheme}://", c.callee), out);
                if let Some(d) = &decl {
                    emit(unit, meta, d, format!("options with a cleartext {scheme}:// URL, used by `{}`", c.callee), out);
                }
                // Also where the URL is written, when it is a variable's value.
                if let Some(s) = facts.settings.iter().find(|s| s.value.range() == v.range() && v.range() != arg.range()) {
                    emit(unit, meta, &s.node, format!("a cleartext {scheme}:// URL used by `{}`", c.callee), out);
                }
            }
        }
    }
    // JavaScript: any `ws://` address (only WebSocket clients use the scheme).
    if unit.lang.is_js() {
        for s in &facts.strings {
            // A bare `"ws://"` is a scheme about to be joined with a host.
            if url_prefix(s).is_some_and(|u| u.starts_with("ws://") && (!loopback(&u) || u.trim_end_matches(['"', '\'', '`']) == "ws://")) {
                emit(unit, meta, s, "an unencrypted `ws://` WebSocket address".into(), out);
            }
        }
    }
}
