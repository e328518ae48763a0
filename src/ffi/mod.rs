//! The C ABI: `extern "C"` functions over opaque handles, one file per C
//! object, as rustls-ffi lays out its crate. This module and the
//! CPU-specific code (`src/arch`) are where the crate's `unsafe` code lives
//! (see the lint policy in `lib.rs`).
//!
//! `include/evmatch.h` is generated from this module by cbindgen (see
//! `cbindgen.toml` and `tests/header.rs`), so the doc comments here are the
//! C documentation; the header lists the functions in the order of the
//! files below.
//!
//! * `builder.rs`: `evm_builder` (rules, rules files, settings) and
//!   `evm_version`.
//! * `machine.rs`: `evm_machine` and its rule names.
//! * `scratch.rs`: `evm_scratch`, the per-thread working memory.
//! * `matching.rs`: matching one event.
//! * `batch.rs`: matching many events in one call (pointer arrays, Arrow
//!   offsets, JSON Lines), all through one body.
//! * `group.rs`: a batch's results grouped by match set.
//! * `live.rs`: `evm_live`, a rule set that changes while threads match.
//! * `explain.rs`: why a rule matched an event or did not, as JSON or a
//!   readable tree.
//! * `error.rs`: `evm_status`, the error kind enums and `evm_error`.
//! * `ptr.rs`: the pointer and NULL checks every export makes;
//!   `panic.rs`: the panic guard every export runs inside.
//!
//! Conventions for every function:
//!
//! * Every export runs inside a panic guard; a panic inside evmatch returns
//!   `EVM_PANIC` and never unwinds into C.
//! * A NULL required pointer gives `EVM_NULL_ARGUMENT`; freeing NULL is a
//!   no-op.
//! * Out-parameters are written only on success, except the documented
//!   `EVM_BUFFER_TOO_SMALL` sizes and the `*err_out` of a pattern, event or
//!   rules-file error.
//! * Byte buffers are (pointer, length) pairs and need no NUL terminator;
//!   strings handed out are NUL-terminated and also come with lengths where
//!   it matters.

#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]
#![allow(non_camel_case_types)]

// In header order (cbindgen reads the modules in this order).
mod builder;

mod machine;

mod scratch;

mod matching;

mod batch;

mod group;

mod live;

mod explain;

mod error;

mod panic;
mod ptr;

#[cfg(test)]
mod tests;
