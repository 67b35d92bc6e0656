//! PKG003: a dependency named one edit away from a popular package.

use super::{dependencies, NPM_POPULAR, PYPI_POPULAR};
use crate::lang::Lang::*;
use crate::rules::{fx, CodeRuleMeta};
use crate::unit::Unit;
use airlock_protocol::{Category, Decision, Finding, Severity, Span};

pub static META: CodeRuleMeta = CodeRuleMeta {
    code: "PKG003",
    name: "typosquatted-dependency",
    category: Category::SupplyChain,
    severity: Severity::High,
    decision: Decision::Ask,
    langs: &[PackageJson, Requirements, PythonConfig],
    summary: "A dependency whose name is one insertion, deletion, substitution or swap away from a widely used package \
              (`reqeusts`, `lodahs`, `expresss`).",
    why: "Typosquats are published to catch exactly this slip, and they run install-time code the moment they are installed.",
    example: "reqeusts==2.31.0",
    instead: "Use the package's exact name; check the registry page (downloads, maintainer, repository) before adding a new dependency.",
    references: &["CWE-1357", "CWE-829"],
    flags: &[
        fx(Requirements, "reqeusts==2.31.0\n"),
        fx(PackageJson, "{\"dependencies\": {\"expresss\": \"^4.18.0\"}}"),
    ],
    passes: &[
        fx(Requirements, "requests==2.31.0\nrich==13.7.0\n"),
        fx(PackageJson, "{\"dependencies\": {\"express\": \"^4.18.0\", \"react-dom\": \"^18.0.0\"}}"),
    ],
};

/// Whether `a` and `b` are one edit apart: one substitution, insertion, deletion or swap of
/// neighbours (optimal string alignment distance at most 1).
fn within_one(a: &str, b: &str) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let (ra, rb) = (a.get(prefix..).unwrap_or_default(), b.get(prefix..).unwrap_or_default());
    match (ra.len(), rb.len()) {
        (la, lb) if la == lb => {
            ra.get(1..) == rb.get(1..)
                || matches!((ra, rb), ([x0, x1, xs @ ..], [y0, y1, ys @ ..]) if x0 == y1 && x1 == y0 && xs == ys)
        }
        (la, lb) if la == lb + 1 => ra.get(1..) == Some(rb),
        (la, lb) if lb == la + 1 => Some(ra) == rb.get(1..),
        _ => false,
    }
}

/// Prefilter triggers: reads only the raw text.
pub(crate) const TRIGGERS: Option<&[&str]> = Some(&[]);

pub fn check(unit: &Unit<'_>, meta: &CodeRuleMeta, out: &mut Vec<Finding>) {
    let popular: &[&str] = if unit.lang == PackageJson { NPM_POPULAR } else { PYPI_POPULAR };
    for (at, name) in dependencies(unit.text, unit.lang) {
        let norm = name.to_ascii_lowercase().replace('_', "-");
        if norm.len() < 5 || popular.contains(&norm.as_str()) {
            continue;
        }
        if let Some(p) = popular.iter().find(|p| p.len() >= 5 && within_one(&norm, p)) {
            out.push(meta.finding(unit, Span::new(at, at + name.len()), format!("`{name}` is one edit away from the popular package `{p}`")));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::within_one;

    #[test]
    fn one_edit_apart() {
        for (a, b) in [("requests", "reqeusts"), ("requests", "request"), ("requests", "requestss"), ("lodash", "lodahs"), ("react", "reacr"), ("x", "x")] {
            assert!(within_one(a, b), "{a} {b}");
        }
        for (a, b) in [("requests", "rqeuests2"), ("lodash", "loadsh2"), ("react", "vue"), ("express", "expresso1")] {
            assert!(!within_one(a, b), "{a} {b}");
        }
    }
}
