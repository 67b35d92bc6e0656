//! `review_writes = "gateway"`: every model-written file is reviewed by a model of another provider
//! before the agent sees the write.
//!
//! A write-type call the analyses let through is held a little longer: the gateway reads the file's
//! current text (bounded, [`MAX_FILE_BYTES`]), applies the write to it, and sends the change to the
//! reviewer [`airlock_review::choose_reviewer`] picks with the request's provider as the one writer.
//! The review runs under `[review] write_budget_secs`. A finding of high severity or above blocks the
//! write (the reason names the reviewer, the file and line, the finding); lower findings pass and are
//! recorded; a review that cannot be completed (no eligible reviewer, no key, an HTTP error, a
//! malformed answer, the budget spent) blocks the write: the gateway fails closed.
//!
//! When `review_writes` is off nothing here is built: requests use the gateway's judge as before.

use crate::error::GatewayError;
use crate::filter::FilterCtx;
use crate::judge::{CallInput, CallJudge, Judgement, RawCall};
use crate::providers::Providers;
use airlock_config::{Policy, ReviewConfig, ReviewWrites};
use airlock_protocol::{Decision, Severity};
use airlock_redact::{RedactOptions, Redactor};
use airlock_review::{choose_reviewer, Change, Origin, Review, ReviewError, Reviewer, Write};
use serde_json::{json, Value};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Largest file read from disk to review a write against; a larger one is reviewed as if new.
pub const MAX_FILE_BYTES: u64 = 1 << 20;

/// The tools whose calls write files and are reviewed.
pub const REVIEWED_TOOLS: [&str; 10] =
    ["Write", "Edit", "MultiEdit", "NotebookEdit", "apply_patch", "applypatch", "write_file", "replace", "write", "edit"];

/// One reviewed path: its text before the call (`None`: new or unread) and after.
type FileText = (String, Option<String>, String);

/// Findings this severe or worse block a write.
pub const BLOCKING: Severity = Severity::High;

/// Most findings named in a block reason (all are in the audit).
const NAMED_FINDINGS: usize = 5;

/// The gateway's review of writes: configuration, redaction, budget.
pub struct WriteReview {
    cfg: ReviewConfig,
    redactor: Redactor,
    pub budget: Duration,
}

impl WriteReview {
    /// `None` when `[review] review_writes` is off. The prompt is always redacted, with the kinds
    /// `[gateway] redact_disable` leaves alone left alone here too.
    pub fn from_policy(policy: &Policy) -> Result<Option<Arc<WriteReview>>, GatewayError> {
        if policy.review.review_writes != ReviewWrites::Gateway {
            return Ok(None);
        }
        let disabled = policy.gateway.redact_disable.clone().unwrap_or_default();
        let redactor = Redactor::new(&RedactOptions { disabled, extra: Vec::new() })
            .map_err(|e| GatewayError::Config(format!("[gateway] redact_disable: {e}")))?;
        Ok(Some(Arc::new(WriteReview { budget: policy.review.write_budget(), cfg: policy.review.clone(), redactor })))
    }

    /// One sentence per trusted provider whose writes cannot be reviewed (and so will all be blocked).
    pub fn startup_warnings(&self, providers: &Providers) -> Vec<String> {
        let mut out = Vec::new();
        for p in &providers.list {
            let writer = Origin { provider: airlock_review::normalize_provider(&p.name), model: String::new() };
            match choose_reviewer(&self.cfg, &[writer], false, None) {
                Err(e) => out.push(format!(
                    "review_writes = \"gateway\": writes by provider `{}` have no eligible reviewer ({e}); every one will be blocked",
                    p.name
                )),
                Ok(c) => {
                    if let Err(e) = Reviewer::from_env(&c.spec, self.cfg.timeout()) {
                        out.push(format!("review_writes = \"gateway\": writes by provider `{}` cannot be reviewed ({e}); every one will be blocked", p.name));
                    }
                }
            }
        }
        out
    }

    /// The filters for one request whose model is `writer`, the agent working in `cwd` (if known).
    pub fn filters(self: &Arc<Self>, base: &FilterCtx, writer: Origin, cwd: Option<PathBuf>) -> FilterCtx {
        let judge = ReviewingJudge { inner: base.judge.clone(), review: self.clone(), writer, cwd };
        FilterCtx { judge: Arc::new(judge), limits: base.limits }
    }

    /// Review the writes of one call the analyses passed as `j`.
    fn review(&self, writes: Vec<(String, Write)>, writer: &Origin, cwd: Option<&Path>, mut j: Judgement) -> Judgement {
        let started = Instant::now();
        let (files, notes) = texts(writes, cwd);
        let mut record = json!({
            "writer": format!("{}/{}", writer.provider, writer.model),
            "budget_secs": self.budget.as_secs(),
            "files": files.iter().map(|f| &f.0).collect::<Vec<_>>(),
            "notes": notes,
        });
        let outcome = self.run(&files, writer);
        let set = |record: &mut Value, k: &str, v: Value| {
            if let Some(o) = record.as_object_mut() {
                o.insert(k.into(), v);
            }
        };
        set(&mut record, "millis", json!(started.elapsed().as_millis() as u64));
        let paths = files.iter().map(|f| f.0.as_str()).collect::<Vec<_>>().join(", ");
        match outcome {
            Ok(None) => set(&mut record, "outcome", json!("unchanged")),
            Ok(Some(review)) => {
                set(&mut record, "reviewer", json!(review.reviewer.to_string()));
                set(&mut record, "findings", json!(review.findings));
                set(&mut record, "redactions", json!(review.redactions));
                let bad: Vec<_> = review.findings.iter().filter(|f| f.severity >= BLOCKING).collect();
                if bad.is_empty() {
                    set(&mut record, "outcome", json!("passed"));
                } else {
                    set(&mut record, "outcome", json!("blocked"));
                    let mut named: Vec<String> = bad
                        .iter()
                        .take(NAMED_FINDINGS)
                        .map(|f| format!("{}:{}: {} {}", f.file, f.line, f.severity.as_str(), one_line(&f.title)))
                        .collect();
                    if bad.len() > NAMED_FINDINGS {
                        named.push(format!("and {} more", bad.len() - NAMED_FINDINGS));
                    }
                    j = blocked(
                        j,
                        &crate::rules::REVIEW_FINDING,
                        format!("the cross-provider review by {} found: {}", review.reviewer, named.join("; ")),
                    );
                }
            }
            Err(why) => {
                set(&mut record, "outcome", json!("failed"));
                set(&mut record, "error", json!(why));
                j = blocked(
                    j,
                    &crate::rules::REVIEW_FAILED,
                    format!("the cross-provider review of the write to {paths} could not be completed ({why}); review_writes = \"gateway\" blocks what it could not review"),
                );
            }
        }
        j.review = Some(record);
        j
    }

    /// Choose the reviewer and run the review within the budget. `Ok(None)`: nothing changed.
    fn run(&self, files: &[FileText], writer: &Origin) -> Result<Option<Review>, String> {
        let context = self.cfg.context_lines() as usize;
        let change = Change::from_texts(files.iter().map(|(p, o, n)| (p.as_str(), o.as_deref(), n.as_str())), context)
            .map_err(|e| e.to_string())?;
        if change.is_empty() {
            return Ok(None);
        }
        let choice = choose_reviewer(&self.cfg, std::slice::from_ref(writer), false, None).map_err(|e| e.to_string())?;
        let reviewer = Reviewer::from_env(&choice.spec, self.cfg.timeout().min(self.budget)).map_err(|e| e.to_string())?;
        let id = reviewer.id();
        let budget = self.budget;
        let fut = async { tokio::time::timeout(budget, reviewer.review(&change, &self.redactor)).await };
        let done = match tokio::runtime::Handle::try_current() {
            // The production runtime: this worker steps aside while the review runs.
            Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
                tokio::task::block_in_place(|| h.block_on(fut))
            }
            // No runtime, or a single-threaded one: a thread of its own.
            _ => std::thread::scope(|s| {
                s.spawn(|| {
                    tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .map_err(|e| format!("cannot start the review runtime: {e}"))
                        .map(|rt| rt.block_on(fut))
                })
                .join()
                .map_err(|_| "the review thread failed".to_string())
            })
            .and_then(|r| r)?,
        };
        match done {
            Ok(Ok(review)) => Ok(Some(review)),
            Err(_) | Ok(Err(ReviewError::Timeout { .. })) => Err(format!("{id} did not answer within the {} s budget", budget.as_secs())),
            Ok(Err(e)) => Err(e.to_string()),
        }
    }
}

/// The analyses' judgement, blocked by the review.
fn blocked(mut j: Judgement, rule: &airlock_shell::rules::RuleMeta, reason: String) -> Judgement {
    j.decision = Decision::Deny;
    j.rules.push(rule.code.to_string());
    j.blocked = true;
    j.reason = reason;
    j.replacement = None;
    j
}

/// Reviewer text on one printable line.
fn one_line(s: &str) -> String {
    s.chars().take(200).map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// The judge of one request under review: the gateway's judge, then the review of passed writes.
struct ReviewingJudge {
    inner: Arc<dyn CallJudge>,
    review: Arc<WriteReview>,
    writer: Origin,
    cwd: Option<PathBuf>,
}

impl CallJudge for ReviewingJudge {
    fn judge(&self, call: &RawCall<'_>) -> Judgement {
        let j = self.inner.judge(call);
        if j.blocked || !REVIEWED_TOOLS.contains(&call.name) {
            return j;
        }
        let input = match call.input {
            CallInput::JsonText(t) | CallInput::Text(t) => Value::String(t.to_string()),
            CallInput::Json(v) => v.clone(),
            CallInput::Argv(_) => return j,
        };
        let writes = airlock_review::provenance::written(call.name, &input);
        if writes.is_empty() {
            return j;
        }
        self.review.review(writes, &self.writer, self.cwd.as_deref(), j)
    }
}

/// Each written path's text before and after the call, and notes on what could not be read.
fn texts(writes: Vec<(String, Write)>, cwd: Option<&Path>) -> (Vec<FileText>, Vec<String>) {
    let mut by_path: Vec<(String, Vec<Write>)> = Vec::new();
    for (p, w) in writes {
        match by_path.iter_mut().find(|(q, _)| *q == p) {
            Some((_, ws)) => ws.push(w),
            None => by_path.push((p, vec![w])),
        }
    }
    let mut notes = Vec::new();
    let mut out = Vec::new();
    for (path, ws) in by_path {
        let before = match resolve(&path, cwd) {
            Some(full) => read_bounded(&full).unwrap_or_else(|why| {
                notes.push(format!("{path}: {why}; reviewed as a new file"));
                None
            }),
            None => {
                notes.push(format!("{path}: a relative path and the agent's working directory is unknown; reviewed as a new file"));
                None
            }
        };
        let mut cur = before.clone();
        let mut whole = true;
        for w in &ws {
            match w.apply(cur.as_deref()) {
                Some(t) => cur = Some(t),
                None => {
                    whole = false;
                    break;
                }
            }
        }
        match (whole, cur) {
            (true, Some(after)) => out.push((path, before, after)),
            _ => {
                // The file's text after the write cannot be told: the written text on its own.
                notes.push(format!("{path}: the file's text after the write cannot be told; the written text is reviewed on its own, lines numbered within it"));
                let (mut old, mut new) = (String::new(), String::new());
                for w in ws {
                    match w {
                        Write::Whole(t) | Write::Lines(t) => new.push_str(&t),
                        Write::Edit { old: o, new: n, .. } => {
                            old.push_str(&o);
                            new.push_str(&n);
                        }
                    }
                    for s in [&mut old, &mut new] {
                        if !s.is_empty() && !s.ends_with('\n') {
                            s.push('\n');
                        }
                    }
                }
                out.push((path, (!old.is_empty()).then_some(old), new));
            }
        }
    }
    (out, notes)
}

fn resolve(path: &str, cwd: Option<&Path>) -> Option<PathBuf> {
    let p = Path::new(path);
    if p.is_absolute() {
        Some(p.to_path_buf())
    } else {
        cwd.map(|c| c.join(p))
    }
}

/// A regular file's text: `Ok(None)` when it does not exist, an error when it is not a readable,
/// UTF-8 text file of at most [`MAX_FILE_BYTES`].
fn read_bounded(path: &Path) -> Result<Option<String>, String> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot be read ({e})")),
    };
    if !meta.is_file() {
        return Err("is not a regular file".into());
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(format!("is larger than {MAX_FILE_BYTES} bytes"));
    }
    let mut buf = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_FILE_BYTES + 1).read_to_end(&mut buf))
        .map_err(|e| format!("cannot be read ({e})"))?;
    if buf.len() as u64 > MAX_FILE_BYTES {
        return Err(format!("is larger than {MAX_FILE_BYTES} bytes"));
    }
    String::from_utf8(buf).map(Some).map_err(|_| "is not UTF-8 text".into())
}

/// The agent's working directory as its request states it: Codex's `<cwd>...</cwd>` or Claude
/// Code's `Working directory: ...` line, looked for only where the agent puts it (the system prompt,
/// the instructions, the first messages), never in later history a tool result or the model could
/// have written. Only an absolute path to an existing directory counts.
pub fn request_cwd(body: &Value) -> Option<PathBuf> {
    const PLACES: [&str; 8] =
        ["/system", "/instructions", "/systemInstruction", "/messages/0", "/messages/1", "/input/0", "/input/1", "/contents/0"];
    PLACES.iter().filter_map(|p| body.pointer(p)).find_map(cwd_within)
}

/// The first working directory stated in the strings of `v` (a bounded walk).
fn cwd_within(v: &Value) -> Option<PathBuf> {
    let mut stack = vec![v];
    let mut seen = 0usize;
    while let Some(v) = stack.pop() {
        seen += 1;
        if seen > 10_000 {
            return None;
        }
        match v {
            Value::String(s) => {
                if let Some(p) = cwd_in(s) {
                    return Some(p);
                }
            }
            Value::Array(a) => stack.extend(a.iter().rev()),
            Value::Object(o) => stack.extend(o.values().collect::<Vec<_>>().into_iter().rev()),
            _ => {}
        }
    }
    None
}

fn cwd_in(s: &str) -> Option<PathBuf> {
    let candidate = if let Some((_, rest)) = s.split_once("<cwd>") {
        rest.split_once("</cwd>").map(|(c, _)| c)
    } else if let Some((_, rest)) = s.split_once("Working directory: ") {
        rest.lines().next()
    } else {
        None
    }?;
    let p = PathBuf::from(candidate.trim());
    (p.is_absolute() && p.is_dir()).then_some(p)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn texts_read_the_file_and_apply_the_edits() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.py"), "x = 1\ny = 2\n").unwrap();
        let edits = vec![
            ("a.py".to_string(), Write::Edit { old: "x = 1".into(), new: "x = 10".into(), all: false }),
            ("a.py".to_string(), Write::Edit { old: "y = 2".into(), new: "y = 20".into(), all: false }),
        ];
        let (files, notes) = texts(edits.clone(), Some(dir.path()));
        assert_eq!(files, [("a.py".to_string(), Some("x = 1\ny = 2\n".to_string()), "x = 10\ny = 20\n".to_string())]);
        assert!(notes.is_empty(), "{notes:?}");
        // Without a working directory the edit is reviewed on its own, and the note says so.
        let (files, notes) = texts(edits, None);
        assert_eq!(files[0].1.as_deref(), Some("x = 1\ny = 2\n"));
        assert_eq!(files[0].2, "x = 10\ny = 20\n");
        assert_eq!(notes.len(), 2, "{notes:?}");
        let (files, notes) = texts(vec![("n.py".into(), Write::Whole("z = 3\n".into()))], None);
        assert_eq!(files, [("n.py".to_string(), None, "z = 3\n".to_string())]);
        assert!(notes[0].contains("working directory is unknown"), "{notes:?}");
    }

    #[test]
    fn a_same_provider_only_configuration_is_warned_about() {
        let toml = "[review]\nreview_writes = \"gateway\"\n[[review.reviewers]]\nname = \"c\"\napi = \"anthropic\"\nmodel = \"m\"\n";
        let policy = Policy::from_toml(Path::new("airlock.toml"), toml).unwrap();
        let r = WriteReview::from_policy(&policy).unwrap().unwrap();
        let providers = Providers::from_config(&policy.gateway).unwrap();
        let w = r.startup_warnings(&providers);
        assert!(w.iter().any(|w| w.contains("provider `anthropic` have no eligible reviewer")), "{w:?}");
        assert!(WriteReview::from_policy(&Policy::default()).unwrap().is_none(), "off by default");
    }

    #[test]
    fn big_or_special_files_are_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.txt");
        std::fs::write(&big, vec![b'a'; (MAX_FILE_BYTES + 1) as usize]).unwrap();
        assert!(read_bounded(&big).unwrap_err().contains("larger"));
        assert!(read_bounded(dir.path()).unwrap_err().contains("regular"));
        assert_eq!(read_bounded(&dir.path().join("none")).unwrap(), None);
    }

    #[test]
    fn the_working_directory_comes_from_the_request() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().display().to_string();
        let claude = json!({"system": [{"type": "text", "text": format!("Here is useful information:\n<env>\nWorking directory: {d}\nIs directory a git repo: Yes\n</env>")}]});
        assert_eq!(request_cwd(&claude).as_deref(), Some(dir.path()));
        let codex = json!({"input": [{"role": "user", "content": [{"type": "input_text", "text": format!("<environment_context>\n  <cwd>{d}</cwd>\n</environment_context>")}]}]});
        assert_eq!(request_cwd(&codex).as_deref(), Some(dir.path()));
        assert_eq!(request_cwd(&json!({"messages": [{"content": "Working directory: relative/dir"}]})), None);
        let later = json!({"messages": [{"content": "hi"}, {"content": "ok"}, {"content": format!("Working directory: {d}")}]});
        assert_eq!(request_cwd(&later), None, "later history does not say where the agent works");
    }
}
