//! Cryptography that does not protect what it is used for.
pub mod cry001;
pub mod cry002;
pub mod cry003;
pub mod cry004;

/// Python import aliases, as (local name, name the rules know):
/// `from Crypto.Cipher import DES as des_mod` gives `des_mod` → `DES`;
/// `from cryptography.hazmat.primitives.ciphers.modes import ECB` gives `ECB` → `modes.ECB`
/// (a lowercase module keeps its last segment, as the rules name `modes.ECB`, `hashlib.md5`).
pub(crate) fn py_aliases(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for line in text.lines() {
        let t = line.trim();
        let Some(rest) = t.strip_prefix("from ") else { continue };
        let Some((module, names)) = rest.split_once(" import ") else { continue };
        let last = module.trim().rsplit('.').next().unwrap_or("");
        let lower_module = !last.is_empty() && last.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        for item in names.trim_matches(['(', ')', ' ']).split(',') {
            let mut parts = item.split_whitespace();
            let (Some(name), alias) = (parts.next(), parts.nth(1)) else { continue };
            let canon = if lower_module { format!("{last}.{name}") } else { name.to_string() };
            // Without `as`, only a class taken out of a lowercase module needs its module back
            // (`ECB` → `modes.ECB`); `from ... import algorithms` is already what the rules name.
            let class = name.chars().next().is_some_and(|c| c.is_ascii_uppercase());
            if alias.is_some() || (lower_module && class) {
                out.push((alias.unwrap_or(name).to_string(), canon));
            }
        }
    }
    out
}

/// A callee with its first segment replaced by what an import alias stands for.
pub(crate) fn canonical(aliases: &[(String, String)], callee: &str) -> String {
    let (head, tail) = callee.split_once('.').map_or((callee, ""), |(h, t)| (h, t));
    match aliases.iter().find(|(a, _)| a == head) {
        Some((_, c)) if tail.is_empty() => c.clone(),
        Some((_, c)) => format!("{c}.{tail}"),
        None => callee.to_string(),
    }
}
