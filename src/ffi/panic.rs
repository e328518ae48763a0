//! The panic guard every export runs inside: a panic must never unwind
//! across the C boundary (that is undefined behaviour), so it is caught and
//! turned into a status or a fallback value.

use std::panic::{catch_unwind, AssertUnwindSafe};

use super::error::evm_status;

/// Runs `f`, turning `Ok` into `EVM_OK`, `Err(status)` into that status and
/// a panic into [`evm_status::EVM_PANIC`]. Bodies use `?` on the pointer
/// checks of [`super::ptr`].
pub(crate) fn guard(f: impl FnOnce() -> Result<(), evm_status>) -> evm_status {
    guard_or(evm_status::EVM_PANIC, || match f() {
        Ok(()) => evm_status::EVM_OK,
        Err(status) => status,
    })
}

/// Runs `f`, turning a panic into `fallback`.
///
/// `AssertUnwindSafe` is sound here: after a panic no Rust code observes the
/// possibly half-updated state except through the handles, and every handle
/// stays memory-safe to use or free (a scratch's busy flag is released by a
/// drop guard during unwinding; its buffers are cleared on next use).
pub(crate) fn guard_or<T>(fallback: T, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(fallback)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panics_become_a_status_or_the_fallback() {
        assert_eq!(guard(|| Ok(())), evm_status::EVM_OK);
        assert_eq!(
            guard(|| Err(evm_status::EVM_NULL_ARGUMENT)),
            evm_status::EVM_NULL_ARGUMENT
        );
        assert_eq!(guard(|| panic!("test panic")), evm_status::EVM_PANIC);
        assert_eq!(guard_or(7u32, || panic!("test panic")), 7);
    }
}
