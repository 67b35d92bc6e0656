//! XSS001: a value that is not a literal goes into HTML unescaped.

use crate::lang::Lang::*;
use crate::rules::util::{calls, emit, is_const_here};
use crate::rules::{fx, CodeRuleMeta};
use crate::syntax::{is_built_string, is_const, N};
use crate::unit::Unit;
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: CodeRuleMeta = CodeRuleMeta {
    code: "XSS001",
    name: "unescaped-html",
    category: Category::CodeVulnerability,
    severity: Severity::High,
    decision: Decision::Ask,
    langs: &[Python, JavaScript, TypeScript, Tsx, Go, Java],
    summary: "A non-literal value is marked safe or written as raw HTML: `innerHTML`/`outerHTML` assignment, \
              `document.write`, `insertAdjacentHTML`, `dangerouslySetInnerHTML`, jQuery `.html()`, Angular \
              `bypassSecurityTrust*`/`$sce.trustAsHtml`, Django `mark_safe`/`SafeString`, `Markup`, \
              `render_template_string`, Go `template.HTML/JS/URL`, or HTML assembled with formatting and returned \
              as a response.",
    why: "The browser runs any script in the value: an attacker's comment or name becomes code in every visitor's \
          session (cookie theft, actions as the user).",
    example: "return mark_safe(f\"<b>{comment.text}</b>\")",
    instead: "Let the template engine escape: pass values to a template, use `textContent`, `format_html()`, \
              `html.EscapeString`, or sanitize with a maintained library (DOMPurify, bleach) before trusting.",
    references: &["CWE-79"],
    flags: &[
        fx(JavaScript, "el.innerHTML = '<b>' + name + '</b>';"),
        fx(JavaScript, "document.write(location.hash.slice(1));"),
        fx(Tsx, "const C = ({ html }) => <div dangerouslySetInnerHTML={{ __html: html }} />;"),
        fx(Python, "return mark_safe(f\"<b>{comment.text}</b>\")\n"),
        fx(Python, "return render_template_string(\"<h1>Hello \" + name + \"</h1>\")\n"),
        fx(Go, "package a\nfunc f(s string) template.HTML { return template.HTML(s) }\n"),
    ],
    passes: &[
        fx(JavaScript, "el.textContent = name; el.innerHTML = '<b>static</b>';"),
        fx(JavaScript, "el.innerHTML = DOMPurify.sanitize(html);"),
        fx(Python, "return mark_safe(\"<br>\")\n"),
        fx(Python, "return format_html(\"<b>{}</b>\", comment.text)\n"),
        fx(Go, "package a\nvar t = template.HTML(\"<br>\")\n"),
    ],
};

const SANITIZERS: &[&str] = &["sanitize", "escape", "purify", "bleach", "clean", "encode", "striptags", "strip_tags"];

/// Dynamic and not visibly sanitized.
fn tainted(unit: &Unit<'_>, v: &N<'_>) -> bool {
    if is_const_here(unit, v) {
        return false;
    }
    let t = v.text().to_ascii_lowercase();
    !SANITIZERS.iter().any(|s| t.contains(s))
}

fn looks_html(v: &N<'_>) -> bool {
    let t = v.text();
    t.contains('<') && t.contains('>')
}

/// Prefilter triggers: HTML sinks by name.
pub(crate) const TRIGGERS: Option<&[&str]> = Some(&[
    "js:html", "js:document", "js:$&append", "js:$&prepend", "js:$&after", "js:$&before", "js:$&replacewith",
    "js:$&wrap", "js:jquery", "js:bypasssecuritytrust", "js:trustas", "js:res.&send", "python:mark_safe",
    "python:safestring", "python:safetext", "python:markup", "python:render_template_string",
    "python:make_response", "python:response", "go:template.", "java:getwriter",
]);

pub fn check(unit: &Unit<'_>, meta: &CodeRuleMeta, out: &mut Vec<Finding>) {
    let Some(facts) = unit.facts() else { return };
    if unit.lang.is_js() {
        for s in &facts.settings {
            if matches!(s.key.as_str(), "innerHTML" | "outerHTML" | "__html") && tainted(unit, &s.value) {
                emit(unit, meta, &s.node, format!("`{}` receives a value that is not a literal", s.key), out);
            }
        }
    }
    for c in calls(unit) {
        let n = c.name.as_str();
        let callee = c.callee.as_str();
        let sink_arg: Option<&N<'_>> = match unit.lang {
            JavaScript | TypeScript | Tsx => match n {
                "write" | "writeln" if callee.starts_with("document.") => c.first(),
                "insertAdjacentHTML" => c.positional().nth(1),
                "html" | "append" | "prepend" | "after" | "before" | "replaceWith" | "wrap"
                    if callee.starts_with('$') || callee.starts_with("jQuery") =>
                {
                    c.first().filter(|a| looks_html(a) || !is_const(a))
                }
                "bypassSecurityTrustHtml" | "bypassSecurityTrustScript" | "bypassSecurityTrustUrl"
                | "bypassSecurityTrustResourceUrl" | "bypassSecurityTrustStyle" | "trustAsHtml" | "trustAsJs"
                | "trustAsResourceUrl" | "trustAsUrl" => c.first(),
                "send" if callee.starts_with("res.") => c.first().filter(|a| is_built_string(a) && looks_html(a)),
                _ => None,
            },
            Python => match n {
                "mark_safe" | "SafeString" | "SafeText" | "Markup" | "render_template_string" => c.first(),
                "HttpResponse" | "make_response" | "Response" => c.first().filter(|a| is_built_string(a) && looks_html(a)),
                _ => None,
            },
            Go => match callee {
                "template.HTML" | "template.JS" | "template.URL" | "template.HTMLAttr" | "template.CSS" | "template.JSStr" => c.first(),
                _ => None,
            },
            Java => match n {
                "write" | "print" | "println" | "append" if callee.contains("getWriter()") => {
                    c.first().filter(|a| is_built_string(a) && looks_html(a))
                }
                _ => None,
            },
            _ => None,
        };
        if let Some(arg) = sink_arg {
            if tainted(unit, arg) {
                emit(unit, meta, &c.node, format!("`{callee}` puts a value that is not a literal into HTML unescaped"), out);
            }
        }
    }
}
