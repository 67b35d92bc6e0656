//! Scanning everything under a path, in parallel across files and cores.

use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use sha2::{Digest, Sha256};

use crate::layout::{self, Collected, Entry, Layout};
use crate::{FileReport, Finding, Format, ModelError, Severity};

/// The result of a path.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TreeReport {
    pub path: String,
    pub layout: Layout,
    pub files: Vec<FileReport>,
    /// Findings about the tree rather than one file's content (a link out of the store, a
    /// missing blob), each with the name it concerns.
    pub tree: Vec<TreeFinding>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct TreeFinding {
    pub name: String,
    #[serde(flatten)]
    pub finding: Finding,
}

impl TreeReport {
    pub fn verdict(&self) -> Option<Severity> {
        let files = self.files.iter().filter_map(FileReport::verdict);
        files.chain(self.tree.iter().map(|t| t.finding.severity)).max()
    }

    /// Exit status: 0 clean, 1 warnings, 2 unsafe.
    pub fn exit_code(&self) -> u8 {
        match self.verdict() {
            Some(Severity::Unsafe) => 2,
            Some(Severity::Warning) => 1,
            _ => 0,
        }
    }
}

/// Called after each file with its size, from any worker thread (a progress bar).
pub type Progress<'a> = &'a (dyn Fn(u64) + Sync);

/// Lists what is under `path` and the total bytes (for a progress bar), without reading content.
pub fn plan(path: &Path) -> Result<(Layout, Collected, u64), ModelError> {
    let (l, c) = layout::collect(path)?;
    let total = c.entries.iter().filter_map(|e| std::fs::metadata(&e.path).ok()).map(|m| m.len()).sum();
    Ok((l, c, total))
}

/// Scans what [`plan`] listed on `threads` workers (0: one per core).
pub fn scan_planned(path: &Path, layout: Layout, collected: Collected, threads: usize, progress: Progress<'_>) -> TreeReport {
    let Collected { entries, findings } = collected;
    let threads = if threads == 0 { std::thread::available_parallelism().map_or(1, |n| n.get()) } else { threads };
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(usize, FileReport)>> = Mutex::new(Vec::with_capacity(entries.len()));
    std::thread::scope(|s| {
        for _ in 0..threads.min(entries.len()).max(1) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(e) = entries.get(i) else { break };
                let r = scan_entry(e);
                progress(r.size);
                // A poisoned lock still holds every report pushed so far: never drop one.
                results.lock().unwrap_or_else(|p| p.into_inner()).push((i, r));
            });
        }
    });
    let mut files = results.into_inner().unwrap_or_else(|p| p.into_inner());
    files.sort_by_key(|(i, _)| *i);
    TreeReport {
        path: path.display().to_string(),
        layout,
        files: files.into_iter().map(|(_, r)| r).collect(),
        tree: findings.into_iter().map(|(name, finding)| TreeFinding { name, finding }).collect(),
    }
}

/// [`plan`] then [`scan_planned`].
pub fn scan_path(path: &Path, threads: usize, progress: Progress<'_>) -> Result<TreeReport, ModelError> {
    let (l, c, _) = plan(path)?;
    Ok(scan_planned(path, l, c, threads, progress))
}

fn scan_entry(e: &Entry) -> FileReport {
    let mut r = match crate::scan_file(&e.path) {
        Ok(r) => r,
        Err(err) => FileReport {
            path: e.name.clone(),
            format: Format::Unknown,
            size: 0,
            findings: vec![Finding::unsafe_("MDL002", err.to_string())],
        },
    };
    r.path = e.name.clone();
    // Loaders pick custom code by file name (`auto_map` names `modeling_x.XModel`, the
    // loader imports `modeling_x.py`), so here the name is what matters.
    if e.name.ends_with(".py") && matches!(r.format, Format::Text | Format::Pickle | Format::Unknown) {
        r.findings.push(Finding::warning(
            "MDL023",
            "Python source in a model folder: a loader with trust_remote_code=True runs it; read it first",
        ));
    }
    if let Some((hex, size)) = &e.expect {
        if let Some(want) = size.filter(|s| *s != r.size) {
            r.findings.push(Finding::unsafe_("MDL015", format!("size {} but the store says {want}", r.size)));
        }
        match sha256_file(&e.path) {
            Ok(got) if &got == hex => {}
            Ok(got) => r.findings.push(Finding::unsafe_(
                "MDL015",
                format!("content has SHA-256 {got}, but the store names it {hex}: changed after download"),
            )),
            Err(err) => r.findings.push(Finding::unsafe_("MDL002", format!("read error while hashing: {err}"))),
        }
    }
    r
}

/// SHA-256 of a file, lowercase hex, read in 1 MiB blocks.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut f = File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => h.update(buf.get(..n).unwrap_or_default()),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}
