use crate::analysis::Analysis;
use crate::rules::{at_cmd, RuleMeta};
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    code: "RCE004",
    name: "staged-executable",
    category: Category::RemoteCodeExecution,
    severity: Severity::High,
    decision: Decision::Ask,
    summary: "A program is staged in a temporary directory (`/tmp`, `/var/tmp`, `/dev/shm`) and made executable or run from there, \
              a file written earlier in the same command is made executable, or a program is compiled and the fresh binary run in \
              the same command (`g++ x.cc && ./a.out`).",
    why: "Dropping an executable in a world-writable place and running it is how payloads are delivered: the program is not part of \
          the project, so no review saw it.",
    instead: "Keep scripts in the repository where they are reviewed, and run them from there.",
    references: &["CWE-377", "ATT&CK T1105", "ATT&CK T1059.004"],
    flags: &["chmod +x /tmp/payload", "cp ./tool /tmp/packed && /tmp/packed", "echo 'id' > run.sh; chmod +x run.sh", "/dev/shm/x --daemon", "g++ src/t.cc && ./a.out", "gcc -o probe probe.c; ./probe"],
    passes: &["chmod +x build.sh && ./build.sh", "ls /tmp", "rm -f /tmp/cache.json", "python3 /tmp/../project/manage.py", "gcc -o app main.c", "make && ./build/app --help"],
};

fn in_temp(p: &str) -> bool {
    ["/tmp/", "/var/tmp/", "/dev/shm/", "/private/tmp/"]
        .iter()
        .any(|t| p.starts_with(t))
        && !p.contains("/../")
}

pub fn check(a: &Analysis, m: &RuleMeta, out: &mut Vec<Finding>) {
    let mut written: Vec<String> = Vec::new();
    let mut built: Vec<String> = Vec::new();
    for cmd in &a.cmds {
        let Some(base) = cmd.base() else { continue };
        if let Some(name) = cmd.name.as_deref() {
            let name = name.strip_prefix("./").unwrap_or(name);
            if built.iter().any(|b| b == name) {
                out.push(at_cmd(
                    a,
                    m,
                    cmd,
                    format!("runs `{name}`, a binary compiled earlier in this same command"),
                ));
            }
        }
        if let Some(b) = compiled_binary(cmd) {
            built.push(b);
        }
        let texts: Vec<&str> = cmd.arg_texts().collect();
        if base == "chmod" {
            let exec_mode = texts
                .iter()
                .find(|t| !t.starts_with('-'))
                .is_some_and(|md| {
                    md.contains('x')
                        || (md.len() >= 3
                            && md.chars().all(|c| c.is_ascii_digit())
                            && md.chars().any(|c| matches!(c, '1' | '3' | '5' | '7')))
                });
            if exec_mode {
                if let Some(t) = texts
                    .iter()
                    .filter(|t| !t.starts_with('-'))
                    .skip(1)
                    .find(|t| in_temp(t) || written.iter().any(|w| w == *t))
                {
                    out.push(at_cmd(a, m, cmd, format!("makes `{t}` executable: a file written in this command or placed in a temporary directory")));
                }
            }
        }
        if let Some(name) = cmd.name.as_deref() {
            if in_temp(name) {
                out.push(at_cmd(
                    a,
                    m,
                    cmd,
                    format!("runs `{name}` from a temporary directory"),
                ));
            }
        }
        written.extend(a.writes_of(cmd).iter().cloned());
    }
}

/// The binary a compiler invocation produces (`-o NAME`, else `a.out`), when it links one.
fn compiled_binary(cmd: &crate::ir::Cmd) -> Option<String> {
    let base = cmd.base()?;
    let c_like = matches!(
        base,
        "gcc" | "g++" | "cc" | "c++" | "clang" | "clang++" | "tcc" | "icc" | "icpx" | "swiftc"
    ) || base.starts_with("gcc-")
        || base.starts_with("g++-")
        || base.starts_with("clang-")
        || base.starts_with("clang++-");
    if !c_like
        || cmd
            .arg_texts()
            .any(|t| matches!(t, "-c" | "-S" | "-E" | "--version" | "-v"))
    {
        return None;
    }
    let out = cmd
        .option_value(&["-o"])
        .map(|o| o.text().to_string())
        .unwrap_or_else(|| "a.out".to_string());
    Some(out.strip_prefix("./").unwrap_or(&out).to_string())
}
