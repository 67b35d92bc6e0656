#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use super::*;

fn kept(text: &str) -> String {
    reduce(text, Lang::Python).unwrap_or_else(|| text.to_string())
}

#[test]
fn python_items_split_on_column_zero() {
    let src = "import os\n\n@app.route('/')\ndef a():\n    x = '''\ndef not_an_item():\n'''\n    return (1,\n2)\n# c\nelse_ = 1\nif x:\n    pass\nelse:\n    pass\nclass C:\n    y = 1\n";
    let items = python::items(src).unwrap();
    let kinds: Vec<_> = items.iter().map(|i| (src[i.start..i.end].lines().next().unwrap(), i.kind)).collect();
    assert_eq!(
        kinds,
        vec![
            ("import os", Kind::Import),
            ("@app.route('/')", Kind::Def),
            ("else_ = 1", Kind::Stmt),
            ("if x:", Kind::Stmt),
            ("class C:", Kind::Def),
        ]
    );
    assert!(python::items("x = (1,\n").is_none());
    assert!(python::items("x = '''\n").is_none());
}

#[test]
fn blanking_keeps_offsets_and_triggered_items() {
    let src = "import os\n\ndef quiet():\n    return 1 + 2\n\ndef loud(cmd):\n    os.system(cmd)\n";
    let out = kept(src);
    assert_eq!(out.len(), src.len());
    assert_eq!(out.lines().count(), src.lines().count());
    assert!(out.contains("os.system(cmd)") && !out.contains("quiet"));
}

#[test]
fn aliases_and_module_names_keep_their_users() {
    let src = "from hashlib import md5 as h\n\ndef f(x):\n    return h(x)\n\ndef g():\n    return 1\n";
    let out = kept(src);
    assert!(out.contains("return h(x)") && !out.contains("def g"));
    let src = "class K:\n    cmd = 'ls'\n\nclass Other:\n    z = 2\n\ndef f():\n    os.system(cmd)\n";
    let out = kept(src);
    assert!(out.contains("cmd = 'ls'") && !out.contains("Other"));
}

#[test]
fn trigger_words_count_by_their_marks() {
    let text = "x = db.query()\ny = db.query(q)\n";
    let call = Word::parse("query(");
    let at: Vec<_> = text.match_indices("query").map(|(i, w)| i..i + w.len()).collect();
    assert!(!call.counts(text, at[0].clone()) && call.counts(text, at[1].clone()));
    assert!(Word::parse("=Function").counts("Function(", 0..8) && !Word::parse("=Function").counts("function(", 0..8));
    let eq = Word::parse("==");
    assert!(eq.spec == "==" && !eq.exact && !eq.call);
    // The same string under two marks is reported for both.
    let m = Matcher::build(Lang::Go).unwrap();
    let items = golang::items("package p\n\nfunc a() {\n\tr.URL.Query().Get(\"id\")\n}\n\nfunc b() {\n\tdb.Query(q)\n}\n").unwrap();
    let t = m.triggered("package p\n\nfunc a() {\n\tr.URL.Query().Get(\"id\")\n}\n\nfunc b() {\n\tdb.Query(q)\n}\n", &items);
    assert_eq!(t, vec![false, false, true]);
}

#[test]
fn go_items_and_names() {
    let src = "package p\n\nimport \"fmt\"\n\n// doc\nfunc (s *S) Run(x string) {\n\ts := `\nfunc not_an_item() {`\n\tvar key = \"k\"\n}\n\nvar (\n\ta = 1\n\tb = 2\n)\n";
    let items = golang::items(src).unwrap();
    let firsts: Vec<_> = items.iter().map(|i| src[i.start..i.end].lines().next().unwrap()).collect();
    assert_eq!(firsts, vec!["package p", "import \"fmt\"", "func (s *S) Run(x string) {", "var ("]);
    // Lexical, so a superset (a name inside a raw string counts too): more is kept, never less.
    let names = golang::binds(&src[items[2].start..items[2].end]);
    assert!(names.contains(&"Run") && names.contains(&"key"), "{names:?}");
    assert_eq!(golang::binds(&src[items[3].start..items[3].end]), vec!["a", "b"]);
    assert!(golang::items("func f() {\n").is_none());
}

