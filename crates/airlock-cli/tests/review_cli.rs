//! `airlock review` and `airlock install git-hook` against a scripted reviewer server: findings
//! reach the report with their file, line and source; the cross-provider policy refuses a reviewer
//! of the writer's provider; a malformed answer is an error; secrets never leave; SARIF is valid;
//! the labeled set's findings land on the planted lines.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod review_support;

use review_support::*;
use serde_json::{json, Value};
use std::sync::Arc;

const OLD_AUTH: &str = "import jwt\n\nPUBLIC_KEY = open(\"k.pub\").read()\n\n\ndef verify(token):\n    return jwt.decode(token, PUBLIC_KEY, algorithms=[\"RS256\"])\n";

fn planted_auth() -> String {
    OLD_AUTH.replace("def verify", "# legacy signer\ndef verify").replace("[\"RS256\"]", "[\"RS256\", \"HS256\"]")
}

fn jwt_finding(line: u32) -> Value {
    json!({"findings": [{"file": "auth.py", "line": line, "end_line": null, "severity": "critical",
        "title": "JWT algorithm confusion", "explanation": "HS256 next to RS256 lets a token signed with the public key as HMAC secret verify.",
        "suggested_fix": "algorithms=[\"RS256\"]", "cwe": "CWE-347"}]})
}

/// A repository with the seed's hole staged in auth.py (line 8 of the new file).
fn staged_jwt(s: &Scratch) {
    s.write("auth.py", OLD_AUTH);
    assert!(s.commit_all("init").status.success());
    s.write("auth.py", &planted_auth());
    assert!(s.git(&["add", "auth.py"]).status.success());
}

fn reviewer_items(doc: &Value) -> Vec<Value> {
    doc["findings"].as_array().unwrap().iter().filter(|f| f["source"]["kind"] == "reviewer").cloned().collect()
}

#[test]
fn reviewer_findings_reach_the_report_with_file_line_and_source_for_each_api() {
    for (name, api, path, provider) in [
        ("claude", "anthropic", "/v1/messages", "anthropic/claude-sonnet-4-5"),
        ("gpt", "openai-chat", "/v1/chat/completions", "openai/gpt-5"),
        ("gpt-r", "openai-responses", "/v1/responses", "openai/gpt-5"),
        ("gem", "gemini", "/v1beta/models/gemini-2.5-pro:generateContent", "google/gemini-2.5-pro"),
    ] {
        let server = Server::fixed(api, jwt_finding(8));
        let s = Scratch::new();
        s.reviewers(&server.base, name);
        staged_jwt(&s);
        let out = s.airlock(&["review", "--staged", "--format", "json"]);
        assert_eq!(out.status.code(), Some(2), "{api}: {}{}", stdout(&out), stderr(&out));
        let doc = report(&out);
        let mine = reviewer_items(&doc);
        assert_eq!(mine.len(), 1, "{api}: {doc:#}");
        assert_eq!((mine[0]["file"].as_str(), mine[0]["line"].as_u64()), (Some("auth.py"), Some(8)));
        assert_eq!(mine[0]["source_label"], provider, "{api}");
        assert_eq!(mine[0]["cwe"], "CWE-347");
        // airlock's own analysis of the same line, labelled with its rule.
        let own: Vec<&Value> = doc["findings"].as_array().unwrap().iter().filter(|f| f["source"]["kind"] == "airlock").collect();
        assert!(own.iter().any(|f| f["line"] == 8 && f["source_label"].as_str().unwrap().starts_with("airlock JWT")), "{doc:#}");
        assert_eq!(doc["provenance"]["unknown_origin"], true);
        let seen = server.requests();
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0].path.split('?').next(), Some(path), "{api}");
        let prompt = strings(&seen[0].body);
        assert!(prompt.contains("auth.py") && prompt.contains("\"HS256\""), "{api}: the change is in the request");
        assert!(added_lines(&prompt).iter().any(|(n, t)| *n == 8 && t.contains("HS256")), "{api}: numbered by the new file");
    }
    // Text and markdown say where the finding comes from and that the origin is unknown.
    let server = Server::fixed("openai-chat", jwt_finding(8));
    let s = Scratch::new();
    s.reviewers(&server.base, "gpt");
    staged_jwt(&s);
    let text = stdout(&s.airlock(&["review", "--staged"]));
    assert!(text.contains("origin unknown: reviewed by openai/gpt-5"), "{text}");
    assert!(text.contains("auth.py:8: critical JWT algorithm confusion CWE-347 [openai/gpt-5]"), "{text}");
    let md = stdout(&s.airlock(&["review", "--staged", "--format", "markdown"]));
    assert!(md.contains("| critical | `auth.py:8` | JWT algorithm confusion | `openai/gpt-5` |"), "{md}");
}

/// An audit database as the gateway writes it: `anthropic` wrote auth.py with `Write`.
fn audit_with_anthropic_write(s: &Scratch, text: &str) -> std::path::PathBuf {
    let db = s.dir.path().join("audit.db");
    let mut store = airlock_audit::AuditStore::open(&db).unwrap();
    let input = json!({"file_path": s.repo().join("auth.py").to_string_lossy(), "content": text}).to_string();
    store
        .append(&[airlock_audit::Record {
            kind: "tool_call".into(),
            client: Some("127.0.0.1".into()),
            provider: Some("anthropic".into()),
            model: Some("claude-sonnet-4-5".into()),
            tool: Some("Write".into()),
            decision: Some("allow".into()),
            detail: json!({"call_id": "toolu_01", "verdict": "allow", "reason": "", "input": input}),
            ..airlock_audit::Record::default()
        }])
        .unwrap();
    db
}

#[test]
fn a_reviewer_of_the_writing_provider_is_refused_another_is_accepted() {
    let server = Server::fixed("anthropic", jwt_finding(8));
    let s = Scratch::new();
    s.reviewers(&server.base, "claude");
    staged_jwt(&s);
    let db = audit_with_anthropic_write(&s, &planted_auth());
    let db = db.to_str().unwrap();
    for requested in ["claude", "anthropic/claude-opus-4-1"] {
        let out = s.airlock(&["review", "--staged", "--audit-db", db, "--reviewer", requested]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(3), "{requested}: {err}");
        assert!(err.contains("cross-provider review") && err.contains("written by anthropic (claude-sonnet-4-5)"), "{err}");
        assert!(err.contains("must be another provider"), "{err}");
        assert!(err.contains("reviewers of other providers: gpt (openai/gpt-5)"), "{err}");
    }
    assert!(server.requests().is_empty(), "a refused reviewer is never called");
    server.set(Arc::new(|_| (200, wrap("openai-chat", &jwt_finding(8).to_string()))));
    // No request: the default (claude) is not allowed, so the first allowed one (gpt) is taken.
    let out = s.airlock(&["review", "--staged", "--audit-db", db]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stdout(&out).contains("[openai/gpt-5]"));
    let out = s.airlock(&["review", "--staged", "--audit-db", db, "--reviewer", "gpt", "--format", "json"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let doc = report(&out);
    assert_eq!(doc["provenance"]["written_by"], json!(["anthropic/claude-sonnet-4-5"]));
    assert_eq!(doc["provenance"]["unknown_origin"], false, "{doc:#}");
    assert_eq!(reviewer_items(&doc)[0]["source_label"], "openai/gpt-5");
    let text = stdout(&s.airlock(&["review", "--staged", "--audit-db", db, "--reviewer", "gpt"]));
    assert!(text.contains("written by anthropic/claude-sonnet-4-5") && text.contains("reviewed by openai/gpt-5 (another provider"), "{text}");
}

#[test]
fn a_malformed_answer_is_an_error_never_an_empty_review() {
    let s = Scratch::new();
    staged_jwt(&s);
    for (api, doc) in [
        ("openai-chat", "I found no problems.".to_string()),
        ("openai-chat", r#"{"result": []}"#.to_string()),
        ("openai-chat", r#"{"findings": [{"file": "auth.py", "line": 8, "severity": "severe", "title": "t", "explanation": "e"}]}"#.to_string()),
        ("openai-chat", r#"{"findings": [{"file": "elsewhere.py", "line": 1, "severity": "high", "title": "t", "explanation": "e"}]}"#.to_string()),
        ("anthropic", "not a tool call".to_string()),
    ] {
        let server = Server::fixed(api, Value::Null);
        let wrapped = wrap(api, &doc);
        server.set(Arc::new(move |_| (200, wrapped.clone())));
        s.reviewers(&server.base, if api == "anthropic" { "claude" } else { "gpt" });
        let out = s.airlock(&["review", "--staged", "--format", "json"]);
        assert_eq!(out.status.code(), Some(3), "{doc}: {}", stdout(&out));
        assert!(stderr(&out).contains("malformed review"), "{doc}: {}", stderr(&out));
        assert!(stdout(&out).is_empty(), "no report is printed for a failed review");
    }
    let server = Server::start(Arc::new(|_| (500, r#"{"error": {"message": "overloaded"}}"#.into())));
    s.reviewers(&server.base, "gpt");
    let out = s.airlock(&["review", "--staged"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("HTTP 500") && stderr(&out).contains("overloaded"), "{}", stderr(&out));
}

#[test]
fn staged_means_the_index_and_a_silent_reviewer_times_out() {
    let server = Server::fixed("openai-chat", jwt_finding(8));
    let s = Scratch::new();
    s.reviewers(&server.base, "gpt");
    staged_jwt(&s);
    // The working tree is fixed but not staged: the commit would still record the hole.
    s.write("auth.py", OLD_AUTH);
    let out = s.airlock(&["review", "--staged"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(strings(&server.requests()[0].body).contains("\"HS256\""));
    // --diff HEAD sees the working tree: nothing changed, nothing to review, no request.
    let out = s.airlock(&["review", "--diff", "HEAD"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("nothing to review"));
    assert_eq!(server.requests().len(), 1);
    server.set(Arc::new(|_| {
        std::thread::sleep(std::time::Duration::from_secs(4));
        (200, wrap("openai-chat", r#"{"findings": []}"#))
    }));
    let cfg = std::fs::read_to_string(s.config()).unwrap().replace("timeout_secs = 20", "timeout_secs = 1");
    std::fs::write(s.config(), cfg).unwrap();
    let out = s.airlock(&["review", "--staged"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("no answer within 1 s"), "{}", stderr(&out));
}

#[test]
fn the_request_holds_the_change_and_never_a_secret() {
    let server = Server::fixed("openai-chat", json!({"findings": []}));
    let s = Scratch::new();
    s.reviewers(&server.base, "gpt");
    s.write("deploy.py", "import boto3\n");
    assert!(s.commit_all("init").status.success());
    let key = "AKIAR7QX2MPL4KD9WZ3T";
    let secret = "q8Hd2Lk9TwJalrXUtnFEMIK7MDENGbPxRfiCYzQ1";
    s.write("deploy.py", &format!("import boto3\n\nAWS_ACCESS_KEY_ID = \"{key}\"\naws_secret_access_key = \"{secret}\"\nclient = boto3.client(\"s3\")\n"));
    let out = s.airlock(&["review", "--diff", "HEAD", "--no-code-analysis"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("redacted from what the reviewer was sent"), "{}", stdout(&out));
    let body = &server.requests()[0].body;
    assert!(body.contains("boto3.client") && body.contains("deploy.py"), "the change is sent");
    assert!(!body.contains(key) && !body.contains(secret), "a secret reached the reviewer: {body}");
    assert!(body.contains("[REDACTED"), "{body}");
    // PATHS: a whole file, every line new.
    let out = s.airlock(&["review", "deploy.py", "--format", "json", "--no-code-analysis"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(report(&out)["files"], json!(["deploy.py"]));
    assert!(added_lines(&strings(&server.requests()[1].body)).iter().any(|(n, t)| *n == 1 && t == "import boto3"));
}

#[test]
fn sarif_output_is_valid_sarif_2_1_0() {
    let server = Server::fixed("openai-chat", jwt_finding(8));
    let s = Scratch::new();
    s.reviewers(&server.base, "gpt");
    staged_jwt(&s);
    let out = s.airlock(&["review", "--staged", "--format", "sarif"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let log: Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert!(results.iter().any(|r| r["ruleId"] == "review/openai" && r["locations"][0]["physicalLocation"]["region"]["startLine"] == 8));
    assert!(results.iter().any(|r| r["ruleId"].as_str().unwrap().starts_with("JWT")));
    for r in results {
        let i = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(log["runs"][0]["tool"]["driver"]["rules"][i]["id"], r["ruleId"]);
    }
    let schema = workspace().join("target/sarif-schema/sarif-2.1.0-rtm.5.json");
    let file = s.dir.path().join("review.sarif");
    std::fs::write(&file, &out.stdout).unwrap();
    let check = "import json,sys,jsonschema\ns=json.load(open(sys.argv[1]))\nv=jsonschema.validators.validator_for(s)(s)\nerrs=list(v.iter_errors(json.load(open(sys.argv[2]))))\n[print(e.message) for e in errs[:5]]\nsys.exit(1 if errs else 0)\n";
    match std::process::Command::new("python3").args(["-c", check]).arg(&schema).arg(&file).output() {
        Ok(o) if schema.exists() && o.status.code() != Some(1) && !o.status.success() => {
            eprintln!("SKIP schema validation: python3 jsonschema unavailable: {}", String::from_utf8_lossy(&o.stderr))
        }
        Ok(o) if schema.exists() => assert!(o.status.success(), "schema errors: {}", String::from_utf8_lossy(&o.stdout)),
        _ => eprintln!("SKIP schema validation: {} is not cached (scripts/sarif_check.py fetches it)", schema.display()),
    }
}

#[test]
fn the_git_hook_stops_a_planted_commit_and_lets_a_clean_one_through() {
    // The scripted reviewer reports the seed's line whenever the change it is shown has it.
    let server = Server::start(Arc::new(|body: &str| {
        let lines = added_lines(&strings(body));
        let hits: Vec<Value> = lines
            .iter()
            .filter(|(_, t)| t.contains("HS256"))
            .map(|(n, _)| json!({"file": "auth.py", "line": n, "severity": "critical", "title": "JWT algorithm confusion", "explanation": "HS256 with a public key"}))
            .collect();
        (200, wrap("openai-chat", &json!({"findings": hits}).to_string()))
    }));
    let s = Scratch::new();
    s.reviewers(&server.base, "gpt");
    s.write("auth.py", OLD_AUTH);
    assert!(s.commit_all("init").status.success());
    let hooks = s.dir.path().join("shared-hooks");
    assert!(s.git(&["config", "core.hooksPath", hooks.to_str().unwrap()]).status.success());
    std::fs::create_dir_all(&hooks).unwrap();
    std::fs::write(hooks.join("pre-commit"), "#!/bin/sh\necho team-lint-ran >&2\n").unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(hooks.join("pre-commit"), std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let repo = s.repo();
    let repo = repo.to_str().unwrap();
    let out = s.airlock(&["install", "git-hook", "--repo", repo]);
    assert_eq!(out.status.code(), Some(3), "a foreign hook is not overwritten");
    assert!(stderr(&out).contains("--force"));
    let out = s.airlock(&["install", "git-hook", "--repo", repo, "--force"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(hooks.join("pre-commit.airlock-chained").exists());
    assert!(std::fs::read_to_string(hooks.join("pre-commit")).unwrap().contains("review --staged"));

    s.write("auth.py", &planted_auth());
    let out = s.commit_all("legacy signer");
    let err = stderr(&out);
    assert!(!out.status.success(), "the planted commit went through: {err}");
    assert!(err.contains("team-lint-ran"), "the chained hook runs first: {err}");
    assert!(err.contains("found problems") && err.contains("airlock review --staged --format markdown") && err.contains("git commit --no-verify"), "{err}");
    assert_eq!(stdout(&s.git(&["rev-list", "--count", "HEAD"])).trim(), "1");

    s.write("auth.py", &OLD_AUTH.replace("def verify", "# RS256 only\ndef verify"));
    let out = s.commit_all("comment");
    assert!(out.status.success(), "the clean commit was stopped: {}", stderr(&out));
    assert_eq!(stdout(&s.git(&["rev-list", "--count", "HEAD"])).trim(), "2");

    let out = s.airlock(&["uninstall", "git-hook", "--repo", repo]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(hooks.join("pre-commit")).unwrap(), "#!/bin/sh\necho team-lint-ran >&2\n", "the earlier hook is back");
}

#[test]
fn the_pre_push_hook_reviews_the_pushed_commits() {
    let server = Server::start(Arc::new(|body: &str| {
        let hits: Vec<Value> = added_lines(&strings(body))
            .iter()
            .filter(|(_, t)| t.contains("HS256"))
            .map(|(n, _)| json!({"file": "auth.py", "line": n, "severity": "high", "title": "alg confusion", "explanation": "e"}))
            .collect();
        (200, wrap("openai-chat", &json!({"findings": hits}).to_string()))
    }));
    let s = Scratch::new();
    s.reviewers(&server.base, "gpt");
    let remote = s.dir.path().join("remote.git");
    assert!(std::process::Command::new("git").args(["init", "-q", "--bare"]).arg(&remote).status().unwrap().success());
    s.write("auth.py", OLD_AUTH);
    assert!(s.commit_all("init").status.success());
    assert!(s.git(&["remote", "add", "origin", remote.to_str().unwrap()]).status.success());
    let out = s.airlock(&["install", "git-hook", "--pre-push", "--repo", s.repo().to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = s.git(&["push", "-q", "origin", "main"]);
    assert!(out.status.success(), "a clean first push: {}", stderr(&out));
    s.write("auth.py", &planted_auth());
    assert!(s.commit_all("planted").status.success());
    let out = s.git(&["push", "-q", "origin", "main"]);
    assert!(!out.status.success(), "the planted push went through");
    assert!(stderr(&out).contains("git push --no-verify"), "{}", stderr(&out));
}

/// The case the labeled-set reviewer is answering: the reviewed file and what it looks for.
#[derive(Clone, Default)]
struct Case {
    file: String,
    markers: Vec<String>,
    cwe: String,
    kind: String,
}

/// The labeled set (tests/fixtures/review/*/labels.json): each pair's hole and clean twin is staged
/// over the old file and reviewed. The scripted reviewer reads the numbered prompt and reports every
/// added line carrying the label's marker, at the number the prompt shows: the test checks that
/// those findings come back on the planted lines of the new file whatever the context, and that a
/// clean twin gets no reviewer finding.
#[test]
fn the_labeled_set_maps_findings_to_the_planted_lines() {
    let case: Arc<std::sync::Mutex<Case>> = Arc::default();
    let current = case.clone();
    let server = Server::start(Arc::new(move |body: &str| {
        let c = current.lock().unwrap().clone();
        let hits: Vec<Value> = added_lines(&strings(body))
            .into_iter()
            .filter(|(_, t)| c.markers.iter().any(|m| t.contains(m.as_str())))
            .map(|(n, _)| json!({"file": c.file, "line": n, "severity": "high", "title": c.kind, "explanation": "planted", "cwe": c.cwe}))
            .collect();
        (200, wrap("openai-chat", &json!({"findings": hits}).to_string()))
    }));
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/review");
    let mut dirs: Vec<_> = std::fs::read_dir(&root).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()).collect();
    dirs.sort();
    let mut rows = Vec::new();
    let mut failures = Vec::new();
    for dir in &dirs {
        let labels: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("labels.json")).unwrap()).unwrap();
        let file = labels["file"].as_str().unwrap();
        let ext = file.rsplit('.').next().unwrap();
        let markers: Vec<String> = match &labels["marker"] {
            Value::Array(a) => a.iter().map(|m| m.as_str().unwrap().to_string()).collect(),
            m => vec![m.as_str().unwrap().to_string()],
        };
        *case.lock().unwrap() = Case {
            file: file.to_string(),
            markers: markers.clone(),
            cwe: labels["cwe"].as_str().unwrap().to_string(),
            kind: labels["kind"].as_str().unwrap().to_string(),
        };
        let old = std::fs::read_to_string(dir.join(format!("old.{ext}"))).unwrap();
        for variant in ["hole", "clean"] {
            let new = std::fs::read_to_string(dir.join(format!("{variant}.{ext}"))).unwrap();
            let planted: Vec<u64> = labels[variant]["planted"].as_array().unwrap().iter().map(|n| n.as_u64().unwrap()).collect();
            let s = Scratch::new();
            s.reviewers(&server.base, "gpt");
            s.write(file, &old);
            assert!(s.commit_all("before").status.success());
            s.write(file, &new);
            assert!(s.git(&["add", file]).status.success());
            let mut per_context = Vec::new();
            let mut own = Vec::new();
            for context in ["0", "20"] {
                let out = s.airlock(&["review", "--staged", "--format", "json", "--context", context]);
                let doc = report(&out);
                let mut lines: Vec<u64> = reviewer_items(&doc)
                    .iter()
                    .map(|f| {
                        assert_eq!(f["file"], file);
                        f["line"].as_u64().unwrap()
                    })
                    .collect();
                lines.sort();
                if lines != planted {
                    failures.push(format!("{} {variant} context {context}: reviewer lines {lines:?}, planted {planted:?}", dir.display()));
                }
                for n in &lines {
                    let text = new.lines().nth(*n as usize - 1).unwrap_or("");
                    if !markers.iter().any(|m| text.contains(m.as_str())) {
                        failures.push(format!("{file}:{n} {variant}: the finding's line is not the planted text: {text}"));
                    }
                }
                let code = out.status.code().unwrap();
                if (variant == "clean" && !lines.is_empty()) || code == 3 {
                    failures.push(format!("{file} {variant}: exit {code}"));
                }
                per_context.push(format!("{lines:?}"));
                own = doc["findings"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|f| f["source"]["kind"] == "airlock")
                    .map(|f| format!("{}@{}", f["source"]["code"].as_str().unwrap(), f["line"]))
                    .collect();
            }
            let name = dir.file_name().unwrap().to_string_lossy().into_owned();
            let lang = labels["language"].as_str().unwrap().to_string();
            rows.push((name, lang, variant, format!("{planted:?}"), per_context.join(" / "), if own.is_empty() { "-".into() } else { own.join(" ") }));
        }
    }
    println!("\n{:<18} {:<11} {:<6} {:<9} {:<19} airlock's own findings", "case", "language", "diff", "planted", "reviewer (ctx 0/20)");
    for (name, lang, variant, planted, got, own) in &rows {
        println!("{name:<18} {lang:<11} {variant:<6} {planted:<9} {got:<19} {own}");
    }
    println!("{} diffs, {} mapping failures", rows.len(), failures.len());
    assert!(rows.len() >= 12, "the labeled set has {} diffs", rows.len());
    assert!(failures.is_empty(), "{failures:#?}");
}
