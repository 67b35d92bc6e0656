//! DSR001: deserialization that can run code.

use crate::lang::Lang::*;
use crate::rules::util::{assigned_value, calls, emit};
use crate::rules::{fx, CodeRuleMeta};
use crate::syntax::is_const;
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
    ],
    passes: &[
        fx(Python, "from ruamel.yaml import YAML\n\ndef f(p):\n    yaml = YAML(typ=\"safe\")\n    return yaml.load(p)\n"),
        fx(Python, "cfg = yaml.safe_load(open(path))\n"),
        fx(Python, "cfg = yaml.load(text, Loader=yaml.SafeLoader)\n"),
        fx(Python, "data = json.loads(request.data)\n"),
        fx(Python, "m = torch.load(path, weights_only=True)\n"),
        fx(JavaScript, "const profile = JSON.parse(req.cookies.profile);"),
    ],
};

pub fn check(unit: &Unit<'_>, meta: &CodeRuleMeta, out: &mut Vec<Finding>) {
    for c in calls(unit) {
        let callee = c.callee.as_str();
        let n = c.name.as_str();
        let root = callee.split('.').next().unwrap_or("");
        let why: Option<String> = match unit.lang {
            Python => {
                let pickle_like = matches!(root, "pickle" | "cPickle" | "_pickle" | "dill" | "marshal" | "cloudpickle" | "joblib")
                    && matches!(n, "load" | "loads" | "Unpickler");
                let loader = c.option("Loader").map(|l| l.text().to_string());
                let safe_loader = loader.as_deref().is_some_and(|l| l.contains("Safe") || l.contains("BaseLoader"));
                let yaml = root == "yaml"
                    && (matches!(n, "unsafe_load" | "unsafe_load_all" | "full_load" | "full_load_all")
                        || (matches!(n, "load" | "load_all") && !safe_loader));
                let other = matches!(callee, "shelve.open" | "jsonpickle.decode" | "pandas.read_pickle" | "pd.read_pickle")
                    || (n == "load" && matches!(root, "np" | "numpy") && c.option("allow_pickle").is_some_and(|v| v.text() == "True"))
                    || (callee == "torch.load" && c.option("weights_only").is_none_or(|v| v.text() != "True"));
                (pickle_like || yaml || other).then(|| format!("`{callee}` can construct arbitrary objects from its input"))
            }
            Java => {
                let bad = matches!(callee, "new ObjectInputStream" | "new XMLDecoder" | "new ObjectInputStreamWithLoader")
                    || (n == "fromXML" && c.callee.to_ascii_lowercase().contains("xstream"))
                    || n == "enableDefaultTyping"
                    || (n == "load" && callee.starts_with("new Yaml") && !c.node.text().contains("SafeConstructor"));
                bad.then(|| format!("`{callee}` deserializes objects of any class from its input"))
            }
            _ => {
                let bad = (n == "unserialize" && !c.first().is_some_and(is_const))
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
