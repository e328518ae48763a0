//! The x86-64 code: AVX-512 bodies of the block validator and of the
//! trusted-mode skip, compiled with `target_feature` and reached only
//! through [`Simd`](super::Simd), which proves the features present.

use std::arch::x86_64::*;

mod validate;

use super::bits::*;

/// Parity of the quotes up to and including each byte.
#[inline]
#[target_feature(enable = "pclmulqdq")]
fn prefix_xor(x: u64) -> u64 {
    let a = _mm_set_epi64x(0, x as i64);
    let ones = _mm_set1_epi8(-1);
    _mm_cvtsi128_si64(_mm_clmulepi64_si128(a, ones, 0)) as u64
}

#[inline]
#[target_feature(enable = "avx512f,avx512bw")]
fn load(b: &[u8; 64]) -> __m512i {
    // SAFETY: `b` is 64 readable bytes; the load has no alignment
    // requirement.
    unsafe { _mm512_loadu_si512(b.as_ptr().cast()) }
}

/// See [`Simd::skip_trusted`].
#[target_feature(enable = "avx512f,avx512bw,pclmulqdq,bmi1,bmi2")]
pub(super) fn skip_trusted(ev: &[u8], p: usize) -> Option<usize> {
    let mut escaped_in = 0u64;
    let mut in_str_in = 0u64;
    let mut depth = 0u64;
    let mut base = p;
    let mut pad = [b' '; 64];
    while base < ev.len() {
        let v = load(block_at(ev, base, &mut pad));
        let eq = |c: u8| _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(c as i8));
        let mut quote = eq(b'"');
        let backslash = eq(b'\\');
        if backslash | escaped_in != 0 {
            quote &= !find_escaped(backslash, &mut escaped_in);
        }
        let in_str = prefix_xor(quote) ^ in_str_in;
        in_str_in = ((in_str as i64) >> 63) as u64;
        // Folding 0x20 in maps '[' to '{' and ']' to '}'.
        let low = _mm512_or_si512(v, _mm512_set1_epi8(0x20));
        let opens = _mm512_cmpeq_epi8_mask(low, _mm512_set1_epi8(b'{' as i8)) & !in_str;
        let closes = _mm512_cmpeq_epi8_mask(low, _mm512_set1_epi8(b'}' as i8)) & !in_str;
        let mut brackets = opens | closes;
        while brackets != 0 {
            let j = brackets.trailing_zeros();
            brackets &= brackets - 1;
            depth = if (opens >> j) & 1 == 1 {
                depth.wrapping_add(1)
            } else {
                depth.wrapping_sub(1)
            };
            if depth == 0 {
                return Some(base + j as usize + 1);
            }
        }
        base += 64;
    }
    None
}

/// The bytes `rest[at..at + 64]` that exist, zeros in the lanes past the
/// end: no partial block is copied, and nothing past `rest` is read.
#[inline]
#[target_feature(enable = "avx512f,avx512bw")]
fn load_within(rest: &[u8], at: usize) -> __m512i {
    let left = rest.len().saturating_sub(at);
    let lanes = if left >= 64 {
        u64::MAX
    } else {
        (1u64 << left) - 1
    };
    // SAFETY: the lanes set in `lanes` are bytes of `rest` (`at + i <
    // rest.len()`); a masked load reads no other lane and takes no fault
    // for them, and with no lane set it reads nothing, so the address
    // (at most one past the end of `rest`) is never dereferenced.
    unsafe { _mm512_maskz_loadu_epi8(lanes, rest.as_ptr().wrapping_add(at.min(rest.len())).cast()) }
}

/// See [`Simd::may_hold_any`]: the needles' second bytes broadcast once,
/// in as few vectors as cover them.
#[target_feature(enable = "avx512f,avx512bw")]
pub(super) fn may_hold_any(rest: &[u8], needles: &[&[u8]]) -> bool {
    // Repeating a needle's byte in the spare vectors finds nothing new.
    let second = |i: usize| _mm512_set1_epi8(needles[i.min(needles.len() - 1)][1] as i8);
    match needles.len() {
        0 => may_hold(rest, needles, []),
        1 => may_hold(rest, needles, [second(0)]),
        2 => may_hold(rest, needles, [second(0), second(1)]),
        3 | 4 => may_hold(rest, needles, std::array::from_fn::<_, 4, _>(second)),
        _ => may_hold(rest, needles, std::array::from_fn::<_, 16, _>(second)),
    }
}

/// [`may_hold_any`] with `seconds` holding every needle's second byte
/// (`needles.len() <= 16`).
///
/// Each block is compared with the bytes one further on, so that a needle's
/// first two bytes are found in one step even across blocks. The loop
/// branches only on a backslash or a candidate, both rare where the answer
/// is "no", so that the loads of successive blocks overlap.
#[inline]
#[target_feature(enable = "avx512f,avx512bw")]
fn may_hold<const K: usize>(rest: &[u8], needles: &[&[u8]], seconds: [__m512i; K]) -> bool {
    let quote = _mm512_set1_epi8(b'"' as i8);
    let backslash = _mm512_set1_epi8(b'\\' as i8);
    // The backslashes and the candidates (a quote, then a needle's second
    // byte) of the block `v`, with `after` the block one byte on.
    let marks = |v: __m512i, after: __m512i| {
        let mut seconds_at = 0;
        for s in seconds {
            seconds_at |= _mm512_cmpeq_epi8_mask(after, s);
        }
        _mm512_cmpeq_epi8_mask(v, backslash) | (_mm512_cmpeq_epi8_mask(v, quote) & seconds_at)
    };
    // Whether the block at `base`, `v` with marks `m`, holds a backslash or
    // a whole needle.
    let confirmed = |base: usize, v: __m512i, mut m: u64| {
        if _mm512_cmpeq_epi8_mask(v, backslash) != 0 {
            return true;
        }
        while m != 0 {
            let at = base + m.trailing_zeros() as usize;
            m &= m - 1;
            if needles.iter().any(|n| rest[at..].starts_with(n)) {
                return true;
            }
        }
        false
    };
    let mut base = 0;
    // Two blocks a step, with one branch for both.
    while let Some(w) = rest.get(base..base + 129) {
        let v0 = load(w[..64].try_into().expect("64 bytes"));
        let v1 = load(w[64..128].try_into().expect("64 bytes"));
        let m0 = marks(v0, load(w[1..65].try_into().expect("64 bytes")));
        let m1 = marks(v1, load(w[65..].try_into().expect("64 bytes")));
        if m0 | m1 != 0 && (confirmed(base, v0, m0) || confirmed(base + 64, v1, m1)) {
            return true;
        }
        base += 128;
    }
    // The last block or two, with masked loads.
    while base < rest.len() {
        let v = load_within(rest, base);
        let m = marks(v, load_within(rest, base + 1));
        if m != 0 && confirmed(base, v, m) {
            return true;
        }
        base += 64;
    }
    false
}

/// [`Simd::skip_container`] with AVX-512 VBMI.
#[target_feature(enable = "avx512f,avx512bw,avx512vbmi,pclmulqdq,bmi1,bmi2")]
pub(super) fn skip_vbmi(ev: &[u8], p: usize, levels: u32) -> Option<usize> {
    // SAFETY: this function is compiled for every feature `skip` uses
    // with `VBMI`, and called only where the CPU has them.
    unsafe { validate::skip::<true>(ev, p, levels) }
}

/// [`Simd::skip_container`] with AVX-512BW alone.
#[target_feature(enable = "avx512f,avx512bw,pclmulqdq,bmi1,bmi2")]
pub(super) fn skip_bw(ev: &[u8], p: usize, levels: u32) -> Option<usize> {
    // SAFETY: this function is compiled for every feature `skip` uses
    // without `VBMI`, and called only where the CPU has them.
    unsafe { validate::skip::<false>(ev, p, levels) }
}
