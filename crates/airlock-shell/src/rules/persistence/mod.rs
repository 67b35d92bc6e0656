//! Rules over code planted to run later: startup files, schedulers, services, keys, hooks, preloads, policy files.
pub mod per001;
pub mod per002;
pub mod per003;
pub mod per004;
pub mod per005;
pub mod pol001;

use crate::analysis::Analysis;
use crate::facts::{self, Persist};
use crate::ir::Cmd;

/// Every (command, path) where a command writes a path of the given persistence kind.
pub(crate) fn writes_to<'a>(
    a: &'a Analysis,
    kinds: &'a [Persist],
) -> impl Iterator<Item = (&'a Cmd, String)> + 'a {
    a.cmds.iter().flat_map(move |c| writes_to_one(a, c, kinds))
}

/// Where one command writes a path of the given persistence kinds.
pub(crate) fn writes_to_one<'a>(
    a: &Analysis,
    c: &'a Cmd,
    kinds: &[Persist],
) -> Vec<(&'a Cmd, String)> {
    {
        let mut hits: Vec<(&Cmd, String)> = a
            .writes_of(c)
            .iter()
            .cloned()
            .filter_map(|t| {
                let v = t
                    .split_once('=')
                    .filter(|(k, _)| !k.contains('/'))
                    .map(|(_, v)| v.to_string())
                    .unwrap_or(t);
                facts::persistence_path(&v)
                    .filter(|k| kinds.contains(k))
                    .map(|_| (c, v))
            })
            .collect();
        // Interpreter code that opens such a path for writing.
        if let Some((code, f)) = a.code_of(c) {
            if f.writes_files {
                for tok in code.text.split(|ch: char| {
                    ch.is_whitespace() || matches!(ch, '"' | '\'' | '(' | ')' | ',')
                }) {
                    if facts::persistence_path(tok).is_some_and(|k| kinds.contains(&k)) {
                        hits.push((c, tok.to_string()));
                    }
                }
            }
        }
        hits
    }
}
