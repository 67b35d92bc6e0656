//! DKR003: a secret passed as a Docker build argument.

use super::docker;
use crate::lang::Lang::*;
use crate::rules::{fx, CodeRuleMeta};
use crate::unit::Unit;
use airlock_protocol::{Category, Decision, Finding, Severity, Span};

pub static META: CodeRuleMeta = CodeRuleMeta {
    code: "DKR003",
    name: "secret-in-build-arg",
    category: Category::CodeVulnerability,
    severity: Severity::Medium,
    decision: Decision::Allow,
    langs: &[Dockerfile],
    summary: "An `ARG` whose name says it carries a secret (a password, token, secret, private or API key, \
              credential).",
    why: "Build arguments are not secret: their values are kept in the image's metadata and history \
          (`docker history`, `docker inspect`) and in build caches, so everyone who can pull the image can read \
          the secret. A default value in the Dockerfile puts it in the repository as well.",
    example: "ARG NPM_TOKEN\nRUN echo \"//registry.npmjs.org/:_authToken=$NPM_TOKEN\" > .npmrc && npm ci",
    instead: "Mount the secret for the one step that needs it: `RUN --mount=type=secret,id=npm_token \
              NPM_TOKEN=$(cat /run/secrets/npm_token) npm ci`, built with `docker build --secret id=npm_token,...`.",
    references: &["CWE-538", "CWE-522"],
    flags: &[
        fx(Dockerfile, "FROM node:20\nARG NPM_TOKEN\nRUN npm ci\n"),
        fx(Dockerfile, "ARG db_password=hunter2\nFROM alpine\n"),
        fx(Dockerfile, "FROM alpine\nARG AWS_SECRET_ACCESS_KEY\n"),
        fx(Dockerfile, "FROM alpine\nARG GITHUB_API_KEY\nARG SSH_PRIVATE_KEY\n"),
    ],
    passes: &[
        fx(Dockerfile, "ARG BASE_TAG=latest\nFROM alpine:${BASE_TAG}\nARG VERSION=1.2\n"),
        fx(Dockerfile, "FROM alpine\nARG PASSWORD_FILE=/run/secrets/db\nARG TOKEN_URL\nARG PUBLIC_KEY_ID\n"),
        fx(Dockerfile, "FROM alpine\nARG NOTE=\"secret password token\"\nENV KEYBOARD=us\n"),
    ],
};

/// Name parts that say the value is a secret.
const SECRET: &[&str] = &["secret", "password", "passwd", "passphrase", "pwd", "token", "credential", "credentials"];
/// Pairs of parts that do (`api` + `key`, `private` + `key`).
const KEY_QUALIFIERS: &[&str] = &["api", "private", "access", "secret", "ssh", "signing", "encryption", "master"];
/// A last part that says the value only points at or describes the secret.
const NOT_VALUE: &[&str] = &["file", "path", "url", "uri", "id", "name", "length", "len", "env", "dir", "type", "version"];

fn names_secret(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let parts: Vec<&str> = lower.split(['_', '-', '.']).filter(|p| !p.is_empty()).collect();
    if parts.last().is_some_and(|p| NOT_VALUE.contains(p)) {
        return false;
    }
    let keyed = parts.windows(2).any(|w| matches!(w, [q, k] if KEY_QUALIFIERS.contains(q) && *k == "key"))
        || parts.iter().any(|p| matches!(*p, "apikey" | "privatekey" | "secretkey"));
    keyed || parts.iter().any(|p| SECRET.contains(p))
}

/// `ARG a=1 b="two words"`: the declarations, split at whitespace outside quotes.
fn declarations(args: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut quote: Option<char> = None;
    let mut start: Option<usize> = None;
    for (i, c) in args.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => {
                quote = Some(c);
                start.get_or_insert(i);
            }
            (None, c) if c.is_whitespace() => {
                if let Some(s) = start.take() {
                    out.push(args.get(s..i).unwrap_or_default());
                }
            }
            (None, _) => {
                start.get_or_insert(i);
            }
        }
    }
    if let Some(s) = start {
        out.push(args.get(s..).unwrap_or_default());
    }
    out
}

/// Prefilter triggers: reads only the raw text.
pub(crate) const TRIGGERS: Option<&[&str]> = Some(&[]);

pub fn check(unit: &Unit<'_>, meta: &CodeRuleMeta, out: &mut Vec<Finding>) {
    for x in docker::instructions(unit.text).iter().filter(|x| x.keyword == "ARG") {
        for decl in declarations(&x.args) {
            let name = decl.split('=').next().unwrap_or(decl);
            if names_secret(name) {
                out.push(meta.finding(
                    unit,
                    Span::new(x.start, x.end),
                    format!("build argument `{name}` carries a secret: build arguments are kept in the image's history"),
                ));
                break;
            }
        }
    }
}
