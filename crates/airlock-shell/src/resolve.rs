//! Word resolution: quote removal, ANSI-C decoding, static variables, `${IFS}`, command substitutions
//! (lowered as commands of their own, and resolved when their output is static).

use crate::ir::Arg;
use crate::lower::{Frame, Lowerer};
use crate::words::decode_ansi_c;
use brush_parser::ast;
use brush_parser::word::{Parameter, ParameterExpr, WordPiece, WordPieceWithSource};

impl Lowerer {
    /// Resolve one word.
    pub fn word(&mut self, w: &ast::Word, f: Frame) -> Arg {
        let span = self.span_of(w.loc.as_ref(), &f);
        let mut arg = Arg {
            raw: w.value.clone(),
            value: Some(String::new()),
            span,
            ..Arg::default()
        };
        if is_plain_word(&w.value) {
            // Nothing in it expands or quotes: the word is its own value (see the test below).
            push_lit(&mut arg, &w.value);
            return arg;
        }
        let opts = &self.opts;
        match std::panic::catch_unwind(|| brush_parser::word::parse(&w.value, opts))
            .map_err(|_| ())
            .and_then(|r| r.map_err(|_| ()))
        {
            Ok(pieces) => {
                let quoted_parts = pieces.len() > 1
                    && pieces.iter().any(|p| {
                        matches!(
                            p.piece,
                            WordPiece::SingleQuotedText(_) | WordPiece::DoubleQuotedSequence(_)
                        )
                    });
                if quoted_parts {
                    arg.obfuscated = true;
                }
                self.pieces(&pieces, &mut arg, f, false);
            }
            Err(_) => {
                arg.value = None;
                arg.approx = w.value.clone();
            }
        }
        arg
    }

    pub(crate) fn pieces(
        &mut self,
        pieces: &[WordPieceWithSource],
        arg: &mut Arg,
        f: Frame,
        in_dquote: bool,
    ) {
        for p in pieces {
            match &p.piece {
                WordPiece::Text(t) | WordPiece::SingleQuotedText(t) => push_lit(arg, t),
                WordPiece::AnsiCQuotedText(t) => {
                    let d = decode_ansi_c(t);
                    if d != *t {
                        arg.obfuscated = true;
                    }
                    push_lit(arg, &d);
                }
                WordPiece::EscapeSequence(e) => {
                    let t: String = e.chars().skip(1).collect();
                    if in_dquote && !matches!(t.as_str(), "$" | "`" | "\"" | "\\" | "\n") {
                        push_lit(arg, e);
                    } else if t != "\n" {
                        push_lit(arg, &t);
                    }
                }
                WordPiece::DoubleQuotedSequence(inner)
                | WordPiece::GettextDoubleQuotedSequence(inner) => self.pieces(inner, arg, f, true),
                WordPiece::TildeExpansion(t) => match t {
                    brush_parser::word::TildeExpr::Home => push_lit(arg, "~"),
                    brush_parser::word::TildeExpr::UserHome(u) => push_lit(arg, &format!("~{u}")),
                    _ => push_unknown(arg),
                },
                WordPiece::ParameterExpansion(expr) => self.parameter(expr, arg),
                WordPiece::CommandSubstitution(text)
                | WordPiece::BackquotedCommandSubstitution(text) => {
                    let span = arg.span;
                    let ids = self.sub_text(text, f, span);
                    match crate::expand::static_output(self, &ids) {
                        Some(out) => {
                            arg.obfuscated = true;
                            push_lit(arg, out.trim_end_matches('\n'));
                        }
                        None => push_unknown(arg),
                    }
                    arg.substitutions.extend(ids);
                }
                WordPiece::ArithmeticExpression(_) => push_unknown(arg),
            }
        }
    }

    pub(crate) fn parameter(&mut self, expr: &ParameterExpr, arg: &mut Arg) {
        let (param, default) = match expr {
            ParameterExpr::Parameter { parameter, .. } => (parameter, None),
            ParameterExpr::UseDefaultValues {
                parameter,
                default_value,
                ..
            }
            | ParameterExpr::AssignDefaultValues {
                parameter,
                default_value,
                ..
            } => (parameter, default_value.clone()),
            ParameterExpr::Substring {
                parameter,
                offset,
                length,
                ..
            } => {
                let name = param_name(parameter);
                arg.vars.push(name.clone());
                let known = self.vars.get(&name).and_then(|v| v.value.clone());
                let off: Option<usize> = offset.value.trim().parse().ok();
                let len: Option<Option<usize>> = match length {
                    None => Some(None),
                    Some(l) => l.value.trim().parse().ok().map(Some),
                };
                match (known, off, len) {
                    (Some(v), Some(o), Some(l)) => {
                        let s: String = v.chars().skip(o).take(l.unwrap_or(usize::MAX)).collect();
                        arg.obfuscated = true;
                        push_lit(arg, &s);
                    }
                    _ => push_unknown(arg),
                }
                return;
            }
            other => {
                if let Some(n) = other_param_name(other) {
                    arg.vars.push(n);
                }
                push_unknown(arg);
                return;
            }
        };
        let name = param_name(param);
        arg.vars.push(name.clone());
        if name == "IFS" {
            arg.obfuscated = true;
            push_lit(arg, " ");
            return;
        }
        if name == "HOME" {
            push_lit(arg, "~");
            return;
        }
        match self.vars.get(&name) {
            Some(v) => {
                let (value, from) = (v.value.clone(), v.from.clone());
                arg.substitutions.extend(from);
                match value {
                    Some(val) => {
                        arg.obfuscated = true;
                        push_lit(arg, &val)
                    }
                    None => push_unknown(arg),
                }
            }
            None => match default {
                Some(d) => {
                    arg.obfuscated = true;
                    push_lit(arg, &d)
                }
                None => push_unknown(arg),
            },
        }
    }
}

/// A word the expansion parser would return as literal text only: no quoting, escapes, tilde,
/// parameters or substitutions can start in it. Most words of most commands are like this, and
/// skipping the parser for them is the larger part of the time spent on words.
pub(crate) fn is_plain_word(s: &str) -> bool {
    !s.is_empty()
        && s.bytes().all(|b| {
            !matches!(
                b,
                b'$' | b'`' | b'\'' | b'"' | b'\\' | b'~' | b'\n' | b'\r' | 0
            )
        })
}

fn push_lit(arg: &mut Arg, s: &str) {
    if let Some(v) = arg.value.as_mut() {
        v.push_str(s);
    }
    arg.approx.push_str(s);
}

fn push_unknown(arg: &mut Arg) {
    arg.value = None;
    arg.approx.push('\u{1}');
}

fn param_name(p: &Parameter) -> String {
    match p {
        Parameter::Positional(n) => n.to_string(),
        Parameter::Special(s) => format!("{s:?}"),
        Parameter::Named(n) => n.clone(),
        Parameter::NamedWithIndex { name, .. } | Parameter::NamedWithAllIndices { name, .. } => {
            name.clone()
        }
    }
}

fn other_param_name(e: &ParameterExpr) -> Option<String> {
    match e {
        ParameterExpr::IndicateErrorIfNullOrUnset { parameter, .. }
        | ParameterExpr::UseAlternativeValue { parameter, .. }
        | ParameterExpr::ParameterLength { parameter, .. }
        | ParameterExpr::RemoveSmallestSuffixPattern { parameter, .. }
        | ParameterExpr::RemoveLargestSuffixPattern { parameter, .. }
        | ParameterExpr::RemoveSmallestPrefixPattern { parameter, .. }
        | ParameterExpr::RemoveLargestPrefixPattern { parameter, .. }
        | ParameterExpr::Transform { parameter, .. }
        | ParameterExpr::UppercaseFirstChar { parameter, .. }
        | ParameterExpr::UppercasePattern { parameter, .. }
        | ParameterExpr::LowercaseFirstChar { parameter, .. }
        | ParameterExpr::LowercasePattern { parameter, .. }
        | ParameterExpr::ReplaceSubstring { parameter, .. } => Some(param_name(parameter)),
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::is_plain_word;
    use brush_parser::word::WordPiece;

    /// The fast path must agree with the parser: every plain word parses to literal text equal to
    /// itself. Words built from every printable ASCII byte the fast path accepts, and UTF-8.
    #[test]
    fn plain_words_parse_to_themselves() {
        let alphabet: Vec<char> = (0x21u8..0x7f)
            .map(char::from)
            .chain(['é', '€', '中', ' ', '\t'])
            .collect();
        let opts = brush_parser::ParserOptions::default();
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut checked = 0;
        for _ in 0..20_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = 1 + (seed % 12) as usize;
            let word: String = (0..len)
                .map(|i| alphabet[((seed >> (i * 5)) as usize + i * 7) % alphabet.len()])
                .collect();
            if !is_plain_word(&word) {
                continue;
            }
            checked += 1;
            let pieces = brush_parser::word::parse(&word, &opts)
                .unwrap_or_else(|e| panic!("{word:?} failed to parse: {e}"));
            let mut text = String::new();
            for p in &pieces {
                match &p.piece {
                    WordPiece::Text(t) => text.push_str(t),
                    other => panic!("{word:?} gave a non-literal piece {other:?}"),
                }
            }
            assert_eq!(text, word);
        }
        assert!(checked > 5_000, "only {checked} plain words generated");
    }
}
