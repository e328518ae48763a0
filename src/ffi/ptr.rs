//! The pointer checks every export makes, written once: a NULL required
//! pointer becomes `EVM_NULL_ARGUMENT`, a length whose bytes do not fit in
//! `isize` becomes `EVM_INVALID_ARGUMENT`, and a pointer that passes is
//! turned into a reference or slice with the lifetime of the call.
//!
//! Each function states what the caller's contract must guarantee beyond
//! what it checks (that a non-NULL pointer is live and readable or
//! writable); the exports forward that from their own `# Safety` sections.
//! Arrays are checked for alignment (a misaligned one is refused with
//! `EVM_INVALID_ARGUMENT`); single out-parameters are written unaligned.
//! Handles are the Rust structs themselves behind `Box::into_raw`, so a
//! handle pointer is typed and needs no cast table.

use std::marker::PhantomData;
use std::mem::size_of;

use super::error::evm_status::{
    self, EVM_BUFFER_TOO_SMALL, EVM_INVALID_ARGUMENT, EVM_NULL_ARGUMENT,
};

/// Shared access to the value at `p`, or `EVM_NULL_ARGUMENT`.
///
/// # Safety
///
/// A non-NULL `p` must point to a live `T` that nothing mutates for `'a`
/// (except through interior mutability).
pub(super) unsafe fn try_ref<'a, T>(p: *const T) -> Result<&'a T, evm_status> {
    // SAFETY: NULL or live and not mutated for 'a, by the caller's contract.
    unsafe { p.as_ref() }.ok_or(EVM_NULL_ARGUMENT)
}

/// Exclusive access to the value at `p`, or `EVM_NULL_ARGUMENT`.
///
/// # Safety
///
/// A non-NULL `p` must point to a live `T` that nothing else reads or writes
/// for `'a`.
pub(super) unsafe fn try_mut<'a, T>(p: *mut T) -> Result<&'a mut T, evm_status> {
    // SAFETY: NULL or live and unaliased for 'a, by the caller's contract.
    unsafe { p.as_mut() }.ok_or(EVM_NULL_ARGUMENT)
}

/// A caller's out-parameter, checked non-NULL, written at most once. It
/// holds the raw pointer (no reference is made), so two out-parameters that
/// the caller made overlap cannot alias references here, and the write is
/// unaligned, so no alignment is assumed.
pub(super) struct OutPtr<'a, T> {
    ptr: *mut T,
    _borrow: PhantomData<&'a mut T>,
}

impl<T> OutPtr<'_, T> {
    /// Writes the value.
    pub(super) fn write(self, value: T) {
        // SAFETY: non-NULL (checked by `try_opt_out`) and valid for a write
        // of `T` for the call, by the contract of `try_opt_out`.
        unsafe { self.ptr.write_unaligned(value) }
    }
}

/// A required out-parameter, or `EVM_NULL_ARGUMENT`. Check these before
/// doing any work, so that a NULL one leaves everything untouched.
///
/// # Safety
///
/// A non-NULL `p` must be valid for a write of `T` for `'a`.
pub(super) unsafe fn try_out<'a, T>(p: *mut T) -> Result<OutPtr<'a, T>, evm_status> {
    // SAFETY: forwarded contract.
    unsafe { try_opt_out(p) }.ok_or(EVM_NULL_ARGUMENT)
}

/// An optional out-parameter: `None` for NULL.
///
/// # Safety
///
/// As [`try_out`].
pub(super) unsafe fn try_opt_out<'a, T>(p: *mut T) -> Option<OutPtr<'a, T>> {
    (!p.is_null()).then_some(OutPtr {
        ptr: p,
        _borrow: PhantomData,
    })
}

/// Hands a new handle to C: boxes `value` and writes the pointer to `*out`
/// (`EVM_NULL_ARGUMENT`, and `value` dropped, if `out` is NULL). The caller
/// gets the handle back with [`take_box`].
///
/// # Safety
///
/// As [`try_out`] for `out`.
pub(super) unsafe fn give<T>(out: *mut *mut T, value: T) -> Result<(), evm_status> {
    // SAFETY: forwarded contract.
    let out = unsafe { try_out(out) }?;
    out.write(Box::into_raw(Box::new(value)));
    Ok(())
}

/// Takes back a handle made by [`give`], to consume or free it; `None` for
/// NULL.
///
/// # Safety
///
/// `p` must be NULL or a live handle from [`give`] that no one uses again.
pub(super) unsafe fn take_box<T>(p: *mut T) -> Option<Box<T>> {
    // SAFETY: from `Box::into_raw` in `give`, handed back for good.
    (!p.is_null()).then(|| unsafe { Box::from_raw(p) })
}

/// Whether `n` values of `T` fit in `isize` bytes (what slices require).
fn fits<T>(n: usize) -> bool {
    n.checked_mul(size_of::<T>().max(1))
        .is_some_and(|b| b <= isize::MAX as usize)
}

/// The `len` bytes at `ptr`, which must not be NULL even when `len` is 0
/// (`EVM_NULL_ARGUMENT`); `EVM_INVALID_ARGUMENT` if `len` exceeds
/// `PTRDIFF_MAX`.
///
/// # Safety
///
/// A non-NULL `ptr` must be readable for `len` bytes, unchanged for `'a`.
pub(super) unsafe fn try_bytes<'a>(ptr: *const u8, len: usize) -> Result<&'a [u8], evm_status> {
    if ptr.is_null() {
        return Err(EVM_NULL_ARGUMENT);
    }
    // SAFETY: non-NULL here; the rest is forwarded.
    unsafe { try_slice(ptr, len) }
}

/// The `n` values at `ptr`; NULL is accepted for `n == 0` (an empty slice)
/// and refused otherwise (`EVM_NULL_ARGUMENT`); `EVM_INVALID_ARGUMENT` if
/// their size exceeds `PTRDIFF_MAX` or `ptr` is not aligned for `T`.
///
/// # Safety
///
/// A non-NULL `ptr` must be readable for `n` values of `T`, unchanged for
/// `'a`.
pub(super) unsafe fn try_slice<'a, T>(ptr: *const T, n: usize) -> Result<&'a [T], evm_status> {
    if !fits::<T>(n) {
        return Err(EVM_INVALID_ARGUMENT);
    }
    if n == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(EVM_NULL_ARGUMENT);
    }
    if !ptr.is_aligned() {
        return Err(EVM_INVALID_ARGUMENT);
    }
    // SAFETY: non-NULL and aligned (checked above), readable for `n` values
    // by the caller's contract; their size fits in isize (checked above).
    Ok(unsafe { std::slice::from_raw_parts(ptr, n) })
}

/// A caller's output array of `cap` values, checked at the start of a
/// call (NULL only with `cap == 0`) and filled at its end, so that a call
/// that fails writes none of it. Only as many entries as are filled are
/// touched: a `cap` larger than the memory behind `ptr` is the caller's
/// error but is never turned into a slice here.
pub(super) struct OutArray<'a, T> {
    ptr: *mut T,
    cap: usize,
    _borrow: PhantomData<&'a mut [T]>,
}

impl<'a, T: Copy> OutArray<'a, T> {
    /// A required output array: `EVM_NULL_ARGUMENT` if `ptr` is NULL while
    /// `cap` is not 0, `EVM_INVALID_ARGUMENT` if it is not aligned for `T`.
    ///
    /// # Safety
    ///
    /// A non-NULL `ptr` must be writable for `cap` values of `T`, and not
    /// read or written by anyone else for `'a`.
    pub(super) unsafe fn new(ptr: *mut T, cap: usize) -> Result<Self, evm_status> {
        if ptr.is_null() && cap != 0 {
            return Err(EVM_NULL_ARGUMENT);
        }
        if !ptr.is_aligned() {
            return Err(EVM_INVALID_ARGUMENT);
        }
        Ok(OutArray {
            ptr,
            cap,
            _borrow: PhantomData,
        })
    }

    /// An optional output array: `None` for NULL.
    ///
    /// # Safety
    ///
    /// As [`OutArray::new`].
    pub(super) unsafe fn optional(ptr: *mut T, cap: usize) -> Result<Option<Self>, evm_status> {
        if ptr.is_null() {
            return Ok(None);
        }
        // SAFETY: forwarded contract.
        unsafe { Self::new(ptr, cap) }.map(Some)
    }

    /// How many values the array holds.
    pub(super) fn cap(&self) -> usize {
        self.cap
    }

    /// Writes `src` to the front of the array, or nothing and
    /// `EVM_BUFFER_TOO_SMALL` if it is longer than the array.
    pub(super) fn fill(self, src: &[T]) -> Result<(), evm_status> {
        if src.len() > self.cap {
            return Err(EVM_BUFFER_TOO_SMALL);
        }
        if !src.is_empty() {
            // SAFETY: `ptr` is non-NULL (cap > 0) and writable for `cap >=
            // src.len()` values by the contract of `new`; the caller's
            // memory cannot overlap `src`, which is ours.
            unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), self.ptr, src.len()) };
        }
        Ok(())
    }

    /// As [`fill`](OutArray::fill), from an iterator of known length.
    pub(super) fn fill_iter(self, src: impl ExactSizeIterator<Item = T>) -> Result<(), evm_status> {
        if src.len() > self.cap {
            return Err(EVM_BUFFER_TOO_SMALL);
        }
        for (i, v) in src.enumerate().take(self.cap) {
            // SAFETY: i < src.len() <= cap, and `ptr` is writable for `cap`
            // values by the contract of `new`.
            unsafe { self.ptr.add(i).write(v) };
        }
        Ok(())
    }
}

/// The event pointer and length arrays of a batch call, checked: no NULL
/// array (unless `n` is 0), no NULL event, every length within
/// `PTRDIFF_MAX`.
///
/// # Safety
///
/// Non-NULL `events` and `lens` must be readable for `n` entries for `'a`.
pub(super) unsafe fn try_event_arrays<'a>(
    events: *const *const u8,
    lens: *const usize,
    n: usize,
) -> Result<(&'a [*const u8], &'a [usize]), evm_status> {
    // SAFETY: forwarded contract.
    let (events, lens) = unsafe { (try_slice(events, n)?, try_slice(lens, n)?) };
    if events.iter().any(|e| e.is_null()) {
        return Err(EVM_NULL_ARGUMENT);
    }
    if lens.iter().any(|&l| l > isize::MAX as usize) {
        return Err(EVM_INVALID_ARGUMENT);
    }
    Ok((events, lens))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_and_oversized_are_refused() {
        let x = 5u32;
        // SAFETY: a valid local, or NULL, or lengths that are refused before
        // any access.
        unsafe {
            assert_eq!(try_ref(&x), Ok(&5));
            assert_eq!(try_ref(std::ptr::null::<u32>()), Err(EVM_NULL_ARGUMENT));
            assert_eq!(try_bytes(std::ptr::null(), 0), Err(EVM_NULL_ARGUMENT));
            assert_eq!(try_slice(std::ptr::null::<u64>(), 0), Ok(&[][..]));
            assert_eq!(
                try_slice(std::ptr::null::<u64>(), 1),
                Err(EVM_NULL_ARGUMENT)
            );
            let huge = usize::MAX / 4;
            assert_eq!(try_slice(&x, huge), Err(EVM_INVALID_ARGUMENT));
            assert!(OutArray::new(std::ptr::null_mut::<u8>(), 1).is_err());
            assert!(matches!(
                OutArray::optional(std::ptr::null_mut::<u8>(), 3),
                Ok(None)
            ));
            let mut out = [0u8; 2];
            let a = OutArray::new(out.as_mut_ptr(), 2).unwrap();
            assert_eq!(a.fill(&[1, 2, 3]), Err(EVM_BUFFER_TOO_SMALL));
            let a = OutArray::new(out.as_mut_ptr(), 2).unwrap();
            assert_eq!(a.fill_iter([4u8].into_iter()), Ok(()));
            assert_eq!(out, [4, 0]);
            assert_eq!(take_box(std::ptr::null_mut::<u8>()), None);
        }
    }
}
