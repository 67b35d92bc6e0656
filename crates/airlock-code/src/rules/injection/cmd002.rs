//! CMD002: a process started from a program name that is not a literal.

use crate::lang::Lang::*;
use super::flow;
use crate::rules::util::{calls, emit, is_const_here};
use crate::rules::{fx, CodeRuleMeta};
use crate::syntax::{str_lit, N};
use crate::unit::Unit;
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: CodeRuleMeta = CodeRuleMeta {
    code: "CMD002",
    name: "dynamic-program",
    category: Category::CodeVulnerability,
    severity: Severity::Medium,
    decision: Decision::Allow,
    langs: &[Python, JavaScript, TypeScript, Tsx, Go, Java],
    summary: "A process is started without a shell but the program itself comes from a variable or expression: \
              `subprocess.run(cmd)`, `os.execvp(prog, args)`, `os.spawnv(mode, path, args)`, `spawn(cmd)`, \
              `exec.Command(name)`, `new ProcessBuilder(cmdList)`, `Deno.run({cmd: [prog]})`, a native library loaded from a \
              run-time path (`System.loadLibrary(name)`), or arguments for the Python `sh` package assembled into one \
              string. Reported for review; agents are not stopped.",
    why: "Whoever controls the value chooses what runs: an attacker-supplied path or a list whose first element \
          is user input executes an arbitrary binary even without shell metacharacters.",
    example: "subprocess.run(cmd)",
    instead: "Name the program as a literal and pass user values only as its arguments: \
              `subprocess.run([\"git\", \"clone\", url])`; validate against an allowlist when the program must vary.",
    references: &["CWE-78", "CWE-88"],
    flags: &[
        fx(Python, "subprocess.run(cmd)\n"),
        fx(Python, "os.execvp(prog, [prog, arg])\n"),
        fx(JavaScript, "const { spawn } = require('child_process'); spawn(userCmd, args);"),
        fx(Go, "package a\nfunc f(name string) { exec.Command(name, \"-v\").Run() }\n"),
        fx(Java, "class A { void f(List<String> cmd) throws Exception { new ProcessBuilder(cmd).start(); } }"),
        fx(Java, "class A { void f(String name) { System.loadLibrary(name); } }"),
        fx(Python, "import sh\n\ndef f(url):\n    sh.git(\"clone \" + url)\n"),
    ],
    passes: &[
        fx(Python, "subprocess.run([\"git\", \"clone\", url])\n"),
        fx(Python, "subprocess.check_output(\"uptime\")\n"),
        fx(JavaScript, "const { spawn } = require('child_process'); spawn('git', ['log', branch]);"),
        fx(Go, "package a\nfunc f(x string) { exec.Command(\"git\", \"log\", x).Run() }\n"),
        fx(Java, "class A { void f(String x) throws Exception { new ProcessBuilder(\"git\", \"log\", x).start(); } }"),
        fx(Python, "import sh\n\ndef f(url):\n    sh.git(\"clone\", url)\n"),
        fx(Python, "ALLOWED = {\"p\": \"ping\"}\n\ndef f(k):\n    subprocess.run([ALLOWED[k], \"-c\", \"1\"])\n"),
    ],
};

/// The program named by a command argument: a literal, or a list literal whose first element is one.
fn literal_program<'t>(unit: &Unit<'t>, a: &N<'t>) -> bool {
    // A string that starts with a literal word names its program (`"grep {}".format(x)`).
    if str_lit(a).is_some() || is_const_here(unit, a) || (a.text().starts_with(['"', '\'']) && !flow::outside(unit, a)) {
        return true;
    }
    let kind = a.kind();
    if matches!(&*kind, "list" | "array" | "tuple" | "array_creation_expression") {
        return a.children().find(|c| c.is_named()).is_some_and(|first| !flow::dynamic(unit, &first));
    }
    !flow::dynamic(unit, a)
}

/// Prefilter triggers: process-starting calls by name.
pub(crate) const TRIGGERS: Option<&[&str]> = Some(&[
    "subprocess", "exec", "spawn", "^import sh&sh.", "fork", "deno", "processbuilder", "command", "loadlibrary",
    "load&runtime", "load&system",
]);

pub fn check(unit: &Unit<'_>, meta: &CodeRuleMeta, out: &mut Vec<Finding>) {
    for c in calls(unit) {
        let callee = c.callee.as_str();
        let n = c.name.as_str();
        // Which positional argument names the program.
        let program_at = match unit.lang {
            Python if callee.starts_with("subprocess.") && matches!(n, "run" | "call" | "check_call" | "check_output" | "Popen") => {
                if c.args.iter().any(|a| a.name.as_deref() == Some("shell")) {
                    continue; // shell=... is CMD001's
                }
                Some(0)
            }
            Python if callee.starts_with("os.exec") => Some(0),
            Python if callee.starts_with("os.spawn") => Some(1),
            Python if callee == "os.posix_spawn" || callee == "os.posix_spawnp" => Some(0),
            Python if matches!(n, "create_subprocess_exec" | "subprocess_exec") => Some(usize::from(n == "subprocess_exec")),
            JavaScript | TypeScript | Tsx if matches!(n, "spawn" | "spawnSync" | "execFile" | "execFileSync" | "fork")
                && c.option("shell").is_none()
                && (unit.text.contains("child_process") || c.callee.contains('.')) =>
            {
                Some(0)
            }
            Go if matches!(callee, "exec.Command") => Some(0),
            Go if matches!(callee, "exec.CommandContext") => Some(1),
            Java if callee == "new ProcessBuilder" => Some(0),
            Java if n == "command" && super::cmd001::java_process_builder(unit, &c.node) => Some(0),
            // A native library from a path chosen at run time runs its code when loaded.
            Java if matches!(n, "loadLibrary" | "load") && (callee.contains("Runtime") || callee.starts_with("System.")) => Some(0),
            // The `sh` package runs the named program with these arguments; one built string smuggles options.
            Python if callee.starts_with("sh.") && unit.text.contains("import sh")
                && c.positional().any(|a| flow::assembled(unit, a) && flow::dynamic(unit, a)) =>
            {
                emit(unit, meta, &c.node, format!("`{callee}` passes arguments assembled from non-literal values"), out);
                continue;
            }
            JavaScript | TypeScript | Tsx if callee == "Deno.run" => {
                let first = c.option("cmd").and_then(|v| v.children().find(|e| e.is_named()));
                if let (Some(cmd), Some(first)) = (c.option("cmd"), first) {
                    if flow::dynamic(unit, &first) {
                        emit(unit, meta, &cmd, "`Deno.run` starts a program chosen at run time".to_string(), out);
                    }
                }
                continue;
            }
            _ => None,
        };
        let Some(i) = program_at else { continue };
        let Some(prog) = c.positional().nth(i) else { continue };
        // `os.spawnv(os.P_WAIT, ...)`-style constants are not programs; a variable, call or built string is.
        if !literal_program(unit, prog) && !prog.text().starts_with("os.P_") {
            emit(unit, meta, &c.node, format!("`{callee}` starts a program chosen at run time (`{}`)", short(&prog.text())), out);
        }
    }
}

fn short(t: &str) -> String {
    let one_line = t.lines().next().unwrap_or("");
    one_line.chars().take(60).collect()
}
