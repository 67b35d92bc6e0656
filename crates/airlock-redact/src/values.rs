//! Is a value given to a secret name a real secret? Placeholders, references,
//! code expressions and prose are not; for weak names only random-looking values are.

use crate::names::NameStrength;

/// How a name and its value were joined.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Sep {
    /// `=`, `==`, `:=`, `=>`, `?=`
    Eq,
    /// `:` (YAML, JSON, HTTP headers, object literals, type annotations)
    Colon,
    /// `<password>VALUE</password>`
    Xml,
    /// `--password VALUE`
    Space,
    /// An object key in structured JSON (`{"api_key": "VALUE"}`).
    Json,
}

/// Where a value stood.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ValueCtx {
    /// Between quotes: a literal.
    pub quoted: bool,
    pub sep: Sep,
    /// Spaces before the separator (`name = v`: code or INI, not `.env`).
    pub spaced: bool,
    /// The name has no lower-case letter (`DB_PASSWORD`).
    pub upper_name: bool,
    /// The byte right after an unquoted value (`None` at the end of the text).
    pub term: Option<u8>,
}

/// Whether `v` is the real secret of a name of this strength.
pub(crate) fn accept(v: &str, ctx: &ValueCtx, strength: NameStrength) -> bool {
    if is_placeholder(v) || is_path(v) {
        return false;
    }
    match strength {
        NameStrength::None => false,
        NameStrength::Weak => high_entropy(v),
        NameStrength::Strong if ctx.quoted || ctx.sep == Sep::Json => v.len() >= 4 && !prose(v),
        NameStrength::Strong => unquoted_literal(v, ctx),
    }
}

/// An unquoted value after a strong name: a literal, not an expression or a type.
fn unquoted_literal(v: &str, ctx: &ValueCtx) -> bool {
    let b = v.as_bytes();
    if b.len() < 4 || (b.len() < 6 && b.iter().all(u8::is_ascii_digit)) || expression(v) {
        return false;
    }
    let line_end = matches!(ctx.term, None | Some(b'\n' | b'\r'));
    // .env, shell, properties, query strings, connection strings, YAML, flags, XML.
    let config = match ctx.sep {
        Sep::Eq => (!ctx.spaced && (ctx.upper_name || matches!(ctx.term, None | Some(b'\n' | b'\r' | b'&' | b';' | b' ' | b'\t'))))
            || (ctx.upper_name && line_end),
        Sep::Colon => line_end && !type_name(v),
        Sep::Xml | Sep::Space | Sep::Json => true,
    };
    if ident(v) {
        if type_name(v) {
            return false;
        }
        let digit = b.iter().any(u8::is_ascii_digit);
        return config || (digit && b.iter().any(u8::is_ascii_alphabetic));
    }
    config || b.first().is_some_and(u8::is_ascii_alphanumeric)
}

/// Empty, a placeholder, a reference to another variable, or an already redacted value.
pub(crate) fn is_placeholder(v: &str) -> bool {
    let t = v.trim();
    if t.is_empty() || t.starts_with("[REDACTED") {
        return true;
    }
    let b = t.as_bytes();
    if b.iter().all(|c| Some(c) == b.first()) {
        return true; // xxxxxxxx, ********
    }
    if t.contains("${") || t.contains("{{") || t.contains("}}") || (t.contains('{') && t.contains('}')) {
        return true;
    }
    if ["$", "%", "<", "!Ref", "!Sub", "!GetAtt", "@Microsoft.KeyVault", "arn:", "ref+", "vault:", "op://", "secretsmanager:"]
        .iter()
        .any(|p| t.starts_with(p))
    {
        return true;
    }
    let l = t.to_ascii_lowercase();
    const EXACT: &[&str] = &[
        "changeme", "change_me", "change-me", "changeit", "password", "passwd", "secret", "token", "pass", "pwd",
        "null", "nil", "none", "undefined", "true", "false", "yes", "no", "on", "off", "empty", "example", "test",
        "testing", "dummy", "placeholder", "redacted", "todo", "tbd", "fixme", "foo", "bar", "baz", "foobar", "value",
        "string", "str", "key", "apikey", "api_key", "required", "optional", "n/a", "na", "hidden", "masked", "unset",
        "default", "secret_key", "your_api_key",
    ];
    const CONTAINS: &[&str] = &[
        "xxxx", "****", "••••", "...", "…", "changeme", "change_me", "your_", "your-", "yourkey", "yourtoken",
        "yourpassword", "yoursecret", "<", ">", "example", "placeholder", "dummy", "redacted", "replace_me",
        "replace-me", "replaceme", "insert_", "insert-", "enter_", "enter-", "os.environ", "os.getenv",
        "process.env", "getenv(", "system.getenv", "env(", "env[", "secrets.", "vars.",
    ];
    const STARTS: &[&str] = &["your", "test", "mock", "fake", "sample", "env.", "self.", "this.", "settings.", "config."];
    EXACT.contains(&l.as_str()) || CONTAINS.iter().any(|c| l.contains(c)) || STARTS.iter().any(|s| l.starts_with(s))
}

/// A file path (`~/.ssh/id_ed25519`, `./secrets/db.txt`, `C:\keys\a.pem`).
fn is_path(v: &str) -> bool {
    let b = v.as_bytes();
    ["/", "./", "../", "~/", "file:"].iter().any(|p| v.starts_with(p))
        || (b.len() > 2 && b.first().is_some_and(u8::is_ascii_alphabetic) && b.get(1..3) == Some(b":\\"))
}

/// Three or more words: a label or a sentence, not a credential.
fn prose(v: &str) -> bool {
    v.split_whitespace().count() >= 3
}

/// An identifier: `hunter2`, `hashedPassword`, `str`.
fn ident(v: &str) -> bool {
    let b = v.as_bytes();
    b.first().is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_') && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
}

/// Code, not a literal: a call, an index, a path through fields (`self.password`,
/// `getpass()`, `os.environ["X"]`, `Token::new`).
fn expression(v: &str) -> bool {
    if v.contains('(') || v.contains('[') || v.contains("::") || v.contains("->") {
        return true;
    }
    let mut parts = v.split('.');
    let dotted = v.contains('.') && parts.all(ident);
    // A dotted path of identifiers, but not a version-like or host-like value with digits only parts.
    dotted && v.split('.').all(|p| !p.bytes().all(|c| c.is_ascii_digit()))
}

/// A type annotation where a value would be (`password: str`, `token: string;`).
fn type_name(v: &str) -> bool {
    const TYPES: &[&str] = &[
        "str", "string", "int", "integer", "bool", "boolean", "number", "any", "bytes", "secretstr", "secretbytes",
        "object", "unknown", "char", "text", "varchar", "uuid", "date", "float", "double", "long", "optional", "void",
    ];
    TYPES.iter().any(|t| v.eq_ignore_ascii_case(t))
}

/// Random-looking: 16+ characters of one base64/hex alphabet, letters and digits,
/// Shannon entropy of at least 3 bits per character; not a UUID or a hex digest.
pub(crate) fn high_entropy(v: &str) -> bool {
    let b = v.as_bytes();
    if b.len() < 16 || b.len() > 4096 {
        return false;
    }
    if !b.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'=' | b'_' | b'-')) {
        return false;
    }
    let digit = b.iter().any(u8::is_ascii_digit);
    let upper = b.iter().any(u8::is_ascii_uppercase);
    if !digit || !(upper || b.iter().any(u8::is_ascii_lowercase)) {
        return false;
    }
    if uuid(b) || (b.iter().all(u8::is_ascii_hexdigit) && matches!(b.len(), 40 | 64 | 128)) {
        return false;
    }
    // A lower-case path (`uploads/2024/a1b2c3d4e5`), not base64.
    if b.contains(&b'/') && !upper {
        return false;
    }
    shannon(b) >= 3.0
}

/// `8-4-4-4-12` hex digits.
fn uuid(b: &[u8]) -> bool {
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| if matches!(i, 8 | 13 | 18 | 23) { *c == b'-' } else { c.is_ascii_hexdigit() })
}

/// Shannon entropy in bits per byte.
pub(crate) fn shannon(b: &[u8]) -> f64 {
    if b.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for c in b {
        if let Some(n) = counts.get_mut(usize::from(*c)) {
            *n += 1;
        }
    }
    let len = b.len() as f64;
    counts.iter().filter(|n| **n > 0).map(|n| f64::from(*n) / len).map(|p| -p * p.log2()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENV: ValueCtx = ValueCtx { quoted: false, sep: Sep::Eq, spaced: false, upper_name: true, term: None };
    const CODE: ValueCtx = ValueCtx { quoted: false, sep: Sep::Eq, spaced: true, upper_name: false, term: Some(b'\n') };

    #[test]
    fn placeholders() {
        for p in ["", "changeme", "${DB_PASSWORD}", "$TOKEN", "<your-key>", "xxxxxxxx", "********", "null", "your_api_key_here",
                  "os.environ['X']", "process.env.X", "{{ .Values.pw }}", "%s", "[REDACTED:secret]", "sk-...abcd"] {
            assert!(is_placeholder(p), "{p}");
        }
        for s in ["hunter2-prod", "s3cr3t!", "Zx9#kLm2"] {
            assert!(!is_placeholder(s), "{s}");
        }
    }

    #[test]
    fn unquoted_values_in_env_and_code() {
        let strong = NameStrength::Strong;
        assert!(accept("supersecret", &ENV, strong));
        assert!(!accept("password", &CODE, strong));
        assert!(!accept("get_password()", &CODE, strong));
        assert!(!accept("self.password", &CODE, strong));
        assert!(!accept("hashedPassword", &CODE, strong));
        assert!(accept("hunter2", &CODE, strong));
        let yaml = ValueCtx { sep: Sep::Colon, spaced: false, upper_name: false, term: Some(b'\n'), ..ENV };
        assert!(accept("supersecret", &yaml, strong));
        assert!(!accept("str", &yaml, strong));
        let js = ValueCtx { term: Some(b','), ..yaml };
        assert!(!accept("password", &js, strong));
        assert!(!accept("&str", &js, strong));
    }

    #[test]
    fn entropy() {
        assert!(high_entropy("q8XzT2vN5mR7pL3wK9sD"));
        assert!(high_entropy("3f9a1c0e7b2d4f6a8c1e3b5d7f9a2c4e"));
        assert!(!high_entropy("550e8400-e29b-41d4-a716-446655440000"));
        assert!(!high_entropy("da39a3ee5e6b4b0d3255bfef95601890afd80709"));
        assert!(!high_entropy("user_profile_settings"));
        assert!(!high_entropy("uploads/2024/a1b2c3d4e5"));
        assert!(!high_entropy("aaaaaaaaaaaaaaaa1"));
    }
}
