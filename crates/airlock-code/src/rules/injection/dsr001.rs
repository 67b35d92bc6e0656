//! DSR001: deserialization that can run code.

use crate::lang::Lang::*;
use super::flow;
use crate::rules::util::{assigned_value, calls, emit};
use crate::rules::{fx, CodeRuleMeta};
use crate::syntax::{is_const, mentions, N};
use crate::unit::Unit;
use airlock_protocol::{Category, Decision, Finding, Severity};

pub static META: CodeRuleMeta = CodeRuleMeta {
    code: "DSR001",
    name: "unsafe-deserialization",
    category: Category::CodeVulnerability,
    severity: Severity::High,
    decision: Decision::Ask,
    langs: &[Python, JavaScript, TypeScript, Tsx, Java],
    summary: "Data is deserialized with a format that can construct arbitrary objects: pickle/cPickle/dill/marshal/\
              shelve/jsonpickle, `yaml.load` without a safe loader, `pandas.read_pickle`, `numpy.load(allow_pickle=True)`, \
              `torch.load` without `weights_only=True`, Java `ObjectInputStream`/`XMLDecoder`/XStream, SnakeYAML's \
              default constructor, Jackson default typing, node-serialize.",
    why: "Loading such data runs code chosen by whoever wrote it: one crafted request or file is remote code execution.",
    example: "obj = pickle.loads(request.data)",
    instead: "Use a data-only format (JSON, `yaml.safe_load`, `torch.load(weights_only=True)`, safetensors); in Java, \
              an `ObjectInputFilter` allow-list or a JSON mapper without default typing.",
    references: &["CWE-502"],
    flags: &[
        fx(Python, "obj = pickle.loads(request.data)\n"),
        fx(Python, "cfg = yaml.load(open(path))\n"),
        fx(Python, "cfg = yaml.load(text, Loader=yaml.Loader)\n"),
        fx(Java, "class A { Object f(InputStream in) throws Exception { return new ObjectInputStream(in).readObject(); } }"),
        fx(JavaScript, "const serialize = require('node-serialize'); serialize.unserialize(req.cookies.profile);"),
        fx(Java, "class A { Car f(ObjectMapper m, String s) throws Exception { m.enableDefaultTyping(); return m.readValue(s, Car.class); } }"),
        fx(Python, "from pickle import loads\n\ndef f(event):\n    return loads(event[\"body\"])\n"),
        fx(Python, "obj = pickle.loads(b\"cos\\nsystem\\n(S'id'\\ntR.\")\n"),
    ],
    passes: &[
        fx(Python, "from ruamel.yaml import YAML\n\ndef f(p):\n    yaml = YAML(typ=\"safe\")\n    return yaml.load(p)\n"),
        fx(Python, "cfg = yaml.safe_load(open(path))\n"),
        fx(Python, "cfg = yaml.load(text, Loader=yaml.SafeLoader)\n"),
        fx(Python, "data = json.loads(request.data)\n"),
        fx(Python, "m = torch.load(path, weights_only=True)\n"),
        fx(JavaScript, "const profile = JSON.parse(req.cookies.profile);"),
        fx(Java, "class A { Car f(ObjectMapper m, String s) throws Exception { return m.readValue(s, Car.class); } }"),
        fx(Python, "names = pickle.load(open(\"names.pkl\", \"rb\"))\njsonpickle.decode('{\"a\": 1}')\n"),
    ],
};

/// Prefilter triggers: the deserializing modules and calls by name.
pub(crate) const TRIGGERS: Option<&[&str]> = Some(&[
    "pickle", "dill", "marshal", "joblib", "load", "unpickler", "yaml", "shelve", "objectinputstream",
    "xmldecoder", "fromxml", "enabledefaulttyping", "readvalue", "getobject", "unserialize", "deserialize",
    "funcster",
]);

pub fn check(unit: &Unit<'_>, meta: &CodeRuleMeta, out: &mut Vec<Finding>) {
    for c in calls(unit) {
        let callee = c.callee.as_str();
        let n = c.name.as_str();
        let root = callee.split('.').next().unwrap_or("");
        let why: Option<String> = match unit.lang {
            Python => {
                let pickle_mods = ["pickle", "cPickle", "_pickle", "dill", "marshal", "cloudpickle", "joblib"];
                // `from pickle import loads` makes the bare name the pickle loader.
                let imported = callee == n
                    && pickle_mods.iter().any(|m| unit.text.contains(&format!("from {m} import")) && mentions(unit.text, n));
                let pickle_like = (pickle_mods.contains(&root) || imported)
                    && matches!(n, "load" | "loads" | "Unpickler")
                    && !fixed_input(unit, c.first());
                let loader = c.option("Loader").map(|l| l.text().to_string());
                let safe_loader = loader.as_deref().is_some_and(|l| l.contains("Safe") || l.contains("BaseLoader"));
                let yaml = root == "yaml"
                    && (matches!(n, "unsafe_load" | "unsafe_load_all" | "full_load" | "full_load_all")
                        || (matches!(n, "load" | "load_all") && !safe_loader));
                // ruamel's unsafe loader constructs arbitrary Python objects.
                let ruamel_unsafe = n == "YAML" && c.option("typ").and_then(|t| crate::syntax::str_lit(&t)).as_deref() == Some("unsafe");
                let other = ruamel_unsafe
                    || (callee == "jsonpickle.decode" && !fixed_input(unit, c.first()))
                    || matches!(callee, "shelve.open" | "pandas.read_pickle" | "pd.read_pickle")
                    || (n == "load" && matches!(root, "np" | "numpy") && c.option("allow_pickle").is_some_and(|v| v.text() == "True"))
                    || (callee == "torch.load" && c.option("weights_only").is_none_or(|v| v.text() != "True"));
                (pickle_like || yaml || other).then(|| format!("`{callee}` can construct arbitrary objects from its input"))
            }
            Java => {
                let bad = matches!(callee, "new ObjectInputStream" | "new XMLDecoder" | "new ObjectInputStreamWithLoader")
                    || (n == "fromXML" && c.callee.to_ascii_lowercase().contains("xstream"))
                    || n == "enableDefaultTyping"
                    || (n == "load" && callee.starts_with("new Yaml") && !c.node.text().contains("SafeConstructor"))
                    // Jackson with polymorphic typing builds whatever class the JSON names.
                    || (n == "readValue" && jackson_polymorphic(unit, c))
                    // JMS `ObjectMessage.getObject()` deserializes the message body.
                    || (n == "getObject" && c.args.is_empty() && unit.text.contains("ObjectMessage"));
                bad.then(|| format!("`{callee}` deserializes objects of any class from its input"))
            }
            _ => {
                // The receiver (or the bare function) is the one imported from the package.
                let recv = callee.rsplit_once('.').map(|(r, _)| r).unwrap_or(n);
                let from = |pkg: &str| unit.text.lines().any(|l| l.contains(pkg) && mentions(l, recv));
                let bad = (n == "unserialize" && from("node-serialize") && !c.first().is_some_and(is_const))
                    || (n == "deserialize" && from("serialize-to-js") && !c.first().is_some_and(is_const))
                    || callee.contains("funcster.deepDeserialize");
                bad.then(|| format!("`{callee}` can run functions embedded in the data"))
            }
        };
        // ruamel's `YAML().load` is safe by default. Literal input is still flagged: in code a model
        // writes, the literal can be the payload (`yaml.unsafe_load("!!python/object/new:os.system ...")`).
        let ruamel = root == "yaml"
            && c.node
                .field("function")
                .and_then(|f| f.field("object"))
                .and_then(|o| assigned_value(unit, &o))
                .is_some_and(|v| v.text().starts_with("YAML("));
        if let Some(msg) = why.filter(|_| !ruamel) {
            emit(unit, meta, &c.node, msg, out);
        }
    }
}

/// Input the program fixes itself: a text literal or a name bound to one, or a file
/// opened by a literal path. Bytes literals stay suspect: they can be the payload.
fn fixed_input<'t>(unit: &Unit<'t>, a: Option<&N<'t>>) -> bool {
    let Some(a) = a else { return false };
    let bytes = |n: &N<'_>| n.text().starts_with(['b', 'B']);
    let opened = a.kind() == "call"
        && a.field("function").is_some_and(|f| f.text() == "open")
        && a.field("arguments").and_then(|x| x.children().find(|c| c.is_named())).is_some_and(|p| is_const(&p));
    opened || (!bytes(a) && !flow::dynamic(unit, a) && flow::values_of(unit, a).iter().all(|v| !bytes(v)))
}

/// `mapper.readValue(..., X.class)` after `enableDefaultTyping()` in the same function, or into a
/// class declared with `@JsonTypeInfo(use = Id.CLASS)` / `MINIMAL_CLASS`.
fn jackson_polymorphic(unit: &Unit<'_>, c: &crate::syntax::Call<'_>) -> bool {
    let scope = crate::rules::util::scope_of(&c.node);
    let typing_on = calls(unit).iter().any(|d| {
        matches!(d.name.as_str(), "enableDefaultTyping" | "activateDefaultTyping")
            && crate::rules::util::scope_of(&d.node) == scope
            && d.node.range().start < c.node.range().start
    });
    let annotated = |class: &str| {
        unit.text.match_indices(&format!("class {class}")).any(|(i, _)| {
            let before = unit.text.get(i.saturating_sub(300)..i).unwrap_or("");
            before.rsplit("class ").next().is_some_and(|b| b.contains("@JsonTypeInfo") && b.contains("CLASS"))
        })
    };
    typing_on
        || c.positional().any(|a| a.text().strip_suffix(".class").is_some_and(|cls| !cls.contains('.') && annotated(cls)))
}
