//! Matching one event: `evm_match` (rule indexes into a buffer) and
//! `evm_match_cb` (a callback per matching rule).

use std::ffi::{c_int, c_void};

use super::error::evm_status::{self, EVM_NULL_ARGUMENT};
use super::error::{evm_error, report};
use super::machine::evm_machine;
use super::panic::guard;
use super::ptr::{try_bytes, try_out, OutArray};
use super::scratch::{evm_scratch, machine_and_scratch};

/// Called once per matching rule by `evm_match_cb`, with the caller's `ctx`
/// and the rule's index (see `evm_machine_rule_name`). Return 0 to go on,
/// non-zero to stop. The callback must not unwind (C++ exceptions,
/// longjmp) through evmatch.
pub type evm_match_callback =
    Option<unsafe extern "C" fn(ctx: *mut c_void, rule_index: u32) -> c_int>;

/// Matches one event (raw JSON bytes, `event_len` bytes, no NUL needed)
/// and writes the indexes of the matching rules, ascending and each once,
/// to `ids_out[0..*n_out]`.
///
/// Returns:
/// * `EVM_OK`: `*n_out` is the number of matches (0 or more).
/// * `EVM_BUFFER_TOO_SMALL`: more than `ids_cap` rules match; `*n_out` is
///   the number needed and `ids_out` is not written. Call again with a
///   larger buffer (`ids_cap` = rule count is always enough).
/// * `EVM_EVENT_ERROR`: the event is not a JSON object (or too deep); if
///   `err_out` is not NULL, `*err_out` receives a new `evm_error` to free
///   with `evm_error_free`. `*n_out` is not written.
/// * `EVM_NULL_ARGUMENT`: `machine`, `scratch`, `event_ptr` or `n_out` is
///   NULL, or `ids_out` is NULL while `ids_cap` is not 0.
/// * `EVM_INVALID_ARGUMENT`: the scratch belongs to another machine or is
///   in use by another call.
///
/// Thread safety: the machine may be shared by any number of threads at
/// once; the scratch may not (one scratch per thread). Nothing is retained
/// after the call returns.
///
/// # Safety
///
/// `machine` and `scratch` must be NULL or live; `event_ptr` NULL or
/// readable for `event_len` bytes; `ids_out` NULL or writable for `ids_cap`
/// entries; `n_out` and `err_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn evm_match(
    machine: *const evm_machine,
    scratch: *mut evm_scratch,
    event_ptr: *const u8,
    event_len: usize,
    ids_out: *mut u32,
    ids_cap: usize,
    n_out: *mut usize,
    err_out: *mut *mut evm_error,
) -> evm_status {
    guard(|| {
        // SAFETY: the pointers meet the contract of this function.
        let (m, s) = unsafe { machine_and_scratch(machine, scratch) }?;
        // SAFETY: NULL or writable for their sizes, by the contract.
        let (n_out, ids_out) = unsafe { (try_out(n_out)?, OutArray::new(ids_out, ids_cap)?) };
        // SAFETY: NULL or readable for `event_len` bytes, by the contract.
        let event = unsafe { try_bytes(event_ptr, event_len) }?;
        let mut lock = s.lock()?;
        let st = lock.state();
        st.ids.clear();
        if let Err(e) = m.machine.find(&mut st.scratch, event, &mut st.ids) {
            // SAFETY: `err_out` is NULL or writable by the contract.
            return Err(unsafe { report(err_out, || evm_error::event(&e)) });
        }
        n_out.write(st.ids.len());
        ids_out.fill_iter(st.ids.iter().map(|id| id.as_usize() as u32))
    })
}

/// Matches one event and calls `callback(ctx, rule_index)` for each matching
/// rule, in ascending index order, each once; a non-zero return from the
/// callback stops the calls early (still `EVM_OK`).
///
/// Returns `EVM_OK`; `EVM_EVENT_ERROR` (no callbacks made; `*err_out`
/// written as for `evm_match`); `EVM_NULL_ARGUMENT` if `machine`, `scratch`,
/// `event_ptr` or `callback` is NULL; `EVM_INVALID_ARGUMENT` as for
/// `evm_match`.
///
/// The callback runs on the calling thread while the scratch is in use: it
/// may call evmatch with the same machine and another scratch, but calls
/// with this scratch fail with `EVM_INVALID_ARGUMENT`. Thread safety as for
/// `evm_match`.
///
/// # Safety
///
/// As for `evm_match`; `callback` must be NULL or a valid function that
/// does not unwind, and gets `ctx` back unchanged.
#[no_mangle]
pub unsafe extern "C" fn evm_match_cb(
    machine: *const evm_machine,
    scratch: *mut evm_scratch,
    event_ptr: *const u8,
    event_len: usize,
    callback: evm_match_callback,
    ctx: *mut c_void,
    err_out: *mut *mut evm_error,
) -> evm_status {
    guard(|| {
        // SAFETY: the pointers meet the contract of this function.
        let (m, s) = unsafe { machine_and_scratch(machine, scratch) }?;
        let callback = callback.ok_or(EVM_NULL_ARGUMENT)?;
        // SAFETY: NULL or readable for `event_len` bytes, by the contract.
        let event = unsafe { try_bytes(event_ptr, event_len) }?;
        let mut lock = s.lock()?;
        let st = lock.state();
        st.ids.clear();
        if let Err(e) = m.machine.find(&mut st.scratch, event, &mut st.ids) {
            // SAFETY: `err_out` is NULL or writable by the contract.
            return Err(unsafe { report(err_out, || evm_error::event(&e)) });
        }
        for id in &st.ids {
            // SAFETY: a valid C function by the caller's contract; `ctx` is
            // passed back untouched. Re-entrant calls on this scratch are
            // refused by its busy flag, so `st` is not aliased.
            if unsafe { callback(ctx, id.as_usize() as u32) } != 0 {
                break;
            }
        }
        Ok(())
    })
}
