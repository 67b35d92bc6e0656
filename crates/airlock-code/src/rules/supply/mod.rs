//! Packages and install-time code.
pub mod pkg001;
pub mod pkg002;
pub mod pkg003;
mod popular;

pub(crate) use popular::{NPM_POPULAR, PYPI_POPULAR};

/// Dependency names declared by a manifest, with their byte offsets.
pub(crate) fn dependencies(text: &str, lang: crate::lang::Lang) -> Vec<(usize, String)> {
    use crate::lang::Lang;
    let mut out = Vec::new();
    match lang {
        Lang::PackageJson => {
            let Ok(serde_json::Value::Object(root)) = serde_json::from_str::<serde_json::Value>(text) else {
                return out;
            };
            for section in ["dependencies", "devDependencies", "optionalDependencies", "peerDependencies"] {
                if let Some(serde_json::Value::Object(deps)) = root.get(section) {
                    for name in deps.keys() {
                        let at = text.find(&format!("\"{name}\"")).unwrap_or(0);
                        out.push((at, name.clone()));
                    }
                }
            }
        }
        Lang::Requirements => {
            let mut offset = 0;
            for line in text.split_inclusive('\n') {
                let t = line.trim();
                if !t.is_empty() && !t.starts_with('#') && !t.starts_with('-') {
                    let name: String = t.chars().take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')).collect();
                    if !name.is_empty() {
                        out.push((offset + line.find(&name).unwrap_or(0), name));
                    }
                }
                offset += line.len();
            }
        }
        Lang::PythonConfig => {
            // Quoted requirement strings inside dependency arrays.
            let mut offset = 0;
            let mut in_deps = false;
            for line in text.split_inclusive('\n') {
                let t = line.trim();
                if t.contains("dependencies") && t.contains('[') {
                    in_deps = true;
                }
                if in_deps {
                    for part in t.split(['"', '\'']).skip(1).step_by(2) {
                        let name: String = part.chars().take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')).collect();
                        if !name.is_empty() {
                            out.push((offset + line.find(part).unwrap_or(0), name));
                        }
                    }
                }
                if t.contains(']') {
                    in_deps = false;
                }
                offset += line.len();
            }
        }
        _ => {}
    }
    out
}
