//! The public matching API: [`MachineBuilder`], [`Machine`], [`Scratch`].

use std::collections::HashMap;
use std::sync::Arc;

use crate::engine::{Engine, EngineScratch};
use crate::error::{EventError, PatternError};
use crate::explain::{ExplainError, Explanation};
use crate::limits::{Limits, DEFAULT_EVENT_DEPTH, PATTERN_DEPTH_CAP};
use crate::pattern::Pattern;
use crate::util::ids::RuleId;

/// The number of `$or` branches, for sizing.
#[allow(dead_code)]
pub(crate) fn branch_count(m: &Machine) -> usize {
    m.inner.engine.branch_count()
}

#[derive(Debug)]
struct Rule {
    name: Box<str>,
    patterns: Vec<Arc<Pattern>>,
}

/// Collects named rules and builds a [`Machine`].
///
/// ```
/// let mut b = evmatch::Machine::builder();
/// b.add_rule("ec2-stopped", r#"{"source": ["aws.ec2"], "detail": {"state": ["stopped"]}}"#)?;
/// b.add_rule("big-order", r#"{"detail": {"total": [{"numeric": [">", 1000]}]}}"#)?;
/// let machine = b.build();
/// assert_eq!(machine.rule_count(), 2);
/// # Ok::<(), evmatch::PatternError>(())
/// ```
#[derive(Debug, Default)]
pub struct MachineBuilder {
    rules: Vec<Rule>,
    by_name: HashMap<Box<str>, usize>,
    limits: Limits,
    max_event_depth: Option<usize>,
    trusted_input: bool,
}

impl MachineBuilder {
    /// A builder with no rules and default limits.
    pub fn new() -> MachineBuilder {
        MachineBuilder::default()
    }

    /// Compiles `pattern` (raw JSON text) and adds it under `name`.
    ///
    /// Adding a second pattern under a name already used ORs the two: the
    /// rule matches when either pattern does. A pattern that fails to parse
    /// leaves the builder exactly as it was.
    ///
    /// ```
    /// let mut b = evmatch::Machine::builder();
    /// b.add_rule("r", r#"{"a": ["x"]}"#)?;
    /// b.add_rule("r", r#"{"b": ["y"]}"#)?;
    /// let err = b.add_rule("bad", r#"{"a": [{"prefix": 5}]}"#).unwrap_err();
    /// assert_eq!(err.message(), "prefix match pattern must be a string");
    /// let m = b.build();
    /// assert_eq!(m.matches(br#"{"b": "y"}"#)?, ["r"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_rule(
        &mut self,
        name: &str,
        pattern: impl AsRef<[u8]>,
    ) -> Result<&mut Self, PatternError> {
        let p = Pattern::parse_with(pattern, &self.limits)?;
        self.add_pattern(name, p);
        Ok(self)
    }

    /// Adds an already parsed pattern under `name` (see
    /// [`add_rule`](MachineBuilder::add_rule)).
    pub fn add_pattern(&mut self, name: &str, pattern: Pattern) -> &mut Self {
        match self.by_name.get(name) {
            Some(&i) => self.rules[i].patterns.push(Arc::new(pattern)),
            None => {
                self.by_name.insert(name.into(), self.rules.len());
                self.rules.push(Rule {
                    name: name.into(),
                    patterns: vec![Arc::new(pattern)],
                });
            }
        }
        self
    }

    /// The longest pattern text accepted, in bytes (default 1 MiB). The
    /// EventBridge service itself caps patterns at 2048 characters by default.
    pub fn max_pattern_len(&mut self, bytes: usize) -> &mut Self {
        self.limits.max_pattern_len = bytes;
        self
    }

    /// The deepest nesting of objects and arrays accepted in a pattern
    /// (default 128, at most 1000).
    pub fn max_pattern_depth(&mut self, depth: usize) -> &mut Self {
        self.limits.max_pattern_depth = depth.min(PATTERN_DEPTH_CAP);
        self
    }

    /// The deepest nesting of objects and arrays accepted in an event
    /// (default 128). Deeper events are rejected with
    /// [`EventErrorKind::TooDeep`](crate::EventErrorKind::TooDeep); nesting
    /// never uses the call stack, so any limit is safe.
    pub fn max_event_depth(&mut self, depth: usize) -> &mut Self {
        self.max_event_depth = Some(depth);
        self
    }

    /// The most sub-rules one pattern may expand to through `$or` (default
    /// 1000, as EventBridge: the product of the `$or` arrays' lengths).
    pub fn max_or_combinations(&mut self, n: usize) -> &mut Self {
        self.limits.max_or_combinations = n;
        self
    }

    /// The highest accepted complexity of one `wildcard` operand: the most
    /// `*` states of its automaton that a worst-case input holds active at
    /// once (default 5). EventBridge rejects, for example,
    /// `*:*:*:*:*:event-bus/*` as too complex, while ordinary patterns such
    /// as `arn:aws:events:us-east-1:*:event-bus/*` pass.
    pub fn max_wildcard_complexity(&mut self, n: usize) -> &mut Self {
        self.limits.max_wildcard_complexity = n;
        self
    }

    /// Trusted-input mode (default off). By default every event is validated
    /// as JSON in full (RFC 8259), including the parts no rule names, and an
    /// invalid event is an error. With `trusted_input(true)` the values whose
    /// path no rule names are skipped by bracket counting, without
    /// validation: faster, but an event that is invalid only inside such a
    /// value may then match instead of being rejected. The parts that rules
    /// name are always validated. Use it only for input known to be valid
    /// JSON, such as events that a JSON serializer just produced.
    pub fn trusted_input(&mut self, yes: bool) -> &mut Self {
        self.trusted_input = yes;
        self
    }

    /// The limits patterns are parsed with.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Builds the machine. The builder can be reused afterwards.
    pub fn build(&self) -> Machine {
        let engine = Engine::build(
            self.rules.iter().map(|r| &r.patterns[..]),
            self.event_depth(),
            !self.trusted_input,
        );
        let mut names = RuleTable::default();
        let mut patterns = RuleTable::default();
        for (i, r) in self.rules.iter().enumerate() {
            let id = RuleId::from_u32(i as u32);
            names.set(id, Some(r.name.as_ref().into()));
            patterns.set(id, Some(r.patterns.clone().into()));
        }
        Machine {
            inner: Arc::new(Inner {
                engine,
                names,
                patterns,
                count: self.rules.len(),
                version: 0,
            }),
        }
    }

    pub(crate) fn event_depth(&self) -> usize {
        self.max_event_depth.unwrap_or(DEFAULT_EVENT_DEPTH)
    }

    pub(crate) fn is_trusted(&self) -> bool {
        self.trusted_input
    }

    /// The rules added so far: (name, patterns).
    pub(crate) fn rules(&self) -> impl Iterator<Item = (&str, &[Arc<Pattern>])> {
        self.rules.iter().map(|r| (&*r.name, &r.patterns[..]))
    }
}

/// Something per rule id (its name, its patterns), in chunks shared
/// between versions of a live machine (an update copies one chunk).
#[derive(Debug, Clone)]
pub(crate) struct RuleTable<T> {
    chunks: Vec<Arc<Vec<Option<T>>>>,
}

impl<T> Default for RuleTable<T> {
    fn default() -> Self {
        RuleTable { chunks: Vec::new() }
    }
}

const RULE_CHUNK: usize = 256;

impl<T: Clone> RuleTable<T> {
    pub(crate) fn set(&mut self, id: RuleId, value: Option<T>) {
        let (c, i) = (id.as_usize() / RULE_CHUNK, id.as_usize() % RULE_CHUNK);
        while self.chunks.len() <= c {
            self.chunks.push(Arc::new(vec![None; RULE_CHUNK]));
        }
        Arc::make_mut(&mut self.chunks[c])[i] = value;
    }

    pub(crate) fn get(&self, id: RuleId) -> Option<&T> {
        let (c, i) = (id.as_usize() / RULE_CHUNK, id.as_usize() % RULE_CHUNK);
        self.chunks.get(c)?.get(i)?.as_ref()
    }

    fn iter(&self) -> impl Iterator<Item = (RuleId, &T)> {
        self.chunks
            .iter()
            .flat_map(|c| c.iter())
            .enumerate()
            .filter_map(|(i, v)| v.as_ref().map(|v| (RuleId::from_u32(i as u32), v)))
    }

    /// Heap bytes of the table and what `size` says each value holds.
    fn heap_size(&self, size: impl Fn(&T) -> usize) -> usize {
        self.chunks.len() * RULE_CHUNK * std::mem::size_of::<Option<T>>()
            + self.iter().map(|(_, v)| size(v)).sum::<usize>()
    }
}

/// Rule names by rule id.
pub(crate) type Names = RuleTable<Arc<str>>;

/// Each rule's patterns by rule id, kept for explanations.
pub(crate) type Patterns = RuleTable<Arc<[Arc<Pattern>]>>;

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) engine: Engine,
    pub(crate) names: Names,
    pub(crate) patterns: Patterns,
    /// How many rules (names) are present.
    pub(crate) count: usize,
    pub(crate) version: u64,
}

impl Inner {
    pub(crate) fn explain(&self, rule: RuleId, event: &[u8]) -> Result<Explanation, ExplainError> {
        let unknown = || ExplainError::UnknownRule(format!("#{}", rule.as_usize()));
        let name = self.names.get(rule).ok_or_else(unknown)?;
        let patterns = self.patterns.get(rule).ok_or_else(unknown)?;
        let mut scratch = EngineScratch::default();
        let mut inspection = self.engine.inspect(&mut scratch, event)?;
        Ok(Explanation::build(name, rule, patterns, &mut inspection))
    }
}

/// A compiled set of named rules.
///
/// A `Machine` is immutable once built. It is `Send + Sync` and cheap to
/// clone (clones share the same compiled rules), so one machine can serve
/// any number of threads at once; each thread that wants to match without
/// allocating keeps its own [`Scratch`].
///
/// ```
/// let mut b = evmatch::Machine::builder();
/// b.add_rule("stopped", r#"{"detail": {"state": ["stopped", "terminated"]}}"#)?;
/// let m = b.build();
/// let event = br#"{"source": "aws.ec2", "detail": {"state": "stopped"}}"#;
/// assert_eq!(m.matches(event)?, ["stopped"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Machine {
    inner: Arc<Inner>,
}

/// Reusable per-thread working memory for [`Machine::find`]. Create one with
/// [`Machine::create_scratch`] (or [`Scratch::new`]) and reuse it across
/// events; a scratch may not be used by two threads at once.
#[derive(Debug, Default)]
pub struct Scratch {
    pub(crate) engine: EngineScratch,
}

impl Scratch {
    /// Empty scratch space.
    pub fn new() -> Scratch {
        Scratch::default()
    }
}

impl Machine {
    /// A new [`MachineBuilder`].
    pub fn builder() -> MachineBuilder {
        MachineBuilder::new()
    }

    /// Scratch space for [`find`](Machine::find) and
    /// [`for_each_match`](Machine::for_each_match).
    pub fn create_scratch(&self) -> Scratch {
        Scratch::new()
    }

    /// How many rules (distinct names) the machine holds.
    pub fn rule_count(&self) -> usize {
        self.inner.count
    }

    /// The version of the rule set: 0 for a machine from
    /// [`MachineBuilder::build`]; for a [`LiveMachine`](crate::LiveMachine)
    /// snapshot, the number of updates that led to it.
    pub fn version(&self) -> u64 {
        self.inner.version
    }

    pub(crate) fn from_inner(inner: Arc<Inner>) -> Machine {
        Machine { inner }
    }

    /// The name of a rule. Panics if `id` does not come from this machine.
    pub fn rule_name(&self, id: RuleId) -> &str {
        self.inner
            .names
            .get(id)
            .map(|n| &**n)
            .expect("a rule id of this machine")
    }

    /// The name of a rule, or `None` if no rule of this machine has `id`.
    pub fn get_rule_name(&self, id: RuleId) -> Option<&str> {
        self.inner.names.get(id).map(|n| &**n)
    }

    /// The id of the rule named `name`, if any.
    pub fn rule_id(&self, name: &str) -> Option<RuleId> {
        self.inner
            .names
            .iter()
            .find(|(_, n)| &***n == name)
            .map(|(i, _)| i)
    }

    /// The rule names, in [`RuleId`] order.
    pub fn rule_names(&self) -> impl Iterator<Item = &str> {
        self.inner.names.iter().map(|(_, n)| &**n)
    }

    /// The names of the rules that match `event` (raw JSON bytes), in
    /// [`RuleId`] order, each once.
    ///
    /// The event must be a valid JSON object; anything else is an
    /// [`EventError`] with the byte offset of the problem.
    pub fn matches(&self, event: &[u8]) -> Result<Vec<&str>, EventError> {
        let mut scratch = Scratch::new();
        let mut out = Vec::new();
        self.for_each_match(&mut scratch, event, |id| out.push(self.rule_name(id)))?;
        Ok(out)
    }

    /// Appends the ids of the matching rules to `out` (in [`RuleId`] order,
    /// each once), reusing `scratch`. `out` is not cleared first.
    ///
    /// ```
    /// let mut b = evmatch::Machine::builder();
    /// b.add_rule("a", r#"{"x": [1]}"#)?;
    /// let m = b.build();
    /// let mut scratch = m.create_scratch();
    /// let mut ids = Vec::new();
    /// for event in [&br#"{"x": 1}"#[..], br#"{"x": 2}"#] {
    ///     ids.clear();
    ///     m.find(&mut scratch, event, &mut ids)?;
    /// }
    /// assert!(ids.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn find(
        &self,
        scratch: &mut Scratch,
        event: &[u8],
        out: &mut Vec<RuleId>,
    ) -> Result<(), EventError> {
        self.for_each_match(scratch, event, |id| out.push(id))
    }

    /// Calls `f` with the id of each matching rule (in [`RuleId`] order,
    /// each once), reusing `scratch`.
    ///
    /// Once `scratch` is warm (after the first few events), this does not
    /// allocate.
    pub fn for_each_match(
        &self,
        scratch: &mut Scratch,
        event: &[u8],
        mut f: impl FnMut(RuleId),
    ) -> Result<(), EventError> {
        self.inner.engine.run(&mut scratch.engine, event, &mut f)
    }

    /// Explains why the rule named `rule` matches `event` or does not:
    /// field by field, the values the event holds and what each satisfies
    /// (see [`Explanation`]). The verdict is the matcher's own. An invalid
    /// event gives the same [`EventError`] as [`matches`](Machine::matches).
    ///
    /// Explaining allocates and is slow next to matching: it is for
    /// debugging, not for every event.
    ///
    /// ```
    /// let mut b = evmatch::Machine::builder();
    /// b.add_rule("stopped", r#"{"detail": {"state": ["stopped"]}}"#)?;
    /// let m = b.build();
    /// let e = m.explain("stopped", br#"{"detail": {"sate": "stopped"}}"#)?;
    /// assert!(!e.matched());
    /// assert_eq!(e.branches()[0].fields()[0].status(), evmatch::FieldStatus::Absent);
    /// assert!(matches!(m.explain("nope", b"{}"), Err(evmatch::ExplainError::UnknownRule(_))));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn explain(&self, rule: &str, event: &[u8]) -> Result<Explanation, ExplainError> {
        let id = self
            .rule_id(rule)
            .ok_or_else(|| ExplainError::UnknownRule(rule.to_string()))?;
        self.explain_id(id, event)
    }

    /// [`explain`](Machine::explain) by rule id.
    pub fn explain_id(&self, rule: RuleId, event: &[u8]) -> Result<Explanation, ExplainError> {
        self.inner.explain(rule, event)
    }

    /// Approximate heap memory held by the compiled machine, in bytes (the
    /// rule names and compiled patterns included).
    pub fn heap_size(&self) -> usize {
        self.inner.engine.heap_size()
            + self.inner.names.heap_size(|n| n.len() + 16)
            + self
                .inner
                .patterns
                .heap_size(|ps| ps.len() * 8 + ps.iter().map(|p| p.heap_size()).sum::<usize>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn machine_is_send_sync() {
        fn check<T: Send + Sync + Clone>() {}
        check::<Machine>();
        fn send<T: Send>() {}
        send::<Scratch>();
    }
}
