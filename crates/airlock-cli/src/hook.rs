//! `airlock hook claude-code|codex|gemini`: answer an agent's pre-tool-use hook.

use airlock_agents::{answer_rewriting, refuse, Agent, Rewrite, MAX_HOOK_INPUT};
use airlock_config::{Policy, SandboxMode};
use airlock_protocol::{Decision, ToolCall, Verdict};
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
            answer_rewriting(agent, &input, |call, cwd| {
                let cwd = cwd
                    .map(PathBuf::from)
                    .unwrap_or_else(|| crate::resolve_cwd(None));
                let policy = Policy::load(&cwd).map_err(|e| e.to_string())?;
                let mode = policy.sandbox.mode();
                let workspace = policy.workspace_root.clone();
                // A panic inside the analysis must still end in a deny.
                let verdict = std::panic::catch_unwind(|| {
                    Judge::new(policy).judge(call, &CallContext::from_env(Some(cwd.clone())))
                })
                .map_err(|_| "internal error while judging the tool call".to_string())?;
                let rewrite = sandbox_rewrite(mode, call, &verdict, &cwd, workspace)?;
                Ok((verdict, rewrite))
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

/// Under `[sandbox] mode`, the shell command wrapped in `airlock run` (the policy's settings
/// apply there; nothing in the model's command can loosen them: it is one quoted argument).
fn sandbox_rewrite(
    mode: SandboxMode,
    call: &ToolCall,
    verdict: &Verdict,
    cwd: &std::path::Path,
    workspace: Option<PathBuf>,
) -> Result<Option<Rewrite>, String> {
    let ToolCall::Shell { command, .. } = call else { return Ok(None) };
    let wrap = match (mode, verdict.decision) {
        (_, Decision::Deny) | (SandboxMode::Never, _) => false,
        (SandboxMode::WhenAsked, d) => d == Decision::Ask,
        (SandboxMode::Always, _) => true,
    };
    if !wrap {
        return Ok(None);
    }
    let exe = std::env::current_exe().map_err(|e| format!("cannot find the airlock binary for the sandbox: {e}"))?;
    let workspace = workspace.unwrap_or_else(|| airlock_sandbox::find_workspace(cwd));
    // A command that would have been asked about runs instead of asking: only with full
    // isolation, never on the weaker Landlock-only rung.
    let strict = if verdict.decision == Decision::Ask { " --require-full" } else { "" };
    let wrapped = format!(
        "{} run{strict} --workspace {} -- /bin/bash -c {}",
        sh_quote(&exe.to_string_lossy()),
        sh_quote(&workspace.to_string_lossy()),
        sh_quote(command)
    );
    let why = if verdict.decision == Decision::Ask {
        format!("airlock: runs in the sandbox instead of asking ({})", verdict.reason())
    } else {
        "airlock: runs in the sandbox".to_string()
    };
    Ok(Some(Rewrite { command: wrapped, reason: why }))
}

/// One shell word: single-quoted, with embedded quotes closed and escaped.
fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_survives_quotes() {
        assert_eq!(sh_quote("a'b"), "'a'\\''b'");
        assert_eq!(sh_quote("$(x) `y`"), "'$(x) `y`'");
    }
}
