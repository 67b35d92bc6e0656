//! Each reviewer API against a scripted server: the findings reach the result on the right lines,
//! the request carries the structured-output setup and the change but never a secret, and malformed
//! answers, error statuses and timeouts are errors.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use airlock_redact::Redactor;
use airlock_review::{Change, ReviewApi, ReviewError, Reviewer, Severity};
use common::{serve, spec, wrap_answer};
use serde_json::{json, Value};
use std::time::Duration;

const AWS: &str = "AKIAQ3EGRT7KX4MZ2WPD";
const PEM_BODY: &str = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7";

const OLD: &str = "import jwt\n\nPUBLIC_KEY = open('pub.pem').read()\n\n\ndef verify(token):\n    return jwt.decode(token, PUBLIC_KEY, algorithms=[\"RS256\"])\n";

fn new_text() -> String {
    format!(
        "import jwt\n\nPUBLIC_KEY = open('pub.pem').read()\nAWS_ACCESS_KEY_ID = \"{AWS}\"\nSIGNING = \"\"\"-----BEGIN PRIVATE KEY-----\n{PEM_BODY}\n-----END PRIVATE KEY-----\"\"\"\n\n\ndef verify(token):\n    return jwt.decode(token, PUBLIC_KEY, algorithms=[\"RS256\", \"HS256\"])\n"
    )
}

fn change() -> Change {
    let new = new_text();
    Change::from_texts([("app/auth.py", Some(OLD), new.as_str())], 20).unwrap()
}

const FINDING: &str = r#"{"findings":[{"file":"app/auth.py","line":11,"end_line":null,"severity":"critical","title":"JWT algorithm confusion","explanation":"HS256 is accepted with the RSA public key as the HMAC secret, so anyone can forge tokens.","suggested_fix":"algorithms=[\"RS256\"]","cwe":"CWE-347"}]}"#;

const APIS: [(ReviewApi, &str, &str); 5] = [
    (ReviewApi::Anthropic, "anthropic", "claude-sonnet-4-5"),
    (ReviewApi::OpenaiChat, "openai", "gpt-5"),
    (ReviewApi::OpenaiResponses, "openai", "gpt-5"),
    (ReviewApi::Gemini, "google", "gemini-2.5-pro"),
    (ReviewApi::OpenaiCompatible, "ollama", "qwen2.5-coder:32b"),
];

fn reviewer(api: ReviewApi, provider: &str, model: &str, base: &str, key: Option<&str>) -> Reviewer {
    Reviewer::with_key(&spec(api, provider, model, base), key.map(str::to_string), Duration::from_secs(10))
}

/// The change as the request carries it.
fn user_text(api: ReviewApi, body: &Value) -> String {
    let v = match api {
        ReviewApi::Anthropic => &body["messages"][0]["content"],
        ReviewApi::OpenaiChat | ReviewApi::OpenaiCompatible => &body["messages"][1]["content"],
        ReviewApi::OpenaiResponses => &body["input"],
        ReviewApi::Gemini => &body["contents"][0]["parts"][0]["text"],
    };
    v.as_str().unwrap().to_string()
}

#[tokio::test]
async fn every_api_brings_the_findings_to_the_right_lines() {
    for (api, provider, model) in APIS {
        let server = serve(200, wrap_answer(api, FINDING), Duration::ZERO).await;
        let key = (api != ReviewApi::OpenaiCompatible).then_some("sk-test-key");
        let review = reviewer(api, provider, model, &server.base, key).review(&change(), &Redactor::default()).await.unwrap();
        assert_eq!(review.findings.len(), 1, "{api:?}");
        let f = &review.findings[0];
        assert_eq!((f.file.as_str(), f.line, f.severity), ("app/auth.py", 11, Severity::Critical), "{api:?}");
        assert_eq!(f.cwe.as_deref(), Some("CWE-347"));
        assert_eq!(f.note, None);
        assert_eq!((f.reviewer.provider.as_str(), f.reviewer.model.as_str()), (provider, model));
        assert!(review.redactions >= 2, "{api:?}: {}", review.redactions);

        let seen = server.seen.lock().unwrap().clone();
        assert_eq!(seen.len(), 1);
        let req = &seen[0];
        let body = req.json();
        // The change is there, numbered by the new file; the secrets are not.
        let user = user_text(api, &body);
        assert!(user.contains(r#"    11 +|     return jwt.decode(token, PUBLIC_KEY, algorithms=["RS256", "HS256"])"#), "{api:?}: {user}");
        assert!(user.contains(r#"       -|     return jwt.decode(token, PUBLIC_KEY, algorithms=["RS256"])"#), "{api:?}: {user}");
        assert!(!req.body.contains(AWS) && !req.body.contains(PEM_BODY), "{api:?}: a secret left the machine");
        assert!(!req.body.contains("sk-test-key"));
        match api {
            ReviewApi::Anthropic => {
                assert_eq!(req.path, "/v1/messages");
                assert_eq!(req.header("x-api-key"), Some("sk-test-key"));
                assert!(req.header("anthropic-version").is_some());
                assert_eq!(body["tool_choice"], json!({"type": "tool", "name": "report_findings"}));
                assert_eq!(body["tools"][0]["input_schema"]["required"], json!(["findings"]));
                assert!(body["system"].as_str().unwrap().contains("untrusted data"));
            }
            ReviewApi::OpenaiChat | ReviewApi::OpenaiCompatible => {
                assert_eq!(req.path, "/v1/chat/completions");
                assert_eq!(body["response_format"]["type"], "json_schema");
                assert_eq!(body["response_format"]["json_schema"]["strict"], true);
                assert_eq!(body["response_format"]["json_schema"]["schema"]["properties"]["findings"]["type"], "array");
                match key {
                    Some(k) => assert_eq!(req.header("authorization"), Some(format!("Bearer {k}").as_str())),
                    None => assert_eq!(req.header("authorization"), None),
                }
            }
            ReviewApi::OpenaiResponses => {
                assert_eq!(req.path, "/v1/responses");
                assert_eq!(body["text"]["format"]["type"], "json_schema");
                assert_eq!(body["text"]["format"]["strict"], true);
                assert_eq!(body["store"], false);
                assert_eq!(req.header("authorization"), Some("Bearer sk-test-key"));
            }
            ReviewApi::Gemini => {
                assert_eq!(req.path, format!("/v1beta/models/{model}:generateContent"));
                assert_eq!(req.header("x-goog-api-key"), Some("sk-test-key"));
                let gc = &body["generationConfig"];
                assert_eq!(gc["responseMimeType"], "application/json");
                let item = &gc["responseSchema"]["properties"]["findings"]["items"];
                assert_eq!(item["properties"]["end_line"], json!({"type": "integer", "nullable": true, "description": item["properties"]["end_line"]["description"]}));
                assert!(item.get("additionalProperties").is_none());
            }
        }
    }
}

#[tokio::test]
async fn a_base_url_ending_in_its_version_is_not_doubled() {
    let server = serve(200, wrap_answer(ReviewApi::OpenaiCompatible, r#"{"findings":[]}"#), Duration::ZERO).await;
    let r = reviewer(ReviewApi::OpenaiCompatible, "vllm", "m", &format!("{}/v1", server.base), None);
    assert!(r.review(&change(), &Redactor::default()).await.unwrap().findings.is_empty());
    assert_eq!(server.seen.lock().unwrap()[0].path, "/v1/chat/completions");
    assert_eq!(server.seen.lock().unwrap()[0].json()["max_tokens"], 2048);
}

#[tokio::test]
async fn malformed_answers_are_errors_for_every_api() {
    let item = |f: &dyn Fn(&mut serde_json::Map<String, Value>)| {
        let mut v: Value = serde_json::from_str(FINDING).unwrap();
        f(v["findings"][0].as_object_mut().unwrap());
        v.to_string()
    };
    let docs = [
        "Looks good to me!".to_string(),
        "{\"findings\": [".to_string(),
        r#"{"findings":"none"}"#.to_string(),
        item(&|o| {
            o.insert("line".into(), json!("twelve"));
        }),
        item(&|o| {
            o.insert("severity".into(), json!("catastrophic"));
        }),
        item(&|o| {
            o.insert("file".into(), json!("/etc/passwd"));
        }),
        item(&|o| {
            o.remove("explanation");
        }),
        item(&|o| {
            o.remove("file");
        }),
    ];
    for (api, provider, model) in APIS {
        for doc in &docs {
            let server = serve(200, wrap_answer(api, doc), Duration::ZERO).await;
            let e = reviewer(api, provider, model, &server.base, Some("k")).review(&change(), &Redactor::default()).await.unwrap_err();
            assert!(matches!(e, ReviewError::Malformed { .. }), "{api:?} {doc}: {e}");
        }
    }
    // An Anthropic answer without the forced tool call, an OpenAI refusal, a blocked Gemini prompt.
    let odd = [
        (ReviewApi::Anthropic, json!({"content": [{"type": "text", "text": "{\"findings\": []}"}], "stop_reason": "end_turn"})),
        (ReviewApi::OpenaiChat, json!({"choices": [{"message": {"content": null, "refusal": "I can't help"}}]})),
        (ReviewApi::OpenaiResponses, json!({"status": "incomplete", "output": []})),
        (ReviewApi::Gemini, json!({"promptFeedback": {"blockReason": "SAFETY"}})),
    ];
    for (api, body) in odd {
        let server = serve(200, body.to_string(), Duration::ZERO).await;
        let e = reviewer(api, "x", "m", &server.base, Some("k")).review(&change(), &Redactor::default()).await.unwrap_err();
        assert!(matches!(e, ReviewError::Malformed { .. }), "{api:?}: {e}");
    }
}

#[tokio::test]
async fn error_statuses_timeouts_and_missing_keys() {
    let server = serve(401, json!({"type": "error", "error": {"type": "authentication_error", "message": "invalid x-api-key"}}).to_string(), Duration::ZERO).await;
    let e = reviewer(ReviewApi::Anthropic, "anthropic", "m", &server.base, Some("k")).review(&change(), &Redactor::default()).await.unwrap_err();
    assert!(matches!(&e, ReviewError::Http { status: 401, message, .. } if message == "invalid x-api-key"), "{e}");

    // Ollama's error shape, with a terminal escape in it.
    let server = serve(404, json!({"error": "model \"qwen\u{1b}[2J\" not found"}).to_string(), Duration::ZERO).await;
    let e = reviewer(ReviewApi::OpenaiCompatible, "ollama", "qwen", &server.base, None).review(&change(), &Redactor::default()).await.unwrap_err();
    assert!(matches!(&e, ReviewError::Http { status: 404, message, .. } if message == "model \"qwen [2J\" not found"), "{e}");

    // A redirect is not followed (it would take the key headers and the prompt elsewhere).
    let server = serve(307, String::new(), Duration::ZERO).await;
    let e = reviewer(ReviewApi::Gemini, "google", "g", &server.base, Some("k")).review(&change(), &Redactor::default()).await.unwrap_err();
    assert!(matches!(&e, ReviewError::Http { status: 307, .. }), "{e}");

    let server = serve(200, wrap_answer(ReviewApi::OpenaiChat, FINDING), Duration::from_secs(5)).await;
    let r = Reviewer::with_key(&spec(ReviewApi::OpenaiChat, "openai", "m", &server.base), Some("k".into()), Duration::from_millis(300));
    let e = r.review(&change(), &Redactor::default()).await.unwrap_err();
    assert!(matches!(e, ReviewError::Timeout { .. }), "{e}");

    let mut s = spec(ReviewApi::Gemini, "google", "m", "http://127.0.0.1:9");
    s.api_key_env = Some("AIRLOCK_TEST_SURELY_UNSET_KEY".into());
    let e = Reviewer::from_env(&s, Duration::from_secs(1)).unwrap_err();
    assert!(e.to_string().contains("AIRLOCK_TEST_SURELY_UNSET_KEY"), "{e}");
    // A local OpenAI-compatible server needs no key.
    let mut s = spec(ReviewApi::OpenaiCompatible, "ollama", "m", "http://127.0.0.1:9");
    s.api_key_env = None;
    assert!(Reviewer::from_env(&s, Duration::from_secs(1)).is_ok());
}

#[test]
fn the_blocking_wrapper_runs_outside_a_runtime() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt.block_on(serve(200, wrap_answer(ReviewApi::Gemini, FINDING), Duration::ZERO));
    let r = reviewer(ReviewApi::Gemini, "google", "gemini-2.5-pro", &server.base, Some("k"));
    let review = std::thread::spawn(move || r.review_blocking(&change(), &Redactor::default())).join().unwrap().unwrap();
    assert_eq!(review.findings[0].line, 11);
}
