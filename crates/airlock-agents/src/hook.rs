//! Pre-tool-use hook protocols.
//!
//! - Claude Code `PreToolUse`: `{"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision":
//!   "allow|deny|ask", "permissionDecisionReason": "..."}}` on stdout, exit 0. A clean allow prints nothing, so
//!   Claude Code's own permission rules still apply (an explicit "allow" would skip them).
//! - Codex `PreToolUse`: the same shape, but Codex accepts only "deny" (with a non-empty reason) and treats any
//!   other answer it does not accept as a failed hook and runs the tool anyway. So allow prints nothing, and ask
//!   becomes deny.
//! - Gemini CLI `BeforeTool`: a top-level `{"decision": "allow|deny", "reason": "..."}`; it has no "ask", so ask
//!   becomes deny.
//!
//! Whatever goes wrong (input too large, not JSON, missing fields, a tool input that does not fit its tool,
//! an error from the judge) is a deny, printed in the agent's protocol and also as exit code 2 with the reason
//! on stderr, which every one of these agents treats as "block".

use crate::{adapters, Agent};
use airlock_protocol::{Decision, ToolCall, Verdict};
use serde_json::{json, Value};

/// Larger hook input is refused (deny) without being parsed.
pub const MAX_HOOK_INPUT: usize = 16 * 1024 * 1024;

/// What the hook process prints and exits with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookAnswer {
    pub stdout: String,
    pub stderr: String,
    pub exit_code: i32,
}

/// Answer one hook invocation. `judge` turns the normalized call (and the agent's cwd) into a verdict.
pub fn answer<F>(agent: Agent, input: &[u8], judge: F) -> HookAnswer
where
    F: FnOnce(&ToolCall, Option<&str>) -> Result<Verdict, String>,
{
    answer_rewriting(agent, input, |call, cwd| judge(call, cwd).map(|v| (v, None)))
}

/// A shell command the hook answers "allow" for, but to be run in another form: the agent
/// runs `command` in place of the model's (the sandbox wrapper).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rewrite {
    pub command: String,
    /// Shown to the person and the model as the reason.
    pub reason: String,
}

/// [`answer`], where the judge may also ask for the call to run rewritten. Only Claude Code can
/// take a rewritten call (`updatedInput`); for the other agents a rewrite is ignored and the
/// verdict alone answers.
pub fn answer_rewriting<F>(agent: Agent, input: &[u8], judge: F) -> HookAnswer
where
    F: FnOnce(&ToolCall, Option<&str>) -> Result<(Verdict, Option<Rewrite>), String>,
{
    let mut tool_input = Value::Null;
    let judged = judge_input(agent, input, &mut tool_input, judge);
    match judged {
        Ok((verdict, Some(rw))) if agent == Agent::ClaudeCode && verdict.decision != Decision::Deny => {
            match rewritten(&tool_input, &rw.command) {
                Some(updated) => HookAnswer {
                    stdout: json!({"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": "allow",
                        "permissionDecisionReason": rw.reason, "updatedInput": updated}})
                    .to_string(),
                    stderr: String::new(),
                    exit_code: 0,
                },
                None => render(agent, verdict.decision, &verdict.reason()),
            }
        }
        Ok((verdict, _)) => render(agent, verdict.decision, &verdict.reason()),
        Err(e) => refuse(agent, &e),
    }
}

/// The agent's own tool input with only `command` replaced (its timeout, description and other
/// fields kept as the agent sent them).
fn rewritten(tool_input: &Value, command: &str) -> Option<Value> {
    let mut v = tool_input.as_object()?.clone();
    v.get("command")?.as_str()?;
    v.insert("command".into(), Value::String(command.into()));
    Some(Value::Object(v))
}

/// A deny for a call that could not be judged (unreadable input, analysis out of time), with the
/// reason on stderr too and exit status 2.
pub fn refuse(agent: Agent, why: &str) -> HookAnswer {
    let reason = format!("airlock deny: {why}");
    let mut a = render(agent, Decision::Deny, &reason);
    a.stderr = reason;
    a.exit_code = 2;
    a
}

fn judge_input<F, T>(agent: Agent, input: &[u8], tool_input_out: &mut Value, judge: F) -> Result<T, String>
where
    F: FnOnce(&ToolCall, Option<&str>) -> Result<T, String>,
{
    if input.len() > MAX_HOOK_INPUT {
        return Err(format!(
            "hook input is {} bytes, over the {} byte limit",
            input.len(),
            MAX_HOOK_INPUT
        ));
    }
    let v: Value =
        serde_json::from_slice(input).map_err(|e| format!("hook input is not JSON: {e}"))?;
    let tool = v
        .get("tool_name")
        .and_then(Value::as_str)
        .ok_or("hook input has no string `tool_name`")?;
    let tool_input = v.get("tool_input").cloned().unwrap_or(Value::Null);
    let cwd = v.get("cwd").and_then(Value::as_str);
    let call = adapters::normalize(agent, tool, &tool_input).map_err(|e| e.to_string())?;
    let r = judge(&call, cwd);
    *tool_input_out = tool_input;
    r
}

fn render(agent: Agent, decision: Decision, reason: &str) -> HookAnswer {
    let stdout = match (agent, decision) {
        (Agent::ClaudeCode | Agent::OpenCode, Decision::Allow)
        | (Agent::Codex, Decision::Allow) => String::new(),
        (Agent::ClaudeCode | Agent::OpenCode, d) => pre_tool_use(d, reason),
        (Agent::Codex, _) => pre_tool_use(Decision::Deny, reason),
        (Agent::Gemini, Decision::Allow) => json!({"decision": "allow"}).to_string(),
        (Agent::Gemini, _) => json!({"decision": "deny", "reason": reason}).to_string(),
    };
    HookAnswer {
        stdout,
        stderr: String::new(),
        exit_code: 0,
    }
}

fn pre_tool_use(d: Decision, reason: &str) -> String {
    let reason = if reason.trim().is_empty() {
        "airlock: blocked"
    } else {
        reason
    };
    json!({"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": d.as_str(), "permissionDecisionReason": reason}}).to_string()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use airlock_protocol::{Category, Finding, Severity};

    fn verdict(d: Decision) -> Verdict {
        if d == Decision::Allow {
            return Verdict::allow();
        }
        Verdict::from_findings(vec![Finding {
            code: "EXF001".into(),
            category: Category::Exfiltration,
            severity: Severity::Critical,
            decision: d,
            message: "sends the environment".into(),
            span: None,
            snippet: None,
        }])
    }

    #[test]
    fn refusal_carries_its_own_reason_for_every_agent() {
        for agent in [Agent::ClaudeCode, Agent::Codex, Agent::Gemini, Agent::OpenCode] {
            let a = refuse(agent, "analysis did not finish within 2000 ms");
            assert_eq!(a.exit_code, 2);
            assert!(a.stdout.contains("did not finish") && a.stdout.contains("deny"), "{agent:?}: {}", a.stdout);
            assert_eq!(a.stderr, "airlock deny: analysis did not finish within 2000 ms");
        }
    }

    fn input(tool: &str, tool_input: Value) -> Vec<u8> {
        json!({"session_id": "s", "cwd": "/w", "hook_event_name": "PreToolUse", "tool_name": tool, "tool_input": tool_input}).to_string().into_bytes()
    }

    #[test]
    fn claude_code_answers() {
        let a = answer(
            Agent::ClaudeCode,
            &input("Bash", json!({"command": "ls"})),
            |_, _| Ok(verdict(Decision::Allow)),
        );
        assert_eq!(
            a,
            HookAnswer {
                stdout: String::new(),
                stderr: String::new(),
                exit_code: 0
            }
        );
        let a = answer(
            Agent::ClaudeCode,
            &input("Bash", json!({"command": "x"})),
            |_, cwd| {
                assert_eq!(cwd, Some("/w"));
                Ok(verdict(Decision::Ask))
            },
        );
        let v: Value = serde_json::from_str(&a.stdout).unwrap();
        assert_eq!(v["hookSpecificOutput"]["permissionDecision"], "ask");
        assert!(v["hookSpecificOutput"]["permissionDecisionReason"]
            .as_str()
            .unwrap()
            .contains("EXF001"));
    }

    #[test]
    fn codex_maps_ask_to_deny_and_allows_silently() {
        let a = answer(
            Agent::Codex,
            &input("exec_command", json!({"cmd": "x"})),
            |_, _| Ok(verdict(Decision::Ask)),
        );
        let v: Value = serde_json::from_str(&a.stdout).unwrap();
        assert_eq!(v["hookSpecificOutput"]["permissionDecision"], "deny");
        assert!(!v["hookSpecificOutput"]["permissionDecisionReason"]
            .as_str()
            .unwrap()
            .is_empty());
        let a = answer(
            Agent::Codex,
            &input("exec_command", json!({"cmd": "ls"})),
            |_, _| Ok(verdict(Decision::Allow)),
        );
        assert!(a.stdout.is_empty() && a.exit_code == 0);
    }

    #[test]
    fn gemini_top_level_decision() {
        let a = answer(
            Agent::Gemini,
            &input("run_shell_command", json!({"command": "x"})),
            |_, _| Ok(verdict(Decision::Ask)),
        );
        let v: Value = serde_json::from_str(&a.stdout).unwrap();
        assert_eq!(v["decision"], "deny");
        let a = answer(
            Agent::Gemini,
            &input("run_shell_command", json!({"command": "ls"})),
            |_, _| Ok(verdict(Decision::Allow)),
        );
        assert_eq!(a.stdout, r#"{"decision":"allow"}"#);
    }

    #[test]
    fn every_failure_denies_with_exit_2() {
        let never =
            |_: &ToolCall, _: Option<&str>| -> Result<Verdict, String> { Ok(Verdict::allow()) };
        for bad in [
            &b"not json"[..],
            br#"{"tool_input": {}}"#,
            br#"{"tool_name": "Bash", "tool_input": {}}"#,
        ] {
            for agent in [Agent::ClaudeCode, Agent::Codex, Agent::Gemini] {
                let a = answer(agent, bad, never);
                assert_eq!(a.exit_code, 2, "{agent} {:?}", String::from_utf8_lossy(bad));
                assert!(a.stderr.starts_with("airlock deny"));
                assert!(a.stdout.contains("deny"));
            }
        }
        let a = answer(
            Agent::ClaudeCode,
            &input("Bash", json!({"command": "ls"})),
            |_, _| Err("policy file is malformed".into()),
        );
        assert_eq!(a.exit_code, 2);
        assert!(a.stderr.contains("malformed"));
        let huge = vec![b' '; MAX_HOOK_INPUT + 1];
        assert_eq!(answer(Agent::ClaudeCode, &huge, never).exit_code, 2);
    }

    #[test]
    fn a_rewrite_becomes_updated_input_for_claude_code_only() {
        let input = br#"{"tool_name":"Bash","tool_input":{"command":"make test","timeout":5},"cwd":"/w"}"#;
        let rw = || Rewrite { command: "airlock run -- /bin/bash -c 'make test'".into(), reason: "sandboxed".into() };
        let a = answer_rewriting(Agent::ClaudeCode, input, |_, _| Ok((verdict(Decision::Ask), Some(rw()))));
        let v: Value = serde_json::from_str(&a.stdout).unwrap();
        assert_eq!(v["hookSpecificOutput"]["permissionDecision"], "allow");
        assert_eq!(v["hookSpecificOutput"]["updatedInput"]["command"], "airlock run -- /bin/bash -c 'make test'");
        assert_eq!(v["hookSpecificOutput"]["updatedInput"]["timeout"], 5);
        // A deny is never turned into a sandboxed allow.
        let d = answer_rewriting(Agent::ClaudeCode, input, |_, _| Ok((verdict(Decision::Deny), Some(rw()))));
        assert!(d.stdout.contains("\"deny\""), "{}", d.stdout);
        // Codex cannot take a rewritten call: the verdict alone answers (ask -> deny there).
        let c = answer_rewriting(Agent::Codex, input, |_, _| Ok((verdict(Decision::Ask), Some(rw()))));
        assert!(c.stdout.contains("\"deny\"") && !c.stdout.contains("updatedInput"), "{}", c.stdout);
    }
}
