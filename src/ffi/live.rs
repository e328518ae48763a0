//! The C ABI of [`LiveMachine`]: a rule set that
//! changes while other threads match.

use std::ffi::{c_char, c_int, c_void};

use super::builder::evm_builder;
use super::error::evm_status::{
    self, EVM_EVENT_ERROR, EVM_INVALID_ARGUMENT, EVM_INVALID_UTF8, EVM_OK,
};
use super::error::{evm_error, report};
use super::machine::next_machine_id;
use super::panic::{guard, guard_or};
use super::ptr::{
    give, take_box, try_bytes, try_event_arrays, try_opt_out, try_ref, try_slice, OutArray,
};
use super::scratch::evm_scratch;
use crate::LiveMachine;

/// A rule set that can change while other threads match against it.
/// Opaque. Thread-safe: any number of threads may match (each with its own
/// `evm_scratch` from `evm_live_scratch_new`) while any thread adds,
/// removes or replaces rules; each change is published atomically, so a
/// match sees the old rule set or the new one for a whole event. Updates
/// are serialized internally.
#[derive(Debug)]
pub struct evm_live {
    live: LiveMachine,
    /// Identifies the live machine for the scratches created from it.
    id: u64,
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

/// A UTF-8 name from (`ptr`, `len`), or the status to return.
///
/// # Safety
///
/// A non-NULL `ptr` must be readable for `len` bytes for `'a`.
unsafe fn try_name<'a>(ptr: *const u8, len: usize) -> Result<&'a str, evm_status> {
    // SAFETY: forwarded contract.
    let b = unsafe { try_bytes(ptr, len) }?;
    std::str::from_utf8(b).map_err(|_| EVM_INVALID_UTF8)
}

/// Creates a live machine holding the rules of `builder` (which is consumed
/// and freed, even on failure; NULL gives an empty live machine with
/// default settings) and writes it to `*out`. The builder's settings (the
/// limits, trusted input) hold for the rules added later too.
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
        // SAFETY: NULL or a live builder, handed over to us for good (this
        // function consumes it).
        let b = unsafe { take_box(builder) };
        if out.is_null() {
            return Err(evm_status::EVM_NULL_ARGUMENT);
        }
        let live = match b {
            // The builder's settings (limits, trusted input) go with it.
            Some(b) => b.builder.build_live(),
            None => LiveMachine::new(),
        };
        let h = evm_live {
            live,
            id: next_machine_id(),
        };
        // SAFETY: `out` is writable by the caller's contract.
        unsafe { give(out, h) }
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
        // SAFETY: NULL or a live handle, handed back for good.
        drop(unsafe { take_box(live) });
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
        let (l, n, p, version_out) = unsafe {
            (
                try_ref(live)?,
                try_name(name_ptr, name_len)?,
                try_bytes(pattern_ptr, pattern_len)?,
                try_opt_out(version_out),
            )
        };
        match l.live.add_rule(n, p) {
            Ok(v) => {
                if let Some(out) = version_out {
                    out.write(v);
                }
                Ok(())
            }
            // SAFETY: `err_out` NULL or writable by the contract.
            Err(e) => Err(unsafe { report(err_out, || evm_error::pattern(n, &e)) }),
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
        let (l, n, removed_out, version_out) = unsafe {
            (
                try_ref(live)?,
                try_name(name_ptr, name_len)?,
                try_opt_out(removed_out),
                try_opt_out(version_out),
            )
        };
        let v = l.live.remove_rule(n);
        if let Some(out) = removed_out {
            out.write(c_int::from(v.is_some()));
        }
        if let (Some(v), Some(out)) = (v, version_out) {
            out.write(v);
        }
        Ok(())
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
        // SAFETY: NULL or live, the arrays NULL or readable for `n`
        // entries, `version_out` NULL or writable, by the contract.
        let (l, names, name_lens, patterns, pattern_lens, version_out) = unsafe {
            (
                try_ref(live)?,
                try_slice(names, n)?,
                try_slice(name_lens, n)?,
                try_slice(patterns, n)?,
                try_slice(pattern_lens, n)?,
                try_opt_out(version_out),
            )
        };
        let mut rules: Vec<(&str, &[u8])> = Vec::with_capacity(n);
        for i in 0..n {
            // SAFETY: each entry is NULL or readable for its length, by the
            // contract.
            let entry = unsafe {
                (
                    try_name(names[i], name_lens[i])?,
                    try_bytes(patterns[i], pattern_lens[i])?,
                )
            };
            rules.push(entry);
        }
        match l.live.replace_rules(rules) {
            Ok(v) => {
                if let Some(out) = version_out {
                    out.write(v);
                }
                Ok(())
            }
            // SAFETY: `err_out` NULL or writable by the contract.
            Err((rule, e)) => Err(unsafe { report(err_out, || evm_error::pattern(&rule, &e)) }),
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
        // SAFETY: NULL or live, out-pointers NULL or writable, by the
        // contract.
        let (l, rule_count_out, version_out) = unsafe {
            (
                try_ref(live)?,
                try_opt_out(rule_count_out),
                try_opt_out(version_out),
            )
        };
        let snap = l.live.snapshot();
        if let Some(out) = rule_count_out {
            out.write(snap.rule_count());
        }
        if let Some(out) = version_out {
            out.write(snap.version());
        }
        Ok(())
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
        // SAFETY: NULL or live by the contract.
        let l = unsafe { try_ref(live) }?;
        // SAFETY: `out` is NULL or writable by the contract.
        unsafe { give(out, evm_scratch::for_id(l.id)) }
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
        // SAFETY: NULL or live by the contract; shared access only (the
        // scratch's mutable state sits behind its busy flag).
        let (l, s) = unsafe { (try_ref(live)?, try_ref(scratch.cast_const())?) };
        let cb = callback.ok_or(evm_status::EVM_NULL_ARGUMENT)?;
        if s.machine_id != l.id {
            return Err(EVM_INVALID_ARGUMENT);
        }
        // SAFETY: the arrays meet this function's contract.
        let (events, lens) = unsafe { try_event_arrays(events, lens, n_events) }?;
        // SAFETY: NULL or writable for `n_events` entries, and NULL or
        // writable, by the contract.
        let (status_out, version_out) = unsafe {
            (
                OutArray::optional(status_out, n_events)?,
                try_opt_out(version_out),
            )
        };
        let mut lock = s.lock()?;
        let st = lock.state();
        st.batch_status.clear();
        // One version for the whole batch.
        let snap = l.live.snapshot();
        let mut stopped = false;
        for (i, (&ptr, &len)) in events.iter().zip(lens).enumerate() {
            if stopped {
                st.batch_status.push(EVM_OK as i32);
                continue;
            }
            // SAFETY: non-NULL with a length within isize (checked by
            // `try_event_arrays`), and readable for that many bytes by the
            // caller's contract.
            let event = unsafe { std::slice::from_raw_parts(ptr, len) };
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
            st.batch_status.push(code as i32);
        }
        if let Some(out) = status_out {
            out.fill(&st.batch_status)?;
        }
        if let Some(out) = version_out {
            out.write(snap.version());
        }
        Ok(())
    })
}
