//! The x86-64 code: AVX-512 bodies of the block validator and of the
//! trusted-mode skip, compiled with `target_feature` and reached only
//! through [`Simd`](super::Simd), which proves the features present.

use std::arch::x86_64::*;

use super::bits::*;
use super::tables::*;

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
