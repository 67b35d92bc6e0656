//! DKR001: the Docker daemon's socket mounted into a container.

use crate::lang::Lang::*;
use crate::rules::{fx, CodeRuleMeta};
use crate::unit::Unit;
use airlock_protocol::{Category, Decision, Finding, Severity, Span};

pub static META: CodeRuleMeta = CodeRuleMeta {
    code: "DKR001",
    name: "docker-socket-mount",
    category: Category::CodeVulnerability,
    severity: Severity::High,
    decision: Decision::Ask,
    langs: &[Yaml, Dockerfile, Shell],
    summary: "A Compose file, Kubernetes manifest, workflow or Dockerfile mounts `/var/run/docker.sock` (or \
              `docker.sock` anywhere) into a container.",
    why: "Whoever reaches the Docker socket controls the daemon: one `docker run -v /:/host --privileged` later, \
          the container is root on the host.",
    example: "volumes:\n  - /var/run/docker.sock:/var/run/docker.sock",
    instead: "Do not share the socket. Use a rootless builder (BuildKit, kaniko), a socket proxy that allows only \
              the calls needed, or Docker-in-Docker isolated from the host.",
    references: &["CWE-250", "CWE-269"],
    flags: &[
        fx(Yaml, "services:\n  agent:\n    image: ci/agent\n    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock\n"),
        fx(Yaml, "spec:\n  volumes:\n    - name: sock\n      hostPath:\n        path: /var/run/docker.sock\n"),
        fx(Yaml, "services:\n  a:\n    volumes:\n      - type: bind\n        source: /run/docker.sock\n        target: /var/run/docker.sock\n"),
    ],
    passes: &[
        fx(Yaml, "services:\n  web:\n    image: nginx\n    volumes:\n      - ./html:/usr/share/nginx/html:ro\n"),
        fx(Yaml, "# never mount /var/run/docker.sock here\nservices:\n  web:\n    image: nginx\n"),
    ],
};

/// Prefilter triggers: reads only the raw text.
pub(crate) const TRIGGERS: Option<&[&str]> = Some(&[]);

pub fn check(unit: &Unit<'_>, meta: &CodeRuleMeta, out: &mut Vec<Finding>) {
    let mut at = 0;
    for line in unit.text.split_inclusive('\n') {
        let code = line.split(" #").next().unwrap_or(line);
        let trimmed = code.trim_start();
        if !trimmed.starts_with('#') && code.contains("docker.sock") {
            let start = at + (code.len() - trimmed.len());
            out.push(meta.finding(unit, Span::new(start, at + code.trim_end().len()), "mounts the Docker socket: the container can take over the host".into()));
        }
        at += line.len();
    }
}
