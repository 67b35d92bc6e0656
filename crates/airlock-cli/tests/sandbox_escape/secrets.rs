//! Secrets: the private key, cloud credentials, secret environment variables, and other
//! processes' environments through /proc never reach the sandboxed command.

use crate::fixture::{unique, Fx, HostProcess};
use crate::PY;

#[test]
fn ssh_private_key_is_unreadable() {
    require_sandbox!();
    let fx = Fx::new();
    let key = fx.home.join(".ssh/id_ed25519");
    let out = fx.sh(
        &[],
        &format!(
            "cat ~/.ssh/id_ed25519; cat '{key}'; cat ~/.ssh/config; ls -la ~/.ssh; \
             find \"$HOME\" -maxdepth 4 -type f -exec cat {{}} + 2>&1; cat /proc/1/root'{key}'; \
             cat /proc/self/root'{key}'; true",
            key = key.display()
        ),
    );
    fx.assert_ran_clean(&out);
}

#[test]
fn aws_credentials_are_unreadable() {
    require_sandbox!();
    let fx = Fx::new();
    let cred = fx.home.join(".aws/credentials");
    let out = fx.sh(
        &[],
        &format!(
            "cat ~/.aws/credentials; cat '{c}'; cat /proc/self/root'{c}'; ls -la ~/.aws; \
             {PY} -c 'import configparser,os; c=configparser.ConfigParser(); c.read(os.path.expanduser(\"~/.aws/credentials\")); print(dict(c.items(\"default\")) if c.has_section(\"default\") else \"no creds\")'; true",
            c = cred.display()
        ),
    );
    fx.assert_ran_clean(&out);
}

#[test]
fn secret_env_vars_are_not_visible() {
    require_sandbox!();
    let fx = Fx::new();
    let out = fx.sh(
        &[],
        "env; echo; tr '\\0' '\\n' < /proc/self/environ; tr '\\0' '\\n' < /proc/1/environ; \
         for f in /proc/[0-9]*/environ; do tr '\\0' '\\n' < \"$f\"; done; \
         printenv CANARY_SECRET_TOKEN GITHUB_TOKEN; echo \"v=$CANARY_SECRET_TOKEN$GITHUB_TOKEN\"; true",
    );
    fx.assert_ran_clean(&out);
    assert!(!out.stdout.contains("CANARY_SECRET_TOKEN=") && !out.stdout.contains("GITHUB_TOKEN="), "{out}");
    // The allowlist itself still arrives.
    assert!(out.stdout.contains("PATH=") && out.stdout.contains(&format!("HOME={}", fx.home.display())), "{out}");
}

#[test]
fn other_process_environ_is_unreadable() {
    require_sandbox!();
    let fx = Fx::new();
    let secret = unique("PROCENVCANARY");
    let host = HostProcess::sleeper("300", &[("CANARY_SECRET_TOKEN", &secret)]);
    let out = fx.sh(
        &[],
        &format!(
            "tr '\\0' '\\n' < /proc/{pid}/environ; for f in /proc/[0-9]*/environ /proc/[0-9]*/task/*/environ; do \
             tr '\\0' '\\n' < \"$f\"; done; true",
            pid = host.pid()
        ),
    );
    fx.assert_ran_clean(&out);
    assert!(!out.stdout.contains(&secret) && !out.stderr.contains(&secret), "another process's environment leaked:\n{out}");
}
