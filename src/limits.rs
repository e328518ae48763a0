//! Limits on what the engine accepts: the size and shape of patterns, and
//! the nesting of events. Every one has a typed error when exceeded.

/// Limits applied while compiling patterns. See the setters on
/// [`MachineBuilder`](crate::MachineBuilder).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Longest accepted pattern text, in bytes.
    pub max_pattern_len: usize,
    /// Deepest accepted nesting of objects and arrays in a pattern.
    pub max_pattern_depth: usize,
    /// Most sub-rules one pattern may expand to through `$or`.
    pub max_or_combinations: usize,
    /// Highest accepted wildcard complexity (see
    /// [`MachineBuilder::max_wildcard_complexity`](crate::MachineBuilder::max_wildcard_complexity)).
    pub max_wildcard_complexity: usize,
}

/// The deepest pattern nesting that can be configured (the compiler recurses
/// once per level).
pub(crate) const PATTERN_DEPTH_CAP: usize = 1000;

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_pattern_len: 1 << 20,
            max_pattern_depth: 128,
            max_or_combinations: 1000,
            max_wildcard_complexity: 5,
        }
    }
}

/// The deepest nesting of objects and arrays accepted in an event, unless
/// [`MachineBuilder::max_event_depth`](crate::MachineBuilder::max_event_depth)
/// says otherwise (serde_json's default too).
pub(crate) const DEFAULT_EVENT_DEPTH: usize = 128;
