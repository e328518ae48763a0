//! Matching many events in one call. Each batch call reads its events its
//! own way (pointer and length arrays, one buffer with Arrow offsets, a
//! JSON Lines buffer) and checks all of its input before matching anything;
//! all share one body, [`run_batch`], which matches the events in order and
//! writes the per-event results in one layout: the matching rule indexes of
//! event `i` at `ids_out[offsets_out[i] .. offsets_out[i+1]]` and its status
//! at `status_out[i]`. A row that is not matched (an invalid event, an
//! Arrow null) has an empty range and its own status, so nothing shifts.

use super::error::evm_status::{
    self, EVM_BUFFER_TOO_SMALL, EVM_EVENT_ERROR, EVM_INVALID_ARGUMENT, EVM_NULL_ARGUMENT,
    EVM_NULL_EVENT, EVM_OK,
};
use super::machine::evm_machine;
use super::panic::guard;
use super::ptr::{try_event_arrays, try_opt_out, try_out, try_slice, OutArray};
use super::scratch::{evm_scratch, machine_and_scratch, ScratchState};
use crate::JsonLines;

/// Where an event of a JSON Lines buffer sits, for `evm_match_lines`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct evm_line_span {
    /// The line number, from 1 (as the command-line tool and editors count
    /// lines; blank lines are counted too).
    pub line: usize,
    /// The byte offset of the event's first byte in the buffer.
    pub start: usize,
    /// The byte offset just past the event's last byte: the event is
    /// `data[start .. end]`, the line without its `\n` and without a `\r`
    /// before the `\n`.
    pub end: usize,
}

/// One row of a batch.
pub(super) enum Row<'e> {
    /// An event to match.
    Event(&'e [u8]),
    /// A row that is not matched, with its status.
    Skip(evm_status),
    /// An event of a JSON Lines buffer, and where it sits.
    Line(&'e [u8], evm_line_span),
}

/// The output arguments of the batch functions, unchecked.
pub(super) struct BatchOut {
    pub(super) ids_out: *mut u32,
    pub(super) ids_cap: usize,
    /// Writable for `events_cap + 1` entries.
    pub(super) offsets_out: *mut usize,
    /// NULL or writable for `events_cap` entries.
    pub(super) status_out: *mut i32,
    /// NULL or writable for `events_cap` entries.
    pub(super) spans_out: *mut evm_line_span,
    pub(super) events_cap: usize,
    /// NULL, or where the number of rows goes.
    pub(super) n_events_out: *mut usize,
    pub(super) needed_out: *mut usize,
}

impl BatchOut {
    /// The outputs of the calls that take `n_events` events from the
    /// caller, and so write neither line spans nor an event count.
    pub(super) fn per_event(
        ids_out: *mut u32,
        ids_cap: usize,
        offsets_out: *mut usize,
        status_out: *mut i32,
        n_events: usize,
        needed_out: *mut usize,
    ) -> Self {
        BatchOut {
            ids_out,
            ids_cap,
            offsets_out,
            status_out,
            spans_out: std::ptr::null_mut(),
            events_cap: n_events,
            n_events_out: std::ptr::null_mut(),
            needed_out,
        }
    }
}

/// The body of the batch functions: matches the `rows` in order and writes
/// the outputs: `*needed_out` (the total number of matches) and
/// `*n_events_out` (the number of rows) always, the arrays only if they are
/// large enough (else `EVM_BUFFER_TOO_SMALL`, and none of them is written).
///
/// # Safety
///
/// `machine` and `scratch` NULL or live; the outputs NULL or writable as
/// [`BatchOut`] says, for the call.
pub(super) unsafe fn run_batch<'e>(
    machine: *const evm_machine,
    scratch: *mut evm_scratch,
    rows: impl Iterator<Item = Row<'e>>,
    out: BatchOut,
) -> Result<(), evm_status> {
    // SAFETY: the pointers meet the contract of this function.
    let (m, s) = unsafe { machine_and_scratch(machine, scratch) }?;
    // SAFETY: each output is NULL or writable for its size, by the contract
    // of this function.
    let (ids_out, offsets_out, status_out, spans_out, n_events_out, needed_out) = unsafe {
        (
            OutArray::new(out.ids_out, out.ids_cap)?,
            OutArray::new(out.offsets_out, out.events_cap.saturating_add(1))?,
            OutArray::optional(out.status_out, out.events_cap)?,
            OutArray::optional(out.spans_out, out.events_cap)?,
            try_opt_out(out.n_events_out),
            try_out(out.needed_out)?,
        )
    };
    let mut lock = s.lock()?;
    let st = lock.state();
    st.batch_ids.clear();
    st.batch_offsets.clear();
    st.batch_status.clear();
    st.batch_spans.clear();
    st.batch_offsets.push(0);
    for row in rows {
        let code = match row {
            Row::Skip(code) => code,
            Row::Event(event) => match_one(m, st, event),
            Row::Line(event, span) => {
                st.batch_spans.push(span);
                match_one(m, st, event)
            }
        };
        st.batch_status.push(code as i32);
        st.batch_offsets.push(st.batch_ids.len());
    }
    let n = st.batch_status.len();
    needed_out.write(st.batch_ids.len());
    if let Some(n_events_out) = n_events_out {
        n_events_out.write(n);
    }
    if st.batch_ids.len() > ids_out.cap() || n > out.events_cap {
        return Err(EVM_BUFFER_TOO_SMALL);
    }
    ids_out.fill(&st.batch_ids)?;
    offsets_out.fill(&st.batch_offsets)?;
    if let Some(status_out) = status_out {
        status_out.fill(&st.batch_status)?;
    }
    if let Some(spans_out) = spans_out {
        spans_out.fill(&st.batch_spans)?;
    }
    Ok(())
}

/// Matches `event`, appending its rule indexes to `st.batch_ids`; its
/// per-event status.
fn match_one(m: &evm_machine, st: &mut ScratchState, event: &[u8]) -> evm_status {
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
/// * `EVM_INVALID_ARGUMENT`: as for `evm_match`, or a length is too large,
///   or an array is not aligned for its type.
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
        let (events, lens) = unsafe { try_event_arrays(events, lens, n_events) }?;
        let rows = events.iter().zip(lens).map(|(&ptr, &len)| {
            // SAFETY: non-NULL with a length within isize (checked by
            // `try_event_arrays`), and readable for that many bytes by the
            // caller's contract.
            Row::Event(unsafe { std::slice::from_raw_parts(ptr, len) })
        });
        let out = BatchOut::per_event(
            ids_out,
            ids_cap,
            offsets_out,
            status_out,
            n_events,
            needed_out,
        );
        // SAFETY: the pointers meet the contract of `run_batch` by this
        // function's contract.
        unsafe { run_batch(machine, scratch, rows, out) }
    })
}

/// The offsets of an Arrow array of strings or binaries: `int32` (`utf8`,
/// `binary`) or `int64` (`large_utf8`, `large_binary`).
pub(super) trait ArrowOffset: Copy {
    /// The offset as an index, or `None` if it is negative or too large.
    fn index(self) -> Option<usize>;
}

impl ArrowOffset for i32 {
    fn index(self) -> Option<usize> {
        usize::try_from(self).ok()
    }
}

impl ArrowOffset for i64 {
    fn index(self) -> Option<usize> {
        usize::try_from(self).ok()
    }
}

/// A batch call's own `offsets_out` (see `evm_group_matches`).
impl ArrowOffset for usize {
    fn index(self) -> Option<usize> {
        Some(self)
    }
}

/// Checks offsets in the Arrow layout against a buffer of `data_len`
/// entries: none negative, none smaller than the one before, and the last
/// within the buffer (so all are). The first need not be 0 (a slice of an
/// array).
pub(super) fn check_offsets<O: ArrowOffset>(
    offsets: &[O],
    data_len: usize,
) -> Result<(), evm_status> {
    let mut prev = 0;
    for (i, o) in offsets.iter().enumerate() {
        let o = o.index().ok_or(EVM_INVALID_ARGUMENT)?;
        if i > 0 && o < prev {
            return Err(EVM_INVALID_ARGUMENT);
        }
        prev = o;
    }
    if prev > data_len {
        return Err(EVM_INVALID_ARGUMENT);
    }
    Ok(())
}

/// Whether bit `i` of an Arrow validity bitmap (bit-packed, least
/// significant bit first) is set.
fn bit(bitmap: &[u8], i: usize) -> bool {
    bitmap.get(i / 8).is_some_and(|b| b >> (i % 8) & 1 == 1)
}

/// The body of `evm_match_batch_offsets32` and `evm_match_batch_offsets64`.
///
/// # Safety
///
/// The contract of those functions, with `O` their offset type.
#[allow(clippy::too_many_arguments)]
unsafe fn offsets_batch<O: ArrowOffset>(
    machine: *const evm_machine,
    scratch: *mut evm_scratch,
    data: *const u8,
    data_len: usize,
    offsets: *const O,
    n_events: usize,
    validity: *const u8,
    validity_offset: usize,
    out: BatchOut,
) -> Result<(), evm_status> {
    // No rows: the offsets are not read (an empty Arrow array may come
    // with an empty offsets buffer).
    let n_offsets = if n_events == 0 {
        0
    } else {
        n_events.checked_add(1).ok_or(EVM_INVALID_ARGUMENT)?
    };
    // SAFETY: NULL or readable for their sizes, unchanged during the call,
    // by the caller's contract.
    let (data, offsets) = unsafe { (try_slice(data, data_len)?, try_slice(offsets, n_offsets)?) };
    check_offsets(offsets, data.len())?;
    let validity = if validity.is_null() {
        None
    } else {
        let bits = validity_offset
            .checked_add(n_events)
            .ok_or(EVM_INVALID_ARGUMENT)?;
        // SAFETY: non-NULL and readable for the bytes that hold bits
        // `validity_offset .. validity_offset + n_events`, by the contract.
        Some(unsafe { try_slice(validity, bits.div_ceil(8)) }?)
    };
    let rows = (0..n_events).map(|i| {
        if validity.is_some_and(|v| !bit(v, validity_offset + i)) {
            return Row::Skip(EVM_NULL_EVENT);
        }
        // Checked by `check_offsets`: never out of range.
        let range = offsets[i].index().unwrap_or(0)..offsets[i + 1].index().unwrap_or(0);
        data.get(range)
            .map_or(Row::Skip(EVM_INVALID_ARGUMENT), Row::Event)
    });
    // SAFETY: the outputs meet the contract of `run_batch` by this
    // function's contract.
    unsafe { run_batch(machine, scratch, rows, out) }
}

/// Matches the events of an Arrow array of strings or binaries with
/// 32-bit offsets (`utf8`, `binary`) in one call, reading them in place.
/// Event `i` is `data[offsets[i] .. offsets[i+1]]`: `offsets` has
/// `n_events + 1` entries, none negative or smaller than the one before,
/// the last at most `data_len` (the first need not be 0; pass `offsets +
/// array.offset` for a sliced array). `data` may be NULL if `data_len` is
/// 0; `offsets` is not read if `n_events` is 0 (and may then be NULL).
///
/// `validity` is NULL (every row valid) or an Arrow validity bitmap: row
/// `i` is valid if bit `validity_offset + i` is set (bit-packed, least
/// significant bit first; pass the array's offset as `validity_offset`). A
/// null row is not matched: its range is empty and its status
/// `EVM_NULL_EVENT`.
///
/// Results as for `evm_match_batch`: the rule indexes of event `i` at
/// `ids_out[offsets_out[i] .. offsets_out[i+1]]` (`offsets_out` has
/// `n_events + 1` entries), `status_out[i]` (may be NULL) `EVM_OK`,
/// `EVM_EVENT_ERROR` (empty range) or `EVM_NULL_EVENT`, and the total
/// number of matches in `*needed_out`.
///
/// Returns:
/// * `EVM_OK` when the batch was processed, even if some rows were invalid
///   or null (see `status_out`).
/// * `EVM_BUFFER_TOO_SMALL`: the total exceeds `ids_cap`; `*needed_out` is
///   the total and nothing else is written.
/// * `EVM_INVALID_ARGUMENT`, before anything is matched: an offset that is
///   negative, smaller than the one before, or beyond `data_len`; sizes
///   beyond `PTRDIFF_MAX`; an array not aligned for its type; and as for
///   `evm_match`.
/// * `EVM_NULL_ARGUMENT`: `machine`, `scratch`, `offsets_out` or
///   `needed_out` is NULL; `data` is NULL while `data_len` is not 0;
///   `offsets` is NULL while `n_events` is not 0; `ids_out` is NULL while
///   `ids_cap` is not 0.
///
/// Thread safety as for `evm_match`.
///
/// # Safety
///
/// `machine` and `scratch` NULL or live; `data` NULL or readable for
/// `data_len` bytes; `offsets` NULL or readable for `n_events + 1` entries
/// (none if `n_events` is 0);
/// `validity` NULL or readable for `(validity_offset + n_events + 7) / 8`
/// bytes; none of them changes during the call; the outputs as for
/// `evm_match_batch`.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn evm_match_batch_offsets32(
    machine: *const evm_machine,
    scratch: *mut evm_scratch,
    data: *const u8,
    data_len: usize,
    offsets: *const i32,
    n_events: usize,
    validity: *const u8,
    validity_offset: usize,
    ids_out: *mut u32,
    ids_cap: usize,
    offsets_out: *mut usize,
    status_out: *mut i32,
    needed_out: *mut usize,
) -> evm_status {
    guard(|| {
        let out = BatchOut::per_event(
            ids_out,
            ids_cap,
            offsets_out,
            status_out,
            n_events,
            needed_out,
        );
        // SAFETY: this function's contract is that of `offsets_batch`.
        unsafe {
            offsets_batch(
                machine,
                scratch,
                data,
                data_len,
                offsets,
                n_events,
                validity,
                validity_offset,
                out,
            )
        }
    })
}

/// As `evm_match_batch_offsets32`, for Arrow arrays with 64-bit offsets
/// (`large_utf8`, `large_binary`). An offset beyond what `size_t` holds is
/// refused with `EVM_INVALID_ARGUMENT`.
///
/// # Safety
///
/// As `evm_match_batch_offsets32`.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn evm_match_batch_offsets64(
    machine: *const evm_machine,
    scratch: *mut evm_scratch,
    data: *const u8,
    data_len: usize,
    offsets: *const i64,
    n_events: usize,
    validity: *const u8,
    validity_offset: usize,
    ids_out: *mut u32,
    ids_cap: usize,
    offsets_out: *mut usize,
    status_out: *mut i32,
    needed_out: *mut usize,
) -> evm_status {
    guard(|| {
        let out = BatchOut::per_event(
            ids_out,
            ids_cap,
            offsets_out,
            status_out,
            n_events,
            needed_out,
        );
        // SAFETY: this function's contract is that of `offsets_batch`.
        unsafe {
            offsets_batch(
                machine,
                scratch,
                data,
                data_len,
                offsets,
                n_events,
                validity,
                validity_offset,
                out,
            )
        }
    })
}

/// Matches the events of a JSON Lines buffer (`data_len` bytes; `data` may
/// be NULL if `data_len` is 0) in one call, reading them in place. Lines
/// end at `\n`, and a last line without one counts; the event is the line
/// without its `\n` and without a `\r` just before it; a line holding only
/// white space is skipped (as the command-line tool does). Events are
/// numbered 0, 1, 2, ... in buffer order, skipped lines not counted.
///
/// Results as for `evm_match_batch`, for the `*n_events_out` events: the
/// rule indexes of event `i` at `ids_out[offsets_out[i] .. offsets_out[i+1]]`,
/// `status_out[i]` (may be NULL) `EVM_OK` or `EVM_EVENT_ERROR` (an invalid
/// event: empty range; the other events are still matched), and
/// `spans_out[i]` (may be NULL), which says where event `i` is: its line
/// number from 1 (blank lines counted) and its bytes `data[start .. end]`.
///
/// Sizing: `offsets_out` holds `events_cap + 1` entries, `status_out` and
/// `spans_out` `events_cap`. The number of `\n` bytes in the buffer plus
/// one is always enough for `events_cap`; or call once with small arrays
/// and retry with the counts the call reports (the buffer is then matched
/// twice).
///
/// Returns:
/// * `EVM_OK`: `*n_events_out` is the number of events and `*needed_out`
///   the total number of matches.
/// * `EVM_BUFFER_TOO_SMALL`: more than `events_cap` events, or more than
///   `ids_cap` matches; `*n_events_out` and `*needed_out` are written as
///   for `EVM_OK` and nothing else is.
/// * `EVM_NULL_ARGUMENT`: `machine`, `scratch`, `offsets_out`,
///   `n_events_out` or `needed_out` is NULL; `data` is NULL while
///   `data_len` is not 0; `ids_out` is NULL while `ids_cap` is not 0.
/// * `EVM_INVALID_ARGUMENT`: `data_len` beyond `PTRDIFF_MAX`, an output
///   array not aligned for its type, and as for `evm_match`.
///
/// Thread safety as for `evm_match`.
///
/// # Safety
///
/// `machine` and `scratch` NULL or live; `data` NULL or readable for
/// `data_len` bytes, unchanged during the call; `ids_out` NULL or writable
/// for `ids_cap` entries; `offsets_out` NULL or writable for `events_cap +
/// 1` entries; `status_out` and `spans_out` NULL or writable for
/// `events_cap` entries; `n_events_out` and `needed_out` NULL or writable.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn evm_match_lines(
    machine: *const evm_machine,
    scratch: *mut evm_scratch,
    data: *const u8,
    data_len: usize,
    ids_out: *mut u32,
    ids_cap: usize,
    offsets_out: *mut usize,
    status_out: *mut i32,
    spans_out: *mut evm_line_span,
    events_cap: usize,
    n_events_out: *mut usize,
    needed_out: *mut usize,
) -> evm_status {
    guard(|| {
        if n_events_out.is_null() {
            return Err(EVM_NULL_ARGUMENT);
        }
        // SAFETY: NULL or readable for `data_len` bytes, unchanged during
        // the call, by the caller's contract.
        let data = unsafe { try_slice(data, data_len) }?;
        let rows = JsonLines::new(data).map(|l| {
            let span = evm_line_span {
                line: l.number,
                start: l.start,
                end: l.end(),
            };
            Row::Line(l.event, span)
        });
        let out = BatchOut {
            ids_out,
            ids_cap,
            offsets_out,
            status_out,
            spans_out,
            events_cap,
            n_events_out,
            needed_out,
        };
        // SAFETY: the pointers meet the contract of `run_batch` by this
        // function's contract.
        unsafe { run_batch(machine, scratch, rows, out) }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_are_checked() {
        assert_eq!(check_offsets::<i32>(&[], 0), Ok(()));
        assert_eq!(check_offsets(&[2i32, 2, 5], 5), Ok(()));
        assert_eq!(check_offsets(&[0i32, 6], 5), Err(EVM_INVALID_ARGUMENT));
        assert_eq!(check_offsets(&[0i32, 3, 2], 5), Err(EVM_INVALID_ARGUMENT));
        assert_eq!(check_offsets(&[-1i32, 3], 5), Err(EVM_INVALID_ARGUMENT));
        assert_eq!(
            check_offsets(&[0i64, i64::MAX], 5),
            Err(EVM_INVALID_ARGUMENT)
        );
        assert_eq!(check_offsets(&[7i64], 5), Err(EVM_INVALID_ARGUMENT));
    }

    #[test]
    fn validity_bits_are_lsb_first() {
        let bitmap = [0b0000_0101u8, 0b1];
        let set: Vec<usize> = (0..12).filter(|&i| bit(&bitmap, i)).collect();
        assert_eq!(set, [0, 2, 8]);
    }
}
