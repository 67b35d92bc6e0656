//! `airlock scan`: the code analysis over files, a git diff, or stdin.
//!
//! Exit status: 0 no findings, 1 findings all below `--fail-level`, 2 a finding
//! at or above it, 3 an error (a path that cannot be read, a bad revision).

mod diff;
mod report;
mod sarif;

pub(crate) use diff::{byte_ranges, git};
pub(crate) use sarif::{level as sarif_level, security_severity, uri as sarif_uri};

use airlock_code::change::{self, Change};
use airlock_code::{analyze_file, Lang, Located};
use airlock_config::Policy;
use airlock_protocol::Severity;
use anyhow::{bail, Context};
use clap::{Args, ValueEnum};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args)]
pub struct ScanArgs {
    /// Files and directories to scan (default: the current directory). Directories are walked
    /// honouring .gitignore; hidden directories other than .github are skipped.
    pub paths: Vec<PathBuf>,
    /// Judge only what changed since git revision REV: added and modified lines of the working
    /// tree, with the removed lines given to the rules about what a change takes away.
    #[arg(long, value_name = "REV", conflicts_with = "stdin")]
    pub diff: Option<String>,
    /// Read one source from standard input (with --lang).
    #[arg(long, requires = "lang")]
    pub stdin: bool,
    /// Language of the --stdin source: python, javascript, typescript, tsx, go, java, rust, yaml,
    /// dockerfile, shell, package-json, requirements, python-config, npmrc, text.
    #[arg(long, value_name = "LANG")]
    pub lang: Option<String>,
    /// The file name reported for --stdin (rules that look at names, such as workflows, use it).
    #[arg(long, value_name = "NAME", default_value = "<stdin>")]
    pub stdin_name: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Findings of this severity or above make the exit status 2; lower ones make it 1.
    #[arg(long, value_enum, default_value_t = Level::High)]
    pub fail_level: Level,
    /// Also scan files that .gitignore and hidden-directory rules would skip.
    #[arg(long)]
    pub no_ignore: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Sarif,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Level {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Level {
    pub(crate) fn severity(self) -> Severity {
        match self {
            Level::Info => Severity::Info,
            Level::Low => Severity::Low,
            Level::Medium => Severity::Medium,
            Level::High => Severity::High,
            Level::Critical => Severity::Critical,
        }
    }
}

/// The findings of one file.
pub struct FileResult {
    pub path: String,
    pub findings: Vec<Located>,
}

/// Everything one scan found.
pub struct Report {
    pub files_scanned: usize,
    pub results: Vec<FileResult>,
    pub errors: Vec<String>,
}

pub fn run(a: ScanArgs) -> anyhow::Result<ExitCode> {
    let cwd = crate::resolve_cwd(None);
    let policy = Policy::load(&cwd)?;
    let report = if a.stdin {
        let lang_name = a.lang.as_deref().unwrap_or("text");
        let Some(lang) = Lang::from_name(lang_name) else {
            bail!("unknown language `{lang_name}`; see `airlock scan --help`");
        };
        let mut buf = Vec::new();
        std::io::stdin().read_to_end(&mut buf).context("reading standard input")?;
        let text = String::from_utf8_lossy(&buf);
        let findings = analyze_file(&change::from_write(&a.stdin_name, &text), lang, &policy);
        Report { files_scanned: 1, results: vec![FileResult { path: a.stdin_name.clone(), findings }], errors: Vec::new() }
    } else if let Some(rev) = &a.diff {
        let changes = diff::changes(&cwd, rev, &a.paths)?;
        scan_changes(changes, &policy)
    } else {
        let paths = if a.paths.is_empty() { vec![PathBuf::from(".")] } else { a.paths.clone() };
        let (files, mut errors) = walk(&paths, a.no_ignore);
        let mut r = scan_files(files, &policy);
        errors.append(&mut r.errors);
        r.errors = errors;
        r
    };
    let out = match a.format {
        Format::Text => report::text(&report),
        Format::Json => report::json(&report)?,
        Format::Sarif => sarif::render(&report, &cwd)?,
    };
    print!("{out}");
    for e in &report.errors {
        eprintln!("airlock: error: {e}");
    }
    Ok(exit_status(&report, a.fail_level.severity()))
}

fn exit_status(report: &Report, fail: Severity) -> ExitCode {
    if !report.errors.is_empty() {
        return ExitCode::from(3);
    }
    let worst = report.results.iter().flat_map(|r| r.findings.iter()).map(|l| l.finding.severity).max();
    match worst {
        None => ExitCode::SUCCESS,
        Some(s) if s >= fail => ExitCode::from(2),
        Some(_) => ExitCode::from(1),
    }
}

/// The files under `paths` that have a language, in a stable order.
pub(crate) fn walk(paths: &[PathBuf], no_ignore: bool) -> (Vec<(PathBuf, Lang)>, Vec<String>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for root in paths {
        if root.is_file() {
            // A file named explicitly is scanned whatever its name; unknown kinds as text.
            files.push((root.clone(), Lang::from_path(root).unwrap_or(Lang::Text)));
            continue;
        }
        if !root.exists() {
            errors.push(format!("{}: no such file or directory", root.display()));
            continue;
        }
        let walker = ignore::WalkBuilder::new(root)
            .standard_filters(!no_ignore)
            .hidden(false)
            .filter_entry(move |e| {
                let name = e.file_name().to_string_lossy();
                let hidden_dir = name.starts_with('.') && name != "." && name != ".." && name != ".github";
                // .git is never source, even with --no-ignore.
                name != ".git" && (no_ignore || !(e.depth() > 0 && hidden_dir && e.file_type().is_some_and(|t| t.is_dir())))
            })
            .build();
        for entry in walker {
            match entry {
                Ok(e) if e.file_type().is_some_and(|t| t.is_file()) => {
                    if let Some(lang) = Lang::from_path(e.path()) {
                        files.push((e.path().to_path_buf(), lang));
                    }
                }
                Ok(_) => {}
                Err(err) => errors.push(err.to_string()),
            }
        }
    }
    files.sort();
    files.dedup();
    (files, errors)
}

fn display(p: &Path) -> String {
    let s = p.to_string_lossy();
    s.strip_prefix("./").unwrap_or(&s).to_string()
}

fn scan_files(files: Vec<(PathBuf, Lang)>, policy: &Policy) -> Report {
    let jobs: Vec<_> = files
        .into_iter()
        .map(|(p, lang)| {
            let path = display(&p);
            (p, path, lang)
        })
        .collect();
    let done = parallel(&jobs, |(p, path, lang)| match std::fs::read(p) {
        Ok(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            Ok(FileResult { path: path.clone(), findings: analyze_file(&change::from_write(path, &text), *lang, policy) })
        }
        Err(e) => Err(format!("{path}: {e}")),
    });
    let names = jobs.iter().map(|(_, path, _)| path.as_str());
    collect(done, names)
}

fn scan_changes(changes: Vec<(Change, Lang)>, policy: &Policy) -> Report {
    let done = parallel(&changes, |(c, lang)| Ok(FileResult { path: c.path.clone(), findings: analyze_file(c, *lang, policy) }));
    collect(done, changes.iter().map(|(c, _)| c.path.as_str()))
}

fn collect<'a>(done: Vec<Option<Result<FileResult, String>>>, names: impl Iterator<Item = &'a str>) -> Report {
    let files_scanned = done.len();
    let mut results = Vec::new();
    let mut errors = Vec::new();
    for (d, name) in done.into_iter().zip(names) {
        match d {
            Some(Ok(r)) => results.push(r),
            Some(Err(e)) => errors.push(e),
            None => errors.push(format!("{name}: internal error in the analysis; the file was not judged")),
        }
    }
    Report { files_scanned, results, errors }
}

/// Map `f` over `items` on every core, keeping the order. An item whose analysis panicked is
/// `None`: the caller reports it as an error, so nothing is silently lost.
fn parallel<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<Option<R>> {
    let guarded = |item: &T| std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(item))).ok();
    let workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).min(items.len());
    if workers <= 1 {
        return items.iter().map(guarded).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut slots: Vec<Option<R>> = std::iter::repeat_with(|| None).take(items.len()).collect();
    let parts: Vec<Vec<(usize, Option<R>)>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                s.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        mine.push((i, guarded(item)));
                    }
                    mine
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_default()).collect()
    });
    for (i, r) in parts.into_iter().flatten() {
        if let Some(slot) = slots.get_mut(i) {
            *slot = r;
        }
    }
    slots
}
