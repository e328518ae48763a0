//! Numbers as EventBridge compares them.
//!
//! A number token takes part in numeric comparisons only when its decimal
//! value is exactly the value of the shortest round-trip decimal form of the
//! nearest IEEE-754 double (the reference's `ComparableNumber` rule): `0.1`,
//! `300.0` and `3e2` qualify; `0.30000000000000001`, `9007199254740993` and
//! `1e400` do not. `-0` is the same number as `0`.

/// A decimal in normal form: `mantissa × 10^exp` with no trailing zero in
/// the mantissa, for decimals of at most 17 significant digits (all that a
/// double's shortest form can have). Zero is `(false, 0, 0)`.
type Decimal = (bool, u64, i64);

/// Normalizes a JSON number token (already validated), or `None` when it
/// has more than 17 significant digits. Never allocates.
fn normalize(text: &str) -> Option<Decimal> {
    let b = text.as_bytes();
    let mut i = 0;
    let negative = b.first() == Some(&b'-');
    if negative {
        i += 1;
    }
    let mut mantissa: u64 = 0;
    let mut sig = 0u32;
    // Zeros after the last non-zero digit, not yet in the mantissa.
    let mut pending = 0u32;
    // Digits after the decimal point.
    let mut frac: i64 = 0;
    let mut in_frac = false;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_digit() {
            if in_frac {
                frac += 1;
            }
            if c == b'0' {
                if sig > 0 {
                    pending += 1;
                }
            } else {
                if sig + pending + 1 > 17 {
                    return None;
                }
                for _ in 0..pending {
                    mantissa *= 10;
                }
                mantissa = mantissa * 10 + (c - b'0') as u64;
                sig += pending + 1;
                pending = 0;
            }
        } else if c == b'.' {
            in_frac = true;
        } else {
            break; // the exponent
        }
        i += 1;
    }
    let mut exp: i64 = 0;
    if i < b.len() {
        // 'e' or 'E', optional sign, digits.
        i += 1;
        let mut neg = false;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            neg = b[i] == b'-';
            i += 1;
        }
        while i < b.len() {
            // Saturate: anything this large is far outside the double range.
            exp = exp.saturating_mul(10).saturating_add((b[i] - b'0') as i64);
            i += 1;
        }
        if neg {
            exp = -exp;
        }
    }
    if mantissa == 0 {
        return Some((false, 0, 0));
    }
    Some((
        negative,
        mantissa,
        exp.saturating_sub(frac).saturating_add(pending as i64),
    ))
}

/// Whether a token is short, has no exponent, and has at most 15
/// significant digits.
fn is_short_plain(text: &[u8]) -> bool {
    if text.len() > 40 {
        return false;
    }
    let mut sig = 0;
    let mut started = false;
    for &b in text {
        match b {
            b'1'..=b'9' => {
                started = true;
                sig += 1;
            }
            b'0' if started => sig += 1,
            b'0' | b'-' | b'.' => {}
            _ => return false,
        }
    }
    // Trailing zeros after a point may overcount; that only sends a few
    // tokens to the slow path.
    sig <= 15
}

/// Powers of ten a double holds exactly.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// A plain token (`-?[0-9]+(.[0-9]+)?`) read into an integer: its sign,
/// the digits from the first non-zero one as `mantissa` (trailing zeros
/// kept), and the count of digits after the point.
#[derive(Debug, Clone, Copy)]
struct Plain {
    negative: bool,
    mantissa: u64,
    frac: usize,
}

/// The value of eight ASCII digits (the first is the most significant),
/// or `None` if one of the bytes is not a digit. simdjson's SWAR method.
#[inline]
fn eight_digits(w: u64) -> Option<u64> {
    const LOW: u64 = 0x0f0f_0f0f_0f0f_0f0f;
    let high = w & 0xf0f0_f0f0_f0f0_f0f0;
    let carried = (w.wrapping_add(0x0606_0606_0606_0606) & 0xf0f0_f0f0_f0f0_f0f0) >> 4;
    if high | carried != 0x3333_3333_3333_3333 {
        return None;
    }
    let w = ((w & LOW).wrapping_mul(1 + (10 << 8))) >> 8;
    let w = ((w & 0x00ff_00ff_00ff_00ff).wrapping_mul(1 + (100 << 16))) >> 16;
    Some((((w & 0x0000_ffff_0000_ffff).wrapping_mul(1 + (10000 << 32))) >> 32) & 0xffff_ffff)
}

/// `10^k` as integers, `k <= 19`.
const POW10_U64: [u64; 20] = {
    let mut t = [1u64; 20];
    let mut k = 1;
    while k < 20 {
        t[k] = t[k - 1] * 10;
        k += 1;
    }
    t
};

/// Appends the digit string `s` to `m`; `None` if `s` holds a non-digit
/// or `m` would reach 10^19 (more than 19 digits from the first non-zero
/// one). Eight digits at a time; a tail under eight reloads the string's
/// last eight bytes with the ones already read masked to `'0'`.
#[inline]
fn append_digits(s: &[u8], m: &mut u64) -> Option<()> {
    let word = |at: usize| u64::from_le_bytes(s[at..at + 8].try_into().unwrap());
    let mut i = 0;
    while s.len() - i >= 8 {
        let v = eight_digits(word(i))?;
        if *m >= POW10_U64[11] {
            return None;
        }
        *m = *m * POW10_U64[8] + v;
        i += 8;
    }
    let r = s.len() - i;
    if r == 0 {
        return Some(());
    }
    if s.len() >= 8 {
        let keep = !0u64 << (8 * (8 - r));
        let w = (word(s.len() - 8) & keep) | (0x3030_3030_3030_3030 & !keep);
        let v = eight_digits(w)?;
        if *m >= POW10_U64[19 - r] {
            return None;
        }
        *m = *m * POW10_U64[r] + v;
        return Some(());
    }
    for &c in &s[i..] {
        if !c.is_ascii_digit() || *m >= POW10_U64[18] {
            return None;
        }
        *m = *m * 10 + (c - b'0') as u64;
    }
    Some(())
}

/// Reads a plain token, or `None` for any other form (exponents) and for
/// more than 19 digits from the first non-zero one.
#[inline]
fn parse_plain(b: &[u8]) -> Option<Plain> {
    let (negative, d) = match b.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, b),
    };
    let mut mantissa = 0;
    let int_len = d
        .iter()
        .position(|c| !c.is_ascii_digit())
        .unwrap_or(d.len());
    let (int, frac) = d.split_at(int_len);
    if int.is_empty() {
        return None;
    }
    append_digits(int, &mut mantissa)?;
    let frac = match frac.split_first() {
        None => &[][..],
        Some((b'.', f)) if !f.is_empty() => f,
        Some(_) => return None,
    };
    append_digits(frac, &mut mantissa)?;
    Some(Plain {
        negative,
        mantissa,
        frac: frac.len(),
    })
}

/// [`comparable`] of the commonest tokens: plain ones with at most 15
/// digits from the first non-zero one and at most 22 after the point. The
/// digits then make an integer below 2^53 and the power of ten is exact,
/// so one division, correctly rounded, gives the nearest double (what
/// `str::parse` gives, by its own fast path, after a slower general scan);
/// and such a decimal is the shortest form of that double (the fast path
/// of [`comparable`]). Anything else is `None`.
#[inline]
fn short_value(p: Plain) -> Option<f64> {
    if p.mantissa >= POW10_U64[15] || p.frac >= POW10.len() {
        return None;
    }
    let v = p.mantissa as f64 / POW10[p.frac];
    // -0 is 0.
    Some(if p.mantissa == 0 {
        0.0
    } else if p.negative {
        -v
    } else {
        v
    })
}

/// [`short_value`] of a token.
#[cfg(test)]
fn plain_short(b: &[u8]) -> Option<f64> {
    short_value(parse_plain(b)?)
}

/// `10^k` for `k <= 21`, the largest power [`long_value`] scales by.
const POW10_U128: [u128; 22] = {
    let mut t = [1u128; 22];
    let mut k = 1;
    while k < 22 {
        t[k] = t[k - 1] * 10;
        k += 1;
    }
    t
};

/// [`comparable`] of plain tokens that [`short_value`] refuses, with up to
/// 19 digits from the first non-zero one: the form of most other event
/// numbers (coordinates written with all 17 digits of their double, say).
///
/// `Some(answer)` when this decides, `None` to leave the token to the
/// general path (zero, integers, more than 21 digits after the point,
/// subnormal or large values, a decimal near a power of ten, a double at
/// the bottom of its binade, exact ties).
///
/// It decides in exact integer arithmetic what the general path decides by
/// parsing and printing. The token is `d = m / 10^k` with `m` free of
/// trailing zeros, `n` digits long. First the nearest double
/// `v = M * 2^E`: a division in floating point gives a guess within an
/// ulp or two, then `d` is placed exactly against the guess's rounding
/// interval (half an ulp each side, the ends in it when `M` is even, as
/// parsing rounds ties to even) and the guess moved until `d` is inside.
/// Then `d` is the shortest round-trip form (ryu's, which is Java's) if
/// and only if no decimal of fewer digits, that is no multiple of
/// `10^(1-k)`, lies in that interval, and among decimals of `n` digits `d`
/// is the closest to `v`. Away from powers of ten (which change the digit
/// count) and binade bottoms (which make the interval lopsided) these are
/// the only candidates. All quantities are scaled by `2^(1-E) * 10^k`, so
/// they are integers below 2^127.
fn long_value(p: Plain) -> Option<Option<f64>> {
    let (mut m, mut k) = (p.mantissa, p.frac);
    if m == 0 {
        return None;
    }
    while m % 10 == 0 {
        m /= 10;
        k = k.checked_sub(1)?;
    }
    if k == 0 || k >= POW10_U128.len() {
        return None;
    }
    let n = m.ilog10() as usize + 1;
    if n > 17 {
        // A double's shortest form has at most 17 digits.
        return Some(None);
    }
    if n < 4 || m < POW10_U64[n - 1] + 100 || m > POW10_U64[n] - 100 {
        return None;
    }
    let guess = m as f64 / POW10[k];
    let bits = guess.to_bits();
    let biased = (bits >> 52) as i64;
    let mut mant = (bits & ((1 << 52) - 1)) | (1 << 52);
    // d = m / 10^k and v = mant * 2^-s.
    let s = 1075 - biased;
    if !(1..=68).contains(&s) {
        return None;
    }
    let shift = (s + 1) as u32;
    let d2 = (m as u128) << shift;
    let h = POW10_U128[k];
    let v2 = |mant: u64| 2 * mant as u128 * h;
    for _ in 0..4 {
        let even = mant & 1 == 0;
        let v = v2(mant);
        let (lo, hi) = (v - h, v + h);
        if d2 < lo || (d2 == lo && !even) {
            mant -= 1;
        } else if d2 > hi || (d2 == hi && !even) {
            mant += 1;
        } else {
            break;
        }
        if !(1 << 52..1 << 53).contains(&mant) {
            return None;
        }
    }
    let even = mant & 1 == 0;
    let v = v2(mant);
    let (lo, hi) = (v - h, v + h);
    let inside = |x: u128| (lo < x && x < hi) || (even && (x == lo || x == hi));
    if !inside(d2) || mant == 1 << 52 {
        return None;
    }
    // The first multiple of 10^(1-k) (scaled: 10 << shift) from `lo` on.
    let tens = 10u128 << shift;
    let mut c = ((((lo >> shift) as u64) / 10 * 10) as u128) << shift;
    while c < lo || (c == lo && !even) {
        c += tens;
    }
    if inside(c) {
        return Some(None);
    }
    // The grid of n-digit decimals is `1 << shift` apart.
    let off = 2 * d2.abs_diff(v);
    let grid = 1u128 << shift;
    if off == grid {
        return None;
    }
    if off > grid {
        return Some(None);
    }
    let v = f64::from_bits(((biased as u64) << 52) | (mant & ((1 << 52) - 1)));
    Some(Some(if p.negative { -v } else { v }))
}

/// [`long_value`] of a token.
#[cfg(test)]
fn plain_long(b: &[u8]) -> Option<Option<f64>> {
    long_value(parse_plain(b)?)
}

/// [`comparable`] of a number token given as bytes (ASCII by the JSON
/// grammar).
pub(crate) fn comparable_bytes(text: &[u8]) -> Option<f64> {
    // The common forms first: they need no UTF-8 check (all ASCII).
    if let Some(p) = parse_plain(text) {
        if let Some(v) = short_value(p) {
            return Some(v);
        }
        if let Some(answer) = long_value(p) {
            return answer;
        }
    }
    comparable_general(std::str::from_utf8(text).ok()?)
}

/// The comparable value of a number token: `Some(v)` when the token is
/// exactly representable (see the module docs), with `-0` folded into `0`.
/// Never allocates.
pub(crate) fn comparable(text: &str) -> Option<f64> {
    comparable_bytes(text.as_bytes())
}

/// [`comparable`] by parsing and printing, without the fast paths of
/// [`comparable_bytes`]. The reference evaluator uses it, so that the
/// differential tests hold those fast paths against it.
pub(crate) fn comparable_general(text: &str) -> Option<f64> {
    let v: f64 = text.parse().ok()?;
    // Fast path: at most 15 significant digits, no exponent, short. Such a
    // decimal is the shortest form of its nearest double (doubles carry 15
    // decimal digits faithfully), and it is far from overflow and
    // underflow.
    if is_short_plain(text.as_bytes()) {
        return Some(if v == 0.0 { 0.0 } else { v });
    }
    if !v.is_finite() {
        return None;
    }
    if v == 0.0 {
        // More than 17 significant digits (normalize says None): never a
        // shortest form.
        let tok = normalize(text)?;
        return if tok.1 == 0 { Some(0.0) } else { None };
    }
    // The reference compares against Java's `Double.toString`: the shortest
    // decimal that round-trips, the closest to the double among those, and
    // on a tie the one whose last digit is even. ryu chooses the same way
    // (core's formatter breaks ties the other way: -981446413237567.25 is
    // ...567.2 for Java and ryu, ...567.3 for core).
    let mut buf = ryu::Buffer::new();
    let shortest = buf.format_finite(v);
    // Most event numbers are written as ryu writes them: done.
    if shortest == text {
        return Some(v);
    }
    let tok = normalize(text)?;
    if normalize(shortest).as_ref() == Some(&tok) {
        Some(v)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::{comparable, plain_short};

    #[test]
    fn plain_short_tokens_parse_as_str_parse_does() {
        let mut x: u64 = 0x0dd_ba11_cafe;
        let mut checked = 0;
        for _ in 0..50_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let digits = 1 + (x % 24) as usize;
            let mut t = String::new();
            if x & (1 << 10) != 0 {
                t.push('-');
            }
            let point = (x >> 11) as usize % (digits + 3);
            let mut y = x >> 16;
            for i in 0..digits {
                if i == point && i > 0 {
                    t.push('.');
                }
                // Many zeros, to hit leading and trailing ones.
                let d = if y.is_multiple_of(3) { 0 } else { y % 10 };
                t.push((b'0' + d as u8) as char);
                y = y / 10 + (x.rotate_left(i as u32) & 0xff);
            }
            if let Some(v) = plain_short(t.as_bytes()) {
                checked += 1;
                let want: f64 = t.parse().unwrap();
                let want = if want == 0.0 { 0.0 } else { want };
                assert_eq!(v.to_bits(), want.to_bits(), "{t}");
            }
        }
        assert!(checked > 10_000, "{checked}");
        for t in [
            "", "-", ".5", "5.", "1.2.3", "+1", "1e5", "-.5", "0x1", "1_0",
        ] {
            assert_eq!(plain_short(t.as_bytes()), None, "{t}");
        }
        assert_eq!(plain_short(b"-0.000"), Some(0.0));
        assert!(plain_short(b"-0.000").unwrap().is_sign_positive());
        assert_eq!(plain_short(b"123456789012345"), Some(123456789012345.0));
        assert_eq!(plain_short(b"1234567890123456"), None);
        assert_eq!(plain_short(b"0.0000000000000000000001"), Some(1e-22));
        assert_eq!(plain_short(b"0.00000000000000000000001"), None);
    }

    /// A 64-bit xorshift step.
    fn next(x: &mut u64) -> u64 {
        *x ^= *x << 13;
        *x ^= *x >> 7;
        *x ^= *x << 17;
        *x
    }

    /// Long plain tokens near doubles' shortest forms: the forms, the
    /// decimals a few last-digit steps away, and the same with one more
    /// or one fewer digit.
    fn long_tokens(seed: u64, count: usize) -> Vec<String> {
        let mut x = seed;
        let mut out = Vec::new();
        while out.len() < count {
            let r = next(&mut x);
            // Magnitudes from about 1e-6 to 1e6, CityLots-like values too.
            let v = match r % 4 {
                0 => f64::from_bits(r),
                1 => (r >> 11) as f64 / (1u64 << 53) as f64 * 360.0 - 180.0,
                2 => {
                    ((r >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 10f64.powi((r % 13) as i32 - 6)
                }
                _ => -122.0 - (r >> 11) as f64 / (1u64 << 53) as f64,
            };
            if !v.is_finite() || v == 0.0 {
                continue;
            }
            let mut buf = ryu::Buffer::new();
            let short = buf.format_finite(v).to_string();
            if short.contains('e') {
                continue;
            }
            let (int, frac) = match short.split_once('.') {
                Some(p) => p,
                None => continue,
            };
            let digits: String = format!("{int}{frac}");
            let k = frac.len();
            let Ok(m) = digits.trim_start_matches('-').parse::<i128>() else {
                continue;
            };
            let neg = int.starts_with('-');
            let step = (next(&mut x) % 7) as i128 - 3;
            for (mm, kk) in [
                (m, k),
                (m + step, k),
                (m * 10 + step, k + 1),
                (m / 10, k.saturating_sub(1)),
                (m * 10 + 5, k + 1),
            ] {
                if kk == 0 || mm <= 0 {
                    continue;
                }
                let s = format!("{mm:0>width$}", width = kk + 1);
                let (a, b) = s.split_at(s.len() - kk);
                out.push(format!("{}{a}.{b}", if neg { "-" } else { "" }));
            }
        }
        out
    }

    #[test]
    fn plain_long_decides_as_the_general_path() {
        let mut decided = 0;
        let mut yes = 0;
        for t in long_tokens(0x5eed_0fc0_ffee, 400_000) {
            let want = super::comparable_general(&t);
            if let Some(got) = super::plain_long(t.as_bytes()) {
                decided += 1;
                yes += got.is_some() as usize;
                assert_eq!(got.map(f64::to_bits), want.map(f64::to_bits), "{t}");
            }
            assert_eq!(
                comparable(&t).map(f64::to_bits),
                want.map(f64::to_bits),
                "{t}"
            );
        }
        assert!(decided > 300_000 && yes > 50_000, "{decided} {yes}");
        for t in [
            "-122.42134725620248",
            "37.718838879882895",
            "-122.4213975608478",
            "0.30000000000000004",
            "0.30000000000000001",
            "9007199254740.9931",
            "123456789012345678.9",
            "1.00000000000000000001",
            "99999999999999.999",
        ] {
            let want = super::comparable_general(t);
            if let Some(got) = super::plain_long(t.as_bytes()) {
                assert_eq!(got.map(f64::to_bits), want.map(f64::to_bits), "{t}");
            }
            assert_eq!(comparable(t).map(f64::to_bits), want.map(f64::to_bits));
        }
        assert_eq!(
            super::plain_long(b"-122.42134725620248"),
            Some(Some(-122.42134725620248))
        );
        assert_eq!(super::plain_long(b"0.30000000000000001"), Some(None));
    }

    #[test]
    fn representable() {
        for (t, v) in [
            ("300", 300.0),
            ("300.0", 300.0),
            ("3e2", 300.0),
            ("3.0E+2", 300.0),
            ("30e1", 300.0),
            ("0.1", 0.1),
            ("1e-1", 0.1),
            ("-0", 0.0),
            ("-0.0", 0.0),
            ("0e10", 0.0),
            ("9007199254740992", 9007199254740992.0),
            ("1.7976931348623157e308", f64::MAX),
            ("5e-324", 5e-324),
            ("-1.5", -1.5),
            ("-15e-1", -1.5),
        ] {
            assert_eq!(comparable(t), Some(v), "{t}");
            assert!(comparable(t).unwrap().is_sign_positive() || v < 0.0);
        }
    }

    #[test]
    fn shortest_forms_are_representable_and_longer_ones_not() {
        let mut ties = 0;
        let mut x: u64 = 0x1234_5678_9abc_def1;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let v = f64::from_bits(x);
            if !v.is_finite() {
                continue;
            }
            let want = if v == 0.0 { 0.0 } else { v };
            let mut buf = ryu::Buffer::new();
            let short = buf.format_finite(v).to_string();
            for t in [short.clone(), short.to_uppercase()] {
                assert_eq!(comparable(&t), Some(want), "{t}");
            }
            // Core's shortest form equals ryu's except on ties.
            let core = format!("{v:e}");
            if comparable(&core).is_none() {
                ties += 1;
            }
            // One more significant digit is a different decimal value: not
            // this double (it may be the shortest form of another one).
            let e = format!("{v:e}");
            if comparable(&e).is_none() {
                continue;
            }
            let (m, exp) = e.split_once('e').unwrap();
            let longer = if m.contains('.') {
                format!("{m}1e{exp}")
            } else {
                format!("{m}.1e{exp}")
            };
            assert_ne!(comparable(&longer), Some(want), "{longer}");
        }
        assert!(ties < 100, "{ties} ties");
    }

    #[test]
    fn ties_round_to_even_as_java_does() {
        // -981446413237567.25 is exactly halfway between ...567.2 and
        // ...567.3; Java's Double.toString gives ...567.2.
        assert_eq!(
            comparable("-981446413237567.2"),
            Some(-981_446_413_237_567.2)
        );
        assert_eq!(comparable("-981446413237567.3"), None);
        assert_eq!(comparable("-981446413237567.25"), None);
    }

    #[test]
    fn not_representable() {
        for t in [
            "0.30000000000000001",
            "9007199254740993",
            "1e400",
            "-1e400",
            "1e-400",
            "12345678901234567890",
            "300.000000000000001",
            "0.10000000000000001",
            "1e99999999999999999999999",
        ] {
            assert_eq!(comparable(t), None, "{t}");
        }
    }
}
