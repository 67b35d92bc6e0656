//! PKG002: packages fetched from an unusual index, registry or URL.

use crate::lang::Lang::*;
use crate::rules::{fx, CodeRuleMeta};
use crate::unit::Unit;
use airlock_protocol::{Category, Decision, Finding, Severity, Span};

pub static META: CodeRuleMeta = CodeRuleMeta {
    code: "PKG002",
    name: "unusual-package-source",
    category: Category::SupplyChain,
    severity: Severity::High,
    decision: Decision::Ask,
    langs: &[Requirements, PythonConfig, Npmrc, PackageJson],
    summary: "A package index or registry other than the public one (and not in `[network] trusted_hosts`): \
              `--index-url`/`--extra-index-url`/`--find-links`/`--trusted-host` in requirements, `index-url` and \
              sources in pyproject/pip.conf, `registry=` in .npmrc, or dependencies fetched from a URL.",
    why: "Whoever runs that index decides what code gets installed; `--extra-index-url` even lets it win name clashes \
          with the public index (dependency confusion), and plain `http://` lets anyone on the path swap packages.",
    example: "--extra-index-url http://pypi.internal-mirror.example/simple",
    instead: "Use the public index or a vetted internal mirror listed in `[network] trusted_hosts`, over HTTPS, \
              with hashes (`--require-hashes`).",
    references: &["CWE-494", "CWE-829"],
    flags: &[
        fx(Requirements, "--extra-index-url http://pypi.internal-mirror.example/simple\nrequests==2.32.3\n"),
        fx(Npmrc, "registry=https://npm.evil-mirror.example/\n"),
        fx(PythonConfig, "[[tool.uv.index]]\nname = \"mirror\"\nurl = \"https://pkgs.mirror.example/simple\"\n"),
        fx(PackageJson, "{\"dependencies\": {\"left-pad\": \"https://files.example.net/left-pad-1.3.0.tgz\"}}"),
    ],
    passes: &[
        fx(Requirements, "--index-url https://pypi.org/simple\nrequests==2.32.3\n"),
        fx(Npmrc, "registry=https://registry.npmjs.org/\n"),
        fx(PackageJson, "{\"dependencies\": {\"left-pad\": \"^1.3.0\"}}"),
    ],
};

const PUBLIC: &[&str] = &["pypi.org", "files.pythonhosted.org", "pypi.python.org", "registry.npmjs.org", "registry.yarnpkg.com", "npm.pkg.github.com", "download.pytorch.org"];

fn host_of(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let host = rest.split(['/', ':', '?']).next()?;
    Some(host.rsplit('@').next().unwrap_or(host))
}

fn unusual(unit: &Unit<'_>, url: &str) -> Option<String> {
    let host = host_of(url)?;
    if url.starts_with("http://") && !matches!(host, "localhost" | "127.0.0.1") {
        return Some(format!("packages come over plain HTTP from {host}"));
    }
    if PUBLIC.contains(&host) || unit.policy.host_trusted(host) {
        return None;
    }
    Some(format!("packages come from {host}, not the public index"))
}

/// Prefilter triggers: reads only the raw text.
pub(crate) const TRIGGERS: Option<&[&str]> = Some(&[]);

pub fn check(unit: &Unit<'_>, meta: &CodeRuleMeta, out: &mut Vec<Finding>) {
    let keys: &[&str] = match unit.lang {
        Requirements => &["--index-url", "--extra-index-url", "-i", "--find-links", "-f", "--trusted-host"],
        PythonConfig => &["index-url", "extra-index-url", "url", "index_url", "find-links", "trusted-host"],
        Npmrc => &["registry"],
        _ => &[],
    };
    let mut offset = 0;
    for line in unit.text.split_inclusive('\n') {
        let t = line.trim();
        let key = t.split(['=', ' ', '\t']).next().unwrap_or("").trim();
        let key_base = key.rsplit(':').next().unwrap_or(key);
        let value = t.get(key.len()..).unwrap_or("").trim_start_matches([' ', '=', '\t']).trim().trim_matches(['"', '\'']);
        let hit = if keys.contains(&key) || (unit.lang == Npmrc && key_base == "registry") {
            if key == "--trusted-host" || key == "trusted-host" {
                Some(format!("`{value}` is trusted without TLS verification"))
            } else {
                unusual(unit, value)
            }
        } else if unit.lang == Requirements && (t.contains(" @ http") || t.starts_with("http://") || t.starts_with("https://") || t.starts_with("git+")) {
            let url = t.split_whitespace().find(|w| w.contains("://")).unwrap_or("");
            unusual(unit, url.trim_start_matches("git+")).or_else(|| t.starts_with("git+").then(|| "a package is installed from a git URL".to_string()))
        } else {
            None
        };
        if let Some(msg) = hit {
            out.push(meta.finding(unit, Span::new(offset, offset + line.trim_end().len()), msg));
        }
        offset += line.len();
    }
    if unit.lang == PackageJson {
        let Ok(serde_json::Value::Object(root)) = serde_json::from_str::<serde_json::Value>(unit.text) else { return };
        for section in ["dependencies", "devDependencies", "optionalDependencies"] {
            let Some(serde_json::Value::Object(deps)) = root.get(section) else { continue };
            for (name, v) in deps {
                let Some(spec) = v.as_str() else { continue };
                let url = spec.trim_start_matches("git+");
                let msg = if url.contains("://") { unusual(unit, url) } else { None };
                if let Some(m) = msg {
                    let at = unit.text.find(&format!("\"{name}\"")).unwrap_or(0);
                    out.push(meta.finding(unit, Span::new(at, at + name.len() + 2), format!("`{name}`: {m}")));
                }
            }
        }
    }
}
