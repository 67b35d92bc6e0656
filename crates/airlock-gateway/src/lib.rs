//! airlock's gateway: a local reverse proxy for model APIs (Anthropic Messages, OpenAI Chat
//! Completions and Responses, Gemini) that forwards only to trusted providers and models, holds
//! every tool call in the model's output until it is complete, judges it with airlock's analyses,
//! and replaces a blocked one before the agent can run it.

#![forbid(unsafe_code)]

mod error;
pub mod filter;
pub mod judge;
pub mod observe;
pub mod pending;
pub mod providers;
pub mod proxy;
pub mod review;
pub mod route;
pub mod rules;
pub mod scan;
pub mod serve;
pub mod shape;
pub mod sse;
pub mod verdicts;

pub use filter::{CallRecord, FilterCtx, Limits, StreamFilter};
pub use judge::{AskAction, BlockMode, CallInput, CallJudge, Judgement, PolicyJudge, RawCall};
pub use error::GatewayError;
pub use rules::GATEWAY_RULES;
