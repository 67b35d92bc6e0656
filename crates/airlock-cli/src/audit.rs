//! `airlock audit {tail, show ID, verify}`: read and check the gateway's audit database.
//!
//! None of these creates a database: a missing file is an error naming the path (exit 3).

use airlock_audit::{AuditError, AuditStore, Entry, VerifyReport};
use clap::{Args, Subcommand};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct AuditArgs {
    /// The audit database [default: $AIRLOCK_AUDIT_DB, else $XDG_DATA_HOME/airlock/audit.db, else
    /// ~/.local/share/airlock/audit.db].
    #[arg(long, global = true, value_name = "PATH")]
    pub db: Option<PathBuf>,
    #[command(subcommand)]
    pub command: AuditCommand,
}

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Print the last entries, oldest first: id, time, kind, provider/model, tool, decision, rules.
    Tail {
        /// How many entries.
        #[arg(short = 'n', long = "lines", default_value_t = 20)]
        n: usize,
        /// One JSON object per line (id, record, prev_hash, hash).
        #[arg(long)]
        json: bool,
    },
    /// Show one entry in full (exit 3 if there is no such id).
    Show {
        /// The entry's id (the first column of `airlock audit tail`).
        id: i64,
        /// Print the entry as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Check the hash chain: exit 0 intact, 2 tampered (the problems are printed), 3 error.
    Verify {
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(a: AuditArgs) -> anyhow::Result<ExitCode> {
    let path = a.db.unwrap_or_else(AuditStore::default_path);
    let store = AuditStore::open_existing(&path).map_err(|e| match e {
        AuditError::Missing(_) | AuditError::NotAnAuditDb(_) => anyhow::Error::from(e),
        other => anyhow::Error::from(other).context(format!("cannot read {}", path.display())),
    })?;
    let mut out = String::new();
    let code = match a.command {
        AuditCommand::Tail { n, json } => {
            for e in store.tail(n)? {
                if json {
                    out.push_str(&serde_json::to_string(&e)?);
                    out.push('\n');
                } else {
                    tail_line(&mut out, &e);
                }
            }
            ExitCode::SUCCESS
        }
        AuditCommand::Show { id, json } => {
            let e = store
                .get(id)?
                .ok_or_else(|| anyhow::anyhow!("no entry {id} in {}", path.display()))?;
            if json {
                out = serde_json::to_string_pretty(&e)? + "\n";
            } else {
                show(&mut out, &e)?;
            }
            ExitCode::SUCCESS
        }
        AuditCommand::Verify { json } => {
            let report = store.verify()?;
            if json {
                out = serde_json::to_string_pretty(&report)? + "\n";
            } else {
                verify_text(&mut out, &report, &path);
            }
            if report.ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            }
        }
    };
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(out.as_bytes()).and_then(|()| stdout.flush()) {
        // `airlock audit tail | head` closing the pipe early is not a failure.
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(code),
    }
}

fn or_dash(v: Option<&str>) -> &str {
    v.filter(|s| !s.is_empty()).unwrap_or("-")
}

/// `42  2026-11-29T08:00:42.123Z  tool_call  anthropic/claude-sonnet-4  Bash  deny  EXF001,CRD001`
fn tail_line(out: &mut String, e: &Entry) {
    let r = &e.record;
    let target = match (r.provider.as_deref(), r.model.as_deref()) {
        (None, None) => "-".to_string(),
        (p, m) => format!("{}/{}", or_dash(p), or_dash(m)),
    };
    let rules = if r.rules.is_empty() {
        "-".to_string()
    } else {
        r.rules.join(",")
    };
    let _ = writeln!(
        out,
        "{}  {}  {}  {}  {}  {}  {}",
        e.id,
        or_dash(Some(&r.time)),
        or_dash(Some(&r.kind)),
        target,
        or_dash(r.tool.as_deref()),
        or_dash(r.decision.as_deref()),
        rules
    );
}

fn show(out: &mut String, e: &Entry) -> anyhow::Result<()> {
    let r = &e.record;
    let fields = [
        ("id", e.id.to_string()),
        ("time", r.time.clone()),
        ("kind", r.kind.clone()),
        ("client", or_dash(r.client.as_deref()).to_string()),
        ("provider", or_dash(r.provider.as_deref()).to_string()),
        ("model", or_dash(r.model.as_deref()).to_string()),
        ("tool", or_dash(r.tool.as_deref()).to_string()),
        ("decision", or_dash(r.decision.as_deref()).to_string()),
        ("rules", if r.rules.is_empty() { "-".into() } else { r.rules.join(", ") }),
        ("redactions", r.redactions.to_string()),
        ("prev_hash", e.prev_hash.clone()),
        ("hash", e.hash.clone()),
    ];
    for (name, value) in fields {
        let _ = writeln!(out, "{name:<11}{value}");
    }
    let detail = serde_json::to_string_pretty(&r.detail)?;
    let _ = writeln!(out, "detail     {}", detail.replace('\n', "\n           "));
    Ok(())
}

fn verify_text(out: &mut String, report: &VerifyReport, path: &std::path::Path) {
    if report.ok() {
        let _ = writeln!(
            out,
            "intact: {} rows in {}\nhead: row {} {}",
            report.rows,
            path.display(),
            report.head_id,
            report.head_hash
        );
        return;
    }
    let count = u64::try_from(report.problems.len()).unwrap_or(u64::MAX) + report.more_problems;
    let first = report.problems.first().map_or(0, |p| p.id);
    let _ = writeln!(
        out,
        "TAMPERED: {count} problem{} in {} ({} rows read); first bad id {first}",
        if count == 1 { "" } else { "s" },
        path.display(),
        report.rows
    );
    for p in &report.problems {
        let _ = writeln!(out, "  id {}: {}", p.id, p.what);
    }
    if report.more_problems > 0 {
        let _ = writeln!(out, "  ... and {} more", report.more_problems);
    }
}
