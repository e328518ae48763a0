//! Deprecated: `evm_match_batch_records`, which reads events out of a
//! runtime's own objects by address. The offsets and JSON Lines calls of
//! `batch.rs` replace it; it stays only until the bindings stop using it.

use std::ffi::c_void;

use super::batch::{run_batch, BatchOut, Row};
use super::error::evm_status::{self, EVM_INVALID_ARGUMENT, EVM_NULL_ARGUMENT};
use super::machine::evm_machine;
use super::panic::guard;
use super::ptr::{try_ref, try_slice};
use super::scratch::evm_scratch;

/// Deprecated: will be removed; use `evm_match_batch_offsets32` /
/// `evm_match_batch_offsets64` (or `evm_match_lines`).
///
/// Where events are stored inside records, for `evm_match_batch_records`:
/// the event of a record at address `r` is the `*(size_t *)(r +
/// len_offset)` bytes at `r + data_offset`, and the record is taken only if
/// the pointer-sized word at `r + tag_offset` equals `tag`.
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

/// Deprecated: will be removed; use `evm_match_batch_offsets32` /
/// `evm_match_batch_offsets64` (or `evm_match_lines`).
///
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
        // SAFETY: NULL or readable, by the contract.
        let layout = *unsafe { try_ref(layout) }?;
        // SAFETY: NULL or readable for `n_records` entries, by the contract.
        let records = unsafe { try_slice(records, n_records) }?;
        if records.iter().any(|r| r.is_null()) {
            return Err(EVM_NULL_ARGUMENT);
        }
        let rows = records.iter().map(|&r| {
            let r = r.cast::<u8>();
            // SAFETY: a non-NULL record (checked) is readable for its tag
            // word by the caller's contract (read unaligned: the layout is
            // the caller's).
            let tag = unsafe {
                r.wrapping_add(layout.tag_offset)
                    .cast::<usize>()
                    .read_unaligned()
            };
            if tag != layout.tag {
                return Row::Skip(EVM_INVALID_ARGUMENT);
            }
            // SAFETY: a record with the right tag is readable for its
            // length by the contract.
            let len = unsafe {
                r.wrapping_add(layout.len_offset)
                    .cast::<usize>()
                    .read_unaligned()
            };
            if len > isize::MAX as usize {
                return Row::Skip(EVM_INVALID_ARGUMENT);
            }
            // SAFETY: and for `len` bytes at `data_offset`, unchanged
            // during the call.
            Row::Event(unsafe {
                std::slice::from_raw_parts(r.wrapping_add(layout.data_offset), len)
            })
        });
        let out = BatchOut {
            ids_out,
            ids_cap,
            offsets_out,
            status_out,
            spans_out: std::ptr::null_mut(),
            events_cap: n_records,
            n_events_out: std::ptr::null_mut(),
            needed_out,
        };
        // SAFETY: the pointers meet the contract of `run_batch` by this
        // function's contract.
        unsafe { run_batch(machine, scratch, rows, out) }
    })
}
