//! One borrowed pass over a request body: it reads the model and asks the observer whether
//! redaction could change any string, without building a `serde_json::Value`. Most requests have
//! nothing to redact; they are forwarded as they came without ever being copied into a tree.
//!
//! The pass visits every value through `deserialize_any`, exactly as parsing into a `Value`
//! does (the same string, number and depth checks), so a body it reads is a body `Value` reads.
//! It gives up (`None`) on anything else: a body that is not JSON, or a string that redaction
//! would change (the observer runs the redactor's detection on it, under its key); the caller then takes the full path (parse, redact, serialize), which decides
//! as before. The model is the top-level `"model"` string, the last one when the key repeats, as
//! `Value::get("model")` sees it.

use crate::proxy::Observer;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// The model a JSON body names (`Some(None)`: it names none) when redaction would certainly
/// leave the body as it is; `None` when the caller must parse the body whole.
pub fn scan(raw: &[u8], obs: &dyn Observer) -> Option<Option<String>> {
    let mut de = serde_json::Deserializer::from_slice(raw);
    let model = Walk { obs, key: None, top: true, want: false }.deserialize(&mut de).ok()?;
    de.end().ok()?;
    Some(model)
}

/// Stops the pass: this string may be redacted.
const CANDIDATE: &str = "a redaction candidate";

/// One value: `key` is the object key it sits under (as redaction sees it), `top` marks the
/// document itself, `want` a value whose text is wanted back (the model).
#[derive(Clone, Copy)]
struct Walk<'o, 'k> {
    obs: &'o dyn Observer,
    key: Option<&'k str>,
    top: bool,
    want: bool,
}

impl<'de> DeserializeSeed<'de> for Walk<'_, '_> {
    type Value = Option<String>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

/// An object key, copied into a buffer reused for every key of that object.
struct Key<'b>(&'b mut String);

impl<'de> DeserializeSeed<'de> for Key<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.0.clear();
        self.0.push_str(v);
        Ok(())
    }
}

impl<'de> Visitor<'de> for Walk<'_, '_> {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JSON")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        if self.obs.may_redact(self.key, v) {
            return Err(E::custom(CANDIDATE));
        }
        Ok(self.want.then(|| v.to_string()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let item = Walk { obs: self.obs, key: None, top: false, want: false };
        while seq.next_element_seed(item)?.is_some() {}
        Ok(None)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut key = String::new();
        let mut model = None;
        while map.next_key_seed(Key(&mut key))?.is_some() {
            let is_model = self.top && key == "model";
            let found = map.next_value_seed(Walk { obs: self.obs, key: Some(&key), top: false, want: is_model })?;
            if is_model {
                model = found;
            }
        }
        Ok(model)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::observe::AuditObserver;
    use crate::proxy::NoObserver;
    use airlock_redact::Redactor;
    use serde_json::Value;

    fn old_model(raw: &[u8]) -> Option<Option<String>> {
        let v: Value = serde_json::from_slice(raw).ok()?;
        Some(v.get("model").and_then(Value::as_str).map(str::to_string))
    }

    #[test]
    fn reads_what_value_reads() {
        let bodies: &[&str] = &[
            r#"{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}"#,
            r#"{"messages":[],"model":"m\u0065\"x"}"#,
            r#"{"model":"a","model":"b"}"#,
            r#"{"model":"a","model":7}"#,
            r#"{"mod\u0065l":"escaped key"}"#,
            r#"{"x":{"model":"nested"}}"#,
            r#"[{"model":"in an array"}]"#,
            r#""model""#,
            "null",
            "  {\"model\" : \"spaced\" }  ",
            r#"{"n":1e400}"#,
            r#"{"n":-0.0,"m":18446744073709551616,"k":[true,false,null]}"#,
            r#"{"s":"\ud800"}"#,
            "{\"s\":\"\u{7f}\"}",
            "{\"s\":\"\x01\"}",
            r#"{"model":"a"} x"#,
            r#"{"model":"a",}"#,
            "{}",
            "",
            r#"{"model":"a""#,
        ];
        for b in bodies {
            assert_eq!(scan(b.as_bytes(), &NoObserver), old_model(b.as_bytes()), "{b}");
        }
        assert_eq!(scan(b"{\"s\":\"\xff\"}", &NoObserver), None, "not UTF-8");
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert_eq!(scan(deep.as_bytes(), &NoObserver), old_model(deep.as_bytes()), "depth limit");
    }

    #[test]
    fn gives_up_where_redaction_may_change_a_string() {
        let obs = AuditObserver::new(Some(Redactor::default()), None);
        let plain = r#"{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Run the tests."}]}"#;
        assert_eq!(scan(plain.as_bytes(), &obs), Some(Some("gpt-4o-mini".into())));
        for b in [
            r#"{"model":"m","messages":[{"role":"user","content":"use ghp_0a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R"}]}"#,
            r#"{"model":"m","env":{"DB_PASSWORD":"Zx9-kLm2-Qw"}}"#,
            r#"{"model":"m","u":"postgres:\/\/app:hunter2@db\/app"}"#,
            r#"{"model":"m","k":"\u0041KIA2E0A8F3B244C9986"}"#,
        ] {
            assert_eq!(scan(b.as_bytes(), &obs), None, "{b}");
        }
    }
}
