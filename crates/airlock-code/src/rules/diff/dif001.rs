//! DIF001: a change removes a security check.

use crate::lang::Lang::*;
use crate::rules::{fx, fx_change, CodeRuleMeta};
use crate::unit::Unit;
use airlock_protocol::{Category, Decision, Finding, Severity, Span};

pub static META: CodeRuleMeta = CodeRuleMeta {
    code: "DIF001",
    name: "security-check-removed",
    category: Category::CodeVulnerability,
    severity: Severity::High,
    decision: Decision::Ask,
    langs: &[Python, JavaScript, TypeScript, Tsx, Go, Java, Rust],
    summary: "The text a change removes holds an authentication, authorization, signature or TLS check \
              (`@login_required`, `has_permission`, `jwt.verify`, `compare_digest`, `verify=True`, ...) that the \
              result no longer has.",
    why: "Deleting a check is the quietest backdoor: the diff shows less code, tests still pass, and the route is open.",
    example: "-@login_required\n def delete_account(request):",
    instead: "Keep the check; if it must change, replace it with an equivalent one in the same change.",
    references: &["CWE-862", "CWE-306", "CWE-347"],
    flags: &[fx_change(Python, "@login_required\n", "def delete_account(request):\n    pass\n")],
    passes: &[
        fx_change(Python, "@login_required\n", "@login_required\ndef delete_account(request):\n    pass\n"),
        fx(Python, "def delete_account(request):\n    pass\n"),
    ],
};

/// Markers of a check, as they appear in source.
const CHECKS: &[&str] = &[
    "@login_required", "@permission_required", "@requires_auth", "@auth_required", "@jwt_required", "@PreAuthorize",
    "@Secured", "@RolesAllowed", "login_required(", "permission_required(", "has_permission", "check_permission",
    "is_authenticated", "isAuthenticated", "requireAuth", "ensureAuthenticated", "authorize(", "jwt.verify",
    "verify_jwt", "verifyToken", "verify_signature", "compare_digest", "timingSafeEqual", "ConstantTimeCompare",
    "hmac.Equal", "MessageDigest.isEqual", "verify=True", "rejectUnauthorized: true", "csrf_protect", "CSRFProtect",
    "csurf", "helmet(", "check_password", "checkPassword", "bcrypt.compare", "validate_token", "authenticate(",
];

/// Prefilter triggers: reads only the raw text.
pub(crate) const TRIGGERS: Option<&[&str]> = Some(&[]);

pub fn check(unit: &Unit<'_>, meta: &CodeRuleMeta, out: &mut Vec<Finding>) {
    let removed = unit.removed;
    if removed.is_empty() {
        return;
    }
    let body = unit.text;
    for check in CHECKS {
        let before = removed.matches(check).count();
        let after = body.matches(check).count();
        if before > 0 && after == 0 {
            out.push(meta.finding(unit, Span::new(0, 0), format!("the change removes `{}` and nothing in the result replaces it", check.trim_end_matches('('))));
        }
    }
}
