use crate::analysis::Analysis;
use crate::rules::{at_cmd, RuleMeta};
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    code: "REV002",
    name: "raw-listener",
    category: Category::ReverseShell,
    severity: Severity::Medium,
    decision: Decision::Ask,
    summary: "A raw network listener (`nc -l`, `ncat -l`, `socat TCP-LISTEN:` without a fixed local target), a file server or proxy bound to \
              all interfaces, or a tunnel that exposes this machine to the internet (`cloudflared tunnel`, `ngrok`, `code tunnel`, `ssh -R`).",
    why: "A listening socket lets anyone who can reach the port send data or commands in; with a shell behind it, it is a bind shell.",
    instead: "Run the development server you need (it listens on its own), bound to 127.0.0.1.",
    references: &["ATT&CK T1571", "ATT&CK T1095"],
    flags: &["nc -lvnp 4444", "ncat -l 9001 > upload.bin", "socat UDP-LISTEN:5353 STDOUT"],
    passes: &["python3 -m http.server 8000", "socat TCP-LISTEN:8080,fork TCP:localhost:3000", "nc -zv localhost 8080"],
};

pub fn check(a: &Analysis, m: &RuleMeta, out: &mut Vec<Finding>) {
    for cmd in &a.cmds {
        let Some(base) = cmd.base() else { continue };
        let texts: Vec<&str> = cmd.arg_texts().collect();
        let listens = match base {
            "nc" | "ncat" | "netcat" => texts.iter().any(|t| {
                *t == "--listen" || (t.starts_with('-') && !t.starts_with("--") && t.contains('l'))
            }),
            "socat" => {
                let all = texts.join(" ").to_ascii_lowercase();
                (all.contains("tcp-listen")
                    || all.contains("udp-listen")
                    || all.contains("tcp4-listen")
                    || all.contains("openssl-listen"))
                    && !(all.contains("tcp:localhost")
                        || all.contains("tcp:127.0.0.1")
                        || all.contains("tcp4:127.0.0.1"))
            }
            "cloudflared" | "ngrok" | "lt" | "localtunnel" | "bore" | "frpc" | "chisel"
            | "pagekite" | "serveo" => true,
            "code" | "tailscale" => texts
                .iter()
                .any(|t| matches!(*t, "tunnel" | "funnel" | "serve")),
            "ssh" => texts.iter().any(|t| *t == "-R" || t.starts_with("-R")),
            "kubectl" => {
                texts.contains(&"proxy") && texts.iter().any(|t| t.contains("0.0.0.0"))
                    || texts.contains(&"port-forward")
                        && texts.iter().any(|t| t.contains("0.0.0.0"))
            }
            "busybox" | "httpd" | "webfsd" | "darkhttpd" | "thttpd" | "mini_httpd" => {
                base != "busybox" || texts.first() == Some(&"httpd") || texts.contains(&"nc")
            }
            "php" => texts.contains(&"-S") && texts.iter().any(|t| t.starts_with("0.0.0.0")),
            _ => {
                let code_server = a.code_of(cmd).is_some_and(|(c, _)| {
                    let l = c.text.to_ascii_lowercase();
                    (l.contains("tcpserver")
                        || l.contains("httpserver")
                        || l.contains(".listen(")
                        || l.contains("bind("))
                        && (l.contains("(\"\"") || l.contains("('',") || l.contains("0.0.0.0"))
                });
                code_server
                    || texts
                        .iter()
                        .any(|t| matches!(*t, "--bind" | "-b" | "--host" | "--address"))
                        && texts.iter().any(|t| *t == "0.0.0.0" || *t == "::")
            }
        };
        if listens {
            out.push(at_cmd(
                a,
                m,
                cmd,
                format!("exposes this machine to the network (a listener or tunnel) with `{base}`"),
            ));
        }
    }
}
