//! Redaction speed on a ~1 MB agent conversation (Anthropic Messages shape: system
//! prompt, tool definitions, tool calls and results holding source files, build
//! logs, git history, a lockfile, a base64 screenshot), without secrets and with 50
//! secrets (the test fixtures, every kind) sprinkled through the tool results.
//!
//! Run: `cargo bench -p airlock-redact --bench redact`.
//! `REDACT_BENCH_DUMP=DIR` also writes the two bodies (`clean.json`, `secrets.json`)
//! to DIR, for side-by-side runs of other scanners on the same input.

use airlock_redact::Redactor;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use serde_json::{json, Value};
use std::hint::black_box;

#[path = "../tests/common/mod.rs"]
mod common;

use common::{Rng, POSITIVES};

/// Text from the generator: hex and base64 runs, picks from a list.
trait Gen {
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str;
    fn from(&mut self, alphabet: &[u8], n: usize) -> String;
    fn hex(&mut self, n: usize) -> String {
        self.from(b"0123456789abcdef", n)
    }
    fn b64(&mut self, n: usize) -> String {
        self.from(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", n)
    }
}

impl Gen for Rng {
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items.get(self.below(items.len())).copied().unwrap_or_default()
    }
    fn from(&mut self, alphabet: &[u8], n: usize) -> String {
        (0..n).map(|_| alphabet.get(self.below(alphabet.len())).copied().map_or('A', char::from)).collect()
    }
}

const RUST: &str = r#"use std::collections::HashMap;
use crate::config::{Config, TokenizerOptions};

/// Loads the key-value store and the tokenizer configured for this session.
pub fn load(cfg: &Config, session_id: &str) -> Result<Store, Error> {
    let tokenizer = Tokenizer::from_file(&cfg.tokenizer_path)?;
    let mut cache: HashMap<String, Vec<u32>> = HashMap::new();
    for (key, value) in cfg.entries.iter() {
        let tokens = tokenizer.encode(value, false)?;
        cache.insert(key.clone(), tokens.get_ids().to_vec());
    }
    let password_hash = hash_password(&cfg.admin_password_env)?;
    tracing::debug!(session_id, entries = cache.len(), "store loaded");
    Ok(Store { cache, password_hash, max_tokens: cfg.max_tokens })
}
"#;

const PYTHON: &str = r#"import os
from dataclasses import dataclass

@dataclass
class Settings:
    database_url: str = os.environ.get("DATABASE_URL", "sqlite:///dev.db")
    api_key: str = os.environ["SERVICE_API_KEY"]
    secret_key: str = os.getenv("SECRET_KEY")
    max_tokens: int = 4096

def authenticate(username: str, password: str) -> bool:
    user = User.query.filter_by(username=username).first()
    if user is None or not check_password_hash(user.password_hash, password):
        return False
    session["user_id"] = user.id
    return True
"#;

const BUILD_LOG: &[&str] = &[
    "   Compiling serde v1.0.219",
    "   Compiling tokio v1.47.1",
    "   Compiling airlock-gateway v0.1.0 (/work/main/crates/airlock-gateway)",
    "warning: unused variable: `key`",
    "  --> src/store.rs:42:13",
    "test store::tests::roundtrip ... ok",
    "test auth::tests::rejects_bad_password ... ok",
    "    Finished `dev` profile [unoptimized + debuginfo] target(s) in 14.32s",
    "npm WARN deprecated inflight@1.0.6: This module is not supported",
    "added 812 packages, and audited 813 packages in 9s",
];

const PROSE: &[&str] = &[
    "I'll look at how the session store handles expired keys before changing the tokenizer.",
    "The test failure comes from the password reset flow: the token expiry is compared in local time.",
    "Let me run the full test suite and then check the lockfile for the updated dependency.",
    "The API key is read from the environment at startup, so nothing secret is in the repository.",
    "Done. The cache now evicts entries by key prefix, and the benchmark shows 12% less time.",
];

fn git_log(rng: &mut Rng) -> String {
    (0..20)
        .map(|i| format!("commit {}\nAuthor: Dev <dev@example.com>\n\n    change {i}: tidy the key handling\n", rng.hex(40)))
        .collect()
}

fn lockfile(rng: &mut Rng) -> String {
    let mut s = String::from("{\n  \"lockfileVersion\": 3,\n  \"packages\": {\n");
    for i in 0..25 {
        s.push_str(&format!(
            "    \"node_modules/pkg-{i}\": {{\n      \"version\": \"1.{i}.0\",\n      \"resolved\": \"https://registry.npmjs.org/pkg-{i}/-/pkg-{i}-1.{i}.0.tgz\",\n      \"integrity\": \"sha512-{}==\"\n    }},\n",
            rng.b64(86)
        ));
    }
    s.push_str("  }\n}\n");
    s
}

/// One ~`target`-byte request body; `secrets` snippets spread evenly through it.
fn conversation(target: usize, secrets: usize) -> Value {
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    let tools = json!([
        {"name": "Bash", "description": "Runs a shell command.", "input_schema": {"type": "object", "properties": {"command": {"type": "string"}, "timeout": {"type": "number"}}, "required": ["command"]}},
        {"name": "Read", "description": "Reads a file.", "input_schema": {"type": "object", "properties": {"file_path": {"type": "string"}, "offset": {"type": "number"}}}},
        {"name": "Edit", "description": "Edits a file.", "input_schema": {"type": "object", "properties": {"file_path": {"type": "string"}, "old_string": {"type": "string"}, "new_string": {"type": "string"}}}}
    ]);
    let mut messages = Vec::new();
    let mut size = 0;
    let mut turn = 0usize;
    // Tool results are ~2.5 KB: a 1 MB body has ~400, so 50 secrets fit in the first 300.
    let every = (target / 3000).checked_div(secrets).map_or(usize::MAX, |e| e.max(1));
    let mut placed = 0;
    while size < target {
        let id = format!("toolu_{}", rng.b64(24).replace(['+', '/'], "x"));
        let (tool, input, mut output) = match turn % 5 {
            0 => ("Read", json!({"file_path": "/work/app/src/store.rs"}), RUST.repeat(2)),
            1 => ("Read", json!({"file_path": "/work/app/settings.py"}), PYTHON.repeat(2)),
            2 => ("Bash", json!({"command": "cargo test 2>&1 | tail -40"}), (0..30).map(|_| rng.pick(BUILD_LOG)).collect::<Vec<_>>().join("\n")),
            3 => ("Bash", json!({"command": "git log -20"}), git_log(&mut rng)),
            _ => ("Read", json!({"file_path": "/work/app/package-lock.json"}), lockfile(&mut rng)),
        };
        if placed < secrets && turn % every == every / 2 {
            // The fixtures' secrets, one per kind in turn.
            let s = POSITIVES.get(placed % POSITIVES.len()).map_or("", |p| p.text);
            let mut mid = output.len() / 2;
            while !output.is_char_boundary(mid) {
                mid -= 1;
            }
            output.insert_str(mid, &format!("\n{s}\n"));
            placed += 1;
        }
        let text = rng.pick(PROSE);
        messages.push(json!({"role": "assistant", "content": [
            {"type": "text", "text": text},
            {"type": "tool_use", "id": id, "name": tool, "input": input}
        ]}));
        let mut content = vec![json!({"type": "tool_result", "tool_use_id": id, "content": output})];
        if turn == 7 {
            content.push(json!({"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": rng.b64(40_000)}}));
        }
        messages.push(json!({"role": "user", "content": content}));
        size += output.len() + text.len() + 200;
        turn += 1;
    }
    json!({
        "model": "claude-sonnet-4-5",
        "max_tokens": 32000,
        "stream": true,
        "system": [{"type": "text", "text": "You are a coding agent. Use the tools to read and change files.", "cache_control": {"type": "ephemeral"}}],
        "tools": tools,
        "messages": messages
    })
}

fn bench(c: &mut Criterion) {
    let r = Redactor::default();
    let clean = conversation(1 << 20, 0);
    let dirty = conversation(1 << 20, 50);
    if let Ok(dir) = std::env::var("REDACT_BENCH_DUMP") {
        let _ = std::fs::write(format!("{dir}/clean.json"), serde_json::to_string_pretty(&clean).unwrap_or_default());
        let _ = std::fs::write(format!("{dir}/secrets.json"), serde_json::to_string_pretty(&dirty).unwrap_or_default());
    }
    let mut g = c.benchmark_group("redact");
    g.sample_size(30);
    for (name, doc) in [("clean", &clean), ("50-secrets", &dirty)] {
        let text = doc.to_string();
        let (_, found) = r.redact_str(&text);
        let planted = POSITIVES.iter().filter(|p| text.contains(&serde_json::to_string(p.secret).unwrap_or_default().trim_matches('"').to_string())).count();
        let in_json = r.redact_json(&mut doc.clone()).total;
        eprintln!("{name}: {} bytes, {} redactions as text, {in_json} as JSON; {planted} distinct fixture secrets present", text.len(), found.len());
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_function(format!("redact_str/{name}"), |b| b.iter(|| r.redact_str(black_box(&text)).1.len()));
        g.bench_function(format!("redact_json/{name}"), |b| {
            b.iter_batched(|| doc.clone(), |mut v| r.redact_json(&mut v).total, BatchSize::LargeInput)
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
