//! The lowered command line plus dataflow: for each command, what secret data
//! it reads itself and what reaches it (through pipes, substitutions,
//! variables and files written earlier in the same line).

use crate::facts::{self, Secret};
use crate::interp;
use crate::ir::{Cmd, Origin, RedirOp};
use crate::lower::Note;
use crate::Context;
use std::collections::HashMap;

/// Kinds of sensitive data, as bits.
pub mod kind {
    pub const ENV: u8 = 1;
    pub const CREDENTIAL: u8 = 2;
    pub const SYSTEM_SECRET: u8 = 4;
    pub const SECRET_VAR: u8 = 8;
    pub const ACCOUNTS: u8 = 16;
}

/// Sensitive data and a description of where it came from.
#[derive(Debug, Clone, Default)]
pub struct Taint {
    pub kinds: u8,
    pub what: Vec<String>,
}

impl Taint {
    pub fn is_empty(&self) -> bool {
        self.kinds == 0
    }
    pub fn add(&mut self, k: u8, what: impl Into<String>) {
        self.kinds |= k;
        let w = what.into();
        if !self.what.contains(&w) && self.what.len() < 4 {
            self.what.push(w);
        }
    }
    pub fn merge(&mut self, other: &Taint) {
        self.kinds |= other.kinds;
        for w in &other.what {
            if !self.what.contains(w) && self.what.len() < 4 {
                self.what.push(w.clone());
            }
        }
    }
    /// Secrets proper (not the account list).
    pub fn is_secret(&self) -> bool {
        self.kinds & !kind::ACCOUNTS != 0
    }
    pub fn describe(&self) -> String {
        self.what.join(", ")
    }
}

pub struct Analysis<'a> {
    pub source: &'a str,
    pub ctx: &'a Context<'a>,
    pub cmds: Vec<Cmd>,
    pub notes: Vec<Note>,
    /// Sensitive data each command reads by itself.
    pub reads: Vec<Taint>,
    /// Sensitive data reaching each command from elsewhere (stdin, substitutions, variables, files).
    pub input: Vec<Taint>,
    /// `reads ∪ input`: what its output may carry.
    pub output: Vec<Taint>,
    /// Inline interpreter code of each command and what it does (computed once).
    pub code: Vec<Option<(interp::Code, interp::CodeFacts)>>,
    /// Paths each command writes (computed once).
    pub writes: Vec<Vec<String>>,
}

/// Programs whose file arguments are not read into their output.
fn non_reading(base: &str) -> bool {
    matches!(
        base,
        "ls" | "stat"
            | "test"
            | "["
            | "du"
            | "readlink"
            | "realpath"
            | "chmod"
            | "chown"
            | "chgrp"
            | "mkdir"
            | "touch"
            | "rm"
            | "rmdir"
            | "cd"
            | "ln"
            | "echo"
            | "file"
            | "lsattr"
            | "wc"
            | "find"
            | "basename"
            | "dirname"
            | "shred"
            | "unlink"
            | "srm"
            | "chattr"
            | "chflags"
            | "setfacl"
            | "getfacl"
            | "ssh-keygen"
            | "ssh-add"
            | "ssh"
            | "exa"
            | "eza"
            | "tree"
            | "git"
            | "security"
            | "dotenv"
            | "dotenvx"
            | "env-cmd"
            | "direnv"
            | "docker"
            | "docker-compose"
            | "podman"
            | "source"
            | "."
    )
}

impl<'a> Analysis<'a> {
    pub fn new(source: &'a str, ctx: &'a Context<'a>, cmds: Vec<Cmd>, notes: Vec<Note>) -> Self {
        let n = cmds.len();
        let code = cmds
            .iter()
            .map(|c| {
                interp::inline_code(c).map(|code| {
                    let f = interp::scan(&code.text);
                    (code, f)
                })
            })
            .collect();
        let writes = cmds.iter().map(crate::rules::util::written_paths).collect();
        let mut a = Analysis {
            source,
            ctx,
            cmds,
            notes,
            reads: vec![Taint::default(); n],
            input: vec![Taint::default(); n],
            output: vec![Taint::default(); n],
            code,
            writes,
        };
        a.flow();
        a
    }

    fn flow(&mut self) {
        let mut files: HashMap<String, Taint> = HashMap::new();
        // Last command seen at each (pipeline, index) so later stages find their predecessor.
        let mut stage_out: HashMap<(usize, usize), Taint> = HashMap::new();
        for i in 0..self.cmds.len() {
            let Some(cmd) = self.cmds.get(i) else {
                continue;
            };
            let reads = own_reads(cmd, self.code.get(i).and_then(|c| c.as_ref()), &files);
            let mut stdin = Taint::default();
            if let Some(p) = cmd.pipe {
                if p.index > 0 {
                    if let Some(t) = stage_out.get(&(p.pipeline, p.index - 1)) {
                        stdin.merge(t);
                    }
                }
            }
            let mut input = Taint::default();
            for a in cmd
                .args
                .iter()
                .chain(std::iter::once(&cmd.name_arg))
                .chain(cmd.redirects.iter().map(|r| &r.target))
                .chain(cmd.env.iter().map(|(_, a)| a))
            {
                for s in &a.substitutions {
                    if let Some(t) = self.output.get(*s) {
                        input.merge(t);
                    }
                }
            }
            // Commands re-parsed from a string inherit what flowed into the string's owner.
            if matches!(cmd.origin, Origin::Reparsed | Origin::Decoded) {
                if let Some(parent) = cmd.parent.and_then(|p| self.input.get(p)) {
                    let parent = parent.clone();
                    input.merge(&parent);
                }
            }
            let mut output = reads.clone();
            output.merge(&stdin);
            // Arguments reach standard output only through programs that print them.
            if cmd.is(&["echo", "printf", "print", "printenv", "cat", "tee", "xargs"])
                || cmd.wrappers.iter().any(|w| w == "xargs")
            {
                output.merge(&input);
            }
            input.merge(&stdin);
            for r in &cmd.redirects {
                if r.is_output() && r.fd.unwrap_or(1) == 1 {
                    if let Some(v) = &r.target.value {
                        files
                            .entry(facts::normalize_path(v))
                            .or_default()
                            .merge(&output);
                    }
                }
            }
            if let Some(p) = cmd.pipe {
                stage_out
                    .entry((p.pipeline, p.index))
                    .or_default()
                    .merge(&output);
            }
            // `tee FILE` and `cp SRC DST` carry data into files too.
            if cmd.is(&["tee"]) {
                for a in cmd.args.iter().filter(|a| !a.text().starts_with('-')) {
                    if let Some(v) = &a.value {
                        files
                            .entry(facts::normalize_path(v))
                            .or_default()
                            .merge(&output);
                    }
                }
            }
            if cmd.is(&["cp", "mv", "cat"]) && !reads.is_empty() {
                if let Some(dst) = cmd
                    .args
                    .iter()
                    .rev()
                    .find(|a| !a.text().starts_with('-'))
                    .and_then(|a| a.value.clone())
                {
                    files
                        .entry(facts::normalize_path(&dst))
                        .or_default()
                        .merge(&reads);
                }
            }
            if let Some(slot) = self.reads.get_mut(i) {
                *slot = reads;
            }
            if let Some(slot) = self.input.get_mut(i) {
                *slot = input;
            }
            if let Some(slot) = self.output.get_mut(i) {
                *slot = output;
            }
        }
    }

    /// The command's inline code and its facts, if it runs any.
    pub fn code_of(&self, cmd: &Cmd) -> Option<(&interp::Code, &interp::CodeFacts)> {
        self.code
            .get(cmd.id)
            .and_then(|c| c.as_ref())
            .map(|(c, f)| (c, f))
    }

    /// Paths the command writes.
    pub fn writes_of(&self, cmd: &Cmd) -> &[String] {
        self.writes.get(cmd.id).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Whether any command with the given predicate exists.
    pub fn any(&self, f: impl Fn(&Cmd) -> bool) -> bool {
        self.cmds.iter().any(f)
    }
}

/// What one command reads by itself.
fn own_reads(
    cmd: &Cmd,
    code: Option<&(interp::Code, interp::CodeFacts)>,
    files: &HashMap<String, Taint>,
) -> Taint {
    let mut t = Taint::default();
    // System secrets named anywhere inside any word (`-C 'Include /etc/shadow'`, `file:///etc/shadow`,
    // a here-document), by any program that does more than look at names.
    if !cmd.base().is_some_and(facts::is_lookup) {
        let words = cmd
            .args
            .iter()
            .chain(std::iter::once(&cmd.name_arg))
            .chain(cmd.wrapper_args.iter())
            .chain(cmd.env.iter().map(|(_, a)| a))
            .chain(cmd.redirects.iter().map(|r| &r.target));
        for w in words {
            for tok in facts::path_tokens(w.text()) {
                if facts::is_system_secret(tok) {
                    t.add(kind::SYSTEM_SECRET, tok.to_string());
                }
            }
        }
    }
    let Some(base) = cmd.base() else {
        // `< file` with no command still reads the file (zsh prints it).
        for r in cmd.redirects.iter().filter(|r| r.is_input()) {
            mark_path(&mut t, r.target.text());
        }
        return t;
    };
    let texts: Vec<&str> = cmd.arg_texts().collect();
    if facts::is_env_dump(base, &texts) {
        t.add(kind::ENV, format!("the environment (`{base}`)"));
    }
    if let Some((code, facts)) = code {
        if facts.env {
            t.add(
                kind::ENV,
                format!("the environment (read by {} code)", code.lang),
            );
        }
        for p in &facts.secret_paths {
            t.add(kind::CREDENTIAL, p.clone());
        }
    }
    let reading = !non_reading(base);
    for a in &cmd.args {
        let text = a.text();
        // `--data @file`, `-F name=@file`, `key=@file`.
        let candidates = std::iter::once(text)
            .chain(text.split_once('@').map(|(_, f)| f))
            .chain(text.split_once('=').map(|(_, f)| f));
        for c in candidates {
            if reading {
                mark_path(&mut t, c);
            }
            if files.is_empty() {
                continue;
            }
            if let Some(ft) = files.get(&facts::normalize_path(c.trim_start_matches('@'))) {
                t.merge(ft);
            }
        }
        for v in &a.vars {
            if facts::is_secret_var(v) && !matches!(base, "test" | "[" | "[[") {
                t.add(kind::SECRET_VAR, format!("${v}"));
            }
        }
    }
    for r in &cmd.redirects {
        if r.is_input() {
            if matches!(r.op, RedirOp::Read | RedirOp::ReadWrite) {
                mark_path(&mut t, r.target.text());
                if !files.is_empty() {
                    if let Some(ft) = files.get(&facts::normalize_path(r.target.text())) {
                        t.merge(ft);
                    }
                }
            }
            for v in &r.target.vars {
                if facts::is_secret_var(v) {
                    t.add(kind::SECRET_VAR, format!("${v}"));
                }
            }
        }
    }
    t
}

fn mark_path(t: &mut Taint, p: &str) {
    match facts::secret_path(p) {
        Some(Secret::Credential) => t.add(kind::CREDENTIAL, p.to_string()),
        Some(Secret::SystemSecret) => t.add(kind::SYSTEM_SECRET, p.to_string()),
        Some(Secret::Environ) => t.add(kind::ENV, p.to_string()),
        Some(Secret::Accounts) => t.add(kind::ACCOUNTS, p.to_string()),
        None => {}
    }
}
