//! `airlock models scan`: what is in model files, before an engine loads them.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use airlock_models::tree::{self, TreeReport};
use airlock_models::Severity;
use clap::Args;

#[derive(Args)]
pub struct ScanArgs {
    /// Files or directories: a model folder, a Hugging Face cache (`~/.cache/huggingface/hub`
    /// or one `models--org--name` in it), or an Ollama store (`~/.ollama/models`).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// One JSON document on stdout: every file with its format and findings.
    #[arg(long)]
    pub json: bool,
    /// Worker threads (default: one per core).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Also list clean files in the text report.
    #[arg(long, short)]
    pub verbose: bool,
}

/// Scans each path with a progress bar on a terminal.
pub(crate) fn scan_paths(paths: &[PathBuf], threads: usize) -> anyhow::Result<Vec<TreeReport>> {
    let mut out = Vec::new();
    for p in paths {
        out.push(scan_one(p, threads)?);
    }
    Ok(out)
}

fn scan_one(path: &Path, threads: usize) -> anyhow::Result<TreeReport> {
    let (layout, collected, total) =
        tree::plan(path).map_err(|e| anyhow::anyhow!("{e}"))?;
    let bar = if std::io::stderr().is_terminal() && total > 64 << 20 {
        let b = indicatif::ProgressBar::new(total);
        b.set_style(
            indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        b.set_message(format!("scanning {}", path.display()));
        Some(b)
    } else {
        None
    };
    let tick = |n: u64| {
        if let Some(b) = &bar {
            b.inc(n);
        }
    };
    let report = tree::scan_planned(path, layout, collected, threads, &tick);
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    Ok(report)
}

pub(crate) fn exit_of(reports: &[TreeReport]) -> u8 {
    reports.iter().map(TreeReport::exit_code).max().unwrap_or(0)
}

fn label(s: Option<Severity>) -> &'static str {
    match s {
        Some(Severity::Unsafe) => "UNSAFE",
        Some(Severity::Warning) => "WARNING",
        _ => "clean",
    }
}

/// The text report: files with findings (all files with `verbose`), then a summary line.
pub(crate) fn print_text(reports: &[TreeReport], verbose: bool) {
    for r in reports {
        for t in &r.tree {
            let f = &t.finding;
            println!("{}: {} {} {}", t.name, label(Some(f.severity)), f.code, f.message);
        }
        for f in &r.files {
            let v = f.verdict();
            let shown: Vec<_> = f.findings.iter().filter(|x| verbose || x.severity > Severity::Info).collect();
            if shown.is_empty() && !verbose {
                continue;
            }
            println!("{}: {} ({}, {} bytes)", f.path, label(v), f.format, f.size);
            for x in shown {
                let at = x.location.as_deref().map(|l| format!(" [{l}]")).unwrap_or_default();
                println!("  {} {:<7} {}{at}", x.code, format!("{:?}", x.severity).to_lowercase(), x.message);
            }
        }
        let count = |s: Severity| r.files.iter().filter(|f| f.verdict() == Some(s)).count();
        let (u, w) = (count(Severity::Unsafe), count(Severity::Warning));
        println!(
            "{}: {} ({:?}): {} files, {} unsafe, {} with warnings, {} clean",
            r.path,
            label(r.verdict()),
            r.layout,
            r.files.len(),
            u,
            w,
            r.files.len() - u - w
        );
    }
}

pub fn run(args: ScanArgs) -> anyhow::Result<ExitCode> {
    let reports = scan_paths(&args.paths, args.threads)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&serde_json::json!({ "reports": reports, "exit": exit_of(&reports) }))?);
    } else {
        print_text(&reports, args.verbose);
    }
    Ok(ExitCode::from(exit_of(&reports)))
}
