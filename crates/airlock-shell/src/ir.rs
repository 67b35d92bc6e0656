//! The analysis' view of a command line: every simple command that would run,
//! flattened, with its words resolved as far as they statically can be.

use airlock_protocol::Span;

/// Where a command sits relative to the text the user gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Part of the command line itself (lists, pipelines, bodies of if/for/while, subshells).
    Direct,
    /// Inside `$(...)`, backticks or `<(...)`/`>(...)`.
    Substitution,
    /// The body of a function definition (runs if called; analysed as if it does).
    Function,
    /// Re-parsed from a string given to `sh -c`, `eval`, `su -c`, `ssh host CMD` and the like.
    Reparsed,
    /// Decoded from a literal payload (`echo BASE64 | base64 -d | sh`).
    Decoded,
}

/// One word, as written and as far as it resolves.
#[derive(Debug, Clone, Default)]
pub struct Arg {
    /// The word as written in the source.
    pub raw: String,
    /// The value after quote removal and static expansion, if fully static.
    pub value: Option<String>,
    /// A best-effort value with unknown parts replaced by `\u{1}` (for substring checks).
    pub approx: String,
    /// Ids of the commands run by substitutions inside this word.
    pub substitutions: Vec<usize>,
    /// Variables the word expands (`$X`, `${X}`...).
    pub vars: Vec<String>,
    /// The word contained obfuscation that resolved (quote splitting inside a name, ANSI-C escapes, `${IFS}`).
    pub obfuscated: bool,
    pub span: Span,
}

impl Arg {
    /// The resolved value, or the approximation when not fully static.
    pub fn text(&self) -> &str {
        self.value.as_deref().unwrap_or(&self.approx)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedirOp {
    Read,
    Write,
    Append,
    ReadWrite,
    DupIn,
    DupOut,
    HereDoc,
    HereString,
}

#[derive(Debug, Clone)]
pub struct Redir {
    pub fd: Option<i32>,
    pub op: RedirOp,
    /// Target file (or fd text); for here-documents and here-strings, the body.
    pub target: Arg,
}

impl Redir {
    pub fn is_output(&self) -> bool {
        matches!(
            self.op,
            RedirOp::Write | RedirOp::Append | RedirOp::ReadWrite
        )
    }
    pub fn is_input(&self) -> bool {
        matches!(
            self.op,
            RedirOp::Read | RedirOp::ReadWrite | RedirOp::HereDoc | RedirOp::HereString
        )
    }
}

/// Position in a pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PipePos {
    pub pipeline: usize,
    pub index: usize,
    pub len: usize,
}

/// One simple command that would run.
#[derive(Debug, Clone)]
pub struct Cmd {
    pub id: usize,
    /// The command name as resolved (e.g. `/usr/bin/curl`), if static.
    pub name: Option<String>,
    /// The name word as written.
    pub name_arg: Arg,
    /// Arguments after the name (wrappers already stripped).
    pub args: Vec<Arg>,
    /// `VAR=value` words before the name.
    pub env: Vec<(String, Arg)>,
    pub redirects: Vec<Redir>,
    pub origin: Origin,
    pub pipe: Option<PipePos>,
    /// Wrappers that were peeled off (`sudo`, `timeout`, `xargs`, ...).
    pub wrappers: Vec<String>,
    /// The wrappers' own arguments (`strace -o FILE`, `systemd-run --on-calendar X`).
    pub wrapper_args: Vec<Arg>,
    /// The command whose substitution or string this one came from.
    pub parent: Option<usize>,
    /// How many re-parse levels deep.
    pub depth: u32,
    /// Runs in the background (`&`).
    pub background: bool,
    /// Its output is captured by a substitution (not printed).
    pub captured: bool,
    /// Text piped into it when the earlier pipeline stages print something static.
    pub piped_text: Option<String>,
    pub span: Span,
}

impl Cmd {
    /// The program's base name (`/usr/bin/curl` -> `curl`), lower-cased only for matching tables.
    pub fn base(&self) -> Option<&str> {
        // Called by nearly every rule for every command: a byte scan from the end beats the
        // general `rsplit` searcher on names this short.
        self.name
            .as_deref()
            .map(|n| match n.as_bytes().iter().rposition(|&b| b == b'/') {
                Some(i) => n.get(i + 1..).unwrap_or(n),
                None => n,
            })
    }

    pub fn is(&self, names: &[&str]) -> bool {
        self.base().is_some_and(|b| names.contains(&b))
    }

    /// Static argument values (unknown ones as their approximation).
    pub fn arg_texts(&self) -> impl Iterator<Item = &str> {
        self.args.iter().map(|a| a.text())
    }

    pub fn has_flag(&self, flags: &[&str]) -> bool {
        self.arg_texts().any(|a| {
            flags.contains(&a)
                || flags
                    .iter()
                    .any(|f| f.starts_with("--") && a.starts_with(&format!("{f}=")))
        })
    }

    /// Value following an option (`-o FILE`, `--output FILE`, `--output=FILE`).
    pub fn option_value(&self, opts: &[&str]) -> Option<&Arg> {
        let mut it = self.args.iter();
        while let Some(a) = it.next() {
            let t = a.text();
            if opts.contains(&t) {
                return it.next();
            }
        }
        None
    }
}
