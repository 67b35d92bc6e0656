use crate::analysis::Analysis;
use crate::rules::{at_cmd, RuleMeta};
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    code: "PRV001",
    name: "privilege-escalation",
    category: Category::Privilege,
    severity: Severity::Medium,
    decision: Decision::Ask,
    summary: "A command runs as another user or as root: `sudo`, `su`, `doas`, `pkexec`, `runuser`, `ksu`, `run0`, `machinectl shell`.",
    why: "Root can do anything the analysis does not foresee; an agent should not hold root without a person agreeing.",
    instead: "Install to user locations (`pip install --user`, `npm config set prefix ~/.local`) or ask the person to run the step.",
    references: &["CWE-250", "ATT&CK T1548.003"],
    flags: &["sudo apt-get install -y jq", "su -c 'id'", "doas make install", "pkexec /bin/sh"],
    passes: &["apt list --installed", "id -u", "whoami"],
};

pub fn check(a: &Analysis, m: &RuleMeta, out: &mut Vec<Finding>) {
    const ELEVATORS: &[&str] = &[
        "sudo", "doas", "pkexec", "runuser", "su", "ksu", "run0", "sudoedit", "calife", "sg",
    ];
    for cmd in &a.cmds {
        let wrapped = cmd
            .wrappers
            .iter()
            .find(|w| ELEVATORS.contains(&w.as_str()));
        let direct = cmd.base().filter(|b| ELEVATORS.contains(b));
        let machinectl = cmd.is(&["machinectl"]) && cmd.arg_texts().any(|t| t == "shell");
        if cmd.is(&["docker", "podman", "ctr", "nerdctl", "crictl"]) {
            let all = cmd.arg_texts().collect::<Vec<_>>().join(" ");
            let host_root = all.contains("-v /:")
                || all.contains("--volume /:")
                || all.contains("--volume=/:")
                || all.contains("src=/,")
                || all.contains("source=/,")
                || all.contains("-v=/:");
            let privileged = all.contains("--privileged")
                || all.contains("--pid=host")
                || all.contains("--pid host")
                || all.contains("docker.sock")
                || all.contains("--cap-add=ALL")
                || all.contains("--cap-add ALL");
            if host_root || privileged {
                out.push(at_cmd(a, m, cmd, "starts a container with the host's root filesystem or full privileges (root on the host)".into()));
                continue;
            }
        }
        if let Some(e) = wrapped
            .map(String::as_str)
            .or(direct)
            .or(machinectl.then_some("machinectl"))
        {
            out.push(at_cmd(
                a,
                m,
                cmd,
                format!("runs with elevated privileges through `{e}`"),
            ));
        }
    }
}
