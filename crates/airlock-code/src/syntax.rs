//! A small, language-independent view of a syntax tree: calls with their
//! arguments, key/value settings, sequences, string literals and comments,
//! gathered in one walk so that every rule reads the same facts.

use crate::lang::Lang;
use ast_grep_core::tree_sitter::StrDoc;
use ast_grep_core::Node;
use ast_grep_language::SupportLang;

pub type Doc = StrDoc<SupportLang>;
pub type N<'t> = Node<'t, Doc>;

/// One argument of a call.
#[derive(Clone)]
pub struct Arg<'t> {
    /// Keyword name (`verify=` in Python), when there is one.
    pub name: Option<String>,
    pub value: N<'t>,
}

/// A function, method or constructor call.
#[derive(Clone)]
pub struct Call<'t> {
    pub node: N<'t>,
    /// The callee with argument lists emptied and `::` as `.`:
    /// `jwt.decode`, `Jwts.parser().setSigningKey().parseClaimsJws`, `new ObjectInputStream`.
    pub callee: String,
    /// The last segment of the callee (`decode`).
    pub name: String,
    pub args: Vec<Arg<'t>>,
}

impl<'t> Call<'t> {
    /// A keyword argument, or an option of that name inside an options object
    /// passed as an argument (`{ algorithms: [...] }`).
    pub fn option(&self, key: &str) -> Option<N<'t>> {
        for a in &self.args {
            if a.name.as_deref() == Some(key) {
                return Some(a.value.clone());
            }
        }
        for a in &self.args {
            if let Some(v) = object_get(&a.value, key) {
                return Some(v);
            }
        }
        None
    }

    /// The positional arguments.
    pub fn positional(&self) -> impl Iterator<Item = &N<'t>> {
        self.args.iter().filter(|a| a.name.is_none()).map(|a| &a.value)
    }

    pub fn first(&self) -> Option<&N<'t>> {
        self.positional().next()
    }

    /// Callee matches a dotted suffix, case-sensitively, on a segment boundary.
    pub fn is(&self, dotted: &str) -> bool {
        self.callee == dotted
            || self
                .callee
                .strip_suffix(dotted)
                .is_some_and(|head| head.ends_with('.') || head.ends_with(' '))
    }
}

/// `key = value` in any of its forms: keyword arguments, dictionary and object
/// entries, struct fields, attribute and variable assignments.
#[derive(Clone)]
pub struct Setting<'t> {
    /// The key, unquoted; for assignments the last segment of the target
    /// (`app.debug = True` -> `debug`, `config["DEBUG"]` -> `DEBUG`).
    pub key: String,
    /// The whole target text for assignments (`app.config["DEBUG"]`).
    pub target: String,
    pub value: N<'t>,
    pub node: N<'t>,
}

/// Every fact the rules read about one parsed file.
pub struct Facts<'t> {
    pub calls: Vec<Call<'t>>,
    pub settings: Vec<Setting<'t>>,
    /// Lists, arrays, sets, tuples, slices and `vec![...]`.
    pub sequences: Vec<N<'t>>,
    pub strings: Vec<N<'t>>,
    pub comments: Vec<N<'t>>,
    /// Function definitions (for rules that look at a function's body).
    pub functions: Vec<N<'t>>,
    /// Comparisons and boolean operations (auth-bypass rules).
    pub conditions: Vec<N<'t>>,
    /// The tree has syntax errors (fragments are normal; rules still run).
    pub has_errors: bool,
}

/// Walk the tree once.
pub fn collect<'t>(root: N<'t>, lang: Lang) -> Facts<'t> {
    let mut f = Facts {
        calls: Vec::new(),
        settings: Vec::new(),
        sequences: Vec::new(),
        strings: Vec::new(),
        comments: Vec::new(),
        functions: Vec::new(),
        conditions: Vec::new(),
        has_errors: false,
    };
    for node in root.dfs() {
        let kind = node.kind();
        let k: &str = &kind;
        if node.is_error() || node.is_missing() {
            f.has_errors = true;
        }
        if !node.is_named() {
            continue;
        }
        match k {
            "comment" | "line_comment" | "block_comment" => f.comments.push(node.clone()),
            "call" | "call_expression" | "new_expression" | "method_invocation"
            | "object_creation_expression" | "macro_invocation" => {
                if let Some(c) = call(&node, lang) {
                    f.calls.push(c);
                }
            }
            "keyword_argument" | "pair" | "keyed_element" | "field_initializer" => {
                if let Some(s) = entry(&node) {
                    f.settings.push(s);
                }
            }
            "assignment" | "assignment_expression" | "assignment_statement" | "variable_declarator"
            | "short_var_declaration" | "let_declaration" | "augmented_assignment" => {
                if let Some(s) = assignment(&node) {
                    f.settings.push(s);
                }
            }
            "list" | "array" | "tuple" | "set" | "literal_value" | "array_initializer" => {
                f.sequences.push(node.clone())
            }
            "function_definition" | "function_declaration" | "method_declaration"
            | "function_item" | "func_literal" | "arrow_function" | "function_expression"
            | "method_definition" | "lambda_expression" => f.functions.push(node.clone()),
            "comparison_operator" | "boolean_operator" | "binary_expression" => {
                f.conditions.push(node.clone())
            }
            _ => {}
        }
        if is_string_kind(k) {
            f.strings.push(node.clone());
        }
    }
    f
}

fn is_string_kind(k: &str) -> bool {
    matches!(
        k,
        "string" | "template_string" | "interpreted_string_literal" | "raw_string_literal"
            | "string_literal" | "text_block"
    )
}

/// Text with every parenthesised or bracketed argument list emptied, and `::`/`?.`
/// written as `.`.
pub fn normalize_callee(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut depth = 0usize;
    for ch in text.chars() {
        match ch {
            '(' => {
                if depth == 0 {
                    out.push('(');
                }
                depth += 1;
            }
            ')' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    out.push(')');
                }
            }
            c if depth > 0 => {
                let _ = c;
            }
            c if c.is_whitespace() => {}
            c => out.push(c),
        }
    }
    out.replace("::", ".").replace("?.", ".").replace("!.", ".")
}

fn last_segment(s: &str) -> String {
    let s = s.trim_end_matches("()");
    s.rsplit(['.', ' ']).next().unwrap_or(s).to_string()
}

fn call<'t>(node: &N<'t>, lang: Lang) -> Option<Call<'t>> {
    let kind = node.kind();
    let (callee, args_node) = match &*kind {
        "method_invocation" => {
            let name = node.field("name")?.text().to_string();
            let callee = match node.field("object") {
                Some(o) => format!("{}.{}", normalize_callee(&o.text()), name),
                None => name,
            };
            (callee, node.field("arguments"))
        }
        "object_creation_expression" => {
            let ty = node.field("type")?.text().to_string();
            (format!("new {}", normalize_callee(&ty)), node.field("arguments"))
        }
        "new_expression" => {
            let ty = node.field("constructor")?.text().to_string();
            (format!("new {}", normalize_callee(&ty)), node.field("arguments"))
        }
        "macro_invocation" => {
            let m = node.field("macro")?.text().to_string();
            let tt = node.children().find(|c| c.kind() == "token_tree");
            (format!("{}!", normalize_callee(&m)), tt)
        }
        _ => {
            let f = node.field("function")?;
            (normalize_callee(&f.text()), node.field("arguments"))
        }
    };
    let mut args = Vec::new();
    if let Some(list) = args_node {
        for c in list.children() {
            if !c.is_named() || c.is_extra() {
                continue;
            }
            match &*c.kind() {
                "keyword_argument" => {
                    if let (Some(n), Some(v)) = (c.field("name"), c.field("value")) {
                        args.push(Arg {
                            name: Some(n.text().to_string()),
                            value: v,
                        });
                    }
                }
                "comment" | "line_comment" | "block_comment" => {}
                _ => args.push(Arg {
                    name: None,
                    value: c,
                }),
            }
        }
    }
    let _ = lang;
    let name = last_segment(&callee).trim_end_matches('!').to_string();
    Some(Call {
        node: node.clone(),
        callee,
        name,
        args,
    })
}

/// A dictionary/object/struct entry or keyword argument.
fn entry<'t>(node: &N<'t>) -> Option<Setting<'t>> {
    let (key, value) = match &*node.kind() {
        "keyword_argument" => (node.field("name")?, node.field("value")?),
        "pair" => (node.field("key")?, node.field("value")?),
        "field_initializer" => (node.field("field")?, node.field("value")?),
        "keyed_element" => {
            let mut named = node.children().filter(|c| c.is_named());
            (named.next()?, named.next()?)
        }
        _ => return None,
    };
    let value = unwrap_element(value);
    let key_text = unquote(&unwrap_element(key));
    Some(Setting {
        target: key_text.clone(),
        key: key_text,
        value,
        node: node.clone(),
    })
}

/// Go wraps composite literal members in `literal_element`.
pub fn unwrap_element(n: N<'_>) -> N<'_> {
    if n.kind() == "literal_element" {
        if let Some(c) = n.children().find(|c| c.is_named()) {
            return c;
        }
    }
    n
}

fn assignment<'t>(node: &N<'t>) -> Option<Setting<'t>> {
    let (left, right) = match &*node.kind() {
        "variable_declarator" => (node.field("name")?, node.field("value")?),
        "let_declaration" => (node.field("pattern")?, node.field("value")?),
        "short_var_declaration" | "assignment_statement" => {
            let l = node.field("left")?;
            let r = node.field("right")?;
            // Only single assignments: `a, b := f()` is not a setting.
            let l1: Vec<_> = l.children().filter(|c| c.is_named()).collect();
            let r1: Vec<_> = r.children().filter(|c| c.is_named()).collect();
            match (l1.as_slice(), r1.as_slice()) {
                ([a], [b]) => (a.clone(), b.clone()),
                _ => return None,
            }
        }
        _ => (node.field("left")?, node.field("right")?),
    };
    let target = left.text().to_string();
    let key = match &*left.kind() {
        "subscript" | "subscript_expression" | "index_expression" => {
            let idx = left
                .field("subscript")
                .or_else(|| left.field("index"))
                .or_else(|| left.children().filter(|c| c.is_named()).last())?;
            unquote(&idx)
        }
        "attribute" => left.field("attribute").map(|a| a.text().to_string())?,
        "member_expression" => left.field("property").map(|a| a.text().to_string())?,
        "field_expression" => left.field("field").map(|a| a.text().to_string())?,
        "selector_expression" => left.field("field").map(|a| a.text().to_string())?,
        _ => last_segment(&target),
    };
    Some(Setting {
        key,
        target,
        value: right,
        node: node.clone(),
    })
}

/// The literal text of a string node, when it is a plain literal with no
/// interpolation.
pub fn str_lit(n: &N<'_>) -> Option<String> {
    let k = n.kind();
    if !is_string_kind(&k) {
        return None;
    }
    if n
        .children()
        .any(|c| matches!(&*c.kind(), "interpolation" | "template_substitution"))
    {
        return None;
    }
    Some(unquote(n))
}

/// A node's text without the quotes of a string literal.
pub fn unquote(n: &N<'_>) -> String {
    let t = n.text();
    let t = t.trim();
    let t = t.trim_start_matches(|c: char| c.is_ascii_alphabetic() && c != '"' && c != '\'' && c != '`');
    let t = t.trim_start_matches('#');
    for q in ["\"\"\"", "'''", "\"", "'", "`"] {
        if let Some(inner) = t.strip_prefix(q) {
            let inner = inner.trim_end_matches('#');
            return inner.strip_suffix(q).unwrap_or(inner).to_string();
        }
    }
    n.text().trim().to_string()
}

/// `Some(true)`/`Some(false)` for boolean literals (and `0`/`1` where
/// languages use them as flags, e.g. `NODE_TLS_REJECT_UNAUTHORIZED`).
pub fn bool_lit(n: &N<'_>) -> Option<bool> {
    match n.text().trim() {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

/// A literal whose value is fixed in the source: strings without
/// interpolation, numbers, booleans, null, and concatenations of those.
pub fn is_const(n: &N<'_>) -> bool {
    let k = n.kind();
    if str_lit(n).is_some() {
        return true;
    }
    match &*k {
        "integer" | "float" | "number" | "int_literal" | "float_literal" | "decimal_integer_literal"
        | "integer_literal" | "true" | "false" | "none" | "null" | "nil" | "undefined"
        | "boolean_literal" | "concatenated_string" => n
            .children()
            .filter(|c| c.is_named())
            .all(|c| is_const(&c)),
        "binary_expression" | "binary_operator" | "parenthesized_expression" => {
            let kids: Vec<_> = n.children().filter(|c| c.is_named()).collect();
            !kids.is_empty() && kids.iter().all(is_const)
        }
        // `()`, `[]`, `(1, "a")`: formatting with nothing dynamic.
        "tuple" | "list" | "array" => n.children().filter(|c| c.is_named()).all(|c| is_const(&c)),
        _ => false,
    }
}

/// A string assembled at run time from something that is not a literal:
/// f-strings and template literals with substitutions, `+` concatenation,
/// `%` and `.format()` formatting, `fmt.Sprintf`, `String.format`, `format!`.
pub fn is_built_string(n: &N<'_>) -> bool {
    let k = n.kind();
    match &*k {
        "string" | "template_string" => n
            .children()
            .any(|c| matches!(&*c.kind(), "interpolation" | "template_substitution")),
        "binary_expression" | "binary_operator" => {
            let op = n.field("operator").map(|o| o.text().to_string()).unwrap_or_default();
            let kids: Vec<_> = n.children().filter(|c| c.is_named()).collect();
            let has_str = kids.iter().any(|c| str_lit(c).is_some() || c.kind() == "concatenated_string" || is_built_string(c));
            let has_dyn = kids.iter().any(|c| !is_const(c));
            (op == "+" || op == "%" || op.is_empty()) && has_str && has_dyn
        }
        "call" | "call_expression" | "method_invocation" | "macro_invocation" => {
            let text = n.text();
            let head: String = normalize_callee(&text);
            let formatting = head.ends_with(".format()")
                || head.ends_with("Sprintf()")
                || head.ends_with("String.format()")
                || head.ends_with("format!")
                || head.starts_with("format!")
                || head.ends_with(".formatted()");
            // Only the arguments count: `"SELECT 1".format()` is a constant.
            let args = n.field("arguments").or_else(|| n.children().find(|c| c.kind().contains("argument")));
            formatting && args.is_some_and(|a| !a.children().all(|c| !c.is_named() || is_const(&c)))
        }
        "parenthesized_expression" => n.children().any(|c| c.is_named() && is_built_string(&c)),
        _ => false,
    }
}

/// The elements of a sequence node (list, array, slice literal, `vec![...]`,
/// `List.of(...)`), as text with quotes removed. `vec!` token trees are split
/// on commas.
pub fn elements_text(n: &N<'_>) -> Vec<String> {
    match &*n.kind() {
        // Go `[]string{"*"}`: the members sit in the literal's body.
        "composite_literal" => n.field("body").map(|b| elements_text(&b)).unwrap_or_default(),
        "token_tree" => {
            let t = n.text();
            let inner = t.trim().trim_start_matches(['[', '(']).trim_end_matches([']', ')']);
            inner
                .split(',')
                .map(|s| s.trim().trim_matches(['"', '\'']).to_string())
                .filter(|s| !s.is_empty())
                .collect()
        }
        _ => n
            .children()
            .filter(|c| c.is_named() && !c.is_extra())
            .map(unwrap_element)
            .filter(|c| !matches!(&*c.kind(), "comment" | "slice_type" | "array_type"))
            .map(|c| match str_lit(&c) {
                Some(s) => s,
                None => c.text().to_string(),
            })
            .collect(),
    }
}

/// Look up `key` in an object/dictionary literal node.
pub fn object_get<'t>(obj: &N<'t>, key: &str) -> Option<N<'t>> {
    if !matches!(&*obj.kind(), "object" | "dictionary" | "literal_value") {
        return None;
    }
    for c in obj.children() {
        if let Some(s) = entry(&c) {
            if s.key == key {
                return Some(s.value);
            }
        }
    }
    None
}

/// The identifier-like words of a text (for "does this mention X" checks).
pub fn mentions(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
            && !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}
