//! Is a variable, key, option or header name secret-shaped?
//!
//! The name is split into words (`_ - . :` and camelCase: `AWS_SECRET_ACCESS_KEY`,
//! `apiKey`, `X-Api-Key`, `spring.datasource.password`), trailing wrapper words are
//! dropped (`_VALUE`, `_B64`, `_PROD`, digits), and the last word decides:
//! `password`/`token`/`secret` are strong, `key` is strong after `api`/`secret`/
//! `private`/… and weak otherwise, a qualifier (`_PATH`, `_ID`, `_HASH`, `_COLUMN`, …)
//! makes it no secret at all (`TOKENIZER_PATH`, `PRIMARY_KEY_COLUMN`, `password_hash`).

use std::collections::HashSet;
use std::sync::LazyLock;

/// How secret-shaped a name is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum NameStrength {
    /// Not a secret name (`KEYBOARD`, `max_tokens`, `TOKENIZER_PATH`).
    None,
    /// Only a random-looking value makes it a secret (`key`, `auth`, `session`).
    Weak,
    /// Any real (non-placeholder) value is a secret (`DB_PASSWORD`, `GITHUB_TOKEN`).
    Strong,
}

/// A classified name: its strength and the kind its value is redacted as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct NameClass {
    pub strength: NameStrength,
    pub kind: &'static str,
}

const NONE: NameClass = NameClass { strength: NameStrength::None, kind: "" };
const PASSWORD: NameClass = NameClass { strength: NameStrength::Strong, kind: "password" };
const SECRET: NameClass = NameClass { strength: NameStrength::Strong, kind: "secret" };
const WEAK: NameClass = NameClass { strength: NameStrength::Weak, kind: "high-entropy" };

/// Last words that say the value is something else about the secret.
const QUALIFIERS: &[&str] = &[
    "path", "file", "filename", "filepath", "dir", "directory", "name", "names", "id", "ids", "url", "uri", "urls",
    "endpoint", "host", "hostname", "port", "length", "len", "size", "count", "limit", "max", "min", "hash",
    "hashed", "digest", "column", "col", "field", "fields", "type", "types", "kind", "env", "var", "variable",
    "header", "headers", "prefix", "suffix", "format", "label", "placeholder", "regex", "re", "pattern", "example",
    "expiry", "expires", "expiration", "expire", "expired", "expiresat", "ttl", "timeout", "lifetime", "age",
    "policy", "ref", "reference", "enabled", "enable", "disabled", "required", "provider", "store", "manager",
    "helper", "validator", "validation", "validate", "strength", "reset", "rotation", "version", "mode", "scope",
    "scopes", "location", "source", "arn", "param", "parameter", "prompt", "message", "msg", "hint", "input",
    "index", "class", "schema", "template", "command", "cmd", "script", "method", "style", "icon", "sha",
    "checksum", "fingerprint", "usage", "budget", "window", "estimate", "counter", "rate", "used", "cost",
    "ratio", "flag", "check", "visible", "button", "form", "text", "title", "description", "desc", "help", "doc",
    "link", "selector", "rule", "rules", "error", "errors", "status", "state", "event", "callback", "handler",
    "fn", "func", "function", "request", "response", "service", "module", "object", "config", "settings",
    "option", "options", "list", "map", "table", "set", "get", "is", "has", "exists", "missing", "valid",
    "invalid", "changed", "updated", "created", "at", "by", "algorithm", "alg", "algo", "bits", "mask", "tokens",
    "keys", "secrets", "passwords", "tokenizer", "tokenize", "tokenized", "sock", "socket", "agent", "mechanism",
    "method", "type", "user", "username", "login", "account", "email", "store", "vault", "signature", "sig",
];

/// Trailing words that wrap the value without changing what it is.
const WRAPPERS: &[&str] = &[
    "value", "val", "b64", "base64", "str", "string", "raw", "plain", "plaintext", "enc", "encrypted", "hex",
    "bytes", "data", "prod", "production", "dev", "development", "staging", "stage", "test", "local", "live",
    "new", "old", "confirm", "confirmation", "again", "current", "override", "default", "base",
];

/// Words (and word endings) that make a password.
const PASS_WORDS: &[&str] = &["password", "passwd", "pass", "pwd", "passphrase", "passcode", "pw"];
const PASS_ENDINGS: &[&str] = &["password", "passwd", "passphrase", "passcode"];
/// Single words (and endings of compounds like `accesstoken`) that make a secret.
const SECRET_WORDS: &[&str] = &["secret", "token", "credential", "credentials", "creds", "authorization", "bearer"];
const SECRET_ENDINGS: &[&str] = &[
    "secret", "token", "apikey", "secretkey", "privatekey", "accesskey", "authkey", "signingkey", "masterkey",
    "encryptionkey", "licensekey", "sshkey", "appkey", "clientkey", "credentials",
];
/// `<word>_token` that is not a credential (tokenizers, pagination, cancellation).
const TOKEN_NOT_SECRET: &[&str] = &[
    "cancellation", "continuation", "next", "page", "pagination", "sync", "lexer", "parser", "eof", "input",
    "output", "max", "num", "total", "special", "bos", "eos", "pad", "unk", "mask", "sep", "cls", "start", "end",
    "stop", "first", "last", "prev", "previous", "word", "sentence", "image", "text", "vocab", "new", "cache",
];
/// `<word>_key` that is a credential.
const KEY_STRONG: &[&str] = &[
    "api", "secret", "private", "access", "signing", "sign", "encryption", "encrypt", "decryption", "master",
    "client", "auth", "app", "application", "license", "licence", "deploy", "deployment", "ssh", "gpg", "pgp",
    "storage", "subscription", "admin", "root", "shared", "webhook", "hmac", "jwt", "session", "consumer", "cipher",
    "aes", "rsa", "crypto", "security", "service", "account",
];
/// `<word>_key` that is no credential.
const KEY_NOT_SECRET: &[&str] = &[
    "public", "publishable", "primary", "foreign", "unique", "sort", "partition", "cache", "lookup", "map", "dict",
    "hash", "index", "row", "composite", "natural", "surrogate", "object", "bucket", "registry", "idempotency",
    "translation", "i18n", "react", "list", "item", "group", "hot", "short", "shortcut", "sequence", "dedup",
    "routing", "range", "shard", "join", "query", "search", "order", "record", "entity", "column", "attribute",
    "attr", "json", "yaml", "env", "config", "setting", "settings", "foreign", "message", "event", "state", "store",
    "prompt", "cursor", "pagination", "page", "lock", "dict", "field", "type", "metric", "label", "header",
];
/// Last words that are secret only with a random-looking value.
const WEAK_WORDS: &[&str] = &["key", "auth", "oauth", "cookie", "session", "sessionid", "salt", "dsn", "hmac", "pat"];

/// The word lists as sets, built once.
struct Lists {
    qualifiers: HashSet<&'static str>,
    wrappers: HashSet<&'static str>,
    pass_words: HashSet<&'static str>,
    secret_words: HashSet<&'static str>,
    token_not_secret: HashSet<&'static str>,
    key_strong: HashSet<&'static str>,
    key_not_secret: HashSet<&'static str>,
    weak_words: HashSet<&'static str>,
}

static LISTS: LazyLock<Lists> = LazyLock::new(|| {
    let set = |l: &[&'static str]| l.iter().copied().collect::<HashSet<_>>();
    Lists {
        qualifiers: set(QUALIFIERS),
        wrappers: set(WRAPPERS),
        pass_words: set(PASS_WORDS),
        secret_words: set(SECRET_WORDS),
        token_not_secret: set(TOKEN_NOT_SECRET),
        key_strong: set(KEY_STRONG),
        key_not_secret: set(KEY_NOT_SECRET),
        weak_words: set(WEAK_WORDS),
    }
});

/// Classifies a name.
pub(crate) fn classify(name: &str) -> NameClass {
    let name = name.trim_matches(|c: char| !c.is_ascii_alphanumeric());
    if name.is_empty() || name.len() > 96 {
        return NONE;
    }
    let lower = name.to_ascii_lowercase();
    if lower == "pwd" || lower == "oldpwd" {
        return NONE;
    }
    let l = &*LISTS;
    // Words as ranges of the name, looked up in lower case.
    let mut words: Vec<&str> = split(name).into_iter().filter_map(|(s, e)| lower.get(s..e)).collect();
    while words.len() > 1 && words.last().is_some_and(|w| l.wrappers.contains(w)) {
        words.pop();
    }
    let Some(last) = words.last().copied() else { return NONE };
    let prev = words.len().checked_sub(2).and_then(|i| words.get(i)).copied();
    if l.qualifiers.contains(last) {
        return NONE;
    }
    if l.pass_words.contains(last) || PASS_ENDINGS.iter().any(|x| last.ends_with(x)) {
        return PASSWORD;
    }
    if last.ends_with("token") {
        let compound = last.len() > 5;
        let not_secret = prev.is_some_and(|p| l.token_not_secret.contains(p))
            || (compound && TOKEN_NOT_SECRET.iter().any(|x| last.len() > x.len() && last.starts_with(x)));
        return if not_secret { NONE } else { SECRET };
    }
    if l.secret_words.contains(last) || SECRET_ENDINGS.iter().any(|x| last.ends_with(x)) {
        return SECRET;
    }
    if last == "key" {
        return match prev {
            Some(p) if l.key_strong.contains(p) => SECRET,
            Some(p) if l.key_not_secret.contains(p) => NONE,
            _ => WEAK,
        };
    }
    if l.weak_words.contains(last) {
        // `pat` alone is too common a word; GITHUB_PAT, GITLAB_PAT are not.
        return if last == "pat" && prev.is_none() { NONE } else { WEAK };
    }
    NONE
}

/// Splits on non-alphanumerics and camelCase humps, as byte ranges; trailing digits
/// of each word are dropped.
fn split(name: &str) -> Vec<(usize, usize)> {
    let b = name.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    for i in 0..=b.len() {
        let c = b.get(i).copied();
        let boundary = match c {
            None => true,
            Some(c) if !c.is_ascii_alphanumeric() => true,
            Some(c) if i > start => {
                let p = b.get(i - 1).copied().unwrap_or(0);
                let next_lower = b.get(i + 1).is_some_and(u8::is_ascii_lowercase);
                // fooBar | APIKey (split before `K`) | key2Name
                (p.is_ascii_lowercase() && c.is_ascii_uppercase())
                    || (p.is_ascii_uppercase() && c.is_ascii_uppercase() && next_lower)
                    || (p.is_ascii_digit() && c.is_ascii_alphabetic())
            }
            Some(_) => false,
        };
        if boundary {
            push_word(b, &mut out, start, i);
            // A separator is not part of the next word; a hump starts it.
            start = if c.is_some_and(|c| c.is_ascii_alphanumeric()) { i } else { i + 1 };
        }
    }
    out
}

fn push_word(b: &[u8], out: &mut Vec<(usize, usize)>, start: usize, mut end: usize) {
    while end > start && b.get(end - 1).is_some_and(u8::is_ascii_digit) {
        end -= 1;
    }
    if end > start {
        out.push((start, end));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn st(n: &str) -> NameStrength {
        classify(n).strength
    }

    #[test]
    fn strong_names() {
        for n in [
            "AWS_SECRET_ACCESS_KEY", "GITHUB_TOKEN", "DB_PASSWORD", "password", "apiKey", "api_key", "X-Api-Key",
            "client_secret", "SECRET_KEY", "private_key", "spring.datasource.password", "--password", "passwd",
            "SMTP_PASS", "accessToken", "auth_token", "Authorization", "SECRET_VALUE", "DB_PASSWORD_PROD",
            "credentials", "OPENAI_API_KEY", "secretKeyBase", "dbpassword", "password2", "AWS_SESSION_TOKEN",
            "CLAUDE_CODE_OAUTH_TOKEN", "NPM_TOKEN", "HF_TOKEN", "refresh_token", "csrf_token",
        ] {
            assert_eq!(st(n), NameStrength::Strong, "{n}");
        }
    }

    #[test]
    fn weak_names() {
        for n in ["key", "KEY", "auth", "OPENAI_KEY", "session", "cookie", "GITHUB_PAT", "foo_key"] {
            assert_eq!(st(n), NameStrength::Weak, "{n}");
        }
    }

    #[test]
    fn not_secret_names() {
        for n in [
            "TOKENIZER_PATH", "KEYBOARD", "PRIMARY_KEY_COLUMN", "password_hash", "max_tokens", "tokenizer",
            "PWD", "OLDPWD", "public_key", "access_key_id", "token_type", "PASSWORD_FIELD", "SSH_AUTH_SOCK",
            "next_token", "pad_token", "pageToken", "cancellationToken", "keywords", "monkey", "input_tokens",
            "password_min_length", "primary_key", "SECRET_NAME", "token_url", "bypass", "compass", "pat",
            "secrets", "eos_token", "",
        ] {
            assert_eq!(st(n), NameStrength::None, "{n}");
        }
    }

    #[test]
    fn kinds() {
        assert_eq!(classify("DB_PASSWORD").kind, "password");
        assert_eq!(classify("GITHUB_TOKEN").kind, "secret");
        assert_eq!(classify("key").kind, "high-entropy");
    }
}
