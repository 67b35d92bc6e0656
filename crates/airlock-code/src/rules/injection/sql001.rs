//! SQL001: SQL text built by string formatting.

use crate::lang::Lang::*;
use crate::rules::util::{calls, emit};
use crate::rules::{fx, CodeRuleMeta};
use crate::syntax::{is_built_string, N};
use crate::unit::Unit;
use airlock_protocol::{Category, Decision, Finding, Severity};
use std::collections::HashSet;

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
        fx(Python, "cur.execute(f\"SELECT * FROM users WHERE name = '{name}'\")\n"),
        fx(Python, "q = \"DELETE FROM t WHERE id = %s\" % ident\ncursor.execute(q)\n"),
        fx(JavaScript, "db.query(`SELECT * FROM users WHERE id = ${req.params.id}`);"),
        fx(Go, "package a\nfunc f(id string) { db.Query(\"SELECT * FROM users WHERE id = \" + id) }\n"),
        fx(Java, "class A { void f(String n) throws Exception { stmt.executeQuery(\"SELECT * FROM users WHERE name = '\" + n + \"'\"); } }"),
    ],
    passes: &[
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
    "Raw", "Select", "Where",
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
    // Variables assigned SQL built from non-literals.
    let built: HashSet<String> = facts
        .settings
        .iter()
        .filter(|s| is_built_string(&s.value) && sqlish(&s.value.text()))
        .map(|s| s.target.clone())
        .collect();
    for c in calls(unit) {
        let n = c.name.as_str();
        if !(QUERY_FUNCS.contains(&n) || n == "text" && c.callee.contains("sql")) {
            continue;
        }
        let Some(arg) = c.first() else { continue };
        let direct = is_built_string(arg) && (sqlish(&arg.text()) || strongly_sql(n));
        let via_var = is_name(arg) && built.contains(arg.text().as_ref());
        if direct || via_var {
            emit(unit, meta, &c.node, format!("`{}` runs SQL assembled from non-literal values", c.callee), out);
        }
    }
}

fn strongly_sql(n: &str) -> bool {
    matches!(n, "execute" | "executemany" | "executeQuery" | "executeUpdate" | "prepareStatement" | "createNativeQuery" | "$queryRawUnsafe" | "$executeRawUnsafe")
}

fn is_name(n: &N<'_>) -> bool {
    matches!(&*n.kind(), "identifier")
}
