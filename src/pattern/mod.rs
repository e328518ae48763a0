//! The pattern language: parsing, validation and the pattern AST.
//!
//! A pattern is parsed, as the reference compiler does it, straight from
//! the token stream of its raw text: the first problem in document order is
//! the one reported, number spellings survive, and a repeated key replaces
//! the earlier value for the same path. `$or` is expanded into a
//! disjunction of branches (each a conjunction of fields).

pub(crate) mod ip;
pub(crate) mod number;
mod parse;
pub(crate) mod text;

use std::sync::Arc;

pub use self::ip::IpRange;
pub use self::text::{CaseInsensitive, Wildcard};
use crate::error::PatternError;
pub use crate::limits::Limits;

/// One value matcher of a leaf array.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Matcher {
    /// An exact string (also `{"exactly": …}`).
    Exact(Box<str>),
    /// A number literal: equal as a double when both sides are exactly
    /// representable, or equal as text.
    Number {
        text: Box<str>,
        value: Option<f64>,
    },
    /// `true`, `false` or `null`.
    Literal(Literal),
    Prefix(Box<str>),
    Suffix(Box<str>),
    PrefixIgnoreCase(CaseInsensitive),
    SuffixIgnoreCase(CaseInsensitive),
    EqualsIgnoreCase(CaseInsensitive),
    Wildcard(Wildcard),
    /// `anything-but` with strings.
    AnythingButStrings(Vec<Box<str>>),
    /// `anything-but` with numbers (all exactly representable).
    AnythingButNumbers(Vec<f64>),
    AnythingButPrefix(Vec<Box<str>>),
    AnythingButSuffix(Vec<Box<str>>),
    AnythingButIgnoreCase(Vec<CaseInsensitive>),
    AnythingButWildcard(Vec<Wildcard>),
    /// `numeric`: an interval of doubles.
    Numeric(Interval),
    /// `cidr`, or an IP-looking string literal.
    Ip(IpRange),
    /// `exists`
    Exists(bool),
}

/// A scalar event value, as matchers see it. Numbers carry their exact
/// spelling and, when exactly representable, their value.
#[derive(Clone, Copy, Debug)]
pub(crate) enum ValueRef<'a> {
    /// A string's UTF-8 bytes (valid UTF-8: the scanner or serde_json
    /// checked them; matchers that need characters convert).
    Str(&'a [u8]),
    Num(&'a [u8], Option<f64>),
    True,
    False,
    Null,
}

impl Matcher {
    /// Whether this matcher makes the reference library read event numbers
    /// at its field as numbers (its per-field "has numeric" flag): then an
    /// exactly representable event number is only a number there, and never
    /// falls in an IP range (see [`Matcher::matches`]).
    pub(crate) fn reads_numbers(&self) -> bool {
        matches!(
            self,
            Matcher::Number { value: Some(_), .. }
                | Matcher::Numeric(_)
                | Matcher::AnythingButNumbers(_)
        )
    }

    /// Whether this matcher accepts one leaf value. `numeric_field` tells
    /// whether the rule set reads numbers at this field as numbers (see
    /// `reference::NumericPaths`).
    pub(crate) fn matches(&self, v: ValueRef<'_>, numeric_field: bool) -> bool {
        use ValueRef as V;
        match (self, v) {
            (Matcher::Exact(s), V::Str(e)) => s.as_bytes() == e,
            (Matcher::Number { text, value }, V::Num(e, ev)) => {
                text.as_bytes() == e || matches!((value, ev), (Some(a), Some(b)) if *a == b)
            }
            (Matcher::Literal(Literal::True), V::True) => true,
            (Matcher::Literal(Literal::False), V::False) => true,
            (Matcher::Literal(Literal::Null), V::Null) => true,
            (Matcher::Prefix(p), V::Str(e)) => e.starts_with(p.as_bytes()),
            (Matcher::Suffix(p), V::Str(e)) => e.ends_with(p.as_bytes()),
            (Matcher::PrefixIgnoreCase(c), V::Str(e)) => c.is_prefix_of(e),
            (Matcher::SuffixIgnoreCase(c), V::Str(e)) => c.is_suffix_of(e),
            (Matcher::EqualsIgnoreCase(c), V::Str(e)) => c.equals(e),
            (Matcher::Wildcard(w), V::Str(e)) => w.matches(e),
            (Matcher::AnythingButStrings(set), v) => match v {
                V::Str(e) => !set.iter().any(|s| s.as_bytes() == e),
                _ => true,
            },
            (Matcher::AnythingButNumbers(set), v) => match v {
                V::Num(_, Some(x)) => !set.contains(&x),
                _ => true,
            },
            (Matcher::AnythingButPrefix(set), v) => match v {
                V::Str(e) => !set.iter().any(|p| e.starts_with(p.as_bytes())),
                _ => true,
            },
            (Matcher::AnythingButSuffix(set), v) => match v {
                V::Str(e) => !set.iter().any(|p| e.ends_with(p.as_bytes())),
                _ => true,
            },
            (Matcher::AnythingButIgnoreCase(set), v) => match v {
                V::Str(e) => !set.iter().any(|c| c.equals(e)),
                _ => true,
            },
            (Matcher::AnythingButWildcard(set), v) => match v {
                V::Str(e) => !set.iter().any(|w| w.matches(e)),
                _ => true,
            },
            (Matcher::Numeric(iv), V::Num(_, Some(x))) => iv.contains(x),
            (Matcher::Ip(r), V::Str(e)) => ip::ip_nibbles(e).is_some_and(|n| r.contains(&n)),
            // The reference runs an IP range over a number's raw text, unless
            // the field reads numbers as numbers.
            (Matcher::Ip(r), V::Num(e, ev)) => !(numeric_field && ev.is_some()) && r.contains(e),
            (Matcher::Exists(true), _) => true,
            _ => false,
        }
    }
}

/// `true`, `false` or `null`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Literal {
    True,
    False,
    Null,
}

/// A numeric interval; a missing bound is unbounded.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Interval {
    /// `(value, open)`
    pub(crate) low: Option<(f64, bool)>,
    /// `(value, open)`
    pub(crate) high: Option<(f64, bool)>,
}

impl Interval {
    pub(crate) fn contains(&self, v: f64) -> bool {
        let lo_ok = match self.low {
            None => true,
            Some((b, true)) => v > b,
            Some((b, false)) => v >= b,
        };
        let hi_ok = match self.high {
            None => true,
            Some((b, true)) => v < b,
            Some((b, false)) => v <= b,
        };
        lo_ok && hi_ok
    }
}

/// One field of a branch: a dotted path and the leaf array's matchers (an OR).
#[derive(Clone, Debug)]
pub(crate) struct Field {
    pub(crate) path: Arc<str>,
    pub(crate) matchers: Arc<[Matcher]>,
    /// Identifies the fields that come before this one in its branch (their
    /// paths and matchers). The reference library keeps one value machine
    /// per (such prefix, path), and one of its quirks depends on what else
    /// shares that machine (see `reference::NumericPaths`).
    pub(crate) state: u64,
    /// The leaf as the pattern wrote it, for explanations.
    pub(crate) source: Arc<LeafText>,
}

/// Fields are equal when they mean the same: the spelling of the leaf in
/// the pattern text does not count.
impl PartialEq for Field {
    fn eq(&self, other: &Field) -> bool {
        (&self.path, &self.matchers, self.state) == (&other.path, &other.matchers, other.state)
    }
}

/// A leaf array as the pattern wrote it: its JSON text, and the span of
/// each matcher (one per element, in order) in that text.
#[derive(Clone, Debug, Default)]
pub(crate) struct LeafText {
    text: Box<str>,
    spans: Box<[(u32, u32)]>,
}

impl LeafText {
    pub(crate) fn new(text: &str, spans: Vec<(u32, u32)>) -> LeafText {
        LeafText {
            text: text.into(),
            spans: spans.into(),
        }
    }

    /// The leaf array's text, `[` to `]`.
    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// The text of matcher `i`.
    pub(crate) fn matcher(&self, i: usize) -> &str {
        let (a, b) = self.spans[i];
        &self.text[a as usize..b as usize]
    }

    /// Approximate heap bytes held.
    pub(crate) fn heap_size(&self) -> usize {
        self.text.len() + self.spans.len() * 8
    }
}

/// A conjunction of fields, sorted by path in the reference's order (UTF-16
/// code units), one field per path.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Branch {
    pub(crate) fields: Vec<Field>,
}

/// A parsed, validated event pattern.
///
/// Most users never hold one: [`MachineBuilder::add_rule`](crate::MachineBuilder::add_rule)
/// parses patterns itself. `Pattern::parse` is for validating a pattern on
/// its own, and for the [reference evaluator](crate::reference).
///
/// ```
/// let p = evmatch::Pattern::parse(r#"{"source": ["aws.ec2"], "$or": [{"a": [1]}, {"b": [2]}]}"#)?;
/// assert_eq!(p.branch_count(), 2);
/// # Ok::<(), evmatch::PatternError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Pattern {
    pub(crate) branches: Vec<Branch>,
}

impl Pattern {
    /// Parses and validates a pattern with the default [`Limits`].
    pub fn parse(text: impl AsRef<[u8]>) -> Result<Pattern, PatternError> {
        Pattern::parse_with(text, &Limits::default())
    }

    /// Parses and validates a pattern with the given limits.
    pub fn parse_with(text: impl AsRef<[u8]>, limits: &Limits) -> Result<Pattern, PatternError> {
        parse::parse(text.as_ref(), limits)
    }

    /// Approximate heap bytes held (leaves shared between branches are
    /// counted once per branch).
    pub(crate) fn heap_size(&self) -> usize {
        self.branches
            .iter()
            .flat_map(|b| &b.fields)
            .map(|f| std::mem::size_of::<Field>() + f.path.len() + f.source.heap_size())
            .sum()
    }

    /// How many sub-rules the pattern expands to through `$or` (1 without
    /// `$or`).
    pub fn branch_count(&self) -> usize {
        self.branches.len()
    }
}

/// Compares two strings in Java's `String.compareTo` order (UTF-16 code
/// units), the order in which the reference walks fields.
pub(crate) fn utf16_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    // Byte order equals code-point order; UTF-16 order differs only where a
    // supplementary character meets U+E000..U+FFFF.
    if a.is_ascii() || b.is_ascii() {
        return a.cmp(b);
    }
    a.encode_utf16().cmp(b.encode_utf16())
}
