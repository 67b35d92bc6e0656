use crate::analysis::Analysis;
use crate::rules::{at_cmd, util, RuleMeta};
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    code: "RES001",
    name: "resource-hijacking",
    category: Category::Destruction,
    severity: Severity::Medium,
    decision: Decision::Ask,
    summary: "The machine's resources are burned or hijacked: a cryptocurrency miner or a mining-pool address (`xmrig`, \
              `stratum+tcp://`), a load generator (`stress`, `stress-ng`), or an endless producer whose output is thrown away \
              (`yes > /dev/null`, `cat /dev/zero > /dev/null`).",
    why: "Burning CPU or memory serves no development task: it is cryptojacking or a denial of service against the person's machine \
          and everyone sharing it.",
    instead: "Run load tests only when asked, with a time limit, against a test system.",
    references: &["ATT&CK T1496", "ATT&CK T1499", "CWE-400"],
    flags: &["yes > /dev/null", "xmrig -o pool.example:3333 -u wallet", "./miner --url stratum+tcp://pool.example:4444", "stress-ng --cpu 0 --timeout 0", "cat /dev/zero > /dev/null &"],
    passes: &["yes | head -n 3", "yes | apt-get install foo", "cat /dev/null > log.txt", "dd if=/dev/zero of=disk.img bs=1M count=10"],
};

const MINERS: &[&str] = &[
    "xmrig",
    "xmr-stak",
    "xmr-stak-cpu",
    "minerd",
    "cpuminer",
    "cpuminer-multi",
    "cgminer",
    "bfgminer",
    "ethminer",
    "nbminer",
    "t-rex",
    "lolminer",
    "phoenixminer",
    "nanominer",
    "teamredminer",
    "gminer",
    "srbminer",
    "xmrig-notls",
];

pub fn check(a: &Analysis, m: &RuleMeta, out: &mut Vec<Finding>) {
    for cmd in &a.cmds {
        let Some(base) = cmd.base() else { continue };
        let texts: Vec<&str> = cmd.arg_texts().collect();
        let lower = base.to_ascii_lowercase();
        let pool = texts.iter().any(|t| {
            util::icontains(t, "stratum+tcp://")
                || util::icontains(t, "stratum+ssl://")
                || util::icontains(t, "stratum2+tcp://")
        });
        let to_null =
            util::stdout_file(cmd).is_some_and(|f| f.text() == "/dev/null") && cmd.pipe.is_none();
        let msg = if MINERS.contains(&lower.as_str()) || pool {
            Some("runs a cryptocurrency miner".to_string())
        } else if matches!(lower.as_str(), "stress" | "stress-ng")
            && !texts
                .iter()
                .any(|t| matches!(*t, "--help" | "--version" | "-h"))
        {
            Some(format!("generates load on the machine with `{base}`"))
        } else if to_null
            && (base == "yes"
                || (base == "cat"
                    && texts
                        .iter()
                        .any(|t| matches!(*t, "/dev/zero" | "/dev/urandom" | "/dev/random"))))
        {
            Some(format!(
                "burns CPU with `{base}` writing endlessly to /dev/null"
            ))
        } else {
            None
        };
        if let Some(msg) = msg {
            out.push(at_cmd(a, m, cmd, msg));
        }
    }
}
