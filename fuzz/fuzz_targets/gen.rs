//! The generated cases of the `ffi` target: fuzz bytes in raw or
//! structured mode, read by `evmatch_testkit::Case` (the grammar lives in
//! testkit/, where the property test uses it too).

pub use evmatch_testkit::Case;
