//! The opaque handle types and the status enum of the C ABI.
//!
//! The names follow C conventions (`evm_builder`, `EVM_OK`) because cbindgen
//! copies them into `include/evmatch.h` as they are.

#![allow(non_camel_case_types)]

use std::cell::UnsafeCell;
use std::ffi::CString;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::{EventError, Machine, MachineBuilder, PatternError, RuleId, Scratch};

/// The result of every `evm_` function that can fail.
///
/// The values are stable and part of the ABI. Out-parameters are written
/// only on `EVM_OK`, except where a function documents otherwise
/// (`EVM_BUFFER_TOO_SMALL` writes the needed size; `EVM_PATTERN_ERROR` and
/// `EVM_EVENT_ERROR` write `*err_out`).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum evm_status {
    /// Success.
    EVM_OK = 0,
    /// A pattern could not be compiled; details in the `evm_error`.
    EVM_PATTERN_ERROR = 1,
    /// An event could not be matched (not JSON, not an object, too deep);
    /// details in the `evm_error`.
    EVM_EVENT_ERROR = 2,
    /// A required pointer argument was NULL.
    EVM_NULL_ARGUMENT = 3,
    /// A rule name was not valid UTF-8.
    EVM_INVALID_UTF8 = 4,
    /// The caller's output buffer is too small; the needed size was written.
    EVM_BUFFER_TOO_SMALL = 5,
    /// An argument is out of range (index, length), or a scratch was used
    /// with a machine it was not created for, or by two calls at once.
    EVM_INVALID_ARGUMENT = 6,
    /// evmatch panicked (a bug); the call had no effect on its outputs.
    EVM_PANIC = 7,
}

/// Collects rules; turned into an `evm_machine` by `evm_builder_build`.
/// Opaque. Not thread-safe: one thread at a time.
#[derive(Debug)]
pub struct evm_builder {
    pub(crate) builder: MachineBuilder,
}

/// A compiled, immutable set of named rules. Opaque. Thread-safe: any
/// number of threads may match with one machine at once (each with its
/// own `evm_scratch`).
#[derive(Debug)]
pub struct evm_machine {
    pub(crate) machine: Machine,
    /// Identifies the machine for the scratches created from it.
    pub(crate) id: u64,
    /// Each rule name followed by a NUL byte, by rule index.
    pub(crate) names: Vec<Box<[u8]>>,
}

pub(crate) static NEXT_MACHINE_ID: AtomicU64 = AtomicU64::new(1);

impl evm_machine {
    pub(crate) fn new(machine: Machine) -> evm_machine {
        let names = machine
            .rule_names()
            .map(|n| {
                let mut v = Vec::with_capacity(n.len() + 1);
                v.extend_from_slice(n.as_bytes());
                v.push(0);
                v.into_boxed_slice()
            })
            .collect();
        evm_machine {
            machine,
            id: NEXT_MACHINE_ID.fetch_add(1, Ordering::Relaxed),
            names,
        }
    }
}

/// Per-thread working memory for matching with one machine. Opaque. Not
/// thread-safe: one call at a time (a second concurrent call on the same
/// scratch is refused with `EVM_INVALID_ARGUMENT`).
#[derive(Debug)]
pub struct evm_scratch {
    pub(crate) machine_id: u64,
    busy: AtomicBool,
    state: UnsafeCell<ScratchState>,
}

/// Buffers reused across calls so that warm matching does not allocate in
/// the C layer.
#[derive(Debug, Default)]
pub(crate) struct ScratchState {
    pub(crate) scratch: Scratch,
    pub(crate) ids: Vec<RuleId>,
    pub(crate) batch_ids: Vec<u32>,
    pub(crate) batch_offsets: Vec<usize>,
    pub(crate) batch_status: Vec<i32>,
}

impl evm_scratch {
    pub(crate) fn new(machine: &evm_machine) -> evm_scratch {
        evm_scratch::for_id(machine.id)
    }

    /// A scratch for the machine (or live machine) with handle id `id`.
    pub(crate) fn for_id(id: u64) -> evm_scratch {
        evm_scratch {
            machine_id: id,
            busy: AtomicBool::new(false),
            state: UnsafeCell::new(ScratchState::default()),
        }
    }

    /// Exclusive access to the buffers, or `None` if another call holds
    /// them (concurrent misuse from two threads, or re-entry from a match
    /// callback).
    pub(crate) fn lock(&self) -> Option<ScratchLock<'_>> {
        self.busy
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .ok()
            .map(|_| ScratchLock { owner: self })
    }
}

/// Exclusive access to a scratch's buffers; released on drop (also while
/// unwinding from a panic).
pub(crate) struct ScratchLock<'a> {
    owner: &'a evm_scratch,
}

impl ScratchLock<'_> {
    pub(crate) fn state(&mut self) -> &mut ScratchState {
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

/// Details of a failed call: a pattern that did not compile or an event that
/// could not be matched. Opaque; owned by the caller, who frees it with
/// `evm_error_free`. Immutable, so it may be read from any thread.
#[derive(Debug)]
pub struct evm_error {
    pub(crate) status: evm_status,
    pub(crate) kind: u32,
    pub(crate) offset: usize,
    pub(crate) message: CString,
    pub(crate) path: CString,
    pub(crate) rule: CString,
}

/// `s` as a C string; NUL bytes inside it (possible in JSON text and rule
/// names) become U+FFFD so the C string is not cut short.
pub(crate) fn c_string(s: &str) -> CString {
    let owned;
    let s = if s.contains('\0') {
        owned = s.replace('\0', "\u{FFFD}");
        &owned
    } else {
        s
    };
    CString::new(s).unwrap_or_default()
}

impl evm_error {
    pub(crate) fn pattern(rule: &str, e: &PatternError) -> evm_error {
        evm_error {
            status: evm_status::EVM_PATTERN_ERROR,
            kind: e.kind().code(),
            offset: e.offset(),
            message: c_string(e.message()),
            path: c_string(e.path()),
            rule: c_string(rule),
        }
    }

    pub(crate) fn event(e: &EventError) -> evm_error {
        evm_error {
            status: evm_status::EVM_EVENT_ERROR,
            kind: e.kind().code(),
            offset: e.offset(),
            message: c_string(e.message()),
            path: CString::default(),
            rule: CString::default(),
        }
    }
}
