//! The prefilter (parse only the declarations that contain a rule's trigger)
//! must find exactly what the whole parse finds: on every rule fixture alone,
//! on every fixture embedded between clean declarations (so that the prefilter
//! really blanks something), and on every file of the labeled code corpus.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use airlock_code::rules::REGISTRY;
use airlock_code::{analyze_full_parse, analyze_with_removed, Lang};
use airlock_config::Policy;
use std::path::Path;

fn show(text: &str, lang: Lang, path: &str, removed: &str, fast: bool) -> Vec<String> {
    let policy = Policy::default();
    let found = if fast {
        analyze_with_removed(text, lang, Some(path), removed, &policy)
    } else {
        analyze_full_parse(text, lang, Some(path), removed, &policy)
    };
    found.iter().map(|f| format!("{} {:?} {:?} {}", f.code, f.span, f.decision, f.message)).collect()
}

fn differs(text: &str, lang: Lang, path: &str, removed: &str) -> Option<String> {
    let (fast, full) = (show(text, lang, path, removed, true), show(text, lang, path, removed, false));
    (fast != full).then(|| format!("{path} ({lang}):\n  prefilter: {fast:?}\n  whole:     {full:?}\n---\n{text}\n---"))
}

/// Clean declarations in the style of ordinary application code.
fn filler(lang: Lang, i: usize) -> String {
    match lang {
        Lang::Python => format!(
            "def handler_{i}(request, db):\n    user = db.get_user(request.args.get(\"id\"))\n    if not user:\n        return {{\"error\": \"not found\"}}\n    return {{\"items\": [x.name for x in user.items], \"page\": {i}}}\n\n\nclass Model{i}:\n    limit = {i}\n\n    def total(self, items):\n        return sum(x.price for x in items)\n\n\n"
        ),
        Lang::Go => format!(
            "func Handler{i}(w http.ResponseWriter, r *http.Request) {{\n\tid := r.URL.Query().Get(\"id\")\n\tuser, err := store.User(r.Context(), id)\n\tif err != nil {{\n\t\thttp.Error(w, \"not found\", http.StatusNotFound)\n\t\treturn\n\t}}\n\tjson.NewEncoder(w).Encode(user.Items)\n}}\n\ntype Model{i} struct {{\n\tName string\n}}\n\n"
        ),
        _ => String::new(),
    }
}

fn path_for(lang: Lang) -> &'static str {
    match lang {
        Lang::Yaml => ".github/workflows/ci.yml",
        Lang::PackageJson => "package.json",
        Lang::Requirements => "requirements.txt",
        Lang::PythonConfig => "pyproject.toml",
        Lang::Npmrc => ".npmrc",
        Lang::Dockerfile => "Dockerfile",
        Lang::Python => "app.py",
        _ => "src/file",
    }
}

#[test]
fn prefilter_matches_the_whole_parse_on_every_fixture() {
    let mut failures = Vec::new();
    for r in REGISTRY {
        for f in r.meta.flags.iter().chain(r.meta.passes) {
            let path = path_for(f.lang);
            failures.extend(differs(f.code, f.lang, path, f.removed));
            // Between clean declarations, twice, at column 0 as written.
            let pad = |i| filler(f.lang, i);
            let embedded = format!("{}{}\n\n{}{}\n\n{}", pad(0), f.code.trim_end(), pad(1), f.code.trim_end(), pad(2));
            failures.extend(differs(&embedded, f.lang, path, f.removed));
            let imports = if f.lang == Lang::Go { "package app\n\nimport \"os\"\n" } else { "import os\nimport json\n" };
            let after_imports = format!("{imports}\n{}\n\n{}", f.code.trim_end(), pad(3));
            failures.extend(differs(&after_imports, f.lang, path, f.removed));
        }
    }
    assert!(failures.is_empty(), "{} differences:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn prefilter_matches_the_whole_parse_on_the_corpus() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora/code/semgrep-rules");
    if !root.is_dir() {
        eprintln!("no corpus at {}: skipped", root.display());
        return;
    }
    let mut stack = vec![root];
    let (mut failures, mut files) = (Vec::new(), 0);
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let Some(lang) = Lang::from_path(&p) else { continue };
            let Ok(text) = std::fs::read_to_string(&p) else { continue };
            files += 1;
            failures.extend(differs(&text, lang, &p.to_string_lossy(), ""));
        }
    }
    assert!(files > 100, "only {files} corpus files");
    assert!(failures.is_empty(), "{} of {files} files differ:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn the_benchmark_file_needs_no_declaration() {
    let heads = [
        (Lang::Python, "app.py", "import logging\n\nlog = logging.getLogger(__name__)\n\n\n"),
        (Lang::Go, "app.go", "package handlers\n\nimport (\n\t\"encoding/json\"\n\t\"net/http\"\n)\n\n"),
    ];
    for (lang, path, head) in heads {
        let mut text = head.to_string();
        for i in 0..50 {
            text.push_str(&filler(lang, i));
        }
        assert!(differs(&text, lang, path, "").is_none());
        let reduced = airlock_code::prefilter_reduce(&text, lang).expect("reduced");
        let code = reduced.bytes().filter(|b| !b.is_ascii_whitespace()).count();
        assert!(code < 100, "{lang}: {code} bytes of code left:\n{reduced}");
    }
}

/// How much of each Python and Go corpus file the prefilter keeps (`--nocapture`).
#[test]
fn corpus_share_kept() {
    for (dir, ext, lang) in [("python", "py", Lang::Python), ("go", "go", Lang::Go)] {
        share_kept(dir, ext, lang);
    }
}

fn share_kept(dir: &str, ext: &str, lang: Lang) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora/code/semgrep-rules").join(dir);
    let Ok(dir) = std::fs::read_dir(&root) else { return };
    let (mut all, mut kept, mut reduced) = (0usize, 0usize, 0usize);
    let mut stack: Vec<_> = dir.flatten().map(|e| e.path()).collect();
    while let Some(p) = stack.pop() {
        if p.is_dir() {
            stack.extend(std::fs::read_dir(&p).unwrap().flatten().map(|e| e.path()));
            continue;
        }
        if p.extension().is_none_or(|e| e != ext) {
            continue;
        }
        let text = std::fs::read_to_string(&p).unwrap();
        let code = |t: &str| t.bytes().filter(|b| !b.is_ascii_whitespace()).count();
        all += code(&text);
        match airlock_code::prefilter_reduce(&text, lang) {
            Some(r) => {
                kept += code(&r);
                reduced += 1;
            }
            None => kept += code(&text),
        }
    }
    eprintln!("{lang} corpus: {reduced} files reduced, {kept} of {all} code bytes parsed");
}
