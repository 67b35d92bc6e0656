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
    let verdict = judge.judge_command(&command, &ctx);
    if a.json {
        println!("{}", serde_json::to_string_pretty(&JsonVerdict::new(&verdict))?);
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
        JsonVerdict { decision: v.decision, reason: v.reason(), rules: v.rule_codes(), findings: &v.findings }
    }
}

/// Human-readable verdict: the decision, then each finding with its span underlined.
pub fn render_text(command: &str, v: &Verdict) -> String {
    let mut s = format!("{}\n", v.decision.as_str().to_uppercase());
    for f in &v.findings {
        s.push_str(&format!("  {} [{}] {} ({})\n", f.decision, f.code, f.message, f.category));
        if let Some(span) = f.span {
            if span.end > span.start && !command.contains('\n') {
                if let Some(text) = command.get(span.start..span.end) {
                    let lead = command.get(..span.start).map(|p| p.chars().count()).unwrap_or(0);
                    s.push_str(&format!("      {command}\n      {}{}\n", " ".repeat(lead), "^".repeat(text.chars().count().max(1))));
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

fn batch(judge: &Judge, ctx: &CallContext, file: &str) -> anyhow::Result<ExitCode> {
    let reader: Box<dyn BufRead> = if file == "-" {
        Box::new(std::io::BufReader::new(std::io::stdin().lock()))
    } else {
        Box::new(std::io::BufReader::new(std::fs::File::open(file).map_err(|e| anyhow::anyhow!("cannot open {file}: {e}"))?))
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut worst = Decision::Allow;
    for (n, line) in reader.split(b'\n').enumerate() {
        let line = line?;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let start = Instant::now();
        let record = match parse_line(&line) {
            Ok((id, command)) => {
                let v = judge.judge_command(&command, ctx);
                let micros = start.elapsed().as_micros() as u64;
                worst = worst.max(v.decision);
                serde_json::to_string(&BatchOut { id, decision: v.decision, rules: v.rule_codes(), micros, error: None, reason: None })?
            }
            Err((id, e)) => {
                // A bad line is never an allow: it gets the unparseable verdict, with the error.
                let d = judge.policy().unparseable.max(Decision::Ask);
                worst = worst.max(d);
                let micros = start.elapsed().as_micros() as u64;
                serde_json::to_string(&BatchOut { id, decision: d, rules: vec!["PAR001".into()], micros, error: Some(format!("line {}: {e}", n + 1)), reason: None })?
            }
        };
        out.write_all(record.as_bytes())?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(ExitCode::from(worst.exit_code() as u8))
}

fn parse_line(line: &[u8]) -> Result<(serde_json::Value, String), (serde_json::Value, String)> {
    let v: serde_json::Value = serde_json::from_slice(line).map_err(|e| (serde_json::Value::Null, format!("not JSON: {e}")))?;
    let id = v.get("id").cloned().unwrap_or(serde_json::Value::Null);
    match v.get("command") {
        Some(serde_json::Value::String(c)) => Ok((id, c.clone())),
        Some(_) => Err((id, "\"command\" is not a string".into())),
        None => Err((id, "no \"command\" field".into())),
    }
}
