//! `airlock hook claude-code|codex|gemini`: answer an agent's pre-tool-use hook.

use airlock_agents::{answer, refuse, Agent, MAX_HOOK_INPUT};
use airlock_config::Policy;
use airlock_judge::{CallContext, Judge};
use clap::Args;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct HookArgs {
    /// claude-code, codex or gemini
    pub agent: String,
}

pub fn run(a: HookArgs) -> anyhow::Result<ExitCode> {
    let agent = Agent::parse(&a.agent)?;
    let mut input = Vec::new();
    // Read one byte past the limit so oversize input is seen as oversize, not truncated.
    let read = std::io::stdin()
        .lock()
        .take(MAX_HOOK_INPUT as u64 + 1)
        .read_to_end(&mut input);
    // File writes are parsed as code: a few MB take longer than a command line, so the budget
    // grows by a second per MiB of input (a 4 MiB write gets 6 s; Claude Code's hook timeout is 30 s).
    let budget = crate::WATCHDOG + std::time::Duration::from_secs((input.len() >> 20) as u64);
    let reply = match read {
        Ok(_) => crate::watchdog_for(budget, move || {
            answer(agent, &input, |call, cwd| {
                let cwd = cwd
                    .map(PathBuf::from)
                    .unwrap_or_else(|| crate::resolve_cwd(None));
                let policy = Policy::load(&cwd).map_err(|e| e.to_string())?;
                // A panic inside the analysis must still end in a deny.
                std::panic::catch_unwind(|| {
                    Judge::new(policy).judge(call, &CallContext::from_env(Some(cwd)))
                })
                .map_err(|_| "internal error while judging the tool call".to_string())
            })
        })
        .unwrap_or_else(|| refuse(agent, &format!("analysis did not finish within {} ms", budget.as_millis()))),
        Err(e) => refuse(agent, &format!("cannot read hook input: {e}")),
    };
    let mut out = std::io::stdout().lock();
    out.write_all(reply.stdout.as_bytes())?;
    if !reply.stdout.is_empty() {
        out.write_all(b"\n")?;
    }
    out.flush()?;
    if !reply.stderr.is_empty() {
        eprintln!("{}", reply.stderr);
    }
    Ok(ExitCode::from(u8::try_from(reply.exit_code).unwrap_or(2)))
}
