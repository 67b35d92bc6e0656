//! CMD001: a shell command built from a value that is not a literal.

use crate::lang::Lang::*;
use crate::rules::util::{calls, emit, is_const_here};
use crate::rules::{fx, CodeRuleMeta};
use crate::syntax::{bool_lit, is_built_string, is_const, str_lit};
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
    ],
    passes: &[
        fx(Python, "subprocess.run([\"convert\", name, \"out.png\"])\n"),
        fx(Python, "os.system(\"make clean\")\n"),
        fx(JavaScript, "const m = /a(b)/.exec(text); execFile('git', ['log', branch]);"),
        fx(Go, "package a\nfunc f(x string) { exec.Command(\"git\", \"log\", x).Run() }\n"),
        fx(Java, "class A { void f() throws Exception { Runtime.getRuntime().exec(\"uptime\"); } }"),
        fx(Rust, "fn f(x: &str) { std::process::Command::new(\"git\").arg(\"log\").arg(x).status(); }"),
    ],
};

const SHELLS: &[&str] = &["sh", "bash", "/bin/sh", "/bin/bash", "zsh", "cmd", "cmd.exe", "powershell", "pwsh"];

pub fn check(unit: &Unit<'_>, meta: &CodeRuleMeta, out: &mut Vec<Finding>) {
    for c in calls(unit) {
        let callee = c.callee.as_str();
        let n = c.name.as_str();
        let first_dyn = c.first().is_some_and(|a| !is_const_here(unit, a));
        let hit = match unit.lang {
            Python => {
                let always_shell = matches!(
                    callee,
                    "os.system" | "os.popen" | "os.popen2" | "os.popen3" | "commands.getoutput"
                        | "commands.getstatusoutput" | "subprocess.getoutput" | "subprocess.getstatusoutput"
                ) || (callee == "system" || callee == "popen")
                    // asyncio's shell variants, a remote shell over SSH.
                    || matches!(n, "create_subprocess_shell" | "subprocess_shell" | "exec_command");
                let shell_true = c.args.iter().any(|a| a.name.as_deref() == Some("shell") && bool_lit(&a.value) == Some(true));
                // os.spawnl(mode, "/bin/sh", "-c", cmd), os.execl("/bin/bash", "bash", "-c", cmd)
                let shell_dash_c = (callee.starts_with("os.spawn") || callee.starts_with("os.exec"))
                    && c.positional().any(|a| str_lit(a).is_some_and(|p| SHELLS.contains(&p.as_str())))
                    && c.positional().any(|a| str_lit(a).as_deref() == Some("-c") || a.text().contains("\"-c\""))
                    && c.positional().any(|a| !is_const(a) && !a.text().starts_with("os."));
                // Airflow runs bash_command through bash.
                let bash_operator = n == "BashOperator" && c.option("bash_command").is_some_and(|v| is_built_string(&v));
                ((always_shell || (shell_true && callee.starts_with("subprocess"))) && first_dyn) || shell_dash_c || bash_operator
            }
            JavaScript | TypeScript | Tsx => {
                let recv = callee.rsplit_once('.').map(|(r, _)| r.to_ascii_lowercase()).unwrap_or_default();
                let exec_like = matches!(n, "exec" | "execSync")
                    && (recv.is_empty() || recv.contains("child") || recv == "cp" || recv.contains("shell") || recv.contains("proc"));
                let spawn_shell = matches!(n, "spawn" | "spawnSync" | "execFile")
                    && c.option("shell").is_some_and(|v| bool_lit(&v) == Some(true));
                (exec_like || spawn_shell) && first_dyn
            }
            Go => {
                if matches!(callee, "exec.Command" | "exec.CommandContext") {
                    let args: Vec<_> = c.positional().skip(usize::from(n == "CommandContext")).collect();
                    let prog = args.first().and_then(|a| str_lit(a));
                    match prog {
                        Some(p) if SHELLS.contains(&p.as_str()) => args.iter().skip(1).any(|a| !is_const(a)),
                        Some(_) => false,
                        None => !args.is_empty(),
                    }
                } else {
                    matches!(callee, "syscall.Exec" | "syscall.ForkExec") && first_dyn
                }
            }
            Java => {
                let runtime = callee.ends_with("getRuntime().exec") || (n == "exec" && callee.to_ascii_lowercase().contains("runtime"));
                let pb = callee == "new ProcessBuilder" && {
                    let text = c.node.text();
                    SHELLS.iter().any(|s| text.contains(&format!("\"{s}\""))) && c.positional().any(|a| !is_const(a))
                };
                (runtime && first_dyn) || pb
            }
            Rust => {
                let text = c.node.text();
                let via_shell = SHELLS.iter().any(|s| text.contains(&format!("Command::new(\"{s}\")")))
                    && (text.contains("\"-c\"") || text.contains("\"/C\""));
                matches!(n, "arg" | "args") && via_shell && first_dyn
            }
            _ => false,
        };
        if hit {
            emit(unit, meta, &c.node, format!("`{callee}` runs a command line built from a non-literal value through a shell"), out);
        }
    }
}
