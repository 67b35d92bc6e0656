//! Every rule is documented, has positive and negative fixtures, and its fixtures behave.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use airlock_config::Policy;
use airlock_shell::rules::REGISTRY;
use airlock_shell::{analyze, Context};
use std::collections::HashSet;
use std::path::PathBuf;

fn codes(cmd: &str) -> Vec<String> {
    let policy = Policy::default();
    let ctx = Context {
        policy: &policy,
        cwd: Some(PathBuf::from("/work/project")),
        home: Some(PathBuf::from("/home/dev")),
    };
    analyze(cmd, &ctx).into_iter().map(|f| f.code).collect()
}

#[test]
fn codes_are_unique_and_well_formed() {
    let mut seen = HashSet::new();
    for r in REGISTRY {
        let c = r.meta.code;
        assert!(seen.insert(c), "duplicate rule code {c}");
        assert!(
            c.len() == 6
                && c.chars().take(3).all(|x| x.is_ascii_uppercase())
                && c.chars().skip(3).all(|x| x.is_ascii_digit()),
            "bad code {c}"
        );
        assert!(
            !r.meta.name.is_empty()
                && r.meta
                    .name
                    .chars()
                    .all(|x| x.is_ascii_lowercase() || x == '-'),
            "bad name for {c}"
        );
    }
}

#[test]
fn every_rule_is_documented() {
    for r in REGISTRY {
        let m = r.meta;
        assert!(m.summary.len() > 40, "{}: summary too short", m.code);
        assert!(m.why.len() > 40, "{}: `why` too short", m.code);
        assert!(m.instead.len() > 10, "{}: no safer alternative", m.code);
        assert!(
            m.references
                .iter()
                .any(|x| x.starts_with("CWE-") || x.starts_with("ATT&CK")),
            "{}: no CWE/ATT&CK reference",
            m.code
        );
        let doc = airlock_shell::rules::render_doc(m);
        for section in [
            "## What it catches",
            "## Why it is dangerous",
            "## Example",
            "## Safer alternative",
            "## References",
        ] {
            assert!(doc.contains(section), "{}: doc lacks {section}", m.code);
        }
    }
}

#[test]
fn positive_fixtures_are_flagged_by_their_rule() {
    let mut failures = Vec::new();
    for r in REGISTRY {
        assert!(
            !r.meta.flags.is_empty(),
            "{} has no positive fixture",
            r.meta.code
        );
        for f in r.meta.flags {
            let got = codes(f);
            if !got.iter().any(|c| c == r.meta.code) {
                failures.push(format!("{} did not flag {f:?} (got {got:?})", r.meta.code));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn negative_fixtures_are_not_flagged_by_their_rule() {
    let mut failures = Vec::new();
    for r in REGISTRY {
        assert!(
            !r.meta.passes.is_empty(),
            "{} has no negative fixture",
            r.meta.code
        );
        for f in r.meta.passes {
            let got = codes(f);
            if got.iter().any(|c| c == r.meta.code) {
                failures.push(format!("{} flagged {f:?}", r.meta.code));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn docs_rules_md_lists_every_rule() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/rules.md");
    let doc = std::fs::read_to_string(&path).unwrap();
    for r in REGISTRY {
        assert!(
            doc.contains(&format!("## {} {}", r.meta.code, r.meta.name)),
            "docs/rules.md lacks {} (run scripts/gen_rule_docs.sh)",
            r.meta.code
        );
    }
}
