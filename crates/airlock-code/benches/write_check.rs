//! The cost of judging one file write: a 1000-line source in each language,
//! whole (Write) and as an edit of one line in the middle (Edit). Target: under
//! 2 ms for the 1000-line write. Run: `cargo bench -p airlock-code --bench write_check`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use airlock_code::{analyze, analyze_change, Change, Lang};
use airlock_config::Policy;
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

/// Ordinary application code, repeated with varied names up to `lines` lines.
fn source(lang: Lang, lines: usize) -> String {
    source_with(lang, lines, "")
}

/// The same with `extra` as a statement in every function: a parameterized
/// query is a trigger of SQL001, so the prefilter has to parse every function.
fn dense(lang: Lang, lines: usize) -> String {
    let extra = match lang {
        Lang::Python => "    rows = db.execute(\"SELECT name FROM items WHERE owner = ?\", (user.id,))\n",
        _ => "\trows, _ := db.Query(\"SELECT name FROM items WHERE owner = ?\", user.ID)\n\t_ = rows\n",
    };
    source_with(lang, lines, extra)
}

fn source_with(lang: Lang, lines: usize, extra: &str) -> String {
    let block = |i: usize| -> String {
        match lang {
            Lang::Python => format!(
                "def handler_{i}(request, db):\n    user = db.get_user(request.args.get(\"id\"))\n    if not user:\n        return {{\"error\": \"not found\", \"code\": 404}}\n{extra}    items = [x.name for x in user.items if x.active]\n    log.info(\"user %s has %d items\", user.id, len(items))\n    total = sum(item.price * item.qty for item in user.items)\n    return {{\"items\": items, \"total\": total, \"page\": {i}}}\n\n\n"
            ),
            Lang::JavaScript => format!(
                "async function handler{i}(req, res) {{\n  const user = await db.users.findOne({{ id: req.params.id }});\n  if (!user) {{\n    return res.status(404).json({{ error: 'not found' }});\n  }}\n  const items = user.items.filter((x) => x.active).map((x) => x.name);\n  logger.info(`user ${{user.id}} has ${{items.length}} items`);\n  res.json({{ items, page: {i} }});\n}}\n\n"
            ),
            Lang::Go => format!(
                "func Handler{i}(w http.ResponseWriter, r *http.Request) {{\n\tid := r.URL.Query().Get(\"id\")\n\tuser, err := store.User(r.Context(), id)\n\tif err != nil {{\n\t\thttp.Error(w, \"not found\", http.StatusNotFound)\n\t\treturn\n\t}}\n{extra}\tlog.Printf(\"user %s page %d\", user.ID, {i})\n\tjson.NewEncoder(w).Encode(user.Items)\n}}\n\n"
            ),
            _ => format!(
                "  public Response handler{i}(Request request) {{\n    User user = repository.findById(request.getParameter(\"id\"));\n    if (user == null) {{\n      return Response.status(404).build();\n    }}\n    List<String> items = user.getItems().stream().filter(Item::isActive).map(Item::getName).collect(Collectors.toList());\n    logger.info(\"user {{}} page {{}}\", user.getId(), {i});\n    return Response.ok(items).build();\n  }}\n\n"
            ),
        }
    };
    let mut s = match lang {
        Lang::Go => "package handlers\n\nimport (\n\t\"encoding/json\"\n\t\"log\"\n\t\"net/http\"\n)\n\n".to_string(),
        Lang::Java => "package app;\n\nimport java.util.*;\n\npublic class Handlers {\n".to_string(),
        Lang::Python => "import logging\n\nlog = logging.getLogger(__name__)\n\n\n".to_string(),
        _ => "'use strict';\nconst logger = require('./logger');\n\n".to_string(),
    };
    let mut i = 0;
    while s.lines().count() < lines - 1 {
        s.push_str(&block(i));
        i += 1;
    }
    if lang == Lang::Java {
        s.push_str("}\n");
    }
    s
}

fn bench(c: &mut Criterion) {
    let policy = Policy::default();
    let mut g = c.benchmark_group("write_1000_lines");
    for lang in [Lang::Python, Lang::JavaScript, Lang::Go, Lang::Java] {
        let text = source(lang, 1000);
        assert!(analyze(&text, lang, Some("bench"), &policy).is_empty(), "the benchmark source should be clean");
        g.bench_function(lang.name(), |b| b.iter(|| analyze(black_box(&text), lang, Some("bench"), &policy)));
    }
    g.finish();
    // Every function holds a trigger: the prefilter keeps the whole file.
    let mut g = c.benchmark_group("write_1000_lines_dense");
    for lang in [Lang::Python, Lang::Go] {
        let text = dense(lang, 1000);
        g.bench_function(lang.name(), |b| b.iter(|| analyze(black_box(&text), lang, Some("bench"), &policy)));
    }
    g.finish();
    // The tree-sitter parse alone, the floor under every check.
    let mut g = c.benchmark_group("parse_only_1000_lines");
    let text = source(Lang::Python, 1000);
    g.bench_function("python", |b| {
        b.iter(|| {
            use ast_grep_language::LanguageExt;
            ast_grep_language::SupportLang::Python.ast_grep(black_box(&text)).root().text().len()
        })
    });
    g.finish();
    let mut g = c.benchmark_group("edit_one_line_of_1000");
    let text = source(Lang::Python, 1000);
    let mid = text.len() / 2;
    let change = Change { path: "app.py".into(), text: text.clone(), changed: Some(std::iter::once(mid..mid + 10).collect()), removed: "x = 1\n".into() };
    g.bench_function("python", |b| b.iter(|| analyze_change(black_box(&change), Lang::Python, &policy)));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
