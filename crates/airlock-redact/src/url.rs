//! Passwords in URL user-info: `scheme://user:PASSWORD@host` (database URLs, git
//! remotes, proxies, `redis://:PASSWORD@host`). Only the password is redacted.

use crate::span::Cand;
use crate::values;
use memchr::memmem;

/// Priority of a URL password when ranges overlap (under tokens, over assignments).
pub(crate) const PRIO: u8 = 2;
/// Longest user-info looked at.
const MAX_AUTHORITY: usize = 512;

/// Appends the URL passwords in `text`.
pub(crate) fn find(text: &str, out: &mut Vec<Cand<'_>>) {
    let b = text.as_bytes();
    for at in memmem::find_iter(b, b"://") {
        if let Some((s, e)) = password_at(b, at) {
            out.push(Cand { start: s, end: e, kind: "url-password", prio: PRIO });
        }
    }
}

/// The password's range for the `://` at `at`, if the URL has one worth hiding.
fn password_at(b: &[u8], at: usize) -> Option<(usize, usize)> {
    // A scheme: a letter then letters, digits, `+ . -`.
    let before = b.get(..at)?;
    let n = before.iter().rev().take(33).take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'.' | b'-')).count();
    if !(2..=32).contains(&n) || !before.get(at - n).is_some_and(u8::is_ascii_alphabetic) {
        return None;
    }
    let from = at + 3;
    let rest = b.get(from..)?;
    let len = rest.iter().take(MAX_AUTHORITY).take_while(|c| !ends_authority(**c)).count();
    let authority = rest.get(..len)?;
    let last_at = authority.iter().rposition(|c| *c == b'@')?;
    let userinfo = authority.get(..last_at)?;
    let colon = userinfo.iter().position(|c| *c == b':')?;
    let pass = userinfo.get(colon + 1..)?;
    // A host must follow.
    if last_at + 1 >= authority.len() || pass.is_empty() {
        return None;
    }
    let pass_str = std::str::from_utf8(pass).ok()?;
    if values::is_placeholder(pass_str) || (pass.len() <= 5 && pass.iter().all(u8::is_ascii_digit)) {
        return None;
    }
    Some((from + colon + 1, from + last_at))
}

/// Bytes that end a URL's authority (or the URL itself in prose and code).
fn ends_authority(c: u8) -> bool {
    c.is_ascii_whitespace() || matches!(c, b'/' | b'?' | b'#' | b'"' | b'\'' | b'<' | b'>' | b'\\' | b'`' | b'(' | b')' | b'[' | b']' | b'{' | b'}' | b',' | b';')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pw(t: &str) -> Vec<&str> {
        let mut v = Vec::new();
        find(t, &mut v);
        v.iter().filter_map(|c| t.get(c.start..c.end)).collect()
    }

    #[test]
    fn finds_the_password_only() {
        assert_eq!(pw("DATABASE_URL=postgres://app:hunter2-prod@db:5432/app"), vec!["hunter2-prod"]);
        assert_eq!(pw("redis://:s3cr3tpass@cache:6379"), vec!["s3cr3tpass"]);
        assert_eq!(pw("https://u:p@ss:w0rd@host/x"), vec!["p@ss:w0rd"]);
    }

    #[test]
    fn leaves_urls_without_passwords() {
        assert!(pw("https://example.com/a:b@c").is_empty());
        assert!(pw("ssh://git@github.com/org/repo").is_empty());
        assert!(pw("postgres://user:${DB_PASSWORD}@db/app").is_empty());
        assert!(pw("postgres://user:password@localhost/app").is_empty());
        assert!(pw("http://host:8080@x").is_empty());
        assert!(pw("://a:b@c").is_empty());
    }
}
