//! Redaction of every string value in a JSON document (object keys stay as they are).

use crate::names::NameStrength;
use crate::span::Cand;
use crate::values::{self, Sep, ValueCtx};
use crate::{names, Redactor, RedactionSummary};
use serde_json::Value;
use std::borrow::Cow;

/// Priority of a whole string redacted for its key (under any detector inside it).
const PRIO_KEY: u8 = 1;

impl Redactor {
    /// Redacts every string value of `value`, at any depth, in place, and counts what
    /// was replaced. Object keys are never changed, but a string under a strongly
    /// secret-named key (`{"DB_PASSWORD": "hunter2"}`) is redacted whole when it is
    /// not a placeholder. Strings are replaced by strings, so the document stays
    /// valid JSON of the same shape.
    pub fn redact_json(&self, value: &mut Value) -> RedactionSummary {
        let mut summary = RedactionSummary::default();
        // An explicit stack: no recursion limit on documents built in memory.
        let mut stack: Vec<(&mut Value, Option<&str>)> = vec![(value, None)];
        while let Some((v, key)) = stack.pop() {
            match v {
                Value::String(s) => self.redact_string(s, key, &mut summary),
                Value::Array(items) => stack.extend(items.iter_mut().map(|i| (i, None))),
                Value::Object(map) => stack.extend(map.iter_mut().map(|(k, v)| (v, Some(k.as_str())))),
                Value::Null | Value::Bool(_) | Value::Number(_) => {}
            }
        }
        summary
    }

    /// Whether [`Self::redact_json`] would change the string value `text` under the object key
    /// `key` (`None` for an array item or the document itself): `false` means it certainly would
    /// not. The same detection redaction runs, without building or rewriting anything, so a caller
    /// holding a JSON text can skip parsing it into a `Value` when nothing in it would change.
    pub fn may_redact(&self, key: Option<&str>, text: &str) -> bool {
        key.and_then(|k| self.key_seed(k, text)).is_some() || !self.detect(text).is_empty()
    }

    fn redact_string(&self, s: &mut String, key: Option<&str>, summary: &mut RedactionSummary) {
        let seed = key.and_then(|k| self.key_seed(k, s));
        let (out, found) = self.redact_seeded(s, seed);
        if let Cow::Owned(new) = out {
            *s = new;
        }
        for r in found {
            summary.add(&r.kind);
        }
    }

    /// The whole string as a candidate when its key is strongly secret-shaped.
    fn key_seed(&self, key: &str, value: &str) -> Option<Cand<'static>> {
        let class = names::classify(key);
        if class.strength != NameStrength::Strong || !self.enabled(class.kind) {
            return None;
        }
        let ctx = ValueCtx { quoted: true, sep: Sep::Json, spaced: false, upper_name: false, term: None };
        values::accept(value, &ctx, class.strength).then_some(Cand {
            start: 0,
            end: value.len(),
            kind: class.kind,
            prio: PRIO_KEY,
        })
    }
}
