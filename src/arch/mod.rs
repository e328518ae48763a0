//! CPU-specific code: the validating skip of unnamed containers, 64 bytes
//! at a time (AVX-512BW, with VBMI where the CPU has it), the trusted-mode
//! bracket skip, and prefetch hints.
//!
//! Most of an event's bytes usually sit in values no rule names; the scanner
//! must still validate them (full RFC 8259 validation is the default). This
//! module does that in the manner of simdjson's first stage. For each block
//! of 64 bytes:
//!
//! * bit masks of quotes (escaped ones removed: simdjson's odd-backslash
//!   method), the inside of strings (a carry-less multiplication),
//!   structural characters and white space;
//! * a class per byte (a 128-entry table lookup; the inside of strings
//!   and opening quotes from the masks), from which one compare per class
//!   gives that class's bit mask; white space takes the class of the byte
//!   before it, and one check for the whole block tells that each byte's
//!   class may follow the class before it (a table of allowed pairs indexed
//!   by both classes, one for adjacent bytes and one across white space);
//! * bitwise rules for what pairs cannot see: member names (a string right
//!   after `{` or after a comma in an object, whose closing quote an
//!   addition finds, must be followed by a colon, and only those are),
//!   numbers' leading zeros and the order of `.` and exponent, escapes,
//!   and UTF-8 inside strings (the Keiser-Lemire lookup);
//! * a walk over the brackets only for nesting: per bracket it notes the
//!   kind of container before and after it, then one check per block for
//!   matching and depth, and the object/array context of each byte from
//!   where the kind changes (bit extract and deposit, then a prefix xor);
//!   literals word by word.
//!
//! It is an *acceptor*: [`Simd::skip_container`] returns the end of the
//! value only when the value is valid, and `None` for any error and for the
//! little it leaves alone (surrogate pairs in `\u` escapes, nesting deeper
//! than 62 levels). The caller then runs the portable scalar validator from
//! the same position, which accepts the same language and words every
//! error as `EventError` documents it. So this module can only make valid
//! input faster; it never decides an error. Machines without these CPU
//! features (or other architectures) use the scalar validator throughout;
//! `EVMATCH_NO_SIMD=1` in the environment does the same, for comparisons.
//!
//! The byte permutes across the whole register (class lookup, moving bytes
//! one place later) are single VBMI instructions (Ice Lake, Sapphire
//! Rapids, Zen 4 and later). CPUs with AVX-512BW but not VBMI (Skylake-SP,
//! Cascade Lake) run the same body with a few more instructions each: a
//! lane move and a byte shift within lanes, word permutes of the class
//! table, two 16-entry lookups of the allowed sets (about 5% slower per
//! block than with VBMI, still well ahead of the scalar validator).
//! `EVMATCH_NO_VBMI=1` in the environment picks that body, for tests and
//! comparisons.
//!
//! Trusted-input mode uses a lighter pass of the same kind,
//! [`Simd::skip_trusted`]: quotes, escapes and brackets only, to find where
//! a container ends without validating it.
//!
//! This module is where the crate's CPU-specific code lives, fenced as
//! memchr keeps `arch/x86_64/`: the portable tables and bit tricks here
//! ([`tables`], [`bits`]), the x86-64 code in [`x86_64`], and the tests
//! that hold both against the scalar validator of `engine::scan`. Its
//! `unsafe` (besides the C ABI's) is the crate's only: calling the
//! `target_feature` functions (sound because a [`Simd`] can only be made
//! after detecting the features), the intrinsics and unaligned 64-byte
//! loads inside them, and [`prefetch`] hints.

pub(crate) mod bits;
pub(crate) mod tables;
#[cfg(test)]
mod tests;
#[cfg(target_arch = "x86_64")]
mod x86_64;

/// Proof that the CPU supports the block validator; `None` elsewhere.
/// `vbmi`: the CPU also has AVX-512 VBMI (byte permutes across the whole
/// register), which the validator uses where it can; without it (Skylake-SP
/// and Cascade Lake, say) the same checks run on AVX-512BW alone, with a
/// few more instructions per block.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Simd {
    vbmi: bool,
}

impl Simd {
    /// Detects the CPU features the block validator needs.
    /// `EVMATCH_NO_SIMD=1` in the environment turns it off;
    /// `EVMATCH_NO_VBMI=1` keeps it to AVX-512BW (for comparisons).
    pub(crate) fn detect() -> Option<Simd> {
        #[cfg(target_arch = "x86_64")]
        {
            if std::env::var_os("EVMATCH_NO_SIMD").is_none()
                && std::is_x86_feature_detected!("avx512f")
                && std::is_x86_feature_detected!("avx512bw")
                && std::is_x86_feature_detected!("pclmulqdq")
                && std::is_x86_feature_detected!("bmi1")
                && std::is_x86_feature_detected!("bmi2")
            {
                let vbmi = std::is_x86_feature_detected!("avx512vbmi")
                    && std::env::var_os("EVMATCH_NO_VBMI").is_none();
                return Some(Simd { vbmi });
            }
        }
        None
    }

    /// The validator without VBMI, if the CPU has the block validator.
    #[cfg(test)]
    fn without_vbmi(self) -> Simd {
        Simd { vbmi: false }
    }

    /// Trusted mode: the index after the container (`{` or `[`) at `ev[p]`,
    /// found by counting brackets outside strings, without validating
    /// anything else; `None` if it does not end.
    #[inline]
    pub(crate) fn skip_trusted(self, ev: &[u8], p: usize) -> Option<usize> {
        #[cfg(target_arch = "x86_64")]
        {
            // SAFETY: a `Simd` exists only if `detect` found the CPU
            // features `x86_64::skip_trusted` is compiled for (AVX-512F and BW,
            // PCLMULQDQ, BMI1 and BMI2).
            unsafe { x86_64::skip_trusted(ev, p) }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            let _ = (ev, p);
            None
        }
    }

    /// Trusted mode: whether `rest` may hold a backslash or one of
    /// `needles` (each at least two bytes, the first a quote): `false` only
    /// when it surely holds none. One pass, 64 bytes at a time: quotes
    /// followed by a needle's second byte are candidates, checked in full.
    #[inline]
    pub(crate) fn may_hold_any(self, rest: &[u8], needles: &[&[u8]]) -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            // SAFETY: a `Simd` exists only if `detect` found AVX-512F and
            // BW, the features `x86_64::may_hold_any` is compiled for.
            unsafe { x86_64::may_hold_any(rest, needles) }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            let _ = (rest, needles);
            true
        }
    }

    /// If the container (`{` or `[`) at `ev[p]` is valid JSON with at most
    /// `levels` levels of nesting (itself included), returns the index after
    /// it; otherwise (or if it holds anything this validator leaves to the
    /// scalar one) `None`.
    #[inline]
    pub(crate) fn skip_container(self, ev: &[u8], p: usize, levels: usize) -> Option<usize> {
        #[cfg(target_arch = "x86_64")]
        {
            let levels = levels.min(63) as u32;
            if self.vbmi {
                // SAFETY: `vbmi` is set only when `detect` found AVX-512F,
                // AVX-512BW, AVX-512VBMI, PCLMULQDQ, BMI1 and BMI2 on this
                // CPU, the features `x86_64::skip_vbmi` is compiled for.
                unsafe { x86_64::skip_vbmi(ev, p, levels) }
            } else {
                // SAFETY: a `Simd` exists only if `detect` found AVX-512F,
                // AVX-512BW, PCLMULQDQ, BMI1 and BMI2 on this CPU, the
                // features `x86_64::skip_bw` is compiled for.
                unsafe { x86_64::skip_bw(ev, p, levels) }
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            let _ = (ev, p, levels);
            None
        }
    }
}

/// Asks the CPU to start loading the `lines` cache lines that follow the
/// bytes of `buf` in memory, without waiting for them. Where buffers lie one
/// after another (events in a batch, a file, an Arrow array), those lines
/// are the next buffer's. A prefetch is a hint: it reads nothing the
/// program sees and never faults, whatever the address, so it may reach
/// past the end of `buf` (and past any allocation).
#[inline(always)]
pub(crate) fn prefetch_after(buf: &[u8], lines: usize) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        let end = buf.as_ptr_range().end;
        for i in 0..lines {
            // SAFETY: SSE is part of the x86_64 baseline; a prefetch never
            // faults and the address is only computed (`wrapping_add`
            // makes no promise that it is in bounds).
            unsafe { _mm_prefetch::<_MM_HINT_T0>(end.wrapping_add(64 * i).cast::<i8>()) }
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = (buf, lines);
    }
}

/// Asks the CPU to start loading the cache line holding `*p`, without
/// waiting for it: the engine issues these for all candidates of an event
/// before reading any of them, so that their cache misses overlap.
#[inline(always)]
pub(crate) fn prefetch<T: ?Sized>(p: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        // SAFETY: SSE is part of the x86_64 baseline, so the instruction
        // exists on every CPU this code runs on; a prefetch is only a hint
        // and never faults, whatever the address (here a valid reference).
        unsafe { _mm_prefetch::<_MM_HINT_T0>((p as *const T).cast::<i8>()) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = p;
    }
}
