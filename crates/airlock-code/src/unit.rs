//! One piece of source under analysis, and the walk that runs every rule on it.

use crate::lang::Lang;
use crate::rules::REGISTRY;
use crate::syntax::{collect, Facts, N};
use airlock_config::Policy;
use airlock_protocol::{Finding, Span};
use ast_grep_core::tree_sitter::StrDoc;
use ast_grep_core::AstGrep;
use ast_grep_language::{LanguageExt, SupportLang};

/// What the rules see.
pub struct Unit<'t> {
    pub lang: Lang,
    /// The file's path as the agent or person gave it, when known.
    pub path: Option<&'t str>,
    pub text: &'t str,
    /// Parsed facts, for languages with a grammar.
    pub facts: Option<Facts<'t>>,
    /// Text the change removes (edits' old strings, patch `-` lines, a diff's
    /// removed lines); empty when the whole file is new or unknown.
    pub removed: &'t str,
    pub policy: &'t Policy,
}

impl<'t> Unit<'t> {
    /// The offending text, one line, shortened.
    pub fn snippet(&self, span: Span) -> String {
        let s = self.text.get(span.start..span.end.min(self.text.len())).unwrap_or("");
        let line = s.lines().next().unwrap_or("").trim();
        let mut out: String = line.chars().take(120).collect();
        if line.chars().count() > 120 || s.lines().nth(1).is_some() {
            out.push_str(" …");
        }
        out
    }

    /// The facts of a parsed file (empty for text-only languages).
    pub fn facts(&self) -> Option<&Facts<'t>> {
        self.facts.as_ref()
    }

    pub fn span_of(node: &N<'_>) -> Span {
        let r = node.range();
        Span::new(r.start, r.end)
    }

    /// File name (last path segment), lowercased.
    pub fn file_name(&self) -> String {
        self.path
            .and_then(|p| p.rsplit(['/', '\\']).next())
            .unwrap_or("")
            .to_ascii_lowercase()
    }
}

/// Run every rule that applies to `lang` on `text`. With `fast`, only the
/// declarations that can matter are parsed (see [`crate::prefilter`]).
pub fn run(text: &str, lang: Lang, path: Option<&str>, removed: &str, policy: &Policy, fast: bool) -> Vec<Finding> {
    let grammar = lang.grammar();
    let ranges = if fast { grammar.and_then(|_| crate::prefilter::ranges(text, lang)) } else { None };
    let mut ast = grammar.zip(ranges).and_then(|(g, r)| parse_ranges(text, g, &r));
    // A syntax error in the reduced text: trust only the whole parse.
    if ast.as_ref().is_some_and(|a| a.root().get_inner_node().has_error()) {
        ast = None;
    }
    if ast.is_none() {
        ast = grammar.map(|g| g.ast_grep(text));
    }
    let facts = ast.as_ref().map(|a| collect(a.root(), lang));
    let unit = Unit {
        lang,
        path,
        text,
        facts,
        removed,
        policy,
    };
    let mut out = Vec::new();
    for rule in REGISTRY {
        if rule.meta.applies_to(lang) {
            (rule.check)(&unit, rule.meta, &mut out);
        }
    }
    out.sort_by_key(|f| (f.span.map(|s| s.start).unwrap_or(0), f.code.clone()));
    out.dedup_by(|a, b| a.code == b.code && a.span == b.span);
    out
}

/// Parse only `ranges` of `text` (tree-sitter's included ranges): nodes keep
/// their offsets in `text`, and the rest is never read.
fn parse_ranges(text: &str, g: SupportLang, ranges: &[std::ops::Range<usize>]) -> Option<AstGrep<StrDoc<SupportLang>>> {
    // Rows and columns of the range ends, in one pass over the text.
    let (mut row, mut line_start, mut seen) = (0usize, 0usize, 0usize);
    let mut point = |at: usize| {
        for (i, b) in text.as_bytes().iter().enumerate().take(at).skip(seen) {
            if *b == b'\n' {
                row += 1;
                line_start = i + 1;
            }
        }
        seen = seen.max(at);
        tree_sitter::Point { row, column: at - line_start }
    };
    let ts: Vec<tree_sitter::Range> = ranges
        .iter()
        .map(|r| {
            let (start_point, end_point) = (point(r.start), point(r.end));
            tree_sitter::Range { start_byte: r.start, end_byte: r.end, start_point, end_point }
        })
        .collect();
    let mut parser = tree_sitter::Parser::new();
    parser.set_language(&g.get_ts_language()).ok()?;
    parser.set_included_ranges(&ts).ok()?;
    let tree = parser.parse(text, None)?;
    Some(AstGrep::doc(StrDoc { src: text.to_string(), lang: g, tree }))
}
