//! `airlock rules` and `airlock explain CODE`.

use crate::catalog;
use clap::Args;
use serde::Serialize;
use std::process::ExitCode;

#[derive(Args)]
pub struct RulesArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Only the rules of one layer: shell, judge or code.
    #[arg(long)]
    pub layer: Option<String>,
}

#[derive(Args)]
pub struct ExplainArgs {
    /// A rule code, e.g. EXF001 or JWT001.
    pub code: String,
}

#[derive(Serialize)]
struct Row {
    code: &'static str,
    name: &'static str,
    layer: &'static str,
    category: String,
    decision: String,
    severity: String,
    summary: &'static str,
}

pub fn run_rules(a: RulesArgs) -> anyhow::Result<ExitCode> {
    let policy = airlock_config::Policy::load(&crate::resolve_cwd(None))?;
    let rows: Vec<Row> = catalog::all()
        .into_iter()
        .filter(|m| a.layer.as_deref().is_none_or(|l| l.eq_ignore_ascii_case(m.layer)))
        .map(|m| {
            let level = policy.level_for(m.code, m.category.as_str());
            let decision = match level {
                None => m.decision.to_string(),
                Some(l) => l
                    .decision()
                    .map(|d| format!("{d} (policy)"))
                    .unwrap_or_else(|| "off (policy)".into()),
            };
            Row {
                code: m.code,
                name: m.name,
                layer: m.layer,
                category: m.category.to_string(),
                decision,
                severity: m.severity.to_string(),
                summary: m.summary,
            }
        })
        .collect();
    if a.json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
    } else {
        println!("{:<7} {:<36} {:<22} {:<14} severity", "code", "name", "category", "default");
        for r in &rows {
            println!("{:<7} {:<36} {:<22} {:<14} {}", r.code, r.name, r.category, r.decision, r.severity);
        }
        println!("\n{} rules. `airlock explain CODE` shows one.", rows.len());
    }
    Ok(ExitCode::SUCCESS)
}

pub fn run_explain(a: ExplainArgs) -> anyhow::Result<ExitCode> {
    match catalog::render(&a.code) {
        Some(doc) => {
            print!("{doc}");
            Ok(ExitCode::SUCCESS)
        }
        None => {
            eprintln!("airlock: no rule {}; `airlock rules` lists them", a.code);
            Ok(ExitCode::from(2))
        }
    }
}
