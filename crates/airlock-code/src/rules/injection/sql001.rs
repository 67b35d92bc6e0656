//! SQL001: SQL text built by string formatting.

use crate::lang::Lang::*;
use super::flow::{self, Trust};
use crate::rules::util::{calls, emit};
use crate::rules::{fx, CodeRuleMeta};
use crate::syntax::{is_built_string, is_const, N};
use crate::unit::Unit;
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: CodeRuleMeta = CodeRuleMeta {
    code: "SQL001",
    name: "sql-injection",
    category: Category::CodeVulnerability,
    severity: Severity::High,
    decision: Decision::Ask,
    langs: &[Python, JavaScript, TypeScript, Tsx, Go, Java, Rust],
    summary: "A query function receives SQL assembled with `+`, `%`, `.format()`, f-strings, template literals, \
              `fmt.Sprintf`, `String.format`, `StringBuilder` or `format!` from values that are not constants (directly \
              or through variables of the same function), or a whole query string handed in by a caller or a request.",
    why: "A quote in the value ends the string literal and the rest is SQL of the attacker's choosing: \
          read every table, change data, bypass a login.",
    example: "cur.execute(f\"SELECT * FROM users WHERE name = '{name}'\")",
    instead: "Pass values as parameters: `cur.execute(\"SELECT * FROM users WHERE name = %s\", (name,))`, \
              `db.Query(\"... WHERE id = $1\", id)`, `PreparedStatement.setString`.",
    references: &["CWE-89"],
    flags: &[
        fx(Java, "class A { void f(Query q, String v) { q.setFilter(\"id == \" + v); } }"),
        fx(Python, "cur.execute(f\"SELECT * FROM users WHERE name = '{name}'\")\n"),
        fx(Python, "q = \"DELETE FROM t WHERE id = %s\" % ident\ncursor.execute(q)\n"),
        fx(JavaScript, "db.query(`SELECT * FROM users WHERE id = ${req.params.id}`);"),
        fx(Go, "package a\nfunc f(id string) { db.Query(\"SELECT * FROM users WHERE id = \" + id) }\n"),
        fx(Java, "class A { void f(String n) throws Exception { stmt.executeQuery(\"SELECT * FROM users WHERE name = '\" + n + \"'\"); } }"),
        fx(Java, "class A { void f(JdbcTemplate t, String sql) { t.queryForList(sql); } }"),
        fx(Python, "def f(request):\n    q = request.args.get(\"q\")\n    sql = \"SELECT * FROM t WHERE a = '%s'\" % q\n\n    cursor.execute(sql)\n"),
        fx(Go, "package a\nfunc f(r *http.Request) {\n\tid := r.URL.Query().Get(\"id\")\n\tq := fmt.Sprintf(\"SELECT * FROM t WHERE id = %s\", id)\n\n\tdb.Exec(q)\n}\n"),
    ],
    passes: &[
        fx(Java, "class A { void f(Query q) { q.setFilter(\"id == idParam\"); q.declareParameters(\"String idParam\"); } }"),
        fx(Python, "cur.execute(\"SELECT * FROM users WHERE name = %s\", (name,))\n"),
        fx(JavaScript, "db.query('SELECT * FROM users WHERE id = $1', [req.params.id]);"),
        fx(Go, "package a\nfunc f(id string) { db.Query(\"SELECT * FROM users WHERE id = $1\", id) }\n"),
        fx(Java, "class A { void f() throws Exception { stmt.executeQuery(\"SELECT * FROM users\"); } }"),
        fx(Java, "class A { void f() { String w = \"where id=1\"; String q = \"select * from t \" + w; session.createSQLQuery(q); } }"),
        fx(Go, "package a\nfunc f() { q := fmt.Sprintf(\"SELECT * FROM t\"); db.Exec(q) }\n"),
        fx(Java, "class A { void f(ApiClient c, String p) { Call call = build(p); c.execute(call); } }"),
    ],
};

const QUERY_FUNCS: &[&str] = &[
    "execute", "executemany", "executescript", "raw", "query", "Query", "QueryRow", "QueryContext",
    "QueryRowContext", "Exec", "ExecContext", "executeQuery", "executeUpdate", "executeLargeUpdate",
    "prepareStatement", "prepareCall", "createQuery", "createNativeQuery", "createSQLQuery", "addBatch",
    "queryForList", "queryForObject", "queryForMap", "update", "batchUpdate", "$queryRawUnsafe",
    "$executeRawUnsafe", "sql_query", "query_row", "query_map", "execute_batch", "read_sql", "read_sql_query",
    "Raw", "Select", "Where", "fetch", "fetchrow", "fetchval", "copy_from_query", "extra", "RawSQL",
    "executeSql", "executeStatement", "nativeQuery", "PreparedStatementCreatorFactory", "newQuery", "setFilter",
    "run", "cursor", "QueryEx", "ExecEx", "QueryRowEx", "QueryOne", "ExecOne", "preparedQuery", "prepare",
    "sqlRestriction", "queryForRowSet", "queryForInt", "queryForLong", "queryForStream", "executeBatchUpdate",
    "SqlQuery", "SqlUpdate", "setGrouping", "setOrdering", "setResult",
    "distinct", "having", "group_by", "order_by", "filter", "Order", "Group", "Having", "Joins",
];

/// Query-builder methods that take raw SQL only when given a string.
const FRAGMENT_FUNCS: &[&str] = &["distinct", "having", "group_by", "order_by", "filter", "Order", "Group", "Having", "Joins", "Select", "Where", "setGrouping", "setOrdering", "setResult"];

fn sqlish(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    let verbs = ["select ", "insert ", "update ", "delete ", "drop ", "create ", "alter ", "replace ", "merge "];
    let glue = [" from ", " into ", " set ", " where ", " table ", " values", " by "];
    verbs.iter().any(|v| t.contains(v)) && glue.iter().any(|g| t.contains(g))
        || t.trim_start_matches(['"', '\'', '`', 'f']).starts_with("select ")
}

/// The receiver looks like a database handle, statement, query or query builder.
fn db_receiver(callee: &str) -> bool {
    let recv = callee.rsplit_once('.').map(|(r, _)| r.to_ascii_lowercase()).unwrap_or_default();
    ["cursor", "cur", "conn", "db", "sql", "stmt", "statement", "jdbc", "session", "engine", "client", "pool", "peer",
     "knex", "sequelize", "connection", "tx", "entitymanager", "em", "template", "database", "mysql", "pg", "query",
     "repo", "dao", "con", "criteria", "pm", "persistencemanager", "orm", "gorm"]
        .iter()
        .any(|w| recv.split(|c: char| !c.is_ascii_alphanumeric()).any(|seg| seg.contains(w)) && !recv.contains("request"))
}

/// Context arguments that come before the query (`db.QueryContext(ctx, q)`).
fn is_context(a: &N<'_>) -> bool {
    let t = a.text();
    matches!(&*t, "ctx" | "context" | "c") || t.starts_with("context.") || t.ends_with("Context()")
}

/// Prefilter triggers: a query-running call by name, with arguments (a call without any has nothing to check); query-building fragments only on a callee naming `query` (or, in Go, on a database receiver); `text(...)` on a callee naming `sql`.
pub(crate) const TRIGGERS: Option<&[&str]> = Some(&[
    "execute(", "executemany(", "executescript(", "raw(", "query(", "queryrow(", "querycontext(",
    "queryrowcontext(", "exec(", "execcontext(", "executequery(", "executeupdate(", "executelargeupdate(",
    "preparestatement(", "preparecall(", "createquery(", "createnativequery(", "createsqlquery(", "addbatch(",
    "queryforlist(", "queryforobject(", "queryformap(", "update(", "batchupdate(", "$queryrawunsafe(",
    "$executerawunsafe(", "sql_query(", "query_row(", "query_map(", "execute_batch(", "read_sql(",
    "read_sql_query(", "fetch(", "fetchrow(", "fetchval(", "copy_from_query(", "extra(", "rawsql(", "executesql(",
    "executestatement(", "nativequery(", "preparedstatementcreatorfactory(", "newquery(", "setfilter(", "run(",
    "cursor(", "queryex(", "execex(", "queryrowex(", "queryone(", "execone(", "preparedquery(", "prepare(",
    "sqlrestriction(", "queryforrowset(", "queryforint(", "queryforlong(", "queryforstream(",
    "executebatchupdate(", "sqlquery(", "sqlupdate(", "text(&sql", "distinct(&query", "having(&query",
    "group_by(&query", "order_by(&query", "filter(&query", "order(&query", "group(&query", "having(&query",
    "joins(&query", "select(&query", "where(&query", "setgrouping(&query", "setordering(&query",
    "setresult(&query", "go:distinct(", "go:having(", "go:group_by(", "go:order_by(", "go:filter(", "go:order(",
    "go:group(", "go:having(", "go:joins(", "go:select(", "go:where(", "go:setgrouping(", "go:setordering(",
    "go:setresult(",
]);

pub fn check(unit: &Unit<'_>, meta: &CodeRuleMeta, out: &mut Vec<Finding>) {
    if unit.facts().is_none() {
        return;
    }
    for c in calls(unit) {
        let n = c.name.as_str();
        if !(QUERY_FUNCS.contains(&n) || n == "text" && c.callee.contains("sql")) {
            continue;
        }
        let fragment = FRAGMENT_FUNCS.contains(&n);
        if fragment && !(c.callee.to_ascii_lowercase().contains("query") || unit.lang == Go && db_receiver(&c.callee)) {
            continue;
        }
        let ambiguous = matches!(n, "execute" | "query" | "Query" | "run" | "update" | "raw" | "Raw" | "fetch" | "cursor"
            | "prepare" | "Exec" | "extra" | "text") || fragment;
        // The query argument: the first positional one after a context; JDO's `newQuery(Class, filter)` takes it later.
        let mut candidates: Vec<N<'_>> = Vec::new();
        let pos: Vec<&N<'_>> = c.positional().collect();
        match pos.iter().position(|a| !is_context(a)) {
            Some(i) if n == "newQuery" => candidates.extend(pos.iter().skip(i).map(|a| (*a).clone())),
            Some(i) => candidates.extend(pos.get(i).map(|a| (*a).clone())),
            None => {}
        }
        // Django `.extra(where=[...])` takes SQL fragments in lists; node drivers take `{ sql: ... }`.
        for key in ["where", "select", "tables", "order_by"] {
            if let Some(v) = c.option(key) {
                candidates.extend(v.children().filter(|e| e.is_named()));
            }
        }
        candidates.extend(c.option("sql"));
        for arg in &candidates {
            let trust = flow::trust(unit, arg);
            if trust == Trust::Clean {
                continue;
            }
            let built = flow::assembled(unit, arg);
            let text_sql = sqlish(&arg.text()) || flow::values_of(unit, arg).iter().any(|v| sqlish(&v.text()));
            let strong = strongly_sql(n) || n == "text";
            let flagged = if built {
                text_sql || strong || db_receiver(&c.callee) || n == "extra" || fragment
            } else {
                // A query handed in whole by a caller or a request.
                !fragment && trust == Trust::Outside && (strong || !ambiguous || db_receiver(&c.callee)) && handed_in(unit, arg, 3)
            };
            if flagged {
                // Point at the assembled string itself when it is written in the call.
                let at = if is_built_string(arg) { arg } else { &c.node };
                emit(unit, meta, at, format!("`{}` runs SQL assembled from non-literal values", c.callee), out);
                break;
            }
        }
    }
}

fn strongly_sql(n: &str) -> bool {
    matches!(
        n,
        "executemany" | "executescript" | "executeQuery" | "executeUpdate" | "executeLargeUpdate" | "prepareStatement"
            | "prepareCall" | "createNativeQuery" | "createQuery" | "createSQLQuery" | "$queryRawUnsafe"
            | "$executeRawUnsafe" | "addBatch" | "PreparedStatementCreatorFactory" | "newQuery" | "setFilter"
            | "queryForList" | "queryForObject" | "queryForMap" | "queryForRowSet" | "queryForInt" | "queryForLong"
            | "queryForStream" | "batchUpdate" | "executeBatchUpdate" | "sqlRestriction" | "preparedQuery"
            | "RawSQL" | "read_sql" | "read_sql_query" | "QueryRow" | "QueryContext" | "QueryRowContext" | "ExecContext"
            | "QueryEx" | "ExecEx" | "QueryRowEx" | "QueryOne" | "ExecOne" | "SqlQuery" | "SqlUpdate" | "executeSql"
            | "fetchrow" | "fetchval"
    )
}

/// A string handed in whole: a parameter, a request value, or a name holding one
/// (not an object a call built, such as a criteria query or an HTTP call).
fn handed_in<'t>(unit: &Unit<'t>, a: &N<'t>, depth: u8) -> bool {
    if flow::is_source(a) {
        return true;
    }
    match &*a.kind() {
        "identifier" => {
            let vals = flow::values_of(unit, a);
            if vals.is_empty() {
                return flow::is_param(unit, a);
            }
            depth > 0 && vals.iter().any(|v| !is_const(v) && handed_in(unit, v, depth - 1))
        }
        "subscript" | "subscript_expression" | "index_expression" | "array_access" => true,
        _ => false,
    }
}
