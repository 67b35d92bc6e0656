//! Every code rule is documented, has fixtures both ways, and its fixtures
//! behave: each `flags` source yields the rule's code, each `passes` source does not.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use airlock_code::rules::REGISTRY;
use airlock_config::Policy;
use std::collections::HashSet;

#[test]
fn codes_are_unique_and_well_formed() {
    let mut seen = HashSet::new();
    for r in REGISTRY {
        let code = r.meta.code;
        assert!(seen.insert(code), "duplicate code {code}");
        assert!(code.len() == 6 && code[..3].chars().all(|c| c.is_ascii_uppercase()) && code[3..].chars().all(|c| c.is_ascii_digit()), "bad code {code}");
        assert!(airlock_shell::rules::rule(code).is_none(), "{code} collides with a shell rule");
    }
}

#[test]
fn every_rule_is_documented() {
    for r in REGISTRY {
        let m = r.meta;
        for (what, text) in [("summary", m.summary), ("why", m.why), ("example", m.example), ("instead", m.instead)] {
            assert!(text.trim().len() >= 10, "{}: {what} missing", m.code);
        }
        assert!(m.name.chars().all(|c| c.is_ascii_lowercase() || c == '-'), "{}: bad name", m.code);
        assert!(m.references.iter().any(|r| r.starts_with("CWE-")), "{}: no CWE reference", m.code);
        assert!(!m.flags.is_empty(), "{}: no flag fixtures", m.code);
        assert!(!m.passes.is_empty(), "{}: no pass fixtures", m.code);
    }
}

#[test]
fn fixtures_behave() {
    let policy = Policy::default();
    let mut failures = Vec::new();
    for r in REGISTRY {
        let m = r.meta;
        for f in m.flags {
            let got = airlock_code::analyze_with_removed(f.code, f.lang, Some(path_for(m.code, f.lang)), f.removed, &policy);
            if !got.iter().any(|x| x.code == m.code) {
                failures.push(format!("{} should flag ({}): {}\n  got: {:?}", m.code, f.lang, f.code, got.iter().map(|x| &x.code).collect::<Vec<_>>()));
            }
        }
        for f in m.passes {
            let got = airlock_code::analyze_with_removed(f.code, f.lang, Some(path_for(m.code, f.lang)), f.removed, &policy);
            if let Some(x) = got.iter().find(|x| x.code == m.code) {
                failures.push(format!("{} should pass ({}): {}\n  got: {}", m.code, f.lang, f.code, x.message));
            }
        }
    }
    assert!(failures.is_empty(), "{} fixture failures:\n{}", failures.len(), failures.join("\n"));
}

/// Workflow and manifest rules look at the file name.
fn path_for(code: &str, lang: airlock_code::Lang) -> &'static str {
    use airlock_code::Lang::*;
    match (code, lang) {
        (_, Yaml) => ".github/workflows/ci.yml",
        (_, PackageJson) => "package.json",
        (_, Requirements) => "requirements.txt",
        (_, PythonConfig) => "pyproject.toml",
        (_, Npmrc) => ".npmrc",
        (_, Dockerfile) => "Dockerfile",
        (_, Python) => "app.py",
        _ => "src/file",
    }
}

#[test]
fn docs_rules_md_lists_every_code_rule() {
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
