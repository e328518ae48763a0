//! Test support for evmatch, shared by the integration tests (`tests/`) and
//! the fuzz targets (`fuzz/`), as regex keeps `regex-test`. Never published;
//! the main crate depends on it only as a dev-dependency.
//!
//! * [`Rng`] and [`Source`]: where generated cases take their choices from,
//!   either a seeded deterministic generator (the property test, whose
//!   failures name a seed) or fuzz bytes (an [`arbitrary::Unstructured`]).
//! * Two grammars of rule patterns and events over every operator, each
//!   driven by either source. [`Edges`], the fuzz targets', reaches for the
//!   engine's edges: about half its patterns are invalid and one valid
//!   event in eight matches a rule. [`Dense`], the property test's, keeps
//!   to a small vocabulary of operands that compile: nine patterns in ten
//!   are valid and one valid event in four matches, as a run without
//!   coverage guidance needs.
//! * [`Case`]: named rules and events, with the raw byte form of the fuzz
//!   regression files.
//! * [`promise`]: the trusted-input promise (valid JSON, no member name
//!   repeated in an object), under which trusted mode must answer as the
//!   reference does.
//! * [`compare`]: a machine's answers in the reference's form (sorted
//!   names), and the trusted-mode comparison.
//! * [`differential`], [`compile`], [`scan`]: the checks the fuzz targets of
//!   the same names make, which `tests/regressions.rs` replays on the
//!   committed inputs and `tests/differential.rs` runs on seeded cases.
//! * [`conformance`]: the case format of `testdata/conformance/*.jsonl`.
//!
//! The checks hold the engine against [`evmatch::reference::Reference`],
//! which shares no code with it; nothing here decides a match itself.

pub mod case;
pub mod compare;
pub mod compile;
pub mod conformance;
mod dense;
pub mod differential;
mod edges;
pub mod promise;
mod rng;
pub mod scan;
mod source;

pub use case::Case;
pub use dense::Dense;
pub use edges::Edges;
pub use rng::Rng;
pub use source::Source;
