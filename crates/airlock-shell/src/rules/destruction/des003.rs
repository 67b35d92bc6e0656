use crate::analysis::Analysis;
use crate::rules::{at_cmd, RuleMeta};
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    code: "DES003",
    name: "force-push-protected-branch",
    category: Category::Destruction,
    severity: Severity::High,
    decision: Decision::Deny,
    summary: "A force push (`--force`, `-f`, `+refspec`, `--mirror`) or a remote branch deletion that targets a protected branch \
              (default `main`, `master`, `release/*`, `production`); a force push whose target branch is not named asks.",
    why: "Rewriting a shared branch destroys other people's commits and can slip in history nobody reviewed.",
    instead: "Push to a feature branch and open a pull request; use `--force-with-lease` on your own branches.",
    references: &["CWE-284", "ATT&CK T1485"],
    flags: &["git push --force origin main", "git push -f origin HEAD:master", "git push origin +main", "git push origin --delete main", "git push --force"],
    passes: &["git push origin feature/x", "git push --force-with-lease origin feature/x", "git push -f origin my-branch"],
};

pub fn check(a: &Analysis, m: &RuleMeta, out: &mut Vec<Finding>) {
    for cmd in &a.cmds {
        if !cmd.is(&["git"]) {
            continue;
        }
        let texts: Vec<&str> = cmd.arg_texts().collect();
        let Some(at) = texts.iter().position(|t| *t == "push") else {
            continue;
        };
        let rest: Vec<&str> = texts.iter().skip(at + 1).copied().collect();
        let force = rest.iter().any(|t| {
            matches!(*t, "--force" | "-f" | "--mirror")
                || (t.starts_with('-') && !t.starts_with("--") && t.contains('f'))
        });
        let delete = rest.iter().any(|t| matches!(*t, "--delete" | "-d"));
        let operands: Vec<&str> = rest
            .iter()
            .filter(|t| !t.starts_with('-'))
            .copied()
            .collect();
        let refspecs: Vec<&str> = operands.iter().skip(1).copied().collect();
        let plus = refspecs.iter().any(|r| r.starts_with('+'));
        let colon_delete = refspecs.iter().any(|r| r.starts_with(':'));
        if !(force || plus || delete || colon_delete) {
            continue;
        }
        let branches: Vec<String> = refspecs
            .iter()
            .map(|r| {
                let r = r.trim_start_matches('+');
                let dst = r.rsplit(':').next().unwrap_or(r);
                dst.trim_start_matches("refs/heads/").to_string()
            })
            .collect();
        if let Some(b) = branches.iter().find(|b| a.ctx.policy.branch_protected(b)) {
            out.push(at_cmd(
                a,
                m,
                cmd,
                format!("force-pushes or deletes the protected branch `{b}`"),
            ));
        } else if branches.is_empty()
            || branches.iter().any(|b| b == "HEAD")
            || rest.contains(&"--mirror")
            || rest.contains(&"--all")
        {
            let mut f = at_cmd(
                a,
                m,
                cmd,
                "force-pushes without naming the branch (it may be a protected one)".into(),
            );
            f.decision = Decision::Ask;
            out.push(f);
        }
    }
}
