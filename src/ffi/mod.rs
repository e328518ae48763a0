//! The C ABI: the only module with `extern "C"` and `unsafe` code.
//!
//! `include/evmatch.h` is generated from this module by cbindgen (see
//! `cbindgen.toml` and `tests/header.rs`), so the doc comments here are the
//! C documentation.
//!
//! Conventions for every function:
//!
//! * Every export runs inside a panic guard; a panic inside evmatch returns
//!   `EVM_PANIC` and never unwinds into C.
//! * A NULL required pointer gives `EVM_NULL_ARGUMENT`; freeing NULL is a
//!   no-op.
//! * Out-parameters are written only on success, except the documented
//!   `EVM_BUFFER_TOO_SMALL` sizes and the `*err_out` of a pattern or event
//!   error.
//! * Byte buffers are (pointer, length) pairs and need no NUL terminator;
//!   strings handed out are NUL-terminated and also come with lengths where
//!   it matters.

#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]
#![allow(non_camel_case_types)]

mod handles;
mod live;
mod panic;

use std::ffi::{c_char, c_int, c_void};

pub use self::handles::{evm_builder, evm_error, evm_machine, evm_scratch, evm_status};
use self::panic::{guard, guard_or};
use crate::Machine;

use evm_status::{
    EVM_BUFFER_TOO_SMALL, EVM_EVENT_ERROR, EVM_INVALID_ARGUMENT, EVM_INVALID_UTF8,
    EVM_NULL_ARGUMENT, EVM_OK, EVM_PATTERN_ERROR,
};

/// Called once per matching rule by `evm_match_cb`, with the caller's `ctx`
/// and the rule's index (see `evm_machine_rule_name`). Return 0 to go on,
/// non-zero to stop. The callback must not unwind (C++ exceptions,
/// longjmp) through evmatch.
pub type evm_match_callback =
    Option<unsafe extern "C" fn(ctx: *mut c_void, rule_index: u32) -> c_int>;

static VERSION_C: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");

/// The bytes at (`ptr`, `len`), or the status to return.
///
/// # Safety
///
/// A non-NULL `ptr` must be valid for reads of `len` bytes for `'a`.
unsafe fn bytes<'a>(ptr: *const u8, len: usize) -> Result<&'a [u8], evm_status> {
    if ptr.is_null() {
        return Err(EVM_NULL_ARGUMENT);
    }
    if len > isize::MAX as usize {
        return Err(EVM_INVALID_ARGUMENT);
    }
    // SAFETY: `ptr` is non-NULL and the caller guarantees it is valid for
    // reads of `len` bytes; `len` fits in isize.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// The event pointer and length arrays of a batch call, checked: no NULL
/// array (unless empty) or event, sizes within isize.
///
/// # Safety
///
/// Non-NULL `events` and `lens` must be readable for `n` entries for `'a`.
pub(crate) unsafe fn batch_arrays<'a>(
    events: *const *const u8,
    lens: *const usize,
    n: usize,
) -> Result<(&'a [*const u8], &'a [usize]), evm_status> {
    if n >= isize::MAX as usize / std::mem::size_of::<usize>() {
        return Err(EVM_INVALID_ARGUMENT);
    }
    if n == 0 {
        return Ok((&[], &[]));
    }
    if events.is_null() || lens.is_null() {
        return Err(EVM_NULL_ARGUMENT);
    }
    // SAFETY: non-NULL and readable for `n` entries by the caller's
    // contract; the size fits in isize (checked above).
    let (events, lens) = unsafe {
        (
            std::slice::from_raw_parts(events, n),
            std::slice::from_raw_parts(lens, n),
        )
    };
    if events.iter().any(|e| e.is_null()) {
        return Err(EVM_NULL_ARGUMENT);
    }
    if lens.iter().any(|&l| l > isize::MAX as usize) {
        return Err(EVM_INVALID_ARGUMENT);
    }
    Ok((events, lens))
}

/// Hands `err` to the caller through `err_out` when it is not NULL.
///
/// # Safety
///
/// A non-NULL `err_out` must be valid for a pointer-sized write.
unsafe fn report(err_out: *mut *mut evm_error, err: impl FnOnce() -> evm_error) {
    if !err_out.is_null() {
        // SAFETY: non-NULL and, by the caller's contract, writable.
        unsafe { err_out.write(Box::into_raw(Box::new(err()))) };
    }
}

/// The empty C string handed out for missing strings.
fn empty_c_str() -> *const c_char {
    static EMPTY: [u8; 1] = [0];
    EMPTY.as_ptr().cast()
}

/// The library version, such as "0.1.0": a static NUL-terminated string
/// owned by evmatch (do not free). Thread-safe.
#[no_mangle]
pub unsafe extern "C" fn evm_version() -> *const c_char {
    guard_or(std::ptr::null(), || VERSION_C.as_ptr().cast())
}

/// Creates an empty builder with default limits and writes it to `*out`.
///
/// Ownership: the caller owns the builder and must pass it to
/// `evm_builder_build` (which consumes it) or `evm_builder_free`.
/// Thread safety: a builder may be used by one thread at a time.
///
/// Returns `EVM_OK`, or `EVM_NULL_ARGUMENT` if `out` is NULL.
///
/// # Safety
///
/// `out` must be NULL or valid for a pointer-sized write.
#[no_mangle]
pub unsafe extern "C" fn evm_builder_new(out: *mut *mut evm_builder) -> evm_status {
    guard(|| {
        if out.is_null() {
            return EVM_NULL_ARGUMENT;
        }
        let b = Box::new(evm_builder {
            builder: Machine::builder(),
        });
        // SAFETY: `out` is non-NULL and writable by the caller's contract.
        unsafe { out.write(Box::into_raw(b)) };
        EVM_OK
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
        if builder.is_null() {
            return EVM_NULL_ARGUMENT;
        }
        // SAFETY: readable for the lengths by the caller's contract.
        let name = match unsafe { bytes(name_ptr, name_len) } {
            Ok(n) => n,
            Err(s) => return s,
        };
        // SAFETY: readable for the lengths by the caller's contract.
        let pattern = match unsafe { bytes(pattern_ptr, pattern_len) } {
            Ok(p) => p,
            Err(s) => return s,
        };
        let Ok(name) = std::str::from_utf8(name) else {
            return EVM_INVALID_UTF8;
        };
        // SAFETY: non-NULL, and a live builder used by this thread only, by
        // the caller's contract; no other reference to it exists here.
        let b = unsafe { &mut (*builder).builder };
        match b.add_rule(name, pattern) {
            Ok(_) => EVM_OK,
            Err(e) => {
                // SAFETY: `err_out` is NULL or writable by the contract.
                unsafe { report(err_out, || evm_error::pattern(name, &e)) };
                EVM_PATTERN_ERROR
            }
        }
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
        if builder.is_null() {
            return EVM_NULL_ARGUMENT;
        }
        // SAFETY: a live builder from `Box::into_raw`, handed over to us by
        // the caller (this function consumes it).
        let b = unsafe { Box::from_raw(builder) };
        if out.is_null() {
            return EVM_NULL_ARGUMENT;
        }
        let m = Box::new(evm_machine::new(b.builder.build()));
        // SAFETY: `out` is non-NULL and writable by the caller's contract.
        unsafe { out.write(Box::into_raw(m)) };
        EVM_OK
    })
}

/// Frees a builder that was not passed to `evm_builder_build`. NULL is a
/// no-op. Thread safety: the builder must not be in use by another thread.
///
/// # Safety
///
/// `builder` must be NULL or a live builder; it is invalid afterwards.
#[no_mangle]
pub unsafe extern "C" fn evm_builder_free(builder: *mut evm_builder) {
    guard_or((), || {
        if !builder.is_null() {
            // SAFETY: a live builder from `Box::into_raw`, given back to us.
            drop(unsafe { Box::from_raw(builder) });
        }
    })
}

/// Frees a machine. NULL is a no-op. Scratches created from it may still be
/// freed afterwards (but not used).
///
/// Thread safety: no other thread may be using the machine (or be about to):
/// free it after all matching threads are done.
///
/// # Safety
///
/// `machine` must be NULL or a live machine; it is invalid afterwards.
#[no_mangle]
pub unsafe extern "C" fn evm_machine_free(machine: *mut evm_machine) {
    guard_or((), || {
        if !machine.is_null() {
            // SAFETY: a live machine from `Box::into_raw`, given back to us
            // with no other users by the caller's contract.
            drop(unsafe { Box::from_raw(machine) });
        }
    })
}

/// Writes the number of rules (distinct names) in the machine to
/// `*count_out`. Rule indexes run from 0 to count - 1.
///
/// Returns `EVM_OK`, or `EVM_NULL_ARGUMENT`. Thread-safe.
///
/// # Safety
///
/// `machine` must be NULL or a live machine; `count_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn evm_machine_rule_count(
    machine: *const evm_machine,
    count_out: *mut usize,
) -> evm_status {
    guard(|| {
        if machine.is_null() || count_out.is_null() {
            return EVM_NULL_ARGUMENT;
        }
        // SAFETY: non-NULL live machine (immutable, shareable) and a
        // writable `count_out`, by the caller's contract.
        unsafe { count_out.write((*machine).machine.rule_count()) };
        EVM_OK
    })
}

/// The name of rule `index`: writes a pointer to its UTF-8 bytes to
/// `*ptr_out` and their length (without the terminator) to `*len_out`. The
/// bytes are followed by a NUL byte, so `*ptr_out` is also a C string (cut
/// short if the name itself holds a NUL).
///
/// Rule indexes are 0, 1, 2, ... in the order the names were first added
/// to the builder (adding a pattern under an existing name keeps its
/// index); the match functions report rules in increasing index order.
///
/// Ownership: the name belongs to the machine and lives until
/// `evm_machine_free`; do not free it. `len_out` may be NULL.
/// Thread-safe.
///
/// Returns `EVM_OK`; `EVM_INVALID_ARGUMENT` if `index` is not below the rule
/// count; `EVM_NULL_ARGUMENT` if `machine` or `ptr_out` is NULL.
///
/// # Safety
///
/// `machine` must be NULL or a live machine; `ptr_out` and `len_out` NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn evm_machine_rule_name(
    machine: *const evm_machine,
    index: usize,
    ptr_out: *mut *const c_char,
    len_out: *mut usize,
) -> evm_status {
    guard(|| {
        if machine.is_null() || ptr_out.is_null() {
            return EVM_NULL_ARGUMENT;
        }
        // SAFETY: a live machine by the caller's contract; shared access.
        let m = unsafe { &*machine };
        let Some(name) = m.names.get(index) else {
            return EVM_INVALID_ARGUMENT;
        };
        // SAFETY: `ptr_out` non-NULL and writable; `len_out` checked for
        // NULL and writable otherwise, by the caller's contract.
        unsafe {
            ptr_out.write(name.as_ptr().cast());
            if !len_out.is_null() {
                len_out.write(name.len() - 1);
            }
        }
        EVM_OK
    })
}

/// Creates scratch space for matching with `machine` and writes it to
/// `*out`. A scratch works only with the machine it was created for.
///
/// Ownership: the caller owns the scratch and frees it with
/// `evm_scratch_free` (before or after the machine).
/// Thread safety: creating is thread-safe; a scratch may be used by one
/// thread at a time, so give each matching thread its own.
///
/// Returns `EVM_OK`, or `EVM_NULL_ARGUMENT`.
///
/// # Safety
///
/// `machine` must be NULL or a live machine; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn evm_scratch_new(
    machine: *const evm_machine,
    out: *mut *mut evm_scratch,
) -> evm_status {
    guard(|| {
        if machine.is_null() || out.is_null() {
            return EVM_NULL_ARGUMENT;
        }
        // SAFETY: a live machine by the caller's contract; shared access.
        let s = Box::new(evm_scratch::new(unsafe { &*machine }));
        // SAFETY: `out` is non-NULL and writable by the caller's contract.
        unsafe { out.write(Box::into_raw(s)) };
        EVM_OK
    })
}

/// Frees a scratch. NULL is a no-op. Thread safety: the scratch must not be
/// in use by another thread.
///
/// # Safety
///
/// `scratch` must be NULL or a live scratch; it is invalid afterwards.
#[no_mangle]
pub unsafe extern "C" fn evm_scratch_free(scratch: *mut evm_scratch) {
    guard_or((), || {
        if !scratch.is_null() {
            // SAFETY: a live scratch from `Box::into_raw`, given back to us.
            drop(unsafe { Box::from_raw(scratch) });
        }
    })
}

/// Checks the machine and scratch arguments shared by the match functions.
///
/// # Safety
///
/// Each pointer must be NULL or live.
unsafe fn machine_and_scratch<'a>(
    machine: *const evm_machine,
    scratch: *mut evm_scratch,
) -> Result<(&'a evm_machine, &'a evm_scratch), evm_status> {
    if machine.is_null() || scratch.is_null() {
        return Err(EVM_NULL_ARGUMENT);
    }
    // SAFETY: both live by the caller's contract. Only shared references are
    // made: the scratch's mutable state sits behind its busy flag.
    let (m, s) = unsafe { (&*machine, &*scratch) };
    if s.machine_id != m.id {
        return Err(EVM_INVALID_ARGUMENT);
    }
    Ok((m, s))
}

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
        let (m, s) = match unsafe { machine_and_scratch(machine, scratch) } {
            Ok(ms) => ms,
            Err(st) => return st,
        };
        if n_out.is_null() || (ids_out.is_null() && ids_cap != 0) {
            return EVM_NULL_ARGUMENT;
        }
        // SAFETY: readable for `event_len` bytes by the caller's contract.
        let event = match unsafe { bytes(event_ptr, event_len) } {
            Ok(e) => e,
            Err(st) => return st,
        };
        let Some(mut lock) = s.lock() else {
            return EVM_INVALID_ARGUMENT;
        };
        let st = lock.state();
        st.ids.clear();
        if let Err(e) = m.machine.find(&mut st.scratch, event, &mut st.ids) {
            // SAFETY: `err_out` is NULL or writable by the contract.
            unsafe { report(err_out, || evm_error::event(&e)) };
            return EVM_EVENT_ERROR;
        }
        let n = st.ids.len();
        if n > ids_cap {
            // SAFETY: `n_out` is non-NULL and writable by the contract.
            unsafe { n_out.write(n) };
            return EVM_BUFFER_TOO_SMALL;
        }
        for (i, id) in st.ids.iter().enumerate() {
            // SAFETY: i < n <= ids_cap and `ids_out` (non-NULL since
            // ids_cap > 0 here) is writable for `ids_cap` entries.
            unsafe { ids_out.add(i).write(id.as_usize() as u32) };
        }
        // SAFETY: `n_out` is non-NULL and writable by the contract.
        unsafe { n_out.write(n) };
        EVM_OK
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
        let (m, s) = match unsafe { machine_and_scratch(machine, scratch) } {
            Ok(ms) => ms,
            Err(st) => return st,
        };
        let Some(callback) = callback else {
            return EVM_NULL_ARGUMENT;
        };
        // SAFETY: readable for `event_len` bytes by the caller's contract.
        let event = match unsafe { bytes(event_ptr, event_len) } {
            Ok(e) => e,
            Err(st) => return st,
        };
        let Some(mut lock) = s.lock() else {
            return EVM_INVALID_ARGUMENT;
        };
        let st = lock.state();
        st.ids.clear();
        if let Err(e) = m.machine.find(&mut st.scratch, event, &mut st.ids) {
            // SAFETY: `err_out` is NULL or writable by the contract.
            unsafe { report(err_out, || evm_error::event(&e)) };
            return EVM_EVENT_ERROR;
        }
        for id in &st.ids {
            // SAFETY: a valid C function by the caller's contract; `ctx` is
            // passed back untouched. Re-entrant calls on this scratch are
            // refused by its busy flag, so `st` is not aliased.
            if unsafe { callback(ctx, id.as_usize() as u32) } != 0 {
                break;
            }
        }
        EVM_OK
    })
}

/// Matches a batch of events in one call. Event `i` is the
/// `lens[i]` bytes at `events[i]`. Its matching rule indexes (ascending,
/// each once) are written to `ids_out[offsets_out[i] .. offsets_out[i+1]]`;
/// `offsets_out` has `n_events + 1` entries and `offsets_out[n_events]` is
/// the total. If `status_out` is not NULL, `status_out[i]` is 0 (`EVM_OK`)
/// or `EVM_EVENT_ERROR` for an event that is not a JSON object; such an
/// event has an empty range (call `evm_match` on it for the details).
/// `*needed_out` receives the total number of matches.
///
/// Returns:
/// * `EVM_OK` when the batch was processed, even if some events were
///   invalid (see `status_out`).
/// * `EVM_BUFFER_TOO_SMALL`: the total exceeds `ids_cap`; `*needed_out` is
///   the total and nothing else is written. Call again with a larger buffer.
/// * `EVM_NULL_ARGUMENT`: `machine`, `scratch`, `offsets_out` or
///   `needed_out` is NULL; `events` or `lens` is NULL while `n_events` is
///   not 0; some `events[i]` is NULL; `ids_out` is NULL while `ids_cap` is
///   not 0.
/// * `EVM_INVALID_ARGUMENT`: as for `evm_match`, or a length is too large.
///
/// The batch crosses the C boundary once; once the scratch is warm, the C
/// layer allocates nothing per event. Thread safety as for `evm_match`.
///
/// # Safety
///
/// `machine` and `scratch` NULL or live; `events` and `lens` NULL or
/// readable for `n_events` entries, each `events[i]` NULL or readable for
/// `lens[i]` bytes; `ids_out` NULL or writable for `ids_cap` entries;
/// `offsets_out` NULL or writable for `n_events + 1` entries; `status_out`
/// NULL or writable for `n_events` entries; `needed_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn evm_match_batch(
    machine: *const evm_machine,
    scratch: *mut evm_scratch,
    events: *const *const u8,
    lens: *const usize,
    n_events: usize,
    ids_out: *mut u32,
    ids_cap: usize,
    offsets_out: *mut usize,
    status_out: *mut i32,
    needed_out: *mut usize,
) -> evm_status {
    guard(|| {
        // SAFETY: the arrays meet this function's contract.
        let (events, lens) = match unsafe { batch_arrays(events, lens, n_events) } {
            Ok(el) => el,
            Err(st) => return st,
        };
        let event_at = |i: usize| {
            // SAFETY: non-NULL (checked by `batch_arrays`) and readable for
            // `lens[i]` bytes by the caller's contract.
            unsafe { bytes(events[i], lens[i]) }.map(Some)
        };
        // SAFETY: the pointers meet the contract of `run_batch` by this
        // function's contract.
        unsafe {
            run_batch(
                machine,
                scratch,
                n_events,
                event_at,
                BatchOut {
                    ids_out,
                    ids_cap,
                    offsets_out,
                    status_out,
                    needed_out,
                },
            )
        }
    })
}

/// Where events are stored inside records, for `evm_match_batch_records`:
/// the event of a record at address `r` is the `*(size_t *)(r +
/// len_offset)` bytes at `r + data_offset`, and the record is taken only if
/// the pointer-sized word at `r + tag_offset` equals `tag`.
///
/// This fits runtimes whose byte strings are objects with a header: a
/// CPython `bytes` object, for instance, has its type pointer at offset 8,
/// its length at 16 and its bytes at 32 (on 64-bit builds; check before
/// relying on it), so a list of such objects can be matched without making
/// pointer and length arrays first.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct evm_record_layout {
    /// Offset of the tag word in each record.
    pub tag_offset: usize,
    /// The tag a record must carry to be read (e.g. a type pointer).
    pub tag: usize,
    /// Offset of the event's length in bytes (a `size_t`; a value above
    /// `PTRDIFF_MAX` refuses the record).
    pub len_offset: usize,
    /// Offset of the event's first byte.
    pub data_offset: usize,
}

/// As `evm_match_batch`, for events stored inside records (see
/// `evm_record_layout`): event `i` is read from the record at `records[i]`.
/// A record whose tag differs from `layout->tag`, or whose length exceeds
/// `PTRDIFF_MAX`, is not read further: its `status_out[i]` is
/// `EVM_INVALID_ARGUMENT` and its range is empty.
///
/// Returns as `evm_match_batch`; `EVM_NULL_ARGUMENT` also for a NULL
/// `layout`, for a NULL `records` while `n_records` is not 0, and for a NULL
/// `records[i]`.
///
/// # Safety
///
/// As `evm_match_batch` for `machine`, `scratch` and the outputs; `layout`
/// NULL or readable; `records` NULL or readable for `n_records` entries;
/// each `records[i]` NULL or a record readable for the tag word, and, if
/// its tag matches, for the length and for that many bytes at
/// `data_offset`; none of them changes during the call.
#[no_mangle]
pub unsafe extern "C" fn evm_match_batch_records(
    machine: *const evm_machine,
    scratch: *mut evm_scratch,
    records: *const *const c_void,
    n_records: usize,
    layout: *const evm_record_layout,
    ids_out: *mut u32,
    ids_cap: usize,
    offsets_out: *mut usize,
    status_out: *mut i32,
    needed_out: *mut usize,
) -> evm_status {
    guard(|| {
        if layout.is_null() {
            return EVM_NULL_ARGUMENT;
        }
        // SAFETY: non-NULL and readable by the contract.
        let layout = unsafe { layout.read() };
        if n_records >= isize::MAX as usize / std::mem::size_of::<usize>() {
            return EVM_INVALID_ARGUMENT;
        }
        let records: &[*const c_void] = if n_records == 0 {
            &[]
        } else if records.is_null() {
            return EVM_NULL_ARGUMENT;
        } else {
            // SAFETY: non-NULL and readable for `n_records` entries by the
            // contract; the size fits in isize (checked above).
            unsafe { std::slice::from_raw_parts(records, n_records) }
        };
        if records.iter().any(|r| r.is_null()) {
            return EVM_NULL_ARGUMENT;
        }
        let event_at = |i: usize| {
            let r = records[i].cast::<u8>();
            // SAFETY: a non-NULL record (checked) is readable for its tag
            // word by the caller's contract (read unaligned: the layout is
            // the caller's).
            let tag = unsafe {
                r.wrapping_add(layout.tag_offset)
                    .cast::<usize>()
                    .read_unaligned()
            };
            if tag != layout.tag {
                return Ok(None);
            }
            // SAFETY: a record with the right tag is readable for its
            // length by the contract.
            let len = unsafe {
                r.wrapping_add(layout.len_offset)
                    .cast::<usize>()
                    .read_unaligned()
            };
            if len > isize::MAX as usize {
                return Ok(None);
            }
            // SAFETY: and for `len` bytes at `data_offset`, unchanged
            // during the call.
            Ok(Some(unsafe {
                std::slice::from_raw_parts(r.wrapping_add(layout.data_offset), len)
            }))
        };
        // SAFETY: the pointers meet the contract of `run_batch` by this
        // function's contract.
        unsafe {
            run_batch(
                machine,
                scratch,
                n_records,
                event_at,
                BatchOut {
                    ids_out,
                    ids_cap,
                    offsets_out,
                    status_out,
                    needed_out,
                },
            )
        }
    })
}

/// The output arguments of the batch functions.
struct BatchOut {
    ids_out: *mut u32,
    ids_cap: usize,
    offsets_out: *mut usize,
    status_out: *mut i32,
    needed_out: *mut usize,
}

/// The body of the batch functions: matches the `n` events that `event_at`
/// gives (`Ok(None)`: a record refused, status `EVM_INVALID_ARGUMENT`;
/// `Err`: a status for the whole call) and writes the outputs.
///
/// # Safety
///
/// `machine` and `scratch` NULL or live; the outputs as in the contract of
/// `evm_match_batch` for `n` events.
unsafe fn run_batch<'e>(
    machine: *const evm_machine,
    scratch: *mut evm_scratch,
    n: usize,
    event_at: impl Fn(usize) -> Result<Option<&'e [u8]>, evm_status>,
    out: BatchOut,
) -> evm_status {
    let BatchOut {
        ids_out,
        ids_cap,
        offsets_out,
        status_out,
        needed_out,
    } = out;
    // SAFETY: the pointers meet the contract of this function.
    let (m, s) = match unsafe { machine_and_scratch(machine, scratch) } {
        Ok(ms) => ms,
        Err(st) => return st,
    };
    if offsets_out.is_null() || needed_out.is_null() || (ids_out.is_null() && ids_cap != 0) {
        return EVM_NULL_ARGUMENT;
    }
    let Some(mut lock) = s.lock() else {
        return EVM_INVALID_ARGUMENT;
    };
    let st = lock.state();
    st.batch_ids.clear();
    st.batch_offsets.clear();
    st.batch_status.clear();
    st.batch_offsets.push(0);
    for i in 0..n {
        let code = match event_at(i) {
            Err(code) => return code,
            Ok(None) => EVM_INVALID_ARGUMENT,
            Ok(Some(event)) => {
                st.ids.clear();
                match m.machine.find(&mut st.scratch, event, &mut st.ids) {
                    Ok(()) => {
                        st.batch_ids
                            .extend(st.ids.iter().map(|id| id.as_usize() as u32));
                        EVM_OK
                    }
                    Err(_) => EVM_EVENT_ERROR,
                }
            }
        };
        st.batch_status.push(code as i32);
        st.batch_offsets.push(st.batch_ids.len());
    }
    let total = st.batch_ids.len();
    // SAFETY: `needed_out` is non-NULL and writable by the contract.
    unsafe { needed_out.write(total) };
    if total > ids_cap {
        return EVM_BUFFER_TOO_SMALL;
    }
    // SAFETY: the destinations are writable for `ids_cap >= total`, `n + 1`
    // and `n` entries by the caller's contract (`ids_out` is non-NULL when
    // total > 0 since then ids_cap > 0), and cannot overlap our own buffers.
    unsafe {
        if total > 0 {
            std::ptr::copy_nonoverlapping(st.batch_ids.as_ptr(), ids_out, total);
        }
        std::ptr::copy_nonoverlapping(st.batch_offsets.as_ptr(), offsets_out, n + 1);
        if !status_out.is_null() && n > 0 {
            std::ptr::copy_nonoverlapping(st.batch_status.as_ptr(), status_out, n);
        }
    }
    EVM_OK
}

/// Shared access to an error, or `None` for NULL.
///
/// # Safety
///
/// `err` must be NULL or a live error.
unsafe fn error_ref<'a>(err: *const evm_error) -> Option<&'a evm_error> {
    // SAFETY: NULL or live by the caller's contract; errors are immutable.
    unsafe { err.as_ref() }
}

/// Which call failed: `EVM_PATTERN_ERROR` or `EVM_EVENT_ERROR`
/// (`EVM_NULL_ARGUMENT` for NULL). Thread-safe (errors are immutable).
///
/// # Safety
///
/// `err` must be NULL or a live error.
#[no_mangle]
pub unsafe extern "C" fn evm_error_status(err: *const evm_error) -> evm_status {
    // SAFETY: NULL or live by this function's contract.
    guard(|| unsafe { error_ref(err) }.map_or(EVM_NULL_ARGUMENT, |e| e.status))
}

/// The stable kind code: for a pattern error the pattern kind code (1
/// syntax, 2 not an object, 3 structure, 4 unknown operator, 5 operand, 6
/// numeric, 7 cidr, 8 wildcard, 9 too complex, 10 too many combinations, 11
/// too large, 12 too deep); for an event error the event kind code (1
/// syntax, 2 not an object, 3 too deep). Tell the two apart with
/// `evm_error_status`. 0 for NULL. Thread-safe.
///
/// # Safety
///
/// `err` must be NULL or a live error.
#[no_mangle]
pub unsafe extern "C" fn evm_error_kind(err: *const evm_error) -> u32 {
    // SAFETY: NULL or live by this function's contract.
    guard_or(0, || unsafe { error_ref(err) }.map_or(0, |e| e.kind))
}

/// The one-line message, NUL-terminated (NUL bytes inside it are shown as
/// U+FFFD). Owned by the error: valid until `evm_error_free`. "" for NULL.
/// Thread-safe.
///
/// # Safety
///
/// `err` must be NULL or a live error.
#[no_mangle]
pub unsafe extern "C" fn evm_error_message(err: *const evm_error) -> *const c_char {
    guard_or(empty_c_str(), || {
        // SAFETY: NULL or live by this function's contract.
        unsafe { error_ref(err) }.map_or(empty_c_str(), |e| e.message.as_ptr())
    })
}

/// For a pattern error, the JSON path of the offending spot, such as
/// "$.detail.state" (NUL-terminated, owned by the error); "" for event
/// errors and NULL. Thread-safe.
///
/// # Safety
///
/// `err` must be NULL or a live error.
#[no_mangle]
pub unsafe extern "C" fn evm_error_path(err: *const evm_error) -> *const c_char {
    guard_or(empty_c_str(), || {
        // SAFETY: NULL or live by this function's contract.
        unsafe { error_ref(err) }.map_or(empty_c_str(), |e| e.path.as_ptr())
    })
}

/// The byte offset of the problem in the pattern or event text; 0 for NULL.
/// Thread-safe.
///
/// # Safety
///
/// `err` must be NULL or a live error.
#[no_mangle]
pub unsafe extern "C" fn evm_error_offset(err: *const evm_error) -> usize {
    // SAFETY: NULL or live by this function's contract.
    guard_or(0, || unsafe { error_ref(err) }.map_or(0, |e| e.offset))
}

/// For a pattern error, the name of the rule being added (NUL-terminated,
/// owned by the error; NUL bytes shown as U+FFFD); "" for event errors and
/// NULL. Thread-safe.
///
/// # Safety
///
/// `err` must be NULL or a live error.
#[no_mangle]
pub unsafe extern "C" fn evm_error_rule(err: *const evm_error) -> *const c_char {
    guard_or(empty_c_str(), || {
        // SAFETY: NULL or live by this function's contract.
        unsafe { error_ref(err) }.map_or(empty_c_str(), |e| e.rule.as_ptr())
    })
}

/// Frees an error and the strings it handed out. NULL is a no-op. The error
/// must not be in use by another thread.
///
/// # Safety
///
/// `err` must be NULL or a live error; it is invalid afterwards.
#[no_mangle]
pub unsafe extern "C" fn evm_error_free(err: *mut evm_error) {
    guard_or((), || {
        if !err.is_null() {
            // SAFETY: a live error from `Box::into_raw`, given back to us.
            drop(unsafe { Box::from_raw(err) });
        }
    })
}

#[cfg(test)]
mod tests;
