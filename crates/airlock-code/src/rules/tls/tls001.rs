//! TLS001: certificate or host name verification disabled.

use crate::lang::Lang::*;
use crate::rules::util::{calls, emit, jwt_callee};
use crate::rules::{fx, CodeRuleMeta};
use crate::syntax::{bool_lit, str_lit};
use crate::unit::Unit;
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: CodeRuleMeta = CodeRuleMeta {
    code: "TLS001",
    name: "tls-verification-disabled",
    category: Category::CodeVulnerability,
    severity: Severity::High,
    decision: Decision::Deny,
    langs: &[Python, JavaScript, TypeScript, Tsx, Go, Java, Rust, Dockerfile, Yaml, Npmrc],
    summary: "TLS certificate or host name verification is turned off: requests `verify=False`, \
              `ssl._create_unverified_context()`, `CERT_NONE`, `rejectUnauthorized: false`, \
              `NODE_TLS_REJECT_UNAUTHORIZED=0`, Go `InsecureSkipVerify: true`, Java trust-all managers and \
              host name verifiers, Rust `danger_accept_invalid_certs(true)`, npm `strict-ssl=false`.",
    why: "Anyone on the network path can then read and change the traffic, including the credentials in it.",
    example: "requests.post(url, json=body, verify=False)",
    instead: "Keep verification on; for a private CA, point the client at its certificate \
              (`verify=\"/path/ca.pem\"`, `NODE_EXTRA_CA_CERTS`, `RootCAs`).",
    references: &["CWE-295"],
    flags: &[
        fx(Python, "r = requests.post(url, json=body, verify=False)\n"),
        fx(Python, "ctx = ssl._create_unverified_context()\n"),
        fx(JavaScript, "const agent = new https.Agent({ rejectUnauthorized: false });"),
        fx(JavaScript, "process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';"),
        fx(Go, "package a\nvar c = &tls.Config{InsecureSkipVerify: true}\n"),
        fx(Java, "class T implements X509TrustManager { public void checkServerTrusted(X509Certificate[] c, String a) {} }"),
        fx(Rust, "fn c() { let c = reqwest::Client::builder().danger_accept_invalid_certs(true).build(); }"),
        fx(Dockerfile, "FROM node:20\nENV NODE_TLS_REJECT_UNAUTHORIZED=0\n"),
        fx(Npmrc, "strict-ssl=false\n"),
    ],
    passes: &[
        fx(Python, "r = requests.post(url, json=body, verify=\"/etc/ssl/ca.pem\")\n"),
        fx(Python, "data = jwt.decode(token, key, verify=False)\n"),
        fx(JavaScript, "const agent = new https.Agent({ rejectUnauthorized: true });"),
        fx(Go, "package a\nvar c = &tls.Config{MinVersion: tls.VersionTLS12}\n"),
        fx(Java, "class T implements X509TrustManager { public void checkServerTrusted(X509Certificate[] c, String a) throws CertificateException { delegate.checkServerTrusted(c, a); } }"),
        fx(Rust, "fn c() { let c = reqwest::Client::builder().danger_accept_invalid_certs(false).build(); }"),
        fx(Npmrc, "registry=https://registry.npmjs.org/\n"),
    ],
};

const OFF_KEYS_FALSE: &[&str] = &["rejectUnauthorized", "strictSSL", "strict_ssl", "check_hostname", "verify_ssl", "ssl_verify", "verify_certs", "checkServerIdentity_enabled"];
const OFF_KEYS_TRUE: &[&str] = &["InsecureSkipVerify", "insecure", "insecureSkipVerify", "ssl_no_verify"];

pub fn check(unit: &Unit<'_>, meta: &CodeRuleMeta, out: &mut Vec<Finding>) {
    if matches!(unit.lang, Dockerfile | Npmrc | Yaml) {
        return text_check(unit, meta, out);
    }
    let Some(facts) = unit.facts() else { return };
    for s in &facts.settings {
        let b = bool_lit(&s.value);
        let key = s.key.as_str();
        let off = (OFF_KEYS_FALSE.contains(&key) && b == Some(false))
            || (OFF_KEYS_TRUE.contains(&key) && b == Some(true) && (key != "insecure" || unit.lang == Go))
            || (key == "NODE_TLS_REJECT_UNAUTHORIZED"
                && (str_lit(&s.value).as_deref() == Some("0") || s.value.text() == "0"))
            || (matches!(key, "verify_mode" | "cert_reqs") && s.value.text().ends_with("CERT_NONE"));
        if off {
            emit(unit, meta, &s.node, format!("`{}` turns TLS certificate verification off", s.node.text().lines().next().unwrap_or("")), out);
        }
    }
    for c in calls(unit) {
        let n = c.name.as_str();
        let bad = match n {
            "_create_unverified_context" | "_create_stdlib_context" => true,
            "danger_accept_invalid_certs" | "danger_accept_invalid_hostnames" | "setInsecure" => {
                c.first().is_some_and(|a| bool_lit(a) == Some(true)) || n == "setInsecure"
            }
            "set_certificate_verifier" | "with_custom_certificate_verifier" => true,
            "setHostnameVerifier" | "setDefaultHostnameVerifier" => c
                .first()
                .is_some_and(|a| { let t = a.text(); t.contains("ALLOW_ALL") || t.contains("NoopHostnameVerifier") || t.contains("-> true") }),
            _ => false,
        };
        // `verify=False` on an HTTP client call (JWT decode is JWT003's).
        let py_verify = unit.lang == Python
            && !jwt_callee(&c.callee)
            && c.args.iter().any(|a| a.name.as_deref() == Some("verify") && bool_lit(&a.value) == Some(false));
        if bad || py_verify {
            emit(unit, meta, &c.node, format!("`{}` turns TLS certificate verification off", c.callee), out);
        }
    }
    // Java: a trust manager or host name verifier that accepts everything.
    if unit.lang == Java {
        for f in &facts.functions {
            let name = f.field("name").map(|n| n.text().to_string()).unwrap_or_default();
            let body = f.field("body").map(|b| b.text().to_string()).unwrap_or_default();
            let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
            let trust_all = matches!(name.as_str(), "checkServerTrusted" | "checkClientTrusted") && (compact == "{}" || compact.starts_with("{//") && !compact.contains(';'));
            let verify_all = name == "verify" && compact == "{returntrue;}";
            if trust_all || verify_all {
                emit(unit, meta, f, format!("`{name}` accepts every certificate or host name"), out);
            }
        }
    }
}

fn text_check(unit: &Unit<'_>, meta: &CodeRuleMeta, out: &mut Vec<Finding>) {
    let mut offset = 0;
    for line in unit.text.split_inclusive('\n') {
        let l = line.trim().to_ascii_lowercase().replace(' ', "");
        let bad = l.contains("node_tls_reject_unauthorized=0")
            || l.contains("node_tls_reject_unauthorized:0")
            || l.contains("node_tls_reject_unauthorized:\"0\"")
            || l.contains("node_tls_reject_unauthorized:'0'")
            || (unit.lang == Npmrc && l.starts_with("strict-ssl=false"))
            || l.contains("git_ssl_no_verify=1")
            || l.contains("git_ssl_no_verify=true")
            || l.contains("pythonhttpsverify=0");
        if bad {
            let span = airlock_protocol::Span::new(offset, offset + line.trim_end().len());
            out.push(meta.finding(unit, span, format!("`{}` turns TLS certificate verification off", line.trim())));
        }
        offset += line.len();
    }
}
