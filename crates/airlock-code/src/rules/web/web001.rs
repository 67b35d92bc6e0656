//! WEB001: any origin may make credentialed requests.

use crate::lang::Lang::*;
use crate::rules::util::{assigned_value, calls, emit};
use crate::rules::{fx, CodeRuleMeta};
use crate::syntax::{bool_lit, elements_text, str_lit, N};
use crate::unit::Unit;
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: CodeRuleMeta = CodeRuleMeta {
    code: "WEB001",
    name: "permissive-cors-with-credentials",
    category: Category::CodeVulnerability,
    severity: Severity::High,
    decision: Decision::Ask,
    langs: &[Python, JavaScript, TypeScript, Tsx, Go, Java],
    summary: "CORS allows credentials together with any origin (`*`, `origin: true`, `CORS_ALLOW_ALL_ORIGINS`, \
              `AllowOriginFunc` returning true, directly or through a variable), or echoes an origin the request \
              chose (`req.query.origin`, the `Origin` header) back; without credentials that echo is reported \
              but allowed.",
    why: "Any web site the user visits can then call the API with the user's cookies and read the answers.",
    example: "app.use(cors({ origin: true, credentials: true }))",
    instead: "List the exact trusted origins: `cors({ origin: [\"https://app.example.com\"], credentials: true })`.",
    references: &["CWE-942", "CWE-346"],
    flags: &[
        fx(JavaScript, "app.use(cors({ origin: true, credentials: true }));"),
        fx(Python, "CORS(app, origins=\"*\", supports_credentials=True)\n"),
        fx(Python, "CORS_ALLOW_ALL_ORIGINS = True\nCORS_ALLOW_CREDENTIALS = True\n"),
        fx(Go, "package a\nvar c = cors.Options{AllowedOrigins: []string{\"*\"}, AllowCredentials: true}\n"),
        fx(JavaScript, "res.setHeader('Access-Control-Allow-Origin', req.headers.origin); res.setHeader('Access-Control-Allow-Credentials', 'true');"),
        fx(Python, "origins = [\"*\"]\napp.add_middleware(CORSMiddleware, allow_origins=origins, allow_credentials=True)\n"),
        fx(JavaScript, "app.get('/x', (req, res) => { res.set('Access-Control-Allow-Origin', req.query.origin); });"),
    ],
    passes: &[
        fx(JavaScript, "app.use(cors({ origin: ['https://app.example.com'], credentials: true }));"),
        fx(Python, "CORS(app, origins=\"*\")\n"),
        fx(JavaScript, "app.get('/x', (req, res) => { res.set('Access-Control-Allow-Origin', 'https://app.example.com'); });"),
        fx(Go, "package a\nvar c = cors.Options{AllowedOrigins: []string{\"https://a.example\"}, AllowCredentials: true}\n"),
    ],
};

fn wildcard(v: &N<'_>) -> bool {
    bool_lit(v) == Some(true)
        || str_lit(v).as_deref() == Some("*")
        || elements_text(v).iter().any(|e| e == "*")
}

fn origin_key(k: &str) -> bool {
    matches!(k, "origin" | "origins" | "AllowedOrigins" | "AllowOrigins" | "allow_origins" | "CORS_ALLOW_ALL_ORIGINS" | "CORS_ORIGIN_ALLOW_ALL" | "allowedOrigins" | "AllowAllOrigins")
}

fn cred_key(k: &str) -> bool {
    matches!(k, "credentials" | "supports_credentials" | "AllowCredentials" | "allow_credentials" | "CORS_ALLOW_CREDENTIALS" | "allowCredentials")
}

/// A value taken from the request (`req.query.origin`, `request.headers["Origin"]`), directly or through a variable.
fn from_request(unit: &Unit<'_>, v: &N<'_>) -> bool {
    let req = |t: &str| {
        let l = t.to_ascii_lowercase();
        l.starts_with("req.") || l.starts_with("request.") || l.starts_with("r.header") || l.starts_with("ctx.request") || l.contains("headers.origin") || l.contains("getheader(\"origin\")") || l.contains("[\"origin\"]") || l.contains("['origin']")
    };
    if str_lit(v).is_some() {
        return false;
    }
    req(&v.text()) || assigned_value(unit, v).is_some_and(|a| req(&a.text()))
}

/// Prefilter triggers: origin keys and headers; credentials settings (their presence anywhere changes the verdict).
pub(crate) const TRIGGERS: Option<&[&str]> = Some(&["origin", "credentials"]);

pub fn check(unit: &Unit<'_>, meta: &CodeRuleMeta, out: &mut Vec<Finding>) {
    let Some(facts) = unit.facts() else { return };
    let creds = facts.settings.iter().any(|s| cred_key(&s.key) && bool_lit(&s.value) == Some(true))
        || unit.text.contains("Access-Control-Allow-Credentials")
        || calls(unit).iter().any(|c| c.name == "allowCredentials" && c.first().is_some_and(|a| bool_lit(a) == Some(true)));
    // The Origin a request names, echoed back: reported always, asked with credentials.
    let reflect = |node: &N<'_>, out: &mut Vec<Finding>| {
        let mut f = meta.finding(unit, crate::unit::Unit::span_of(node), String::new());
        if creds {
            f.message = "echoes an origin the request chose, with credentials allowed".into();
        } else {
            f.message = "echoes an origin the request chose into Access-Control-Allow-Origin".into();
            f.decision = Decision::Allow;
            f.severity = Severity::Low;
        }
        out.push(f);
    };
    for s in &facts.settings {
        if s.key.eq_ignore_ascii_case("Access-Control-Allow-Origin") && from_request(unit, &s.value) {
            reflect(&s.node, out);
        }
    }
    for c in calls(unit) {
        let header_set = matches!(c.name.as_str(), "setHeader" | "set" | "header" | "Set" | "Add" | "addHeader" | "add_header" | "setHeaderValue");
        let mut pos = c.positional();
        let (Some(h), Some(v)) = (pos.next(), pos.next()) else { continue };
        if header_set && str_lit(h).is_some_and(|h| h.eq_ignore_ascii_case("Access-Control-Allow-Origin")) {
            if from_request(unit, v) {
                reflect(&c.node, out);
            } else if creds && (str_lit(v).as_deref() == Some("*") || v.text().to_ascii_lowercase().contains("origin") && str_lit(v).is_none()) {
                emit(unit, meta, &c.node, "answers any origin (or echoes the request's Origin) with credentials allowed".into(), out);
            }
        }
        if creds && c.name == "allowedOrigins" && str_lit(h).as_deref() == Some("*") {
            emit(unit, meta, &c.node, "CORS accepts any origin together with credentials".into(), out);
        }
    }
    if !creds {
        return;
    }
    for s in &facts.settings {
        let value = assigned_value(unit, &s.value).unwrap_or_else(|| s.value.clone());
        if origin_key(&s.key) && wildcard(&value) {
            emit(unit, meta, &s.node, "CORS accepts any origin together with credentials".into(), out);
        }
    }
}
