//! `airlock check`: judge one command, or a batch of JSON lines.

use airlock_config::Policy;
use airlock_judge::{CallContext, Judge};
use airlock_protocol::{Decision, Verdict};
use clap::Args;
use serde::Serialize;
use std::io::{BufRead, Write};
use std::process::ExitCode;
use std::time::Instant;

#[derive(Args)]
pub struct CheckArgs {
    /// Print the verdict as JSON.
    #[arg(long)]
    pub json: bool,
    /// The directory the command would run in.
    #[arg(long)]
    pub cwd: Option<std::path::PathBuf>,
    /// Read JSON lines {"id", "command"} from FILE (`-` for stdin) and write one verdict per line.
    #[arg(long, value_name = "FILE", conflicts_with = "command")]
    pub batch: Option<String>,
    /// The command line to judge.
    pub command: Option<String>,
}

pub fn run(a: CheckArgs) -> anyhow::Result<ExitCode> {
    let cwd = crate::resolve_cwd(a.cwd.clone());
    let policy = Policy::load(&cwd)?;
    let judge = Judge::new(policy);
    let ctx = CallContext::from_env(Some(cwd));
    if let Some(file) = &a.batch {
        return batch(&judge, &ctx, file);
    }
    let Some(command) = a.command else {
        anyhow::bail!("give a COMMAND to check, or --batch FILE");
    };
    let judge2 = judge.clone();
    let cmd2 = command.clone();
    let verdict = crate::watchdog(move || judge2.judge_command(&cmd2, &ctx)).unwrap_or_else(|| {
        airlock_protocol::Verdict::from_findings(vec![airlock_protocol::Finding {
            code: "PAR002".into(),
            category: airlock_protocol::Category::Unparseable,
            severity: airlock_protocol::Severity::Medium,
            decision: judge.policy().unparseable.max(Decision::Ask),
            message: format!(
                "analysis did not finish within {} ms; the command cannot be judged",
                crate::WATCHDOG.as_millis()
            ),
            span: None,
            snippet: None,
        }])
    });
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&JsonVerdict::new(&verdict))?
        );
    } else {
        print!("{}", render_text(&command, &verdict));
    }
    Ok(ExitCode::from(verdict.decision.exit_code() as u8))
}

#[derive(Serialize)]
struct JsonVerdict<'a> {
    decision: Decision,
    reason: String,
    rules: Vec<String>,
    findings: &'a [airlock_protocol::Finding],
}

impl<'a> JsonVerdict<'a> {
    fn new(v: &'a Verdict) -> Self {
        JsonVerdict {
            decision: v.decision,
            reason: v.reason(),
            rules: v.rule_codes(),
            findings: &v.findings,
        }
    }
}

/// Human-readable verdict: the decision, then each finding with its span underlined.
pub fn render_text(command: &str, v: &Verdict) -> String {
    let mut s = format!("{}\n", v.decision.as_str().to_uppercase());
    for f in &v.findings {
        s.push_str(&format!(
            "  {} [{}] {} ({})\n",
            f.decision, f.code, f.message, f.category
        ));
        if let Some(span) = f.span {
            if span.end > span.start && !command.contains('\n') {
                if let Some(text) = command.get(span.start..span.end) {
                    let lead = command
                        .get(..span.start)
                        .map(|p| p.chars().count())
                        .unwrap_or(0);
                    s.push_str(&format!(
                        "      {command}\n      {}{}\n",
                        " ".repeat(lead),
                        "^".repeat(text.chars().count().max(1))
                    ));
                }
            } else if let Some(snip) = &f.snippet {
                s.push_str(&format!("      at: {snip}\n"));
            }
        }
    }
    s
}

#[derive(Serialize)]
struct BatchOut<'a> {
    id: serde_json::Value,
    decision: Decision,
    rules: Vec<String>,
    micros: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
}

/// Lines judged together; each block is split across the machine's cores and written in input order.
const BLOCK: usize = 8192;

fn batch(judge: &Judge, ctx: &CallContext, file: &str) -> anyhow::Result<ExitCode> {
    let mut reader: Box<dyn BufRead> = if file == "-" {
        Box::new(std::io::BufReader::new(std::io::stdin().lock()))
    } else {
        Box::new(std::io::BufReader::new(
            std::fs::File::open(file).map_err(|e| anyhow::anyhow!("cannot open {file}: {e}"))?,
        ))
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 16);
    let mut worst = Decision::Allow;
    let mut line_no = 0usize;
    loop {
        let mut block: Vec<(usize, Vec<u8>)> = Vec::with_capacity(BLOCK);
        while block.len() < BLOCK {
            let mut buf = Vec::new();
            if reader.read_until(b'\n', &mut buf)? == 0 {
                break;
            }
            line_no += 1;
            if !buf.iter().all(u8::is_ascii_whitespace) {
                block.push((line_no, buf));
            }
        }
        if block.is_empty() {
            break;
        }
        let results = judge_block(judge, ctx, &block, workers);
        for (d, record) in results {
            worst = worst.max(d);
            out.write_all(record.as_bytes())?;
            out.write_all(b"\n")?;
        }
    }
    out.flush()?;
    Ok(ExitCode::from(worst.exit_code() as u8))
}

/// Lines handed to a worker at a time: small enough that a slow command does not leave the other
/// workers idle at the end of a block, large enough that the shared counter is not contended.
const STEP: usize = 32;

/// Judge a block of lines on `workers` threads that take the next few lines as they finish, and
/// return the records in input order. A worker that panics leaves its lines judged `deny`.
fn judge_block(
    judge: &Judge,
    ctx: &CallContext,
    block: &[(usize, Vec<u8>)],
    workers: usize,
) -> Vec<(Decision, String)> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut parts: Vec<(usize, Vec<(Decision, String)>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers.min(block.len().div_ceil(STEP)).max(1))
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let at = next.fetch_add(STEP, std::sync::atomic::Ordering::Relaxed);
                        let Some(lines) = block.get(at..(at + STEP).min(block.len())) else {
                            break;
                        };
                        if lines.is_empty() {
                            break;
                        }
                        let out = lines
                            .iter()
                            .map(|(n, l)| judge_line(judge, ctx, *n, l))
                            .collect::<Vec<_>>();
                        done.push((at, out));
                    }
                    done
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    parts.sort_by_key(|(at, _)| *at);
    let mut out: Vec<(Decision, String)> = Vec::with_capacity(block.len());
    for (at, records) in parts {
        // Lines a panicked worker took are missing: each gets an error record.
        while out.len() < at {
            out.push(internal_error());
        }
        out.extend(records);
    }
    while out.len() < block.len() {
        out.push(internal_error());
    }
    out
}

fn internal_error() -> (Decision, String) {
    (
        Decision::Deny,
        "{\"decision\":\"deny\",\"error\":\"internal error\"}".into(),
    )
}

/// One batch line to one output record. Never fails: a bad line gets the unparseable verdict with its error.
fn judge_line(judge: &Judge, ctx: &CallContext, n: usize, line: &[u8]) -> (Decision, String) {
    let start = Instant::now();
    let (d, out) = match parse_line(line) {
        Ok((id, command)) => {
            let v = judge.judge_command(&command, ctx);
            let micros = start.elapsed().as_micros() as u64;
            (
                v.decision,
                BatchOut {
                    id,
                    decision: v.decision,
                    rules: v.rule_codes(),
                    micros,
                    error: None,
                    reason: None,
                },
            )
        }
        Err((id, e)) => {
            let d = judge.policy().unparseable.max(Decision::Ask);
            let micros = start.elapsed().as_micros() as u64;
            (
                d,
                BatchOut {
                    id,
                    decision: d,
                    rules: vec!["PAR001".into()],
                    micros,
                    error: Some(format!("line {n}: {e}")),
                    reason: None,
                },
            )
        }
    };
    let text = serde_json::to_string(&out).unwrap_or_else(|e| {
        format!("{{\"decision\":\"deny\",\"error\":\"cannot encode verdict: {e}\"}}")
    });
    (d, text)
}

fn parse_line(line: &[u8]) -> Result<(serde_json::Value, String), (serde_json::Value, String)> {
    let v: serde_json::Value = serde_json::from_slice(line)
        .map_err(|e| (serde_json::Value::Null, format!("not JSON: {e}")))?;
    let id = v.get("id").cloned().unwrap_or(serde_json::Value::Null);
    match v.get("command") {
        Some(serde_json::Value::String(c)) => Ok((id, c.clone())),
        Some(_) => Err((id, "\"command\" is not a string".into())),
        None => Err((id, "no \"command\" field".into())),
    }
}
