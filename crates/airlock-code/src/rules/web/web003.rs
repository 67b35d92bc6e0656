//! WEB003: a debug server or debug mode enabled.

use crate::lang::Lang::*;
use crate::rules::util::{calls, emit};
use crate::rules::{fx, CodeRuleMeta};
use crate::syntax::{bool_lit, str_lit};
use crate::unit::Unit;
use airlock_protocol::{Category, Decision, Finding, Severity, Span};

pub static META: CodeRuleMeta = CodeRuleMeta {
    code: "WEB003",
    name: "debug-server-exposed",
    category: Category::CodeVulnerability,
    severity: Severity::High,
    decision: Decision::Ask,
    langs: &[Python, Go, Yaml, Dockerfile],
    summary: "A web app runs with its debugger on (`app.run(debug=True)`, `use_debugger=True`, `app.debug = True`, \
              `app.config[\"DEBUG\"] = True`, `DEBUG = True` in Django settings, `FLASK_ENV=development` or \
              `FLASK_DEBUG=1` in a deployment's environment), worst when it listens on every interface \
              (`host=\"0.0.0.0\"`); Go's `net/http/pprof` served on the default mux to every interface. Flask's \
              development server on every interface without the debugger is reported but allowed.",
    why: "The Werkzeug debugger is a Python console in the browser: whoever reaches the port runs code on the machine. \
          Django's debug pages leak settings and source.",
    example: "app.run(debug=True, host=\"0.0.0.0\")",
    instead: "`app.run(debug=os.environ.get(\"FLASK_DEBUG\") == \"1\")` bound to 127.0.0.1 for development; \
              a production server (gunicorn, uvicorn) otherwise.",
    references: &["CWE-489", "CWE-215", "CWE-668", "CWE-94"],
    flags: &[
        fx(Python, "app.run(debug=True, host=\"0.0.0.0\")\n"),
        fx(Python, "run_simple(\"0.0.0.0\", 5000, app, use_debugger=True)\n"),
        fx(Python, "app.config[\"DEBUG\"] = True\n"),
        fx(Go, "package main\nimport _ \"net/http/pprof\"\nfunc main() { http.ListenAndServe(\":8080\", nil) }\n"),
        fx(Yaml, "env:\n  - name: FLASK_ENV\n    value: development\n"),
    ],
    passes: &[
        fx(Python, "app.run(host=\"127.0.0.1\")\n"),
        fx(Python, "app.run(debug=os.environ.get(\"FLASK_DEBUG\") == \"1\")\n"),
        fx(Python, "app.config[\"DEBUG\"] = False\n"),
        fx(Go, "package main\nimport _ \"net/http/pprof\"\nfunc main() { http.ListenAndServe(\"localhost:6060\", nil) }\n"),
        fx(Yaml, "env:\n  - name: FLASK_ENV\n    value: production\n"),
    ],
};

/// Prefilter triggers: debug options and settings, a public host on `app.run`, Go `ListenAndServe`.
pub(crate) const TRIGGERS: Option<&[&str]> = Some(&["debug", "0.0.0.0", "\"::\"", "'::'", "listenandserve"]);

pub fn check(unit: &Unit<'_>, meta: &CodeRuleMeta, out: &mut Vec<Finding>) {
    match unit.lang {
        Python => python(unit, meta, out),
        Go => go(unit, meta, out),
        Yaml | Dockerfile => env_text(unit, meta, out),
        _ => {}
    }
}

fn python(unit: &Unit<'_>, meta: &CodeRuleMeta, out: &mut Vec<Finding>) {
    for c in calls(unit) {
        if !matches!(c.name.as_str(), "run" | "run_simple") {
            continue;
        }
        let debug = ["debug", "use_debugger", "use_reloader_debug"]
            .iter()
            .any(|k| c.option(k).is_some_and(|v| bool_lit(&v) == Some(true)));
        let public = c.option("host").or_else(|| c.first().cloned()).and_then(|h| str_lit(&h)).is_some_and(|h| h == "0.0.0.0" || h == "::");
        if !debug {
            // Flask's development server on every interface: reported, not stopped.
            if public && c.callee.ends_with("app.run") {
                let mut f = meta.finding(unit, crate::unit::Unit::span_of(&c.node), "the development server listens on every network interface".into());
                f.decision = Decision::Allow;
                f.severity = Severity::Low;
                out.push(f);
            }
            continue;
        }
        let msg = if public {
            "runs the interactive debugger on every network interface: anyone who reaches the port runs code"
        } else {
            "runs the app with its interactive debugger on"
        };
        emit(unit, meta, &c.node, msg.into(), out);
    }
    let Some(facts) = unit.facts() else { return };
    let settings_file = unit.file_name() == "settings.py";
    for s in &facts.settings {
        if bool_lit(&s.value) != Some(true) {
            continue;
        }
        // `app.debug = True`, `app.config["DEBUG"] = True`, `app.config.update(DEBUG=True)`.
        let app_config = (s.key == "debug" && s.target.ends_with(".debug"))
            || (s.key == "DEBUG" && (s.target.contains("config") || s.node.kind() == "keyword_argument" && s.node.parent().and_then(|p| p.parent()).is_some_and(|c| c.text().contains("config."))));
        if app_config {
            emit(unit, meta, &s.node, "the app's configuration turns debug mode on".into(), out);
        } else if settings_file && s.target == "DEBUG" {
            emit(unit, meta, &s.node, "Django settings turn DEBUG on".into(), out);
        }
    }
}

/// Go: `net/http/pprof` registers its handlers on the default mux, served here to every interface.
fn go(unit: &Unit<'_>, meta: &CodeRuleMeta, out: &mut Vec<Finding>) {
    if !unit.text.contains("\"net/http/pprof\"") {
        return;
    }
    for c in calls(unit) {
        if c.callee != "http.ListenAndServe" {
            continue;
        }
        let addr = c.first().and_then(str_lit).unwrap_or_default();
        let local = addr.starts_with("localhost") || addr.starts_with("127.") || addr.starts_with("[::1]");
        let default_mux = c.positional().nth(1).is_some_and(|h| h.text() == "nil");
        if default_mux && !local {
            emit(unit, meta, &c.node, "serves the pprof debug endpoints (imported `net/http/pprof`) on every interface".into(), out);
        }
    }
}

/// Deployment files: `FLASK_ENV=development`, `FLASK_DEBUG=1` in an environment.
fn env_text(unit: &Unit<'_>, meta: &CodeRuleMeta, out: &mut Vec<Finding>) {
    let mut offset = 0;
    let mut prev_name = String::new();
    for line in unit.text.split_inclusive('\n') {
        let t = line.trim().trim_start_matches("- ").replace(['"', '\''], "");
        let compact = t.replace(' ', "");
        let on = |name: &str, value: &str| matches!((name, value), ("FLASK_ENV", "development") | ("FLASK_DEBUG", "1" | "true" | "True"));
        let inline = compact.trim_start_matches("ENV").split_once(['=', ':']).is_some_and(|(n, v)| on(n, v));
        let pair = compact.strip_prefix("value:").is_some_and(|v| on(&prev_name, v));
        if inline || pair {
            let span = Span::new(offset, offset + line.trim_end().len());
            out.push(meta.finding(unit, span, "the environment turns Flask's debug mode on".into()));
        }
        prev_name = compact.strip_prefix("name:").unwrap_or("").to_string();
        offset += line.len();
    }
}
