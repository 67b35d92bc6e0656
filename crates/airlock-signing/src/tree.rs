//! Walking a model directory and hashing its files in parallel.
//!
//! Coverage rule: every regular file under the model path is required to be
//! signed, except
//! - the signature bundle itself when it lies inside the model directory, and
//! - VCS metadata at the top level: `.git/`, `.github/`, `.gitattributes`,
//!   `.gitignore` (model_signing leaves the same paths out by default; no
//!   inference engine loads them).
//!
//! Files under those excluded paths are still checked when the bundle lists
//! them. Symbolic links are refused unless the caller asks to follow them
//! (a Hugging Face cache snapshot is made of links into `blobs/`); a followed
//! link is named by its place in the tree. Sockets, FIFOs and devices are
//! refused. Names must be UTF-8.

use crate::SigningError;
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

/// Top-level names left out of coverage (VCS metadata).
pub const VCS_EXCLUDED: [&str; 4] = [".git", ".gitattributes", ".github", ".gitignore"];

/// Deepest directory nesting walked.
const MAX_DEPTH: usize = 64;
/// Read buffer per hashing thread.
const BUF_BYTES: usize = 4 * 1024 * 1024;

/// One regular file found under the model path.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Relative `/`-separated name, or `.` when the model is a single file.
    pub name: String,
    pub path: PathBuf,
    pub len: u64,
    /// Under an excluded path (not required to be signed).
    pub excluded: bool,
    id: FileId,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct FileId {
    dev: u64,
    ino: u64,
}

#[cfg(unix)]
fn file_id(m: &std::fs::Metadata) -> FileId {
    use std::os::unix::fs::MetadataExt;
    FileId { dev: m.dev(), ino: m.ino() }
}

#[cfg(not(unix))]
fn file_id(_m: &std::fs::Metadata) -> FileId {
    FileId { dev: 0, ino: 0 }
}

fn io_err(path: &Path, source: std::io::Error) -> SigningError {
    SigningError::Io { path: path.to_path_buf(), source }
}

pub struct WalkOptions<'a> {
    pub follow_symlinks: bool,
    /// The signature bundle (left out of coverage when inside the tree).
    pub signature: Option<&'a Path>,
}

/// Lists the regular files of a model (a directory or a single file).
pub fn walk(root: &Path, opts: &WalkOptions<'_>) -> Result<Vec<Entry>, SigningError> {
    let lmeta = std::fs::symlink_metadata(root).map_err(|e| io_err(root, e))?;
    if lmeta.file_type().is_symlink() && !opts.follow_symlinks {
        return Err(SigningError::Symlink(root.display().to_string()));
    }
    let meta = std::fs::metadata(root).map_err(|e| io_err(root, e))?;
    if meta.is_file() {
        return Ok(vec![Entry {
            name: ".".into(),
            path: root.to_path_buf(),
            len: meta.len(),
            excluded: false,
            id: file_id(&meta),
        }]);
    }
    if !meta.is_dir() {
        return Err(SigningError::SpecialFile(root.display().to_string()));
    }
    let sig = opts.signature.and_then(|s| std::fs::canonicalize(s).ok());
    let mut w = Walker { opts, sig, out: Vec::new(), visited: HashSet::new() };
    w.visited.insert(file_id(&meta));
    w.dir(root, "", 0, false)?;
    Ok(w.out)
}

struct Walker<'a, 'b> {
    opts: &'a WalkOptions<'b>,
    sig: Option<PathBuf>,
    out: Vec<Entry>,
    visited: HashSet<FileId>,
}

impl Walker<'_, '_> {
    fn dir(&mut self, dir: &Path, prefix: &str, depth: usize, excluded: bool) -> Result<(), SigningError> {
        if depth > MAX_DEPTH {
            return Err(SigningError::Unsupported(format!("directories nested deeper than {MAX_DEPTH} at {prefix}")));
        }
        let rd = std::fs::read_dir(dir).map_err(|e| io_err(dir, e))?;
        let mut children = Vec::new();
        for ent in rd {
            let ent = ent.map_err(|e| io_err(dir, e))?;
            children.push(ent);
        }
        children.sort_by_key(|e| e.file_name());
        for ent in children {
            let path = ent.path();
            let file_name = ent.file_name();
            let Some(fname) = file_name.to_str() else {
                return Err(SigningError::NonUtf8Name(path.display().to_string()));
            };
            let name = if prefix.is_empty() { fname.to_string() } else { format!("{prefix}/{fname}") };
            let excluded = excluded || (depth == 0 && VCS_EXCLUDED.contains(&fname));
            let lmeta = std::fs::symlink_metadata(&path).map_err(|e| io_err(&path, e))?;
            let meta = if lmeta.file_type().is_symlink() {
                if excluded {
                    continue;
                }
                if !self.opts.follow_symlinks {
                    return Err(SigningError::Symlink(name));
                }
                std::fs::metadata(&path).map_err(|e| io_err(&path, e))?
            } else {
                lmeta
            };
            if meta.is_dir() {
                if !self.visited.insert(file_id(&meta)) {
                    return Err(SigningError::Unsupported(format!("directory loop through {name}")));
                }
                self.dir(&path, &name, depth + 1, excluded)?;
                self.visited.remove(&file_id(&meta));
            } else if meta.is_file() {
                let is_sig = match &self.sig {
                    Some(s) => std::fs::canonicalize(&path).map(|p| &p == s).unwrap_or(false),
                    None => false,
                };
                if is_sig {
                    continue;
                }
                self.out.push(Entry { name, path, len: meta.len(), excluded, id: file_id(&meta) });
            } else if !excluded {
                return Err(SigningError::SpecialFile(name));
            }
        }
        Ok(())
    }
}

/// Hashes one file with SHA-256, checking it is still the file walked.
fn hash_one(e: &Entry, buf: &mut [u8], stop: &AtomicBool) -> Result<[u8; 32], SigningError> {
    let mut f = File::open(&e.path).map_err(|err| io_err(&e.path, err))?;
    let meta = f.metadata().map_err(|err| io_err(&e.path, err))?;
    if file_id(&meta) != e.id || !meta.is_file() {
        return Err(SigningError::Changed(e.name.clone()));
    }
    let mut h = Sha256::new();
    loop {
        if stop.load(Ordering::Relaxed) {
            return Err(SigningError::Cancelled);
        }
        let n = f.read(buf).map_err(|err| io_err(&e.path, err))?;
        if n == 0 {
            break;
        }
        h.update(buf.get(..n).unwrap_or_default());
    }
    Ok(h.finalize().into())
}

/// Hashes the entries in parallel across files (largest first), with
/// `threads` workers (0: one per core). Results are in input order.
pub fn hash_all(entries: &[&Entry], threads: usize) -> Result<Vec<[u8; 32]>, SigningError> {
    let threads = if threads == 0 {
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    } else {
        threads
    }
    .clamp(1, entries.len().max(1));
    let mut order: Vec<usize> = (0..entries.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(entries.get(i).map(|e| e.len).unwrap_or(0)));
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let results: Mutex<Vec<Option<[u8; 32]>>> = Mutex::new(vec![None; entries.len()]);
    let first_err: Mutex<Option<SigningError>> = Mutex::new(None);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                let mut buf = vec![0u8; BUF_BYTES];
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let (Some(&i), false) = (order.get(k), stop.load(Ordering::Relaxed)) else { break };
                    let Some(e) = entries.get(i) else { break };
                    match hash_one(e, &mut buf, &stop) {
                        Ok(d) => {
                            if let Ok(mut r) = results.lock() {
                                if let Some(slot) = r.get_mut(i) {
                                    *slot = Some(d);
                                }
                            }
                        }
                        Err(err) => {
                            stop.store(true, Ordering::Relaxed);
                            if let Ok(mut fe) = first_err.lock() {
                                if fe.is_none() || matches!(*fe, Some(SigningError::Cancelled)) {
                                    *fe = Some(err);
                                }
                            }
                            break;
                        }
                    }
                }
            });
        }
    });
    if let Some(e) = first_err.into_inner().ok().flatten() {
        return Err(e);
    }
    let results = results.into_inner().map_err(|_| SigningError::Cancelled)?;
    results.into_iter().map(|d| d.ok_or(SigningError::Cancelled)).collect()
}

/// model_signing's order: by path components, each compared as a string.
pub fn sort_like_model_signing(files: &mut [(String, [u8; 32])]) {
    files.sort_by(|a, b| a.0.split('/').cmp(b.0.split('/')));
}
