//! The marked hot loop: validating skip of unnamed containers, 64 bytes at
//! a time (AVX-512BW, with VBMI where the CPU has it).
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
//! error exactly as the reference does. So this module can only make valid
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
//! `unsafe` in the engine lives here only: calling the `target_feature`
//! function (sound because [`Simd`] can only be made after detecting the
//! features), unaligned 64-byte loads, and [`prefetch`] hints.
#![allow(unsafe_code)]

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
            // features `x86::skip_trusted` is compiled for (AVX-512F and BW,
            // PCLMULQDQ, BMI1 and BMI2).
            unsafe { x86::skip_trusted(ev, p) }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            let _ = (ev, p);
            None
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
                // CPU, the features `x86::skip_vbmi` is compiled for.
                unsafe { x86::skip_vbmi(ev, p, levels) }
            } else {
                // SAFETY: a `Simd` exists only if `detect` found AVX-512F,
                // AVX-512BW, PCLMULQDQ, BMI1 and BMI2 on this CPU, the
                // features `x86::skip_bw` is compiled for.
                unsafe { x86::skip_bw(ev, p, levels) }
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            let _ = (ev, p, levels);
            None
        }
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

/// Bytes that may follow a literal (`true`, `false`, `null`): white space,
/// structural characters and a quote (which the grammar then rejects).
#[inline(always)]
fn ends_scalar(c: u8) -> bool {
    matches!(
        c,
        b' ' | b'\t' | b'\n' | b'\r' | b',' | b':' | b']' | b'}' | b'[' | b'{' | b'"'
    )
}

/// `x` shifted `n` bytes later, with the previous block's last bits
/// shifted in.
#[inline(always)]
fn prev_n<const N: u32>(x: u64, before: u64) -> u64 {
    (x << N) | (before >> (64 - N))
}

/// `x` shifted one byte later, with the previous block's last bit shifted in.
#[inline(always)]
fn prev(x: u64, before: u64) -> u64 {
    prev_n::<1>(x, before)
}

/// `a + b + carry` with the carry out.
#[inline(always)]
fn add(a: u64, b: u64, carry: &mut bool) -> u64 {
    let (s, c1) = a.overflowing_add(b);
    let (s, c2) = s.overflowing_add(*carry as u64);
    *carry = c1 | c2;
    s
}

/// The first byte at or after each bit of `at` that is not white space
/// (white space runs are crossed by an addition).
#[inline(always)]
fn land(at: u64, ws: u64, carry: &mut bool) -> u64 {
    if ws == 0 && !*carry {
        return at;
    }
    (at & !ws) | (add(ws, at & ws, carry) & !ws)
}

/// Byte classes of the pair check (see `PAIRS`).
const WS: u8 = 0;
const STR: u8 = 1;
const OPEN_QUOTE: u8 = 2;
const CLOSE_QUOTE: u8 = 3;
const OPEN_OBJ: u8 = 4;
const OPEN_ARR: u8 = 5;
const CLOSE: u8 = 6;
const COLON: u8 = 7;
const COMMA: u8 = 8;
const DIGIT: u8 = 9;
const MINUS: u8 = 10;
const PLUS: u8 = 11;
const DOT: u8 = 12;
const EXP: u8 = 13;
const LETTER: u8 = 14;
const BAD: u8 = 15;

/// The class of each ASCII byte outside strings (the inside of strings and
/// opening quotes are classed from the quote masks).
const CLASS: [u8; 128] = {
    let mut t = [BAD; 128];
    t[b' ' as usize] = WS;
    t[b'\t' as usize] = WS;
    t[b'\n' as usize] = WS;
    t[b'\r' as usize] = WS;
    t[b'"' as usize] = CLOSE_QUOTE;
    t[b'{' as usize] = OPEN_OBJ;
    t[b'[' as usize] = OPEN_ARR;
    t[b'}' as usize] = CLOSE;
    t[b']' as usize] = CLOSE;
    t[b':' as usize] = COLON;
    t[b',' as usize] = COMMA;
    t[b'-' as usize] = MINUS;
    t[b'+' as usize] = PLUS;
    t[b'.' as usize] = DOT;
    let mut c = b'0';
    while c <= b'9' {
        t[c as usize] = DIGIT;
        c += 1;
    }
    let mut c = b'a';
    while c <= b'z' {
        t[c as usize] = LETTER;
        c += 1;
    }
    t[b'e' as usize] = EXP;
    t[b'E' as usize] = EXP;
    t
};

/// For each class, the set of classes that may come right after it. Brackets
/// are matched, member names told from string values, and numbers checked
/// for a leading zero and for the order of `.` and exponent separately.
const PAIRS: [u16; 16] = {
    const fn set(classes: &[u8]) -> u16 {
        let mut m = 0u16;
        let mut i = 0;
        while i < classes.len() {
            m |= 1 << classes[i];
            i += 1;
        }
        m
    }
    let value = set(&[OPEN_QUOTE, OPEN_OBJ, OPEN_ARR, DIGIT, MINUS, LETTER]);
    let mut t = [0u16; 16];
    t[WS as usize] = 0;
    t[STR as usize] = set(&[STR, CLOSE_QUOTE]);
    t[OPEN_QUOTE as usize] = set(&[STR, CLOSE_QUOTE]);
    t[CLOSE_QUOTE as usize] = set(&[COLON, COMMA, CLOSE]);
    t[OPEN_OBJ as usize] = set(&[OPEN_QUOTE, CLOSE]);
    t[OPEN_ARR as usize] = value | set(&[CLOSE]);
    t[CLOSE as usize] = set(&[COMMA, CLOSE]);
    t[COLON as usize] = value;
    t[COMMA as usize] = value;
    t[DIGIT as usize] = set(&[DIGIT, DOT, EXP, COMMA, CLOSE]);
    t[MINUS as usize] = set(&[DIGIT]);
    t[PLUS as usize] = set(&[DIGIT]);
    t[DOT as usize] = set(&[DIGIT]);
    t[EXP as usize] = set(&[DIGIT, MINUS, PLUS]);
    t[LETTER as usize] = set(&[LETTER, COMMA, CLOSE]);
    t[BAD as usize] = 0;
    t
};

/// The vectors of the pair check, as bytes: the class table in two halves
/// (for `vpermi2b`); the allowed sets, indexed by twice the class before
/// plus the high bit of the class (for `vpermb`: byte `2b + h` holds the
/// bits of classes `8h..8h+8` allowed after class `b`); each class's bit
/// within its byte (a 16-entry table repeated in the four 128-bit lanes,
/// for `vpshufb`); and the index vector that moves every byte's class one
/// byte later (byte 0 takes the previous block's byte 63).
const CLASS_LO: [u8; 64] = half(0);
const CLASS_HI: [u8; 64] = half(64);
const ALLOW: [u8; 64] = allowed(&PAIRS);
const BIT: [u8; 64] = {
    let mut t = [0u8; 64];
    let mut i = 0;
    while i < 64 {
        t[i] = 1 << (i % 8);
        i += 1;
    }
    t
};
const SHIFT: [u8; 64] = shift(1);
const SHIFT2: [u8; 64] = shift(2);
const SHIFT3: [u8; 64] = shift(3);
const SHIFT4: [u8; 64] = shift(4);
const SHIFT8: [u8; 64] = shift(8);
const SHIFT16: [u8; 64] = shift(16);
const SHIFT32: [u8; 64] = shift(32);

/// The index vector (for `vpermi2b`) that moves every byte `n` bytes later,
/// taking the first `n` from the end of the second operand.
const fn shift(n: usize) -> [u8; 64] {
    let mut t = [0u8; 64];
    let mut i = 0;
    while i < 64 {
        t[i] = if i >= n { i - n } else { 128 - n + i } as u8;
        i += 1;
    }
    t
}

/// UTF-8 validation tables (the lookup algorithm of Keiser and Lemire,
/// "Validating UTF-8 in less than one instruction per byte", 2021): error
/// bits by the high and low nibbles of the previous byte and the high
/// nibble of the current byte; a byte pair is invalid where all three
/// share a bit.
const TOO_SHORT: u8 = 1 << 0;
const TOO_LONG: u8 = 1 << 1;
const OVERLONG_3: u8 = 1 << 2;
const TOO_LARGE: u8 = 1 << 3;
const SURROGATE: u8 = 1 << 4;
const OVERLONG_2: u8 = 1 << 5;
const TOO_LARGE_1000: u8 = 1 << 6;
const OVERLONG_4: u8 = 1 << 6;
const TWO_CONTS: u8 = 1 << 7;
const CARRY: u8 = TOO_SHORT | TOO_LONG | TWO_CONTS;
const UTF8_PREV_HIGH: [u8; 64] = repeat16([
    TOO_LONG,
    TOO_LONG,
    TOO_LONG,
    TOO_LONG,
    TOO_LONG,
    TOO_LONG,
    TOO_LONG,
    TOO_LONG,
    TWO_CONTS,
    TWO_CONTS,
    TWO_CONTS,
    TWO_CONTS,
    TOO_SHORT | OVERLONG_2,
    TOO_SHORT,
    TOO_SHORT | OVERLONG_3 | SURROGATE,
    TOO_SHORT | TOO_LARGE | TOO_LARGE_1000 | OVERLONG_4,
]);
const UTF8_PREV_LOW: [u8; 64] = repeat16([
    CARRY | OVERLONG_3 | OVERLONG_2 | OVERLONG_4,
    CARRY | OVERLONG_2,
    CARRY,
    CARRY,
    CARRY | TOO_LARGE,
    CARRY | TOO_LARGE | TOO_LARGE_1000,
    CARRY | TOO_LARGE | TOO_LARGE_1000,
    CARRY | TOO_LARGE | TOO_LARGE_1000,
    CARRY | TOO_LARGE | TOO_LARGE_1000,
    CARRY | TOO_LARGE | TOO_LARGE_1000,
    CARRY | TOO_LARGE | TOO_LARGE_1000,
    CARRY | TOO_LARGE | TOO_LARGE_1000,
    CARRY | TOO_LARGE | TOO_LARGE_1000,
    CARRY | TOO_LARGE | TOO_LARGE_1000 | SURROGATE,
    CARRY | TOO_LARGE | TOO_LARGE_1000,
    CARRY | TOO_LARGE | TOO_LARGE_1000,
]);
const UTF8_CUR_HIGH: [u8; 64] = repeat16([
    TOO_SHORT,
    TOO_SHORT,
    TOO_SHORT,
    TOO_SHORT,
    TOO_SHORT,
    TOO_SHORT,
    TOO_SHORT,
    TOO_SHORT,
    TOO_LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | TOO_LARGE_1000 | OVERLONG_4,
    TOO_LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | TOO_LARGE,
    TOO_LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | TOO_LARGE,
    TOO_LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | TOO_LARGE,
    TOO_SHORT,
    TOO_SHORT,
    TOO_SHORT,
    TOO_SHORT,
]);

const fn repeat16(t: [u8; 16]) -> [u8; 64] {
    let mut r = [0u8; 64];
    let mut i = 0;
    while i < 64 {
        r[i] = t[i % 16];
        i += 1;
    }
    r
}

const fn half(from: usize) -> [u8; 64] {
    let mut t = [0u8; 64];
    let mut i = 0;
    while i < 64 {
        t[i] = CLASS[from + i];
        i += 1;
    }
    t
}

/// The `vpermb` table of allowed pairs (see `ALLOW`); bytes 32-63 unused.
const fn allowed(pairs: &[u16; 16]) -> [u8; 64] {
    let mut t = [0u8; 64];
    let mut i = 0;
    while i < 32 {
        t[i] = (pairs[i / 2] >> (8 * (i % 2))) as u8;
        i += 1;
    }
    t
}

/// As `PAIRS`, for classes with white space between them: numbers and
/// literals end there.
const PAIRS_WS: [u16; 16] = {
    let mut t = PAIRS;
    let ends = PAIRS[CLOSE as usize];
    t[DIGIT as usize] = ends;
    t[LETTER as usize] = ends;
    t[MINUS as usize] = 0;
    t[PLUS as usize] = 0;
    t[DOT as usize] = 0;
    t[EXP as usize] = 0;
    t[STR as usize] = 0;
    t[OPEN_QUOTE as usize] = 0;
    t
};
const ALLOW_WS: [u8; 64] = allowed(&PAIRS_WS);

/// The allowed sets for the validator without VBMI, whose byte lookups
/// reach 16 entries (`vpshufb`, per 128-bit lane): entries 0-15 and 16-31
/// of `ALLOW` (and `ALLOW_WS`), each repeated in the four lanes. (Its class
/// lookup reads `CLASS_LO` and `CLASS_HI` as 64 words of two classes.)
const ALLOW_LO: [u8; 64] = lane16(&ALLOW, 0);
const ALLOW_HI: [u8; 64] = lane16(&ALLOW, 16);
const ALLOW_WS_LO: [u8; 64] = lane16(&ALLOW_WS, 0);
const ALLOW_WS_HI: [u8; 64] = lane16(&ALLOW_WS, 16);

/// Entries `from..from + 16` of `t`, repeated in the four 128-bit lanes.
const fn lane16(t: &[u8; 64], from: usize) -> [u8; 64] {
    let mut r = [0u8; 64];
    let mut i = 0;
    while i < 64 {
        r[i] = t[from + i % 16];
        i += 1;
    }
    r
}

/// The 64 bytes of `ev` from `base` (`base < ev.len()`); the last, partial
/// block is copied into `pad` and padded with spaces.
#[inline(always)]
fn block_at<'a>(ev: &'a [u8], base: usize, pad: &'a mut [u8; 64]) -> &'a [u8; 64] {
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
fn find_escaped(backslash: u64, prev: &mut u64) -> u64 {
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
fn bmp_escape(ev: &[u8], at: usize) -> bool {
    super::scan::hex4(ev, at).is_ok_and(|v| !(0xD800..0xE000).contains(&v))
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::*;
    use std::arch::x86_64::*;

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

    /// `v` moved `N` bytes later (`N` in 1, 2, 3, 4, 8, 16, 32), its first
    /// `N` bytes taken from the end of `before`: one `vpermi2b` with VBMI;
    /// without, a move by whole 128-bit lanes (`valignq`) and, below 16, a
    /// byte shift within lanes (`vpalignr`) that takes the bytes leaving
    /// each lane from the lane before.
    ///
    /// # Safety
    ///
    /// Inlined only into functions compiled for AVX-512F and BW (and VBMI
    /// when `VBMI`), which the CPU has.
    #[inline(always)]
    unsafe fn later<const VBMI: bool, const N: usize>(v: __m512i, before: __m512i) -> __m512i {
        // SAFETY: the caller's contract.
        unsafe {
            if VBMI {
                let table = match N {
                    1 => &SHIFT,
                    2 => &SHIFT2,
                    3 => &SHIFT3,
                    4 => &SHIFT4,
                    8 => &SHIFT8,
                    16 => &SHIFT16,
                    _ => &SHIFT32,
                };
                return _mm512_permutex2var_epi8(v, load(table), before);
            }
            let lanes = _mm512_alignr_epi64::<6>(v, before);
            match N {
                1 => _mm512_alignr_epi8::<15>(v, lanes),
                2 => _mm512_alignr_epi8::<14>(v, lanes),
                3 => _mm512_alignr_epi8::<13>(v, lanes),
                4 => _mm512_alignr_epi8::<12>(v, lanes),
                8 => _mm512_alignr_epi8::<8>(v, lanes),
                16 => lanes,
                _ => _mm512_alignr_epi64::<4>(v, before),
            }
        }
    }

    /// The class of every byte by `CLASS` (its low seven bits): one
    /// `vpermi2b` with VBMI; without, two `vpermi2w` over the same table
    /// read as 64 words of two classes (one for the even bytes, one for the
    /// odd ones), each byte then taking the half of its word that its
    /// lowest bit names.
    ///
    /// # Safety
    ///
    /// As [`later`].
    #[inline(always)]
    unsafe fn classify<const VBMI: bool>(v: __m512i) -> __m512i {
        // SAFETY: the caller's contract.
        unsafe {
            let (lo, hi) = (load(&CLASS_LO), load(&CLASS_HI));
            if VBMI {
                return _mm512_permutex2var_epi8(lo, v, hi);
            }
            // Word index: bits 1-6 of the byte (vpermi2w reads six bits).
            let even = _mm512_permutex2var_epi16(lo, _mm512_srli_epi16::<1>(v), hi);
            let odd = _mm512_permutex2var_epi16(lo, _mm512_srli_epi16::<9>(v), hi);
            // An even byte with an odd value takes its word's high class.
            let odd_value = _mm512_test_epi16_mask(v, _mm512_set1_epi16(0x0001));
            let even = _mm512_mask_srli_epi16::<8>(even, odd_value, even);
            // An odd byte with an even value takes its word's low class.
            let even_value = _mm512_testn_epi16_mask(v, _mm512_set1_epi16(0x0100));
            let odd = _mm512_mask_slli_epi16::<8>(odd, even_value, odd);
            _mm512_mask_blend_epi8(0x5555_5555_5555_5555, odd, even)
        }
    }

    /// Entry `index` (below 32) of the allowed-set table `table` (`lo` and
    /// `hi` its halves, for the lookup without VBMI: two `vpshufb` and a
    /// select by bit 4 of the index).
    ///
    /// # Safety
    ///
    /// As [`later`].
    #[inline(always)]
    unsafe fn allowed<const VBMI: bool>(
        index: __m512i,
        table: &[u8; 64],
        lo: &[u8; 64],
        hi: &[u8; 64],
    ) -> __m512i {
        // SAFETY: the caller's contract.
        unsafe {
            if VBMI {
                return _mm512_permutexvar_epi8(index, load(table));
            }
            let from_lo = _mm512_shuffle_epi8(load(lo), index);
            let from_hi = _mm512_shuffle_epi8(load(hi), index);
            let upper = _mm512_test_epi8_mask(index, _mm512_set1_epi8(16));
            _mm512_mask_mov_epi8(from_lo, upper, from_hi)
        }
    }

    /// The bytes where the block stops being valid UTF-8 (given the
    /// previous block, for sequences that cross).
    ///
    /// # Safety
    ///
    /// As [`later`].
    #[inline(always)]
    unsafe fn utf8_errors<const VBMI: bool>(v: __m512i, prev_v: __m512i) -> u64 {
        // SAFETY: the caller's contract.
        unsafe {
            let prev1 = later::<VBMI, 1>(v, prev_v);
            let prev2 = later::<VBMI, 2>(v, prev_v);
            let prev3 = later::<VBMI, 3>(v, prev_v);
            let nibble = _mm512_set1_epi8(0x0f);
            let high = |x: __m512i| _mm512_and_si512(_mm512_srli_epi16::<4>(x), nibble);
            let special = _mm512_and_si512(
                _mm512_and_si512(
                    _mm512_shuffle_epi8(load(&UTF8_PREV_HIGH), high(prev1)),
                    _mm512_shuffle_epi8(load(&UTF8_PREV_LOW), _mm512_and_si512(prev1, nibble)),
                ),
                _mm512_shuffle_epi8(load(&UTF8_CUR_HIGH), high(v)),
            );
            // The third and fourth bytes of 3- and 4-byte sequences must be
            // continuations (special has 0x80 set for those exactly).
            let third = _mm512_subs_epu8(prev2, _mm512_set1_epi8((0xe0u8 - 0x80) as i8));
            let fourth = _mm512_subs_epu8(prev3, _mm512_set1_epi8((0xf0u8 - 0x80) as i8));
            let must = _mm512_and_si512(_mm512_or_si512(third, fourth), _mm512_set1_epi8(-128));
            let err = _mm512_xor_si512(must, special);
            _mm512_test_epi8_mask(err, err)
        }
    }

    /// [`Simd::skip_container`] with AVX-512 VBMI.
    #[target_feature(enable = "avx512f,avx512bw,avx512vbmi,pclmulqdq,bmi1,bmi2")]
    pub(super) fn skip_vbmi(ev: &[u8], p: usize, levels: u32) -> Option<usize> {
        // SAFETY: this function is compiled for every feature `skip` uses
        // with `VBMI`, and called only where the CPU has them.
        unsafe { skip::<true>(ev, p, levels) }
    }

    /// [`Simd::skip_container`] with AVX-512BW alone.
    #[target_feature(enable = "avx512f,avx512bw,pclmulqdq,bmi1,bmi2")]
    pub(super) fn skip_bw(ev: &[u8], p: usize, levels: u32) -> Option<usize> {
        // SAFETY: this function is compiled for every feature `skip` uses
        // without `VBMI`, and called only where the CPU has them.
        unsafe { skip::<false>(ev, p, levels) }
    }

    /// See [`Simd::skip_container`]; one body for both variants, inlined
    /// into each.
    ///
    /// Everything carried from one block to the next lives in locals (the
    /// last bits of some masks, the carries of the additions that cross
    /// runs, the nesting), so that the compiler keeps them in registers.
    ///
    /// # Safety
    ///
    /// Inlined only into functions compiled for AVX-512F, BW, PCLMULQDQ,
    /// BMI1 and BMI2 (and VBMI when `VBMI`), which the CPU has.
    #[inline(always)]
    unsafe fn skip<const VBMI: bool>(ev: &[u8], p: usize, levels: u32) -> Option<usize> {
        // SAFETY: the caller's contract covers every intrinsic below.
        unsafe {
            let set1 = |c: u8| _mm512_set1_epi8(c as i8);
            let mut prev_v = _mm512_setzero_si512();
            // Before the value: as after a colon.
            let mut prev_class = set1(COLON);
            let (mut c_in_str, mut c_escaped, mut c_non_ascii) = (0u64, 0u64, 0u64);
            let (mut c_digit, mut c_dot, mut c_exp, mut c_es, mut c_zs) =
                (0u64, 0u64, 0u64, 0u64, 0u64);
            let (mut c_letter, mut c_t, mut c_f) = (0u64, 0u64, 0u64);
            let (mut c_key_close, mut c_comma_obj, mut c_opens_key, mut c_ws) =
                (0u64, 0u64, 0u64, 0u64);
            let (mut k_dot, mut k_exp, mut k_key) = (false, false, false);
            let (mut l_open, mut l_key, mut l_comma) = (false, false, false);
            // One bit per open container (1 = array), the innermost at bit 0,
            // and a 1 above the outermost: the stack is 1 when the value has
            // closed, and reaches `limit` when it nests deeper than `levels`
            // (at most 62 here: deeper values go to the scalar validator).
            let mut stack = 1u64;
            let limit = 1u64 << (levels.min(62) + 1);
            let mut base = p;
            let mut pad = [b' '; 64];
            while base < ev.len() {
                let v = load(block_at(ev, base, &mut pad));
                let eq = |c: u8| _mm512_cmpeq_epi8_mask(v, set1(c));
                let mut quote = eq(b'"');
                let backslash = eq(b'\\');
                let non_ascii = _mm512_movepi8_mask(v);
                // Invalid escapes and invalid UTF-8.
                let mut bad = 0u64;
                let mut u_escapes = 0;
                if backslash | c_escaped != 0 {
                    let escaped = find_escaped(backslash, &mut c_escaped);
                    quote &= !escaped;
                    let simple = eq(b'"')
                        | eq(b'\\')
                        | eq(b'/')
                        | eq(b'b')
                        | eq(b'f')
                        | eq(b'n')
                        | eq(b'r')
                        | eq(b't');
                    u_escapes = escaped & eq(b'u');
                    bad |= escaped & !(simple | u_escapes);
                }
                if non_ascii | c_non_ascii != 0 {
                    bad |= utf8_errors::<VBMI>(v, prev_v);
                    c_non_ascii = non_ascii >> 61;
                }
                prev_v = v;
                let in_str = prefix_xor(quote) ^ c_in_str;
                c_in_str = ((in_str as i64) >> 63) as u64;
                let outside = !(in_str | quote);
                let opening = quote & in_str;

                // The class of every byte: strings' insides and opening quotes
                // from the masks, the rest by table. A class compare then
                // gives a mask of bytes outside strings in one instruction.
                let class = classify::<VBMI>(v);
                let class = _mm512_mask_mov_epi8(class, in_str, set1(STR));
                let class = _mm512_mask_mov_epi8(class, opening, set1(OPEN_QUOTE));
                let is = |k: u8| _mm512_cmpeq_epi8_mask(class, set1(k));
                let ws = is(WS);
                let open_obj = is(OPEN_OBJ);
                let open_arr = is(OPEN_ARR);
                let close = is(CLOSE);
                // '[' and ']' lack the 0x20 bit that '{' and '}' have.
                let arrays = open_arr | (close & _mm512_testn_epi8_mask(v, set1(0x20)));
                let opens = open_obj | open_arr;

                // Nesting: walk the brackets only. The kind of the innermost
                // container changes after a bracket (a bracket counts in the
                // container around it; a closing one in the one it closes):
                // those changes, xor-ed up, give the bytes inside arrays.
                let top = stack & 1;
                let brackets = opens | close;
                let mut left = brackets;
                // Per bracket, the innermost container's kind after it, and
                // before it (for a closing bracket: the kind it closes).
                let (mut after, mut before) = (0u64, 0u64);
                let mut deepest = stack;
                let mut end = None;
                // Branch-free but for the loop and the end of the value:
                // brackets come in data-dependent orders.
                while left != 0 {
                    let j = left.trailing_zeros();
                    left &= left - 1;
                    before |= (stack & 1) << j;
                    stack = if (opens >> j) & 1 == 1 {
                        (stack << 1) | ((arrays >> j) & 1)
                    } else {
                        stack >> 1
                    };
                    deepest = deepest.max(stack);
                    if stack == 1 {
                        end = Some(j as usize);
                        break;
                    }
                    after |= (stack & 1) << j;
                }
                let upto = match end {
                    Some(j) => u64::MAX >> (63 - j),
                    None => u64::MAX,
                };
                // A closing bracket must match the innermost container, and the
                // nesting must stay within `levels` (deeper stacks are larger).
                if ((before ^ arrays) & close & upto) | (deepest >= limit) as u64 != 0 {
                    return None;
                }
                // The kinds after each bracket, in bracket order; where it
                // changes from one bracket to the next, the bytes after the
                // bracket change context: xor-ed up, those give the bytes
                // inside arrays.
                let kinds = _pext_u64(after, brackets);
                let changes = _pdep_u64(kinds ^ ((kinds << 1) | top), brackets);
                let obj = !(prefix_xor(changes << 1) ^ top.wrapping_neg());

                // Member names: strings right after `{` or after a comma in an
                // object. An addition carried through the string finds its
                // closing quote, which must be followed by a colon; a colon
                // follows nothing else.
                let colon = is(COLON);
                let comma_obj = is(COMMA) & obj;
                let opens_key = open_obj | comma_obj;
                let after_open = prev(opens_key, c_opens_key);
                let key_open = opening & land(after_open, ws, &mut l_open);
                let key_close = add(in_str, key_open, &mut k_key) & !in_str & quote;
                let p_key = land(prev(key_close, c_key_close), ws, &mut l_key);
                let after_comma = land(prev(comma_obj, c_comma_obj), ws, &mut l_comma);
                let v_names = (p_key ^ colon) | (after_comma & !opening);
                c_opens_key = opens_key;
                c_comma_obj = comma_obj;
                c_key_close = key_close;

                // Numbers: a leading zero is the whole integer part; at most one
                // '.' and one exponent, '.' first. For the latter an addition
                // carries each digit run that follows a '.' (an exponent) to
                // the byte after it, which must not be a '.' (a '.' or an
                // exponent).
                let digit = is(DIGIT);
                let dot = is(DOT);
                let exp = is(EXP);
                let p_digit = prev(digit, c_digit);
                let p_dot = prev(dot, c_dot);
                let p_exp = prev(exp, c_exp);
                let es = (is(MINUS) | is(PLUS)) & p_exp;
                let p_es = prev(es, c_es);
                let zs = eq(b'0') & outside & !(p_digit | p_dot | p_exp | p_es);
                let v_zero = prev(zs, c_zs) & digit;
                let land_dot = add(digit, p_dot & digit, &mut k_dot) & !digit;
                // Without a run after an exponent (most blocks), nothing lands.
                // (The branch also keeps the compiler from pairing the two
                // additions into vector instructions, which costs more.)
                let exp_runs = (p_exp | p_es) & digit;
                let land_exp = if exp_runs != 0 || k_exp {
                    add(digit, exp_runs, &mut k_exp) & !digit
                } else {
                    0
                };
                let v_order = (land_dot & dot) | (land_exp & (dot | exp));
                c_digit = digit;
                c_dot = dot;
                c_exp = exp;
                c_es = es;
                c_zs = zs;

                // Literals: runs of letters (an exponent's `e` is not one)
                // start with t, f or n and are checked word by word; the `e` of
                // `true` and `false` is a letter, not an exponent.
                let letter = is(LETTER);
                let lit_starts = letter & !prev(letter, c_letter);
                c_letter = letter;
                let mut lit_e = 0;
                let mut v_lits = 0;
                if lit_starts | c_t | c_f != 0 {
                    let t = lit_starts & eq(b't');
                    let f = lit_starts & eq(b'f');
                    v_lits = lit_starts & !(t | f | eq(b'n'));
                    lit_e = prev_n::<3>(t, c_t) | prev_n::<4>(f, c_f);
                    c_t = t;
                    c_f = f;
                }

                let violations = bad
                    | ((backslash | non_ascii) & outside)
                    | (_mm512_cmplt_epu8_mask(v, set1(0x20)) & in_str)
                    | v_lits
                    | v_names
                    | v_zero
                    | v_order;
                if violations & upto != 0 {
                    return None;
                }
                let mut lits = lit_starts & upto;
                while lits != 0 {
                    let at = base + lits.trailing_zeros() as usize;
                    lits &= lits - 1;
                    let word: &[u8] = match ev[at] {
                        b't' => b"true",
                        b'f' => b"false",
                        _ => b"null",
                    };
                    if ev.get(at..at + word.len()) != Some(word) {
                        return None;
                    }
                    if let Some(&after) = ev.get(at + word.len()) {
                        if !ends_scalar(after) {
                            return None;
                        }
                    }
                }
                // \u escapes: four hex digits, not a surrogate (pairs are left
                // to the scalar validator).
                let mut u = u_escapes & upto;
                while u != 0 {
                    let at = base + u.trailing_zeros() as usize;
                    u &= u - 1;
                    if !bmp_escape(ev, at + 1) {
                        return None;
                    }
                }

                // The pair check: the class of each byte must be in the set
                // allowed after the class of the byte before.
                let class = _mm512_mask_mov_epi8(class, lit_e, set1(LETTER));
                // White space takes the class of the byte before it (a
                // doubling fill), so that each byte meets the last one that is
                // not white space; pairs across white space use their own table.
                let mut filled = class;
                if ws != 0 {
                    let fill = |filled: __m512i, moved: __m512i| {
                        let blank = _mm512_cmpeq_epi8_mask(filled, set1(WS));
                        _mm512_mask_mov_epi8(filled, blank, moved)
                    };
                    filled = fill(filled, later::<VBMI, 1>(filled, prev_class));
                    filled = fill(filled, later::<VBMI, 2>(filled, prev_class));
                    filled = fill(filled, later::<VBMI, 4>(filled, prev_class));
                    filled = fill(filled, later::<VBMI, 8>(filled, prev_class));
                    filled = fill(filled, later::<VBMI, 16>(filled, prev_class));
                    filled = fill(filled, later::<VBMI, 32>(filled, prev_class));
                }
                let before = later::<VBMI, 1>(filled, prev_class);
                let after_ws = prev(ws, c_ws);
                c_ws = ws;
                // Classes are below 16: 2 * before + (class >> 3) < 32.
                let high = _mm512_and_si512(_mm512_srli_epi16::<3>(class), set1(1));
                let index = _mm512_or_si512(_mm512_add_epi8(before, before), high);
                let mut allow = allowed::<VBMI>(index, &ALLOW, &ALLOW_LO, &ALLOW_HI);
                if after_ws != 0 {
                    let across = allowed::<VBMI>(index, &ALLOW_WS, &ALLOW_WS_LO, &ALLOW_WS_HI);
                    allow = _mm512_mask_mov_epi8(allow, after_ws, across);
                }
                let bit = _mm512_shuffle_epi8(load(&BIT), class);
                let bad_pairs = _mm512_testn_epi8_mask(allow, bit) & !ws;
                if bad_pairs & upto != 0 {
                    return None;
                }
                if let Some(i) = end {
                    return Some(base + i + 1);
                }
                prev_class = filled;
                base += 64;
            }
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::scan::skip_value;
    use super::*;

    /// The block validator with and without VBMI, where the CPU has it.
    fn variants() -> Vec<Simd> {
        Simd::detect()
            .map(|s| vec![s, s.without_vbmi()])
            .unwrap_or_default()
    }

    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    /// Valid scalars first (`VALID` of them), then invalid ones and ones
    /// left to the scalar validator.
    const PIECES: &[&str] = &[
        "0",
        "-0",
        "1",
        "-12",
        "0.5",
        "12.25",
        "1e5",
        "1E+5",
        "-1.5e-07",
        "true",
        "false",
        "null",
        "\"\"",
        "\"a\"",
        "\"ab:c,d]\"",
        "1.0e00",
        "-0.0E-0",
        "\"a\\\"b\"",
        "\"a\\u00e9\\uFFFF\"",
        "\"\u{e9}\"",
        "\"\\\\\"",
        "\"\\n\\t\\/\\b\\f\\r\"",
        "\"日本語\"",
        "\"\u{1F600}x\u{10FFFF}\"",
        "\"\\\\\\\\\\\"\"",
        // Invalid, or left to the scalar validator:
        "\"\\ud83d\\ude00\"",
        "\"\\ud800\"",
        "\"\\u12\"",
        "\"\\x\"",
        "\"\\\"",
        "00",
        "01",
        "-",
        "1.",
        ".5",
        "1e",
        "1e+",
        "1.2.3",
        "1e2e3",
        "1e2.5",
        "--1",
        "1-2",
        "+1",
        "0x1",
        "1a",
        "tru",
        "truex",
        "nul",
        "nulll",
        "\"\t\"",
        "1 2",
        "NaN",
        "-Infinity",
    ];

    const VALID: usize = 25;

    /// Appends a random value, with white space between tokens if
    /// `spaced`; clears `plain` if it holds a piece the block validator
    /// leaves to the scalar one (or that is invalid).
    fn gen(r: &mut Rng, depth: u32, spaced: bool, plain: &mut bool, out: &mut String) {
        let ws = |r: &mut Rng, out: &mut String| {
            if spaced && r.below(6) == 0 {
                out.push_str([" ", "\n", "\t ", "\r\n"][r.below(4) as usize]);
            }
        };
        ws(r, out);
        match if depth > 6 { 2 } else { r.below(5) } {
            0 => {
                out.push('{');
                let n = r.below(4);
                for i in 0..n {
                    if i > 0 {
                        out.push(',');
                    }
                    ws(r, out);
                    out.push_str(["\"x\"", "\"key\"", "\"\"", "\"a:b\""][r.below(4) as usize]);
                    ws(r, out);
                    out.push(':');
                    gen(r, depth + 1, spaced, plain, out);
                }
                ws(r, out);
                out.push('}');
            }
            1 => {
                out.push('[');
                let n = r.below(5);
                for i in 0..n {
                    if i > 0 {
                        out.push(',');
                    }
                    gen(r, depth + 1, spaced, plain, out);
                }
                ws(r, out);
                out.push(']');
            }
            _ => {
                let n = if r.below(40) == 0 {
                    PIECES.len()
                } else {
                    VALID
                };
                let i = r.below(n as u64) as usize;
                *plain &= i < VALID;
                out.push_str(PIECES[i]);
            }
        }
        ws(r, out);
    }

    #[test]
    fn agrees_with_the_scalar_validator() {
        for simd in variants() {
            let mut r = Rng(0x9E37_79B9_7F4A_7C15);
            let mut accepted = 0;
            for case in 0..60_000 {
                let spaced = case % 4 == 0;
                let mut s = String::new();
                let mut plain = true;
                while s.len() < 100 + (case % 7) * 40 {
                    s.clear();
                    s.push('[');
                    plain = true;
                    gen(&mut r, 0, spaced, &mut plain, &mut s);
                    s.push(']');
                }
                let mut ev = s.into_bytes();
                // Mutate some cases at random bytes.
                for _ in 0..r.below(4).saturating_sub(1) {
                    plain = false;
                    let at = r.below(ev.len() as u64) as usize;
                    const BYTES: &[u8] =
                        b"{}[]:,\"\\ -+.eE0123tfnu\x01\x7f\xc3\x80\xbf\xe2\xed\xf0\xf4\xff\xc0";
                    ev[at] = BYTES[r.below(BYTES.len() as u64) as usize];
                }
                // Trailing bytes after the value, sometimes.
                if r.below(2) == 0 {
                    ev.extend_from_slice(b",\"\\u12\xff\"");
                }
                let levels = [1000usize, 3, 64][r.below(3) as usize];
                let fast = simd.skip_container(&ev, 0, levels);
                let mut stack = Vec::new();
                let slow = skip_value(&ev, 0, 1000 - levels, 1000, &mut stack).ok();
                if let (Some(end), b'[' | b'{') = (slow, ev[0]) {
                    assert_eq!(simd.skip_trusted(&ev, 0), Some(end), "trusted skip");
                }
                if let Some(end) = fast {
                    let shown = String::from_utf8_lossy(&ev);
                    assert_eq!(Some(end), slow, "accepted invalid or wrong end: {shown:?}");
                    accepted += 1;
                } else if plain && slow.is_some() {
                    // Valid without white space, escapes or non-ASCII: the
                    // block validator must take it.
                    panic!("refused: {:?}", String::from_utf8_lossy(&ev));
                }
            }
            assert!(accepted > 10_000, "accepted {accepted}");
        }
    }

    #[test]
    fn arrays_of_records_agree_with_the_scalar_validator() {
        // Arrays of records: brackets mostly in alternating order (open,
        // close, open...), blocks beginning at every place in a record.
        // Flipped brackets and records nested too deep must be caught as
        // the scalar validator catches them.
        for simd in variants() {
            let mut r = Rng(0x0DDB_A11C_AFE5_EED5);
            let mut accepted = 0;
            for case in 0..20_000 {
                // A string first, so that the first record, the first
                // bracket to go deeper, may fall in any block.
                let lead = "s".repeat(r.below(80) as usize);
                let mut s = format!("{{\"k\":[\"{lead}\"");
                for _ in 0..2 + r.below(30) {
                    s.push(',');
                    match r.below(6) {
                        0 => s.push_str("{\"x\":-122.42134725620248,\"y\":37.7188,\"z\":0}"),
                        1 => s.push_str("[1,[2],{\"a\":[]}]"),
                        2 => s.push_str("{\"x\":[1,2],\"y\":{}}"),
                        3 => s.push_str("[{\"x\":1},{\"y\":[true]}]"),
                        4 => {
                            // Records of any length, so that blocks begin
                            // at every place in them.
                            let pad = "x".repeat(r.below(12) as usize);
                            s.push_str(&format!("{{\"a\":\"{pad}\"}}"));
                        }
                        _ => s.push_str("[7]"),
                    }
                }
                s.push_str("],\"t\":\"end\"}");
                let mut ev = s.into_bytes();
                if case % 2 == 1 {
                    // A bracket of the other kind, or some other byte.
                    let brackets: Vec<usize> = (0..ev.len())
                        .filter(|&i| b"{}[]".contains(&ev[i]))
                        .collect();
                    let at = brackets[r.below(brackets.len() as u64) as usize];
                    ev[at] = match (ev[at], r.below(3)) {
                        (_, 2) => b"{}[],:"[r.below(6) as usize],
                        (c, _) => c ^ 0x20,
                    };
                }
                let levels = [1000usize, 2, 3, 4][case / 2 % 4];
                let fast = simd.skip_container(&ev, 0, levels);
                let mut stack = Vec::new();
                let slow = skip_value(&ev, 0, 1000 - levels, 1000, &mut stack).ok();
                if case % 2 == 0 && levels == 1000 {
                    assert!(fast.is_some(), "{:?}", String::from_utf8_lossy(&ev));
                }
                if fast.is_some() {
                    assert_eq!(fast, slow, "{:?}", String::from_utf8_lossy(&ev));
                    accepted += 1;
                }
            }
            assert!(accepted > 2_000, "{accepted}");
            // A record going one level too deep, its brackets alone in a
            // block or with others, at every place in the blocks.
            for lead in 40..180 {
                for tail in ["", ",{\"b\":2}", ",[3]"] {
                    let ev = format!(
                        "{{\"k\":[\"{}\",{{\"a\":1}}{tail},\"{}\"]}}",
                        "x".repeat(lead),
                        "y".repeat(70)
                    );
                    let ev = ev.as_bytes();
                    assert_eq!(simd.skip_container(ev, 0, 2), None, "{lead}");
                    assert_eq!(simd.skip_container(ev, 0, 3), Some(ev.len()), "{lead}");
                }
            }
        }
    }

    #[test]
    fn validates_utf8_in_strings_like_the_scalar_validator() {
        for simd in variants() {
            let mut r = Rng(0x2545_F491_4F6C_DD1D);
            let (mut valid, mut invalid) = (0, 0);
            for case in 0..200_000 {
                // ["xxxx<text>"] with the text placed across block boundaries.
                let mut ev = b"[\"".to_vec();
                ev.resize(2 + (case % 70), b'x');
                let chars = [
                    "é",
                    "日",
                    "\u{1F600}",
                    "\u{10FFFF}",
                    "\u{FFFF}",
                    "\u{80}",
                    "a",
                ];
                for _ in 0..r.below(6) {
                    ev.extend_from_slice(chars[r.below(chars.len() as u64) as usize].as_bytes());
                }
                if r.below(2) == 0 {
                    // Raw bytes: stray continuations, truncated or overlong
                    // sequences, surrogates, too large.
                    let n = 1 + r.below(4);
                    for _ in 0..n {
                        let b = [
                            0x80, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5,
                            0xff, 0xa0, 0x90, 0x8f,
                        ][r.below(16) as usize];
                        let at = r.below(ev.len() as u64 - 1) as usize + 2;
                        ev.insert(at.min(ev.len()), b);
                    }
                }
                ev.extend_from_slice(b"\"]");
                let fast = simd.skip_container(&ev, 0, 10);
                let ok = std::str::from_utf8(&ev).is_ok();
                let mut stack = Vec::new();
                let slow = skip_value(&ev, 0, 0, 10, &mut stack).ok();
                assert_eq!(slow.is_some(), ok);
                assert_eq!(fast, slow, "{ev:x?}");
                if ok {
                    valid += 1;
                } else {
                    invalid += 1;
                }
            }
            assert!(valid > 50_000 && invalid > 50_000, "{valid} {invalid}");
        }
    }

    #[test]
    fn validates_escapes_like_the_scalar_validator() {
        for simd in variants() {
            let mut r = Rng(0x1234_5678_9ABC_DEF1);
            let mut accepted = 0;
            for case in 0..200_000 {
                let mut ev = b"[\"".to_vec();
                ev.resize(2 + (case % 70), b'x');
                const BYTES: &[u8] = b"\\\\\\\"\"nu0d8Dc0Ffa/bx";
                for _ in 0..r.below(16) {
                    ev.push(BYTES[r.below(BYTES.len() as u64) as usize]);
                }
                ev.extend_from_slice(b"\",1]");
                let fast = simd.skip_container(&ev, 0, 10);
                let mut stack = Vec::new();
                let slow = skip_value(&ev, 0, 0, 10, &mut stack).ok();
                if fast.is_some() {
                    assert_eq!(fast, slow, "{:?}", String::from_utf8_lossy(&ev));
                    accepted += 1;
                }
            }
            assert!(accepted > 20_000, "{accepted}");
        }
    }

    #[test]
    fn deep_nesting_is_left_to_the_scalar_validator() {
        for simd in variants() {
            let deep = format!("{}{}", "[".repeat(70), "]".repeat(70));
            assert_eq!(simd.skip_container(deep.as_bytes(), 0, 1000), None);
            let ok = format!("{}{}", "[".repeat(62), "]".repeat(62));
            assert_eq!(simd.skip_container(ok.as_bytes(), 0, 1000), Some(124));
            assert_eq!(simd.skip_container(ok.as_bytes(), 0, 62), Some(124));
            assert_eq!(simd.skip_container(ok.as_bytes(), 0, 61), None);
            let deeper = format!("{}{}", "[".repeat(63), "]".repeat(63));
            assert_eq!(simd.skip_container(deeper.as_bytes(), 0, 1000), None);
            assert_eq!(simd.skip_container(b"{\"a\": 1}", 0, 10), Some(8));
            assert_eq!(
                simd.skip_container(b"{ \"a\" :\n\t1 ,\r\n\"b\":[ true , null ] }", 0, 10),
                Some(35)
            );
            assert_eq!(simd.skip_container(b"[1 2]", 0, 10), None);
            assert_eq!(simd.skip_container(b"[tru e]", 0, 10), None);
            assert_eq!(simd.skip_container(b"[1. 5]", 0, 10), None);
            assert_eq!(simd.skip_container(b"{\"a\" 1}", 0, 10), None);
            assert_eq!(simd.skip_container(b"{\"a\":1} ", 0, 10), Some(7));
            assert_eq!(simd.skip_container(b"[1,2", 0, 10), None);
            assert_eq!(simd.skip_container(b"[\"]\"", 0, 10), None);
        }
    }
}
