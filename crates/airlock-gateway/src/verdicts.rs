//! A small, bounded LRU of verdicts for shell commands, so the calls agents repeat all day
//! (`npm test`, `git status`) are not parsed and analysed again for every response.
//!
//! Only shell calls are cached: their verdict is a pure function of the command, the call's own
//! working directory, the judge's context (working directory, home) and the policy. Calls that
//! write or edit files are judged against the files on disk, so they are never cached, and other
//! tools cost nothing to judge. The key holds every one of those inputs exactly; the policy is
//! held as its full `Debug` text (hashed once, compared on a hit by a pointer check, or in full
//! when two judges share a cache), so a different policy, directory or argument always misses.
//! What is stored is the analyses' answer (decision, rules, reason); what the gateway makes of it
//! (block or pass an "ask", a soft replacement built from this call's input) is worked out again
//! for every call.

use airlock_judge::CallContext;
use airlock_protocol::Decision;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// Entries kept by default.
pub const DEFAULT_ENTRIES: usize = 512;
/// Longest command (plus working directory) cached; longer ones are judged every time.
pub const MAX_KEY_BYTES: usize = 2048;

/// Everything a shell verdict depends on besides the call itself: the policy and the context.
#[derive(Debug)]
pub struct Scope {
    policy_hash: u64,
    policy: String,
    cwd: Option<PathBuf>,
    home: Option<PathBuf>,
}

impl Scope {
    /// The scope of a judge: `policy` is its policy's `Debug` text.
    pub fn new(policy: String, ctx: &CallContext) -> Self {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        policy.hash(&mut h);
        Scope { policy_hash: h.finish(), policy, cwd: ctx.cwd.clone(), home: ctx.home.clone() }
    }
}

impl PartialEq for Scope {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
            || (self.policy_hash == other.policy_hash
                && self.cwd == other.cwd
                && self.home == other.home
                && self.policy == other.policy)
    }
}
impl Eq for Scope {}

impl Hash for Scope {
    // Equal scopes have equal texts, so hashing the text's hash is consistent with `eq`.
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.policy_hash.hash(state);
        self.cwd.hash(state);
        self.home.hash(state);
    }
}

/// One shell call under one scope.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VerdictKey {
    pub scope: Arc<Scope>,
    /// The tool's name as the model sent it.
    pub tool: String,
    pub command: String,
    /// The call's own working directory, when its input names one.
    pub cwd: Option<String>,
}

impl VerdictKey {
    /// `None` when the call is too large to be worth keeping.
    pub fn new(scope: &Arc<Scope>, tool: &str, command: &str, cwd: Option<&str>) -> Option<Self> {
        let size = tool.len() + command.len() + cwd.map_or(0, str::len);
        (size <= MAX_KEY_BYTES).then(|| VerdictKey {
            scope: Arc::clone(scope),
            tool: tool.to_string(),
            command: command.to_string(),
            cwd: cwd.map(str::to_string),
        })
    }
}

/// The analyses' answer for one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedVerdict {
    pub decision: Decision,
    pub rules: Vec<String>,
    pub reason: String,
}

const NIL: usize = usize::MAX;

#[derive(Debug)]
struct Node {
    key: VerdictKey,
    value: CachedVerdict,
    prev: usize,
    next: usize,
}

/// The list behind the cache: a slab of nodes linked from most to least recently used.
#[derive(Debug)]
struct Lru {
    map: HashMap<VerdictKey, usize>,
    nodes: Vec<Node>,
    head: usize,
    tail: usize,
    cap: usize,
}

impl Lru {
    fn unlink(&mut self, i: usize) {
        let Some((prev, next)) = self.nodes.get(i).map(|n| (n.prev, n.next)) else { return };
        match self.nodes.get_mut(prev) {
            Some(p) => p.next = next,
            None => self.head = next,
        }
        match self.nodes.get_mut(next) {
            Some(n) => n.prev = prev,
            None => self.tail = prev,
        }
    }

    fn push_front(&mut self, i: usize) {
        let old = self.head;
        if let Some(n) = self.nodes.get_mut(i) {
            n.prev = NIL;
            n.next = old;
        }
        match self.nodes.get_mut(old) {
            Some(h) => h.prev = i,
            None => self.tail = i,
        }
        self.head = i;
    }

    fn get(&mut self, key: &VerdictKey) -> Option<CachedVerdict> {
        let i = *self.map.get(key)?;
        self.unlink(i);
        self.push_front(i);
        self.nodes.get(i).map(|n| n.value.clone())
    }

    fn put(&mut self, key: VerdictKey, value: CachedVerdict) {
        if self.cap == 0 {
            return;
        }
        if let Some(&i) = self.map.get(&key) {
            if let Some(n) = self.nodes.get_mut(i) {
                n.value = value;
            }
            self.unlink(i);
            self.push_front(i);
            return;
        }
        let i = if self.nodes.len() < self.cap {
            self.nodes.push(Node { key: key.clone(), value, prev: NIL, next: NIL });
            self.nodes.len() - 1
        } else {
            let i = self.tail;
            self.unlink(i);
            let Some(n) = self.nodes.get_mut(i) else { return };
            let old = std::mem::replace(&mut n.key, key.clone());
            n.value = value;
            self.map.remove(&old);
            i
        };
        self.map.insert(key, i);
        self.push_front(i);
    }
}

/// A bounded LRU of shell verdicts, shared by every stream (and, if wanted, by several judges:
/// the scope in the key keeps their verdicts apart).
#[derive(Debug)]
pub struct VerdictCache {
    lru: Mutex<Lru>,
}

impl VerdictCache {
    /// A cache of at most `entries` verdicts (0 caches nothing).
    pub fn new(entries: usize) -> Self {
        VerdictCache {
            lru: Mutex::new(Lru { map: HashMap::with_capacity(entries), nodes: Vec::with_capacity(entries), head: NIL, tail: NIL, cap: entries }),
        }
    }

    /// The cached verdict, if any. A poisoned lock is a miss: the call is judged afresh.
    pub fn get(&self, key: &VerdictKey) -> Option<CachedVerdict> {
        self.lru.lock().ok()?.get(key)
    }

    /// Remember a verdict, evicting the least recently used one when full.
    pub fn put(&self, key: VerdictKey, value: CachedVerdict) {
        if let Ok(mut lru) = self.lru.lock() {
            lru.put(key, value);
        }
    }

    /// How many verdicts are held.
    pub fn len(&self) -> usize {
        self.lru.lock().map_or(0, |l| l.map.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Default for VerdictCache {
    fn default() -> Self {
        Self::new(DEFAULT_ENTRIES)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn scope(policy: &str, cwd: &str) -> Arc<Scope> {
        Arc::new(Scope::new(policy.into(), &CallContext { cwd: Some(cwd.into()), home: None }))
    }

    fn v(reason: &str) -> CachedVerdict {
        CachedVerdict { decision: Decision::Allow, rules: Vec::new(), reason: reason.into() }
    }

    #[test]
    fn bounded_and_least_recently_used_goes_first() {
        let s = scope("p", "/w");
        let k = |c: &str| VerdictKey::new(&s, "Bash", c, None).unwrap();
        let c = VerdictCache::new(2);
        c.put(k("a"), v("a"));
        c.put(k("b"), v("b"));
        assert_eq!(c.get(&k("a")), Some(v("a")));
        c.put(k("c"), v("c"));
        assert_eq!(c.len(), 2);
        assert_eq!(c.get(&k("b")), None, "b was the least recently used");
        assert_eq!(c.get(&k("a")), Some(v("a")));
        assert_eq!(c.get(&k("c")), Some(v("c")));
        c.put(k("c"), v("c2"));
        assert_eq!((c.get(&k("c")), c.len()), (Some(v("c2")), 2));
        for i in 0..100 {
            c.put(k(&i.to_string()), v("n"));
        }
        assert_eq!(c.len(), 2);
        assert!(VerdictKey::new(&s, "Bash", &"x".repeat(MAX_KEY_BYTES + 1), None).is_none());
        let none = VerdictCache::new(0);
        none.put(k("a"), v("a"));
        assert!(none.is_empty());
    }

    #[test]
    fn every_input_is_in_the_key() {
        let c = VerdictCache::new(16);
        let s = scope("policy A", "/w");
        c.put(VerdictKey::new(&s, "Bash", "npm test", None).unwrap(), v("x"));
        assert!(c.get(&VerdictKey::new(&s, "Bash", "npm test", None).unwrap()).is_some());
        // The same text in a fresh scope object is the same scope.
        assert!(c.get(&VerdictKey::new(&scope("policy A", "/w"), "Bash", "npm test", None).unwrap()).is_some());
        for miss in [
            VerdictKey::new(&scope("policy B", "/w"), "Bash", "npm test", None),
            VerdictKey::new(&scope("policy A", "/elsewhere"), "Bash", "npm test", None),
            VerdictKey::new(&s, "Bash", "npm test ", None),
            VerdictKey::new(&s, "Bash", "npm test", Some("/tmp")),
            VerdictKey::new(&s, "shell", "npm test", None),
        ] {
            assert!(c.get(&miss.unwrap()).is_none());
        }
    }
}
