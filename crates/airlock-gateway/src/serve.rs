//! Building a [`Gateway`] from the policy and running it.

use crate::error::GatewayError;
use crate::filter::{FilterCtx, Limits};
use crate::judge::{AskAction, BlockMode, PolicyJudge};
use crate::providers::Providers;
use crate::proxy::{router, Gateway, Observer};
use airlock_config::Policy;
use airlock_judge::{CallContext, Judge};
use std::future::Future;
use std::sync::Arc;

/// The gateway's address unless the policy or the command line says otherwise.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8787";

/// Build the gateway the policy describes; `upstreams` are `NAME=URL` overrides.
pub fn build(policy: &Policy, upstreams: &[String], observer: Arc<dyn Observer>) -> Result<Gateway, GatewayError> {
    let g = &policy.gateway;
    let mut providers = Providers::from_config(g).map_err(|p| GatewayError::Config(p.0))?;
    for u in upstreams {
        providers.override_upstream(u).map_err(|p| GatewayError::Config(p.0))?;
    }
    let mut judge = PolicyJudge::new(Judge::new(policy.clone()), CallContext::from_env(None));
    judge.ask = match g.ask.as_deref() {
        None | Some("deny") | Some("block") => AskAction::Block,
        Some("allow") | Some("pass") => AskAction::Pass,
        Some(other) => return Err(GatewayError::Config(format!("[gateway] ask = \"{other}\": expected \"deny\" or \"allow\""))),
    };
    judge.mode = match g.mode.as_deref() {
        None | Some("replace") => BlockMode::Replace,
        Some("soft") => BlockMode::Soft,
        Some(other) => return Err(GatewayError::Config(format!("[gateway] mode = \"{other}\": expected \"replace\" or \"soft\""))),
    };
    let limits = Limits { max_call: g.max_call_bytes.unwrap_or(Limits::default().max_call) };
    judge.max_input = limits.max_call;
    let client = reqwest::Client::builder()
        .connect_timeout(std::time::Duration::from_secs(15))
        .pool_idle_timeout(std::time::Duration::from_secs(60))
        .build()
        .map_err(|e| GatewayError::Client(e.to_string()))?;
    let review = crate::review::WriteReview::from_policy(policy)?;
    if let Some(r) = &review {
        tracing::info!("review_writes = \"gateway\": each write is reviewed by another provider's model within {} s", r.budget.as_secs());
        for w in r.startup_warnings(&providers) {
            tracing::warn!("{w}");
        }
    }
    Ok(Gateway {
        bases: crate::providers::Bases::new(&providers),
        providers,
        filters: FilterCtx { judge: Arc::new(judge), limits },
        client,
        max_request: g.max_request_bytes.unwrap_or(64 << 20),
        max_response: 64 << 20,
        max_event: limits.max_call.saturating_add(1 << 20),
        observer,
        pending: Default::default(),
        review,
    })
}

/// Serve until `shutdown` resolves; requests in flight finish first.
pub async fn serve(
    listener: tokio::net::TcpListener,
    gw: Arc<Gateway>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), GatewayError> {
    use axum::serve::ListenerExt;
    // Events go out as soon as they are judged: no Nagle delay on small writes.
    let listener = listener.tap_io(|s| {
        let _ = s.set_nodelay(true);
    });
    axum::serve(listener, router(gw)).with_graceful_shutdown(shutdown).await?;
    Ok(())
}
