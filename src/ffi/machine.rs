//! `evm_machine`: a compiled rule set, its rule names and its lifetime.

use std::ffi::c_char;
use std::sync::atomic::{AtomicU64, Ordering};

use super::error::evm_status::{self, EVM_INVALID_ARGUMENT};
use super::panic::{guard, guard_or};
use super::ptr::{take_box, try_opt_out, try_out, try_ref};
use crate::Machine;

/// A compiled, immutable set of named rules. Opaque. Thread-safe: any
/// number of threads may match with one machine at once (each with its
/// own `evm_scratch`).
#[derive(Debug)]
pub struct evm_machine {
    pub(super) machine: Machine,
    /// Identifies the machine for the scratches created from it.
    pub(super) id: u64,
    /// Each rule name followed by a NUL byte, by rule index.
    names: Vec<Box<[u8]>>,
}

/// The next handle id of a machine or live machine; a scratch remembers the
/// id of the one it was made for.
pub(super) fn next_machine_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

impl evm_machine {
    pub(super) fn new(machine: Machine) -> evm_machine {
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
            id: next_machine_id(),
            names,
        }
    }
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
        // SAFETY: NULL or a live machine handed back for good, with no
        // other users by the caller's contract.
        drop(unsafe { take_box(machine) });
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
        // SAFETY: a live machine (immutable, shareable) and a writable
        // `count_out`, or NULLs, by the caller's contract.
        let (m, count_out) = unsafe { (try_ref(machine)?, try_out(count_out)?) };
        count_out.write(m.machine.rule_count());
        Ok(())
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
        // SAFETY: a live machine (shared access) and writable out-pointers,
        // or NULLs, by the caller's contract.
        let (m, ptr_out, len_out) =
            unsafe { (try_ref(machine)?, try_out(ptr_out)?, try_opt_out(len_out)) };
        let name = m.names.get(index).ok_or(EVM_INVALID_ARGUMENT)?;
        ptr_out.write(name.as_ptr().cast());
        if let Some(len_out) = len_out {
            len_out.write(name.len() - 1);
        }
        Ok(())
    })
}
