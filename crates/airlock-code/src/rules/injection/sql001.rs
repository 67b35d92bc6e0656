//! SQL001: SQL text built by string formatting.

use crate::lang::Lang::*;
use crate::rules::util::{calls, emit, is_augmented, scope_of};
use crate::rules::{fx, CodeRuleMeta};
use crate::syntax::{is_built_string, is_const, Facts, N};
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
              `fmt.Sprintf`, `String.format` or `format!`, directly or through a variable.",
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
    ],
    passes: &[
        fx(Java, "class A { void f(Query q) { q.setFilter(\"id == idParam\"); q.declareParameters(\"String idParam\"); } }"),
        fx(Python, "cur.execute(\"SELECT * FROM users WHERE name = %s\", (name,))\n"),
        fx(JavaScript, "db.query('SELECT * FROM users WHERE id = $1', [req.params.id]);"),
        fx(Go, "package a\nfunc f(id string) { db.Query(\"SELECT * FROM users WHERE id = $1\", id) }\n"),
        fx(Java, "class A { void f() throws Exception { stmt.executeQuery(\"SELECT * FROM users\"); } }"),
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
];

fn sqlish(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    let verbs = ["select ", "insert ", "update ", "delete ", "drop ", "create ", "alter ", "replace ", "merge "];
    let glue = [" from ", " into ", " set ", " where ", " table ", " values", " by "];
    verbs.iter().any(|v| t.contains(v)) && glue.iter().any(|g| t.contains(g))
        || t.trim_start_matches(['"', '\'', '`', 'f']).starts_with("select ")
}

pub fn check(unit: &Unit<'_>, meta: &CodeRuleMeta, out: &mut Vec<Finding>) {
    let Some(facts) = unit.facts() else { return };
    for c in calls(unit) {
        let n = c.name.as_str();
        if !(QUERY_FUNCS.contains(&n) || n == "text" && c.callee.contains("sql")) {
            continue;
        }
        // Django `.extra(where=[...])` takes SQL fragments in lists.
        let mut candidates: Vec<N<'_>> = c.first().into_iter().cloned().collect();
        for key in ["where", "select", "tables", "order_by"] {
            if let Some(v) = c.option(key) {
                candidates.extend(v.children().filter(|e| e.is_named()));
            }
        }
        for arg in &candidates {
            let direct = is_built_string(arg) && (sqlish(&arg.text()) || strongly_sql(n) || n == "extra");
            let via_var = is_name(arg) && built_before(facts, &arg.text(), &c.node, strongly_sql(n));
            // Point at the assembled string itself: that is the line a reviewer must change.
            let at = if direct { arg } else { &c.node };
            if direct || via_var {
                emit(unit, meta, at, format!("`{}` runs SQL assembled from non-literal values", c.callee), out);
                break;
            }
        }
    }
}

/// Whether variable `name`, as it stands at `call`, holds SQL assembled from
/// non-literals: the assignments to it in the same function before the call,
/// in order (`q = "SELECT ..." ; q += user` counts, a later constant resets it).
fn built_before(facts: &Facts<'_>, name: &str, call: &N<'_>, query_only: bool) -> bool {
    let scope = scope_of(call);
    let at = call.range().start;
    let (mut sql, mut built) = (false, false);
    for s in facts.settings.iter().filter(|s| s.target == name && s.node.range().start < at) {
        if scope_of(&s.node) != scope {
            continue;
        }
        if is_augmented(&s.node) {
            sql |= sqlish(&s.value.text());
            built |= !is_const(&s.value);
        } else {
            sql = sqlish(&s.value.text());
            built = is_built_string(&s.value);
        }
    }
    (sql || query_only) && built
}

fn strongly_sql(n: &str) -> bool {
    matches!(
        n,
        "execute" | "executemany" | "executeQuery" | "executeUpdate" | "executeLargeUpdate" | "prepareStatement"
            | "prepareCall" | "createNativeQuery" | "createQuery" | "createSQLQuery" | "$queryRawUnsafe"
            | "$executeRawUnsafe" | "addBatch" | "PreparedStatementCreatorFactory" | "newQuery" | "setFilter"
    )
}

fn is_name(n: &N<'_>) -> bool {
    matches!(&*n.kind(), "identifier")
}
