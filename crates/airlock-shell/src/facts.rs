//! What programs and paths are: tables the rules share. Matching is on the
//! program's base name and on normalized path text.

pub fn is_shell(base: &str) -> bool {
    matches!(
        base,
        "sh" | "bash"
            | "dash"
            | "zsh"
            | "ksh"
            | "mksh"
            | "ash"
            | "fish"
            | "csh"
            | "tcsh"
            | "yash"
            | "posh"
            | "rbash"
            | "pwsh"
            | "powershell"
            | "elvish"
            | "nu"
            | "xonsh"
            | "oksh"
            | "loksh"
    )
}

/// Script interpreters whose inline code the analysis reads.
pub fn interpreter_lang(base: &str) -> Option<&'static str> {
    // `m4` is a name of its own; other names drop a version suffix (`python3.12`, `lua5.4`).
    let b = if base == "m4" {
        base
    } else {
        base.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.')
    };
    Some(match b {
        "python" | "pypy" | "python3" | "ipython" => "python",
        "node" | "nodejs" | "deno" | "bun" => "javascript",
        "perl" => "perl",
        "ruby" | "irb" | "jruby" => "ruby",
        "php" => "php",
        "lua" | "luajit" => "lua",
        "Rscript" | "R" => "r",
        "awk" | "gawk" | "mawk" | "nawk" => "awk",
        "tclsh" | "wish" | "expect" => "tcl",
        "osascript" => "applescript",
        "jjs" | "jshell" | "jrunscript" => "java",
        "julia" => "julia",
        "octave" | "octave-cli" | "matlab" => "octave",
        "bpftrace" => "bpftrace",
        "m4" => "m4",
        "gdb" => "gdb",
        _ => return None,
    })
}

/// Programs that move data over the network.
pub fn is_network_client(base: &str) -> bool {
    matches!(
        base,
        "curl"
            | "wget"
            | "nc"
            | "ncat"
            | "netcat"
            | "socat"
            | "ssh"
            | "scp"
            | "sftp"
            | "rsync"
            | "ftp"
            | "tftp"
            | "telnet"
            | "lftp"
            | "aria2c"
            | "http"
            | "https"
            | "xh"
            | "smbclient"
            | "rclone"
            | "restic"
            | "s3cmd"
            | "gsutil"
            | "azcopy"
            | "openssl"
            | "gnutls-cli"
            | "whois"
            | "finger"
            | "sendmail"
            | "mail"
            | "mailx"
            | "mutt"
            | "irssi"
            | "cadaver"
            | "urlget"
            | "wput"
            | "axel"
            | "fetch"
            | "httpie"
            | "websocat"
            | "ncftp"
            | "sshpass"
            | "torsocks"
            | "rlogin"
            | "rsh"
            | "rcp"
            | "rexec"
            | "lwp-download"
            | "lwp-request"
            | "GET"
            | "POST"
            | "tnftp"
            | "cloudflared"
            | "ngrok"
    ) || is_dns_tool(base)
}

pub fn is_dns_tool(base: &str) -> bool {
    matches!(
        base,
        "dig" | "nslookup" | "host" | "drill" | "kdig" | "delv" | "resolvectl"
    )
}

/// Commands that print the whole environment.
pub fn is_env_dump(base: &str, args: &[&str]) -> bool {
    match base {
        "env" | "printenv" => args.iter().all(|a| a.starts_with('-')),
        "set" => args.is_empty(),
        "export" | "declare" | "typeset" => {
            args.iter()
                .any(|a| matches!(*a, "-p" | "-x" | "-px" | "-xp"))
                && args.iter().all(|a| a.starts_with('-'))
        }
        "compgen" => args.contains(&"-v") || args.contains(&"-e"),
        _ => false,
    }
}

/// A variable whose name says it holds a secret.
pub fn is_secret_var(name: &str) -> bool {
    let n = name.to_ascii_uppercase();
    if matches!(
        n.as_str(),
        "PATH"
            | "HOME"
            | "PWD"
            | "USER"
            | "SHELL"
            | "TERM"
            | "LANG"
            | "IFS"
            | "OLDPWD"
            | "HOSTNAME"
    ) {
        return false;
    }
    const PARTS: [&str; 10] = [
        "TOKEN",
        "SECRET",
        "PASSWORD",
        "PASSWD",
        "CREDENTIAL",
        "PRIVATE_KEY",
        "API_KEY",
        "APIKEY",
        "ACCESS_KEY",
        "AUTH",
    ];
    n.ends_with("_KEY")
        || n.ends_with("_PAT")
        || n == "KEY"
        || PARTS.iter().any(|p| n.contains(p)) && !n.ends_with("_FILE") && !n.ends_with("_PATH")
}

/// How sensitive a path is to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Secret {
    /// Keys, tokens, passwords of the user (`~/.ssh/id_*`, `~/.aws/credentials`, `.env`).
    Credential,
    /// System credential stores (`/etc/shadow`, host keys, process memory).
    SystemSecret,
    /// Another process's environment (`/proc/*/environ`).
    Environ,
    /// The account database (`/etc/passwd`, `/etc/group`): discovery, not a secret.
    Accounts,
}

/// Normalize a path for matching: `$HOME`/`/root`/`/home/x` prefixes become `~`.
pub fn normalize_path(p: &str) -> String {
    let p = p.trim_matches(|c| c == '"' || c == '\'');
    let p = p.strip_prefix('@').unwrap_or(p); // curl -d @file
    let p = p.strip_prefix("file://").unwrap_or(p);
    let mut s = p.to_string();
    while s.contains("//") {
        s = s.replace("//", "/");
    }
    for prefix in ["/root/", "/var/root/"] {
        if let Some(rest) = s.strip_prefix(prefix) {
            s = format!("~/{rest}");
        }
    }
    if let Some(rest) = s
        .strip_prefix("/home/")
        .or_else(|| s.strip_prefix("/Users/"))
    {
        if let Some((_, tail)) = rest.split_once('/') {
            s = format!("~/{tail}");
        }
    }
    s
}

fn file_name(p: &str) -> &str {
    p.trim_end_matches('/').rsplit('/').next().unwrap_or(p)
}

/// Credential locations under a home directory. Those without `~` are matched anywhere in a path
/// too (a relative `.aws/credentials`, a backup's `/mnt/b/home/.kube/config`).
const HOME: [&str; 34] = [
    "~/.aws/credentials",
    "~/.aws",
    ".aws/credentials",
    "~/.netrc",
    ".netrc",
    "~/.git-credentials",
    ".git-credentials",
    "~/.config/gh/hosts.yml",
    ".config/gh/hosts.yml",
    "~/.docker/config.json",
    ".docker/config.json",
    "~/.kube/config",
    ".kube/config",
    "~/.npmrc",
    "~/.pypirc",
    ".pypirc",
    "~/.gnupg",
    ".gnupg/private-keys",
    ".gnupg/secring",
    "~/.config/gcloud",
    ".config/gcloud/",
    "~/.azure",
    ".azure/",
    ".terraform.d/credentials",
    ".vault-token",
    ".cargo/credentials",
    ".gem/credentials",
    "~/.password-store",
    "library/keychains",
    ".keychain",
    "~/.local/share/keyrings",
    ".config/hub",
    "~/.m2/settings.xml",
    ".ssh/",
];

fn home_inner_pattern(h: &str) -> bool {
    !h.starts_with('~') && h.contains('/')
}

/// Whether any "anywhere" entry of [`HOME`] occurs in the path. This runs for each path a command
/// names, and in a hook process only once or twice: candidates start only where an entry's first
/// byte is, so no automaton is built (building one cost more than the checks it saves here).
fn home_inner_match(lower: &str) -> bool {
    let b = lower.as_bytes();
    (0..b.len())
        .filter(|&i| b.get(i).is_some_and(|c| HOME_INNER_FIRST.contains(c)))
        .any(|i| {
            let rest = b.get(i..).unwrap_or_default();
            HOME.iter()
                .any(|h| home_inner_pattern(h) && rest.starts_with(h.as_bytes()))
        })
}

/// The first bytes of the "anywhere" entries of [`HOME`] (a test keeps this in step).
const HOME_INNER_FIRST: &[u8] = b".l";

/// Whether a path names a system secret (`/etc/shadow`, `/proc/N/mem`, host keys, ...): the
/// [`Secret::SystemSecret`] class of [`secret_path`], with a cheap test first, because it is
/// asked of every path-like token of every word.
pub fn is_system_secret(raw: &str) -> bool {
    // Every system secret lies under /etc, /var, /proc or /dev, so after normalization (quotes, `@`,
    // `file://`, doubled slashes, case) one of these stays in the text.
    let b = raw.as_bytes();
    let under_system_dir = b.windows(4).any(|w| {
        w.eq_ignore_ascii_case(b"etc/")
            || w.eq_ignore_ascii_case(b"var/")
            || w.eq_ignore_ascii_case(b"dev/")
    }) || b.windows(5).any(|w| w.eq_ignore_ascii_case(b"proc/"));
    under_system_dir && secret_path(raw) == Some(Secret::SystemSecret)
}

/// Classify a path (as it would be read).
pub fn secret_path(raw: &str) -> Option<Secret> {
    let p = normalize_path(raw);
    let lower = p.to_ascii_lowercase();
    let name = file_name(&lower);
    // Example and template env files are documentation, not secrets.
    if (name == ".env" || name.starts_with(".env.") || name.ends_with(".env"))
        && ![
            "example", "sample", "template", "dist", "defaults", "schema",
        ]
        .iter()
        .any(|x| name.contains(x))
        && !lower.contains(".venv")
    {
        return Some(Secret::Credential);
    }
    const SYSTEM: [&str; 11] = [
        "/etc/shadow",
        "/etc/gshadow",
        "/etc/master.passwd",
        "/etc/security/opasswd",
        "/etc/sudoers",
        "/var/lib/sss/",
        "/proc/kcore",
        "/dev/mem",
        "/etc/ssh/ssh_host_",
        "/var/db/shadow",
        "/etc/krb5.keytab",
    ];
    if SYSTEM.iter().any(|s| lower.starts_with(s))
        || lower.starts_with("/etc/shadow")
        || (lower.starts_with("/proc/") && lower.ends_with("/mem"))
    {
        return Some(Secret::SystemSecret);
    }
    if lower.starts_with("/proc/") && lower.ends_with("/environ") {
        return Some(Secret::Environ);
    }
    if matches!(
        lower.as_str(),
        "/etc/passwd" | "/etc/group" | "/etc/security/pwquality.conf" | "/etc/login.defs"
    ) {
        return Some(Secret::Accounts);
    }
    // SSH private keys anywhere, and the whole ~/.ssh directory.
    let key_name = ["id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", "id_xmss"]
        .iter()
        .any(|k| name.starts_with(k));
    if (key_name && !name.ends_with(".pub"))
        || name == "identity"
        || lower.ends_with("/.ssh")
        || lower == "~/.ssh/"
        || lower.ends_with("/.ssh/*")
    {
        return Some(Secret::Credential);
    }
    let public_ssh = lower.contains(".ssh/")
        && (name.ends_with(".pub") || matches!(name, "known_hosts" | "config" | "known_hosts.old"));
    let under = |h: &str| {
        lower
            .strip_prefix(h)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    };
    if !public_ssh && (HOME.iter().any(|h| under(h)) || home_inner_match(&lower)) {
        return Some(Secret::Credential);
    }
    // Browser cookie and password stores.
    const BROWSER: [&str; 8] = [
        "cookies.sqlite",
        "key4.db",
        "key3.db",
        "logins.json",
        "login data",
        "cookies",
        "web data",
        "signons.sqlite",
    ];
    if BROWSER.contains(&name)
        && (lower.contains("mozilla")
            || lower.contains("chrom")
            || lower.contains("firefox")
            || lower.contains("brave")
            || lower.contains("safari")
            || lower.contains("/default"))
    {
        return Some(Secret::Credential);
    }
    if name == "cookies.binarycookies"
        || name.ends_with(".kdbx")
        || name.ends_with(".keychain-db")
        || name.ends_with(".keychain")
        || name == "credentials.db"
        || name == "access_tokens.db"
        || name == "application_default_credentials.json"
    {
        return Some(Secret::Credential);
    }
    None
}

/// Where writing plants code that runs later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Persist {
    ShellRc,
    Scheduler,
    Service,
    AuthorizedKeys,
    GitHook,
    Preload,
    Auth,
    AgentPolicy,
}

pub fn persistence_path(raw: &str) -> Option<Persist> {
    let p = normalize_path(raw);
    let lower = p.to_ascii_lowercase();
    let name = file_name(&lower);
    if matches!(
        name,
        ".lessfilter"
            | ".lesskey"
            | ".vimrc"
            | ".exrc"
            | ".gvimrc"
            | ".emacs"
            | ".curlrc"
            | ".wgetrc"
            | ".gitconfig"
            | ".pythonrc"
            | ".irbrc"
            | ".gdbinit"
            | ".shrc"
            | ".mkshrc"
            | ".bashrc"
            | ".bash_profile"
            | ".bash_login"
            | ".profile"
            | ".zshrc"
            | ".zprofile"
            | ".zshenv"
            | ".zlogin"
            | ".kshrc"
            | ".cshrc"
            | ".tcshrc"
            | ".bash_logout"
            | ".inputrc"
    ) || lower.contains(".config/fish/config.fish")
        || lower.starts_with("/etc/profile")
        || matches!(
            lower.as_str(),
            "/etc/bash.bashrc"
                | "/etc/bashrc"
                | "/etc/zshrc"
                | "/etc/zsh/zshrc"
                | "/etc/environment"
                | "/etc/zprofile"
        )
    {
        return Some(Persist::ShellRc);
    }
    if lower.starts_with("/etc/cron")
        || lower.starts_with("/var/spool/cron")
        || lower.starts_with("/etc/anacrontab")
        || lower.starts_with("/var/spool/at")
        || lower.starts_with("/etc/periodic")
    {
        return Some(Persist::Scheduler);
    }
    if lower.starts_with("/etc/systemd/")
        || lower.starts_with("/lib/systemd/")
        || lower.starts_with("/usr/lib/systemd/")
        || lower.contains(".config/systemd/")
        || lower.starts_with("/etc/init.d")
        || lower.starts_with("/etc/init/")
        || lower.starts_with("/etc/rc.")
        || lower.starts_with("/etc/rc.local")
        || lower.contains("library/launchagents")
        || lower.contains("library/launchdaemons")
        || lower.contains("library/startupitems")
        || lower.contains(".config/autostart")
        || lower.starts_with("/etc/xdg/autostart")
        || lower.starts_with("/etc/update-motd.d")
        || lower.starts_with("/etc/udev/rules.d")
        || lower.starts_with("/etc/modules-load.d")
        || lower.starts_with("/etc/apt/apt.conf.d")
        || lower.starts_with("/etc/emond.d")
        || lower.contains("/loginwindow")
        || name == ".xinitrc"
        || name == ".xsession"
    {
        return Some(Persist::Service);
    }
    if lower.contains(".ssh/authorized_keys")
        || lower.ends_with(".ssh/rc")
        || lower.starts_with("/etc/ssh/sshd_config")
    {
        return Some(Persist::AuthorizedKeys);
    }
    if lower.contains(".git/hooks") || lower.contains(".husky/") {
        return Some(Persist::GitHook);
    }
    if lower == "/etc/ld.so.preload" || lower.starts_with("/etc/ld.so.conf") {
        return Some(Persist::Preload);
    }
    if lower.starts_with("/etc/pam.d")
        || lower.starts_with("/etc/sudoers")
        || matches!(
            lower.as_str(),
            "/etc/passwd" | "/etc/shadow" | "/etc/group" | "/etc/gshadow"
        )
        || lower.starts_with("/etc/security/")
    {
        return Some(Persist::Auth);
    }
    if matches!(name, "airlock.toml" | ".airlock.toml")
        || lower.starts_with("/etc/airlock")
        || lower.contains(".claude/settings")
        || lower.starts_with("/etc/claude-code")
        || lower.contains(".codex/hooks.json")
        || lower.contains(".codex/config.toml")
        || lower.starts_with("/etc/codex")
        || lower.contains(".gemini/settings.json")
    {
        return Some(Persist::AgentPolicy);
    }
    None
}

/// Programs that only read or inspect their file arguments.
pub fn is_reader(base: &str) -> bool {
    matches!(
        base,
        "cat"
            | "less"
            | "more"
            | "head"
            | "tail"
            | "grep"
            | "egrep"
            | "fgrep"
            | "rg"
            | "ls"
            | "stat"
            | "file"
            | "wc"
            | "test"
            | "["
            | "diff"
            | "cmp"
            | "md5sum"
            | "sha1sum"
            | "sha256sum"
            | "bat"
            | "view"
            | "readlink"
            | "realpath"
            | "du"
            | "find"
            | "tree"
            | "lsattr"
            | "getfacl"
            | "strings"
            | "nl"
            | "sort"
            | "uniq"
            | "cut"
            | "jq"
            | "yq"
            | "source"
            | "."
            | "which"
            | "zcat"
            | "zless"
    )
}

/// A network destination in an argument (URL, `user@host:path`, bare host for nc), with its host.
pub fn url_host(arg: &str) -> Option<String> {
    let a = arg.trim();
    if let Some((scheme, rest)) = a.split_once("://") {
        if scheme.is_empty()
            || !scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '+')
        {
            return None;
        }
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        let hostport = authority.rsplit('@').next().unwrap_or(authority);
        let host = if let Some(stripped) = hostport.strip_prefix('[') {
            stripped.split(']').next().unwrap_or("")
        } else {
            hostport.split(':').next().unwrap_or("")
        };
        return (!host.is_empty()).then(|| host.to_ascii_lowercase());
    }
    None
}

/// Hosts that are this machine.
pub fn is_local_host(host: &str) -> bool {
    matches!(host, "localhost" | "127.0.0.1" | "::1" | "0.0.0.0") || host.starts_with("127.")
}

/// Programs that only look at names or metadata of the paths they are given.
pub fn is_lookup(base: &str) -> bool {
    matches!(
        base,
        "ls" | "stat"
            | "test"
            | "["
            | "[["
            | "du"
            | "readlink"
            | "realpath"
            | "lsattr"
            | "getfacl"
            | "dirname"
            | "basename"
            | "which"
            | "whereis"
            | "type"
            | "exa"
            | "eza"
            | "tree"
            | "namei"
    )
}

/// Path-like tokens inside a word: `Include /etc/shadow`, `file:///etc/shadow`, `open:/etc/cron.d/x,creat`, `--out=/x`.
pub fn path_tokens(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| {
        c.is_whitespace()
            || matches!(
                c,
                '\'' | '"'
                    | '='
                    | ','
                    | '('
                    | ')'
                    | '{'
                    | '}'
                    | '<'
                    | '>'
                    | ';'
                    | '|'
                    | '`'
                    | '['
                    | ']'
            )
    })
    .flat_map(|t| {
        // `file:///x`, `open:/x`, `man:/x`: the part after a scheme-like prefix.
        let after_scheme = match t.find(":/") {
            Some(i) if i > 0 => t.get(i + 1..),
            _ => None,
        };
        std::iter::once(t).chain(after_scheme)
    })
    .filter(|t| {
        t.starts_with('/')
            || t.starts_with('~')
            || t.starts_with("./")
            || t.starts_with(".env")
            || t.starts_with('.')
    })
}

#[cfg(test)]
mod tests {
    use super::{is_system_secret, secret_path, Secret};

    /// The cheap test in front of `is_system_secret` never hides a system secret.
    #[test]
    fn system_secret_prefilter_agrees_with_the_classifier() {
        let paths = [
            "/etc/shadow",
            "/ETC//Shadow",
            "file:///etc/gshadow",
            "\"@/etc/sudoers\"",
            "//var/lib/sss/db",
            "/proc/1/mem",
            "/proc/self/environ",
            "/dev/mem",
            "/etc/ssh/ssh_host_ed25519_key",
            "/var/db/shadow/hash",
            "/etc/krb5.keytab",
            "/etc/passwd",
            "~/.ssh/id_rsa",
            "./src/main.rs",
            "/etc",
            "",
        ];
        for p in paths {
            assert_eq!(
                is_system_secret(p),
                secret_path(p) == Some(Secret::SystemSecret),
                "{p}"
            );
        }
        assert!(is_system_secret("/ETC//Shadow"));
    }

    #[test]
    fn home_inner_first_bytes_cover_every_entry() {
        for h in super::HOME.iter().filter(|h| super::home_inner_pattern(h)) {
            let first = h.as_bytes().first().copied().unwrap_or_default();
            assert!(super::HOME_INNER_FIRST.contains(&first), "{h}");
        }
        assert!(super::home_inner_match("/mnt/b/home/u/.kube/config"));
        assert!(super::home_inner_match(
            "x/library/keychains/login.keychain-db"
        ));
        assert!(!super::home_inner_match("/srv/app/kube/config"));
    }
}
