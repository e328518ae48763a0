//! Explanations through the C ABI: why a rule matched an event or did not,
//! as JSON (the stable schema of `Explanation::to_json`) or as the readable
//! tree, in a string the caller frees with `evm_text_free`.

use std::ffi::{c_char, CString};

use super::error::evm_status::{self, EVM_INVALID_ARGUMENT};
use super::error::{evm_error, report};
use super::machine::evm_machine;
use super::panic::{guard, guard_or};
use super::ptr::{try_bytes, try_out, try_ref};
use crate::{ExplainError, Explanation, RuleId};

/// Explains rule `index` on the event at `event_ptr` (`event_len` bytes)
/// and hands the text `render` makes of it to `*text_out`.
///
/// # Safety
///
/// As for `evm_explain`.
unsafe fn explain_into(
    machine: *const evm_machine,
    index: usize,
    event_ptr: *const u8,
    event_len: usize,
    text_out: *mut *mut c_char,
    err_out: *mut *mut evm_error,
    render: fn(&Explanation) -> String,
) -> evm_status {
    guard(|| {
        // SAFETY: a live machine (shared access), a writable out-pointer
        // and readable event bytes, or NULLs, by the caller's contract.
        let (m, text_out, event) = unsafe {
            (
                try_ref(machine)?,
                try_out(text_out)?,
                try_bytes(event_ptr, event_len)?,
            )
        };
        let id = RuleId::new(index)
            .filter(|&id| m.machine.get_rule_name(id).is_some())
            .ok_or(EVM_INVALID_ARGUMENT)?;
        let e = match m.machine.explain_id(id, event) {
            Ok(e) => e,
            Err(ExplainError::Event(e)) => {
                // SAFETY: `err_out` is NULL or writable by the contract.
                return Err(unsafe { report(err_out, || evm_error::event(&e)) });
            }
            Err(_) => return Err(EVM_INVALID_ARGUMENT),
        };
        // JSON escapes control characters; the tree quotes the event's own
        // text, which in trusted input may hold a raw NUL: shown as U+FFFD.
        let text = render(&e).replace('\0', "\u{fffd}");
        let text = CString::new(text).map_err(|_| EVM_INVALID_ARGUMENT)?;
        text_out.write(text.into_raw());
        Ok(())
    })
}

/// Explains why rule `index` matches the event or does not, as JSON: an
/// object `{"rule": NAME, "matched": BOOL, "branches": [...]}` listing,
/// for each `$or` branch and each of its fields, the path, the leaf as the
/// pattern wrote it, the event's values there (JSON text, byte offset,
/// array indices) and which element of the leaf each satisfies, and any
/// array-consistency conflict. The verdict is the matcher's own. The
/// schema is documented with `Explanation::to_json` in the Rust crate and
/// in `docs/explain.md`; it only ever gains keys.
///
/// Ownership: `*json_out` receives a NUL-terminated UTF-8 string that the
/// caller frees with `evm_text_free`. Explaining allocates and is slow next
/// to matching: it is for debugging. Thread-safe (no scratch is used).
///
/// Returns `EVM_OK`; `EVM_EVENT_ERROR` for an invalid event (`*err_out`, if
/// `err_out` is not NULL, receives the same error `evm_match` gives, to be
/// freed with `evm_error_free`); `EVM_INVALID_ARGUMENT` if `index` is not a
/// rule of the machine or `event_len` exceeds `PTRDIFF_MAX`;
/// `EVM_NULL_ARGUMENT` if `machine`, `event_ptr` or `json_out` is NULL.
///
/// # Safety
///
/// `machine` must be NULL or a live machine; `event_ptr` NULL or readable
/// for `event_len` bytes; `json_out` and `err_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn evm_explain(
    machine: *const evm_machine,
    index: usize,
    event_ptr: *const u8,
    event_len: usize,
    json_out: *mut *mut c_char,
    err_out: *mut *mut evm_error,
) -> evm_status {
    // SAFETY: this function's contract is `explain_into`'s.
    unsafe {
        explain_into(
            machine,
            index,
            event_ptr,
            event_len,
            json_out,
            err_out,
            Explanation::to_json,
        )
    }
}

/// As `evm_explain`, but `*text_out` receives the readable tree (one line
/// per branch, field and value, failing fields marked `✗`, satisfied ones
/// `✓`; no colours), freed with `evm_text_free`.
///
/// # Safety
///
/// As for `evm_explain`.
#[no_mangle]
pub unsafe extern "C" fn evm_explain_tree(
    machine: *const evm_machine,
    index: usize,
    event_ptr: *const u8,
    event_len: usize,
    text_out: *mut *mut c_char,
    err_out: *mut *mut evm_error,
) -> evm_status {
    // SAFETY: this function's contract is `explain_into`'s.
    unsafe {
        explain_into(
            machine,
            index,
            event_ptr,
            event_len,
            text_out,
            err_out,
            Explanation::to_string,
        )
    }
}

/// Frees a string from `evm_explain` or `evm_explain_tree`. NULL is a
/// no-op. Must not be called twice with the same string.
///
/// # Safety
///
/// `text` must be NULL or a string from one of those functions, not yet
/// freed.
#[no_mangle]
pub unsafe extern "C" fn evm_text_free(text: *mut c_char) {
    guard_or((), || {
        if !text.is_null() {
            // SAFETY: from `CString::into_raw` in `explain_into`, handed
            // back once by the caller's contract.
            drop(unsafe { CString::from_raw(text) });
        }
    })
}
