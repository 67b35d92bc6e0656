//! `airlock gateway`: the local reverse proxy agents point their base URL at.

use airlock_config::Policy;
use airlock_gateway::observe::AuditObserver;
use anyhow::{Context, Result};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Args)]
pub struct GatewayArgs {
    /// Address to listen on (default: the policy's `[gateway] listen`, else 127.0.0.1:8787).
    #[arg(long)]
    listen: Option<String>,
    /// A policy file to use instead of the discovered ones.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Send a provider's traffic elsewhere: `anthropic=http://127.0.0.1:9000`.
    #[arg(long = "upstream", value_name = "NAME=URL")]
    upstreams: Vec<String>,
    /// Do not write the audit database.
    #[arg(long)]
    no_audit: bool,
    /// The audit database (default: the policy's `audit_db`, else the user's data directory).
    #[arg(long)]
    audit_db: Option<PathBuf>,
}

pub fn run(a: GatewayArgs) -> Result<ExitCode> {
    let filter = tracing_subscriber::EnvFilter::try_from_env("AIRLOCK_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("airlock_gateway=info"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
    let policy = match &a.config {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
            Policy::from_toml(path, &text)?
        }
        None => Policy::load(&std::env::current_dir()?)?,
    };
    let g = &policy.gateway;
    let listen = a.listen.clone().or_else(|| g.listen.clone()).unwrap_or_else(|| airlock_gateway::serve::DEFAULT_LISTEN.into());
    let redactor = if g.redact.unwrap_or(true) {
        let opts = airlock_redact::RedactOptions { disabled: g.redact_disable.clone().unwrap_or_default(), extra: Vec::new() };
        Some(airlock_redact::Redactor::new(&opts)?)
    } else {
        None
    };
    let audit_path = a
        .audit_db
        .clone()
        .or_else(|| g.audit_db.as_ref().map(PathBuf::from))
        .unwrap_or_else(airlock_audit::AuditStore::default_path);
    let audit = if a.no_audit || g.audit == Some(false) {
        None
    } else {
        let store = airlock_audit::AuditStore::open(&audit_path)
            .with_context(|| format!("opening the audit database {}", audit_path.display()))?;
        Some(airlock_audit::AuditWriter::spawn(store))
    };
    let observer = Arc::new(AuditObserver::new(redactor, audit.clone()));
    let gw = Arc::new(airlock_gateway::serve::build(&policy, &a.upstreams, observer.clone())?);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let result: Result<()> = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(&listen).await.with_context(|| format!("listening on {listen}"))?;
        let addr = listener.local_addr()?;
        print_banner(&addr.to_string(), &gw, audit.as_ref().map(|_| audit_path.as_path()));
        airlock_gateway::serve::serve(listener, gw.clone(), shutdown_signal()).await?;
        Ok(())
    });
    if let Some(h) = audit {
        let rows = h.shutdown().context("flushing the audit database")?;
        eprintln!("airlock gateway: stopped; {rows} audit rows written to {}", audit_path.display());
    }
    result?;
    Ok(ExitCode::SUCCESS)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

fn print_banner(addr: &str, gw: &airlock_gateway::proxy::Gateway, audit: Option<&std::path::Path>) {
    let base = format!("http://{addr}");
    println!("airlock gateway listening on {base}");
    println!();
    println!("Point your agent at it:");
    println!("  Claude Code            ANTHROPIC_BASE_URL={base} claude");
    println!("  Codex CLI              codex -c model_providers.airlock='{{name=\"airlock\",base_url=\"{base}/v1\",env_key=\"OPENAI_API_KEY\",wire_api=\"responses\"}}' -c model_provider=airlock");
    println!("  Gemini CLI             GOOGLE_GEMINI_BASE_URL={base} gemini");
    println!("  OpenAI SDKs, Aider,    OPENAI_BASE_URL={base}/v1");
    println!("  OpenCode               (provider baseURL {base}/v1)");
    println!("  Anthropic SDKs         ANTHROPIC_BASE_URL={base}");
    println!();
    println!("Trusted providers:");
    for p in &gw.providers.list {
        println!("  {:<10} {:<9} {}  models {}", p.name, p.kind.as_str(), p.base_url, p.models.join(", "));
    }
    match audit {
        Some(path) => println!("Audit: {} (airlock audit tail)", path.display()),
        None => println!("Audit: off"),
    }
    println!("Stop with Ctrl-C.");
}
