//! [`LiveMachine`]: a rule set that changes while other threads match.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use arc_swap::ArcSwap;

use crate::engine::Engine;
use crate::error::{EventError, PatternError};
use crate::explain::{ExplainError, Explanation};
use crate::machine::{Inner, Names, Patterns};
use crate::pattern::{Limits, Pattern};
use crate::util::ids::BranchId;
use crate::{Machine, MachineBuilder, RuleId, Scratch};

/// What the writer knows about one rule.
#[derive(Debug, Clone)]
struct RuleState {
    id: RuleId,
    branches: Vec<BranchId>,
    /// Kept to rebuild the machine when updates have left too much behind,
    /// and for explanations.
    patterns: Vec<Arc<Pattern>>,
}

/// The writer's side: the authoritative rule table and the next version.
#[derive(Debug)]
struct Writer {
    rules: HashMap<Arc<str>, RuleState>,
    free_ids: Vec<RuleId>,
    next_id: u32,
    engine: Engine,
    names: Names,
    patterns: Patterns,
    version: u64,
    limits: Limits,
    max_depth: usize,
    validate_all: bool,
    /// Branches removed since the machine was last rebuilt: removal leaves
    /// some structure behind (trie nodes, field slots), reclaimed by a
    /// rebuild once this exceeds the live branch count.
    churn: usize,
}

impl Writer {
    /// An empty rule table at `version`.
    fn empty(limits: Limits, max_depth: usize, validate_all: bool, version: u64) -> Writer {
        Writer {
            rules: HashMap::new(),
            free_ids: Vec::new(),
            next_id: 0,
            engine: Engine::new(max_depth, validate_all),
            names: Names::default(),
            patterns: Patterns::default(),
            version,
            limits,
            max_depth,
            validate_all,
            churn: 0,
        }
    }

    /// The current state as a version readers can load.
    fn snapshot(&self) -> Inner {
        Inner {
            engine: self.engine.clone(),
            names: self.names.clone(),
            patterns: self.patterns.clone(),
            count: self.rules.len(),
            version: self.version,
        }
    }

    fn id_for(&mut self, name: &str) -> (Arc<str>, RuleId) {
        if let Some((k, r)) = self.rules.get_key_value(name) {
            return (k.clone(), r.id);
        }
        let id = self.free_ids.pop().unwrap_or_else(|| {
            self.next_id += 1;
            RuleId::from_u32(self.next_id - 1)
        });
        let name: Arc<str> = name.into();
        self.rules.insert(
            name.clone(),
            RuleState {
                id,
                branches: Vec::new(),
                patterns: Vec::new(),
            },
        );
        self.names.set(id, Some(name.clone()));
        (name, id)
    }

    fn add(&mut self, name: &str, p: Arc<Pattern>) {
        let (key, id) = self.id_for(name);
        let ids = self.engine.insert(id, &p);
        let r = self.rules.get_mut(&key).expect("just inserted");
        r.branches.extend(ids);
        r.patterns.push(p);
        self.patterns.set(id, Some(r.patterns.clone().into()));
    }

    fn remove(&mut self, name: &str) -> bool {
        let Some(r) = self.rules.remove(name) else {
            return false;
        };
        self.engine.remove(&r.branches);
        self.names.set(r.id, None);
        self.patterns.set(r.id, None);
        self.free_ids.push(r.id);
        self.churn += r.branches.len();
        if self.churn > 256.max(self.engine.branch_count()) {
            self.rebuild();
        }
        true
    }

    /// Recompiles the machine from the rule table (same rule ids), leaving
    /// nothing of removed rules behind.
    fn rebuild(&mut self) {
        let mut engine = Engine::new(self.max_depth, self.validate_all);
        let mut rules: Vec<(&Arc<str>, &mut RuleState)> = self.rules.iter_mut().collect();
        rules.sort_by_key(|(_, r)| r.id);
        for (_, r) in rules {
            r.branches.clear();
            for p in &r.patterns {
                let ids = engine.insert(r.id, p);
                r.branches.extend(ids);
            }
        }
        self.engine = engine;
        self.churn = 0;
    }

    /// Publishes the current state as a new version.
    fn publish(&mut self, current: &ArcSwap<Inner>) -> u64 {
        self.engine.finish();
        self.version += 1;
        current.store(Arc::new(self.snapshot()));
        self.version
    }
}

/// A rule set that can change while other threads keep matching.
///
/// Readers on any number of threads match through the `LiveMachine`
/// ([`find`](LiveMachine::find), [`for_each_match`](LiveMachine::for_each_match),
/// [`matches`](LiveMachine::matches)) or through a [`snapshot`](LiveMachine::snapshot);
/// a writer adds rules, removes rules by name and replaces the whole rule
/// set. Each change is published atomically: a match sees the old rule set
/// or the new one for the whole event, never a mix.
///
/// Readers never block on the writer: the current rule set is an immutable
/// [`Machine`] behind an atomic pointer (`arc-swap`), loaded without a lock
/// for each event. Updates take time in proportion to the change, not to
/// the rule set: the compiled machine is made of shared pieces copied on
/// write (the touched field's index, one chunk of branches and names), so
/// adding or removing a rule in a machine of 100,000 rules takes well under
/// a millisecond. Writers are serialized by a mutex.
///
/// ```
/// use evmatch::LiveMachine;
///
/// let live = LiveMachine::new();
/// live.add_rule("big", r#"{"size": [{"numeric": [">", 10]}]}"#)?;
/// assert_eq!(live.matches(br#"{"size": 12}"#)?, ["big"]);
/// live.remove_rule("big");
/// assert!(live.matches(br#"{"size": 12}"#)?.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct LiveMachine {
    current: ArcSwap<Inner>,
    writer: Mutex<Writer>,
}

impl Default for LiveMachine {
    fn default() -> Self {
        LiveMachine::new()
    }
}

impl MachineBuilder {
    /// Builds a [`LiveMachine`] holding this builder's rules, whose rule set
    /// can then change while other threads match.
    ///
    /// ```
    /// let mut b = evmatch::Machine::builder();
    /// b.add_rule("big", r#"{"size": [{"numeric": [">", 10]}]}"#)?;
    /// let live = b.build_live();
    /// live.add_rule("red", r#"{"color": ["red"]}"#)?;
    /// assert_eq!(live.matches(br#"{"size": 12, "color": "red"}"#)?, ["big", "red"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn build_live(&self) -> LiveMachine {
        LiveMachine::from_builder(self)
    }
}

impl LiveMachine {
    /// An empty live machine with default limits.
    pub fn new() -> LiveMachine {
        Machine::builder().build_live()
    }

    fn from_builder(b: &MachineBuilder) -> LiveMachine {
        let mut w = Writer::empty(b.limits().clone(), b.event_depth(), !b.is_trusted(), 0);
        for (name, ps) in b.rules() {
            for p in ps {
                w.add(name, p.clone());
            }
        }
        w.engine.finish();
        LiveMachine {
            current: ArcSwap::from_pointee(w.snapshot()),
            writer: Mutex::new(w),
        }
    }

    fn writer(&self) -> MutexGuard<'_, Writer> {
        // A panic while holding the lock cannot leave the published version
        // inconsistent (it is only replaced whole), so poisoning is ignored.
        self.writer.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Compiles `pattern` and adds it under `name` (ORed with the rule's
    /// other patterns, if the name exists). Returns the new version. A
    /// pattern that fails to compile changes nothing.
    pub fn add_rule(&self, name: &str, pattern: impl AsRef<[u8]>) -> Result<u64, PatternError> {
        let mut w = self.writer();
        let p = Pattern::parse_with(pattern, &w.limits)?;
        w.add(name, Arc::new(p));
        Ok(w.publish(&self.current))
    }

    /// Removes the rule `name` (all its patterns). Returns the new version,
    /// or `None` (and no new version) if there was no such rule.
    pub fn remove_rule(&self, name: &str) -> Option<u64> {
        let mut w = self.writer();
        if !w.remove(name) {
            return None;
        }
        Some(w.publish(&self.current))
    }

    /// Replaces the whole rule set with `rules` (name, pattern text); a name
    /// given twice ORs its patterns. All patterns are compiled first: if one
    /// fails, nothing changes and its name and error are returned.
    pub fn replace_rules<N, P>(
        &self,
        rules: impl IntoIterator<Item = (N, P)>,
    ) -> Result<u64, (String, PatternError)>
    where
        N: AsRef<str>,
        P: AsRef<[u8]>,
    {
        let mut w = self.writer();
        let mut compiled = Vec::new();
        for (n, p) in rules {
            let pat = Pattern::parse_with(p, &w.limits).map_err(|e| (n.as_ref().to_string(), e))?;
            compiled.push((n.as_ref().to_string(), pat));
        }
        *w = Writer::empty(w.limits.clone(), w.max_depth, w.validate_all, w.version);
        for (n, p) in compiled {
            w.add(&n, Arc::new(p));
        }
        Ok(w.publish(&self.current))
    }

    /// Recompiles the current rule set from scratch and publishes it (same
    /// rules, new version): the machine then holds exactly what a freshly
    /// built one would. Updates do this by themselves once removals have
    /// left as much behind as the machine holds, so calling it is never
    /// needed for bounded memory; it is there for callers who want the
    /// minimum after a burst of removals.
    pub fn compact(&self) -> u64 {
        let mut w = self.writer();
        w.rebuild();
        w.publish(&self.current)
    }

    /// The current rule set, as an immutable [`Machine`] that stays valid
    /// (and unchanged) however the live machine changes afterwards.
    pub fn snapshot(&self) -> Machine {
        Machine::from_inner(self.current.load_full())
    }

    /// The current version (the number of updates so far).
    pub fn version(&self) -> u64 {
        self.current.load().version
    }

    /// How many rules the current version holds.
    pub fn rule_count(&self) -> usize {
        self.current.load().count
    }

    /// Calls `f` with the name of each rule of the current version that
    /// matches `event` (in rule-id order, each once); returns the version
    /// matched against. Does not allocate once `scratch` is warm.
    pub fn for_each_match(
        &self,
        scratch: &mut Scratch,
        event: &[u8],
        mut f: impl FnMut(&str),
    ) -> Result<u64, EventError> {
        let guard = self.current.load();
        let inner: &Inner = &guard;
        inner.engine.run(&mut scratch.engine, event, &mut |r| {
            if let Some(n) = inner.names.get(r) {
                f(n)
            }
        })?;
        Ok(inner.version)
    }

    /// Appends the ids of the matching rules of the current version to
    /// `out`, and returns that version: ids are only meaningful against a
    /// [`snapshot`](LiveMachine::snapshot) of the same version, so most
    /// callers want [`for_each_match`](LiveMachine::for_each_match).
    pub fn find(
        &self,
        scratch: &mut Scratch,
        event: &[u8],
        out: &mut Vec<RuleId>,
    ) -> Result<u64, EventError> {
        let guard = self.current.load();
        guard
            .engine
            .run(&mut scratch.engine, event, &mut |r| out.push(r))?;
        Ok(guard.version)
    }

    /// Explains why the rule named `rule`, in the current version, matches
    /// `event` or does not (see [`Machine::explain`]).
    ///
    /// ```
    /// let live = evmatch::LiveMachine::new();
    /// live.add_rule("big", r#"{"size": [{"numeric": [">", 10]}]}"#)?;
    /// let e = live.explain("big", br#"{"size": 5}"#)?;
    /// assert!(!e.matched());
    /// assert_eq!(e.branches()[0].fields()[0].values()[0].text(), "5");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn explain(&self, rule: &str, event: &[u8]) -> Result<Explanation, ExplainError> {
        self.snapshot().explain(rule, event)
    }

    /// The names of the rules of the current version that match `event`,
    /// sorted.
    pub fn matches(&self, event: &[u8]) -> Result<Vec<String>, EventError> {
        let mut scratch = Scratch::new();
        let mut out = Vec::new();
        self.for_each_match(&mut scratch, event, |n| out.push(n.to_string()))?;
        out.sort();
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_machine_is_send_sync() {
        fn check<T: Send + Sync>() {}
        check::<LiveMachine>();
    }

    #[test]
    fn add_remove_replace() {
        let live = LiveMachine::new();
        assert_eq!(live.add_rule("a", r#"{"x": [1]}"#).unwrap(), 1);
        assert_eq!(live.add_rule("a", r#"{"y": [2]}"#).unwrap(), 2);
        let snap = live.snapshot();
        assert_eq!(live.matches(br#"{"y": 2}"#).unwrap(), ["a"]);
        assert!(live.add_rule("bad", r#"{"x": [{"prefix": 1}]}"#).is_err());
        assert_eq!(live.version(), 2);
        assert_eq!(live.remove_rule("a"), Some(3));
        assert_eq!(live.remove_rule("a"), None);
        assert!(live.matches(br#"{"y": 2}"#).unwrap().is_empty());
        // The snapshot is unchanged.
        assert_eq!(snap.matches(br#"{"y": 2}"#).unwrap(), ["a"]);
        live.replace_rules([("b", r#"{"z": [3]}"#), ("c", r#"{"z": [3]}"#)])
            .unwrap();
        assert_eq!(live.matches(br#"{"z": 3}"#).unwrap(), ["b", "c"]);
        assert_eq!(live.rule_count(), 2);
        let err = live.replace_rules([("d", "{}")]).unwrap_err();
        assert_eq!(err.0, "d");
        assert_eq!(live.rule_count(), 2);
    }
}
