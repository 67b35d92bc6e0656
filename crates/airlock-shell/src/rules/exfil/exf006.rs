use crate::analysis::Analysis;
use crate::facts;
use crate::rules::{at_cmd, util, RuleMeta};
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    code: "EXF006",
    name: "raw-socket-connection",
    category: Category::Exfiltration,
    severity: Severity::Medium,
    decision: Decision::Ask,
    summary: "A raw TCP/UDP connection to a remote host with `nc`/`ncat`/`netcat`/`socat`/`telnet`/`openssl s_client` \
              (port checks with `-z` excluded).",
    why: "Raw sockets carry anything in either direction: files out, payloads in, an interactive shell. \
          A coding task seldom needs one to a host it does not control.",
    instead: "Use an HTTP client against a known URL, or `nc -z` for a port check.",
    references: &["ATT&CK T1095", "ATT&CK T1105"],
    flags: &["nc 10.0.0.1 4444", "ncat --udp 198.51.100.7 53", "socat - TCP:203.0.113.9:8080", "openssl s_client -quiet -connect 10.0.0.1:4444"],
    passes: &["nc -zv example.com 443", "nc -l 8080 -k --no-shutdown-on-error > /dev/null", "nc localhost 6379", "openssl s_client -connect localhost:443"],
};

pub fn check(a: &Analysis, m: &RuleMeta, out: &mut Vec<Finding>) {
    for cmd in &a.cmds {
        let Some(base) = cmd.base() else { continue };
        if !matches!(
            base,
            "nc" | "ncat"
                | "netcat"
                | "socat"
                | "telnet"
                | "openssl"
                | "gnutls-cli"
                | "rlogin"
                | "rsh"
                | "rexec"
        ) {
            continue;
        }
        let texts: Vec<&str> = cmd.arg_texts().collect();
        if base == "openssl" && !texts.contains(&"s_client") {
            continue;
        }
        let netcat = matches!(base, "nc" | "ncat" | "netcat");
        if netcat
            && (texts.iter().any(|t| {
                t.starts_with('-') && !t.starts_with("--") && (t.contains('z') || t.contains('l'))
            }) || texts.contains(&"--listen"))
        {
            continue;
        }
        let host = texts
            .iter()
            .enumerate()
            .filter(|(i, t)| {
                let option_value = matches!(base, "rlogin" | "rsh" | "rexec")
                    && *i > 0
                    && texts.get(i - 1).is_some_and(|p| matches!(*p, "-l" | "-p"));
                !(t.starts_with('-') || option_value)
            })
            .map(|(_, t)| t)
            .map(|t| {
                let t = t
                    .trim_start_matches("TCP:")
                    .trim_start_matches("tcp:")
                    .trim_start_matches("UDP:")
                    .trim_start_matches("udp:");
                t.rsplit_once(':').map(|(h, _)| h).unwrap_or(t).to_string()
            })
            .find(|h| h.contains('.') || h.contains(':') || h == "localhost")
            .or_else(|| util::destination_host(cmd));
        let Some(host) = host else { continue };
        if facts::is_local_host(&host) || a.ctx.policy.host_trusted(&host) {
            continue;
        }
        out.push(at_cmd(
            a,
            m,
            cmd,
            format!("opens a raw connection to {host} with `{base}`"),
        ));
    }
}
