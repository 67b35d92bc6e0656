//! UNI001: hidden or bidirectional Unicode control characters (Trojan Source).

use crate::lang::Lang::*;
use crate::rules::{fx, CodeRuleMeta};
use crate::unit::Unit;
use airlock_protocol::{Category, Decision, Finding, Severity, Span};

pub static META: CodeRuleMeta = CodeRuleMeta {
    code: "UNI001",
    name: "hidden-unicode",
    category: Category::CodeVulnerability,
    severity: Severity::High,
    decision: Decision::Deny,
    langs: &[],
    summary: "Bidirectional overrides and isolates (U+202A-U+202E, U+2066-U+2069), zero-width characters, \
              Unicode tag characters (U+E0000-U+E007F) or a byte-order mark inside the text.",
    why: "They make the code a reviewer sees differ from the code the compiler runs (CVE-2021-42574, Trojan Source), \
          and tag characters carry instructions invisible to people but read by models.",
    example: "if access_level != \"user\u{202E} \u{2066}// Check if admin\u{2069} \u{2066}\":",
    instead: "Remove the control characters; write intended non-ASCII text as visible characters or escapes (`\\u202e`).",
    references: &["CWE-1007", "CWE-451"],
    flags: &[
        fx(Python, "if access_level != \"user\u{202E} \u{2066}# Check if admin\u{2069} \u{2066}\":\n    grant()\n"),
        fx(JavaScript, "const isAdmin = false;\u{200B} /* ok */"),
        fx(Text, "Please review.\u{E0041}\u{E0042}\n"),
    ],
    passes: &[
        fx(Python, "greeting = \"héllo wörld — ünïcode is fine\"\n"),
        fx(JavaScript, "const rtl = '\\u202e escaped is fine';"),
    ],
};

fn describe(c: char) -> Option<&'static str> {
    Some(match c {
        '\u{202A}'..='\u{202E}' => "a bidirectional override",
        '\u{2066}'..='\u{2069}' => "a bidirectional isolate",
        '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{180E}' => "a zero-width character",
        '\u{200E}' | '\u{200F}' | '\u{061C}' => "a direction mark",
        '\u{FEFF}' => "a zero-width no-break space",
        '\u{E0000}'..='\u{E007F}' => "a Unicode tag character",
        _ => return None,
    })
}

/// Prefilter triggers: reads only the raw text.
pub(crate) const TRIGGERS: Option<&[&str]> = Some(&[]);

pub fn check(unit: &Unit<'_>, meta: &CodeRuleMeta, out: &mut Vec<Finding>) {
    let mut line_start = 0;
    for line in unit.text.split_inclusive('\n') {
        for (i, c) in line.char_indices() {
            let at = line_start + i;
            if c == '\u{FEFF}' && at == 0 {
                continue;
            }
            if let Some(what) = describe(c) {
                let span = Span::new(at, at + c.len_utf8());
                let (l, _) = crate::line_col(unit.text, at);
                let mut f = meta.finding(unit, span, format!("line {l} contains {what} (U+{:04X}) that hides what the code does", c as u32));
                f.snippet = Some(line.trim().chars().filter(|c| describe(*c).is_none()).take(120).collect());
                out.push(f);
                break;
            }
        }
        line_start += line.len();
    }
}
