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
              host name verifiers, Rust `danger_accept_invalid_certs(true)` and rustls `dangerous()`, OpenSSL \
              `set_verify(VERIFY_NONE)`, npm `strict-ssl=false`, kubeconfig `insecure-skip-tls-verify: true`; \
              and SSH host keys accepted unchecked (Go `ssh.InsecureIgnoreHostKey()`, paramiko `AutoAddPolicy`).",
    why: "Anyone on the network path can then read and change the traffic, including the credentials in it.",
    example: "requests.post(url, json=body, verify=False)",
    instead: "Keep verification on; for a private CA, point the client at its certificate \
              (`verify=\"/path/ca.pem\"`, `NODE_EXTRA_CA_CERTS`, `RootCAs`).",
    references: &["CWE-295", "CWE-322"],
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
        fx(Python, "client.set_missing_host_key_policy(paramiko.AutoAddPolicy())\n"),
        fx(Go, "package a\nvar c = &ssh.ClientConfig{HostKeyCallback: ssh.InsecureIgnoreHostKey()}\n"),
        fx(Python, "ssl._create_default_https_context = ssl._create_unverified_context\n"),
        fx(Java, "class A { void f() { HttpsURLConnection.setDefaultHostnameVerifier(new HostnameVerifier() { public boolean verify(String h, SSLSession s) { return true; } }); } }"),
    ],
    passes: &[
        fx(Python, "r = requests.post(url, json=body, verify=\"/etc/ssl/ca.pem\")\n"),
        fx(Python, "data = jwt.decode(token, key, verify=False)\n"),
        fx(JavaScript, "const agent = new https.Agent({ rejectUnauthorized: true });"),
        fx(Go, "package a\nvar c = &tls.Config{MinVersion: tls.VersionTLS12}\n"),
        fx(Java, "class T implements X509TrustManager { public void checkServerTrusted(X509Certificate[] c, String a) throws CertificateException { delegate.checkServerTrusted(c, a); } }"),
        fx(Rust, "fn c() { let c = reqwest::Client::builder().danger_accept_invalid_certs(false).build(); }"),
        fx(Npmrc, "registry=https://registry.npmjs.org/\n"),
        fx(Python, "client.set_missing_host_key_policy(paramiko.RejectPolicy())\n"),
        fx(Python, "s = ssl.wrap_socket(sock, cert_reqs=ssl.CERT_REQUIRED, ca_certs=\"ca.pem\")\n"),
        fx(Python, "pool = urllib3.PoolManager(cert_reqs=\"CERT_REQUIRED\")\n"),
    ],
};

const OFF_KEYS_FALSE: &[&str] = &["rejectUnauthorized", "strictSSL", "strict_ssl", "check_hostname", "verify_ssl", "ssl_verify", "verify_certs", "checkServerIdentity_enabled"];
const OFF_KEYS_TRUE: &[&str] = &["InsecureSkipVerify", "insecure", "insecureSkipVerify", "ssl_no_verify"];

/// Prefilter triggers: the settings and calls that turn verification off all name verification, SSL/TLS, certificates, host names or danger; Java trust managers by method name.
pub(crate) const TRIGGERS: Option<&[&str]> = Some(&[
    "verif", "ssl", "tls", "insecure", "reject", "hostname", "cert", "https_context", "stdlib_context", "danger",
    "host_key", "trusted", "acceptedissuers",
]);

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
            || (matches!(key, "verify_mode" | "cert_reqs") && no_cert_check(&s.value))
            // `session.verify = False` (requests)
            || (unit.lang == Python && key == "verify" && s.target.contains('.') && b == Some(false))
            // `ssl._create_default_https_context = ssl._create_unverified_context`
            || (key == "_create_default_https_context" && s.value.text().ends_with("_create_unverified_context"));
        if off {
            emit(unit, meta, &s.node, format!("`{}` turns TLS certificate verification off", s.node.text().lines().next().unwrap_or("")), out);
        }
    }
    for c in calls(unit) {
        let n = c.name.as_str();
        let bad = match n {
            "_create_unverified_context" | "_create_stdlib_context" => true,
            // Python's `ssl.wrap_socket` checks no certificate unless told to (and is gone in 3.12).
            "wrap_socket" if c.callee == "ssl.wrap_socket" => c.option("cert_reqs").is_none_or(|v| no_cert_check(&v)),
            "danger_accept_invalid_certs" | "danger_accept_invalid_hostnames" | "setInsecure" => {
                c.first().is_some_and(|a| bool_lit(a) == Some(true)) || n == "setInsecure"
            }
            "set_certificate_verifier" | "with_custom_certificate_verifier" => true,
            // SSH host keys accepted unseen: Go `ssh.InsecureIgnoreHostKey()`, paramiko `AutoAddPolicy`/`WarningPolicy`.
            "InsecureIgnoreHostKey" => unit.lang == Go,
            "set_missing_host_key_policy" => c.first().is_some_and(|a| {
                let t = a.text();
                t.contains("AutoAddPolicy") || t.contains("WarningPolicy")
            }),
            // rustls' escape hatch for custom (usually accept-all) verifiers.
            "dangerous" if unit.lang == Rust => true,
            // OpenSSL bindings (Rust `openssl`, pyOpenSSL): `set_verify(SSL_VERIFY_NONE)`, `SslVerifyMode::NONE`.
            "set_verify" | "set_verify_callback" => c.first().is_some_and(|a| {
                let t = a.text();
                t.ends_with("VERIFY_NONE") || t.ends_with("SslVerifyMode::NONE") || t.ends_with("SslVerifyMode.NONE")
            }),
            "setHostnameVerifier" | "setDefaultHostnameVerifier" | "setSSLHostnameVerifier" => c.first().is_some_and(|a| {
                let t: String = a.text().chars().filter(|c| !c.is_whitespace()).collect();
                t.contains("ALLOW_ALL") || t.contains("NoopHostnameVerifier") || t.contains("->true") || t.contains("{returntrue;}")
            }),
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
            // The issuer list of a trust manager whose checks accept everything.
            let no_issuers = name == "getAcceptedIssuers" && matches!(compact.as_str(), "{returnnull;}" | "{returnnewX509Certificate[0];}")
                && f.parent().is_some_and(|cls| empty_check_in(&cls));
            if trust_all || verify_all || no_issuers {
                emit(unit, meta, f, format!("`{name}` accepts every certificate or host name"), out);
            }
            // A named host name verifier class that accepts every host: report the class too.
            if verify_all {
                if let Some(cls) = f.ancestors().find(|a| a.kind() == "class_declaration") {
                    let header = cls.text().split('{').next().unwrap_or("").to_string();
                    if header.contains("HostnameVerifier") {
                        emit(unit, meta, &cls, "this host name verifier accepts every host".into(), out);
                    }
                }
            }
        }
    }
}

/// `ssl.CERT_NONE`, `CERT_OPTIONAL`, or the string `"NONE"` (urllib3).
fn no_cert_check(v: &crate::syntax::N<'_>) -> bool {
    let t = v.text();
    t.ends_with("CERT_NONE") || t.ends_with("CERT_OPTIONAL") || str_lit(v).is_some_and(|s| matches!(s.as_str(), "NONE" | "CERT_NONE" | "OPTIONAL"))
}

/// A class body with a `check*Trusted` method that does nothing.
fn empty_check_in(body: &crate::syntax::N<'_>) -> bool {
    body.children().any(|m| {
        m.kind() == "method_declaration"
            && m.field("name").is_some_and(|n| matches!(&*n.text(), "checkServerTrusted" | "checkClientTrusted"))
            && m.field("body").is_some_and(|b| {
                let c: String = b.text().chars().filter(|c| !c.is_whitespace()).collect();
                c == "{}" || c.starts_with("{//") && !c.contains(';')
            })
    })
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
            || l.contains("pythonhttpsverify=0")
            // kubeconfig clusters and Kubernetes API services
            || l.starts_with("insecure-skip-tls-verify:true")
            || l.starts_with("insecureskiptlsverify:true");
        if bad {
            let span = airlock_protocol::Span::new(offset, offset + line.trim_end().len());
            out.push(meta.finding(unit, span, format!("`{}` turns TLS certificate verification off", line.trim())));
        }
        offset += line.len();
    }
}
