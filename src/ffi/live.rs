//! The C ABI of [`LiveMachine`]: a rule set that
//! changes while other threads match.

use std::ffi::{c_char, c_int, c_void};
use std::sync::atomic::Ordering;

use super::handles::{evm_builder, evm_error, evm_scratch, evm_status, NEXT_MACHINE_ID};
use super::panic::{guard, guard_or};
use super::{batch_arrays, bytes, report};
use crate::LiveMachine;

use evm_status::{
    EVM_EVENT_ERROR, EVM_INVALID_ARGUMENT, EVM_INVALID_UTF8, EVM_NULL_ARGUMENT, EVM_OK,
    EVM_PATTERN_ERROR,
};

/// A rule set that can change while other threads match against it.
/// Opaque. Thread-safe: any number of threads may match (each with its own
/// `evm_scratch` from `evm_live_scratch_new`) while any thread adds,
/// removes or replaces rules; each change is published atomically, so a
/// match sees the old rule set or the new one for a whole event. Updates
/// are serialized internally.
#[derive(Debug)]
pub struct evm_live {
    pub(crate) live: LiveMachine,
    pub(crate) id: u64,
}

/// Called by `evm_live_match_batch` once per (event, matching rule), with
/// the caller's `ctx`, the event's index in the batch and the rule's name
/// (`name_len` bytes, not NUL-terminated, valid only during the call).
/// Return 0 to go on, non-zero to stop the whole batch. The callback must
/// not unwind (C++ exceptions, longjmp) through evmatch, and must not call
/// `evm_live_match_batch` with the same scratch.
pub type evm_live_match_callback = Option<
    unsafe extern "C" fn(
        ctx: *mut c_void,
        event_index: usize,
        name: *const c_char,
        name_len: usize,
    ) -> c_int,
>;

/// A live machine's handle from a pointer, or the status to return.
///
/// # Safety
///
/// `live` must be NULL or a live handle.
unsafe fn live_ref<'a>(live: *const evm_live) -> Result<&'a evm_live, evm_status> {
    // SAFETY: NULL or live by the caller's contract; shared access only.
    unsafe { live.as_ref() }.ok_or(EVM_NULL_ARGUMENT)
}

/// A UTF-8 name from (`ptr`, `len`), or the status to return.
///
/// # Safety
///
/// A non-NULL `ptr` must be readable for `len` bytes.
unsafe fn name<'a>(ptr: *const u8, len: usize) -> Result<&'a str, evm_status> {
    // SAFETY: forwarded contract.
    let b = unsafe { bytes(ptr, len) }?;
    std::str::from_utf8(b).map_err(|_| EVM_INVALID_UTF8)
}

/// Creates a live machine holding the rules of `builder` (which is consumed
/// and freed, even on failure; NULL gives an empty live machine) and writes
/// it to `*out`.
///
/// Ownership: the caller owns the live machine and frees it with
/// `evm_live_free`. Thread safety: the builder must not be in use
/// elsewhere.
///
/// Returns `EVM_OK`, or `EVM_NULL_ARGUMENT` if `out` is NULL.
///
/// # Safety
///
/// `builder` must be NULL or a live builder (invalid afterwards); `out` NULL
/// or writable.
#[no_mangle]
pub unsafe extern "C" fn evm_live_new(
    builder: *mut evm_builder,
    out: *mut *mut evm_live,
) -> evm_status {
    guard(|| {
        let b = if builder.is_null() {
            None
        } else {
            // SAFETY: a live builder from `Box::into_raw`, given back to us.
            Some(unsafe { Box::from_raw(builder) })
        };
        if out.is_null() {
            return EVM_NULL_ARGUMENT;
        }
        let live = match b {
            Some(b) => b.builder.build_live(),
            None => LiveMachine::new(),
        };
        let h = Box::new(evm_live {
            live,
            id: NEXT_MACHINE_ID.fetch_add(1, Ordering::Relaxed),
        });
        // SAFETY: `out` is non-NULL and writable by the caller's contract.
        unsafe { out.write(Box::into_raw(h)) };
        EVM_OK
    })
}

/// Frees a live machine. NULL is a no-op. Thread safety: no other thread
/// may be using it.
///
/// # Safety
///
/// `live` must be NULL or a live handle; it is invalid afterwards.
#[no_mangle]
pub unsafe extern "C" fn evm_live_free(live: *mut evm_live) {
    guard_or((), || {
        if !live.is_null() {
            // SAFETY: from `Box::into_raw` in `evm_live_new`, given back.
            drop(unsafe { Box::from_raw(live) });
        }
    })
}

/// Compiles a pattern (`pattern_len` bytes of JSON) and adds it under the
/// rule `name` (ORed with the rule's other patterns if the name exists),
/// publishing a new version, whose number is written to `*version_out`
/// (may be NULL).
///
/// Returns `EVM_OK`; `EVM_PATTERN_ERROR` (nothing changes; `*err_out`, if
/// `err_out` is not NULL, receives an `evm_error` to free); `EVM_INVALID_UTF8`
/// for a name that is not UTF-8; `EVM_NULL_ARGUMENT`. Thread-safe.
///
/// # Safety
///
/// `live` NULL or live; `name_ptr`/`pattern_ptr` NULL or readable for their
/// lengths; `err_out`, `version_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn evm_live_add_rule(
    live: *const evm_live,
    name_ptr: *const u8,
    name_len: usize,
    pattern_ptr: *const u8,
    pattern_len: usize,
    err_out: *mut *mut evm_error,
    version_out: *mut u64,
) -> evm_status {
    guard(|| {
        // SAFETY: the pointers meet this function's contract.
        let (l, n, p) = match unsafe {
            (
                live_ref(live),
                name(name_ptr, name_len),
                bytes(pattern_ptr, pattern_len),
            )
        } {
            (Ok(l), Ok(n), Ok(p)) => (l, n, p),
            (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return e,
        };
        match l.live.add_rule(n, p) {
            Ok(v) => {
                if !version_out.is_null() {
                    // SAFETY: non-NULL and writable by the contract.
                    unsafe { version_out.write(v) };
                }
                EVM_OK
            }
            Err(e) => {
                // SAFETY: `err_out` NULL or writable by the contract.
                unsafe { report(err_out, || evm_error::pattern(n, &e)) };
                EVM_PATTERN_ERROR
            }
        }
    })
}

/// Removes the rule `name` (all its patterns). Writes 1 to `*removed_out`
/// if it existed (publishing a new version, written to `*version_out`), 0
/// if not (no new version). Both out-pointers may be NULL.
///
/// Returns `EVM_OK`, `EVM_INVALID_UTF8` or `EVM_NULL_ARGUMENT`. Thread-safe.
///
/// # Safety
///
/// `live` NULL or live; `name_ptr` NULL or readable for `name_len` bytes;
/// the out-pointers NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn evm_live_remove_rule(
    live: *const evm_live,
    name_ptr: *const u8,
    name_len: usize,
    removed_out: *mut c_int,
    version_out: *mut u64,
) -> evm_status {
    guard(|| {
        // SAFETY: the pointers meet this function's contract.
        let (l, n) = match unsafe { (live_ref(live), name(name_ptr, name_len)) } {
            (Ok(l), Ok(n)) => (l, n),
            (Err(e), _) | (_, Err(e)) => return e,
        };
        let v = l.live.remove_rule(n);
        // SAFETY: each non-NULL out-pointer is writable by the contract.
        unsafe {
            if !removed_out.is_null() {
                removed_out.write(c_int::from(v.is_some()));
            }
            if let (Some(v), false) = (v, version_out.is_null()) {
                version_out.write(v);
            }
        }
        EVM_OK
    })
}

/// Replaces the whole rule set with `n` rules: `names[i]` (`name_lens[i]`
/// bytes) with pattern `patterns[i]` (`pattern_lens[i]` bytes); a name given
/// twice ORs its patterns. All patterns are compiled first: on
/// `EVM_PATTERN_ERROR` nothing changes and `*err_out` (if not NULL) names
/// the rule. On success the new version is written to `*version_out` (may
/// be NULL).
///
/// Returns `EVM_OK`, `EVM_PATTERN_ERROR`, `EVM_INVALID_UTF8`,
/// `EVM_NULL_ARGUMENT` or `EVM_INVALID_ARGUMENT` (`n` too large).
/// Thread-safe.
///
/// # Safety
///
/// `live` NULL or live; the four arrays NULL or readable for `n` entries,
/// each entry readable for its length; out-pointers NULL or writable.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn evm_live_replace_rules(
    live: *const evm_live,
    names: *const *const u8,
    name_lens: *const usize,
    patterns: *const *const u8,
    pattern_lens: *const usize,
    n: usize,
    err_out: *mut *mut evm_error,
    version_out: *mut u64,
) -> evm_status {
    guard(|| {
        // SAFETY: NULL or live by the contract.
        let l = match unsafe { live_ref(live) } {
            Ok(l) => l,
            Err(e) => return e,
        };
        if n >= isize::MAX as usize / std::mem::size_of::<usize>() {
            return EVM_INVALID_ARGUMENT;
        }
        let mut rules: Vec<(&str, &[u8])> = Vec::with_capacity(n);
        if n > 0 {
            if names.is_null()
                || name_lens.is_null()
                || patterns.is_null()
                || pattern_lens.is_null()
            {
                return EVM_NULL_ARGUMENT;
            }
            for i in 0..n {
                // SAFETY: the arrays are readable for `n` entries and each
                // entry for its length, by the contract.
                let entry = unsafe {
                    (
                        name(*names.add(i), *name_lens.add(i)),
                        bytes(*patterns.add(i), *pattern_lens.add(i)),
                    )
                };
                match entry {
                    (Ok(nm), Ok(p)) => rules.push((nm, p)),
                    (Err(e), _) | (_, Err(e)) => return e,
                }
            }
        }
        match l.live.replace_rules(rules) {
            Ok(v) => {
                if !version_out.is_null() {
                    // SAFETY: non-NULL and writable by the contract.
                    unsafe { version_out.write(v) };
                }
                EVM_OK
            }
            Err((rule, e)) => {
                // SAFETY: `err_out` NULL or writable by the contract.
                unsafe { report(err_out, || evm_error::pattern(&rule, &e)) };
                EVM_PATTERN_ERROR
            }
        }
    })
}

/// Writes the number of rules and the version of the current rule set.
/// Either out-pointer may be NULL. Returns `EVM_OK` or `EVM_NULL_ARGUMENT`
/// (NULL `live`). Thread-safe.
///
/// # Safety
///
/// `live` NULL or live; out-pointers NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn evm_live_info(
    live: *const evm_live,
    rule_count_out: *mut usize,
    version_out: *mut u64,
) -> evm_status {
    guard(|| {
        // SAFETY: NULL or live by the contract.
        let l = match unsafe { live_ref(live) } {
            Ok(l) => l,
            Err(e) => return e,
        };
        let snap = l.live.snapshot();
        // SAFETY: each non-NULL out-pointer is writable by the contract.
        unsafe {
            if !rule_count_out.is_null() {
                rule_count_out.write(snap.rule_count());
            }
            if !version_out.is_null() {
                version_out.write(snap.version());
            }
        }
        EVM_OK
    })
}

/// Creates scratch space for matching with `live` (any version of it).
/// Ownership and thread safety as for `evm_scratch_new`: free it with
/// `evm_scratch_free`; one thread at a time.
///
/// # Safety
///
/// `live` NULL or live; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn evm_live_scratch_new(
    live: *const evm_live,
    out: *mut *mut evm_scratch,
) -> evm_status {
    guard(|| {
        if out.is_null() {
            return EVM_NULL_ARGUMENT;
        }
        // SAFETY: NULL or live by the contract.
        let l = match unsafe { live_ref(live) } {
            Ok(l) => l,
            Err(e) => return e,
        };
        let s = Box::new(evm_scratch::for_id(l.id));
        // SAFETY: `out` is non-NULL and writable by the contract.
        unsafe { out.write(Box::into_raw(s)) };
        EVM_OK
    })
}

/// Matches a batch of `n_events` events (`events[i]`, `lens[i]` bytes each)
/// against the current rule set, all against the same version (written to
/// `*version_out`, may be NULL), calling `callback` once per (event,
/// matching rule), events in order, rules in id order. `status_out` (may
/// be NULL) receives, per event, `EVM_OK` or `EVM_EVENT_ERROR` (an invalid
/// event has no matches).
///
/// Returns `EVM_OK` (also when some events were invalid, or when the
/// callback stopped the batch); `EVM_NULL_ARGUMENT`; `EVM_INVALID_ARGUMENT`
/// (a scratch not made by `evm_live_scratch_new` for this live machine, or
/// one in use). Thread safety: any number of threads at once, each with its
/// own scratch, also while rules change. No allocation per event once the
/// scratch is warm.
///
/// # Safety
///
/// `live`, `scratch` NULL or live; `events`, `lens` NULL or readable for
/// `n_events` entries, each event readable for its length; `status_out`
/// NULL or writable for `n_events` entries; `version_out` NULL or writable.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn evm_live_match_batch(
    live: *const evm_live,
    scratch: *mut evm_scratch,
    events: *const *const u8,
    lens: *const usize,
    n_events: usize,
    callback: evm_live_match_callback,
    ctx: *mut c_void,
    status_out: *mut i32,
    version_out: *mut u64,
) -> evm_status {
    guard(|| {
        // SAFETY: NULL or live by the contract.
        let l = match unsafe { live_ref(live) } {
            Ok(l) => l,
            Err(e) => return e,
        };
        // SAFETY: NULL or live by the contract; shared access (the mutable
        // state sits behind the scratch's busy flag).
        let Some(s) = (unsafe { scratch.as_ref() }) else {
            return EVM_NULL_ARGUMENT;
        };
        let Some(cb) = callback else {
            return EVM_NULL_ARGUMENT;
        };
        if s.machine_id != l.id {
            return EVM_INVALID_ARGUMENT;
        }
        // SAFETY: the arrays meet this function's contract.
        let (events, lens) = match unsafe { batch_arrays(events, lens, n_events) } {
            Ok(el) => el,
            Err(st) => return st,
        };
        let Some(mut lock) = s.lock() else {
            return EVM_INVALID_ARGUMENT;
        };
        let st = lock.state();
        // One version for the whole batch.
        let snap = l.live.snapshot();
        let mut stopped = false;
        for (i, (&ptr, &len)) in events.iter().zip(lens).enumerate() {
            if stopped {
                if !status_out.is_null() {
                    // SAFETY: writable for `n_events` entries.
                    unsafe { status_out.add(i).write(EVM_OK as i32) };
                }
                continue;
            }
            // SAFETY: non-NULL (checked) and readable for `len` bytes.
            let event = match unsafe { bytes(ptr, len) } {
                Ok(e) => e,
                Err(code) => return code,
            };
            let r = snap.for_each_match(&mut st.scratch, event, |id| {
                if stopped {
                    return;
                }
                let n = snap.rule_name(id);
                // SAFETY: the callback is the caller's, called with the
                // documented arguments; `n` lives through the call.
                let rc = unsafe { cb(ctx, i, n.as_ptr().cast(), n.len()) };
                if rc != 0 {
                    stopped = true;
                }
            });
            let code = if r.is_ok() { EVM_OK } else { EVM_EVENT_ERROR };
            if !status_out.is_null() {
                // SAFETY: writable for `n_events` entries.
                unsafe { status_out.add(i).write(code as i32) };
            }
        }
        if !version_out.is_null() {
            // SAFETY: non-NULL and writable by the contract.
            unsafe { version_out.write(snap.version()) };
        }
        EVM_OK
    })
}
