//! `evm_builder`: collecting rules (one at a time or a whole rules file)
//! and settings, then building an `evm_machine`. Also `evm_version`.

use std::ffi::{c_char, c_int};

use super::error::evm_status::{self, EVM_INVALID_UTF8};
use super::error::{evm_error, report};
use super::machine::evm_machine;
use super::panic::{guard, guard_or};
use super::ptr::{give, take_box, try_bytes, try_mut, try_out};
use crate::{Machine, MachineBuilder};

/// Collects rules; turned into an `evm_machine` by `evm_builder_build` or an
/// `evm_live` by `evm_live_new`. Opaque. Not thread-safe: one thread at a
/// time.
#[derive(Debug)]
pub struct evm_builder {
    pub(super) builder: MachineBuilder,
}

static VERSION_C: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");

/// The library version, such as "0.1.0": a static NUL-terminated string
/// owned by evmatch (do not free). Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn evm_version() -> *const c_char {
    guard_or(std::ptr::null(), || VERSION_C.as_ptr().cast())
}

/// Creates an empty builder with default limits and writes it to `*out`.
///
/// Ownership: the caller owns the builder and must pass it to
/// `evm_builder_build` or `evm_live_new` (which consume it) or
/// `evm_builder_free`. Thread safety: a builder may be used by one thread at
/// a time.
///
/// Returns `EVM_OK`, or `EVM_NULL_ARGUMENT` if `out` is NULL.
///
/// # Safety
///
/// `out` must be NULL or valid for a pointer-sized write.
#[no_mangle]
pub unsafe extern "C" fn evm_builder_new(out: *mut *mut evm_builder) -> evm_status {
    guard(|| {
        let b = evm_builder {
            builder: Machine::builder(),
        };
        // SAFETY: `out` is NULL or writable by the caller's contract.
        unsafe { give(out, b) }
    })
}

/// Compiles a pattern (raw JSON text, `pattern_len` bytes, no NUL needed) and
/// adds it to the builder under the rule name (`name_len` bytes of UTF-8, no
/// NUL needed). Adding a second pattern under a name already used ORs the
/// two. A pattern that fails leaves the builder unchanged.
///
/// Returns `EVM_OK`; `EVM_PATTERN_ERROR` if the pattern is invalid (then,
/// if `err_out` is not NULL, `*err_out` receives a new `evm_error` that the
/// caller frees with `evm_error_free`; `*err_out` is not written otherwise);
/// `EVM_INVALID_UTF8` if the name is not UTF-8; `EVM_NULL_ARGUMENT` if
/// `builder`, `name_ptr` or `pattern_ptr` is NULL (even for length 0).
///
/// Ownership: the builder stays owned by the caller; the bytes are copied.
/// Thread safety: not thread-safe for the same builder.
///
/// # Safety
///
/// `builder` must be NULL or a live builder from `evm_builder_new`;
/// `name_ptr` / `pattern_ptr` must be NULL or readable for their lengths;
/// `err_out` must be NULL or valid for a pointer-sized write.
#[no_mangle]
pub unsafe extern "C" fn evm_builder_add_rule(
    builder: *mut evm_builder,
    name_ptr: *const u8,
    name_len: usize,
    pattern_ptr: *const u8,
    pattern_len: usize,
    err_out: *mut *mut evm_error,
) -> evm_status {
    guard(|| {
        // SAFETY: a live builder used by this thread only, and buffers
        // readable for their lengths, by the caller's contract.
        let (b, name, pattern) = unsafe {
            (
                try_mut(builder)?,
                try_bytes(name_ptr, name_len)?,
                try_bytes(pattern_ptr, pattern_len)?,
            )
        };
        let name = std::str::from_utf8(name).map_err(|_| EVM_INVALID_UTF8)?;
        match b.builder.add_rule(name, pattern) {
            Ok(_) => Ok(()),
            // SAFETY: `err_out` is NULL or writable by the contract.
            Err(e) => Err(unsafe { report(err_out, || evm_error::pattern(name, &e)) }),
        }
    })
}

/// Adds every rule of a rules file: `text_len` bytes of UTF-8 JSON (no NUL
/// needed) holding one object `{"rule name": pattern, ...}`, where each
/// pattern is a JSON object or a JSON string holding the pattern text, and
/// a name given twice keeps its last pattern. This is the reader of the
/// command-line tool's `--rules` files, with the same errors. All or
/// nothing: on any error no rule is added and the builder is as it was.
///
/// Returns:
/// * `EVM_OK`.
/// * `EVM_PATTERN_ERROR`: the first invalid rule in file order. The
///   `evm_error` (written to `*err_out` if `err_out` is not NULL, to free
///   with `evm_error_free`) gives the rule's name (`evm_error_rule`), the
///   pattern's message, kind and JSON path, and the place in the file
///   (`evm_error_offset`, `evm_error_line`, `evm_error_column`).
/// * `EVM_RULES_FILE_ERROR`: the text is not UTF-8 or not JSON
///   (`EVM_RULES_FILE_ERROR_SYNTAX`), or not an object of patterns
///   (`EVM_RULES_FILE_ERROR_NOT_RULES`; `evm_error_rule` names the member
///   that is not a pattern, if any); `*err_out` as above, with the message
///   and the place in the file.
/// * `EVM_NULL_ARGUMENT` if `builder` or `text` is NULL (even for length 0).
/// * `EVM_INVALID_ARGUMENT` if `text_len` exceeds `PTRDIFF_MAX`.
///
/// Ownership: the builder stays owned by the caller; the text is copied.
/// Thread safety: not thread-safe for the same builder.
///
/// # Safety
///
/// `builder` must be NULL or a live builder; `text` NULL or readable for
/// `text_len` bytes; `err_out` NULL or valid for a pointer-sized write.
#[no_mangle]
pub unsafe extern "C" fn evm_builder_add_rules_json(
    builder: *mut evm_builder,
    text: *const u8,
    text_len: usize,
    err_out: *mut *mut evm_error,
) -> evm_status {
    guard(|| {
        // SAFETY: a live builder used by this thread only, and a text
        // readable for its length, by the caller's contract.
        let (b, text) = unsafe { (try_mut(builder)?, try_bytes(text, text_len)?) };
        match b.builder.add_rules_json(text) {
            Ok(_) => Ok(()),
            // SAFETY: `err_out` is NULL or writable by the contract.
            Err(e) => Err(unsafe { report(err_out, || evm_error::rules_file(&e)) }),
        }
    })
}

/// Sets trusted-input mode for the machines built from this builder: on
/// for a non-zero `trusted`, off (the default) for 0. A machine from
/// `evm_builder_build` keeps the setting, and so does a live machine from
/// `evm_live_new` through every later add, remove and replace.
///
/// Trusted input: the caller promises that each event is valid JSON (RFC
/// 8259) and that no object repeats a member name. If the promise is broken
/// the answers are unspecified, but there is still no panic, no undefined
/// behaviour, no read outside the event, and no unbounded time or memory.
///
/// Returns `EVM_OK`, or `EVM_NULL_ARGUMENT` if `builder` is NULL.
/// Thread safety: not thread-safe for the same builder.
///
/// # Safety
///
/// `builder` must be NULL or a live builder.
#[no_mangle]
pub unsafe extern "C" fn evm_builder_set_trusted_input(
    builder: *mut evm_builder,
    trusted: c_int,
) -> evm_status {
    guard(|| {
        // SAFETY: a live builder used by this thread only, by the contract.
        let b = unsafe { try_mut(builder) }?;
        b.builder.trusted_input(trusted != 0);
        Ok(())
    })
}

/// Builds a machine from the builder's rules and writes it to `*out`.
///
/// Ownership: CONSUMES the builder: it is freed whatever the result (also
/// when `out` is NULL), so the caller must not use or free it afterwards.
/// The caller owns the new machine and frees it with `evm_machine_free`.
///
/// Returns `EVM_OK`, or `EVM_NULL_ARGUMENT` if `builder` or `out` is NULL.
///
/// # Safety
///
/// `builder` must be NULL or a live builder (not used by another thread);
/// `out` must be NULL or valid for a pointer-sized write.
#[no_mangle]
pub unsafe extern "C" fn evm_builder_build(
    builder: *mut evm_builder,
    out: *mut *mut evm_machine,
) -> evm_status {
    guard(|| {
        // SAFETY: NULL or a live builder, handed over to us for good (this
        // function consumes it).
        let b = unsafe { take_box(builder) }.ok_or(evm_status::EVM_NULL_ARGUMENT)?;
        // SAFETY: `out` is NULL or writable by the caller's contract.
        let out = unsafe { try_out(out) }?;
        out.write(Box::into_raw(Box::new(evm_machine::new(b.builder.build()))));
        Ok(())
    })
}

/// Frees a builder that was not passed to `evm_builder_build` or
/// `evm_live_new`. NULL is a no-op. Thread safety: the builder must not be
/// in use by another thread.
///
/// # Safety
///
/// `builder` must be NULL or a live builder; it is invalid afterwards.
#[no_mangle]
pub unsafe extern "C" fn evm_builder_free(builder: *mut evm_builder) {
    guard_or((), || {
        // SAFETY: NULL or a live builder, handed back for good.
        drop(unsafe { take_box(builder) });
    })
}
