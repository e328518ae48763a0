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

/// See [`Simd::may_hold_any`].
#[target_feature(enable = "avx512f,avx512bw")]
pub(super) fn may_hold_any(rest: &[u8], needles: &[&[u8]]) -> bool {
    let mut base = 0;
    let mut pad = [b' '; 64];
    while base < rest.len() {
        let v = load(block_at(rest, base, &mut pad));
        let eq = |c: u8| _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(c as i8));
        if eq(b'\\') != 0 {
            return true;
        }
        let quotes = eq(b'"');
        if quotes != 0 {
            for n in needles {
                // A quote followed by the needle's second byte; a quote at
                // the block's end is a candidate whatever follows.
                let mut cand = quotes & ((eq(n[1]) >> 1) | 1 << 63);
                while cand != 0 {
                    let at = base + cand.trailing_zeros() as usize;
                    cand &= cand - 1;
                    if rest[at..].starts_with(n) {
                        return true;
                    }
                }
            }
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
