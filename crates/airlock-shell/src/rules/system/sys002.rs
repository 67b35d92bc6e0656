use crate::analysis::Analysis;
use crate::rules::{at_cmd, RuleMeta};
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    code: "SYS002",
    name: "offensive-tooling",
    category: Category::SystemTampering,
    severity: Severity::Medium,
    decision: Decision::Ask,
    summary: "Tools for attacking rather than building: network scanners and sniffers (`nmap`, `masscan`, `tcpdump`), password crackers \
              and brute forcers (`john`, `hashcat`, `hydra`), credential dumpers (`mimipenguin`, `lazagne`), screen, keyboard, microphone \
              and clipboard capture.",
    why: "A coding task does not scan networks or capture the screen; a backdoored model does reconnaissance and collection with exactly these.",
    instead: "Ask the person before any security testing, and scope it.",
    references: &["ATT&CK T1046", "ATT&CK T1040", "ATT&CK T1110", "ATT&CK T1113", "ATT&CK T1056.001", "ATT&CK T1115"],
    flags: &["nmap -sS 10.0.0.0/24", "tcpdump -i eth0 -w cap.pcap", "hydra -l root -P rockyou.txt ssh://10.0.0.5", "screencapture /tmp/s.png", "xclip -o -selection clipboard"],
    passes: &["ping -c 1 example.com", "curl -I https://example.com", "ss -tlnp"],
};

pub fn check(a: &Analysis, m: &RuleMeta, out: &mut Vec<Finding>) {
    for cmd in &a.cmds {
        let Some(base) = cmd.base() else { continue };
        let texts: Vec<&str> = cmd.arg_texts().collect();
        let lower = base.to_ascii_lowercase();
        let what = match lower.as_str() {
            "nmap" | "masscan" | "zmap" | "arp-scan" | "netdiscover" | "unicornscan"
            | "rustscan" | "nikto" | "sqlmap" | "gobuster" | "dirb" | "ffuf" | "wfuzz" => {
                Some("scans networks or services")
            }
            "tcpdump" | "tshark" | "ettercap" | "dsniff" | "bettercap" | "arpspoof"
            | "responder" | "mitmproxy" | "mitmdump" => {
                Some("captures or intercepts network traffic")
            }
            "john" | "hashcat" | "hydra" | "medusa" | "ncrack" | "crackmapexec" | "patator"
            | "fcrackzip" | "aircrack-ng" => Some("cracks or brute-forces passwords"),
            "msfconsole" | "msfvenom" | "msfdb" | "sliver-client" | "sliver-server" => {
                Some("is an exploitation framework")
            }
            "stratus"
                if texts
                    .first()
                    .is_some_and(|t| matches!(*t, "detonate" | "warmup" | "revert")) =>
            {
                Some("detonates attack techniques against the cloud account (Stratus Red Team)")
            }
            "mimipenguin" | "lazagne" | "lazagne.py" | "laZagne.py" | "3snake" | "linpeas.sh"
            | "linpeas" | "pspy" | "pspy64" => {
                Some("dumps credentials or enumerates privilege escalation paths")
            }
            "screencapture" | "scrot" | "xwd" | "gnome-screenshot" | "maim" | "grim"
            | "xdotool" | "logkeys" | "showkey" | "xinput" | "arecord" | "ffmpeg"
                if !matches!(lower.as_str(), "ffmpeg" | "xinput" | "xdotool")
                    || texts.iter().any(|t| {
                        t.contains("x11grab")
                            || t.contains("avfoundation")
                            || *t == "test"
                            || *t == "type"
                            || *t == "key"
                            || t.contains("alsa")
                            || t.contains("pulse")
                    }) =>
            {
                Some("captures the screen, keyboard or microphone")
            }
            "import" if texts.contains(&"-window") => Some("captures the screen"),
            "pbpaste" | "xsel" => Some("reads the clipboard"),
            "xclip" if texts.iter().any(|t| *t == "-o" || *t == "-out") => {
                Some("reads the clipboard")
            }
            _ => None,
        };
        let what = what.or(match lower.as_str() {
            "trap" if texts.contains(&"DEBUG") => {
                Some("records every command typed afterwards (a DEBUG trap)")
            }
            "7z" | "7za" | "7zr"
                if texts.iter().any(|t| t.starts_with("-p")) && texts.first() == Some(&"a") =>
            {
                Some("encrypts files with a password (staging data for exfiltration or ransom)")
            }
            "zip"
                if texts
                    .iter()
                    .any(|t| matches!(*t, "-e" | "--encrypt") || t.starts_with("-P")) =>
            {
                Some("encrypts files with a password (staging data for exfiltration or ransom)")
            }
            "openssl"
                if texts.first().is_some_and(|t| {
                    *t == "enc" || t.starts_with("des") || t.starts_with("aes")
                }) && !texts.contains(&"-d")
                    && !texts.contains(&"-base64") =>
            {
                Some("encrypts files with a password (staging data for exfiltration or ransom)")
            }
            "gpg" | "gpg2" if texts.iter().any(|t| matches!(*t, "-c" | "--symmetric")) => {
                Some("encrypts files with a password (staging data for exfiltration or ransom)")
            }
            "ccrypt" | "ccencrypt" => Some("encrypts files in place"),
            "security"
                if texts
                    .first()
                    .is_some_and(|t| !matches!(*t, "help" | "list-keychains" | "-h")) =>
            {
                Some("reads or changes the keychain")
            }
            _ => None,
        });
        let lazagne = cmd
            .arg_texts()
            .any(|t| crate::rules::util::icontains(t, "lazagne") || t.contains("mimipenguin"));
        // A script or program named for capturing keys (`swift Keylogger.swift`, `python keylogger.py`).
        let keylog_name = |t: &str| {
            let name = t.rsplit('/').next().unwrap_or(t);
            crate::rules::util::icontains(name, "keylogger")
                || name
                    .get(..7)
                    .is_some_and(|p| p.eq_ignore_ascii_case("keylog."))
        };
        let runs_files = crate::facts::is_shell(base)
            || crate::facts::interpreter_lang(base).is_some()
            || matches!(
                base,
                "swift"
                    | "swiftc"
                    | "gcc"
                    | "g++"
                    | "cc"
                    | "clang"
                    | "clang++"
                    | "go"
                    | "nohup"
                    | "sudo"
            );
        let keylogger = keylog_name(base) || (runs_files && cmd.arg_texts().any(keylog_name));
        let what = what
            .or(lazagne.then_some("dumps stored credentials"))
            .or(keylogger.then_some("records keystrokes (a keylogger)"));
        if let Some(what) = what {
            out.push(at_cmd(a, m, cmd, format!("runs `{base}`, which {what}")));
        }
    }
}
