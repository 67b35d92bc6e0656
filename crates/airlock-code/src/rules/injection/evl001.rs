//! EVL001: code evaluated from a value that is not a literal.

use crate::lang::Lang::*;
use crate::rules::util::{calls, emit};
use crate::rules::{fx, CodeRuleMeta};
use crate::syntax::{is_built_string, is_const};
use crate::unit::Unit;
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: CodeRuleMeta = CodeRuleMeta {
    code: "EVL001",
    name: "code-injection",
    category: Category::CodeVulnerability,
    severity: Severity::High,
    decision: Decision::Ask,
    langs: &[Python, JavaScript, TypeScript, Tsx, Java],
    summary: "Source code built from a non-literal value is evaluated: Python `eval`/`exec`, JavaScript `eval`, \
              `new Function`, string `setTimeout`/`setInterval`, `vm.runIn*Context`, Java `ScriptEngine.eval`.",
    why: "Whoever controls the value runs code inside the process, with all its data and credentials.",
    example: "result = eval(request.args[\"expr\"])",
    instead: "Parse the data instead of running it (`ast.literal_eval`, `JSON.parse`, a small expression parser); \
              dispatch on a fixed table of allowed operations.",
    references: &["CWE-95", "CWE-94"],
    flags: &[
        fx(Java, "class A { void f(String script) { GroovyShell shell = new GroovyShell(); shell.evaluate(script); } }"),
        fx(Python, "result = eval(request.args[\"expr\"])\n"),
        fx(Python, "exec(code_from_user)\n"),
        fx(JavaScript, "const fn = new Function('a', body); eval(req.query.x);"),
        fx(JavaScript, "setTimeout(\"update(\" + id + \")\", 100);"),
        fx(Java, "class A { Object f(String s) throws Exception { return engine.eval(s); } }"),
    ],
    passes: &[
        fx(Java, "class A { void f(GroovyShell shell) { shell.evaluate(\"1 + 1\"); } }"),
        fx(Python, "value = ast.literal_eval(text)\nresult = eval(\"1 + 2\")\n"),
        fx(JavaScript, "setTimeout(() => update(id), 100); const v = JSON.parse(body);"),
        fx(Java, "class A { Object f() throws Exception { return engine.eval(\"1 + 2\"); } }"),
    ],
};

pub fn check(unit: &Unit<'_>, meta: &CodeRuleMeta, out: &mut Vec<Finding>) {
    for c in calls(unit) {
        let callee = c.callee.as_str();
        let first_dyn = c.first().is_some_and(|a| !is_const(a));
        let hit = match unit.lang {
            Python => matches!(callee, "eval" | "exec" | "builtins.eval" | "builtins.exec") && first_dyn,
            Java => {
                (c.name == "eval" && callee.to_ascii_lowercase().contains("engine") && first_dyn)
                    // Groovy scripts run with the JVM's full rights.
                    || (matches!(c.name.as_str(), "evaluate" | "parse" | "run" | "parseClass")
                        && (callee.contains("GroovyShell") || callee.contains("GroovyClassLoader")
                            || unit.text.contains("new GroovyShell(") || unit.text.contains("new GroovyClassLoader("))
                        && first_dyn)
            }
            _ => {
                (matches!(callee, "eval" | "window.eval" | "globalThis.eval") && first_dyn)
                    || (matches!(callee, "new Function" | "Function") && c.positional().any(|a| !is_const(a)))
                    || (matches!(callee, "setTimeout" | "setInterval" | "window.setTimeout" | "window.setInterval")
                        && c.first().is_some_and(is_built_string))
                    || (matches!(c.name.as_str(), "runInContext" | "runInNewContext" | "runInThisContext" | "compileFunction")
                        && callee.starts_with("vm.")
                        && first_dyn)
            }
        };
        if hit {
            emit(unit, meta, &c.node, format!("`{callee}` evaluates code built from a non-literal value"), out);
        }
    }
}
