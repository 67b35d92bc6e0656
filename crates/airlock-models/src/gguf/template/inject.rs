//! Injected instructions: what a template emits that the conversation did not
//! contain. The emitted literals are the template's text parts and the string
//! literals of its expressions and `set` statements (decoded).

use super::lexer::{Part, Tok, TokKind};
use super::Ctx;
use crate::util::is_invisible;
use crate::Finding;

/// One piece of literal text the template can emit.
struct Piece<'a> {
    text: &'a str,
    at: usize,
}

fn str_toks(toks: &[Tok]) -> impl Iterator<Item = Piece<'_>> {
    // Arguments of `raise_exception(...)` stop rendering: they are not emitted.
    let mut depth = 0usize;
    toks.iter().enumerate().filter_map(move |(k, t)| {
        let raising = matches!(k.checked_sub(1).and_then(|j| toks.get(j)).map(|p| &p.kind), Some(TokKind::Name(n)) if n == "raise_exception");
        match &t.kind {
            TokKind::Op("(") if depth > 0 || raising => depth += 1,
            TokKind::Op(")") if depth > 0 => depth -= 1,
            TokKind::Str { value, .. } if depth == 0 => return Some(Piece { text: value, at: t.at }),
            _ => {}
        }
        None
    })
}

fn tag(toks: &[Tok]) -> Option<&str> {
    match toks.first().map(|t| &t.kind) {
        Some(TokKind::Name(n)) => Some(n),
        _ => None,
    }
}

/// The literal pieces of a run of parts.
fn pieces(parts: &[Part]) -> Vec<Piece<'_>> {
    let mut v = Vec::new();
    for p in parts {
        match p {
            Part::Text { text, at } => v.push(Piece { text, at: *at }),
            Part::Expr { toks, .. } => v.extend(str_toks(toks)),
            Part::Stmt { toks, .. } if tag(toks) == Some("set") => v.extend(str_toks(toks)),
            Part::Stmt { .. } => {}
        }
    }
    v
}

pub(super) fn check(parts: &[Part], cx: &mut Ctx<'_>) {
    // Escapes inside string literals (`'\u200b'`) are invisible characters too.
    for p in parts {
        if let Part::Expr { toks, .. } | Part::Stmt { toks, .. } = p {
            for s in str_toks(toks) {
                invisible(s.text, s.at, cx);
            }
        }
    }
    let all = pieces(parts);
    let mut longest: Option<&Piece<'_>> = None;
    for p in &all {
        let flagged = instructions(p, cx) | tool_call(p, cx) | url(p, cx);
        if !flagged && words(p.text) >= 8 && longest.is_none_or(|l| l.text.len() < p.text.len()) {
            longest = Some(p);
        }
    }
    if let Some(p) = longest {
        let short: String = p.text.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(100).collect();
        cx.push(p.at, Finding::info("TPL100", format!("template adds fixed text: {short:?}")));
    }
    triggers(parts, cx);
}

/// Invisible characters in `text` (found at offset `base` of the template).
pub(super) fn invisible(text: &str, base: usize, cx: &mut Ctx<'_>) {
    let mut strong: Option<(usize, char)> = None;
    let mut weak: Option<(usize, char)> = None;
    let (mut n_strong, mut n_weak) = (0, 0);
    for (k, c) in text.char_indices() {
        if matches!(c, '\u{E0000}'..='\u{E007F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}') {
            n_strong += 1;
            strong.get_or_insert((k, c));
        } else if is_invisible(c) {
            n_weak += 1;
            weak.get_or_insert((k, c));
        }
    }
    if let Some((k, c)) = strong {
        cx.push(
            base + k,
            Finding::unsafe_(
                "TPL101",
                format!("{n_strong} Unicode tag or bidi control character(s), first U+{:04X}: they hide or reorder text", u32::from(c)),
            ),
        );
    }
    if let Some((k, c)) = weak {
        cx.push(
            base + k,
            Finding::warning("TPL101", format!("{n_weak} invisible character(s), first U+{:04X}", u32::from(c))),
        );
    }
}

fn words(s: &str) -> usize {
    s.split(|c: char| !c.is_alphabetic() && c != '\'').filter(|w| w.chars().count() >= 2).count()
}

fn norm(s: &str) -> String {
    s.to_lowercase().split_whitespace().collect::<Vec<_>>().join(" ")
}

const CONCEAL: &[&str] = &[
    "do not tell the user that", "don't tell the user that", "never tell the user that", "do not tell the user you",
    "don't tell the user you", "do not tell the user about this", "don't tell the user about this",
    "without telling the user", "without the user knowing", "without informing the user", "without the user's knowledge",
    "do not mention this instruction", "never mention this instruction", "do not reveal this instruction",
    "never reveal this instruction", "keep this secret", "keep it secret", "secretly", "hide this from the user",
    "hide it from the user", "not visible to the user",
];
const OVERRIDE: &[&str] = &[
    "ignore all previous instructions", "ignore previous instructions", "ignore the previous instructions",
    "ignore all prior instructions", "disregard all previous", "disregard previous instructions",
    "ignore your instructions", "ignore the user's instructions",
];
const COMMANDS: &[&str] = &[
    "curl ", "wget ", "rm -rf", "chmod +x", "| sh", "| bash", "|sh", "|bash", "bash -c", "sh -c", "powershell",
    "invoke-webrequest", "nc -e", "/bin/sh", "os.system", "subprocess", "base64 -d", "/dev/tcp/",
];
const SECRETS: &[&str] = &[
    "api key", "api_key", "apikey", "password", "private key", "ssh key", "~/.ssh", "id_rsa", ".env file", "credentials",
    "access token", "secret key", "aws_secret", "environment variables",
];
/// Secrets specific enough that a template mentioning them at all is worth a look.
const SECRETS_NAMED: &[&str] = &["api key", "api_key", "apikey", "private key", "ssh key", "~/.ssh", "id_rsa", "aws_secret"];
const SEND: &[&str] = &["send", "upload", "post ", "forward", "exfiltrat", "leak", "transmit", "include it in", "append it to"];

/// Hidden instructions in one piece: returns whether it said anything.
fn instructions(p: &Piece<'_>, cx: &mut Ctx<'_>) -> bool {
    let t = norm(p.text);
    let hit = |list: &[&'static str]| list.iter().find(|w| t.contains(*w)).copied();
    let secret = hit(SECRETS);
    let why = if let Some(w) = hit(CONCEAL) {
        Some(format!("tells the model to conceal ({w:?})"))
    } else if let Some(w) = hit(OVERRIDE) {
        Some(format!("overrides instructions ({w:?})"))
    } else if let Some(w) = hit(COMMANDS) {
        Some(format!("holds a shell command ({w:?})"))
    } else if t.contains("exfiltrat") {
        Some("asks for exfiltration".to_string())
    } else if let (Some(s), Some(v)) = (secret, hit(SEND)) {
        Some(format!("asks to {} {s:?}", v.trim()))
    } else {
        None
    };
    if let Some(why) = why {
        cx.push(p.at, Finding::unsafe_("TPL102", format!("emitted text {why}: {:?}", excerpt(p.text))));
        return true;
    }
    if let Some(s) = hit(SECRETS_NAMED).filter(|_| words(p.text) >= 3) {
        cx.push(p.at, Finding::warning("TPL102", format!("emitted text mentions {s:?}: {:?}", excerpt(p.text))));
        return true;
    }
    false
}

fn excerpt(s: &str) -> String {
    let one: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    one.chars().take(120).collect()
}

/// Markers of a tool call in the common chat formats.
const TOOL_MARKUP: &[&str] = &[
    "<tool_call>", "[tool_calls]", "<|python_tag|>", "<function", "tool▁call", "tool_call", "<|tool_call|>", "functools[",
    "\"arguments\"", "\"parameters\"", "<|action_start|>", "<|plugin|>",
];

/// A JSON `"name": "identifier"` in the text: the identifier.
fn fixed_name(t: &str) -> Option<&str> {
    let mut rest = t;
    while let Some(k) = rest.find("\"name\"") {
        let after = rest.get(k + 6..)?.trim_start();
        if let Some(v) = after.strip_prefix(':').map(str::trim_start).and_then(|v| v.strip_prefix('"')) {
            let end = v.find('"')?;
            let id = v.get(..end)?;
            if !id.is_empty() && id.chars().all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '-')) {
                return Some(id);
            }
        }
        rest = rest.get(k + 6..)?;
    }
    None
}

/// Whether a function name in a template is a placeholder of a format
/// description (`example_function_name`, `tool_name1`, `<name>`), not a function.
fn placeholder(n: &str) -> bool {
    let l = n.to_lowercase();
    ["example", "name", "function", "func", "tool", "foo", "bar", "placeholder"].iter().any(|w| l.contains(w))
        || !n.is_ascii()
}

fn tool_call(p: &Piece<'_>, cx: &mut Ctx<'_>) -> bool {
    let lower = p.text.to_lowercase();
    let markup = TOOL_MARKUP.iter().any(|m| lower.contains(m));
    // A tool's definition (`"name": ..., "description": ...`) is not a call.
    let definition = lower.contains("\"description\"");
    let named = fixed_name(p.text).filter(|_| markup && !definition).map(str::to_string).or_else(|| {
        // `<function=NAME>`, `<|python_tag|>NAME.call(`, `<｜tool▁sep｜>NAME`.
        [("<function=", '>'), ("<|python_tag|>", '('), ("tool▁sep｜>", '\n')].iter().find_map(|(m, stop)| {
            let k = p.text.find(m)?;
            let id: String =
                p.text.get(k + m.len()..)?.chars().take_while(|c| *c != *stop && !c.is_whitespace() && *c != '<').collect();
            (!id.is_empty()).then_some(id)
        })
    });
    let Some(n) = named.filter(|n| !placeholder(n)) else { return false };
    // Bare markup is the template speaking as the assistant; inside prose it is
    // a format description, which still should not name a real function.
    let prose = words(&strip_json(p.text)) >= 6;
    let msg = format!("emitted text holds a tool call with the fixed function {n:?}: {:?}", excerpt(p.text));
    if prose {
        cx.push(p.at, Finding::warning("TPL103", msg));
    } else {
        cx.push(p.at, Finding::unsafe_("TPL103", msg));
    }
    true
}

/// The text without its `{...}`, `<...>` and `[...]` parts.
fn strip_json(s: &str) -> String {
    let mut depth = 0i32;
    s.chars()
        .filter(|&c| {
            match c {
                '{' | '<' | '[' => depth += 1,
                '}' | '>' | ']' => {
                    depth = (depth - 1).max(0);
                    return false;
                }
                _ => {}
            }
            depth == 0
        })
        .collect()
}

fn url(p: &Piece<'_>, cx: &mut Ctx<'_>) -> bool {
    let lower = p.text.to_lowercase();
    let Some(k) = lower.find("http://").or_else(|| lower.find("https://")) else { return false };
    let u: String = p.text.get(k..).unwrap_or_default().chars().take_while(|c| !c.is_whitespace() && !matches!(c, ')' | '"' | '\'')).collect();
    if lower.contains("![") {
        cx.push(p.at, Finding::unsafe_("TPL105", format!("emitted text holds a markdown image from {u} (clients fetch it on their own)")));
    } else {
        cx.push(p.at, Finding::warning("TPL105", format!("emitted text holds the URL {u}")));
    }
    true
}

/// Whether the emitted text is only markup (special tokens, tags), role names
/// and spacing: what a template emits around a turn.
fn markup_only(s: &str) -> bool {
    let mut depth = 0;
    let mut outside = String::new();
    for c in s.chars() {
        match c {
            '<' | '[' => depth += 1,
            '>' | ']' => depth = (depth - 1).max(0),
            c if depth == 0 => outside.push(c),
            _ => {}
        }
    }
    let roles = ["user", "assistant", "system", "model", "tool", "ipython", "developer"];
    // One word outside the tags (`image`, `tool`) is still a turn's framing.
    let words = outside
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| w.chars().count() >= 2 && !roles.contains(&w.to_lowercase().as_str()))
        .count();
    words <= 1
}

/// `{% if 'magic' in message.content %}...{% endif %}` and its kin.
fn triggers(parts: &[Part], cx: &mut Ctx<'_>) {
    let ends = branch_ends(parts);
    for (k, p) in parts.iter().enumerate() {
        let Part::Stmt { toks, at } = p else { continue };
        if !matches!(tag(toks), Some("if" | "elif")) {
            continue;
        }
        let Some(lit) = trigger_literal(toks) else { continue };
        // The branch's first parts are what it emits first; 200 is plenty to judge
        // and keeps nested triggers linear.
        let end = ends.get(k).copied().unwrap_or(parts.len()).min(k + 1 + 200);
        let body = parts.get(k + 1..end).unwrap_or_default();
        let emitted: Vec<Piece<'_>> = pieces(body).into_iter().filter(|p| !p.text.trim().is_empty()).collect();
        let text: String = emitted.iter().map(|p| p.text).collect::<Vec<_>>().join(" ");
        let tool = TOOL_MARKUP.iter().any(|m| text.to_lowercase().contains(m));
        if !tool && (text.trim().is_empty() || markup_only(&text)) {
            continue;
        }
        let msg = format!("when a message contains {lit:?} the template adds {:?}", excerpt(&text));
        if tool || words(&text) >= 4 {
            cx.push(*at, Finding::unsafe_("TPL104", msg));
        } else {
            cx.push(*at, Finding::warning("TPL104", msg));
        }
    }
}

/// The literal a condition compares message content with, if it does:
/// `'x' in content`, `content == 'x'`, `content.startswith('x')` and the like.
fn trigger_literal(toks: &[Tok]) -> Option<String> {
    let is_name = |t: Option<&Tok>, w: &[&str]| matches!(t.map(|t| &t.kind), Some(TokKind::Name(n)) if w.contains(&n.as_str()));
    let is_op = |t: Option<&Tok>, w: &[&str]| matches!(t.map(|t| &t.kind), Some(TokKind::Op(o)) if w.contains(o));
    let stop = |t: &Tok| matches!(&t.kind, TokKind::Name(n) if matches!(n.as_str(), "and" | "or" | "if" | "elif"));
    let contentish = |t: Option<&Tok>| match t.map(|t| &t.kind) {
        Some(TokKind::Name(n)) => ["content", "text", "query", "prompt"].iter().any(|w| n.to_lowercase().contains(w)),
        Some(TokKind::Str { value, .. }) => value == "content" || value == "text",
        _ => false,
    };
    // Whether the value ending at token `end` (inclusive) is message content
    // itself, not a field of it (`content['type']`): its last accessor names it.
    let ends_in_content = |end: usize| -> bool {
        let mut e = end;
        // Past a trailing filter chain: `content|lower`, `content|trim`.
        while e >= 2 && is_op(toks.get(e - 1), &["|"]) && matches!(toks.get(e).map(|t| &t.kind), Some(TokKind::Name(_))) {
            e -= 2;
        }
        if is_op(toks.get(e), &["]"]) {
            return e >= 1 && contentish(toks.get(e - 1));
        }
        contentish(toks.get(e))
    };
    // The last token of the operand starting at `i` and running forward.
    let forward_end = |i: usize| -> Option<usize> {
        let mut depth = 0i32;
        let mut last = None;
        for (k, t) in toks.iter().enumerate().skip(i).take(64) {
            if stop(t) && depth == 0 {
                break;
            }
            match &t.kind {
                TokKind::Op("(" | "[") => depth += 1,
                TokKind::Op(")" | "]") => {
                    depth -= 1;
                    if depth < 0 {
                        break;
                    }
                }
                _ => {}
            }
            last = Some(k);
        }
        last
    };
    for (i, t) in toks.iter().enumerate() {
        let TokKind::Str { value, .. } = &t.kind else { continue };
        if value.is_empty() {
            continue;
        }
        let next = toks.get(i + 1);
        let prev = i.checked_sub(1).and_then(|j| toks.get(j));
        let found = if is_name(next, &["in"]) {
            forward_end(i + 2).is_some_and(ends_in_content)
        } else if is_name(next, &["not"]) && is_name(toks.get(i + 2), &["in"]) {
            forward_end(i + 3).is_some_and(ends_in_content)
        } else if is_op(next, &["==", "!="]) {
            forward_end(i + 2).is_some_and(ends_in_content)
        } else if is_op(prev, &["==", "!="]) {
            i >= 2 && ends_in_content(i - 2)
        } else if is_op(prev, &["("]) && is_name(toks.get(i.wrapping_sub(2)), &["startswith", "endswith", "find", "count", "index"]) {
            i >= 4 && is_op(toks.get(i - 3), &["."]) && ends_in_content(i - 4)
        } else {
            false
        };
        if found {
            return Some(value.clone());
        }
    }
    None
}

/// For each `if`/`elif` part, the index of the part ending its branch (its
/// `elif`, `else` or `endif`), in one pass.
fn branch_ends(parts: &[Part]) -> Vec<usize> {
    let mut ends = vec![parts.len(); parts.len()];
    let mut open: Vec<usize> = Vec::new();
    for (k, p) in parts.iter().enumerate() {
        let Part::Stmt { toks, .. } = p else { continue };
        let t = tag(toks);
        if matches!(t, Some("elif" | "else" | "endif")) {
            if let Some(e) = open.pop().and_then(|top| ends.get_mut(top)) {
                *e = k;
            }
        }
        // `else` holds its place too, so its `endif` closes it and not an outer `if`.
        if matches!(t, Some("if" | "elif" | "else")) {
            open.push(k);
        }
    }
    ends
}
