//! Where a value comes from, within one function: a small, syntactic taint
//! analysis shared by the injection rules.
//!
//! A value is [`Trust::Clean`] when the source fixes it (literals, names bound
//! to literals, numbers, sanitised values), [`Trust::Outside`] when it reaches
//! something a caller or a remote party controls (a parameter of the function,
//! a request object, `argv`, the environment, standard input), and
//! [`Trust::Local`] otherwise (computed, but from nothing known to be outside).
//! Names are followed through their assignments in the same function, through
//! `+`/`%`/`.format()`/f-strings/template literals/`Sprintf`/`StringBuilder`,
//! subscripts, attributes and calls on or with tainted values.

use crate::lang::Lang;
use crate::syntax::{is_const, normalize_callee, N};
use crate::unit::Unit;

/// How far a value is under outside control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Trust {
    Clean,
    Local,
    Outside,
}

/// How many names and calls deep a value is followed.
const DEPTH: u8 = 8;

/// How many nodes one question may visit: names fan out through their
/// assignments, so a crafted file must not make the walk exponential.
const STEPS: u32 = 4000;

type Budget = std::cell::Cell<u32>;

/// Where the value of `node` can come from.
pub fn trust<'t>(unit: &Unit<'t>, node: &N<'t>) -> Trust {
    walk(unit, node, DEPTH, &Budget::new(STEPS))
}

/// The value can come from a caller or a remote party.
pub fn outside<'t>(unit: &Unit<'t>, node: &N<'t>) -> bool {
    trust(unit, node) == Trust::Outside
}

/// The value is not fixed by the source (and not sanitised).
pub fn dynamic<'t>(unit: &Unit<'t>, node: &N<'t>) -> bool {
    trust(unit, node) != Trust::Clean
}

fn walk<'t>(unit: &Unit<'t>, n: &N<'t>, depth: u8, b: &Budget) -> Trust {
    if depth == 0 || b.get() == 0 {
        return Trust::Local;
    }
    b.set(b.get() - 1);
    if is_const(n) {
        return Trust::Clean;
    }
    let kind = n.kind();
    match &*kind {
        "identifier" | "shorthand_property_identifier" => name(unit, n, depth, b),
        "this" | "self" | "super" | "none" | "null" | "nil" | "undefined" | "true" | "false" => Trust::Clean,
        "attribute" | "member_expression" | "field_access" | "selector_expression" | "field_expression" => {
            if source_path(&n.text()) {
                return Trust::Outside;
            }
            let obj = n.field("object").or_else(|| n.field("operand")).or_else(|| n.field("value"));
            match obj {
                Some(o) if o.kind() == "this" || o.text() == "self" => {
                    if source_path(&n.text()) {
                        Trust::Outside
                    } else {
                        Trust::Local
                    }
                }
                Some(o) => walk(unit, &o, depth - 1, b).max(Trust::Local),
                None => Trust::Local,
            }
        }
        "subscript" | "subscript_expression" | "index_expression" | "array_access" | "element_reference" => {
            let obj = n
                .field("value")
                .or_else(|| n.field("object"))
                .or_else(|| n.field("operand"))
                .or_else(|| n.field("array"))
                .or_else(|| n.children().find(|c| c.is_named()));
            // A lookup in a constant table is an allow-list: its values are the table's.
            obj.map(|o| walk(unit, &o, depth - 1, b)).unwrap_or(Trust::Local)
        }
        "call" | "call_expression" | "method_invocation" | "new_expression" | "object_creation_expression"
        | "macro_invocation" => call(unit, n, depth, b),
        "comparison_operator" | "boolean_operator" | "not_operator" | "unary_not" | "instanceof_expression" => Trust::Clean,
        "binary_expression"
            if n.field("operator").is_some_and(|o| {
                matches!(&*o.text(), "==" | "!=" | "===" | "!==" | "<" | ">" | "<=" | ">=" | "&&" | "||" | "instanceof" | "in")
            }) =>
        {
            Trust::Clean
        }
        "lambda" | "arrow_function" | "function_expression" | "function" | "lambda_expression" | "func_literal" => {
            Trust::Local
        }
        "conditional_expression" | "ternary_expression" => {
            // The condition does not flow into the value.
            let kids: Vec<_> = n.children().filter(|c| c.is_named()).collect();
            let branches: Vec<&N<'_>> = match (unit.lang, kids.as_slice()) {
                (Lang::Python, [a, _cond, b]) => vec![a, b],
                (_, [_cond, a, b]) => vec![a, b],
                _ => kids.iter().collect(),
            };
            branches.iter().map(|c| walk(unit, c, depth - 1, b)).max().unwrap_or(Trust::Local)
        }
        "string" | "template_string" | "interpreted_string_literal" | "string_literal" | "f_string" => n
            .dfs()
            .filter(|c| matches!(&*c.kind(), "interpolation" | "template_substitution"))
            .flat_map(|i| i.children().filter(|c| c.is_named()).collect::<Vec<_>>())
            .map(|e| walk(unit, &e, depth - 1, b))
            .max()
            .unwrap_or(Trust::Clean),
        // Containers, operators, casts, awaits, spreads: the worst part decides.
        _ => {
            let kids: Vec<_> = n
                .children()
                .filter(|c| c.is_named() && !c.is_extra() && !is_type_node(c))
                .collect();
            if kids.is_empty() {
                return Trust::Local;
            }
            kids.iter().map(|c| walk(unit, c, depth - 1, b)).max().unwrap_or(Trust::Local)
        }
    }
}

fn is_type_node(n: &N<'_>) -> bool {
    let k = n.kind();
    k.ends_with("_type") || k == "type_identifier" || k == "type" || k == "comment" || k == "type_arguments"
}

/// Objects and paths whose values come from outside: request objects,
/// command-line arguments, the environment.
fn source_path(text: &str) -> bool {
    let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let root = t.split(['.', '[', '(']).next().unwrap_or("");
    let rooted = |r: &str| t == r || t.starts_with(&format!("{r}.")) || t.starts_with(&format!("{r}["));
    matches!(root, "request" | "req")
        || ["flask.request", "self.request", "this.request", "self.path", "self.headers", "self.rfile", "self.requestline"]
            .iter()
            .any(|p| rooted(p))
        || ["sys.argv", "os.environ", "process.env", "process.argv", "os.Args", "Deno.args", "location", "document.location",
            "window.location", "document.URL", "document.cookie", "ctx.request", "ctx.query", "ctx.params"]
            .iter()
            .any(|p| rooted(p))
}

/// Calls whose result comes from outside, by their normalised callee.
fn source_call(callee: &str, name: &str) -> bool {
    matches!(
        callee,
        "input" | "raw_input" | "os.getenv" | "getenv" | "os.environ.get" | "System.getenv" | "env.var" | "std.env.var"
            | "env.args" | "std.env.args" | "os.Getenv" | "os.LookupEnv" | "sys.stdin.read" | "sys.stdin.readline"
    ) || matches!(
        name,
        "getParameter" | "getParameterValues" | "getParameterMap" | "getHeader" | "getHeaders" | "getQueryString"
            | "getCookies" | "getInputStream" | "getReader" | "getRequestURI" | "getPathInfo" | "FormValue"
            | "PostFormValue" | "getenv" | "get_json" | "getBody" | "getPart" | "getRemoteUser"
    ) || (callee.ends_with(".URL.Query().Get") || callee.starts_with("mux.Vars"))
        || (matches!(name, "Query" | "Param" | "PostForm" | "GetHeader" | "DefaultQuery" | "GetQuery" | "FormParams" | "QueryParam")
            && callee.split('.').next().is_some_and(|r| matches!(r, "c" | "ctx" | "context")))
}

/// Calls that make any value safe to paste into a command line, a query or code:
/// quoting and escaping, numbers, hashes, identifiers.
fn sanitizer(callee: &str, name: &str) -> bool {
    let lname = name.to_ascii_lowercase();
    matches!(
        callee,
        "int" | "float" | "bool" | "len" | "parseInt" | "parseFloat" | "Number" | "Boolean" | "Math.floor"
            | "Math.round" | "Integer.parseInt" | "Integer.valueOf" | "Long.parseLong" | "Long.valueOf"
            | "Double.parseDouble" | "strconv.Atoi" | "strconv.Itoa" | "strconv.ParseInt" | "strconv.FormatInt"
            | "strconv.Quote" | "uuid.uuid4" | "UUID.randomUUID" | "hash" | "id" | "sql.Identifier" | "sql.Literal"
            | "psycopg2.sql.Identifier" | "AsIs"
    ) || lname.contains("quote")
        || lname.contains("escape")
        || lname.contains("sanitize")
        || lname == "isdigit"
        || lname == "isnumeric"
        || lname == "hexdigest"
}

fn call<'t>(unit: &Unit<'t>, n: &N<'t>, depth: u8, b: &Budget) -> Trust {
    let func = n.field("function").or_else(|| n.field("name")).or_else(|| n.field("constructor"));
    let callee = match &*n.kind() {
        "method_invocation" => match n.field("object") {
            Some(o) => format!("{}.{}", normalize_callee(&o.text()), n.field("name").map(|x| x.text().to_string()).unwrap_or_default()),
            None => n.field("name").map(|x| x.text().to_string()).unwrap_or_default(),
        },
        "macro_invocation" => n.field("macro").map(|m| format!("{}!", m.text())).unwrap_or_default(),
        "object_creation_expression" => n.field("type").map(|t| format!("new {}", normalize_callee(&t.text()))).unwrap_or_default(),
        _ => func.as_ref().map(|f| normalize_callee(&f.text())).unwrap_or_default(),
    };
    let name = callee.trim_end_matches("()").rsplit(['.', ' ']).next().unwrap_or("").to_string();
    if sanitizer(&callee, &name) {
        return Trust::Clean;
    }
    if source_call(&callee, &name) {
        return Trust::Outside;
    }
    // The receiver of a method call (`user.strip()`, `r.URL.Query().Get("x")`, `sb.toString()`).
    let receiver = match &*n.kind() {
        "method_invocation" => n.field("object"),
        _ => func.as_ref().and_then(|f| f.field("object").or_else(|| f.field("operand")).or_else(|| f.field("value"))),
    };
    // A receiver that is a bare name bound nowhere here is a module, class or global (`fmt`, `String`, `sql`).
    let module = |r: &N<'t>| r.kind() == "identifier" && !source_path(&r.text()) && values_of(unit, r).is_empty() && !is_param(unit, r);
    let mut t = receiver.filter(|r| !module(r)).map(|r| walk(unit, &r, depth - 1, b)).unwrap_or(Trust::Clean);
    // `request.args.get("x")`: the receiver path is a source.
    if func.as_ref().is_some_and(|f| source_path(&f.text())) {
        return Trust::Outside;
    }
    let args = n
        .field("arguments")
        .or_else(|| n.children().find(|c| c.kind() == "token_tree" || c.kind().contains("argument")));
    if let Some(a) = args {
        for arg in a.children().filter(|c| c.is_named() && !c.is_extra()) {
            let v = if arg.kind() == "keyword_argument" { arg.field("value") } else { Some(arg) };
            if let Some(v) = v {
                t = t.max(walk(unit, &v, depth - 1, b));
            }
        }
    }
    // A call of a function we know nothing about still computes something.
    t.max(if callee.is_empty() { Trust::Local } else { Trust::Clean }).max(unknown_call(&callee))
}

/// A call with only constant inputs still returns a value the source does not fix
/// (`something()`, `get_name()`), except for well-known pure constructors.
fn unknown_call(callee: &str) -> Trust {
    if matches!(callee, "str" | "String" | "list" | "tuple" | "dict" | "set" | "new StringBuilder" | "new StringBuffer"
        | "StringBuilder" | "fmt.Sprintf" | "String.format" | "format!" | "format" | "strings.Join" | "String.join"
        | "exec.LookPath" | "shutil.which" | "which" | "open")
        || callee.ends_with(".format")
        || callee.ends_with(".join")
        || callee.ends_with(".formatted")
        // Constructors and types given only constants (`sql.SQL("...")`, `new File("x")`).
        || callee.rsplit(['.', ' ']).next().is_some_and(|l| l.starts_with(|c: char| c.is_ascii_uppercase()))
    {
        Trust::Clean
    } else {
        Trust::Local
    }
}

/// A plain name: a parameter of its function, or what its assignments hold.
fn name<'t>(unit: &Unit<'t>, n: &N<'t>, depth: u8, b: &Budget) -> Trust {
    let id = n.text();
    let at = n.range().start;
    let func = enclosing_fn(n);
    let body_scope = func.clone().unwrap_or_else(|| root_of(n));
    let assigns = assignments(unit, &body_scope, &id, at, func.is_some());
    if let Some(last_plain) = assigns.iter().rposition(|a| !a.augments) {
        // The last plain assignment, the updates after it, and earlier ones when it is conditional.
        let mut t = Trust::Clean;
        for (i, a) in assigns.iter().enumerate() {
            let counts = i >= last_plain || assigns.get(last_plain).is_some_and(|l| l.nested > a.nested);
            if counts {
                t = t.max(walk(unit, &a.value, depth - 1, b));
            }
        }
        return t;
    }
    let mut t = Trust::Clean;
    for a in &assigns {
        t = t.max(walk(unit, &a.value, depth - 1, b));
    }
    if let Some(f) = &func {
        if let Some(p) = param_trust(unit, f, &id) {
            return t.max(p);
        }
        // An enclosing function's parameter or a module-level name.
        if let Some(outer) = enclosing_fn(f) {
            if let Some(p) = param_trust(unit, &outer, &id) {
                return t.max(p);
            }
        }
        let module = module_assignments(unit, n, &id);
        if !module.is_empty() && assigns.is_empty() {
            return module.iter().map(|v| walk(unit, v, depth - 1, b)).max().unwrap_or(Trust::Local);
        }
    }
    if assigns.is_empty() {
        // Never assigned here: an import, a global, a name from elsewhere.
        return Trust::Local;
    }
    t
}

struct Assign<'t> {
    value: N<'t>,
    /// Adds to the name (`q += x`, `sb.append(x)`) rather than replacing it.
    augments: bool,
    /// How many blocks deep the assignment sits inside the scope.
    nested: usize,
}

fn root_of<'t>(n: &N<'t>) -> N<'t> {
    n.ancestors().last().unwrap_or_else(|| n.clone())
}

pub(crate) fn enclosing_fn<'t>(n: &N<'t>) -> Option<N<'t>> {
    n.ancestors().find(|a| is_function(&a.kind()))
}

fn is_function(k: &str) -> bool {
    matches!(
        k,
        "function_definition" | "function_declaration" | "method_declaration" | "function_item" | "func_literal"
            | "arrow_function" | "function_expression" | "method_definition" | "lambda_expression" | "function"
            | "generator_function_declaration" | "constructor_declaration" | "lambda"
    )
}

/// Assignments to `id` in `scope` before byte `at` (not inside nested functions).
fn assignments<'t>(unit: &Unit<'t>, scope: &N<'t>, id: &str, at: usize, in_fn: bool) -> Vec<Assign<'t>> {
    let _ = unit;
    let mut out = Vec::new();
    let Some(facts) = unit.facts() else { return out };
    let range = scope.range();
    let scope_fn = if in_fn { Some(range.clone()) } else { None };
    // Every node of the unit lives in the same tree, so walk its settings and calls.
    for s in &facts.settings {
        let r = s.node.range();
        if r.start < range.start || r.end > at || !is_assignment(&s.node.kind()) {
            continue;
        }
        if enclosing_fn(&s.node).map(|f| f.range()) != scope_fn {
            continue;
        }
        let target_matches = s.target == id || binds(&s.node, id);
        if !target_matches {
            continue;
        }
        out.push(Assign {
            value: s.value.clone(),
            augments: crate::rules::util::is_augmented(&s.node),
            nested: depth_in(&s.node, &range),
        });
    }
    for c in &facts.calls {
        let r = c.node.range();
        if r.start < range.start || r.end > at {
            continue;
        }
        let mutates = matches!(c.name.as_str(), "append" | "extend" | "insert" | "push" | "add" | "concat" | "write"
            | "appendLiteral" | "WriteString" | "Write" | "push_str" | "addAll" | "update")
            && c.callee.strip_suffix(&format!(".{}", c.name)).is_some_and(|recv| recv == id);
        if mutates && enclosing_fn(&c.node).map(|f| f.range()) == scope_fn {
            for a in c.args.iter() {
                out.push(Assign { value: a.value.clone(), augments: true, nested: depth_in(&c.node, &range) });
            }
        }
    }
    // Go `a, err := f(x)`: several names from one expression.
    for node in scope.dfs().filter(|d| d.range().start < at && matches!(&*d.kind(), "short_var_declaration" | "assignment_statement")) {
        let (Some(l), Some(r)) = (node.field("left"), node.field("right")) else { continue };
        let names: Vec<_> = l.children().filter(|c| c.is_named()).collect();
        if names.len() > 1 && names.iter().any(|x| x.text() == id) && node.range().end <= at {
            let augments = node.field("operator").is_some_and(|o| o.text() != "=" && o.text() != ":=");
            out.push(Assign { value: r, augments, nested: depth_in(&node, &range) });
        }
    }
    // Loop variables: `for x in xs`, `for (String x : xs)`, `for _, x := range xs`.
    for node in scope.dfs().filter(|d| d.range().start < at) {
        let k = node.kind();
        if !matches!(&*k, "for_statement" | "for_in_statement" | "enhanced_for_statement" | "range_clause" | "for_expression") {
            continue;
        }
        let left = node.field("left").or_else(|| node.field("name")).or_else(|| node.field("pattern"));
        let right = node.field("right").or_else(|| node.field("value"));
        if let (Some(l), Some(r)) = (left, right) {
            if l.text() == id || l.dfs().any(|x| x.kind() == "identifier" && x.text() == id) {
                out.push(Assign { value: r, augments: true, nested: depth_in(&node, &range) });
            }
        }
    }
    out.sort_by_key(|a| a.value.range().start);
    out
}

fn is_assignment(k: &str) -> bool {
    matches!(
        k,
        "assignment" | "assignment_expression" | "assignment_statement" | "variable_declarator" | "short_var_declaration"
            | "let_declaration" | "augmented_assignment" | "augmented_assignment_expression" | "compound_assignment_expr"
    )
}

/// A destructuring assignment binds `id` (`a, b = x`; `const { q } = req.query`).
fn binds(node: &N<'_>, id: &str) -> bool {
    let left = node.field("left").or_else(|| node.field("name")).or_else(|| node.field("pattern"));
    left.is_some_and(|l| {
        matches!(&*l.kind(), "pattern_list" | "tuple_pattern" | "object_pattern" | "array_pattern" | "expression_list" | "list_pattern")
            && l.dfs().any(|x| matches!(&*x.kind(), "identifier" | "shorthand_property_identifier_pattern") && x.text() == id)
    })
}

fn depth_in(node: &N<'_>, scope: &std::ops::Range<usize>) -> usize {
    node.ancestors()
        .take_while(|a| a.range() != *scope)
        .filter(|a| {
            let k = a.kind();
            k.contains("block") || k.ends_with("_clause") || k == "if_statement" || k == "try_statement"
        })
        .count()
}

/// Module-level assignments of `id` (the values a function sees as a global).
fn module_assignments<'t>(unit: &Unit<'t>, n: &N<'_>, id: &str) -> Vec<N<'t>> {
    let Some(facts) = unit.facts() else { return Vec::new() };
    let _ = n;
    facts
        .settings
        .iter()
        .filter(|s| s.target == id && is_assignment(&s.node.kind()) && enclosing_fn(&s.node).is_none())
        .map(|s| s.value.clone())
        .collect()
}

/// Whether `id` is a parameter of `func`, and how far its value can be trusted
/// (numbers and booleans by declared type are clean).
fn param_trust(unit: &Unit<'_>, func: &N<'_>, id: &str) -> Option<Trust> {
    let params = func
        .field("parameters")
        .or_else(|| func.children().find(|c| matches!(&*c.kind(), "formal_parameters" | "parameters" | "parameter_list")))
        .or_else(|| func.field("parameter"))?;
    if params.kind() == "identifier" {
        // `x => ...`
        return (params.text() == id).then_some(Trust::Outside);
    }
    for p in params.children().filter(|c| c.is_named()) {
        let bound = p.kind() == "identifier" && p.text() == id
            || p.field("name").is_some_and(|x| x.text() == id)
            || p.field("pattern").is_some_and(|x| x.text() == id || x.dfs().any(|y| y.text() == id && y.kind().contains("identifier")))
            || p.children().any(|c| matches!(&*c.kind(), "identifier" | "list_splat_pattern" | "dictionary_splat_pattern") && c.text().trim_start_matches('*') == id)
            || (matches!(&*p.kind(), "object_pattern" | "array_pattern")
                && p.dfs().any(|y| y.text() == id && y.kind().contains("identifier")));
        if !bound {
            continue;
        }
        if matches!(id, "self" | "cls" | "this") {
            return Some(Trust::Clean);
        }
        let ty = p.field("type").map(|t| t.text().to_string()).unwrap_or_default();
        let ty = ty.trim_start_matches(':').trim();
        let numeric = matches!(
            ty,
            "int" | "float" | "bool" | "long" | "short" | "byte" | "double" | "boolean" | "Integer" | "Long" | "Boolean"
                | "Double" | "number" | "int64" | "int32" | "uint" | "uint64" | "uint32" | "float64" | "i32" | "i64"
                | "u32" | "u64" | "usize" | "UUID"
        );
        let _ = unit;
        return Some(if numeric { Trust::Clean } else { Trust::Outside });
    }
    // Go: `func f(a, b string)` puts several names in one declaration.
    for p in params.children().filter(|c| c.kind() == "parameter_declaration") {
        if p.children().any(|c| c.kind() == "identifier" && c.text() == id) {
            return Some(Trust::Outside);
        }
    }
    None
}

/// A plain name that is a parameter of its function (or of the one around it).
pub fn is_param<'t>(unit: &Unit<'t>, n: &N<'t>) -> bool {
    let id = n.text();
    let Some(f) = enclosing_fn(n) else { return false };
    param_trust(unit, &f, &id).is_some() || enclosing_fn(&f).is_some_and(|o| param_trust(unit, &o, &id).is_some())
}

/// A value read straight from a request, the command line or the environment.
pub fn is_source(n: &N<'_>) -> bool {
    if source_path(&n.text()) {
        return true;
    }
    let f = n.field("function").or_else(|| n.field("name"));
    let callee = match (n.kind().as_ref(), n.field("object")) {
        ("method_invocation", Some(o)) => format!("{}.{}", normalize_callee(&o.text()), f.map(|x| x.text().to_string()).unwrap_or_default()),
        _ => f.map(|x| normalize_callee(&x.text())).unwrap_or_default(),
    };
    let name = callee.rsplit('.').next().unwrap_or("").to_string();
    !callee.is_empty() && source_call(&callee, &name)
}

/// The values a plain name may hold at `n` (its counted assignments), empty for
/// parameters and names assigned nowhere in the function.
pub fn values_of<'t>(unit: &Unit<'t>, n: &N<'t>) -> Vec<N<'t>> {
    if n.kind() != "identifier" {
        return Vec::new();
    }
    let id = n.text();
    let func = enclosing_fn(n);
    let scope = func.clone().unwrap_or_else(|| root_of(n));
    let assigns = assignments(unit, &scope, &id, n.range().start, func.is_some());
    let last_plain = assigns.iter().rposition(|a| !a.augments);
    assigns
        .iter()
        .enumerate()
        .filter(|(i, a)| match last_plain {
            Some(l) => *i >= l || assigns.get(l).is_some_and(|p| p.nested > a.nested),
            None => true,
        })
        .map(|(_, a)| a.value.clone())
        .collect()
}

/// A string assembled at run time: formatting, concatenation, interpolation, a
/// string builder, directly or through the names it was assigned to.
pub fn assembled<'t>(unit: &Unit<'t>, n: &N<'t>) -> bool {
    assembled_at(unit, n, 3)
}

fn assembled_at<'t>(unit: &Unit<'t>, n: &N<'t>, depth: u8) -> bool {
    if crate::syntax::is_built_string(n) {
        return true;
    }
    let kind = n.kind();
    match &*kind {
        "identifier" if depth > 0 => {
            let vals = values_of(unit, n);
            vals.len() > 1 && vals.iter().skip(1).any(|v| !is_const(v)) || vals.iter().any(|v| assembled_at(unit, v, depth - 1))
        }
        "call" | "call_expression" | "method_invocation" | "object_creation_expression" | "new_expression" => {
            let head = normalize_callee(&n.text());
            let fmt = ["Sprintf()", "Printf()", "format()", "formatted()", "concat()", "join()", "Join()", "toString()", "String()"]
                .iter()
                .any(|s| head.ends_with(s))
                || head.starts_with("newStringBuilder(") || head.starts_with("newStringBuffer(");
            let args = n.field("arguments");
            fmt && (args.is_some_and(|a| a.children().any(|d| d.is_named() && depth > 0 && dynamic(unit, &d)))
                || n.field("object").is_some_and(|o| depth > 0 && assembled_at(unit, &o, depth - 1)))
        }
        "parenthesized_expression" | "await_expression" | "cast_expression" | "as_expression" => {
            n.children().any(|c| c.is_named() && assembled_at(unit, &c, depth))
        }
        _ => false,
    }
}
