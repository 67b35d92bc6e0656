//! Template-engine escapes: reaching Python internals from a template.
//!
//! Every known way out of a Jinja template goes through an attribute whose name
//! starts with `_` (`__class__`, `__globals__`, `__init__`, `_TemplateReference__context`)
//! or through an engine object's attributes. So: any such name reached directly, by
//! subscript, by `attr()` and the filters taking attribute names, or spelled in a
//! string literal (decoded, concatenations folded) is unsafe; and an attribute
//! name that is computed while rendering (string operations, variables built from
//! strings) is unsafe because what it resolves to cannot be checked here.

use std::collections::{HashMap, HashSet};

use super::lexer::{Part, Tok, TokKind};
use super::Ctx;
use crate::Finding;

/// Attributes that reach interpreter internals without a leading underscore.
const INTERNAL: &[&str] = &[
    "mro", "gi_frame", "gi_code", "cr_frame", "ag_frame", "f_globals", "f_locals", "f_builtins", "f_back", "f_code",
    "tb_frame", "tb_next", "func_globals", "func_code", "im_func", "co_code",
];

/// Engine objects that lead to the template's globals.
const GADGETS: &[&str] =
    &["cycler", "joiner", "namespace", "lipsum", "range", "dict", "self", "config", "request", "url_for", "get_flashed_messages"];

/// Of those, the ones a chat template has no reason to mention at all.
const ODD_GLOBALS: &[&str] = &["cycler", "joiner", "lipsum", "self", "config", "request", "url_for", "get_flashed_messages"];

/// Filters taking an attribute name (or, for `map`, a filter name), with the
/// position of that argument when passed positionally; `attribute=` counts too.
const ATTR_FILTERS: &[(&str, usize)] = &[
    ("attr", 0),
    ("map", 0),
    ("selectattr", 0),
    ("rejectattr", 0),
    ("groupby", 0),
    ("sum", 0),
    ("sort", 2),
    ("unique", 1),
    ("min", 1),
    ("max", 1),
];

/// Words after which `[` opens a list, not a subscript.
const KEYWORDS: &[&str] = &["in", "and", "or", "not", "if", "else", "elif", "is", "for", "return", "set", "print", "do", "with"];

/// Filters that turn a value into a number: fine inside an index.
const NUMERIC_FILTERS: &[&str] = &["length", "count", "int", "abs", "round", "float"];

/// Dunder names whose mention anywhere in a string literal is a red flag.
const DANGEROUS: &[&str] = &[
    "__class__", "__globals__", "__subclasses__", "__mro__", "__base__", "__bases__", "__builtins__", "__import__",
    "__init__", "__dict__", "__getattribute__", "__reduce__", "__code__", "__self__", "__func__", "__loader__",
    "__spec__", "__module__", "__qualname__", "__getitem__", "__call__", "__new__",
];

fn name(t: Option<&Tok>) -> Option<&str> {
    match t {
        Some(Tok { kind: TokKind::Name(n), .. }) => Some(n),
        _ => None,
    }
}

fn op(t: Option<&Tok>) -> Option<&'static str> {
    match t {
        Some(Tok { kind: TokKind::Op(o), .. }) => Some(o),
        _ => None,
    }
}

/// Whether a `[` after this token is a subscript (rather than a list literal).
fn is_value(prev: Option<&Tok>) -> bool {
    match prev.map(|p| &p.kind) {
        Some(TokKind::Name(n)) => !KEYWORDS.contains(&n.as_str()),
        Some(TokKind::Op(")" | "]")) | Some(TokKind::Str { .. }) => true,
        _ => false,
    }
}

fn is_dunder(s: &str) -> bool {
    s.len() > 2 && s.starts_with("__")
}

/// What a key expression (a subscript, an attribute-name argument) comes to.
#[derive(Debug, PartialEq)]
enum Key {
    Const(String),
    /// A number, slice or data-driven variable: an item, not an attribute.
    Index,
    Computed(&'static str),
}

/// Names bound by `set` to a constant string, and names whose value the template
/// builds from strings (or takes from a macro call).
#[derive(Default)]
pub(super) struct Vars {
    consts: HashMap<String, String>,
    /// Loop variables over a literal list: the strings they can take.
    choices: HashMap<String, Vec<String>>,
    built: HashSet<String>,
}

pub(super) fn check(parts: &[Part], cx: &mut Ctx<'_>) {
    let mut vars = Vars::default();
    for p in parts {
        let (toks, stmt) = match p {
            Part::Expr { toks, .. } => (toks, false),
            Part::Stmt { toks, .. } => (toks, true),
            Part::Text { .. } => continue,
        };
        if stmt {
            tags(toks, cx, &mut vars);
        }
        block(toks, cx, &vars);
    }
}

/// Statement tags: imports and includes, and what `set`, `for` and `macro` bind.
fn tags(toks: &[Tok], cx: &mut Ctx<'_>, vars: &mut Vars) {
    let Some(tag) = name(toks.first()) else { return };
    let at = toks.first().map_or(0, |t| t.at);
    match tag {
        "import" | "from" | "include" | "extends" => {
            cx.push(at, Finding::unsafe_("TPL005", format!("`{tag}` tag: the template loads other templates")));
        }
        "set" => {
            let eq = toks.iter().position(|t| op(Some(t)) == Some("="));
            let target = dotted(toks.get(1..eq.unwrap_or(toks.len())).unwrap_or_default());
            let Some(target) = target else { return };
            match eq.and_then(|e| toks.get(e + 1..)) {
                // `{% set x %}...{% endset %}`: a string built by the template.
                None => {
                    vars.built.insert(target);
                }
                Some(rhs) => {
                    vars.consts.remove(&target);
                    vars.built.remove(&target);
                    match literal_chain(rhs) {
                        Some(v) => {
                            vars.consts.insert(target, v);
                        }
                        None if builds_string(rhs, vars) => {
                            vars.built.insert(target);
                        }
                        None => {}
                    }
                }
            }
        }
        "for" => {
            // `for a, b in X`: over a literal list the loop variables take its
            // strings; over other literals (a string) they are built from them.
            let inn = toks.iter().position(|t| name(Some(t)) == Some("in")).unwrap_or(toks.len());
            let iter = toks.get(inn + 1..).unwrap_or_default();
            let targets: Vec<String> =
                toks.get(1..inn).unwrap_or_default().iter().filter_map(|t| name(Some(t)).map(str::to_string)).collect();
            let literal_list = op(iter.first()) == Some("[")
                && iter.iter().all(|t| matches!(&t.kind, TokKind::Str { exact: true, .. } | TokKind::Num | TokKind::Op("[" | "]" | "(" | ")" | ",")));
            for n in targets {
                vars.consts.remove(&n);
                vars.built.remove(&n);
                vars.choices.remove(&n);
                if literal_list {
                    let vals = iter.iter().filter_map(|t| match &t.kind {
                        TokKind::Str { value, .. } => Some(value.clone()),
                        _ => None,
                    });
                    vars.choices.insert(n, vals.collect());
                } else if iter.iter().any(|t| matches!(t.kind, TokKind::Str { .. })) && builds_string(iter, vars) {
                    vars.built.insert(n);
                }
            }
        }
        "macro" => {
            // Parameters take whatever the template passes: treat them as built.
            let mut depth = 0;
            for (k, t) in toks.iter().enumerate() {
                match op(Some(t)) {
                    Some("(") => depth += 1,
                    Some(")") => depth -= 1,
                    _ => {}
                }
                let prev = op(k.checked_sub(1).and_then(|j| toks.get(j)));
                if depth == 1 && matches!(prev, Some("(" | ",")) {
                    if let Some(n) = name(Some(t)) {
                        vars.built.insert(n.to_string());
                    }
                }
            }
        }
        _ => {}
    }
}

/// `a` or `a.b.c` as one string.
fn dotted(toks: &[Tok]) -> Option<String> {
    let mut s = String::new();
    for (k, t) in toks.iter().enumerate() {
        match (k % 2, &t.kind) {
            (0, TokKind::Name(n)) => s.push_str(n),
            (1, TokKind::Op(".")) => s.push('.'),
            _ => return None,
        }
    }
    (!s.is_empty() && !s.ends_with('.')).then_some(s)
}

/// The value of `'a' ~ 'b' + "c"` (literals joined by `~` or `+`), if that is all
/// the tokens are.
fn literal_chain(toks: &[Tok]) -> Option<String> {
    let mut s = String::new();
    for (k, t) in toks.iter().enumerate() {
        match (k % 2, &t.kind) {
            (0, TokKind::Str { value, exact: true }) => s.push_str(value),
            (1, TokKind::Op("~" | "+")) => {}
            _ => return None,
        }
    }
    (toks.len() % 2 == 1).then_some(s)
}

/// Whether an expression makes a string out of template literals: a literal
/// joined, repeated or formatted (`'_' ~ x`, `'_' * 2`, `'%c' % 95`), a literal
/// given to a method or filter (`'ssalc'|reverse`, `'{}'.format(x)`), or a
/// variable already built that way. A literal that is only an argument on data
/// (`name.split('.')`) builds nothing the template controls.
fn builds_string(toks: &[Tok], vars: &Vars) -> bool {
    let joins = |t: Option<&Tok>| matches!(op(t), Some("~" | "+" | "*" | "%"));
    let literal_built = toks.iter().enumerate().any(|(k, t)| {
        matches!(t.kind, TokKind::Str { .. })
            && (joins(k.checked_sub(1).and_then(|j| toks.get(j)))
                || joins(toks.get(k + 1))
                || matches!(op(toks.get(k + 1)), Some("." | "|")))
    });
    let uses_built = toks.iter().any(|t| name(Some(t)).is_some_and(|n| vars.built.contains(n)))
        || dotted_names(toks).iter().any(|d| vars.built.contains(d));
    literal_built || uses_built
}

/// Every `a.b` chain in the tokens.
fn dotted_names(toks: &[Tok]) -> Vec<String> {
    let mut out = Vec::new();
    let mut k = 0;
    while k < toks.len() {
        let mut j = k;
        while name(toks.get(j)).is_some() && op(toks.get(j + 1)) == Some(".") && name(toks.get(j + 2)).is_some() {
            j += 2;
        }
        if j > k {
            if let Some(d) = toks.get(k..=j).and_then(dotted) {
                out.push(d);
            }
        }
        k = j + 1;
    }
    out
}

/// Brackets are matched over at most this many tokens, and a key longer than
/// this is not judged token by token: it is reported as computed. Keeps the work
/// linear in the template on deeply nested input.
const MAX_SPAN: usize = 256;

/// The end (index of the closing token) of the bracket group opened at `open`;
/// past [`MAX_SPAN`] tokens, where the search stopped.
fn group_end(toks: &[Tok], open: usize) -> usize {
    let mut depth = 0i32;
    for (k, t) in toks.iter().enumerate().skip(open).take(MAX_SPAN) {
        match op(Some(t)) {
            Some("(" | "[" | "{") => depth += 1,
            Some(")" | "]" | "}") => {
                depth -= 1;
                if depth == 0 {
                    return k;
                }
            }
            _ => {}
        }
    }
    toks.len().min(open.saturating_add(MAX_SPAN))
}

fn key(toks: &[Tok], vars: &Vars) -> Key {
    if toks.is_empty() {
        return Key::Index;
    }
    if toks.len() >= MAX_SPAN {
        return Key::Computed("an expression too long to judge");
    }
    if let Some(v) = literal_chain(toks) {
        return Key::Const(v);
    }
    if let Some(d) = dotted(toks) {
        if let Some(v) = vars.consts.get(&d) {
            return Key::Const(v.clone());
        }
        if let Some(vals) = vars.choices.get(&d) {
            return match vals.iter().find(|v| v.starts_with('_')) {
                Some(v) => Key::Const(v.clone()),
                None => Key::Index,
            };
        }
        if vars.built.contains(&d) {
            return Key::Computed("a variable the template builds from strings");
        }
        return Key::Index;
    }
    // A slice is never an attribute name.
    let mut depth = 0;
    for t in toks {
        match op(Some(t)) {
            Some("(" | "[" | "{") => depth += 1,
            Some(")" | "]" | "}") => depth -= 1,
            Some(":") if depth == 0 => return Key::Index,
            _ => {}
        }
    }
    let arithmetic = toks.iter().any(|t| matches!(t.kind, TokKind::Num))
        && toks.iter().any(|t| matches!(op(Some(t)), Some("-" | "+" | "*" | "//" | "%")));
    // Nested subscripts are judged on their own: look at the rest.
    let mut k = 0;
    while let Some(t) = toks.get(k) {
        let prev_value = k > 0 && is_value(toks.get(k - 1));
        match &t.kind {
            TokKind::Op("[") if prev_value => {
                k = group_end(toks, k) + 1;
                continue;
            }
            TokKind::Str { .. } => return Key::Computed("string operations"),
            TokKind::Op("~") => return Key::Computed("string concatenation"),
            TokKind::Op("|") if !name(toks.get(k + 1)).is_some_and(|f| NUMERIC_FILTERS.contains(&f)) => {
                return Key::Computed("a filter");
            }
            TokKind::Op("(") if k > 0 && op(toks.get(k.saturating_sub(2))) == Some(".") => {
                return Key::Computed("a method call");
            }
            TokKind::Name(n) if vars.built.contains(n) && !arithmetic => {
                return Key::Computed("a variable the template builds from strings");
            }
            _ => {}
        }
        k += 1;
    }
    if arithmetic {
        return Key::Index;
    }
    if dotted_names(toks).iter().any(|d| vars.built.contains(d)) {
        return Key::Computed("a variable the template builds from strings");
    }
    Key::Index
}

/// Reports what a key resolves to, in the context `how` ("subscript", "attr()").
fn judge_key(k: Key, how: &str, attr_only: bool, at: usize, cx: &mut Ctx<'_>) {
    match k {
        Key::Const(v) => {
            if v.split('.').any(|seg| seg.starts_with('_')) {
                let code = if v.split('.').any(is_dunder) { "TPL001" } else { "TPL002" };
                cx.push(at, Finding::unsafe_(code, format!("{how} reaches attribute {v:?}")));
            }
        }
        Key::Index if attr_only => {
            cx.push(at, Finding::unsafe_("TPL003", format!("{how} takes an attribute name from a variable")));
        }
        Key::Index => {}
        Key::Computed(why) => {
            cx.push(at, Finding::unsafe_("TPL003", format!("{how} with a name computed while rendering ({why})")));
        }
    }
}

/// The checks on one block's tokens.
fn block(toks: &[Tok], cx: &mut Ctx<'_>, vars: &Vars) {
    for (k, t) in toks.iter().enumerate() {
        let prev = k.checked_sub(1).and_then(|j| toks.get(j));
        let next = toks.get(k + 1);
        match &t.kind {
            TokKind::Name(n) => {
                let after_dot = op(prev) == Some(".");
                if is_dunder(n) {
                    cx.push(t.at, Finding::unsafe_("TPL001", format!("dunder name `{n}`")));
                } else if after_dot && n.starts_with('_') {
                    cx.push(t.at, Finding::unsafe_("TPL002", format!("private attribute `.{n}`")));
                } else if after_dot && INTERNAL.contains(&n.as_str()) {
                    cx.push(t.at, Finding::unsafe_("TPL001", format!("interpreter attribute `.{n}`")));
                } else if !after_dot && GADGETS.contains(&n.as_str()) {
                    gadget(n, next, toks.get(k + 2), t.at, cx);
                } else if name(prev) == Some("filter") && op(next) == Some("(") {
                    // `{% filter attr('x') %}` applies a filter like `|` does.
                    if let Some(&(f, pos)) = ATTR_FILTERS.iter().find(|(f, _)| *f == n.as_str()) {
                        filter_args(f, pos, toks, k + 1, t.at, cx, vars);
                    }
                }
            }
            TokKind::Str { value, exact } => {
                literal(value, *exact, t.at, cx);
                // `'{0.__class__}'.format(x)`: format strings reach attributes too.
                if op(next) == Some(".") && matches!(name(toks.get(k + 2)), Some("format" | "format_map")) && value.contains("{") {
                    let reach = value.split('{').skip(1).any(|f| f.split('}').next().is_some_and(|f| f.contains("._") || f.contains("[_")));
                    if reach {
                        cx.push(t.at, Finding::unsafe_("TPL002", "format string reaches a private attribute"));
                    }
                }
            }
            TokKind::Op("~" | "+") => {
                // Fold the longest literal chain through this operator: `'__cla' ~ 'ss__'`.
                if let (Some(Tok { kind: TokKind::Str { .. }, .. }), Some(Tok { kind: TokKind::Str { .. }, .. })) = (prev, next) {
                    let start = k - 1;
                    if start == 0 || !matches!(op(toks.get(start - 1)), Some("~" | "+")) {
                        let mut end = start + 1;
                        while matches!(op(toks.get(end)), Some("~" | "+")) && matches!(toks.get(end + 1).map(|t| &t.kind), Some(TokKind::Str { .. })) {
                            end += 2;
                        }
                        if let Some(v) = toks.get(start..end).and_then(literal_chain) {
                            literal(&v, true, t.at, cx);
                        }
                    }
                }
            }
            TokKind::Op("[") if is_value(prev) => {
                let end = group_end(toks, k);
                let inner = toks.get(k + 1..end).unwrap_or_default();
                judge_key(key(inner, vars), "subscript", false, t.at, cx);
            }
            TokKind::Op("|") => {
                if let Some(&(f, pos)) = name(next).and_then(|n| ATTR_FILTERS.iter().find(|(f, _)| *f == n)) {
                    if op(toks.get(k + 2)) == Some("(") {
                        filter_args(f, pos, toks, k + 2, t.at, cx, vars);
                    }
                }
            }
            _ => {}
        }
    }
}

fn gadget(n: &str, next: Option<&Tok>, after: Option<&Tok>, at: usize, cx: &mut Ctx<'_>) {
    let reached = match op(next) {
        Some(".") | Some("[") => true,
        Some("|") => name(after) == Some("attr"),
        _ => false,
    };
    if reached {
        cx.push(at, Finding::unsafe_("TPL004", format!("attribute of the engine object `{n}` (a known way to the template's globals)")));
    } else if ODD_GLOBALS.contains(&n) {
        cx.push(at, Finding::warning("TPL004", format!("engine object `{n}`, which chat templates have no use for")));
    }
}

/// A string literal (or folded chain) that names internals.
fn literal(v: &str, exact: bool, at: usize, cx: &mut Ctx<'_>) {
    if !exact {
        cx.push(at, Finding::unsafe_("TPL003", "string literal with a `\\N{...}` escape: its value cannot be checked"));
        return;
    }
    let t = v.trim();
    if let Some(d) = DANGEROUS.iter().find(|d| v.contains(*d)) {
        cx.push(at, Finding::unsafe_("TPL001", format!("string names `{d}`")));
    } else if t.len() > 2 && (t.starts_with("__") || t.ends_with("__")) && t.chars().all(|c| c == '_' || c.is_alphanumeric() || c == '.') {
        cx.push(at, Finding::unsafe_("TPL001", format!("string {t:?} is (part of) a dunder name")));
    }
}

/// The attribute-name arguments of `attr`, `map`, `selectattr`, ...: the first
/// positional one and `attribute=`.
fn filter_args(f: &str, pos: usize, toks: &[Tok], open: usize, at: usize, cx: &mut Ctx<'_>, vars: &Vars) {
    let end = group_end(toks, open);
    let inner = toks.get(open + 1..end).unwrap_or_default();
    let mut args: Vec<&[Tok]> = Vec::new();
    let (mut depth, mut from) = (0, 0);
    for (k, t) in inner.iter().enumerate() {
        match op(Some(t)) {
            Some("(" | "[" | "{") => depth += 1,
            Some(")" | "]" | "}") => depth -= 1,
            Some(",") if depth == 0 => {
                args.push(inner.get(from..k).unwrap_or_default());
                from = k + 1;
            }
            _ => {}
        }
    }
    args.push(inner.get(from..).unwrap_or_default());
    let how = format!("`{f}()`");
    // `map('attr', NAME)`, `map('selectattr', NAME)`: the filter named first
    // takes the attribute name second.
    let positional_args: Vec<&[Tok]> =
        args.iter().copied().filter(|a| !(name(a.first()).is_some() && op(a.get(1)) == Some("="))).collect();
    if f == "map" {
        if let (Some(first), Some(second)) = (positional_args.first(), positional_args.get(1)) {
            if let Key::Const(inner) = key(first, vars) {
                if ATTR_FILTERS.iter().any(|(g, _)| *g == inner) {
                    judge_key(key(second, vars), &format!("`map('{inner}')`"), true, at, cx);
                }
            }
        }
    }
    let mut positional = 0;
    for a in args {
        let kw = name(a.first()).filter(|_| op(a.get(1)) == Some("="));
        match kw {
            Some("attribute") => judge_key(key(a.get(2..).unwrap_or_default(), vars), &how, true, at, cx),
            Some(_) => {}
            None => {
                // `map('upper')` names a filter: still a name the engine looks up.
                if positional == pos && !a.is_empty() {
                    judge_key(key(a, vars), &how, true, at, cx);
                }
                positional += 1;
            }
        }
    }
}
