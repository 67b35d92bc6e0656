//! Generated hostile input: no panic, and a verdict for every input (a cheap, always-run companion
//! to the cargo-fuzz target in fuzz/).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use airlock_config::Policy;
use airlock_shell::{analyze, Context};

struct XorShift(u64);
impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

const PIECES: &[&str] = &[
    "curl",
    " ",
    "-d",
    "\"",
    "'",
    "$(",
    ")",
    "`",
    "<(",
    "${",
    "}",
    "|",
    "||",
    "&&",
    ";",
    "&",
    "\n",
    "<<EOF\n",
    "EOF",
    "<<<",
    ">",
    ">>",
    "2>&1",
    "$'\\x63'",
    "${IFS}",
    "env",
    "cat",
    "~/.ssh/id_rsa",
    "/etc/shadow",
    "bash -c",
    "eval",
    "sh",
    "python3 -c",
    "base64 -d",
    "/dev/tcp/1.2.3.4/5",
    "sudo",
    "xargs",
    "find . -exec",
    "\\;",
    "{",
    "(",
    "if",
    "then",
    "fi",
    "for x in",
    "do",
    "done",
    "case",
    "esac",
    "$X",
    "X=",
    "#",
    "\\",
    "é",
    "\u{0}",
    "*",
    "?",
    "[",
    "]",
    "!",
    "function f",
    "((",
    "))",
    "$((1+",
    "[[",
    "]]",
];

#[test]
fn generated_inputs_never_panic() {
    let policy = Policy::default();
    let ctx = Context {
        policy: &policy,
        cwd: None,
        home: None,
    };
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    for _ in 0..3000 {
        let n = 1 + (rng.next() % 40) as usize;
        let text: String = (0..n).map(|_| rng.pick(PIECES)).collect();
        for f in analyze(&text, &ctx) {
            if let Some(s) = f.span {
                assert!(
                    s.start <= s.end && s.end <= text.len() + 1,
                    "bad span {s:?} for {text:?}"
                );
            }
        }
    }
}

#[test]
fn random_bytes_never_panic() {
    let policy = Policy::default();
    let ctx = Context {
        policy: &policy,
        cwd: None,
        home: None,
    };
    let mut rng = XorShift(42);
    for _ in 0..2000 {
        let n = (rng.next() % 200) as usize;
        let bytes: Vec<u8> = (0..n).map(|_| (rng.next() & 0xff) as u8).collect();
        let text = String::from_utf8_lossy(&bytes);
        let _ = analyze(&text, &ctx);
    }
}

/// Crashes found by `cargo fuzz run analyze`, kept as regression inputs.
#[test]
fn fuzz_regressions() {
    let policy = Policy::default();
    let ctx = Context {
        policy: &policy,
        cwd: None,
        home: None,
    };
    // brush-parser 0.4 panicked on an I/O number that overflows i32.
    // It also looped without bound on a here-document delimiter made of a carriage return.
    // And it backtracked exponentially on unbalanced runs of `(`.
    let cases: [&[u8]; 9] = [
        b"~22222222222222222222222222222222",
        b"<<%gk`;\x22\xef\xbf]\x22`\x83\xdekk<\x0a<='\x93\x9a((((((((((((((((((((((((((((\xf2((\x83(((((((\x0a(((((((((((((((((((\xf2((\x83(((((((\x0a",
        b"((\"+\"\xce(.\n((((((((((((((((((((( (()(\xce(\xce(.\n(( ()",
        b"8777777777>|\xba\xba+\n",
        b"echo 99999999999<x",
        b"f 2147483648>&1",
        b"<<\r<<\r\xe1\t\xe1\t",
        b"cat <<\r ",
        b"<<\x0c ",
    ];
    for case in cases {
        let text = String::from_utf8_lossy(case);
        let findings = analyze(&text, &ctx);
        assert!(
            !findings.is_empty(),
            "{text:?} must not be allowed silently"
        );
    }
}
