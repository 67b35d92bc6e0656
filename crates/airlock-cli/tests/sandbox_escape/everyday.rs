//! Everyday work still passes inside: git, cargo, npm, curl to a forwarded port, exit status,
//! stdio and signals.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::thread;
use std::time::Duration;

use crate::fixture::{git, reader, run_with_timeout, signal_of, unique, wait_until, Fx, Out};
use crate::{RAN, TIMEOUT};

#[test]
fn git_status_and_commit_work_inside() {
    require_sandbox!();
    let fx = Fx::new();
    fs::write(fx.ws.join("README.md"), "# fixture\nchanged inside\n").unwrap();
    let msg = unique("commit-from-inside-");
    let out = fx.sh(
        &[],
        &format!(
            "git status --porcelain && git -c user.name=Inside -c user.email=inside@example.com commit -q -am {msg} && \
             git log -1 --format=%s"
        ),
    );
    fx.assert_ran_clean(&out);
    assert_eq!(out.code, Some(0), "{out}");
    assert!(out.stdout.contains(" M README.md"), "{out}");
    assert_eq!(git(&fx.ws, &["log", "-1", "--format=%s"]).trim(), msg, "the commit did not land on the host:\n{out}");
    assert!(git(&fx.ws, &["status", "--porcelain"]).trim().is_empty());
}

/// The real HOME (with its toolchains in ~/.cargo and ~/.rustup, ~/.npm): everyday builds use it.
fn real_home() -> String {
    std::env::var("HOME").unwrap_or_else(|_| "/root".to_string())
}

#[test]
fn cargo_build_offline_works_inside() {
    require_sandbox!();
    let fx = Fx::new();
    let token = unique("tiny-crate-");
    fs::create_dir_all(fx.ws.join("tiny/src")).unwrap();
    fs::write(fx.ws.join("tiny/Cargo.toml"), "[package]\nname = \"tiny\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n").unwrap();
    fs::write(fx.ws.join("tiny/src/main.rs"), format!("fn main() {{ println!(\"{token}\"); }}\n")).unwrap();
    let mut cmd = fx.command(
        &[],
        &["sh", "-c", &format!("echo {RAN}; cd tiny && cargo build --offline --target-dir target 2>&1 && ./target/debug/tiny")],
    );
    cmd.env("HOME", real_home());
    let out = run_with_timeout(cmd, None, Duration::from_secs(300));
    fx.assert_ran_clean(&out);
    assert_eq!(out.code, Some(0), "{out}");
    assert!(out.stdout.contains(&token), "{out}");
    assert!(fx.ws.join("tiny/target/debug/tiny").exists());
}

#[test]
fn npm_offline_install_and_script_work_inside() {
    require_sandbox!();
    require_tool!("npm");
    let fx = Fx::new();
    let token = unique("npm-lib-");
    fs::create_dir_all(fx.ws.join("lib")).unwrap();
    fs::create_dir_all(fx.ws.join("app")).unwrap();
    fs::write(fx.ws.join("lib/package.json"), r#"{"name": "airlock-fixture-lib", "version": "1.0.0", "main": "index.js"}"#).unwrap();
    fs::write(fx.ws.join("lib/index.js"), format!("module.exports = {{ token: \"{token}\" }};\n")).unwrap();
    fs::write(
        fx.ws.join("app/package.json"),
        r#"{"name": "app", "version": "1.0.0", "private": true,
  "dependencies": {"airlock-fixture-lib": "file:../lib/airlock-fixture-lib-1.0.0.tgz"},
  "scripts": {"check": "node -e \"console.log(require('airlock-fixture-lib').token, require('./package.json').name)\""}}"#,
    )
    .unwrap();
    let mut cmd = fx.command(
        &[],
        &[
            "sh",
            "-c",
            &format!(
                "echo {RAN}; C=\"$PWD/.npm-cache\"; cd lib && npm pack --silent --cache \"$C\" && cd ../app && \
                 npm install --offline --no-audit --no-fund --cache \"$C\" 2>&1 && npm run -s check"
            ),
        ],
    );
    cmd.env("HOME", real_home());
    let out = run_with_timeout(cmd, None, Duration::from_secs(180));
    fx.assert_ran_clean(&out);
    assert_eq!(out.code, Some(0), "{out}");
    assert!(out.stdout.contains(&format!("{token} app")), "{out}");
    assert!(fx.ws.join("app/node_modules/airlock-fixture-lib/index.js").exists(), "{out}");
}

/// Serves `body` over HTTP on 127.0.0.1 until the listener is dropped with the test.
fn serve_http(body: String) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            let mut r = BufReader::new(s.try_clone().unwrap());
            let mut line = String::new();
            while r.read_line(&mut line).map(|n| n > 0).unwrap_or(false) && line != "\r\n" {
                line.clear();
            }
            let _ = write!(s, "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}", body.len());
        }
    });
    port
}

#[test]
fn curl_to_forwarded_local_port_works() {
    require_sandbox!();
    require_tool!("curl");
    let fx = Fx::new();
    let body = unique("served-body-");
    let port = serve_http(body.clone());
    let out = fx.sh(&["--allow-port-forward", &port.to_string()], &format!("curl -sS --max-time 10 http://127.0.0.1:{port}/"));
    fx.assert_ran_clean(&out);
    assert_eq!(out.code, Some(0), "{out}");
    assert!(out.stdout.contains(&body), "{out}");
    // And once more with the proxy path on: NO_PROXY must keep localhost direct.
    let out = fx.sh(
        &["--allow-port-forward", &port.to_string(), "--allow-domain", "allowed.example"],
        &format!("curl -sS --max-time 10 http://127.0.0.1:{port}/"),
    );
    fx.assert_ran_clean(&out);
    assert!(out.stdout.contains(&body), "{out}");
}

#[test]
fn exit_status_and_stdio_pass_through() {
    require_sandbox!();
    let fx = Fx::new();
    let input = unique("stdin-line-");
    let out = run_with_timeout(
        fx.command(&[], &["sh", "-c", "cat; echo to-stderr >&2; exit 7"]),
        Some(format!("{input}\n").into_bytes()),
        TIMEOUT,
    );
    assert_eq!(out.code, Some(7), "{out}");
    assert_eq!(out.stdout, format!("{input}\n"), "{out}");
    assert!(out.stderr.contains("to-stderr"), "{out}");
    fx.assert_no_leak(&out);

    let out = fx.run(&[], &["true"]);
    assert_eq!(out.code, Some(0), "{out}");
    let out = fx.run(&[], &["/nonexistent/airlock-no-such-command"]);
    assert_eq!(out.code, Some(127), "{out}");
    fs::write(fx.ws.join("not-executable.sh"), "#!/bin/sh\necho hi\n").unwrap();
    let script = fx.ws.join("not-executable.sh");
    let out = fx.run(&[], &[script.to_str().unwrap()]);
    assert_eq!(out.code, Some(126), "{out}");
}

/// Starts `airlock run -- sh -c SCRIPT`, waits for `ready` on its stdout, sends SIGTERM to
/// `airlock run` itself, and returns its exit status and the rest of the output.
fn sigterm_during(fx: &Fx, script: &str) -> Out {
    let mut cmd = fx.command(&[], &["sh", "-c", script]);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let se = reader(child.stderr.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    if first.trim() != "ready" {
        let _ = child.kill();
        let _ = child.wait();
        panic!("the command did not start: {first:?}\n{}", se.join().unwrap());
    }
    let pid = child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let so = reader(stdout);
    let status = wait_until(&mut child, Duration::from_secs(20));
    let (rest, stderr) = (so.join().unwrap(), se.join().unwrap());
    let Some(status) = status else { panic!("`airlock run` ignored SIGTERM\n{rest}\n{stderr}") };
    Out { code: status.code().or_else(|| signal_of(&status).map(|s| 128 + s)), stdout: rest, stderr }
}

#[test]
fn sigterm_reaches_the_command() {
    require_sandbox!();
    let fx = Fx::new();
    // A command that traps it: its handler runs and its exit status comes back.
    let out = sigterm_during(&fx, "trap 'echo trapped > trapped.txt; exit 42' TERM; echo ready; while :; do sleep 0.05; done");
    assert_eq!(out.code, Some(42), "{out}");
    assert_eq!(fs::read_to_string(fx.ws.join("trapped.txt")).unwrap_or_default(), "trapped\n", "{out}");
    // A command that does not: it dies of it, and `airlock run` exits 128+15.
    let out = sigterm_during(&fx, "echo ready; exec sleep 30");
    assert_eq!(out.code, Some(143), "{out}");
}
