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
            audit.record(Record {
                kind: "tool_call".into(),
                client: r.client.clone(),
                provider: r.provider.clone(),
                model: r.model.clone(),
                tool: Some(c.name.clone()),
                decision: Some(if j.blocked { "blocked".into() } else { j.decision.to_string() }),
                rules: j.rules.clone(),
                detail: json!({
                    "call_id": c.id, "verdict": j.decision.as_str(), "reason": j.reason,
                    "input": c.input, "soft_replacement": j.replacement,
                }),
                ..Record::default()
            });
        }
    }
}
