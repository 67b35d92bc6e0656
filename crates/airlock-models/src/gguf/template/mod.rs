//! Chat templates (`tokenizer.chat_template`, `tokenizer.chat_template.<name>`,
//! and `chat_template` in a Hugging Face `tokenizer_config.json`): Jinja programs
//! an engine runs on every conversation. Two kinds of problem:
//!
//! - **Escapes** from the template engine (always [`Severity::Unsafe`]: with an
//!   unsandboxed engine they run code in the serving process; a sandboxed one
//!   refuses them, and a template that tries has no honest purpose).
//! - **Injected instructions**: text the template adds to every conversation
//!   that the conversation did not contain. The principle: text that acts against
//!   the user on its own (tells the model to hide something, exfiltrate, run a
//!   command, ignore its instructions; a tool call with a fixed function; a trigger
//!   that adds sentences when a message holds a magic string; characters that hide
//!   or reorder text) is **unsafe**. Text with honest uses that a person should
//!   read (a URL, a trigger adding a few words, zero-width characters, a mention
//!   of credentials) is a **warning**. A plain default system prompt is **info**.
//!
//! | code | severity | what |
//! | --- | --- | --- |
//! | TPL000 | the worst of those not listed | more than 50 findings in one template: the rest are counted |
//! | TPL001 | unsafe | a dunder or interpreter attribute (`__class__`, `__globals__`, `mro`, ...) reached directly, by subscript, by an attribute filter, or spelled in a string (escapes decoded, concatenations folded) |
//! | TPL002 | unsafe | a private attribute (leading `_`) reached the same ways, or through a format string |
//! | TPL003 | unsafe | an attribute or key name computed while rendering (string operations, variables built from strings), or a string escape that cannot be decoded here |
//! | TPL004 | unsafe / warning | attributes of the engine objects `cycler`, `joiner`, `namespace`, `lipsum`, `range`, `dict`, `self`, ... (unsafe); a mention of `lipsum`, `cycler`, `joiner`, `self`, `config`, `request` (warning) |
//! | TPL005 | unsafe | `import`, `from ... import`, `include`, `extends` |
//! | TPL006 | warning | the template does not parse: not checked (an engine refuses it too) |
//! | TPL100 | info | fixed text the template adds (a default system prompt, tool instructions) |
//! | TPL101 | unsafe / warning | invisible characters: Unicode tags or bidi controls (unsafe); zero-width and other format characters (warning) |
//! | TPL102 | unsafe / warning | emitted text telling the model to hide things from the user, exfiltrate, run commands or ignore its instructions (unsafe); a mention of credentials (warning) |
//! | TPL103 | unsafe | a literal tool call: tool-call markup or JSON with a fixed function name |
//! | TPL104 | unsafe / warning | a trigger: a condition comparing message content with a literal string that then emits extra sentences (unsafe) or other text (warning) |
//! | TPL105 | warning / unsafe | a URL in emitted text (unsafe as a markdown image, which clients fetch on their own) |

mod escape;
mod inject;
pub mod lexer;

use std::collections::HashSet;

use crate::{Finding, Severity};

/// Findings about one template, located by template name and line.
pub(super) struct Ctx<'a> {
    name: &'a str,
    line_starts: Vec<usize>,
    out: Vec<Finding>,
    seen: HashSet<(&'static str, String)>,
    /// Findings past [`MAX_FINDINGS`]: counted, not kept.
    more: usize,
    worst_more: Severity,
}

impl Ctx<'_> {
    fn line(&self, at: usize) -> usize {
        self.line_starts.partition_point(|&s| s <= at)
    }

    pub(super) fn push(&mut self, at: usize, f: Finding) {
        if self.out.len() >= MAX_FINDINGS {
            // Counted, not kept (nor deduplicated: memory stays bounded).
            self.more += 1;
            self.worst_more = self.worst_more.max(f.severity);
            return;
        }
        let f = f.at(format!("{} line {}", self.name, self.line(at)));
        if self.seen.insert((f.code, format!("{}|{}", f.message, f.location.as_deref().unwrap_or_default()))) {
            self.out.push(f);
        }
    }
}

/// At most this many findings per template are listed (a template of a megabyte
/// of `__class__` is one problem).
const MAX_FINDINGS: usize = 50;

/// Checks one chat template. `name` is where it came from (a GGUF key, a file and
/// field): it becomes the findings' location, with the line.
pub fn check_chat_template(name: &str, text: &str, out: &mut Vec<Finding>) {
    let mut line_starts = vec![0];
    line_starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
    let mut cx = Ctx { name, line_starts, out: Vec::new(), seen: HashSet::new(), more: 0, worst_more: Severity::Info };
    inject::invisible(text, 0, &mut cx);
    match lexer::split(text) {
        Ok(parts) => {
            escape::check(&parts, &mut cx);
            inject::check(&parts, &mut cx);
        }
        Err(e) => {
            cx.push(e.at, Finding::warning("TPL006", format!("template does not parse ({}): not checked", e.what)));
            // Still look for the plainest escapes in the raw text.
            for d in ["__class__", "__globals__", "__subclasses__", "__builtins__", "__import__", "__mro__", "__init__"] {
                if let Some(at) = memchr::memmem::find(text.as_bytes(), d.as_bytes()) {
                    cx.push(at, Finding::unsafe_("TPL001", format!("`{d}` in a template that does not parse")));
                }
            }
        }
    }
    out.extend(cx.out);
    if cx.more > 0 {
        out.push(Finding::new(cx.worst_more, "TPL000", format!("{} more findings in this template not listed", cx.more)).at(name));
    }
}
