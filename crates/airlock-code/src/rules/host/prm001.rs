//! PRM001: a file or directory made writable by every user.

use crate::lang::Lang::*;
use crate::rules::util::{calls, emit};
use crate::rules::{fx, CodeRuleMeta};
use crate::syntax::{str_lit, N};
use crate::unit::Unit;
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: CodeRuleMeta = CodeRuleMeta {
    code: "PRM001",
    name: "world-writable-permissions",
    category: Category::CodeVulnerability,
    severity: Severity::Medium,
    decision: Decision::Ask,
    langs: &[Python, JavaScript, TypeScript, Tsx, Go, Java, Rust],
    summary: "`chmod`, `mkdir`, `open`/`WriteFile` or `PosixFilePermissions` gives write permission to others \
              (mode `0o777`, `0o666`, `0o002` set; `rwxrwxrwx`; `setWritable(true, false)`).",
    why: "Any local user or compromised service can then replace the file: a script, a config or a binary that \
          something privileged runs later.",
    example: "os.chmod(\"/usr/local/bin/tool\", 0o777)",
    instead: "Grant the least access: `0o755` for executables, `0o644` for files, `0o600` for secrets.",
    references: &["CWE-732", "CWE-276"],
    flags: &[
        fx(Python, "os.chmod(path, 0o777)\n"),
        fx(Go, "package a\nfunc f() { os.WriteFile(\"run.sh\", data, 0777) }\n"),
        fx(JavaScript, "fs.chmodSync(file, 0o666);"),
        fx(Java, "class A { void f(Path p) throws Exception { Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(\"rwxrwxrwx\")); } }"),
        fx(Rust, "fn f(p: &Path) { fs::set_permissions(p, fs::Permissions::from_mode(0o777)).unwrap(); }"),
    ],
    passes: &[
        fx(Python, "os.chmod(path, 0o755)\n"),
        fx(Go, "package a\nfunc f() { os.WriteFile(\"key\", data, 0600) }\n"),
        fx(Go, "package a\nfunc f() { os.WriteFile(\"out.txt\", data, 0666) }\n"),
        fx(JavaScript, "fs.chmodSync(file, 0o644);"),
        fx(Java, "class A { void f(Path p) throws Exception { Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(\"rwxr-xr-x\")); } }"),
    ],
};

/// The numeric mode of a literal: `0o777`, `0777`, `511`, `0x1ff`, `'777'`.
fn mode(n: &N<'_>) -> Option<u32> {
    let t = str_lit(n).unwrap_or_else(|| n.text().to_string());
    let t = t.trim().replace('_', "");
    if let Some(o) = t.strip_prefix("0o").or_else(|| t.strip_prefix("0O")) {
        return u32::from_str_radix(o, 8).ok();
    }
    if let Some(h) = t.strip_prefix("0x") {
        return u32::from_str_radix(h, 16).ok();
    }
    if t.len() > 1 && t.starts_with('0') || str_lit(n).is_some() && t.len() == 3 {
        return u32::from_str_radix(&t, 8).ok();
    }
    t.parse().ok()
}

/// Calls that set a mode as given.
const SET_MODE: &[&str] = &["chmod", "chmodSync", "fchmod", "lchmod", "Chmod", "from_mode", "set_mode"];
/// Calls that create with a mode the umask still narrows: only `0777` is flagged there.
const CREATE_MODE: &[&str] = &["mkdir", "makedirs", "mkdirSync", "Mkdir", "MkdirAll", "WriteFile", "OpenFile", "writeFileSync", "writeFile"];

/// Prefilter triggers: mode-setting and creating calls by name.
pub(crate) const TRIGGERS: Option<&[&str]> = Some(&[
    "permissions", "setwritable", "chmod", "from_mode", "set_mode", "mkdir", "makedirs", "writefile", "openfile",
]);

pub fn check(unit: &Unit<'_>, meta: &CodeRuleMeta, out: &mut Vec<Finding>) {
    for c in calls(unit) {
        let n = c.name.as_str();
        if n == "fromString" && c.callee.contains("PosixFilePermissions") {
            if let Some(p) = c.first().and_then(|a| str_lit(a)) {
                if p.len() == 9 && p.as_bytes().get(7) == Some(&b'w') {
                    emit(unit, meta, &c.node, format!("permissions `{p}` let every user write"), out);
                }
            }
            continue;
        }
        if n == "setWritable" && c.positional().nth(1).is_some_and(|a| a.text() == "false") {
            emit(unit, meta, &c.node, "`setWritable(true, false)` lets every user write".into(), out);
            continue;
        }
        let set = SET_MODE.contains(&n);
        if !set && !CREATE_MODE.contains(&n) {
            continue;
        }
        let args: Vec<N<'_>> = c.positional().cloned().chain(c.option("mode")).collect();
        for arg in args {
            let Some(m) = mode(&arg) else { continue };
            let looks_mode = arg.text().starts_with('0') || str_lit(&arg).is_some() || m > 7;
            let bad = if set { m & 0o002 != 0 } else { m & 0o777 == 0o777 };
            if m <= 0o7777 && looks_mode && bad {
                emit(unit, meta, &c.node, format!("`{}` sets mode {m:#o}: every user may write", c.callee), out);
                break;
            }
        }
    }
}
