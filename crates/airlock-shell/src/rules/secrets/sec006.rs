use crate::analysis::Analysis;
use crate::rules::{at_cmd, RuleMeta};
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    code: "SEC006",
    name: "credential-hunting",
    category: Category::SecretRead,
    severity: Severity::High,
    decision: Decision::Ask,
    summary: "A search for credential files or secrets across the machine: `find / -name id_rsa`, `find ~ -name '*.pem'`, \
              `locate .netrc`, `grep -ri password /home`, searching cloud credential directories.",
    why: "Looking for keys and passwords outside the project is the reconnaissance step of credential theft.",
    instead: "Work inside the project; if a key is needed, ask the person which one.",
    references: &["CWE-522", "ATT&CK T1552.001", "ATT&CK T1552.004", "ATT&CK T1083"],
    flags: &["find / -name id_rsa 2>/dev/null", "find ~ -name '*.pem' -o -name '*.key'", "locate .git-credentials", "grep -ri 'password' /home", "find //.aws -name credentials"],
    passes: &["find . -name '*.rs'", "grep -r 'password' src/", "find . -name '.env.example'", "locate libssl.so"],
};

const NAMES: &[&str] = &[
    "id_rsa",
    "id_dsa",
    "id_ecdsa",
    "id_ed25519",
    "*.pem",
    "*.key",
    "*.p12",
    "*.pfx",
    "*.kdbx",
    "credentials",
    "credentials.db",
    "access_tokens.db",
    ".netrc",
    ".git-credentials",
    ".pgpass",
    ".env",
    ".gnupg",
    "shadow",
    "*.ovpn",
    "wallet.dat",
    ".npmrc",
    ".pypirc",
    "authorized_keys",
    "*id_rsa*",
    "*.ppk",
    ".htpasswd",
    "secrets.yml",
    "*credentials*",
    "*.keychain",
    "*.keychain-db",
    "login.keychain",
    "config.json",
    "hosts.yml",
    ".vault-token",
    ".bash_history",
    "*.sqlite",
];
const WORDS: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "api_key",
    "apikey",
    "token",
    "private key",
    "begin rsa",
    "begin openssh",
    "aws_secret",
    "credential",
];

pub fn check(a: &Analysis, m: &RuleMeta, out: &mut Vec<Finding>) {
    for cmd in &a.cmds {
        let Some(base) = cmd.base() else { continue };
        let texts: Vec<&str> = cmd.arg_texts().collect();
        let outside_project = |t: &&str| t.starts_with('/') || t.starts_with('~');
        let hit = match base {
            "find" | "fd" | "fdfind" | "bfs" => {
                let roots_outside = texts
                    .iter()
                    .take_while(|t| !t.starts_with('-'))
                    .any(outside_project)
                    || base != "find";
                let secret_root = texts
                    .iter()
                    .take_while(|t| !t.starts_with('-'))
                    .any(|t| crate::facts::secret_path(t).is_some());
                let names: Vec<&str> = texts
                    .windows(2)
                    .filter(|w| {
                        matches!(
                            w.first().copied(),
                            Some("-name" | "-iname" | "-path" | "-ipath" | "-regex")
                        )
                    })
                    .filter_map(|w| w.get(1).copied())
                    .collect();
                let wanted = names.iter().any(|n| {
                    NAMES.contains(&n.trim_matches('"'))
                        || n.contains("id_rsa")
                        || n.contains("credential")
                });
                let fd_named = base != "find"
                    && texts
                        .iter()
                        .any(|t| NAMES.contains(t) || t.contains("id_rsa"));
                (roots_outside && (wanted || fd_named)) || secret_root
            }
            "locate" | "mlocate" | "plocate" | "mdfind" => texts.iter().any(|t| {
                NAMES.contains(t)
                    || t.contains("id_rsa")
                    || t.contains("credential")
                    || t.contains(".netrc")
                    || t.contains(".git-credentials")
                    || t.contains("password")
            }),
            "grep" | "egrep" | "rg" | "ag" => {
                let recursive = base != "grep"
                    || texts.iter().any(|t| {
                        t.starts_with('-')
                            && !t.starts_with("--")
                            && (t.contains('r') || t.contains('R'))
                    })
                    || texts.contains(&"--recursive");
                let pattern = texts
                    .iter()
                    .find(|t| !t.starts_with('-'))
                    .map(|t| t.to_ascii_lowercase())
                    .unwrap_or_default();
                let roots = texts
                    .iter()
                    .filter(|t| !t.starts_with('-'))
                    .skip(1)
                    .any(|t| {
                        matches!(
                            *t,
                            "/" | "~" | "/home" | "/root" | "/etc" | "/Users" | "/var"
                        ) || t.starts_with("~/.")
                            || t.starts_with("/home/")
                    });
                recursive && roots && WORDS.iter().any(|w| pattern.contains(w))
            }
            _ => false,
        };
        if hit {
            out.push(at_cmd(
                a,
                m,
                cmd,
                format!("searches the machine for credentials with `{base}`"),
            ));
        }
    }
}
