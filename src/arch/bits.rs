//! Portable bit tricks on 64-bit masks (one bit per byte of a block) and
//! small byte checks, shared by the block validators.

/// Bytes that may follow a literal (`true`, `false`, `null`): white space,
/// structural characters and a quote (which the grammar then rejects).
#[inline(always)]
pub(crate) fn ends_scalar(c: u8) -> bool {
    matches!(
        c,
        b' ' | b'\t' | b'\n' | b'\r' | b',' | b':' | b']' | b'}' | b'[' | b'{' | b'"'
    )
}

/// `x` shifted `n` bytes later, with the previous block's last bits
/// shifted in.
#[inline(always)]
pub(crate) fn prev_n<const N: u32>(x: u64, before: u64) -> u64 {
    (x << N) | (before >> (64 - N))
}

/// `x` shifted one byte later, with the previous block's last bit shifted in.
#[inline(always)]
pub(crate) fn prev(x: u64, before: u64) -> u64 {
    prev_n::<1>(x, before)
}

/// `a + b + carry` with the carry out.
#[inline(always)]
pub(crate) fn add(a: u64, b: u64, carry: &mut bool) -> u64 {
    let (s, c1) = a.overflowing_add(b);
    let (s, c2) = s.overflowing_add(*carry as u64);
    *carry = c1 | c2;
    s
}

/// The first byte at or after each bit of `at` that is not white space
/// (white space runs are crossed by an addition).
#[inline(always)]
pub(crate) fn land(at: u64, ws: u64, carry: &mut bool) -> u64 {
    if ws == 0 && !*carry {
        return at;
    }
    (at & !ws) | (add(ws, at & ws, carry) & !ws)
}

/// The 64 bytes of `ev` from `base` (`base < ev.len()`); the last, partial
/// block is copied into `pad` and padded with spaces.
#[inline(always)]
pub(crate) fn block_at<'a>(ev: &'a [u8], base: usize, pad: &'a mut [u8; 64]) -> &'a [u8; 64] {
    match ev.get(base..base + 64) {
        Some(b) => b.try_into().expect("64 bytes"),
        None => {
            let rest = ev.len() - base;
            pad[..rest].copy_from_slice(&ev[base..]);
            pad[rest..].fill(b' ');
            pad
        }
    }
}

/// The bytes escaped by a backslash (simdjson's odd-sequence method);
/// `prev` carries whether the next block's first byte is escaped.
#[inline(always)]
pub(crate) fn find_escaped(backslash: u64, prev: &mut u64) -> u64 {
    const EVEN: u64 = 0x5555_5555_5555_5555;
    let backslash = backslash & !*prev;
    let follows = (backslash << 1) | *prev;
    let odd_starts = backslash & !EVEN & !follows;
    let (even_starts, overflow) = odd_starts.overflowing_add(backslash);
    *prev = overflow as u64;
    (EVEN ^ (even_starts << 1)) & follows
}

/// Four hex digits at `ev[at..]` (read as the scalar validator reads them)
/// naming a character outside the surrogates.
#[inline]
pub(crate) fn bmp_escape(ev: &[u8], at: usize) -> bool {
    crate::util::hex4(ev, at).is_ok_and(|v| !(0xD800..0xE000).contains(&v))
}
