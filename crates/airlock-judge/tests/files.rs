//! The judge on file writes, edits, notebook cells and patches: the planted
//! hole is caught whether it arrives whole, split across an edit, or in a patch.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use airlock_config::Policy;
use airlock_judge::{CallContext, Judge};
use airlock_protocol::{Decision, Edit, ToolCall, Verdict};
use std::path::Path;

const SEED: &str = "import jwt\n\ndef verify(token):\n    return jwt.decode(token, PUBLIC_KEY, algorithms=[\"RS256\", \"HS256\"])\n";
const TWIN: &str = "import jwt\n\ndef verify(token):\n    return jwt.decode(token, PUBLIC_KEY, algorithms=[\"RS256\"])\n";

fn judge_in(dir: &Path, call: ToolCall) -> Verdict {
    let ctx = CallContext { cwd: Some(dir.to_path_buf()), home: None };
    Judge::new(Policy::default()).judge(&call, &ctx)
}

fn edit(old: &str, new: &str) -> Edit {
    Edit { old: old.into(), new: new.into(), replace_all: false }
}

#[test]
fn whole_file_write_seed_denied_twin_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let v = judge_in(dir.path(), ToolCall::WriteFile { path: "auth.py".into(), content: SEED.into() });
    assert_eq!(v.decision, Decision::Deny, "{v:?}");
    assert_eq!(v.rule_codes(), ["JWT001"]);
    assert!(v.reason().contains("auth.py:4"), "{}", v.reason());
    let v = judge_in(dir.path(), ToolCall::WriteFile { path: "auth.py".into(), content: TWIN.into() });
    assert_eq!(v.decision, Decision::Allow, "{v:?}");
}

#[test]
fn edit_that_completes_a_hole_in_the_file_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("auth.py"), TWIN).unwrap();
    // On its own, `"RS256", "HS256"]` is no call at all; applied to the file it is JWT001.
    let call = ToolCall::EditFile { path: "auth.py".into(), edits: vec![edit("\"RS256\"]", "\"RS256\", \"HS256\"]")] };
    let v = judge_in(dir.path(), call);
    assert_eq!(v.decision, Decision::Deny, "{v:?}");
    assert_eq!(v.rule_codes(), ["JWT001"]);
}

#[test]
fn edit_elsewhere_is_not_blamed_for_an_old_hole() {
    let dir = tempfile::tempdir().unwrap();
    let file = format!("{SEED}\n\ndef add(a, b):\n    return a + b\n");
    std::fs::write(dir.path().join("auth.py"), &file).unwrap();
    let call = ToolCall::EditFile { path: "auth.py".into(), edits: vec![edit("return a + b", "return a + b + 0")] };
    assert_eq!(judge_in(dir.path(), call).decision, Decision::Allow);
    // The same edit on a new file (old string empty) is judged whole.
    let call = ToolCall::EditFile { path: "new.py".into(), edits: vec![edit("", SEED)] };
    assert_eq!(judge_in(dir.path(), call).decision, Decision::Deny);
}

#[test]
fn multi_edit_that_removes_verification() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("client.py"), "import requests\n\ndef get(u):\n    return requests.get(u, timeout=5)\n").unwrap();
    let call = ToolCall::EditFile {
        path: "client.py".into(),
        edits: vec![edit("timeout=5)", "timeout=5, verify=False)"), edit("import requests\n", "import requests\nimport os\n")],
    };
    let v = judge_in(dir.path(), call);
    assert_eq!(v.decision, Decision::Deny, "{v:?}");
    assert_eq!(v.rule_codes(), ["TLS001"]);
}

#[test]
fn codex_patch_update_add_and_malformed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("auth.py"), TWIN).unwrap();
    let patch = "*** Begin Patch\n*** Update File: auth.py\n@@ def verify(token):\n-    return jwt.decode(token, PUBLIC_KEY, algorithms=[\"RS256\"])\n+    return jwt.decode(token, PUBLIC_KEY, algorithms=[\"RS256\", \"HS256\"])\n*** End Patch\n";
    let v = judge_in(dir.path(), ToolCall::ApplyPatch { patch: patch.into() });
    assert_eq!(v.decision, Decision::Deny, "{v:?}");
    assert_eq!(v.rule_codes(), ["JWT001"]);

    let patch = "*** Begin Patch\n*** Add File: app.js\n+const jwt = require('jsonwebtoken');\n+jwt.verify(token, publicKey, { algorithms: ['RS256', 'HS256'] });\n*** End Patch\n";
    assert_eq!(judge_in(dir.path(), ToolCall::ApplyPatch { patch: patch.into() }).rule_codes(), ["JWT001"]);

    let patch = "*** Begin Patch\n*** Add File: ok.py\n+print(1)\n*** End Patch\n";
    assert_eq!(judge_in(dir.path(), ToolCall::ApplyPatch { patch: patch.into() }).decision, Decision::Allow);

    // A hunk line with no prefix: the patch cannot be read, so it is never a silent allow.
    let patch = "*** Begin Patch\n*** Update File: auth.py\n@@\nimport os\n*** End Patch\n";
    let v = judge_in(dir.path(), ToolCall::ApplyPatch { patch: patch.into() });
    assert_eq!(v.decision, Decision::Ask, "{v:?}");
    assert_eq!(v.rule_codes(), ["PAT001"]);
}

#[test]
fn notebook_cell_and_workflow() {
    let dir = tempfile::tempdir().unwrap();
    let call = ToolCall::EditNotebook {
        path: "nb.ipynb".into(),
        cell_id: Some("c1".into()),
        source: "import pickle\nobj = pickle.loads(request.data)\n".into(),
        mode: "replace".into(),
    };
    assert_eq!(judge_in(dir.path(), call).rule_codes(), ["DSR001"]);
    let wf = "on: pull_request_target\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          ref: ${{ github.event.pull_request.head.sha }}\n      - run: npm test\n";
    let v = judge_in(dir.path(), ToolCall::WriteFile { path: ".github/workflows/ci.yml".into(), content: wf.into() });
    assert_eq!(v.decision, Decision::Deny, "{v:?}");
}

#[test]
fn whole_notebook_write_is_judged_by_cell() {
    let dir = tempfile::tempdir().unwrap();
    let nb = "{\n \"cells\": [\n  {\n   \"cell_type\": \"code\",\n   \"source\": [\n    \"import requests\\n\",\n    \"requests.get(url, verify=False)\"\n   ]\n  }\n ],\n \"nbformat\": 4\n}\n";
    let v = judge_in(dir.path(), ToolCall::WriteFile { path: "a.ipynb".into(), content: nb.into() });
    assert_eq!(v.rule_codes(), ["TLS001"]);
    assert!(v.reason().contains("a.ipynb:7"), "{}", v.reason());
    let v = judge_in(dir.path(), ToolCall::WriteFile { path: "a.ipynb".into(), content: "{\"cells\": 1}".into() });
    assert_eq!((v.decision, v.rule_codes()), (Decision::Ask, vec!["PAR003".to_string()]));
}
