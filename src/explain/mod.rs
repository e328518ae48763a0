//! Explanations: why a rule matched an event, or why it did not, field by
//! field.
//!
//! An [`Explanation`] is built from the engine's own scan of the event and
//! its own verification of each `$or` branch of the rule, so its verdict is
//! the matcher's: `explain(r, e).matched()` is true exactly when
//! `matches(e)` holds `r`. Around that verdict it lists, for each field of
//! each branch, the values the event holds at the field's path, where they
//! are, and which of the leaf's matchers each satisfies.
//!
//! Explaining allocates and is not fast: it is for debugging. Its output
//! is bounded: at most [`MAX_VALUES`] values per field and
//! [`MAX_VALUE_TEXT`] bytes of text per value are shown (the rest is
//! counted).

mod render;

use std::fmt;
use std::sync::Arc;

use crate::engine::inspect::Inspection;
use crate::error::EventError;
use crate::pattern::Pattern;
use crate::util::ids::RuleId;

/// The most values listed per field; more are counted in
/// [`FieldExplanation::omitted_values`].
pub const MAX_VALUES: usize = 64;

/// The most bytes of a value's text shown; a longer value is cut (at a
/// character boundary) and marked [`ValueExplanation::truncated`].
pub const MAX_VALUE_TEXT: usize = 256;

/// Why a rule matched an event or did not.
///
/// ```
/// let mut b = evmatch::Machine::builder();
/// b.add_rule("stopped", r#"{"detail": {"state": ["stopped"], "reason": [{"prefix": "user"}]}}"#)?;
/// let m = b.build();
/// let e = m.explain("stopped", br#"{"detail": {"state": "running", "reson": "user stop"}}"#)?;
/// assert!(!e.matched());
/// let fields = e.branches()[0].fields();
/// assert_eq!(fields[0].path(), "detail.reason");
/// assert_eq!(fields[0].status(), evmatch::FieldStatus::Absent);
/// assert_eq!(fields[1].values()[0].text(), r#""running""#);
/// assert_eq!(fields[1].values()[0].satisfies(), None);
/// println!("{e}");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Explanation {
    rule: String,
    matched: bool,
    branches: Vec<BranchExplanation>,
}

/// One `$or` branch of the rule (a rule without `$or` has one; a rule
/// given several patterns has the branches of each).
#[derive(Clone, Debug)]
pub struct BranchExplanation {
    matched: bool,
    fields: Vec<FieldExplanation>,
    conflict: Option<ArrayConflict>,
}

/// One field of a branch: its path, its leaf, and the event's values there.
#[derive(Clone, Debug)]
pub struct FieldExplanation {
    path: String,
    pattern: String,
    matched: bool,
    status: FieldStatus,
    values: Vec<ValueExplanation>,
    omitted: usize,
}

/// What the event holds at a field's path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FieldStatus {
    /// Some value satisfies the leaf.
    Matched,
    /// There are values, and none satisfies the leaf.
    NoMatch,
    /// Nothing is there (which only `exists: false` accepts).
    Absent,
    /// Only objects are there: an object is not a leaf value.
    NotALeaf,
}

impl FieldStatus {
    /// The status's name in the JSON form: `matched`, `no-match`, `absent`
    /// or `not-a-leaf`.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldStatus::Matched => "matched",
            FieldStatus::NoMatch => "no-match",
            FieldStatus::Absent => "absent",
            FieldStatus::NotALeaf => "not-a-leaf",
        }
    }
}

/// One value at a field's path.
#[derive(Clone, Debug)]
pub struct ValueExplanation {
    text: String,
    truncated: bool,
    offset: usize,
    array_indices: Vec<u32>,
    object: bool,
    satisfies: Option<String>,
}

/// Fields that each have values satisfying them, but none from the same
/// elements of the arrays they share: array consistency fails.
#[derive(Clone, Debug)]
pub struct ArrayConflict {
    /// (path, the array indices of each value that satisfies the field).
    tried: Vec<(String, Vec<Vec<u32>>)>,
}

/// Why a rule could not be explained.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExplainError {
    /// No rule of the machine has this name (or id).
    UnknownRule(String),
    /// The event is invalid: the same error matching gives.
    Event(EventError),
}

impl fmt::Display for ExplainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExplainError::UnknownRule(r) => write!(f, "no rule named {r:?}"),
            ExplainError::Event(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for ExplainError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ExplainError::Event(e) => Some(e),
            ExplainError::UnknownRule(_) => None,
        }
    }
}

impl From<EventError> for ExplainError {
    fn from(e: EventError) -> ExplainError {
        ExplainError::Event(e)
    }
}

impl Explanation {
    /// Explains `rule` (named `name`, with `patterns`) on the inspected event.
    pub(crate) fn build(
        name: &str,
        rule: RuleId,
        patterns: &[Arc<Pattern>],
        ev: &mut Inspection<'_>,
    ) -> Explanation {
        let branches: Vec<BranchExplanation> = patterns
            .iter()
            .flat_map(|p| &p.branches)
            .map(|b| BranchExplanation::build(rule, b, ev))
            .collect();
        Explanation {
            rule: name.to_string(),
            matched: branches.iter().any(|b| b.matched),
            branches,
        }
    }

    /// The rule's name.
    pub fn rule(&self) -> &str {
        &self.rule
    }

    /// Whether the rule matches the event (the matcher's verdict).
    pub fn matched(&self) -> bool {
        self.matched
    }

    /// The branches, in the order of the rule's patterns and their `$or`
    /// combinations.
    pub fn branches(&self) -> &[BranchExplanation] {
        &self.branches
    }

    /// The fewest fields that fail in any one branch (0 when the rule
    /// matches): how far the event is from matching the rule.
    pub fn failed_fields(&self) -> usize {
        self.branches
            .iter()
            .map(BranchExplanation::failed_fields)
            .min()
            .unwrap_or(0)
    }

    /// The readable tree, with ANSI colours when `color` (as
    /// [`Display`](fmt::Display) gives it without).
    pub fn render(&self, color: bool) -> String {
        render::tree(self, color)
    }

    /// The JSON form:
    ///
    /// ```text
    /// {"rule": NAME, "matched": BOOL, "branches": [
    ///   {"matched": BOOL,
    ///    "fields": [
    ///      {"path": "detail.state", "pattern": LEAF TEXT, "matched": BOOL,
    ///       "status": "matched" | "no-match" | "absent" | "not-a-leaf",
    ///       "values": [{"value": JSON TEXT, "offset": BYTE, "array_indices": [I, ...],
    ///                   "satisfies": MATCHER TEXT or null,
    ///                   ("truncated": true,) ("object": true)}],
    ///       "omitted_values": N}],
    ///    "array_conflict": null or
    ///      {"fields": [PATH, ...], "elements_tried": {PATH: [[I, ...], ...], ...}}}]}
    /// ```
    ///
    /// `pattern` and `satisfies` are the pattern's own text (the leaf
    /// array, and the one element of it that the value satisfies);
    /// `value` is the event's text of the value; `offset` is where it
    /// starts in the event, in bytes; `array_indices` are the indices of
    /// the arrays around it, outermost first. Keys always appear in this
    /// order; `truncated` and `object` only when true. The schema is
    /// stable: later versions only add keys.
    pub fn to_json(&self) -> String {
        render::json(self)
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&render::tree(self, false))
    }
}

impl BranchExplanation {
    fn build(
        rule: RuleId,
        b: &crate::pattern::Branch,
        ev: &mut Inspection<'_>,
    ) -> BranchExplanation {
        let fields: Vec<FieldExplanation> = b
            .fields
            .iter()
            .map(|f| FieldExplanation::build(f, ev))
            .collect();
        let verdict = ev.verify(rule, b);
        // A conflict is worth reporting when the fields it names are each
        // satisfied on their own: then only their arrays stand in the way.
        let conflict = verdict
            .conflict
            .filter(|group| group.iter().all(|&i| fields[i].matched))
            .map(|group| ArrayConflict {
                tried: group
                    .iter()
                    .map(|&i| {
                        let f = &fields[i];
                        let elements = f
                            .values
                            .iter()
                            .filter(|v| v.satisfies.is_some())
                            .map(|v| v.array_indices.clone())
                            .collect();
                        (f.path.clone(), elements)
                    })
                    .collect(),
            });
        BranchExplanation {
            matched: verdict.matched,
            fields,
            conflict,
        }
    }

    /// Whether this branch matches.
    pub fn matched(&self) -> bool {
        self.matched
    }

    /// The fields, in path order.
    pub fn fields(&self) -> &[FieldExplanation] {
        &self.fields
    }

    /// The array-consistency failure, if that is what stops the branch.
    pub fn array_conflict(&self) -> Option<&ArrayConflict> {
        self.conflict.as_ref()
    }

    /// How many fields fail here (an array conflict counts as one).
    pub fn failed_fields(&self) -> usize {
        if self.matched {
            return 0;
        }
        let failing = self.fields.iter().filter(|f| !f.matched).count();
        failing.max(1)
    }
}

impl FieldExplanation {
    fn build(f: &crate::pattern::Field, ev: &mut Inspection<'_>) -> FieldExplanation {
        let found = ev.values(&f.path);
        let objects = ev.objects(&f.path);
        let mut values = Vec::new();
        let mut any = false;
        for v in &found {
            let satisfied = ev.accepting(f, v.hit);
            any |= satisfied.is_some();
            if values.len() < MAX_VALUES {
                let (text, truncated) = cut(&ev.event()[v.span.0..v.span.1]);
                values.push(ValueExplanation {
                    text,
                    truncated,
                    offset: v.span.0,
                    array_indices: ev.indices(v.place).to_vec(),
                    object: false,
                    satisfies: satisfied.map(|i| f.source.matcher(i).to_string()),
                });
            }
        }
        let shown_objects = MAX_VALUES.saturating_sub(values.len()).min(objects.len());
        for &(start, place) in &objects[..shown_objects] {
            let end = object_end(ev.event(), start, MAX_VALUE_TEXT + 1);
            let (text, truncated) = cut(&ev.event()[start..end]);
            values.push(ValueExplanation {
                text,
                truncated,
                offset: start,
                array_indices: ev.indices(place).to_vec(),
                object: true,
                satisfies: None,
            });
        }
        values.sort_by_key(|v| v.offset);
        let status = if any {
            FieldStatus::Matched
        } else if !found.is_empty() {
            FieldStatus::NoMatch
        } else if !objects.is_empty() {
            FieldStatus::NotALeaf
        } else {
            FieldStatus::Absent
        };
        let absent_ok = f.matchers.contains(&crate::pattern::Matcher::Exists(false));
        FieldExplanation {
            path: f.path.to_string(),
            pattern: f.source.text().to_string(),
            matched: any || (found.is_empty() && absent_ok),
            status,
            values,
            omitted: found.len().saturating_sub(MAX_VALUES) + objects.len() - shown_objects,
        }
    }

    /// The dotted path (`{"a": {"b": …}}` and `{"a.b": …}` are both `a.b`).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The leaf array as the pattern wrote it.
    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    /// Whether the field is satisfied on its own (a value satisfies the
    /// leaf, or nothing is there and the leaf accepts absence). Array
    /// consistency may still fail the branch.
    pub fn matched(&self) -> bool {
        self.matched
    }

    /// What the event holds at the path.
    pub fn status(&self) -> FieldStatus {
        self.status
    }

    /// The values at the path, in document order (at most [`MAX_VALUES`]).
    pub fn values(&self) -> &[ValueExplanation] {
        &self.values
    }

    /// How many values at the path are not listed.
    pub fn omitted_values(&self) -> usize {
        self.omitted
    }
}

impl ValueExplanation {
    /// The value's JSON text in the event (cut after [`MAX_VALUE_TEXT`]
    /// bytes; see [`truncated`](ValueExplanation::truncated)).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether [`text`](ValueExplanation::text) was cut.
    pub fn truncated(&self) -> bool {
        self.truncated
    }

    /// Where the value starts in the event, in bytes.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The indices of the arrays around the value, outermost first.
    pub fn array_indices(&self) -> &[u32] {
        &self.array_indices
    }

    /// Whether the value is an object (which no matcher accepts).
    pub fn is_object(&self) -> bool {
        self.object
    }

    /// The element of the leaf that the value satisfies (the first one, as
    /// the pattern wrote it), or `None`.
    pub fn satisfies(&self) -> Option<&str> {
        self.satisfies.as_deref()
    }
}

impl ArrayConflict {
    /// The paths of the fields that could not be satisfied together.
    pub fn fields(&self) -> impl Iterator<Item = &str> {
        self.tried.iter().map(|(p, _)| p.as_str())
    }

    /// For each of those fields, the array indices of the values that
    /// satisfy it on its own: the elements tried.
    pub fn elements_tried(&self) -> &[(String, Vec<Vec<u32>>)] {
        &self.tried
    }
}

/// The text of `b` (valid UTF-8: the scanner checked it, or it is trusted
/// input, read leniently), cut at [`MAX_VALUE_TEXT`] bytes.
fn cut(b: &[u8]) -> (String, bool) {
    let text = String::from_utf8_lossy(b);
    if text.len() <= MAX_VALUE_TEXT {
        return (text.into_owned(), false);
    }
    let mut end = MAX_VALUE_TEXT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    (text[..end].to_string(), true)
}

/// The end of the object starting at `start`, by counting brackets outside
/// strings, or `start + limit` if it is longer (or ends with the event).
fn object_end(ev: &[u8], start: usize, limit: usize) -> usize {
    let (mut depth, mut in_str, mut escaped) = (0usize, false, false);
    let stop = ev.len().min(start.saturating_add(limit));
    for (i, &c) in ev.iter().enumerate().take(stop).skip(start) {
        if in_str {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match c {
            b'"' => in_str = true,
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
    }
    stop
}
