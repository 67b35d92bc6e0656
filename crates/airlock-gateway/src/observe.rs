//! The production observer: secrets redacted on the way out, every request and call in the audit store.

use crate::proxy::{Observer, RequestRecord};
use airlock_audit::{AuditHandle, Record};
use airlock_redact::Redactor;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};

/// Redaction and audit, each optional.
pub struct AuditObserver {
    pub redactor: Option<Redactor>,
    pub audit: Option<AuditHandle>,
    /// Requests seen, for the shutdown summary.
    pub requests: AtomicU64,
    pub blocked: AtomicU64,
}

impl AuditObserver {
    pub fn new(redactor: Option<Redactor>, audit: Option<AuditHandle>) -> Self {
        AuditObserver { redactor, audit, requests: AtomicU64::new(0), blocked: AtomicU64::new(0) }
    }
}

impl Observer for AuditObserver {
    fn redact(&self, body: &mut Value) -> u64 {
        self.redactor.as_ref().map_or(0, |r| r.redact_json(body).total)
    }

    fn may_redact(&self, key: Option<&str>, text: &str) -> bool {
        self.redactor.as_ref().is_some_and(|r| r.may_redact(key, text))
    }

    fn request(&self, r: &RequestRecord) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let blocked = r.calls.iter().filter(|c| c.judgement.blocked).count() as u64;
        self.blocked.fetch_add(blocked, Ordering::Relaxed);
        for c in &r.calls {
            if c.judgement.blocked {
                tracing::warn!(tool = %c.name, rules = ?c.judgement.rules, "blocked: {}", c.judgement.reason);
            }
        }
        if let Some(r2) = &r.refused {
            tracing::warn!(path = %r.path, "refused: {r2}");
        }
        let Some(audit) = &self.audit else { return };
        let decision = if r.refused.is_some() { Some("refused".to_string()) } else { None };
        audit.record(Record {
            kind: "request".into(),
            client: r.client.clone(),
            provider: r.provider.clone(),
            model: r.model.clone(),
            decision,
            redactions: r.redactions,
            detail: json!({
                "path": r.path, "status": r.status, "refused": r.refused,
                "incomplete": r.incomplete, "micros": r.micros, "calls": r.calls.len(),
            }),
            ..Record::default()
        });
        for c in &r.calls {
            let j = &c.judgement;
            let mut detail = json!({
                "call_id": c.id, "verdict": j.decision.as_str(), "reason": j.reason,
                "input": c.input, "soft_replacement": j.replacement,
            });
            if let (false, Some(d)) = (c.writes.is_empty(), detail.as_object_mut()) {
                d.insert("writes".into(), Value::from(c.writes.clone()));
            }
            if let (Some(review), Some(d)) = (&j.review, detail.as_object_mut()) {
                d.insert("review".into(), review.clone());
            }
            audit.record(Record {
                kind: "tool_call".into(),
                client: r.client.clone(),
                provider: r.provider.clone(),
                model: r.model.clone(),
                tool: Some(c.name.clone()),
                decision: Some(if j.blocked { "blocked".into() } else { j.decision.to_string() }),
                rules: j.rules.clone(),
                detail,
                ..Record::default()
            });
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::filter::{CallRecord, RECORD_INPUT_CAP};
    use crate::judge::Judgement;
    use airlock_audit::{AuditStore, AuditWriter};

    #[test]
    fn write_calls_record_what_they_wrote() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("audit.db");
        let handle = AuditWriter::spawn(AuditStore::open(&db).unwrap());
        let obs = AuditObserver::new(None, Some(handle.clone()));
        let small = json!({"file_path": "/r/app.py", "content": "import os\nprint(os.getcwd())\n"}).to_string();
        let big_text: String = (0..8000).map(|i| format!("value_{i} = compute({i})\n")).collect();
        let big = json!({"file_path": "/r/big.py", "content": big_text}).to_string();
        assert!(big.len() > RECORD_INPUT_CAP);
        let calls = vec![
            CallRecord::new(Some("c1"), "Write", &small, Judgement::pass()),
            CallRecord::new(Some("c2"), "Write", &big, Judgement::pass()),
            CallRecord::new(Some("c3"), "Bash", "{\"command\":\"ls\"}", Judgement::pass()),
        ];
        obs.request(&RequestRecord { provider: Some("anthropic".into()), model: Some("claude-sonnet-4-5".into()), calls, ..RequestRecord::default() });
        handle.shutdown().unwrap();
        let entries = AuditStore::open(&db).unwrap().tail(10).unwrap();
        let detail = |id: &str| entries.iter().find(|e| e.record.detail["call_id"] == id).unwrap().record.detail.clone();
        let w = &detail("c1")["writes"][0];
        assert_eq!((w["path"].as_str(), w["lines"].as_u64()), (Some("/r/app.py"), Some(2)));
        assert_eq!(w["sha256"].as_str().unwrap().len(), 64);
        assert!(w.get("line_keys").is_none(), "the input is whole: no keys needed");
        let w = &detail("c2")["writes"][0];
        assert_eq!(w["lines"], 8000);
        assert_eq!(w["line_keys"].as_array().unwrap().len(), 8000, "a cut input keeps its line keys");
        assert!(detail("c3").get("writes").is_none());
        // Provenance reads it back, the cut write included.
        let p = airlock_review::Provenance::load(&db).unwrap();
        assert_eq!(p.origin("app.py", "print(os.getcwd())").len(), 1);
        assert_eq!(p.origin("big.py", "value_7999 = compute(7999)")[0].provider, "anthropic");
    }
}
