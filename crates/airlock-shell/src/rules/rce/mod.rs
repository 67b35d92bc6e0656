//! Rules over code fetched or decoded at run time and executed.
pub mod rce001;
pub mod rce002;
pub mod rce003;
pub mod rce004;

use crate::analysis::Analysis;
use crate::facts;
use crate::ir::Cmd;
use crate::rules::util;

/// Commands that execute code given to them as data: shells and interpreters reading stdin,
/// `eval`, `source`, and shells or interpreters whose `-c`/`-e` code is built from substitutions.
pub(crate) fn executors<'a>(a: &'a Analysis) -> impl Iterator<Item = &'a Cmd> {
    a.cmds.iter().filter(|c| {
        let Some(b) = c.base() else { return false };
        if util::executes_stdin(c) || matches!(b, "eval" | "source" | ".") {
            return true;
        }
        (facts::is_shell(b) || facts::interpreter_lang(b).is_some())
            && (c.args.iter().any(|x| !x.substitutions.is_empty())
                || c.args.windows(2).any(|w| {
                    matches!(w.first().map(|x| x.text()), Some("-c" | "-e"))
                        && w.get(1).is_some_and(|x| x.value.is_none())
                }))
    })
}
