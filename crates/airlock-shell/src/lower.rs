//! Lowering: brush's AST to the flat list of commands that would run.

use crate::ir::{Arg, Cmd, Origin, PipePos, Redir, RedirOp};
use airlock_protocol::Span;
use brush_parser::ast;
use std::collections::HashMap;

/// Re-parse levels (`sh -c "eval '...'"`) followed before giving up.
pub const MAX_REPARSE_DEPTH: u32 = 8;
/// Commands collected before giving up (each one costs analysis time).
pub const MAX_COMMANDS: usize = 4096;
/// Nested command substitutions followed before giving up.
pub const MAX_SUBSTITUTION_NEST: u32 = 24;

/// A statically known shell variable.
#[derive(Debug, Clone, Default)]
pub struct Var {
    pub value: Option<String>,
    /// Commands whose output went into it (`X=$(env)`).
    pub from: Vec<usize>,
}

/// Something noticed while lowering that is not a command.
#[derive(Debug, Clone)]
pub enum Note {
    /// A piece of text could not be parsed as shell.
    ParseError {
        span: Span,
        message: String,
        depth: u32,
    },
    /// Too deep or too many commands: the rest was not analysed.
    Truncated { span: Span, why: String },
}

pub struct Lowerer {
    pub cmds: Vec<Cmd>,
    pub vars: HashMap<String, Var>,
    pub notes: Vec<Note>,
    /// Text of function bodies by name (calls are analysed through the body already lowered).
    pub functions: Vec<String>,
    pub(crate) opts: brush_parser::ParserOptions,
    pipelines: usize,
    /// Byte offset of each char index of the top-level source (empty when ASCII).
    char_to_byte: Vec<usize>,
    source_len: usize,
}

/// Lowering context for one parsed text.
#[derive(Clone, Copy)]
pub struct Frame {
    pub origin: Origin,
    pub depth: u32,
    pub parent: Option<usize>,
    /// When set, every span is this one (text that came from inside another word).
    pub span_override: Option<Span>,
    /// Offset of this text in the top-level source (for `$(...)` bodies at depth 0).
    pub base: usize,
    /// Nesting of command substitutions.
    pub nest: u32,
    /// Inside a substitution at some level: output is captured, not printed.
    pub captured: bool,
}

impl Lowerer {
    pub fn new(source: &str) -> Self {
        let char_to_byte = if source.is_ascii() {
            Vec::new()
        } else {
            source.char_indices().map(|(b, _)| b).collect()
        };
        Lowerer {
            cmds: Vec::new(),
            vars: HashMap::new(),
            notes: Vec::new(),
            functions: Vec::new(),
            opts: brush_parser::ParserOptions::default(),
            pipelines: 0,
            char_to_byte,
            source_len: source.len(),
        }
    }

    fn byte_at(&self, char_index: usize) -> usize {
        if self.char_to_byte.is_empty() {
            char_index.min(self.source_len)
        } else {
            self.char_to_byte
                .get(char_index)
                .copied()
                .unwrap_or(self.source_len)
        }
    }

    pub(crate) fn span_of(&self, loc: Option<&brush_parser::SourceSpan>, f: &Frame) -> Span {
        if let Some(s) = f.span_override {
            return s;
        }
        match loc {
            Some(l) if f.base == 0 => {
                Span::new(self.byte_at(l.start.index), self.byte_at(l.end.index))
            }
            Some(l) => Span::new(f.base + l.start.index, f.base + l.end.index),
            None => Span::new(f.base, f.base),
        }
    }

    pub fn budget_left(&self) -> bool {
        self.cmds.len() < MAX_COMMANDS
    }

    /// Parse and lower one text. Returns false when it did not parse.
    pub fn lower_text(&mut self, text: &str, f: Frame) -> bool {
        if f.nest > MAX_SUBSTITUTION_NEST {
            self.notes.push(Note::Truncated {
                span: f
                    .span_override
                    .unwrap_or(Span::new(f.base, f.base + text.len())),
                why: format!("more than {MAX_SUBSTITUTION_NEST} nested command substitutions"),
            });
            return false;
        }
        if f.depth > MAX_REPARSE_DEPTH {
            self.notes.push(Note::Truncated {
                span: f
                    .span_override
                    .unwrap_or(Span::new(f.base, f.base + text.len())),
                why: format!("more than {MAX_REPARSE_DEPTH} levels of nested shell strings"),
            });
            return false;
        }
        match parse_program(text, &self.opts) {
            Ok(program) => {
                for cc in &program.complete_commands {
                    self.compound_list(cc, f);
                }
                true
            }
            Err(e) => {
                // A multi-line text that fails as a whole: analyse each line that parses on its own.
                if text.contains('\n') && f.span_override.is_none() {
                    let mut offset = f.base;
                    for line in text.split('\n') {
                        let lf = Frame { base: offset, ..f };
                        offset += line.len() + 1;
                        if !line.trim().is_empty() {
                            if let Ok(program) = parse_program(line, &self.opts) {
                                for cc in &program.complete_commands {
                                    self.compound_list(cc, lf);
                                }
                            }
                        }
                    }
                }
                self.notes.push(Note::ParseError {
                    span: f
                        .span_override
                        .unwrap_or(Span::new(f.base, f.base + text.len())),
                    message: e,
                    depth: f.depth,
                });
                false
            }
        }
    }

    fn compound_list(&mut self, list: &ast::CompoundList, f: Frame) {
        for item in &list.0 {
            let background = matches!(item.1, ast::SeparatorOperator::Async);
            self.pipeline(&item.0.first, f, background);
            for next in &item.0.additional {
                match next {
                    ast::AndOr::And(p) | ast::AndOr::Or(p) => self.pipeline(p, f, background),
                }
            }
        }
    }

    fn pipeline(&mut self, p: &ast::Pipeline, f: Frame, background: bool) {
        let id = self.pipelines;
        self.pipelines += 1;
        let len = p.seq.len();
        for (index, c) in p.seq.iter().enumerate() {
            let pos = if len > 1 {
                Some(PipePos {
                    pipeline: id,
                    index,
                    len,
                })
            } else {
                None
            };
            self.command(c, f, pos, background);
        }
    }

    fn command(&mut self, c: &ast::Command, f: Frame, pipe: Option<PipePos>, background: bool) {
        if !self.budget_left() {
            return;
        }
        match c {
            ast::Command::Simple(s) => self.simple(s, f, pipe, background),
            ast::Command::Compound(cc, redirs) => {
                let first = self.cmds.len();
                self.compound(cc, f);
                // Redirections on a compound command apply to every command inside.
                if let Some(r) = redirs {
                    let lowered: Vec<Redir> =
                        r.0.iter().filter_map(|x| self.redirect(x, f)).collect();
                    for cmd in self.cmds.iter_mut().skip(first) {
                        cmd.redirects.extend(lowered.iter().cloned());
                        if cmd.pipe.is_none() {
                            cmd.pipe = pipe;
                        }
                    }
                } else if pipe.is_some() {
                    for cmd in self.cmds.iter_mut().skip(first) {
                        if cmd.pipe.is_none() {
                            cmd.pipe = pipe;
                        }
                    }
                }
            }
            ast::Command::Function(def) => {
                self.functions.push(def.fname.value.clone());
                let ff = Frame {
                    origin: Origin::Function,
                    ..f
                };
                self.compound(&def.body.0, ff);
            }
            ast::Command::ExtendedTest(t, _) => self.extended_test(&t.expr, f),
        }
    }

    fn extended_test(&mut self, e: &ast::ExtendedTestExpr, f: Frame) {
        match e {
            ast::ExtendedTestExpr::And(a, b) | ast::ExtendedTestExpr::Or(a, b) => {
                self.extended_test(a, f);
                self.extended_test(b, f);
            }
            ast::ExtendedTestExpr::Not(a) | ast::ExtendedTestExpr::Parenthesized(a) => {
                self.extended_test(a, f)
            }
            ast::ExtendedTestExpr::UnaryTest(_, w) => {
                let _ = self.word(w, f);
            }
            ast::ExtendedTestExpr::BinaryTest(_, a, b) => {
                let _ = self.word(a, f);
                let _ = self.word(b, f);
            }
        }
    }

    fn compound(&mut self, cc: &ast::CompoundCommand, f: Frame) {
        match cc {
            ast::CompoundCommand::BraceGroup(b) => self.compound_list(&b.list, f),
            ast::CompoundCommand::Subshell(s) => self.compound_list(&s.list, f),
            ast::CompoundCommand::ForClause(fc) => {
                let mut values = Vec::new();
                for w in fc.values.iter().flatten() {
                    values.push(self.word(w, f));
                }
                // The loop variable takes each value: static only when there is exactly one.
                let var = match values.as_slice() {
                    [one] => Var {
                        value: one.value.clone(),
                        from: one.substitutions.clone(),
                    },
                    many => Var {
                        value: None,
                        from: many.iter().flat_map(|a| a.substitutions.clone()).collect(),
                    },
                };
                self.vars.insert(fc.variable_name.clone(), var);
                self.compound_list(&fc.body.list, f);
            }
            ast::CompoundCommand::ArithmeticForClause(a) => self.compound_list(&a.body.list, f),
            ast::CompoundCommand::CaseClause(c) => {
                let _ = self.word(&c.value, f);
                for item in &c.cases {
                    if let Some(list) = &item.cmd {
                        self.compound_list(list, f);
                    }
                }
            }
            ast::CompoundCommand::IfClause(i) => {
                self.compound_list(&i.condition, f);
                self.compound_list(&i.then, f);
                for e in i.elses.iter().flatten() {
                    if let Some(c) = &e.condition {
                        self.compound_list(c, f);
                    }
                    self.compound_list(&e.body, f);
                }
            }
            ast::CompoundCommand::WhileClause(w) | ast::CompoundCommand::UntilClause(w) => {
                self.compound_list(&w.0, f);
                self.compound_list(&w.1.list, f);
            }
            ast::CompoundCommand::Coprocess(c) => self.command(&c.body, f, None, true),
            ast::CompoundCommand::Arithmetic(_) => {}
        }
    }

    fn simple(
        &mut self,
        s: &ast::SimpleCommand,
        f: Frame,
        pipe: Option<PipePos>,
        background: bool,
    ) {
        let mut env = Vec::new();
        let mut redirects = Vec::new();
        let mut words: Vec<Arg> = Vec::new();
        let mut assignments: Vec<(String, Arg)> = Vec::new();
        let items = s.prefix.iter().flat_map(|p| p.0.iter()).map(|i| (i, true));
        let items = items.chain(s.word_or_name.iter().map(|_| (&NAME_MARKER, false)));
        let items = items.chain(s.suffix.iter().flat_map(|x| x.0.iter()).map(|i| (i, false)));
        for (item, in_prefix) in items {
            if std::ptr::eq(item, &NAME_MARKER) {
                if let Some(w) = &s.word_or_name {
                    words.push(self.word(w, f));
                }
                continue;
            }
            match item {
                ast::CommandPrefixOrSuffixItem::IoRedirect(r) => {
                    if let Some(x) = self.redirect(r, f) {
                        redirects.push(x);
                    }
                }
                ast::CommandPrefixOrSuffixItem::Word(w) => words.push(self.word(w, f)),
                ast::CommandPrefixOrSuffixItem::AssignmentWord(a, w) => {
                    let value = self.assignment_value(a, f);
                    if in_prefix {
                        assignments.push((assignment_name(a), value));
                    } else {
                        // `export X=1`, `local X=1`, `declare X=1`: keep the word as an argument too.
                        let mut arg = self.word(w, f);
                        arg.substitutions
                            .extend(value.substitutions.iter().copied());
                        words.push(arg);
                        self.vars.insert(
                            assignment_name(a),
                            Var {
                                value: value.value.clone(),
                                from: value.substitutions.clone(),
                            },
                        );
                    }
                }
                ast::CommandPrefixOrSuffixItem::ProcessSubstitution(_, sub) => {
                    let ids = self.sub_list(&sub.list, f);
                    words.push(Arg {
                        raw: "<(...)".into(),
                        value: None,
                        approx: "/dev/fd/\u{1}".into(),
                        substitutions: ids,
                        span: self.span_of(Some(&sub.loc), &f),
                        ..Arg::default()
                    });
                }
            }
        }
        if words.is_empty() {
            // Bare assignments: they set variables for what follows.
            for (name, value) in &assignments {
                self.vars.insert(
                    name.clone(),
                    Var {
                        value: value.value.clone(),
                        from: value.substitutions.clone(),
                    },
                );
            }
            if redirects.is_empty() && assignments.iter().all(|(_, v)| v.substitutions.is_empty()) {
                return;
            }
            env = assignments;
        } else {
            env.append(&mut assignments);
        }
        let mut it = words.into_iter();
        let name_arg = it.next().unwrap_or_default();
        let span = {
            let start = name_arg
                .span
                .start
                .min(env.first().map(|(_, a)| a.span.start).unwrap_or(usize::MAX));
            let end = it
                .as_slice()
                .last()
                .map(|a| a.span.end)
                .unwrap_or(name_arg.span.end);
            Span::new(start.min(name_arg.span.start), end.max(name_arg.span.end))
        };
        let cmd = Cmd {
            id: self.cmds.len(),
            name: if name_arg.raw.is_empty() && name_arg.substitutions.is_empty() {
                None
            } else {
                name_arg.value.clone()
            },
            name_arg,
            args: it.collect(),
            env,
            redirects,
            origin: f.origin,
            pipe,
            wrappers: Vec::new(),
            wrapper_args: Vec::new(),
            parent: f.parent,
            depth: f.depth,
            background,
            captured: f.captured,
            piped_text: None,
            span,
        };
        crate::expand::push_command(self, cmd, f);
    }

    /// Add a fully built command (after wrapper expansion).
    pub fn push(&mut self, mut cmd: Cmd) -> usize {
        cmd.id = self.cmds.len();
        let id = cmd.id;
        if self.budget_left() {
            self.cmds.push(cmd);
        }
        id
    }

    fn assignment_value(&mut self, a: &ast::Assignment, f: Frame) -> Arg {
        match &a.value {
            ast::AssignmentValue::Scalar(w) => self.word(w, f),
            ast::AssignmentValue::Array(items) => {
                let mut out = Arg {
                    raw: "(...)".into(),
                    ..Arg::default()
                };
                for (_, w) in items {
                    let x = self.word(w, f);
                    out.substitutions.extend(x.substitutions);
                    out.vars.extend(x.vars);
                    out.approx.push_str(&x.approx);
                    out.approx.push(' ');
                }
                out
            }
        }
    }

    fn redirect(&mut self, r: &ast::IoRedirect, f: Frame) -> Option<Redir> {
        match r {
            ast::IoRedirect::File(fd, kind, target) => {
                let op = match kind {
                    ast::IoFileRedirectKind::Read => RedirOp::Read,
                    ast::IoFileRedirectKind::Write | ast::IoFileRedirectKind::Clobber => {
                        RedirOp::Write
                    }
                    ast::IoFileRedirectKind::Append => RedirOp::Append,
                    ast::IoFileRedirectKind::ReadAndWrite => RedirOp::ReadWrite,
                    ast::IoFileRedirectKind::DuplicateInput => RedirOp::DupIn,
                    ast::IoFileRedirectKind::DuplicateOutput => RedirOp::DupOut,
                };
                let target = match target {
                    ast::IoFileRedirectTarget::Filename(w)
                    | ast::IoFileRedirectTarget::Duplicate(w) => self.word(w, f),
                    ast::IoFileRedirectTarget::Fd(n) => Arg {
                        raw: n.to_string(),
                        value: Some(n.to_string()),
                        approx: n.to_string(),
                        ..Arg::default()
                    },
                    ast::IoFileRedirectTarget::ProcessSubstitution(_, sub) => {
                        let ids = self.sub_list(&sub.list, f);
                        Arg {
                            raw: "(...)".into(),
                            approx: "/dev/fd/\u{1}".into(),
                            substitutions: ids,
                            ..Arg::default()
                        }
                    }
                };
                Some(Redir {
                    fd: fd.map(|x| x),
                    op,
                    target,
                })
            }
            ast::IoRedirect::HereDocument(fd, doc) => {
                let mut body = if doc.requires_expansion {
                    self.heredoc_body(&doc.doc.value, f)
                } else {
                    let v = doc.doc.value.clone();
                    Arg {
                        raw: v.clone(),
                        value: Some(v.clone()),
                        approx: v,
                        ..Arg::default()
                    }
                };
                body.span = self.span_of(doc.doc.loc.as_ref(), &f);
                Some(Redir {
                    fd: fd.map(|x| x),
                    op: RedirOp::HereDoc,
                    target: body,
                })
            }
            ast::IoRedirect::HereString(fd, w) => Some(Redir {
                fd: fd.map(|x| x),
                op: RedirOp::HereString,
                target: self.word(w, f),
            }),
            ast::IoRedirect::OutputAndError(w, append) => Some(Redir {
                fd: Some(1),
                op: if *append {
                    RedirOp::Append
                } else {
                    RedirOp::Write
                },
                target: self.word(w, f),
            }),
        }
    }

    fn heredoc_body(&mut self, text: &str, f: Frame) -> Arg {
        let opts = &self.opts;
        match std::panic::catch_unwind(|| brush_parser::word::parse_heredoc(text, opts))
            .map_err(|_| ())
            .and_then(|r| r.map_err(|_| ()))
        {
            Ok(pieces) => {
                let mut arg = Arg {
                    raw: text.to_string(),
                    value: Some(String::new()),
                    ..Arg::default()
                };
                self.pieces(&pieces, &mut arg, f, false);
                arg
            }
            Err(_) => Arg {
                raw: text.to_string(),
                value: None,
                approx: text.to_string(),
                ..Arg::default()
            },
        }
    }

    /// Lower the commands of a `$(...)` / `<(...)` body already parsed by brush.
    fn sub_list(&mut self, list: &ast::CompoundList, f: Frame) -> Vec<usize> {
        let first = self.cmds.len();
        let ff = Frame {
            origin: Origin::Substitution,
            nest: f.nest + 1,
            captured: true,
            ..f
        };
        if ff.nest > MAX_SUBSTITUTION_NEST {
            self.notes.push(Note::Truncated {
                span: Span::new(f.base, f.base),
                why: "too many nested substitutions".into(),
            });
            return Vec::new();
        }
        self.compound_list(list, ff);
        (first..self.cmds.len()).collect()
    }

    /// Parse and lower the text of a command substitution.
    pub(crate) fn sub_text(&mut self, text: &str, f: Frame, span: Span) -> Vec<usize> {
        let first = self.cmds.len();
        let ff = Frame {
            origin: Origin::Substitution,
            span_override: Some(span),
            nest: f.nest + 1,
            captured: true,
            ..f
        };
        self.lower_text(text, ff);
        (first..self.cmds.len()).collect()
    }
}

/// Parse a program; a parser panic (a bug in the parser on hostile input) is a parse error, never a crash.
fn parse_program(text: &str, opts: &brush_parser::ParserOptions) -> Result<ast::Program, String> {
    let run = || {
        // `&[u8]` is already a `BufRead`: no 8 KiB buffer per parse.
        let mut parser = brush_parser::Parser::new(text.as_bytes(), opts);
        parser.parse_program().map_err(|e| e.to_string())
    };
    std::panic::catch_unwind(run)
        .unwrap_or_else(|_| Err("the shell parser failed on this input".to_string()))
}

static NAME_MARKER: ast::CommandPrefixOrSuffixItem =
    ast::CommandPrefixOrSuffixItem::Word(ast::Word {
        value: String::new(),
        loc: None,
    });

fn assignment_name(a: &ast::Assignment) -> String {
    match &a.name {
        ast::AssignmentName::VariableName(n) => n.clone(),
        ast::AssignmentName::ArrayElementName(n, _) => n.clone(),
    }
}
