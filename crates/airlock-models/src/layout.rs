//! What to scan under a path: one file, a directory, a Hugging Face cache, or an Ollama
//! store. Each file comes with the name a person knows it by and, where the store names
//! its files by content (Ollama blobs, Hugging Face LFS blobs), the digest it must have.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::{Finding, ModelError};

/// The kind of tree found at the path given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Layout {
    File,
    Directory,
    /// `~/.cache/huggingface/hub` or one `models--org--name` folder in it.
    HuggingFaceCache,
    /// `~/.ollama/models`: `manifests/<registry>/<namespace>/<model>/<tag>` and `blobs/sha256-<hex>`.
    Ollama,
}

/// One file to scan.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The file to read (a link already resolved).
    pub path: PathBuf,
    /// What to call it in the report.
    pub name: String,
    /// The SHA-256 the store says the content has (lowercase hex) and, when known, the size.
    pub expect: Option<(String, Option<u64>)>,
    /// What the store says the file is (an Ollama layer's media type).
    pub role: Option<String>,
}

/// The files under a path, and what was wrong with the tree itself (a link out of the
/// store, a manifest that cannot be read): `(name, finding)`.
#[derive(Debug, Default)]
pub struct Collected {
    pub entries: Vec<Entry>,
    pub findings: Vec<(String, Finding)>,
}

/// Directory levels followed below the path given.
const MAX_WALK_DEPTH: usize = 32;
/// Files listed under one path, at most (more is reported and not scanned).
const MAX_FILES: usize = 1_000_000;
/// An Ollama manifest is a few hundred bytes of JSON.
const MAX_MANIFEST: u64 = 1 << 20;

pub fn layout_of(path: &Path) -> Layout {
    if !path.is_dir() {
        return Layout::File;
    }
    if path.join("manifests").is_dir() && path.join("blobs").is_dir() {
        return Layout::Ollama;
    }
    let is_repo = |p: &Path| p.join("snapshots").is_dir() && p.join("blobs").is_dir();
    if is_repo(path) {
        return Layout::HuggingFaceCache;
    }
    let has_repos = fs::read_dir(path).into_iter().flatten().flatten().any(|e| {
        let n = e.file_name();
        let n = n.to_string_lossy();
        (n.starts_with("models--") || n.starts_with("datasets--")) && is_repo(&e.path())
    });
    if has_repos {
        Layout::HuggingFaceCache
    } else {
        Layout::Directory
    }
}

pub fn collect(path: &Path) -> Result<(Layout, Collected), ModelError> {
    let io = |source| ModelError::Io { path: path.to_path_buf(), source };
    let meta = fs::metadata(path).map_err(io)?;
    let layout = layout_of(path);
    let mut c = Collected::default();
    match layout {
        Layout::File => {
            let _ = meta;
            c.entries.push(Entry { path: path.to_path_buf(), name: path.display().to_string(), expect: None, role: None });
        }
        Layout::Directory => walk(path, path, &mut c),
        Layout::HuggingFaceCache => hf_cache(path, &mut c),
        Layout::Ollama => ollama(path, &mut c),
    }
    if c.entries.len() > MAX_FILES {
        c.entries.truncate(MAX_FILES);
        c.findings.push((
            path.display().to_string(),
            Finding::warning("MDL010", format!("more than {MAX_FILES} files: the rest were not scanned")),
        ));
    }
    Ok((layout, c))
}

fn rel(root: &Path, p: &Path) -> String {
    p.strip_prefix(root).unwrap_or(p).display().to_string()
}

/// A plain directory: every file, links to files followed (engines follow them), links to
/// directories reported and not followed, `.git` skipped (no engine loads it).
fn walk(root: &Path, top: &Path, c: &mut Collected) {
    let mut stack = vec![(top.to_path_buf(), 0usize)];
    let real_root = fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    while let Some((dir, depth)) = stack.pop() {
        let mut names: Vec<_> = match fs::read_dir(&dir) {
            Ok(rd) => rd.flatten().collect(),
            Err(e) => {
                c.findings.push((rel(root, &dir), Finding::warning("MDL011", format!("cannot list: {e}"))));
                continue;
            }
        };
        names.sort_by_key(|e| e.file_name());
        for e in names {
            let p = e.path();
            let name = rel(root, &p);
            let ft = match e.file_type() {
                Ok(ft) => ft,
                Err(err) => {
                    c.findings.push((name, Finding::warning("MDL011", format!("cannot stat: {err}: not scanned"))));
                    continue;
                }
            };
            if ft.is_dir() {
                if e.file_name() == ".git" {
                    continue;
                }
                if depth + 1 > MAX_WALK_DEPTH {
                    c.findings.push((name, Finding::warning("MDL011", "nested too deep: not scanned")));
                } else {
                    stack.push((p, depth + 1));
                }
                continue;
            }
            if ft.is_symlink() {
                match fs::canonicalize(&p) {
                    Ok(target) if target.is_file() => {
                        if !target.starts_with(&real_root) {
                            c.findings.push((
                                name.clone(),
                                Finding::warning(
                                    "MDL012",
                                    format!("links outside the model directory, to {}", target.display()),
                                ),
                            ));
                        }
                        c.entries.push(Entry { path: target, name, expect: None, role: None });
                    }
                    Ok(target) if target.is_dir() => c.findings.push((
                        name,
                        Finding::warning("MDL012", format!("link to a directory ({}): not followed", target.display())),
                    )),
                    Ok(_) | Err(_) => c.findings.push((name, Finding::warning("MDL012", "broken link"))),
                }
                continue;
            }
            if ft.is_file() {
                c.entries.push(Entry { path: p, name, expect: None, role: None });
            }
        }
    }
    c.entries.sort_by(|a, b| a.name.cmp(&b.name));
}

fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A Hugging Face cache: every snapshot's files (links into `blobs/`, whose names are the
/// SHA-256 of LFS content), and blobs no snapshot uses.
fn hf_cache(path: &Path, c: &mut Collected) {
    let repos: Vec<PathBuf> = if path.join("snapshots").is_dir() {
        vec![path.to_path_buf()]
    } else {
        let mut v: Vec<_> = fs::read_dir(path)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.join("snapshots").is_dir())
            .collect();
        v.sort();
        v
    };
    let base = if repos.len() == 1 && repos.first().is_some_and(|r| r == path) {
        path.parent().unwrap_or(path).to_path_buf()
    } else {
        path.to_path_buf()
    };
    for repo in repos {
        let blobs = fs::canonicalize(repo.join("blobs")).unwrap_or_else(|_| repo.join("blobs"));
        let mut used = BTreeSet::new();
        let mut snap = Collected::default();
        walk(&base, &repo.join("snapshots"), &mut snap);
        for (name, f) in snap.findings {
            c.findings.push((name, f));
        }
        for mut e in snap.entries {
            if e.path.starts_with(&blobs) {
                used.insert(e.path.clone());
                let blob = e.path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
                if is_sha256_hex(&blob) {
                    e.expect = Some((blob, None));
                }
            } else if e.path.starts_with(&repo) {
                // A regular file in a snapshot (not a link): allowed, nothing to compare.
            } else {
                c.findings.push((
                    e.name.clone(),
                    Finding::warning("MDL012", format!("snapshot entry resolves outside the cache's blobs, to {}", e.path.display())),
                ));
            }
            c.entries.push(e);
        }
        for b in fs::read_dir(&blobs).into_iter().flatten().flatten() {
            let p = b.path();
            if p.is_file() && !used.contains(&p) && !p.extension().is_some_and(|x| x == "incomplete" || x == "lock") {
                let blob = b.file_name().to_string_lossy().to_string();
                let expect = is_sha256_hex(&blob).then_some((blob, None));
                c.entries.push(Entry { name: rel(&base, &p), path: p, expect, role: None });
            }
        }
    }
}

#[derive(Deserialize)]
struct Manifest {
    #[serde(default)]
    config: Option<Layer>,
    #[serde(default)]
    layers: Vec<Layer>,
}

#[derive(Deserialize)]
struct Layer {
    #[serde(rename = "mediaType", default)]
    media_type: String,
    digest: String,
    #[serde(default)]
    size: Option<u64>,
}

/// An Ollama store: each manifest names its layers by digest; each layer is
/// `blobs/sha256-<hex>` and must have that digest and size. Blobs no manifest names are
/// scanned too.
fn ollama(path: &Path, c: &mut Collected) {
    let blobs = path.join("blobs");
    let mut manifests = Collected::default();
    walk(path, &path.join("manifests"), &mut manifests);
    c.findings.append(&mut manifests.findings);
    let mut used = BTreeSet::new();
    for m in manifests.entries {
        let model = m.name.strip_prefix("manifests/").unwrap_or(&m.name).to_string();
        let text = match fs::metadata(&m.path) {
            Ok(md) if md.len() > MAX_MANIFEST => {
                c.findings.push((m.name, Finding::unsafe_("MDL013", "manifest larger than 1 MiB")));
                continue;
            }
            _ => fs::read(&m.path),
        };
        let parsed = text.map_err(|e| e.to_string()).and_then(|t| serde_json::from_slice::<Manifest>(&t).map_err(|e| e.to_string()));
        let manifest = match parsed {
            Ok(x) => x,
            Err(e) => {
                c.findings.push((m.name, Finding::unsafe_("MDL013", format!("manifest cannot be read: {e}"))));
                continue;
            }
        };
        for layer in manifest.config.iter().chain(&manifest.layers) {
            let Some(hex) = layer.digest.strip_prefix("sha256:").filter(|h| is_sha256_hex(h)) else {
                c.findings.push((
                    m.name.clone(),
                    Finding::unsafe_("MDL013", format!("layer digest {:?} is not sha256:<64 hex>", layer.digest)),
                ));
                continue;
            };
            let blob = blobs.join(format!("sha256-{hex}"));
            let role = layer.media_type.rsplit('.').next().unwrap_or_default().to_string();
            let name = format!("{model} ({role} sha256:{})", hex.get(..12).unwrap_or(hex));
            if !blob.is_file() {
                c.findings.push((name, Finding::unsafe_("MDL014", format!("blob {} is missing", blob.display()))));
                continue;
            }
            if !used.insert(blob.clone()) {
                continue; // another tag of the same model: scanned once
            }
            c.entries.push(Entry { path: blob, name, expect: Some((hex.to_string(), layer.size)), role: Some(layer.media_type.clone()) });
        }
    }
    for b in fs::read_dir(&blobs).into_iter().flatten().flatten() {
        let p = b.path();
        if p.is_file() && !used.contains(&p) {
            let n = b.file_name().to_string_lossy().to_string();
            let expect = n.strip_prefix("sha256-").filter(|h| is_sha256_hex(h)).map(|h| (h.to_string(), None));
            c.entries.push(Entry { name: format!("blobs/{n}"), path: p, expect, role: None });
        }
    }
}
