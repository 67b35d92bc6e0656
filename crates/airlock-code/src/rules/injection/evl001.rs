//! EVL001: code evaluated from a value that is not a literal.

use crate::lang::Lang::*;
use super::flow;
use crate::rules::util::{calls, emit};
use crate::rules::{fx, CodeRuleMeta};
use crate::syntax::is_built_string;
use crate::unit::Unit;
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: CodeRuleMeta = CodeRuleMeta {
    code: "EVL001",
    name: "code-injection",
    category: Category::CodeVulnerability,
    severity: Severity::High,
    decision: Decision::Ask,
    langs: &[Python, JavaScript, TypeScript, Tsx, Java, Go],
    summary: "Source code built from a non-literal value is evaluated: Python `eval`/`exec`, `code.InteractiveConsole`, \
              sub-interpreters, JavaScript `eval`, `new Function`, string `setTimeout`/`setInterval`, `vm.runIn*Context`, \
              `vm.Script`, vm2 and sandbox `run`, Java `ScriptEngine.eval` and Groovy, Go otto `Run`.",
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
        fx(Python, "import code\n\ndef f(src):\n    console = code.InteractiveConsole()\n    console.push(src)\n"),
        fx(JavaScript, "const { VM } = require('vm2');\nfunction f(src) { return new VM({ timeout: 100 }).run(src); }"),
        fx(Go, "package a\nfunc f(src string) { vm := otto.New(); vm.Run(src) }\n"),
    ],
    passes: &[
        fx(Java, "class A { void f(GroovyShell shell) { shell.evaluate(\"1 + 1\"); } }"),
        fx(Python, "value = ast.literal_eval(text)\nresult = eval(\"1 + 2\")\n"),
        fx(JavaScript, "setTimeout(() => update(id), 100); const v = JSON.parse(body);"),
        fx(Java, "class A { Object f() throws Exception { return engine.eval(\"1 + 2\"); } }"),
        fx(Python, "def f():\n    src = \"1 + 2\"\n    return eval(src)\n"),
        fx(Go, "package a\nfunc f() { vm := otto.New(); vm.Run(\"1 + 1\") }\n"),
    ],
};

/// Prefilter triggers: the evaluating calls by name.
pub(crate) const TRIGGERS: Option<&[&str]> = Some(&[
    "eval", "exec", "compile_command", "interactive", "run_in_subinterp", "run_string", "otto", "groovy", "^groovy&evaluate", "^groovy&parse", "^groovy&run",
    "=Function", "vm.", "vmscript", "new vm(", "nodevm", "sandbox", "settimeout", "setinterval", "runincontext",
    "runinnewcontext", "runinthiscontext", "compilefunction",
]);

pub fn check(unit: &Unit<'_>, meta: &CodeRuleMeta, out: &mut Vec<Finding>) {
    for c in calls(unit) {
        let callee = c.callee.as_str();
        let first_dyn = || c.first().is_some_and(|a| flow::dynamic(unit, a));
        let second_dyn = || c.positional().nth(1).is_some_and(|a| flow::dynamic(unit, a));
        // What the receiver of a method call was made from (`vm := otto.New()`, `s = new Sandbox()`).
        let made_from = |words: &[&str]| {
            let recv = c.node.field("function").and_then(|f| f.field("object").or_else(|| f.field("operand")));
            recv.is_some_and(|r| {
                let own = r.text().to_string();
                let vals: Vec<String> = flow::values_of(unit, &r).iter().map(|v| v.text().to_string()).collect();
                words.iter().any(|w| own.contains(w) || vals.iter().any(|v| v.contains(w)))
            })
        };
        let hit = match unit.lang {
            Python => {
                (matches!(callee, "eval" | "exec" | "builtins.eval" | "builtins.exec" | "code.compile_command") && first_dyn())
                    // The standard library's interactive interpreters and sub-interpreters run source text.
                    || (matches!(c.name.as_str(), "push" | "runsource" | "runcode")
                        && made_from(&["InteractiveConsole", "InteractiveInterpreter"])
                        && first_dyn())
                    || (c.name == "run_in_subinterp" && first_dyn())
                    || (c.name == "run_string" && callee.contains("subinterpreters") && second_dyn())
            }
            Go => c.name == "Run" && made_from(&["otto.New"]) && first_dyn(),
            Java => {
                (c.name == "eval" && callee.to_ascii_lowercase().contains("engine") && first_dyn())
                    // Groovy scripts run with the JVM's full rights.
                    || (matches!(c.name.as_str(), "evaluate" | "parse" | "run" | "parseClass")
                        && (callee.contains("GroovyShell") || callee.contains("GroovyClassLoader")
                            || unit.text.contains("new GroovyShell(") || unit.text.contains("new GroovyClassLoader("))
                        && first_dyn())
            }
            _ => {
                (matches!(callee, "eval" | "window.eval" | "globalThis.eval") && first_dyn())
                    || (matches!(callee, "new Function" | "Function") && c.positional().any(|a| flow::dynamic(unit, a)))
                    // vm.Script and vm2/sandbox: compiling source text is running it.
                    || (matches!(callee, "new vm.Script" | "vm.Script" | "new VMScript") && first_dyn())
                    || (c.name == "run" && made_from(&["new VM(", "new NodeVM(", "new Sandbox("]) && first_dyn())
                    || (matches!(callee, "setTimeout" | "setInterval" | "window.setTimeout" | "window.setInterval")
                        && c.first().is_some_and(is_built_string))
                    || (matches!(c.name.as_str(), "runInContext" | "runInNewContext" | "runInThisContext" | "compileFunction")
                        && callee.starts_with("vm.")
                        && first_dyn())
            }
        };
        if hit {
            emit(unit, meta, &c.node, format!("`{callee}` evaluates code built from a non-literal value"), out);
        }
    }
}
