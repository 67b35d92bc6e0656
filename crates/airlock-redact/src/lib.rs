//! Finds and redacts secrets in text and JSON leaving the machine.
//!
//! The gateway runs every request body going to a model provider through a
//! [`Redactor`]: tool results and file contents carry private keys, API tokens and
//! `.env` files back to the provider. Each secret is replaced by `[REDACTED:<kind>]`
//! ([`kinds::KINDS`] lists the kinds, what they match and an example of each).
//!
//! Properties the callers rely on:
//! - **Deterministic and idempotent**: the same input always gives the same output,
//!   and redacting a redacted text changes nothing (agents re-send the whole
//!   conversation every turn; provider prompt caching keeps working). Markers already
//!   in the text are never touched, and [`Redactor::redact_str`] re-scans its own
//!   output until nothing more is found.
//! - **Fast path**: a text with nothing to redact comes back as `Cow::Borrowed`.
//!   Detection is prefiltered by literal anchors and runs in linear time (a lazy DFA
//!   for token shapes, Aho-Corasick for names, memchr for key armour and URLs).
//! - **Safe output**: ranges lie on character boundaries and never split an escape
//!   sequence (`\"`, `\\`), and markers hold no quote or backslash, so text that is
//!   itself JSON- or shell-escaped stays well-formed.
//! - Only what it is given: the caller decides what to redact (the gateway passes
//!   the body, never the agent's own credentials header).
//!
//! The same detection classifies environment variables for the sandbox:
//! [`Redactor::is_secret_name`], [`Redactor::classify_value`], [`Redactor::classify_env`].
#![forbid(unsafe_code)]

mod assign;
mod json;
pub mod kinds;
mod names;
mod pem;
mod span;
mod tokens;
mod url;
mod values;

pub use names::NameStrength;

use span::Cand;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// How many times [`Redactor::redact_str`] re-scans its own output at most.
const MAX_PASSES: usize = 8;
/// Shortest text a built-in detector can find something in (`pwd=abcd`): the many
/// short strings of a JSON request skip straight past.
const MIN_BUILTIN: usize = 8;
/// Priority of a range found by a configured pattern.
const PRIO_EXTRA: u8 = 2;

/// The crate's error.
#[derive(Debug, thiserror::Error)]
pub enum RedactError {
    /// A configured pattern does not compile.
    #[error("redaction pattern for kind `{kind}` is not a valid regex: {source}")]
    BadPattern {
        /// The kind it was configured for.
        kind: String,
        /// Why it does not compile.
        #[source]
        source: Box<regex::Error>,
    },
    /// A configured kind name is not lower-case letters, digits and `-`.
    #[error("`{0}` cannot name a redaction kind: use 1 to 64 lower-case letters, digits and `-`")]
    BadKindName(String),
    /// A kind to disable that no detector produces.
    #[error("cannot disable unknown redaction kind `{0}` (see `airlock_redact::kinds::KINDS`)")]
    UnknownKind(String),
}

/// What to change from the built-in set.
#[derive(Clone, Debug, Default)]
pub struct RedactOptions {
    /// Kinds to leave alone (built-in or extra), e.g. `jwt`.
    pub disabled: Vec<String>,
    /// More patterns, as (kind, regex). A match is redacted whole, or only its first
    /// capture group when the regex has one (`api_secret=(\w+)` keeps the name).
    pub extra: Vec<(String, String)>,
}

/// One replaced range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redaction {
    /// The kind (`private-key`, `github-token`, a configured kind, …).
    pub kind: String,
    /// Start, in bytes of the input text.
    pub start: usize,
    /// End (exclusive), in bytes of the input text.
    pub end: usize,
}

/// Counts of what a document's redaction replaced (for the audit record).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RedactionSummary {
    /// Every replaced range.
    pub total: u64,
    /// Per kind.
    pub by_kind: BTreeMap<String, u64>,
}

impl RedactionSummary {
    fn add(&mut self, kind: &str) {
        self.total += 1;
        *self.by_kind.entry(kind.to_string()).or_insert(0) += 1;
    }
}

/// A configured pattern.
#[derive(Debug)]
struct Extra {
    kind: String,
    re: regex::Regex,
}

/// Finds and redacts secrets. Build once and share: it is `Send + Sync`, and the
/// built-in automata are compiled once per process.
#[derive(Debug, Default)]
pub struct Redactor {
    disabled: Vec<String>,
    extras: Vec<Extra>,
}

impl Redactor {
    /// The built-in set changed by `opts`. Fails on a bad extra regex or kind name
    /// (the error names it) and on disabling a kind that does not exist.
    pub fn new(opts: &RedactOptions) -> Result<Redactor, RedactError> {
        let mut extras = Vec::with_capacity(opts.extra.len());
        for (kind, pattern) in &opts.extra {
            if !kinds::valid_kind_name(kind) {
                return Err(RedactError::BadKindName(kind.clone()));
            }
            let re = regex::RegexBuilder::new(pattern)
                .size_limit(1 << 24)
                .build()
                .map_err(|e| RedactError::BadPattern { kind: kind.clone(), source: Box::new(e) })?;
            extras.push(Extra { kind: kind.clone(), re });
        }
        for d in &opts.disabled {
            if kinds::kind(d).is_none() && !extras.iter().any(|e| &e.kind == d) {
                return Err(RedactError::UnknownKind(d.clone()));
            }
        }
        Ok(Redactor { disabled: opts.disabled.clone(), extras })
    }

    /// Whether `kind` is redacted by this redactor.
    pub fn enabled(&self, kind: &str) -> bool {
        !self.disabled.iter().any(|d| d == kind)
    }

    /// Every kind this redactor can produce.
    pub fn kinds(&self) -> Vec<&str> {
        let builtin = kinds::KINDS.iter().map(|k| k.name);
        let extra = self.extras.iter().map(|e| e.kind.as_str());
        let mut all: Vec<&str> = builtin.chain(extra).filter(|k| self.enabled(k)).collect();
        all.dedup();
        all
    }

    /// The text with every secret replaced by `[REDACTED:<kind>]`, and the replaced
    /// ranges (in bytes of `text`, in order, disjoint). Borrowed when nothing was found.
    pub fn redact_str<'a>(&self, text: &'a str) -> (Cow<'a, str>, Vec<Redaction>) {
        self.redact_seeded(text, None)
    }

    /// [`Self::redact_str`] with one more candidate range (a JSON value under a secret key).
    fn redact_seeded<'a>(&self, text: &'a str, seed: Option<Cand<'static>>) -> (Cow<'a, str>, Vec<Redaction>) {
        let mut cands = self.detect(text);
        cands.extend(seed);
        let mut ranges = span::resolve(text, cands);
        if ranges.is_empty() {
            return (Cow::Borrowed(text), Vec::new());
        }
        let mut out = span::render(text, &ranges);
        // Removing a secret can change what its neighbours look like; go on until the
        // output is stable, so redacting it again finds nothing.
        for _ in 0..MAX_PASSES {
            let again = span::resolve(&out, self.detect(&out));
            if again.is_empty() {
                break;
            }
            let mut all = ranges;
            all.extend(span::map_back(&all.clone(), &again));
            ranges = span::resolve(text, all);
            out = span::render(text, &ranges);
        }
        let found = ranges.iter().map(|r| Redaction { kind: r.kind.to_string(), start: r.start, end: r.end }).collect();
        (Cow::Owned(out), found)
    }

    /// Every candidate range in `text`, unmerged.
    fn detect(&self, text: &str) -> Vec<Cand<'_>> {
        let mut c: Vec<Cand<'_>> = Vec::new();
        if text.len() >= MIN_BUILTIN {
            self.detect_builtin(text, &mut c);
        }
        for x in self.extras.iter().filter(|x| self.enabled(&x.kind)) {
            for caps in x.re.captures_iter(text) {
                if let Some(m) = caps.get(1).or_else(|| caps.get(0)).filter(|m| !m.is_empty()) {
                    c.push(Cand { start: m.start(), end: m.end(), kind: &x.kind, prio: PRIO_EXTRA });
                }
            }
        }
        c
    }

    fn detect_builtin(&self, text: &str, c: &mut Vec<Cand<'_>>) {
        let en = |k: &str| self.enabled(k);
        pem::find(text, en("private-key"), en("putty-key"), c);
        tokens::find(text, &en, c);
        if en("url-password") {
            url::find(text, c);
        }
        if en("password") || en("secret") || en("high-entropy") {
            assign::find(text, &en, c);
        }
    }

    /// Whether a variable, key, option or header name is strongly secret-shaped
    /// (`GITHUB_TOKEN`, `DB_PASSWORD`, `apiKey`, `AWS_SECRET_ACCESS_KEY`), so any
    /// real value of it is a secret. Not: `TOKENIZER_PATH`, `KEYBOARD`,
    /// `PRIMARY_KEY_COLUMN`, `password_hash`, `max_tokens`, nor weak names like `key`.
    pub fn is_secret_name(name: &str) -> bool {
        names::classify(name).strength == NameStrength::Strong
    }

    /// How secret-shaped a name is: strong, weak (`key`, `auth`: only random-looking
    /// values count) or not at all.
    pub fn name_strength(name: &str) -> NameStrength {
        names::classify(name).strength
    }

    /// The kind of credential `value` holds by its shape alone (a token format, a
    /// private key, a URL with a password, a configured pattern), if any.
    pub fn classify_value(&self, value: &str) -> Option<&str> {
        let mut c: Vec<Cand<'_>> = Vec::new();
        let en = |k: &str| self.enabled(k);
        pem::find(value, en("private-key"), en("putty-key"), &mut c);
        tokens::find(value, &en, &mut c);
        if en("url-password") {
            url::find(value, &mut c);
        }
        for x in self.extras.iter().filter(|x| self.enabled(&x.kind)) {
            if x.re.find(value).is_some_and(|m| !m.is_empty()) {
                c.push(Cand { start: 0, end: 1, kind: &x.kind, prio: PRIO_EXTRA });
            }
        }
        c.sort_by(|a, b| b.prio.cmp(&a.prio).then(a.start.cmp(&b.start)));
        c.first().map(|c| c.kind)
    }

    /// Whether an environment variable holds a secret, and of which kind: its value's
    /// shape ([`Self::classify_value`]), or a strongly secret name with a real value,
    /// or a weakly secret name with a random-looking value.
    pub fn classify_env(&self, name: &str, value: &str) -> Option<&str> {
        if let Some(k) = self.classify_value(value) {
            return Some(k);
        }
        let class = names::classify(name);
        let ctx = values::ValueCtx { quoted: true, sep: values::Sep::Json, spaced: false, upper_name: true, term: None };
        (class.strength != NameStrength::None && self.enabled(class.kind) && values::accept(value, &ctx, class.strength))
            .then_some(class.kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redactor_is_send_sync() {
        fn ok<T: Send + Sync>() {}
        ok::<Redactor>();
    }

    #[test]
    fn options_errors_name_the_culprit() {
        let bad = RedactOptions { extra: vec![("my-kind".into(), "(unclosed".into())], ..Default::default() };
        let e = Redactor::new(&bad).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("my-kind"), "{e}");
        let unknown = RedactOptions { disabled: vec!["jwtt".into()], ..Default::default() };
        assert!(matches!(Redactor::new(&unknown), Err(RedactError::UnknownKind(k)) if k == "jwtt"));
        let name = RedactOptions { extra: vec![("Bad Kind".into(), "x".into())], ..Default::default() };
        assert!(matches!(Redactor::new(&name), Err(RedactError::BadKindName(_))));
    }

    #[test]
    fn disabled_and_extra_kinds() {
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.sflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
        let r = Redactor::new(&RedactOptions { disabled: vec!["jwt".into()], ..Default::default() });
        let r = r.unwrap_or_default();
        assert_eq!(r.redact_str(jwt).0, jwt);
        let opts = RedactOptions { extra: vec![("acme-key".into(), r"acme_key=(\w{8,})".into())], ..Default::default() };
        let r = Redactor::new(&opts).unwrap_or_default();
        assert_eq!(r.redact_str("acme_key=abcdefgh12 ok").0, "acme_key=[REDACTED:acme-key] ok");
        assert_eq!(r.classify_value("acme_key=abcdefgh12"), Some("acme-key"));
    }

    #[test]
    fn env_classification() {
        let r = Redactor::default();
        assert_eq!(r.classify_env("GITHUB_TOKEN", "abcdef123456"), Some("secret"));
        assert_eq!(r.classify_env("PATH", "/usr/bin:/bin"), None);
        assert_eq!(r.classify_env("EDITOR", "vim"), None);
        assert_eq!(r.classify_env("ANYTHING", "ghp_0a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R"), Some("github-token"));
        assert_eq!(r.classify_env("DB_PASSWORD", ""), None);
        assert_eq!(r.classify_env("SESSION", "q8XzT2vN5mR7pL3wK9sD"), Some("high-entropy"));
    }
}
