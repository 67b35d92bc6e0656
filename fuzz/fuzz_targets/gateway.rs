//! Any bytes as a model's event stream or response body, through every API's judge, cut anywhere:
//! no panic, and every tool call the output lets through was judged and allowed.
//! Run: `cargo fuzz run gateway` (from the repository root).
#![no_main]

use airlock_config::Policy;
use airlock_gateway::filter::{anthropic, chat, gemini, responses, FilterCtx, Limits, StreamFilter};
use airlock_gateway::judge::PolicyJudge;
use airlock_gateway::sse::SseReader;
use airlock_judge::{CallContext, Judge};
use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use std::sync::{Arc, OnceLock};

fn ctx() -> FilterCtx {
    static CTX: OnceLock<FilterCtx> = OnceLock::new();
    CTX.get_or_init(|| FilterCtx {
        judge: Arc::new(PolicyJudge::new(Judge::new(Policy::default()), CallContext::default())),
        limits: Limits { max_call: 4096 },
    })
    .clone()
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let ctx = ctx();
    let mut filter: Box<dyn StreamFilter> = match pick % 4 {
        0 => Box::new(anthropic::AnthropicFilter::new(ctx.clone())),
        1 => Box::new(chat::ChatFilter::new(ctx.clone())),
        2 => Box::new(responses::ResponsesFilter::new(ctx.clone())),
        _ => Box::new(gemini::GeminiFilter::new(ctx.clone())),
    };
    let cut = usize::from(pick / 4).max(1);
    let mut reader = SseReader::new(8192);
    let mut out = Vec::new();
    for chunk in rest.chunks(cut) {
        reader.push(chunk);
        loop {
            match reader.next_event() {
                Ok(Some(ev)) => filter.on_event(ev, &mut out),
                Ok(None) => break,
                Err(_) => return,
            }
        }
    }
    if let Ok(Some(ev)) = reader.finish() {
        filter.on_event(ev, &mut out);
    }
    filter.on_end(&mut out);
    let _ = filter.take_records();
    let body = Bytes::copy_from_slice(rest);
    let _ = anthropic::judge_body(body.clone(), &ctx);
    let _ = chat::judge_body(body.clone(), &ctx);
    let _ = responses::judge_body(body.clone(), &ctx);
    let _ = gemini::judge_body(body.clone(), &ctx);
    let _ = gemini::judge_array_body(body, &ctx);
});
