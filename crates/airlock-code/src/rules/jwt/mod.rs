//! JSON Web Token verification: algorithm confusion, `none`, and
//! verification switched off or skipped.
pub mod jwt001;
pub mod jwt002;
pub mod jwt003;
pub mod jwt004;
pub mod jwt005;
pub mod jwt006;

use crate::rules::util::{alg_kind, calls, AlgKind};
use crate::syntax::{elements_text, N};
use crate::unit::Unit;

/// Every list of algorithm names in the unit, with the node to report and its
/// element texts: list/array/slice literals, `vec![...]`, `List.of(...)`,
/// `Set.of(...)`, `Arrays.asList(...)`.
pub(crate) fn algorithm_lists<'t>(unit: &Unit<'t>) -> Vec<(N<'t>, Vec<String>)> {
    let mut out = Vec::new();
    let Some(facts) = unit.facts() else { return out };
    for s in &facts.sequences {
        let items = elements_text(s);
        if items.iter().any(|i| alg_kind(i).is_some()) {
            out.push((s.clone(), items));
        }
    }
    for c in calls(unit) {
        let seq_call = matches!(
            c.name.as_str(),
            "vec" | "of" | "asList" | "setOf" | "listOf" | "hashSetOf" | "newHashSet" | "copyOf"
        );
        if !seq_call {
            continue;
        }
        let items: Vec<String> = if c.callee.ends_with('!') {
            c.node
                .children()
                .find(|n| n.kind() == "token_tree")
                .map(|tt| elements_text(&tt))
                .unwrap_or_default()
        } else {
            c.positional().map(|a| a.text().to_string()).collect()
        };
        if items.iter().any(|i| alg_kind(i).is_some()) {
            out.push((c.node.clone(), items));
        }
    }
    out
}

/// The algorithm names of a list, classified.
pub(crate) fn kinds(items: &[String]) -> Vec<(String, AlgKind)> {
    items
        .iter()
        .filter_map(|i| alg_kind(i).map(|k| (i.trim_matches(['"', '\'']).to_string(), k)))
        .collect()
}
