//! `evm_scratch`: the per-thread working memory of matching, with the busy
//! flag that refuses a second concurrent (or re-entrant) call on one
//! scratch instead of letting two calls share its buffers.

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicBool, Ordering};

use super::batch::evm_line_span;
use super::error::evm_status::{self, EVM_INVALID_ARGUMENT};
use super::machine::evm_machine;
use super::panic::{guard, guard_or};
use super::ptr::{give, take_box, try_ref};
use crate::{RuleId, Scratch};

/// Per-thread working memory for matching with one machine. Opaque. Not
/// thread-safe: one call at a time (a second concurrent call on the same
/// scratch is refused with `EVM_INVALID_ARGUMENT`).
#[derive(Debug)]
pub struct evm_scratch {
    /// The handle id of the machine or live machine it was made for.
    pub(super) machine_id: u64,
    busy: AtomicBool,
    state: UnsafeCell<ScratchState>,
}

/// Buffers reused across calls so that warm matching does not allocate in
/// the C layer.
#[derive(Debug, Default)]
pub(super) struct ScratchState {
    pub(super) scratch: Scratch,
    pub(super) ids: Vec<RuleId>,
    pub(super) batch_ids: Vec<u32>,
    pub(super) batch_offsets: Vec<usize>,
    pub(super) batch_status: Vec<i32>,
    pub(super) batch_spans: Vec<evm_line_span>,
}

impl evm_scratch {
    /// A scratch for the machine (or live machine) with handle id `id`.
    pub(super) fn for_id(id: u64) -> evm_scratch {
        evm_scratch {
            machine_id: id,
            busy: AtomicBool::new(false),
            state: UnsafeCell::new(ScratchState::default()),
        }
    }

    /// Exclusive access to the buffers, or `EVM_INVALID_ARGUMENT` if
    /// another call holds them (concurrent misuse from two threads, or
    /// re-entry from a match callback).
    pub(super) fn lock(&self) -> Result<ScratchLock<'_>, evm_status> {
        self.busy
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .map(|_| ScratchLock { owner: self })
            .map_err(|_| EVM_INVALID_ARGUMENT)
    }
}

/// Exclusive access to a scratch's buffers; released on drop (also while
/// unwinding from a panic).
pub(super) struct ScratchLock<'a> {
    owner: &'a evm_scratch,
}

impl ScratchLock<'_> {
    pub(super) fn state(&mut self) -> &mut ScratchState {
        // SAFETY: `lock` set `busy` from false to true with Acquire ordering,
        // so this lock is the only one alive for this scratch; the state is
        // reached only through a lock, so no other reference to it exists
        // until `drop` clears the flag. `&mut self` ties the borrow to the
        // lock.
        unsafe { &mut *self.owner.state.get() }
    }
}

impl Drop for ScratchLock<'_> {
    fn drop(&mut self) {
        self.owner.busy.store(false, Ordering::Release);
    }
}

/// Checks the machine and scratch arguments shared by the match functions:
/// both non-NULL, the scratch made for this machine.
///
/// # Safety
///
/// Each pointer must be NULL or live for `'a`.
pub(super) unsafe fn machine_and_scratch<'a>(
    machine: *const evm_machine,
    scratch: *mut evm_scratch,
) -> Result<(&'a evm_machine, &'a evm_scratch), evm_status> {
    // SAFETY: both NULL or live by the caller's contract. Only shared
    // references are made: the scratch's mutable state sits behind its busy
    // flag.
    let (m, s) = unsafe { (try_ref(machine)?, try_ref(scratch.cast_const())?) };
    if s.machine_id != m.id {
        return Err(EVM_INVALID_ARGUMENT);
    }
    Ok((m, s))
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
        // SAFETY: NULL or a live machine by the caller's contract; shared
        // access.
        let m = unsafe { try_ref(machine) }?;
        // SAFETY: `out` is NULL or writable by the caller's contract.
        unsafe { give(out, evm_scratch::for_id(m.id)) }
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
        // SAFETY: NULL or a live scratch handed back for good.
        drop(unsafe { take_box(scratch) });
    })
}
