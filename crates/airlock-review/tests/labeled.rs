//! The labeled set (`fixtures/labeled.json`: planted holes and clean changes in several languages)
//! through the whole pipeline with a scripted reviewer that reads the prompt as a model would: it
//! finds the planted line in the numbered change and reports the number shown there. The finding
//! must land on the planted line of the new file; clean changes give no findings.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use airlock_redact::Redactor;
use airlock_review::{Change, ReviewApi, Reviewer};
use common::{serve_fn, spec, wrap_answer};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

/// The scripted reviewer: the number of the added line (`N +| text`) of the prompt containing `planted`.
fn scripted(api: ReviewApi, path: String, planted: Option<String>, severity: String) -> common::Responder {
    Arc::new(move |body: &str| {
        let req: Value = serde_json::from_str(body).unwrap();
        let user = match api {
            ReviewApi::Anthropic => req["messages"][0]["content"].as_str().unwrap().to_string(),
            ReviewApi::Gemini => req["contents"][0]["parts"][0]["text"].as_str().unwrap().to_string(),
            ReviewApi::OpenaiResponses => req["input"].as_str().unwrap().to_string(),
            _ => req["messages"][1]["content"].as_str().unwrap().to_string(),
        };
        let findings: Vec<Value> = planted
            .iter()
            .filter_map(|p| {
                let line = user.lines().find(|l| l.contains(" +| ") && l.contains(p.as_str()))?;
                let n: u64 = line.split(" +| ").next()?.trim().parse().ok()?;
                Some(json!({"file": path, "line": n, "end_line": null, "severity": severity,
                    "title": "planted", "explanation": "scripted", "suggested_fix": null, "cwe": null}))
            })
            .collect();
        wrap_answer(api, &json!({ "findings": findings }).to_string())
    })
}

#[tokio::test]
async fn findings_land_on_the_planted_lines() {
    let set: Value = serde_json::from_str(include_str!("fixtures/labeled.json")).unwrap();
    let cases = set["cases"].as_array().unwrap();
    assert!(cases.len() >= 10);
    let apis = [ReviewApi::Anthropic, ReviewApi::OpenaiChat, ReviewApi::OpenaiResponses, ReviewApi::Gemini];
    let (mut planted_found, mut clean_quiet) = (0, 0);
    for (i, c) in cases.iter().enumerate() {
        let (name, path) = (c["name"].as_str().unwrap(), c["path"].as_str().unwrap());
        let (old, new) = (c["old"].as_str().unwrap(), c["new"].as_str().unwrap());
        let planted = c["planted"].as_str().map(str::to_string);
        let api = apis[i % apis.len()];
        let server = serve_fn(200, scripted(api, path.into(), planted.clone(), c["severity"].as_str().unwrap().into()), Duration::ZERO).await;
        let change = Change::from_texts([(path, Some(old), new)], 20).unwrap();
        let r = Reviewer::with_key(&spec(api, "x", "m", &server.base), Some("k".into()), Duration::from_secs(10));
        let review = r.review(&change, &Redactor::default()).await.unwrap();
        match planted {
            Some(p) => {
                let want = new.lines().position(|l| l.contains(p.as_str())).unwrap() + 1;
                assert_eq!(review.findings.len(), 1, "{name}: the scripted reviewer did not see the planted line");
                let f = &review.findings[0];
                assert_eq!((f.file.as_str(), f.line as usize), (path, want), "{name}");
                assert_eq!(f.note, None, "{name}");
                assert_eq!(change.files[0].line(f.line).unwrap(), new.lines().nth(want - 1).unwrap(), "{name}");
                planted_found += 1;
            }
            None => {
                assert!(review.findings.is_empty(), "{name}");
                clean_quiet += 1;
            }
        }
        let sent = &server.seen.lock().unwrap()[0].body;
        assert!(!sent.contains("MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7"), "{name}: a secret left the machine");
    }
    assert_eq!((planted_found, clean_quiet), (8, 3));
}
