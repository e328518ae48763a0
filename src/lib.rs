//! evmatch matches JSON events against [Amazon EventBridge event
//! patterns](https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html),
//! with exactly EventBridge's semantics.
//!
//! Many named rules are compiled into one [`Machine`]; the machine is run
//! over the raw bytes of each event and says which rules match. One pass
//! over the bytes validates the event and collects only the values at paths
//! some rule names (nothing is copied); per-field indexes (hash tables,
//! length-grouped prefix and suffix tables, numeric interval indexes, IP
//! ranges) turn those values into the few candidate rules, which are then
//! verified, with array consistency. Matching cost follows the event and
//! the rules that match, not the number of rules, and does not allocate
//! once a [`Scratch`] is warm.
//!
//! # Contents
//!
//! * [Quick start](#quick-start)
//! * [Semantics](#semantics)
//! * [API themes](#api-themes)
//! * [Errors and limits](#errors-and-limits)
//! * [Thread safety](#thread-safety)
//!
//! # Quick start
//!
//! ```
//! use evmatch::Machine;
//!
//! let mut builder = Machine::builder();
//! builder.add_rule("ec2-stopped", r#"{
//!     "source": ["aws.ec2"],
//!     "detail": {"state": ["stopped", "terminated"]}
//! }"#)?;
//! builder.add_rule("big-order", r#"{"detail": {"total": [{"numeric": [">", 1000]}]}}"#)?;
//! let machine = builder.build();
//!
//! let event = br#"{"source": "aws.ec2", "detail": {"state": "stopped", "total": 5}}"#;
//! assert_eq!(machine.matches(event)?, ["ec2-stopped"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Semantics
//!
//! evmatch follows the EventBridge service and, where the service's
//! behaviour is not recorded, AWS's reference library (event-ruler) in its
//! array-consistent mode:
//!
//! * AND across fields, OR inside a leaf array; fields not named in a
//!   pattern are ignored; `$or` ORs whole sub-patterns.
//! * Every operator: exact strings, numbers, booleans and `null`; `prefix`,
//!   `suffix` and `equals-ignore-case` (and their ignore-case forms);
//!   `wildcard`; all eight forms of `anything-but`; `numeric`; `exists`;
//!   `cidr`; and the reference's `exactly`.
//! * Numbers compare as IEEE-754 doubles when the number's text is exactly
//!   representable (`300` = `300.0` = `3e2`, `-0` = `0`), and as text
//!   otherwise (`9007199254740993` equals only itself).
//! * Event arrays match when any element matches; fields of one rule that
//!   come from objects inside arrays must come from the same array elements
//!   (array consistency).
//! * `{"a": {"b": …}}` and `{"a.b": …}` name the same field, in patterns and
//!   in events; a key repeated in a pattern replaces its earlier value.
//!
//! # API themes
//!
//! * [`MachineBuilder::add_rule`] compiles a pattern from its raw text and
//!   reports a [`PatternError`] with the reference's message, the JSON path
//!   and the byte offset.
//! * [`Machine::matches`] is the convenient form; [`Machine::find`] and
//!   [`Machine::for_each_match`] reuse a caller-owned [`Scratch`] and
//!   caller-owned output.
//! * [`LiveMachine`] holds a rule set that a writer changes (add, remove,
//!   replace) while readers on other threads keep matching, each event
//!   against one whole version.
//! * [`MachineBuilder::trusted_input`] skips validating the parts of events
//!   that no rule names, for input known to be valid JSON.
//! * [`Pattern::parse`] validates one pattern on its own.
//! * [`reference`](mod@reference) is a plain interpreter of the same semantics, kept as
//!   the oracle the fast engine is tested against.
//!
//! # Errors and limits
//!
//! Bad input never panics. Patterns have limits on size, nesting depth,
//! `$or` combinations and wildcard complexity ([`MachineBuilder`] setters);
//! events have a nesting limit (128 by default). An event that is not a
//! JSON object, or not valid JSON anywhere in it, gives an [`EventError`]
//! with the byte offset.
//!
//! # Thread safety
//!
//! [`Machine`] is immutable, `Send + Sync`, and cheap to clone; share it
//! between threads freely. A [`Scratch`] belongs to one thread at a time.

// Every public item is documented; missing docs are a bug.
#![deny(missing_docs)]
// Public types should print usefully in users' debugging.
#![warn(missing_debug_implementations)]
// Unsafe code is allowed only in the modules that need it, each with its own
// `allow` below: the C ABI (src/ffi) and the CPU-specific code (src/arch).
#![deny(unsafe_code)]

#[allow(unsafe_code)]
mod arch;
mod engine;
mod error;
mod explain;
#[allow(unsafe_code)]
mod ffi;
mod json;
mod limits;
mod lines;
mod live;
mod machine;
mod pattern;
pub mod reference;
mod rules_file;
mod util;

pub use crate::error::{EventError, EventErrorKind, PatternError, PatternErrorKind};
pub use crate::explain::{
    ArrayConflict, BranchExplanation, ExplainError, Explanation, FieldExplanation, FieldStatus,
    ValueExplanation, MAX_VALUES, MAX_VALUE_TEXT,
};
pub use crate::lines::{JsonLines, Line};
pub use crate::live::LiveMachine;
pub use crate::machine::{Machine, MachineBuilder, Scratch};
pub use crate::pattern::{Limits, Pattern};
pub use crate::rules_file::{
    RepeatedName, RuleText, RulesFile, RulesFileError, RulesFileErrorKind,
};
pub use crate::util::ids::RuleId;

/// The version of this library.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
