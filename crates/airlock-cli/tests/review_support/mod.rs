//! Support for `review_cli`: a scripted reviewer server on loopback (plain `std::net`), answer
//! bodies in each reviewer API's shape, a scratch git repository, and `airlock review` run with an
//! isolated configuration.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, dead_code)]

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

/// One request the scripted reviewer received.
#[derive(Debug, Clone)]
pub struct Seen {
    pub path: String,
    pub body: String,
}

/// What the scripted reviewer answers: (HTTP status, body) from the request body.
pub type Responder = Arc<dyn Fn(&str) -> (u16, String) + Send + Sync>;

pub struct Server {
    pub base: String,
    pub seen: Arc<Mutex<Vec<Seen>>>,
    pub respond: Arc<Mutex<Responder>>,
}

impl Server {
    /// A server answering every POST with `respond(body)`, recording each request.
    pub fn start(respond: Responder) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let respond = Arc::new(Mutex::new(respond));
        let (rec, resp) = (seen.clone(), respond.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut request_line = String::new();
                if reader.read_line(&mut request_line).is_err() {
                    continue;
                }
                let path = request_line.split_whitespace().nth(1).unwrap_or("").to_string();
                let mut length = 0usize;
                loop {
                    let mut h = String::new();
                    if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                        break;
                    }
                    if let Some((k, v)) = h.split_once(':') {
                        if k.eq_ignore_ascii_case("content-length") {
                            length = v.trim().parse().unwrap_or(0);
                        }
                    }
                }
                let mut body = vec![0u8; length];
                reader.read_exact(&mut body).unwrap();
                let body = String::from_utf8_lossy(&body).into_owned();
                let f = resp.lock().unwrap().clone();
                let (status, answer) = f(&body);
                rec.lock().unwrap().push(Seen { path, body });
                let head = format!(
                    "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    answer.len()
                );
                let _ = stream.write_all(head.as_bytes()).and_then(|_| stream.write_all(answer.as_bytes()));
            }
        });
        Server { base, seen, respond }
    }

    /// A server answering `findings` (a findings document) in `api`'s shape.
    pub fn fixed(api: &str, findings: Value) -> Server {
        let api = api.to_string();
        Server::start(Arc::new(move |_| (200, wrap(&api, &findings.to_string()))))
    }

    pub fn set(&self, respond: Responder) {
        *self.respond.lock().unwrap() = respond;
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

/// An API's answer body carrying `doc`, the reviewer's findings text.
pub fn wrap(api: &str, doc: &str) -> String {
    match api {
        "anthropic" => {
            let input: Value = serde_json::from_str(doc).unwrap_or(Value::String(doc.into()));
            json!({"id": "msg_1", "type": "message", "role": "assistant", "stop_reason": "tool_use",
                "content": [{"type": "tool_use", "id": "toolu_1", "name": "report_findings", "input": input}]})
        }
        "openai-responses" => json!({"id": "resp_1", "object": "response", "status": "completed",
            "output": [{"type": "message", "id": "m1", "role": "assistant", "status": "completed",
                        "content": [{"type": "output_text", "text": doc, "annotations": []}]}]}),
        "gemini" => json!({"candidates": [{"content": {"role": "model", "parts": [{"text": doc}]}, "finishReason": "STOP"}]}),
        _ => json!({"id": "c1", "object": "chat.completion",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": doc}, "finish_reason": "stop"}]}),
    }
    .to_string()
}

/// Every string inside a JSON request body, joined by newlines (where the prompt is).
pub fn strings(body: &str) -> String {
    fn walk(v: &Value, out: &mut String) {
        match v {
            Value::String(s) => {
                out.push_str(s);
                out.push('\n');
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            Value::Object(o) => o.values().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    let mut out = String::new();
    walk(&serde_json::from_str(body).unwrap_or(Value::Null), &mut out);
    out
}

/// The prompt's numbered added lines: (new-file line, text) for every `N +| text` line.
pub fn added_lines(prompt: &str) -> Vec<(u32, String)> {
    prompt
        .lines()
        .filter_map(|l| {
            let (head, text) = l.split_once("+| ")?;
            let n = head.trim().parse().ok()?;
            Some((n, text.to_string()))
        })
        .collect()
}

/// A scratch place: a git repository, a user configuration, an empty home.
pub struct Scratch {
    pub dir: tempfile::TempDir,
}

impl Scratch {
    pub fn new() -> Scratch {
        let s = Scratch { dir: tempfile::tempdir().unwrap() };
        std::fs::create_dir_all(s.repo()).unwrap();
        std::fs::create_dir_all(s.dir.path().join("home")).unwrap();
        s.git(&["init", "-q", "-b", "main"]);
        s.git(&["config", "user.email", "dev@example.com"]);
        s.git(&["config", "user.name", "Dev"]);
        s.git(&["config", "commit.gpgsign", "false"]);
        s
    }

    pub fn repo(&self) -> PathBuf {
        self.dir.path().join("repo")
    }

    pub fn config(&self) -> PathBuf {
        self.dir.path().join("user-airlock.toml")
    }

    /// Reviewers `claude` (anthropic), `gpt` (openai-chat), `gpt-r` (openai-responses) and
    /// `gem` (gemini), all at `base`; `default` is the default.
    pub fn reviewers(&self, base: &str, default: &str) {
        let toml = format!(
            "[review]\ndefault = \"{default}\"\ntimeout_secs = 20\ncontext_lines = 3\n\
             [[review.reviewers]]\nname = \"claude\"\napi = \"anthropic\"\nmodel = \"claude-sonnet-4-5\"\nbase_url = \"{base}\"\n\
             [[review.reviewers]]\nname = \"gpt\"\napi = \"openai-chat\"\nmodel = \"gpt-5\"\nbase_url = \"{base}\"\n\
             [[review.reviewers]]\nname = \"gpt-r\"\napi = \"openai-responses\"\nmodel = \"gpt-5\"\nbase_url = \"{base}\"\n\
             [[review.reviewers]]\nname = \"gem\"\napi = \"gemini\"\nmodel = \"gemini-2.5-pro\"\nbase_url = \"{base}\"\n"
        );
        std::fs::write(self.config(), toml).unwrap();
    }

    /// Environment for git and airlock: no user or system git config, airlock's files here.
    pub fn env(&self, c: &mut Command) {
        let d = self.dir.path();
        for v in ["XDG_CONFIG_HOME", "XDG_DATA_HOME", "GIT_DIR", "GIT_INDEX_FILE", "GIT_WORK_TREE"] {
            c.env_remove(v);
        }
        c.env("HOME", d.join("home"))
            .env("GIT_CONFIG_GLOBAL", d.join("home/gitconfig"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("AIRLOCK_USER_CONFIG", self.config())
            .env("AIRLOCK_MANAGED_CONFIG", d.join("no-managed.toml"))
            .env("AIRLOCK_AUDIT_DB", d.join("no-audit.db"))
            .env("ANTHROPIC_API_KEY", "test-anthropic-key")
            .env("OPENAI_API_KEY", "test-openai-key")
            .env("GEMINI_API_KEY", "test-gemini-key");
    }

    pub fn git(&self, args: &[&str]) -> Output {
        let mut c = Command::new("git");
        c.arg("-C").arg(self.repo()).args(args);
        self.env(&mut c);
        c.output().unwrap()
    }

    pub fn write(&self, path: &str, text: &str) {
        let p = self.repo().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    pub fn commit_all(&self, msg: &str) -> Output {
        assert!(self.git(&["add", "-A"]).status.success());
        self.git(&["commit", "-q", "-m", msg])
    }

    /// `airlock ARGS` in the repository.
    pub fn airlock(&self, args: &[&str]) -> Output {
        let mut c = Command::new(env!("CARGO_BIN_EXE_airlock"));
        c.current_dir(self.repo()).args(args);
        self.env(&mut c);
        c.output().unwrap()
    }
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The review's JSON document.
pub fn report(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", stdout(o), stderr(o)))
}

/// The workspace root (for the cached SARIF schema).
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).ancestors().nth(2).unwrap().to_path_buf()
}
