//! WEB003: a debug server or debug mode enabled.

use crate::lang::Lang::*;
use crate::rules::util::{calls, emit};
use crate::rules::{fx, CodeRuleMeta};
use crate::syntax::{bool_lit, str_lit};
use crate::unit::Unit;
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: CodeRuleMeta = CodeRuleMeta {
    code: "WEB003",
    name: "debug-server-exposed",
    category: Category::CodeVulnerability,
    severity: Severity::High,
    decision: Decision::Ask,
    langs: &[Python],
    summary: "A web app runs with its debugger on (`app.run(debug=True)`, `use_debugger=True`, `DEBUG = True` in \
              Django settings), worst when it listens on every interface (`host=\"0.0.0.0\"`).",
    why: "The Werkzeug debugger is a Python console in the browser: whoever reaches the port runs code on the machine. \
          Django's debug pages leak settings and source.",
    example: "app.run(debug=True, host=\"0.0.0.0\")",
    instead: "`app.run(debug=os.environ.get(\"FLASK_DEBUG\") == \"1\")` bound to 127.0.0.1 for development; \
              a production server (gunicorn, uvicorn) otherwise.",
    references: &["CWE-489", "CWE-215", "CWE-94"],
    flags: &[
        fx(Python, "app.run(debug=True, host=\"0.0.0.0\")\n"),
        fx(Python, "run_simple(\"0.0.0.0\", 5000, app, use_debugger=True)\n"),
    ],
    passes: &[
        fx(Python, "app.run(host=\"127.0.0.1\")\n"),
        fx(Python, "app.run(debug=os.environ.get(\"FLASK_DEBUG\") == \"1\")\n"),
    ],
};

pub fn check(unit: &Unit<'_>, meta: &CodeRuleMeta, out: &mut Vec<Finding>) {
    for c in calls(unit) {
        if !matches!(c.name.as_str(), "run" | "run_simple") {
            continue;
        }
        let debug = ["debug", "use_debugger", "use_reloader_debug"]
            .iter()
            .any(|k| c.option(k).is_some_and(|v| bool_lit(&v) == Some(true)));
        if !debug {
            continue;
        }
        let public = c.option("host").or_else(|| c.first().cloned()).and_then(|h| str_lit(&h)).is_some_and(|h| h == "0.0.0.0" || h == "::");
        let msg = if public {
            "runs the interactive debugger on every network interface: anyone who reaches the port runs code"
        } else {
            "runs the app with its interactive debugger on"
        };
        emit(unit, meta, &c.node, msg.into(), out);
    }
    let Some(facts) = unit.facts() else { return };
    if unit.file_name() == "settings.py" {
        for s in &facts.settings {
            if s.target == "DEBUG" && bool_lit(&s.value) == Some(true) {
                emit(unit, meta, &s.node, "Django settings turn DEBUG on".into(), out);
            }
        }
    }
}
