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

/// [`comparable`] of the commonest tokens, in one pass: `-?[0-9]+(.[0-9]+)?`
/// with at most 15 digits from the first non-zero one and at most 22 after
/// the point. The digits then make an integer below 2^53 and the power of
/// ten is exact, so one division, correctly rounded, gives the nearest
/// double (what `str::parse` gives, by its own fast path, after a slower
/// general scan); and such a decimal is the shortest form of that double
/// (the fast path of [`comparable`]). Anything else is `None`, for the
/// general path.
#[inline]
fn plain_short(b: &[u8]) -> Option<f64> {
    let (negative, d) = match b.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, b),
    };
    // The digits from the first non-zero one are the mantissa's: at most
    // 15 of them is a mantissa below 10^15.
    let mut mantissa: u64 = 0;
    let mut digit = |c: u8| {
        if mantissa >= 100_000_000_000_000 {
            return false;
        }
        mantissa = mantissa * 10 + (c - b'0') as u64;
        true
    };
    let mut i = 0;
    while i < d.len() && d[i].is_ascii_digit() {
        if !digit(d[i]) {
            return None;
        }
        i += 1;
    }
    if i == 0 {
        return None;
    }
    let mut frac = 0;
    if i < d.len() {
        if d[i] != b'.' {
            return None;
        }
        i += 1;
        let from = i;
        while i < d.len() && d[i].is_ascii_digit() {
            if !digit(d[i]) {
                return None;
            }
            i += 1;
        }
        frac = i - from;
        if frac == 0 || i != d.len() || frac >= POW10.len() {
            return None;
        }
    }
    let v = mantissa as f64 / POW10[frac];
    // -0 is 0.
    Some(if mantissa == 0 {
        0.0
    } else if negative {
        -v
    } else {
        v
    })
}

/// [`comparable`] of a number token given as bytes (ASCII by the JSON
/// grammar).
pub(crate) fn comparable_bytes(text: &[u8]) -> Option<f64> {
    // The common form first: it needs no UTF-8 check (all ASCII digits).
    if let Some(v) = plain_short(text) {
        return Some(v);
    }
    comparable_general(std::str::from_utf8(text).ok()?)
}

/// The comparable value of a number token: `Some(v)` when the token is
/// exactly representable (see the module docs), with `-0` folded into `0`.
/// Never allocates.
pub(crate) fn comparable(text: &str) -> Option<f64> {
    plain_short(text.as_bytes()).or_else(|| comparable_general(text))
}

/// [`comparable`] of a token that [`plain_short`] has refused.
fn comparable_general(text: &str) -> Option<f64> {
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
