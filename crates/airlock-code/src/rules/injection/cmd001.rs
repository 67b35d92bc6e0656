//! CMD001: a shell command built from a value that is not a literal.

use crate::lang::Lang::*;
use super::flow;
use crate::rules::util::{calls, emit};
use crate::rules::{fx, CodeRuleMeta};
use crate::syntax::{bool_lit, is_built_string, is_const, str_lit, N};
use crate::unit::Unit;
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: CodeRuleMeta = CodeRuleMeta {
    code: "CMD001",
    name: "command-injection",
    category: Category::CodeVulnerability,
    severity: Severity::High,
    decision: Decision::Ask,
    langs: &[Python, JavaScript, TypeScript, Tsx, Go, Java, Rust],
    summary: "A command line built from a non-literal value runs through a shell: `os.system`, `subprocess` with \
              `shell=True`, `child_process.exec`, `exec.Command(\"sh\", \"-c\", ...)`, `Runtime.exec`, \
              `Command::new(\"sh\").arg(\"-c\")`.",
    why: "Shell metacharacters in the value (`;`, `$(...)`, backticks) run commands of the attacker's choosing.",
    example: "subprocess.run(f\"convert {name} out.png\", shell=True)",
    instead: "Pass an argument list without a shell: `subprocess.run([\"convert\", name, \"out.png\"])`, \
              `execFile(\"convert\", [name])`, `exec.Command(\"convert\", name)`.",
    references: &["CWE-78"],
    flags: &[
        fx(Python, "subprocess.run(f\"convert {name} out.png\", shell=True)\n"),
        fx(Python, "os.system(\"rm -rf \" + path)\n"),
        fx(Python, "proc = await asyncio.create_subprocess_shell(cmd)\n"),
        fx(Python, "os.spawnl(os.P_WAIT, \"/bin/bash\", \"-c\", cmd)\n"),
        fx(Python, "t = BashOperator(task_id=\"x\", bash_command=f\"echo {msg}\")\n"),
        fx(JavaScript, "const { exec } = require('child_process'); exec(`git log ${branch}`);"),
        fx(Go, "package a\nfunc f(x string) { exec.Command(\"sh\", \"-c\", \"ls \"+x).Run() }\n"),
        fx(Java, "class A { void f(String x) throws Exception { Runtime.getRuntime().exec(\"ping \" + x); } }"),
        fx(Rust, "fn f(x: &str) { std::process::Command::new(\"sh\").arg(\"-c\").arg(x).status(); }"),
        fx(Python, "def f(cmd):\n    subprocess.run([\"bash\", \"-c\", cmd])\n"),
        fx(Python, "getattr(os, \"system\")(\"ls \" + path)\n"),
        fx(Java, "class A { void f(String x) { ProcessBuilder b = new ProcessBuilder(); b.command(\"bash\", \"-c\", x); } }"),
        fx(JavaScript, "function f(x) { Deno.run({ cmd: [\"bash\", \"-c\", x] }); }"),
    ],
    passes: &[
        fx(Python, "subprocess.run([\"convert\", name, \"out.png\"])\n"),
        fx(Python, "os.system(\"make clean\")\n"),
        fx(JavaScript, "const m = /a(b)/.exec(text); execFile('git', ['log', branch]);"),
        fx(Go, "package a\nfunc f(x string) { exec.Command(\"git\", \"log\", x).Run() }\n"),
        fx(Java, "class A { void f() throws Exception { Runtime.getRuntime().exec(\"uptime\"); } }"),
        fx(Rust, "fn f(x: &str) { std::process::Command::new(\"git\").arg(\"log\").arg(x).status(); }"),
        fx(Python, "def f(name):\n    subprocess.run(\"ls \" + shlex.quote(name), shell=True)\n"),
        fx(Java, "class A { void f(String x) throws Exception { Runtime.getRuntime().exec(new String[] {\"convert\", x}); } }"),
    ],
};

const SHELLS: &[&str] = &["sh", "bash", "/bin/sh", "/bin/bash", "zsh", "cmd", "cmd.exe", "powershell", "pwsh"];

/// Prefilter triggers: shell-running calls and modules by name (`system`, `popen`, `subprocess`, `shell=`, `spawn`, `exec`, Java `Runtime`/`ProcessBuilder`, Rust `Command`).
pub(crate) const TRIGGERS: Option<&[&str]> = Some(&[
    "system", "popen", "commands", "subprocess", "shell", "spawn", "exec", "bashoperator", "processbuilder",
    "runtime", "command", "deno",
]);

pub fn check(unit: &Unit<'_>, meta: &CodeRuleMeta, out: &mut Vec<Finding>) {
    for c in calls(unit) {
        let n = c.name.as_str();
        let first_dyn = || c.first().is_some_and(|a| flow::dynamic(unit, a));
        let callee_owned = resolved_callee(unit, &c.node).unwrap_or_else(|| c.callee.clone());
        let callee = callee_owned.as_str();
        let hit = match unit.lang {
            Python => {
                let always_shell = matches!(
                    callee,
                    "os.system" | "os.popen" | "os.popen2" | "os.popen3" | "os.popen4" | "commands.getoutput"
                        | "commands.getstatusoutput" | "subprocess.getoutput" | "subprocess.getstatusoutput"
                ) || (callee == "system" || callee == "popen")
                    // asyncio's shell variants, a remote shell over SSH.
                    || matches!(n, "create_subprocess_shell" | "exec_command");
                // `loop.subprocess_shell(protocol_factory, cmd)`: the command comes second.
                let loop_shell = n == "subprocess_shell" && c.positional().nth(1).is_some_and(|a| flow::dynamic(unit, a));
                let shell_true = c.args.iter().any(|a| a.name.as_deref() == Some("shell") && bool_lit(&a.value) == Some(true));
                // os.spawnl(mode, "/bin/sh", "-c", cmd), os.execl("/bin/bash", "bash", "-c", cmd)
                let shell_dash_c = (callee.starts_with("os.spawn") || callee.starts_with("os.exec"))
                    && c.positional().any(|a| str_lit(a).is_some_and(|p| SHELLS.contains(&p.as_str())))
                    && c.positional().any(|a| str_lit(a).as_deref() == Some("-c") || a.text().contains("\"-c\""))
                    && c.positional().any(|a| !is_const(a) && !a.text().starts_with("os."));
                // Airflow runs bash_command through bash.
                let bash_operator = n == "BashOperator" && c.option("bash_command").is_some_and(|v| is_built_string(&v));
                ((always_shell || (shell_true && callee.starts_with("subprocess"))) && first_dyn())
                    || shell_dash_c
                    || bash_operator
                    || loop_shell
                    || (process_call(callee, n) && dash_c(unit, &flat_args(c.positional())))
            }
            JavaScript | TypeScript | Tsx => {
                let recv = callee.rsplit_once('.').map(|(r, _)| r.to_ascii_lowercase()).unwrap_or_default();
                let exec_like = matches!(n, "exec" | "execSync")
                    && (recv.is_empty() || recv.contains("child") || recv == "cp" || recv.contains("shell") || recv.contains("proc"));
                let spawn_shell = matches!(n, "spawn" | "spawnSync" | "execFile" | "execFileSync")
                    && c.option("shell").is_some_and(|v| bool_lit(&v) == Some(true) || str_lit(&v).is_some());
                let any_dyn = || c.positional().any(|a| flow::dynamic(unit, a));
                let spawn_dash_c = matches!(n, "spawn" | "spawnSync" | "execFile" | "execFileSync")
                    && dash_c(unit, &flat_args(c.positional()));
                let deno = callee == "Deno.run" && c.option("cmd").is_some_and(|v| dash_c(unit, &flat_args([&v].into_iter())));
                (exec_like && first_dyn()) || (spawn_shell && any_dyn()) || spawn_dash_c || deno
            }
            Go => {
                if matches!(callee, "exec.Command" | "exec.CommandContext") {
                    let mut args: Vec<_> = c.positional().skip(usize::from(n == "CommandContext")).collect();
                    // `exec.Command("/usr/bin/env", "bash", "-c", s)`
                    if args.first().and_then(|a| str_lit(a)).is_some_and(|p| p == "env" || p.ends_with("/env")) {
                        args.remove(0);
                    }
                    let prog = args.first().and_then(|a| str_lit(a));
                    match prog {
                        Some(p) if is_shell(&p) => args.iter().skip(1).any(|a| flow::dynamic(unit, a)),
                        Some(_) => false,
                        None => args.first().is_some_and(|a| flow::dynamic(unit, a)),
                    }
                } else {
                    matches!(callee, "syscall.Exec" | "syscall.ForkExec") && first_dyn()
                }
            }
            Java => {
                let runtime = n == "exec" && java_runtime(unit, &c.node);
                let pb = (callee == "new ProcessBuilder" || n == "command" && java_process_builder(unit, &c.node))
                    && dash_c(unit, &flat_args(c.positional()));
                // `exec(String)` splits the line on spaces; `exec(String[])` runs the array as given.
                let array = c.first().is_some_and(|a| java_array(unit, a));
                (runtime && ((first_dyn() && !array) || dash_c(unit, &flat_args(c.positional())))) || pb
            }
            Rust => {
                let text = c.node.text();
                let via_shell = SHELLS.iter().any(|s| text.contains(&format!("Command::new(\"{s}\")")))
                    && (text.contains("\"-c\"") || text.contains("\"/C\""));
                matches!(n, "arg" | "args") && via_shell && first_dyn()
            }
            _ => false,
        };
        if hit {
            // Deno names the command in an option: point at it.
            let at = if callee == "Deno.run" { c.option("cmd").unwrap_or_else(|| c.node.clone()) } else { c.node.clone() };
            emit(unit, meta, &at, format!("`{callee}` runs a command line built from a non-literal value through a shell"), out);
        }
    }
}

fn is_shell(p: &str) -> bool {
    let base = p.rsplit(['/', '\\']).next().unwrap_or(p).to_ascii_lowercase();
    SHELLS.contains(&base.as_str()) || SHELLS.contains(&p)
}

/// Calls that start a process from an argument list.
fn process_call(callee: &str, n: &str) -> bool {
    callee.starts_with("subprocess.")
        || callee.starts_with("os.exec")
        || callee.starts_with("os.spawn")
        || callee.starts_with("os.posix_spawn")
        || matches!(n, "create_subprocess_exec" | "subprocess_exec")
}

/// Arguments with list and array literals opened up (`["bash", "-c", cmd]`).
pub(crate) fn flat_args<'a, 't: 'a>(args: impl Iterator<Item = &'a N<'t>>) -> Vec<N<'t>> {
    let mut out = Vec::new();
    for a in args {
        let k = a.kind();
        if matches!(&*k, "list" | "array" | "tuple" | "array_creation_expression" | "array_initializer" | "composite_literal" | "literal_value") {
            let inner: Vec<N<'t>> = match a.field("value").or_else(|| a.field("body")) {
                Some(v) => v.children().filter(|c| c.is_named()).map(crate::syntax::unwrap_element).collect(),
                None => a.children().filter(|c| c.is_named() && !c.kind().ends_with("type")).map(crate::syntax::unwrap_element).collect(),
            };
            for i in inner {
                if matches!(&*i.kind(), "array_initializer" | "literal_value") {
                    out.extend(i.children().filter(|c| c.is_named()).map(crate::syntax::unwrap_element));
                } else if !i.kind().contains("dimensions") {
                    out.push(i);
                }
            }
        } else {
            out.push(a.clone());
        }
    }
    out
}

/// A shell is started with `-c` (or `/c`) and a command that is not a literal.
pub(crate) fn dash_c<'t>(unit: &Unit<'t>, args: &[N<'t>]) -> bool {
    let lit = |a: &N<'t>| str_lit(a).or_else(|| flow::values_of(unit, a).last().and_then(str_lit));
    let Some(sh) = args.iter().position(|a| lit(a).is_some_and(|p| is_shell(&p))) else { return false };
    let Some(dc) = args.iter().skip(sh + 1).position(|a| lit(a).is_some_and(|p| p == "-c" || p.eq_ignore_ascii_case("/c"))) else {
        return false;
    };
    args.iter().skip(sh + dc + 2).any(|a| flow::dynamic(unit, a))
}

/// The callee with Python's `getattr(os, "system")` and `__import__("os")` spelled out,
/// also through names bound to them.
fn resolved_callee<'t>(unit: &Unit<'t>, call: &N<'t>) -> Option<String> {
    if unit.lang != Python {
        return None;
    }
    let f = call.field("function")?;
    let text = f.text();
    if !text.contains("getattr") && !text.contains("__import__") && f.kind() != "identifier" {
        return None;
    }
    resolve(unit, &f, 3)
}

fn resolve<'t>(unit: &Unit<'t>, n: &N<'t>, depth: u8) -> Option<String> {
    if depth == 0 {
        return None;
    }
    match &*n.kind() {
        "identifier" => {
            let v = flow::values_of(unit, n).pop()?;
            resolve(unit, &v, depth - 1).or_else(|| None)
        }
        "attribute" => {
            let o = n.field("object")?;
            let a = n.field("attribute")?;
            let base = resolve(unit, &o, depth - 1).unwrap_or_else(|| o.text().to_string());
            Some(format!("{base}.{}", a.text()))
        }
        "call" => {
            let f = n.field("function")?.text().to_string();
            let args: Vec<N<'t>> = n.field("arguments")?.children().filter(|c| c.is_named()).collect();
            match (f.as_str(), args.as_slice()) {
                ("__import__", [m]) => str_lit(m),
                ("getattr", [o, name]) => {
                    let base = resolve(unit, o, depth - 1).unwrap_or_else(|| o.text().to_string());
                    Some(format!("{base}.{}", str_lit(name)?))
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// `r.exec(...)` on a `java.lang.Runtime`.
fn java_runtime<'t>(unit: &Unit<'t>, call: &N<'t>) -> bool {
    let Some(obj) = call.field("object") else { return false };
    let t = obj.text();
    t.contains("getRuntime()") || t.to_ascii_lowercase().contains("runtime")
        || flow::values_of(unit, &obj).iter().any(|v| v.text().contains("getRuntime()"))
        || declared_type(&obj).is_some_and(|ty| ty == "Runtime")
}

/// `pb.command(...)` on a `ProcessBuilder`.
pub(crate) fn java_process_builder<'t>(unit: &Unit<'t>, call: &N<'t>) -> bool {
    let Some(obj) = call.field("object") else { return false };
    obj.text().contains("ProcessBuilder")
        || flow::values_of(unit, &obj).iter().any(|v| v.text().contains("ProcessBuilder"))
        || declared_type(&obj).is_some_and(|ty| ty == "ProcessBuilder")
}

/// The declared Java type of a local variable or parameter named like `obj`.
fn declared_type(obj: &N<'_>) -> Option<String> {
    let name = obj.text();
    let f = obj.ancestors().find(|a| matches!(&*a.kind(), "method_declaration" | "constructor_declaration"))?;
    let ty = f
        .dfs()
        .filter(|d| matches!(&*d.kind(), "formal_parameter" | "local_variable_declaration" | "field_declaration"))
        .find(|d| d.dfs().any(|x| x.kind() == "identifier" && x.text() == name))
        .and_then(|d| d.field("type"))
        .map(|t| t.text().to_string());
    ty
}

/// A Java argument that is a `String[]` (an array literal, or a name declared or assigned as one).
fn java_array<'t>(unit: &Unit<'t>, a: &N<'t>) -> bool {
    matches!(&*a.kind(), "array_creation_expression" | "array_initializer")
        || (a.kind() == "identifier"
            && (declared_type(a).is_some_and(|t| t.ends_with("[]"))
                || flow::values_of(unit, a).iter().any(|v| matches!(&*v.kind(), "array_creation_expression" | "array_initializer"))))
}
