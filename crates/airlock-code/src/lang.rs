//! Which language a file is, from its path or a name given by a person.

use ast_grep_language::SupportLang;
use std::path::Path;

/// Every kind of file the code analysis understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lang {
    Python,
    JavaScript,
    TypeScript,
    Tsx,
    Go,
    Java,
    Rust,
    /// A GitHub Actions workflow (or any YAML file).
    Yaml,
    Dockerfile,
    /// A shell script: judged line by line with the command analysis.
    Shell,
    /// `package.json`.
    PackageJson,
    /// `requirements*.txt`, `constraints*.txt`.
    Requirements,
    /// `pyproject.toml`, `Pipfile`, `pip.conf`, `uv.toml`.
    PythonConfig,
    /// `.npmrc`, `.yarnrc(.yml)`.
    Npmrc,
    /// Anything else: only the language-independent checks (hidden Unicode,
    /// private keys, suppression comments) apply.
    Text,
}

impl Lang {
    /// All languages, for `--lang` help and registry tests.
    pub const ALL: &'static [Lang] = &[
        Lang::Python,
        Lang::JavaScript,
        Lang::TypeScript,
        Lang::Tsx,
        Lang::Go,
        Lang::Java,
        Lang::Rust,
        Lang::Yaml,
        Lang::Dockerfile,
        Lang::Shell,
        Lang::PackageJson,
        Lang::Requirements,
        Lang::PythonConfig,
        Lang::Npmrc,
        Lang::Text,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Lang::Python => "python",
            Lang::JavaScript => "javascript",
            Lang::TypeScript => "typescript",
            Lang::Tsx => "tsx",
            Lang::Go => "go",
            Lang::Java => "java",
            Lang::Rust => "rust",
            Lang::Yaml => "yaml",
            Lang::Dockerfile => "dockerfile",
            Lang::Shell => "shell",
            Lang::PackageJson => "package-json",
            Lang::Requirements => "requirements",
            Lang::PythonConfig => "python-config",
            Lang::Npmrc => "npmrc",
            Lang::Text => "text",
        }
    }

    /// A language from a name a person types (`py`, `python`, `js`, `ts`, ...).
    pub fn from_name(name: &str) -> Option<Lang> {
        let n = name.trim().to_ascii_lowercase();
        Some(match n.as_str() {
            "python" | "py" => Lang::Python,
            "javascript" | "js" | "jsx" | "mjs" | "cjs" | "node" => Lang::JavaScript,
            "typescript" | "ts" | "mts" | "cts" => Lang::TypeScript,
            "tsx" => Lang::Tsx,
            "go" | "golang" => Lang::Go,
            "java" => Lang::Java,
            "rust" | "rs" => Lang::Rust,
            "yaml" | "yml" | "github-actions" | "workflow" => Lang::Yaml,
            "dockerfile" | "docker" | "containerfile" => Lang::Dockerfile,
            "shell" | "sh" | "bash" | "zsh" => Lang::Shell,
            "package-json" | "package.json" | "npm" => Lang::PackageJson,
            "requirements" | "requirements.txt" | "pip" => Lang::Requirements,
            "python-config" | "pyproject" | "pyproject.toml" => Lang::PythonConfig,
            "npmrc" | ".npmrc" => Lang::Npmrc,
            "text" | "txt" | "plain" => Lang::Text,
            _ => return None,
        })
    }

    /// The language of a file, from its name. `None` for files airlock does not
    /// read as code at all (binaries, images, lock files).
    pub fn from_path(path: &Path) -> Option<Lang> {
        let name = path.file_name()?.to_str()?.to_ascii_lowercase();
        if name == "package.json" {
            return Some(Lang::PackageJson);
        }
        if name == "dockerfile" || name == "containerfile" || name.starts_with("dockerfile.")
            || name.ends_with(".dockerfile")
        {
            return Some(Lang::Dockerfile);
        }
        if (name.starts_with("requirements") || name.starts_with("constraints"))
            && (name.ends_with(".txt") || name.ends_with(".in"))
        {
            return Some(Lang::Requirements);
        }
        if matches!(name.as_str(), "pyproject.toml" | "pipfile" | "pip.conf" | "uv.toml" | "pip.ini" | "setup.cfg") {
            return Some(Lang::PythonConfig);
        }
        if matches!(name.as_str(), ".npmrc" | ".yarnrc" | ".yarnrc.yml" | ".pnpmrc") {
            return Some(Lang::Npmrc);
        }
        let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
        Some(match ext {
            "py" | "pyw" | "pyi" => Lang::Python,
            "js" | "jsx" | "mjs" | "cjs" => Lang::JavaScript,
            "ts" | "mts" | "cts" => Lang::TypeScript,
            "tsx" => Lang::Tsx,
            "go" => Lang::Go,
            "java" => Lang::Java,
            "rs" => Lang::Rust,
            "yml" | "yaml" => Lang::Yaml,
            "sh" | "bash" | "zsh" | "ksh" => Lang::Shell,
            "ipynb" => Lang::Python,
            "png" | "jpg" | "jpeg" | "gif" | "ico" | "pdf" | "zip" | "gz" | "tgz" | "xz" | "bz2"
            | "whl" | "jar" | "class" | "so" | "dylib" | "dll" | "exe" | "o" | "a" | "wasm"
            | "woff" | "woff2" | "ttf" | "otf" | "pyc" | "lock" | "sum" => return None,
            _ => Lang::Text,
        })
    }

    /// The tree-sitter grammar, for languages parsed into a syntax tree.
    pub(crate) fn grammar(self) -> Option<SupportLang> {
        Some(match self {
            Lang::Python => SupportLang::Python,
            Lang::JavaScript => SupportLang::JavaScript,
            Lang::TypeScript => SupportLang::TypeScript,
            Lang::Tsx => SupportLang::Tsx,
            Lang::Go => SupportLang::Go,
            Lang::Java => SupportLang::Java,
            Lang::Rust => SupportLang::Rust,
            Lang::Yaml => SupportLang::Yaml,
            _ => return None,
        })
    }

    /// JavaScript and its typed dialects.
    pub fn is_js(self) -> bool {
        matches!(self, Lang::JavaScript | Lang::TypeScript | Lang::Tsx)
    }

    /// The token that starts a line comment, for suppression-comment checks.
    pub fn line_comment(self) -> &'static [&'static str] {
        match self {
            Lang::Python | Lang::Yaml | Lang::Dockerfile | Lang::Shell | Lang::Requirements
            | Lang::PythonConfig | Lang::Npmrc => &["#"],
            Lang::JavaScript | Lang::TypeScript | Lang::Tsx | Lang::Go | Lang::Java | Lang::Rust => {
                &["//", "/*"]
            }
            Lang::PackageJson => &[],
            Lang::Text => &["#", "//", "/*"],
        }
    }
}

impl std::fmt::Display for Lang {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_to_languages() {
        let cases = [
            ("src/auth.py", Some(Lang::Python)),
            ("web/App.tsx", Some(Lang::Tsx)),
            ("a/package.json", Some(Lang::PackageJson)),
            (".github/workflows/ci.yml", Some(Lang::Yaml)),
            ("Dockerfile", Some(Lang::Dockerfile)),
            ("requirements-dev.txt", Some(Lang::Requirements)),
            ("logo.png", None),
            ("README", Some(Lang::Text)),
        ];
        for (p, want) in cases {
            assert_eq!(Lang::from_path(Path::new(p)), want, "{p}");
        }
        for l in Lang::ALL {
            assert_eq!(Lang::from_name(l.name()), Some(*l));
        }
    }
}
