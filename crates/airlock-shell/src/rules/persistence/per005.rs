use crate::analysis::Analysis;
use crate::facts::Persist;
use crate::rules::{at_cmd, RuleMeta};
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    code: "PER005",
    name: "library-preload",
    category: Category::Persistence,
    severity: Severity::High,
    decision: Decision::Deny,
    summary: "A library is injected into other programs: `/etc/ld.so.preload` written (deny); `LD_PRELOAD`, `LD_LIBRARY_PATH` \
              pointing outside the project, or `DYLD_INSERT_LIBRARIES` set (ask).",
    why: "A preloaded library runs inside every program started afterwards, including sudo and ssh: it can read their secrets.",
    instead: "Link against the library normally or use a project-local wrapper.",
    references: &["CWE-426", "ATT&CK T1574.006"],
    flags: &["echo /tmp/x.so > /etc/ld.so.preload", "LD_PRELOAD=/tmp/hook.so ssh host", "export DYLD_INSERT_LIBRARIES=/tmp/x.dylib"],
    passes: &["ldd ./app", "cat /etc/ld.so.conf", "LD_LIBRARY_PATH=./target/release ./app"],
};

pub fn check(a: &Analysis, m: &RuleMeta, out: &mut Vec<Finding>) {
    for (cmd, path) in super::writes_to(a, &[Persist::Preload]) {
        out.push(at_cmd(
            a,
            m,
            cmd,
            format!("writes {path}, preloading a library into every program"),
        ));
    }
    for cmd in &a.cmds {
        let env_set = cmd
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.text().to_string()));
        let exported: Vec<(String, String)> = if cmd.is(&["export", "declare", "typeset", "env"]) {
            cmd.arg_texts()
                .filter_map(|t| {
                    t.split_once('=')
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                })
                .collect()
        } else {
            Vec::new()
        };
        for (k, v) in env_set.map(|(k, v)| (k.to_string(), v)).chain(exported) {
            let outside = v.starts_with('/') || v.starts_with('~') || v.contains("..");
            if k == "LD_PRELOAD"
                || k == "DYLD_INSERT_LIBRARIES"
                || (k == "LD_LIBRARY_PATH"
                    && outside
                    && !v.starts_with("/usr")
                    && !v.starts_with("/opt"))
            {
                let mut f = at_cmd(
                    a,
                    m,
                    cmd,
                    format!("sets {k}={v}, injecting a library into the programs it starts"),
                );
                f.decision = Decision::Ask;
                out.push(f);
            }
        }
    }
}
