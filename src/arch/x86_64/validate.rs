//! The block validator's body: one 64-byte block at a time, each concern
//! of the grammar in its own part, carrying its state from block to block
//! in a small struct of its own:
//!
//! * [`Strings`]: quotes (escaped ones removed), the inside of strings,
//!   escapes and UTF-8;
//! * [`Nesting`]: the bracket walk, matching and depth, and the bytes
//!   inside arrays;
//! * [`MemberNames`]: strings after `{` or a comma in an object must be
//!   followed by a colon, and only those are;
//! * [`Numbers`]: leading zeros, and the order of `.` and exponent;
//! * [`Literals`]: `true`, `false` and `null`, word by word;
//! * [`Pairs`]: each byte's class must be allowed after the class of the
//!   byte before (white space crossed).
//!
//! Every part is inlined into one loop, whose states the compiler keeps
//! in registers (the structs are local and never escape).

use std::arch::x86_64::*;

use super::super::bits::*;
use super::super::tables::*;
use super::{load, prefix_xor};

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

/// A byte's 64-bit mask of the block where it equals `c`.
///
/// # Safety
///
/// As [`later`].
#[inline(always)]
unsafe fn eq(v: __m512i, c: u8) -> u64 {
    // SAFETY: the caller's contract.
    unsafe { _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(c as i8)) }
}

/// What [`Strings::block`] finds in a block.
struct StringMasks {
    /// Unescaped quotes.
    quote: u64,
    /// Bytes inside strings (opening quotes included, closing ones not).
    in_str: u64,
    /// Bytes outside strings and quotes.
    outside: u64,
    /// Opening quotes.
    opening: u64,
    /// Invalid escapes, invalid UTF-8, stray backslashes and non-ASCII
    /// bytes outside strings, control characters inside them.
    violations: u64,
    /// The `u` of each `\u` escape (its digits checked apart).
    u_escapes: u64,
}

/// Strings: quotes, escapes and UTF-8; carries whether the block starts
/// inside a string, escaped, or inside a multi-byte character.
struct Strings {
    escaped: u64,
    in_str: u64,
    non_ascii: u64,
    prev_v: __m512i,
}

impl Strings {
    /// # Safety
    ///
    /// As [`later`].
    #[inline(always)]
    unsafe fn new() -> Strings {
        Strings {
            escaped: 0,
            in_str: 0,
            non_ascii: 0,
            // SAFETY: the caller's contract.
            prev_v: unsafe { _mm512_setzero_si512() },
        }
    }

    /// # Safety
    ///
    /// As [`later`].
    #[inline(always)]
    unsafe fn block<const VBMI: bool>(&mut self, v: __m512i) -> StringMasks {
        // SAFETY: the caller's contract covers every intrinsic below.
        unsafe {
            let mut quote = eq(v, b'"');
            let backslash = eq(v, b'\\');
            let non_ascii = _mm512_movepi8_mask(v);
            // Invalid escapes and invalid UTF-8.
            let mut bad = 0u64;
            let mut u_escapes = 0;
            if backslash | self.escaped != 0 {
                let escaped = find_escaped(backslash, &mut self.escaped);
                quote &= !escaped;
                let simple = eq(v, b'"')
                    | eq(v, b'\\')
                    | eq(v, b'/')
                    | eq(v, b'b')
                    | eq(v, b'f')
                    | eq(v, b'n')
                    | eq(v, b'r')
                    | eq(v, b't');
                u_escapes = escaped & eq(v, b'u');
                bad |= escaped & !(simple | u_escapes);
            }
            if non_ascii | self.non_ascii != 0 {
                bad |= utf8_errors::<VBMI>(v, self.prev_v);
                self.non_ascii = non_ascii >> 61;
            }
            self.prev_v = v;
            let in_str = prefix_xor(quote) ^ self.in_str;
            self.in_str = ((in_str as i64) >> 63) as u64;
            let outside = !(in_str | quote);
            let control = _mm512_cmplt_epu8_mask(v, _mm512_set1_epi8(0x20));
            StringMasks {
                quote,
                in_str,
                outside,
                opening: quote & in_str,
                violations: bad | ((backslash | non_ascii) & outside) | (control & in_str),
                u_escapes,
            }
        }
    }

    /// Whether the `\u` escapes (their `u` in `u_escapes`, of the block at
    /// `base`) name characters outside the surrogates (pairs are left to
    /// the scalar validator).
    #[inline(always)]
    fn u_escapes_ok(ev: &[u8], base: usize, mut u_escapes: u64) -> bool {
        while u_escapes != 0 {
            let at = base + u_escapes.trailing_zeros() as usize;
            u_escapes &= u_escapes - 1;
            if !bmp_escape(ev, at + 1) {
                return false;
            }
        }
        true
    }
}

/// Where a block's brackets leave the value: the index of the bracket
/// that closes it, if in this block; the mask of the bytes up to there;
/// and the bytes inside objects (not arrays).
struct Walked {
    end: Option<usize>,
    upto: u64,
    obj: u64,
}

/// Nesting: one bit per open container (1 = array), the innermost at bit
/// 0, and a 1 above the outermost. The stack is 1 when the value has
/// closed, and reaches `limit` when it nests deeper than allowed (at most
/// 62 levels here: deeper values go to the scalar validator).
struct Nesting {
    stack: u64,
    limit: u64,
}

impl Nesting {
    fn new(levels: u32) -> Nesting {
        Nesting {
            stack: 1,
            limit: 1u64 << (levels.min(62) + 1),
        }
    }

    /// Walks the brackets of a block (opening ones in `opens`, closing in
    /// `close`, array brackets in `arrays`); `None` when a closing bracket
    /// does not match or the nesting is too deep.
    ///
    /// # Safety
    ///
    /// As [`later`] (BMI2 for the bit extract and deposit).
    #[inline(always)]
    unsafe fn walk(&mut self, opens: u64, close: u64, arrays: u64) -> Option<Walked> {
        // The kind of the innermost container changes after a bracket (a
        // bracket counts in the container around it; a closing one in the
        // one it closes): those changes, xor-ed up, give the bytes inside
        // arrays.
        let top = self.stack & 1;
        let brackets = opens | close;
        let mut left = brackets;
        // Per bracket, the innermost container's kind after it, and before
        // it (for a closing bracket: the kind it closes).
        let (mut after, mut before) = (0u64, 0u64);
        let mut stack = self.stack;
        let mut deepest = stack;
        let mut end = None;
        // Branch-free but for the loop and the end of the value: brackets
        // come in data-dependent orders.
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
        self.stack = stack;
        let upto = match end {
            Some(j) => u64::MAX >> (63 - j),
            None => u64::MAX,
        };
        // A closing bracket must match the innermost container, and the
        // nesting must stay within the levels (deeper stacks are larger).
        if ((before ^ arrays) & close & upto) | (deepest >= self.limit) as u64 != 0 {
            return None;
        }
        // The kinds after each bracket, in bracket order; where it changes
        // from one bracket to the next, the bytes after the bracket change
        // context: xor-ed up, those give the bytes inside arrays.
        // SAFETY: the caller's contract (BMI2).
        let changes = unsafe {
            let kinds = _pext_u64(after, brackets);
            _pdep_u64(kinds ^ ((kinds << 1) | top), brackets)
        };
        // SAFETY: the caller's contract (PCLMULQDQ).
        let obj = !(unsafe { prefix_xor(changes << 1) } ^ top.wrapping_neg());
        Some(Walked { end, upto, obj })
    }
}

/// Member names: strings right after `{` or after a comma in an object.
/// An addition carried through the string finds its closing quote, which
/// must be followed by a colon; a colon follows nothing else. Carries the
/// masks' last bits and the additions' carries.
#[derive(Default)]
struct MemberNames {
    key_close: u64,
    comma_obj: u64,
    opens_key: u64,
    land_open: bool,
    land_key: bool,
    land_comma: bool,
    carry_key: bool,
}

impl MemberNames {
    /// The bytes that break the rule, given the block's `{`, commas,
    /// colons, white space, strings and the bytes inside objects.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn violations(
        &mut self,
        open_obj: u64,
        comma: u64,
        colon: u64,
        ws: u64,
        obj: u64,
        s: &StringMasks,
    ) -> u64 {
        let comma_obj = comma & obj;
        let opens_key = open_obj | comma_obj;
        let after_open = prev(opens_key, self.opens_key);
        let key_open = s.opening & land(after_open, ws, &mut self.land_open);
        let key_close = add(s.in_str, key_open, &mut self.carry_key) & !s.in_str & s.quote;
        let p_key = land(prev(key_close, self.key_close), ws, &mut self.land_key);
        let after_comma = land(prev(comma_obj, self.comma_obj), ws, &mut self.land_comma);
        self.opens_key = opens_key;
        self.comma_obj = comma_obj;
        self.key_close = key_close;
        (p_key ^ colon) | (after_comma & !s.opening)
    }
}

/// Numbers: a leading zero is the whole integer part; at most one `.` and
/// one exponent, `.` first. Carries the masks' last bits and the
/// additions' carries.
#[derive(Default)]
struct Numbers {
    digit: u64,
    dot: u64,
    exp: u64,
    exp_sign: u64,
    zero: u64,
    carry_dot: bool,
    carry_exp: bool,
}

impl Numbers {
    /// The bytes that break the rules, given the block's digits, dots,
    /// exponent letters, signs, zeros (outside strings) and bytes outside
    /// strings.
    #[inline(always)]
    fn violations(
        &mut self,
        digit: u64,
        dot: u64,
        exp: u64,
        sign: u64,
        zero: u64,
        outside: u64,
    ) -> u64 {
        let p_digit = prev(digit, self.digit);
        let p_dot = prev(dot, self.dot);
        let p_exp = prev(exp, self.exp);
        let exp_sign = sign & p_exp;
        let p_sign = prev(exp_sign, self.exp_sign);
        let zs = zero & outside & !(p_digit | p_dot | p_exp | p_sign);
        let v_zero = prev(zs, self.zero) & digit;
        // An addition carries each digit run that follows a '.' (an
        // exponent) to the byte after it, which must not be a '.' (a '.'
        // or an exponent).
        let land_dot = add(digit, p_dot & digit, &mut self.carry_dot) & !digit;
        // Without a run after an exponent (most blocks), nothing lands.
        // (The branch also keeps the compiler from pairing the two
        // additions into vector instructions, which costs more.)
        let exp_runs = (p_exp | p_sign) & digit;
        let land_exp = if exp_runs != 0 || self.carry_exp {
            add(digit, exp_runs, &mut self.carry_exp) & !digit
        } else {
            0
        };
        self.digit = digit;
        self.dot = dot;
        self.exp = exp;
        self.exp_sign = exp_sign;
        self.zero = zs;
        v_zero | (land_dot & dot) | (land_exp & (dot | exp))
    }
}

/// What [`Literals::block`] finds in a block.
struct LiteralMasks {
    /// First letters of runs of letters.
    starts: u64,
    /// The `e` of `true` and `false` (a letter, not an exponent).
    e: u64,
    /// Runs that start with a letter other than t, f or n.
    violations: u64,
}

/// Literals: runs of letters (an exponent's `e` is not one) start with t,
/// f or n and are checked word by word. Carries the last bits of the
/// letter, `t` and `f` masks.
#[derive(Default)]
struct Literals {
    letter: u64,
    t: u64,
    f: u64,
}

impl Literals {
    /// # Safety
    ///
    /// As [`later`].
    #[inline(always)]
    unsafe fn block(&mut self, v: __m512i, letter: u64) -> LiteralMasks {
        let starts = letter & !prev(letter, self.letter);
        self.letter = letter;
        let (mut e, mut violations) = (0, 0);
        if starts | self.t | self.f != 0 {
            // SAFETY: the caller's contract.
            let (t, f, n) = unsafe { (eq(v, b't'), eq(v, b'f'), eq(v, b'n')) };
            let (t, f) = (starts & t, starts & f);
            violations = starts & !(t | f | n);
            e = prev_n::<3>(t, self.t) | prev_n::<4>(f, self.f);
            self.t = t;
            self.f = f;
        }
        LiteralMasks {
            starts,
            e,
            violations,
        }
    }

    /// Whether each literal starting in `starts` (of the block at `base`)
    /// is a whole `true`, `false` or `null`.
    #[inline(always)]
    fn words_ok(ev: &[u8], base: usize, mut starts: u64) -> bool {
        while starts != 0 {
            let at = base + starts.trailing_zeros() as usize;
            starts &= starts - 1;
            let word: &[u8] = match ev[at] {
                b't' => b"true",
                b'f' => b"false",
                _ => b"null",
            };
            if ev.get(at..at + word.len()) != Some(word) {
                return false;
            }
            if let Some(&after) = ev.get(at + word.len()) {
                if !ends_scalar(after) {
                    return false;
                }
            }
        }
        true
    }
}

/// The pair check: the class of each byte must be in the set allowed
/// after the class of the byte before. Carries the last block's classes
/// (white space filled) and its white space mask.
struct Pairs {
    prev_class: __m512i,
    ws: u64,
}

impl Pairs {
    /// Before the value: as after a colon.
    ///
    /// # Safety
    ///
    /// As [`later`].
    #[inline(always)]
    unsafe fn new() -> Pairs {
        Pairs {
            // SAFETY: the caller's contract.
            prev_class: unsafe { _mm512_set1_epi8(COLON as i8) },
            ws: 0,
        }
    }

    /// The bytes whose class may not follow the class before them.
    ///
    /// # Safety
    ///
    /// As [`later`].
    #[inline(always)]
    unsafe fn violations<const VBMI: bool>(&mut self, class: __m512i, ws: u64) -> u64 {
        // SAFETY: the caller's contract covers every intrinsic below.
        unsafe {
            let set1 = |c: u8| _mm512_set1_epi8(c as i8);
            // White space takes the class of the byte before it (a
            // doubling fill), so that each byte meets the last one that is
            // not white space; pairs across white space use their own table.
            let prev_class = self.prev_class;
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
            let after_ws = prev(ws, self.ws);
            self.ws = ws;
            self.prev_class = filled;
            // Classes are below 16: 2 * before + (class >> 3) < 32.
            let high = _mm512_and_si512(_mm512_srli_epi16::<3>(class), set1(1));
            let index = _mm512_or_si512(_mm512_add_epi8(before, before), high);
            let mut allow = allowed::<VBMI>(index, &ALLOW, &ALLOW_LO, &ALLOW_HI);
            if after_ws != 0 {
                let across = allowed::<VBMI>(index, &ALLOW_WS, &ALLOW_WS_LO, &ALLOW_WS_HI);
                allow = _mm512_mask_mov_epi8(allow, after_ws, across);
            }
            let bit = _mm512_shuffle_epi8(load(&BIT), class);
            _mm512_testn_epi8_mask(allow, bit) & !ws
        }
    }
}

/// See [`Simd::skip_container`](crate::arch::Simd::skip_container); one
/// body for both variants, inlined into each.
///
/// # Safety
///
/// Inlined only into functions compiled for AVX-512F, BW, PCLMULQDQ,
/// BMI1 and BMI2 (and VBMI when `VBMI`), which the CPU has.
#[inline(always)]
pub(super) unsafe fn skip<const VBMI: bool>(ev: &[u8], p: usize, levels: u32) -> Option<usize> {
    // SAFETY: the caller's contract covers every intrinsic below and the
    // parts' functions.
    unsafe {
        let set1 = |c: u8| _mm512_set1_epi8(c as i8);
        let mut strings = Strings::new();
        let mut nesting = Nesting::new(levels);
        let mut names = MemberNames::default();
        let mut numbers = Numbers::default();
        let mut literals = Literals::default();
        let mut pairs = Pairs::new();
        let mut base = p;
        let mut pad = [b' '; 64];
        while base < ev.len() {
            let v = load(block_at(ev, base, &mut pad));
            let s = strings.block::<VBMI>(v);

            // The class of every byte: strings' insides and opening quotes
            // from the masks, the rest by table. A class compare then
            // gives a mask of bytes outside strings in one instruction.
            let class = classify::<VBMI>(v);
            let class = _mm512_mask_mov_epi8(class, s.in_str, set1(STR));
            let class = _mm512_mask_mov_epi8(class, s.opening, set1(OPEN_QUOTE));
            let is = |k: u8| _mm512_cmpeq_epi8_mask(class, set1(k));
            let ws = is(WS);
            let open_obj = is(OPEN_OBJ);
            let open_arr = is(OPEN_ARR);
            let close = is(CLOSE);
            // '[' and ']' lack the 0x20 bit that '{' and '}' have.
            let arrays = open_arr | (close & _mm512_testn_epi8_mask(v, set1(0x20)));

            let w = nesting.walk(open_obj | open_arr, close, arrays)?;
            let v_names = names.violations(open_obj, is(COMMA), is(COLON), ws, w.obj, &s);
            let v_numbers = numbers.violations(
                is(DIGIT),
                is(DOT),
                is(EXP),
                is(MINUS) | is(PLUS),
                eq(v, b'0'),
                s.outside,
            );
            let lit = literals.block(v, is(LETTER));
            if (s.violations | lit.violations | v_names | v_numbers) & w.upto != 0 {
                return None;
            }
            if !Literals::words_ok(ev, base, lit.starts & w.upto)
                || !Strings::u_escapes_ok(ev, base, s.u_escapes & w.upto)
            {
                return None;
            }
            let class = _mm512_mask_mov_epi8(class, lit.e, set1(LETTER));
            if pairs.violations::<VBMI>(class, ws) & w.upto != 0 {
                return None;
            }
            if let Some(i) = w.end {
                return Some(base + i + 1);
            }
            base += 64;
        }
        None
    }
}
