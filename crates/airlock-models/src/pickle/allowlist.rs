//! What a model file may import. Everything else is unsafe.
//!
//! An import is judged by its full dotted path (`module.name`, with a protocol 4
//! dotted name `a.b` giving `module.a.b`), after the Python 2 name mapping a
//! protocol < 3 stream gets ([`fix_imports`]). The list is what PyTorch state
//! dicts and numpy arrays need to be rebuilt, nothing more: each entry is a
//! constructor of plain data that takes no callable and touches no file.

/// Sorted; see the test below.
const ALLOWED: &[&str] = &[
    // Python 3 pickles `bytes` at protocol < 3 as `_codecs.encode(text, "latin1")`;
    // numpy arrays pickled at protocol 2 carry their raw data this way. The codec
    // lookup only imports modules of the standard `encodings` package.
    "_codecs.encode",
    // The container of every PyTorch state dict (and its `_metadata`).
    "collections.OrderedDict",
    // numpy: an array is `_reconstruct(ndarray, shape, dtype)` and then BUILD with
    // its state; `dtype(...)` rebuilds the element type; `scalar(dtype, bytes)` a
    // numpy scalar. numpy 2 moved `core` to `_core` (both names load).
    "numpy._core.multiarray._reconstruct",
    "numpy._core.multiarray.scalar",
    "numpy.core.multiarray._reconstruct",
    "numpy.core.multiarray.scalar",
    "numpy.dtype",
    "numpy.ndarray",
    // PyTorch storage types: named in the persistent id of every tensor storage
    // (`('storage', torch.FloatStorage, key, location, numel)`); the loader's
    // persistent_load maps them to a dtype, it does not call them with content.
    "torch.BFloat16Storage",
    "torch.BoolStorage",
    "torch.ByteStorage",
    "torch.CharStorage",
    "torch.ComplexDoubleStorage",
    "torch.ComplexFloatStorage",
    "torch.DoubleStorage",
    "torch.FloatStorage",
    "torch.HalfStorage",
    "torch.IntStorage",
    "torch.LongStorage",
    "torch.QInt32Storage",
    "torch.QInt8Storage",
    "torch.QUInt2x4Storage",
    "torch.QUInt4x2Storage",
    "torch.QUInt8Storage",
    "torch.ShortStorage",
    "torch.Size",
    "torch.UntypedStorage",
    // Tensor rebuild functions: storage + offset + size + stride (+ dtype,
    // requires_grad, an ordered dict of hooks that is empty in saved models).
    // `_rebuild_parameter*` wrap a rebuilt tensor in `nn.Parameter`.
    "torch._utils._rebuild_parameter",
    "torch._utils._rebuild_parameter_with_state",
    "torch._utils._rebuild_qtensor",
    "torch._utils._rebuild_sparse_tensor",
    "torch._utils._rebuild_tensor",
    "torch._utils._rebuild_tensor_v2",
    "torch._utils._rebuild_tensor_v3",
    // dtypes (pickled by name as `torch.<dtype>`), `torch.device("cpu")`.
    "torch.bfloat16",
    "torch.bool",
    "torch.complex128",
    "torch.complex64",
    "torch.device",
    "torch.float16",
    "torch.float32",
    "torch.float64",
    "torch.float8_e4m3fn",
    "torch.float8_e5m2",
    "torch.int16",
    "torch.int32",
    "torch.int64",
    "torch.int8",
    "torch.uint8",
];

/// Whether the full dotted path may be imported by a model file.
pub fn allowed(path: &str) -> bool {
    ALLOWED.binary_search(&path).is_ok()
}

/// Longest module or name string an allowlisted import is made of: strings longer
/// than this can never name an allowed import (the machine keeps only a prefix).
pub fn longest_part() -> usize {
    ALLOWED.iter().flat_map(|p| p.split('.')).map(str::len).max().unwrap_or(0).max(
        ALLOWED.iter().filter_map(|p| p.rsplit_once('.')).map(|(m, _)| m.len()).max().unwrap_or(0),
    )
}

/// Element size in bytes of a PyTorch storage type, by its full path.
pub fn storage_element_size(path: &str) -> Option<u8> {
    Some(match path.strip_prefix("torch.")? {
        "ComplexDoubleStorage" => 16,
        "DoubleStorage" | "LongStorage" | "ComplexFloatStorage" => 8,
        "FloatStorage" | "IntStorage" | "QInt32Storage" => 4,
        "HalfStorage" | "BFloat16Storage" | "ShortStorage" => 2,
        "CharStorage" | "ByteStorage" | "BoolStorage" | "QInt8Storage" | "QUInt8Storage" | "QUInt4x2Storage"
        | "QUInt2x4Storage" | "UntypedStorage" => 1,
        _ => return None,
    })
}

/// Whether a component of the path is a dunder name (`__builtin__`, `__main__`,
/// `__class__`, ...): never part of what a model file needs.
pub fn has_dunder(path: &str) -> bool {
    path.split('.').any(|c| c.len() > 4 && c.starts_with("__") && c.ends_with("__"))
}

/// Python 2 module renames a protocol < 3 stream gets when unpickled by Python 3
/// with `fix_imports` (the default; PyTorch and numpy keep it). Only the module
/// part is renamed, except for the names in [`NAME_MAP`], which are checked first.
const MODULE_MAP: &[(&str, &str)] = &[
    ("BaseHTTPServer", "http.server"),
    ("CGIHTTPServer", "http.server"),
    ("ConfigParser", "configparser"),
    ("Cookie", "http.cookies"),
    ("DocXMLRPCServer", "xmlrpc.server"),
    ("HTMLParser", "html.parser"),
    ("Queue", "queue"),
    ("SimpleHTTPServer", "http.server"),
    ("SimpleXMLRPCServer", "xmlrpc.server"),
    ("SocketServer", "socketserver"),
    ("StringIO", "io"),
    ("UserDict", "collections"),
    ("UserList", "collections"),
    ("UserString", "collections"),
    ("__builtin__", "builtins"),
    ("_winreg", "winreg"),
    ("anydbm", "dbm"),
    ("cPickle", "pickle"),
    ("cStringIO", "io"),
    ("commands", "subprocess"),
    ("cookielib", "http.cookiejar"),
    ("copy_reg", "copyreg"),
    ("dbhash", "dbm.bsd"),
    ("dumbdbm", "dbm.dumb"),
    ("dummy_thread", "_dummy_thread"),
    ("exceptions", "builtins"),
    ("gdbm", "dbm.gnu"),
    ("htmlentitydefs", "html.entities"),
    ("httplib", "http.client"),
    ("markupbase", "_markupbase"),
    ("repr", "reprlib"),
    ("robotparser", "urllib.robotparser"),
    ("thread", "_thread"),
    ("urllib2", "urllib.request"),
    ("urlparse", "urllib.parse"),
    ("whichdb", "dbm"),
    ("xmlrpclib", "xmlrpc.client"),
];

/// Python 2 names whose module and name both change.
type Pair = (&'static str, &'static str);
const NAME_MAP: &[(Pair, Pair)] = &[
    (("UserDict", "IterableUserDict"), ("collections", "UserDict")),
    (("__builtin__", "basestring"), ("builtins", "str")),
    (("__builtin__", "intern"), ("sys", "intern")),
    (("__builtin__", "long"), ("builtins", "int")),
    (("__builtin__", "reduce"), ("functools", "reduce")),
    (("__builtin__", "unichr"), ("builtins", "chr")),
    (("__builtin__", "unicode"), ("builtins", "str")),
    (("__builtin__", "xrange"), ("builtins", "range")),
    (("itertools", "ifilter"), ("builtins", "filter")),
    (("itertools", "ifilterfalse"), ("itertools", "filterfalse")),
    (("itertools", "imap"), ("builtins", "map")),
    (("itertools", "izip"), ("builtins", "zip")),
    (("itertools", "izip_longest"), ("itertools", "zip_longest")),
    (("os", "getcwdu"), ("os", "getcwd")),
    (("urllib", "quote"), ("urllib.parse", "quote")),
    (("urllib", "unquote"), ("urllib.parse", "unquote")),
    (("urllib", "urlencode"), ("urllib.parse", "urlencode")),
    (("urllib", "urlopen"), ("urllib.request", "urlopen")),
    (("urllib", "urlretrieve"), ("urllib.request", "urlretrieve")),
];

/// The full dotted path an import resolves to: `module.name`, after the Python 2
/// mapping when `proto < 3`.
pub fn resolve(module: &str, name: &str, proto: u8) -> String {
    if proto < 3 {
        if let Some((_, (m, n))) = NAME_MAP.iter().find(|((m, n), _)| *m == module && *n == name) {
            return format!("{m}.{n}");
        }
        if let Some((_, m)) = MODULE_MAP.iter().find(|(m, _)| *m == module) {
            return format!("{m}.{name}");
        }
    }
    format!("{module}.{name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_sorted_and_short() {
        assert!(ALLOWED.windows(2).all(|w| matches!(w, [a, b] if a < b)));
        assert!(longest_part() <= super::super::machine::NAME_CAP);
        for p in ALLOWED {
            assert!(!has_dunder(p), "{p}");
            let (m, _) = p.rsplit_once('.').unwrap_or_default();
            assert!(MODULE_MAP.iter().all(|(py2, _)| *py2 != m), "{p} is renamed by fix_imports");
        }
    }

    #[test]
    fn python2_names() {
        assert_eq!(resolve("__builtin__", "eval", 2), "builtins.eval");
        assert_eq!(resolve("__builtin__", "eval", 3), "__builtin__.eval");
        assert_eq!(resolve("copy_reg", "_reconstructor", 0), "copyreg._reconstructor");
        assert_eq!(resolve("__builtin__", "xrange", 1), "builtins.range");
        assert!(allowed("torch._utils._rebuild_tensor_v2"));
        assert!(!allowed("torch._utils"));
        assert!(has_dunder("__builtin__.eval") && has_dunder("a.__class__") && !has_dunder("a._b_"));
    }
}
