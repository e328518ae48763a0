//! Error types: [`PatternError`] for rules that cannot be parsed and
//! [`EventError`] for events that cannot be matched.

use std::fmt;

/// What kind of problem made a pattern invalid.
///
/// The kinds are stable and have stable integer codes ([`PatternErrorKind::code`]),
/// used by the C ABI and the bindings. New kinds may be added.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PatternErrorKind {
    /// The pattern text is not JSON (or not UTF-8).
    Syntax,
    /// The pattern is JSON but not an object.
    NotAnObject,
    /// The structure is wrong: a member that is neither an object nor an
    /// array, an empty object or array, a nested array in a leaf, a misused
    /// `$or`.
    Structure,
    /// A matcher object names an operator that does not exist (operator
    /// names are case-sensitive).
    UnknownOperator,
    /// An operator's operand has the wrong type or shape.
    Operand,
    /// A `numeric` expression is malformed, or holds a number that cannot be
    /// compared exactly.
    Numeric,
    /// A `cidr` operand is malformed.
    Cidr,
    /// A `wildcard` operand is malformed (bad escape, consecutive `*`).
    Wildcard,
    /// A wildcard operand is too complex (too many wildcards or repeated
    /// sequences after a wildcard).
    TooComplex,
    /// The `$or` expansion exceeds the combination limit.
    TooManyCombinations,
    /// The pattern text is longer than the size limit.
    TooLarge,
    /// The pattern nests deeper than the depth limit.
    TooDeep,
}

impl PatternErrorKind {
    /// A stable integer code for this kind (1-based; 0 is never used).
    pub fn code(self) -> u32 {
        match self {
            PatternErrorKind::Syntax => 1,
            PatternErrorKind::NotAnObject => 2,
            PatternErrorKind::Structure => 3,
            PatternErrorKind::UnknownOperator => 4,
            PatternErrorKind::Operand => 5,
            PatternErrorKind::Numeric => 6,
            PatternErrorKind::Cidr => 7,
            PatternErrorKind::Wildcard => 8,
            PatternErrorKind::TooComplex => 9,
            PatternErrorKind::TooManyCombinations => 10,
            PatternErrorKind::TooLarge => 11,
            PatternErrorKind::TooDeep => 12,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct PatternErrorInner {
    kind: PatternErrorKind,
    message: String,
    path: String,
    offset: usize,
}

/// A pattern that cannot be parsed (invalid JSON, or not a valid pattern).
///
/// The [`message`](PatternError::message) is the reference's message (the
/// first line of what EventBridge answers after `Event pattern is not valid.
/// Reason: `); [`path`](PatternError::path) is the JSON path of the offending
/// spot inside the pattern and [`offset`](PatternError::offset) its byte
/// offset in the pattern text. `Display` prints the message, then the
/// position on a second line.
///
/// ```
/// let err = evmatch::Pattern::parse(r#"{"detail": {"state": "x"}}"#).unwrap_err();
/// assert_eq!(err.message(), r#""state" must be an object or an array"#);
/// assert_eq!(err.path(), "$.detail.state");
/// assert_eq!(err.offset(), 21);
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct PatternError {
    inner: Box<PatternErrorInner>,
}

impl PatternError {
    #[cold]
    #[inline(never)]
    pub(crate) fn new(
        kind: PatternErrorKind,
        message: impl Into<String>,
        path: impl Into<String>,
        offset: usize,
    ) -> PatternError {
        PatternError {
            inner: Box::new(PatternErrorInner {
                kind,
                message: message.into(),
                path: path.into(),
                offset,
            }),
        }
    }

    /// The kind of problem.
    pub fn kind(&self) -> PatternErrorKind {
        self.inner.kind
    }

    /// The reference's message (one line).
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// The JSON path inside the pattern where the problem is, such as
    /// `$.detail.state[0].numeric[2]` (`$` for the document itself).
    pub fn path(&self) -> &str {
        &self.inner.path
    }

    /// The byte offset in the pattern text where the problem is.
    pub fn offset(&self) -> usize {
        self.inner.offset
    }

    /// The pattern text with a caret under the offending spot: the line that
    /// holds [`offset`](PatternError::offset) and a `^` beneath it.
    ///
    /// ```
    /// let text = r#"{"a": [{"prefix": 5}]}"#;
    /// let err = evmatch::Pattern::parse(text).unwrap_err();
    /// assert_eq!(err.annotate(text), format!("{}\n{}^", text, " ".repeat(18)));
    /// ```
    pub fn annotate(&self, pattern_text: &str) -> String {
        annotate(pattern_text.as_bytes(), self.offset())
    }
}

/// The line of `text` holding `offset`, and a caret line beneath it.
pub(crate) fn annotate(text: &[u8], offset: usize) -> String {
    let offset = offset.min(text.len());
    let start = text[..offset]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    let end = text[offset..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(text.len(), |p| offset + p);
    let line = String::from_utf8_lossy(&text[start..end]);
    let col = String::from_utf8_lossy(&text[start..offset])
        .chars()
        .count();
    format!("{}\n{}^", line, " ".repeat(col))
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}\n at [path: {}, offset: {}]",
            self.inner.message, self.inner.path, self.inner.offset
        )
    }
}

impl fmt::Debug for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PatternError")
            .field("kind", &self.inner.kind)
            .field("message", &self.inner.message)
            .field("path", &self.inner.path)
            .field("offset", &self.inner.offset)
            .finish()
    }
}

impl std::error::Error for PatternError {}

/// What kind of problem made an event unmatchable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EventErrorKind {
    /// The event is not valid JSON (RFC 8259), or not UTF-8.
    Syntax,
    /// The event is valid JSON but not an object.
    NotAnObject,
    /// The event nests deeper than the depth limit.
    TooDeep,
}

impl EventErrorKind {
    /// A stable integer code for this kind (1-based).
    pub fn code(self) -> u32 {
        match self {
            EventErrorKind::Syntax => 1,
            EventErrorKind::NotAnObject => 2,
            EventErrorKind::TooDeep => 3,
        }
    }
}

/// An event that cannot be matched: not JSON, not an object, or too deep.
///
/// ```
/// let m = evmatch::Machine::builder().build();
/// let err = m.matches(br#"{"a": [1, 2,]}"#).unwrap_err();
/// assert_eq!(err.kind(), evmatch::EventErrorKind::Syntax);
/// assert_eq!(err.offset(), 12);
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct EventError {
    inner: Box<(EventErrorKind, String, usize)>,
}

impl EventError {
    #[cold]
    #[inline(never)]
    pub(crate) fn new(
        kind: EventErrorKind,
        message: impl Into<String>,
        offset: usize,
    ) -> EventError {
        EventError {
            inner: Box::new((kind, message.into(), offset)),
        }
    }

    pub(crate) fn from_syntax(e: crate::json::SyntaxError) -> EventError {
        let kind = match e.kind {
            crate::json::SyntaxErrorKind::TooDeep(_) => EventErrorKind::TooDeep,
            _ => EventErrorKind::Syntax,
        };
        EventError::new(kind, e.to_string(), e.offset)
    }

    /// The kind of problem.
    pub fn kind(&self) -> EventErrorKind {
        self.inner.0
    }

    /// A one-line description.
    pub fn message(&self) -> &str {
        &self.inner.1
    }

    /// The byte offset in the event where the problem was found.
    pub fn offset(&self) -> usize {
        self.inner.2
    }
}

impl fmt::Display for EventError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at offset {}", self.inner.1, self.inner.2)
    }
}

impl fmt::Debug for EventError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventError")
            .field("kind", &self.inner.0)
            .field("message", &self.inner.1)
            .field("offset", &self.inner.2)
            .finish()
    }
}

impl std::error::Error for EventError {}
