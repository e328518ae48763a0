//! The reference evaluator: a plain interpreter of the pattern AST over a
//! parsed event.
//!
//! It is written to be obviously right, not fast. The event is flattened into
//! `(path, value, array membership)` leaves, sorted by path as the reference
//! library sorts them; each `$or` branch of a rule is then matched field by
//! field, in path order, with a backtracking search that keeps the array
//! elements chosen so far consistent (two fields of one rule never come from
//! different elements of the same array). `exists: false` holds when no leaf
//! at its path is consistent with the elements chosen so far.
//!
//! The compiled [`Machine`](crate::Machine) must agree with it on every rule
//! set and every event; tests, fuzz targets and benchmarks hold the two
//! against each other.
//!
//! ```
//! use evmatch::reference::Reference;
//!
//! let mut r = Reference::new();
//! r.add_rule("big", r#"{"size": [{"numeric": [">", 10]}]}"#)?;
//! r.add_rule("red", r#"{"color": ["red"]}"#)?;
//! assert_eq!(r.matches(br#"{"size": 12, "color": "red"}"#)?, ["big", "red"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::error::{EventError, EventErrorKind, PatternError};
use crate::json::{parse_value, Value};
use crate::limits::DEFAULT_EVENT_DEPTH;
use crate::pattern::number::comparable_general;
use crate::pattern::{utf16_cmp, Branch, Limits, Matcher, Pattern, ValueRef};

/// One leaf of a flattened event.
#[derive(Debug)]
pub(crate) struct Leaf<'v> {
    pub(crate) path: String,
    pub(crate) value: &'v Value,
    /// `(array id, element index)` for each enclosing array whose element
    /// is an object or an array on the way to this leaf.
    pub(crate) membership: Vec<(u32, u32)>,
}

/// Flattens an event object into its leaves, sorted by path (stable, so
/// leaves of one path keep document order).
pub(crate) fn flatten(event: &Value) -> Vec<Leaf<'_>> {
    enum Work<'v> {
        Member(String, &'v Value, Vec<(u32, u32)>),
    }
    let mut out = Vec::new();
    let mut next_array = 0u32;
    let Value::Object(members) = event else {
        return out;
    };
    // An explicit stack, in reverse so that document order is kept.
    let mut stack: Vec<Work<'_>> = members
        .iter()
        .rev()
        .map(|(k, v)| Work::Member(k.clone(), v, Vec::new()))
        .collect();
    while let Some(Work::Member(path, value, membership)) = stack.pop() {
        match value {
            Value::Object(members) => {
                for (k, v) in members.iter().rev() {
                    stack.push(Work::Member(
                        format!("{}.{}", path, k),
                        v,
                        membership.clone(),
                    ));
                }
            }
            Value::Array(items) => {
                let id = next_array;
                next_array += 1;
                // Items are expanded in order: push them reversed. Array ids
                // are given in document order of the arrays' openings, which
                // is all that matters (ids only need to be distinct).
                for (i, item) in items.iter().enumerate().rev() {
                    let mut m = membership.clone();
                    if matches!(item, Value::Object(_) | Value::Array(_)) {
                        m.push((id, i as u32));
                    }
                    stack.push(Work::Member(path.clone(), item, m));
                }
            }
            _ => out.push(Leaf {
                path,
                value,
                membership,
            }),
        }
    }
    out.sort_by(|a, b| utf16_cmp(&a.path, &b.path));
    out
}

/// Merges two memberships, or `None` if they disagree on some array.
fn consistent(a: &[(u32, u32)], b: &[(u32, u32)]) -> Option<Vec<(u32, u32)>> {
    let mut out = a.to_vec();
    for &(id, idx) in b {
        match a.iter().find(|(i, _)| *i == id) {
            Some(&(_, j)) if j != idx => return None,
            Some(_) => {}
            None => out.push((id, idx)),
        }
    }
    Some(out)
}

/// The fields at which some rule of a rule set is numeric-bearing.
///
/// This is the one place where one rule affects another in the reference
/// library: an IP range (`cidr`, or an IP-looking literal) compares against
/// the raw text of an event number, except in a value machine where some
/// rule reads numbers as numbers; there a number that is exactly
/// representable is only a number, and never falls in an IP range. The
/// reference keeps one value machine per field path and per preceding
/// fields of the branch (`Field::state`).
#[derive(Clone, Debug, Default)]
pub(crate) struct NumericPaths(std::collections::HashSet<(u64, std::sync::Arc<str>)>);

impl NumericPaths {
    pub(crate) fn add(&mut self, p: &Pattern) {
        for b in &p.branches {
            for f in &b.fields {
                if f.matchers.iter().any(Matcher::reads_numbers) {
                    self.0.insert((f.state, f.path.clone()));
                }
            }
        }
    }

    pub(crate) fn contains(&self, field: &crate::pattern::Field) -> bool {
        self.0.contains(&(field.state, field.path.clone()))
    }
}

/// The value of a leaf, as the matchers see it.
pub(crate) fn value_ref(v: &Value) -> ValueRef<'_> {
    match v {
        Value::String(s) => ValueRef::Str(s.as_bytes()),
        Value::Number(n) => ValueRef::Num(n.as_bytes(), comparable_general(n)),
        Value::Bool(true) => ValueRef::True,
        Value::Bool(false) => ValueRef::False,
        Value::Null => ValueRef::Null,
        Value::Array(_) | Value::Object(_) => unreachable!("leaves are scalars"),
    }
}

/// Whether one `$or` branch matches the flattened event.
///
/// The fields are searched in path order, backtracking over the leaves each
/// could take. Fields whose leaves share no array can never conflict, so
/// the fields are first split into such independent groups, each searched
/// on its own (order kept inside a group; the `exists: false` rule only
/// looks at fields of its own group, since others share no array with it).
pub(crate) fn branch_matches(branch: &Branch, leaves: &[Leaf<'_>], numeric: &NumericPaths) -> bool {
    let fields: Vec<&crate::pattern::Field> = branch.fields.iter().collect();
    let leaves_of = |path: &str| {
        let start = leaves.partition_point(|l| utf16_cmp(&l.path, path).is_lt());
        &leaves[start
            ..start
                + leaves[start..]
                    .iter()
                    .take_while(|l| *l.path == *path)
                    .count()]
    };
    // Group fields by shared array ids (a small union-find).
    let mut group: Vec<usize> = (0..fields.len()).collect();
    let mut owner: std::collections::HashMap<u32, usize> = std::collections::HashMap::new();
    fn find(group: &mut [usize], mut i: usize) -> usize {
        while group[i] != i {
            i = group[i];
        }
        i
    }
    for (i, f) in fields.iter().enumerate() {
        for leaf in leaves_of(&f.path) {
            for &(array, _) in &leaf.membership {
                let j = *owner.entry(array).or_insert(i);
                let (a, b) = (find(&mut group, i), find(&mut group, j));
                group[a.max(b)] = a.min(b);
            }
        }
    }
    let roots: Vec<usize> = (0..fields.len()).map(|i| find(&mut group, i)).collect();
    let mut seen = Vec::new();
    for &r in &roots {
        if seen.contains(&r) {
            continue;
        }
        seen.push(r);
        let part: Vec<&crate::pattern::Field> = fields
            .iter()
            .zip(&roots)
            .filter(|(_, &g)| g == r)
            .map(|(f, _)| *f)
            .collect();
        if !search(&part, leaves, numeric, 0, &[]) {
            return false;
        }
    }
    true
}

fn search(
    fields: &[&crate::pattern::Field],
    leaves: &[Leaf<'_>],
    numeric: &NumericPaths,
    i: usize,
    membership: &[(u32, u32)],
) -> bool {
    {
        let Some(field) = fields.get(i) else {
            return true;
        };
        let start = leaves.partition_point(|l| utf16_cmp(&l.path, &field.path).is_lt());
        let same = leaves[start..]
            .iter()
            .take_while(|l| *l.path == *field.path);
        let mut any_consistent = false;
        let numeric_field = numeric.contains(field);
        for leaf in same {
            let Some(merged) = consistent(membership, &leaf.membership) else {
                continue;
            };
            any_consistent = true;
            if field
                .matchers
                .iter()
                .any(|m| m.matches(value_ref(leaf.value), numeric_field))
                && search(fields, leaves, numeric, i + 1, &merged)
            {
                return true;
            }
        }
        if !any_consistent && field.matchers.contains(&Matcher::Exists(false)) {
            return search(fields, leaves, numeric, i + 1, membership);
        }
        false
    }
}

/// Whether a pattern matches a parsed event.
pub(crate) fn pattern_matches(p: &Pattern, leaves: &[Leaf<'_>], numeric: &NumericPaths) -> bool {
    p.branches
        .iter()
        .any(|b| branch_matches(b, leaves, numeric))
}

/// Parses an event as the engine must: valid JSON, an object, not too deep.
pub(crate) fn parse_event(event: &[u8], max_depth: usize) -> Result<Value, EventError> {
    let v = parse_value(event, max_depth).map_err(EventError::from_syntax)?;
    if !matches!(v, Value::Object(_)) {
        let at = event
            .iter()
            .position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
            .unwrap_or(0);
        return Err(EventError::new(
            EventErrorKind::NotAnObject,
            "Event must be a JSON object",
            at,
        ));
    }
    Ok(v)
}

/// A rule set evaluated by the reference interpreter.
///
/// Same contract as [`Machine`](crate::Machine): rules added under one name
/// are ORed; [`matches`](Reference::matches) returns the matching names,
/// sorted, each once.
#[derive(Clone, Debug, Default)]
pub struct Reference {
    rules: Vec<(String, Pattern)>,
    limits: Limits,
    numeric: NumericPaths,
}

impl Reference {
    /// An empty rule set with default limits.
    pub fn new() -> Reference {
        Reference::default()
    }

    /// Adds a rule; a rule with the same name as an earlier one widens it.
    pub fn add_rule(&mut self, name: &str, pattern: impl AsRef<[u8]>) -> Result<(), PatternError> {
        let p = Pattern::parse_with(pattern, &self.limits)?;
        self.numeric.add(&p);
        self.rules.push((name.to_owned(), p));
        Ok(())
    }

    /// The names of the rules that match `event`, sorted, each once.
    pub fn matches(&self, event: &[u8]) -> Result<Vec<String>, EventError> {
        let v = parse_event(event, DEFAULT_EVENT_DEPTH)?;
        Ok(self.matches_value(&v))
    }

    /// Like [`matches`](Reference::matches), for an already parsed event.
    pub fn matches_value(&self, event: &Value) -> Vec<String> {
        let leaves = flatten(event);
        let mut out: Vec<String> = self
            .rules
            .iter()
            .filter(|(_, p)| pattern_matches(p, &leaves, &self.numeric))
            .map(|(n, _)| n.clone())
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

/// Parses a JSON document into a [`Value`] that keeps number spellings and
/// repeated member names, as the reference evaluator needs them.
pub fn parse(event: &[u8]) -> Result<Value, EventError> {
    parse_value(event, DEFAULT_EVENT_DEPTH).map_err(EventError::from_syntax)
}

pub use crate::json::Value as EventValue;
