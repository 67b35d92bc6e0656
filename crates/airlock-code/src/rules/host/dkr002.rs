//! DKR002: the image's process runs as root.

use super::docker::{self, Instruction};
use crate::lang::Lang::*;
use crate::rules::{fx, CodeRuleMeta};
use crate::unit::Unit;
use airlock_protocol::{Category, Decision, Finding, Severity, Span};
use std::collections::HashMap;

pub static META: CodeRuleMeta = CodeRuleMeta {
    code: "DKR002",
    name: "container-runs-as-root",
    category: Category::CodeVulnerability,
    severity: Severity::Low,
    decision: Decision::Allow,
    langs: &[Dockerfile],
    summary: "The final stage of a Dockerfile starts its process (`CMD`, `ENTRYPOINT`) with no `USER` set before \
              it, or its last `USER` is root.",
    why: "A process running as root in a container is one kernel or runtime bug, one mounted socket or one \
          writable host path away from root on the host, and owns every file of the image it can be tricked \
          into rewriting. A model that removes or reorders the `USER` line gives the service those rights.",
    example: "FROM python:3.12-slim\nCOPY . /app\nCMD [\"python\", \"/app/main.py\"]",
    instead: "Create an unprivileged user and switch to it before the process starts:\n\
              RUN useradd --system --uid 10001 app\nUSER app\nCMD [\"python\", \"/app/main.py\"]",
    references: &["CWE-250", "CWE-269"],
    flags: &[
        fx(Dockerfile, "FROM debian:12\nRUN apt-get update\nCMD [\"/usr/bin/server\"]\n"),
        fx(Dockerfile, "FROM node:20\nUSER node\nRUN npm ci\nUSER root\n"),
        fx(Dockerfile, "FROM golang:1.22 AS build\nUSER 1000\nRUN go build\nFROM debian:12\nCOPY --from=build /out /srv\nENTRYPOINT /srv/app\n"),
        fx(Dockerfile, "FROM alpine\nUSER 0:0\nCMD sh\n"),
    ],
    passes: &[
        fx(Dockerfile, "FROM debian:12\nRUN useradd app\nUSER app\nCMD [\"/usr/bin/server\"]\n"),
        fx(Dockerfile, "FROM node:20\nUSER root\nRUN apt-get update\nUSER node\nCMD [\"node\", \"index.js\"]\n"),
        fx(Dockerfile, "FROM debian:12 AS base\nUSER 10001\nFROM base\nCMD [\"/srv/app\"]\n"),
        fx(Dockerfile, "FROM alpine\nRUN apk add curl\n"),
        fx(Dockerfile, "FROM alpine AS build\nCMD sh\nFROM alpine\nUSER nobody\nCMD sh\n"),
    ],
};

fn is_root(user: Option<&str>) -> bool {
    match user {
        None => true,
        Some(u) => matches!(u.split(':').next(), Some("root" | "0")),
    }
}

fn span(x: &Instruction) -> Span {
    Span::new(x.start, x.end)
}

/// Prefilter triggers: reads only the raw text.
pub(crate) const TRIGGERS: Option<&[&str]> = Some(&[]);

pub fn check(unit: &Unit<'_>, meta: &CodeRuleMeta, out: &mut Vec<Finding>) {
    let ins = docker::instructions(unit.text);
    let stages = docker::stages(&ins);
    // The user each named stage ends with, for stages built `FROM` it.
    let mut ends: HashMap<String, Option<String>> = HashMap::new();
    let count = stages.len();
    for (i, stage) in stages.iter().enumerate() {
        let Some(first) = stage.first().filter(|x| x.keyword == "FROM") else { continue };
        let (image, name) = docker::from_parts(&first.args);
        let mut user: Option<String> = ends.get(&image).cloned().flatten();
        let last = i + 1 == count;
        let mut last_user: Option<&Instruction> = None;
        for x in stage.iter() {
            match x.keyword.as_str() {
                "USER" => {
                    user = x.args.split_whitespace().next().map(str::to_string);
                    last_user = Some(x);
                }
                "CMD" | "ENTRYPOINT" if last && is_root(user.as_deref()) => {
                    let why = if user.is_some() { "after `USER root`" } else { "with no `USER` set in the final stage" };
                    out.push(meta.finding(unit, span(x), format!("the container's process starts as root ({why})")));
                }
                _ => {}
            }
        }
        if last {
            if let Some(x) = last_user.filter(|_| is_root(user.as_deref())) {
                out.push(meta.finding(unit, span(x), "the image's last `USER` is root: everything it runs has root rights".into()));
            }
        }
        if let Some(name) = name {
            ends.insert(name, user);
        }
    }
}
