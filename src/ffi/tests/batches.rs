//! The zero-copy batches through the C ABI: Arrow offsets (32- and 64-bit,
//! with validity bitmaps) and JSON Lines, with every refusal.

use super::*;

/// The outputs of one batch call, pre-filled with markers so that a call
/// that must not write them can be checked.
struct Out {
    ids: Vec<u32>,
    offsets: Vec<usize>,
    status: Vec<i32>,
    spans: Vec<evm_line_span>,
    n_events: usize,
    needed: usize,
}

impl Out {
    fn new(ids_cap: usize, events_cap: usize) -> Out {
        Out {
            ids: vec![u32::MAX; ids_cap],
            offsets: vec![usize::MAX; events_cap + 1],
            status: vec![-1; events_cap],
            spans: vec![evm_line_span::default(); events_cap],
            n_events: usize::MAX,
            needed: usize::MAX,
        }
    }

    fn untouched(&self) -> bool {
        self.ids.iter().all(|&x| x == u32::MAX)
            && self.offsets.iter().all(|&x| x == usize::MAX)
            && self.status.iter().all(|&x| x == -1)
            && self.spans.iter().all(|&x| x == evm_line_span::default())
    }

    /// The rule indexes of each event.
    fn per_event(&self, n: usize) -> Vec<Vec<u32>> {
        (0..n)
            .map(|i| self.ids[self.offsets[i]..self.offsets[i + 1]].to_vec())
            .collect()
    }
}

/// Calls `evm_match_batch_offsets32` or `64` (by the offset type).
trait Offsets: Copy {
    /// # Safety
    ///
    /// The contract of the call.
    #[allow(clippy::too_many_arguments)]
    unsafe fn call(
        m: *const evm_machine,
        s: *mut evm_scratch,
        data: *const u8,
        data_len: usize,
        offsets: *const Self,
        n: usize,
        validity: *const u8,
        validity_offset: usize,
        out: &mut Out,
    ) -> evm_status;
}

macro_rules! offsets_impl {
    ($t:ty, $f:ident) => {
        impl Offsets for $t {
            unsafe fn call(
                m: *const evm_machine,
                s: *mut evm_scratch,
                data: *const u8,
                data_len: usize,
                offsets: *const Self,
                n: usize,
                validity: *const u8,
                validity_offset: usize,
                out: &mut Out,
            ) -> evm_status {
                // SAFETY: forwarded contract; the outputs are valid for
                // their lengths.
                unsafe {
                    $f(
                        m,
                        s,
                        data,
                        data_len,
                        offsets,
                        n,
                        validity,
                        validity_offset,
                        out.ids.as_mut_ptr(),
                        out.ids.len(),
                        out.offsets.as_mut_ptr(),
                        out.status.as_mut_ptr(),
                        &mut out.needed,
                    )
                }
            }
        }
    };
}
offsets_impl!(i32, evm_match_batch_offsets32);
offsets_impl!(i64, evm_match_batch_offsets64);

fn offsets_batch<O: Offsets + TryFrom<i64>>()
where
    <O as TryFrom<i64>>::Error: std::fmt::Debug,
{
    let m = machine();
    let mut s = null_mut();
    // SAFETY: a live machine and a valid local.
    assert_eq!(unsafe { evm_scratch_new(m, &mut s) }, EVM_OK);
    // A slice of a larger array: its offsets start at 3 ("xx " before).
    let data = br#"xx {"x": 1}nope{"x": 1, "y": "z"}{"y": "z"}{"x": 1}"#;
    let offs = |v: &[i64]| -> Vec<O> { v.iter().map(|&o| O::try_from(o).unwrap()).collect() };
    let offsets = offs(&[3, 11, 15, 33, 33, 43, 51]);
    let n = 6;
    // Row 4 is null, and so is row 5 (bits 2 + 4 and 2 + 5 of the bitmap,
    // which starts at bit 2). Row 3 is the empty event.
    let validity = [0b0011_1100u8, 0];
    let call = |offsets: &[O], n, validity: *const u8, vo, out: &mut Out| {
        // SAFETY: live handles; the buffers are valid for the lengths
        // passed (or the call refuses them first).
        unsafe {
            O::call(
                m,
                s,
                data.as_ptr(),
                data.len(),
                offsets.as_ptr(),
                n,
                validity,
                vo,
                out,
            )
        }
    };
    let mut out = Out::new(8, n);
    assert_eq!(call(&offsets, n, validity.as_ptr(), 2, &mut out), EVM_OK);
    let (ok, bad, nul) = (0, EVM_EVENT_ERROR as i32, EVM_NULL_EVENT as i32);
    assert_eq!(out.status, [ok, bad, ok, bad, nul, nul]);
    assert_eq!(
        out.per_event(n),
        [vec![0], vec![], vec![0, 1], vec![], vec![], vec![]]
    );
    assert_eq!((out.needed, out.offsets[n]), (3, 3));
    // Without a bitmap every row is valid.
    let mut out = Out::new(8, n);
    assert_eq!(call(&offsets, n, null(), 0, &mut out), EVM_OK);
    assert_eq!(out.status[4..], [ok, ok]);
    assert_eq!(out.per_event(n)[4..], [vec![1], vec![0]]);
    // Too small: the total, nothing else.
    let mut out = Out::new(4, n);
    assert_eq!(call(&offsets, n, null(), 0, &mut out), EVM_BUFFER_TOO_SMALL);
    assert_eq!(out.needed, 5);
    assert!(out.untouched());
    // No events: the offsets are not read, and may be NULL.
    let mut out = Out::new(0, 0);
    // SAFETY: NULL offsets and data with zero sizes.
    let st = unsafe { O::call(m, s, null(), 0, null(), 0, null(), 0, &mut out) };
    assert_eq!((st, out.needed, out.offsets[0]), (EVM_OK, 0, 0));
    let mut out = Out::new(0, 0);
    let st = call(&offs(&[52]), 0, null(), 0, &mut out);
    assert_eq!((st, out.needed, out.offsets[0]), (EVM_OK, 0, 0));
    // NULL data is an empty buffer: only empty events (invalid).
    let zero = offs(&[0, 0]);
    let mut out = Out::new(0, 1);
    // SAFETY: NULL data with length 0; offsets valid for 2 entries.
    let st = unsafe { O::call(m, s, null(), 0, zero.as_ptr(), 1, null(), 0, &mut out) };
    assert_eq!((st, out.status[0]), (EVM_OK, bad));

    // Refused before anything is matched, with nothing written.
    let refused = |offsets: &[O], n: usize, validity: *const u8, vo: usize, want| {
        let mut out = Out::new(8, n);
        let st = call(offsets, n, validity, vo, &mut out);
        assert_eq!(st, want, "offsets {:?}", offsets.len());
        assert!(out.untouched() && out.needed == usize::MAX);
    };
    let invalid = EVM_INVALID_ARGUMENT;
    refused(&offs(&[3, 11, 10]), 2, null(), 0, invalid); // decreasing
    refused(&offs(&[-1, 11]), 1, null(), 0, invalid); // negative
    refused(&offs(&[3, 52]), 1, null(), 0, invalid); // beyond the data
    refused(&offsets, n, validity.as_ptr(), usize::MAX, invalid); // bit overflow
    let mut out = Out::new(8, 1);
    // SAFETY: refused before any access: NULL offsets or data with a
    // non-zero size, a count whose size overflows, a misaligned array.
    unsafe {
        let st = O::call(
            m,
            s,
            data.as_ptr(),
            data.len(),
            null(),
            1,
            null(),
            0,
            &mut out,
        );
        assert_eq!(st, EVM_NULL_ARGUMENT);
        let st = O::call(m, s, null(), 5, offsets.as_ptr(), 1, null(), 0, &mut out);
        assert_eq!(st, EVM_NULL_ARGUMENT);
        let st = O::call(
            m,
            s,
            data.as_ptr(),
            data.len(),
            offsets.as_ptr(),
            usize::MAX,
            null(),
            0,
            &mut out,
        );
        assert_eq!(st, invalid);
        let st = O::call(
            m,
            s,
            data.as_ptr(),
            data.len(),
            offsets.as_ptr(),
            isize::MAX as usize,
            null(),
            0,
            &mut out,
        );
        assert_eq!(st, invalid);
        let misaligned = offsets.as_ptr().cast::<u8>().add(1).cast::<O>();
        let st = O::call(
            m,
            s,
            data.as_ptr(),
            data.len(),
            misaligned,
            1,
            null(),
            0,
            &mut out,
        );
        assert_eq!(st, invalid);
        let st = O::call(
            null(),
            s,
            data.as_ptr(),
            data.len(),
            offsets.as_ptr(),
            1,
            null(),
            0,
            &mut out,
        );
        assert_eq!(st, EVM_NULL_ARGUMENT);
    }
    assert!(out.untouched());
    // SAFETY: live handles, freed once.
    unsafe {
        evm_scratch_free(s);
        evm_machine_free(m);
    }
}

#[test]
fn offsets32_batch() {
    offsets_batch::<i32>();
}

#[test]
fn offsets64_batch() {
    offsets_batch::<i64>();
    // An offset beyond what an index holds.
    let m = machine();
    let mut s = null_mut();
    let data = b"{}";
    let offsets = [0i64, i64::MAX];
    let mut out = Out::new(1, 1);
    // SAFETY: live handles and valid buffers.
    let st = unsafe {
        assert_eq!(evm_scratch_new(m, &mut s), EVM_OK);
        i64::call(
            m,
            s,
            data.as_ptr(),
            2,
            offsets.as_ptr(),
            1,
            null(),
            0,
            &mut out,
        )
    };
    assert_eq!(st, EVM_INVALID_ARGUMENT);
    // SAFETY: live handles, freed once.
    unsafe {
        evm_scratch_free(s);
        evm_machine_free(m);
    }
}

/// Calls `evm_match_lines` on `data` with `out`'s arrays.
fn lines(m: *const evm_machine, s: *mut evm_scratch, data: &[u8], out: &mut Out) -> evm_status {
    // SAFETY: live handles; the buffers are valid for the lengths passed.
    unsafe {
        evm_match_lines(
            m,
            s,
            data.as_ptr(),
            data.len(),
            out.ids.as_mut_ptr(),
            out.ids.len(),
            out.offsets.as_mut_ptr(),
            out.status.as_mut_ptr(),
            out.spans.as_mut_ptr(),
            out.status.len(),
            &mut out.n_events,
            &mut out.needed,
        )
    }
}

#[test]
fn lines_batch() {
    let m = machine();
    let mut s = null_mut();
    // SAFETY: a live machine and a valid local.
    assert_eq!(unsafe { evm_scratch_new(m, &mut s) }, EVM_OK);
    let data = b"{\"x\": 1}\r\n\n  \t\nnope\n{\"x\": 1, \"y\": \"z\"}\n{\"y\": \"z\"}";
    let newlines = data.iter().filter(|&&b| b == b'\n').count();
    let mut out = Out::new(8, newlines + 1);
    assert_eq!(lines(m, s, data, &mut out), EVM_OK);
    let n = out.n_events;
    assert_eq!((n, out.needed), (4, 4));
    let ok = 0;
    assert_eq!(out.status[..n], [ok, EVM_EVENT_ERROR as i32, ok, ok]);
    assert_eq!(out.per_event(n), [vec![0], vec![], vec![0, 1], vec![1]]);
    let spans: Vec<(usize, &[u8])> = out.spans[..n]
        .iter()
        .map(|sp| (sp.line, &data[sp.start..sp.end]))
        .collect();
    assert_eq!(
        spans,
        [
            (1, &b"{\"x\": 1}"[..]),
            (4, b"nope"),
            (5, b"{\"x\": 1, \"y\": \"z\"}"),
            (6, b"{\"y\": \"z\"}"),
        ]
    );
    // Too few event slots, or too few id slots: both counts, nothing else.
    for (ids_cap, events_cap) in [(8, 3), (3, 8), (0, 0)] {
        let mut out = Out::new(ids_cap, events_cap);
        assert_eq!(lines(m, s, data, &mut out), EVM_BUFFER_TOO_SMALL);
        assert_eq!((out.n_events, out.needed), (4, 4));
        assert!(out.untouched());
    }
    // Status and spans are optional.
    let mut out = Out::new(8, 4);
    // SAFETY: live handles and valid buffers.
    let st = unsafe {
        evm_match_lines(
            m,
            s,
            data.as_ptr(),
            data.len(),
            out.ids.as_mut_ptr(),
            8,
            out.offsets.as_mut_ptr(),
            null_mut(),
            null_mut(),
            4,
            &mut out.n_events,
            &mut out.needed,
        )
    };
    assert_eq!((st, out.offsets), (EVM_OK, vec![0, 1, 1, 3, 4]));
    // Empty and blank buffers hold no events; NULL is an empty buffer.
    for data in [&b""[..], b"\n", b" \r\n\t"] {
        let mut out = Out::new(0, 0);
        assert_eq!(lines(m, s, data, &mut out), EVM_OK);
        assert_eq!((out.n_events, out.needed, out.offsets[0]), (0, 0, 0));
    }
    let mut out = Out::new(0, 0);
    // SAFETY: NULL data with length 0 and valid outputs; then refusals
    // before any access.
    unsafe {
        let mut call = |data: *const u8, len: usize, n_events_out: *mut usize| {
            evm_match_lines(
                m,
                s,
                data,
                len,
                null_mut(),
                0,
                out.offsets.as_mut_ptr(),
                null_mut(),
                null_mut(),
                0,
                n_events_out,
                &mut out.needed,
            )
        };
        let mut n_events = usize::MAX;
        assert_eq!(call(null(), 0, &mut n_events), EVM_OK);
        assert_eq!(n_events, 0);
        assert_eq!(call(null(), 1, &mut n_events), EVM_NULL_ARGUMENT);
        assert_eq!(
            call(data.as_ptr(), data.len(), null_mut()),
            EVM_NULL_ARGUMENT
        );
        assert_eq!(
            call(data.as_ptr(), usize::MAX, &mut n_events),
            EVM_INVALID_ARGUMENT
        );
        let st = evm_match_lines(
            m,
            s,
            data.as_ptr(),
            data.len(),
            null_mut(),
            0,
            null_mut(),
            null_mut(),
            null_mut(),
            0,
            &mut n_events,
            &mut out.needed,
        );
        assert_eq!(st, EVM_NULL_ARGUMENT);
        let st = evm_match_lines(
            m,
            s,
            data.as_ptr(),
            data.len(),
            null_mut(),
            1,
            out.offsets.as_mut_ptr(),
            null_mut(),
            null_mut(),
            0,
            &mut n_events,
            &mut out.needed,
        );
        assert_eq!(st, EVM_NULL_ARGUMENT);
    }
    // SAFETY: live handles, freed once.
    unsafe {
        evm_scratch_free(s);
        evm_machine_free(m);
    }
}
