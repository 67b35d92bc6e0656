//! Small helpers the safetensors and GGUF readers share.

use std::collections::BTreeMap;

use crate::{Finding, Severity};

/// Findings of one code past this many are counted, not listed: a hostile header
/// with a million broken tensors yields a bounded report.
pub(crate) const PER_CODE: usize = 20;

/// A findings sink that lists at most [`PER_CODE`] findings of each code and then
/// says how many more there were.
pub(crate) struct Capped<'a> {
    out: &'a mut Vec<Finding>,
    seen: BTreeMap<&'static str, (usize, Severity)>,
}

impl<'a> Capped<'a> {
    pub(crate) fn new(out: &'a mut Vec<Finding>) -> Self {
        Capped { out, seen: BTreeMap::new() }
    }

    pub(crate) fn push(&mut self, f: Finding) {
        let e = self.seen.entry(f.code).or_insert((0, f.severity));
        e.0 += 1;
        e.1 = e.1.max(f.severity);
        if e.0 <= PER_CODE {
            self.out.push(f);
        }
    }

    /// Appends the "and N more" lines.
    pub(crate) fn finish(self) {
        for (code, (n, sev)) in self.seen {
            if n > PER_CODE {
                let more = n - PER_CODE;
                self.out.push(Finding::new(sev, code, format!("{more} more {code} findings not listed")));
            }
        }
    }
}

/// Characters that change what a reader sees without being seen themselves:
/// zero-width characters, bidirectional controls, Unicode tag characters (which can
/// spell hidden ASCII text), the BOM and other format characters used to hide text.
pub(crate) fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}'                  // soft hyphen
        | '\u{034F}'                // combining grapheme joiner
        | '\u{061C}'                // Arabic letter mark
        | '\u{115F}' | '\u{1160}' | '\u{3164}' | '\u{FFA0}' // Hangul fillers
        | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}'   // Mongolian selectors and vowel separator
        | '\u{200B}'..='\u{200F}'   // zero-width space/joiners, LRM, RLM
        | '\u{202A}'..='\u{202E}'   // bidi embeddings and overrides
        | '\u{2060}'..='\u{206F}'   // word joiner, invisible operators, bidi isolates
        | '\u{FE00}'..='\u{FE0F}'   // variation selectors
        | '\u{FEFF}'                // BOM / zero-width no-break space
        | '\u{FFF9}'..='\u{FFFB}'   // interlinear annotation
        | '\u{1D173}'..='\u{1D17A}'
        | '\u{E0000}'..='\u{E007F}' // tag characters
        | '\u{E0100}'..='\u{E01EF}' // variation selectors supplement
    )
}

/// A name or text made printable for a message: control and invisible characters
/// escaped, long text shortened.
pub(crate) fn shown(s: &str) -> String {
    const MAX: usize = 120;
    let mut out = String::from("\"");
    for (n, c) in s.chars().enumerate() {
        if n == MAX {
            out.push('…');
            break;
        }
        if c.is_control() || is_invisible(c) || c == '"' || c == '\\' {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn caps_per_code() {
        let mut v = Vec::new();
        let mut c = Capped::new(&mut v);
        for i in 0..30 {
            c.push(Finding::unsafe_("X1", format!("{i}")));
        }
        c.push(Finding::warning("X2", "w"));
        c.finish();
        assert_eq!(v.len(), PER_CODE + 2);
        assert_eq!(v.last().unwrap().message, "10 more X1 findings not listed");
    }

    #[test]
    fn shows_hidden_characters() {
        assert_eq!(shown("a\u{200B}b\n"), "\"a\\u{200b}b\\n\"");
        assert!(is_invisible('\u{E0041}'));
        assert!(!is_invisible('a'));
    }
}
