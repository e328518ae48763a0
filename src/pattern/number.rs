//! Numbers as EventBridge compares them.
//!
//! A number token takes part in numeric comparisons only when its decimal
//! value is exactly the value of the shortest round-trip decimal form of the
//! nearest IEEE-754 double (the reference's `ComparableNumber` rule): `0.1`,
//! `300.0` and `3e2` qualify; `0.30000000000000001`, `9007199254740993` and
//! `1e400` do not. `-0` is the same number as `0`.

/// A decimal in normal form: `0.d1d2d3… × 10^exp`, with no leading or
/// trailing zero digit. Zero has no digits.
#[derive(Debug, PartialEq, Eq)]
struct Decimal<'a> {
    negative: bool,
    digits: std::borrow::Cow<'a, [u8]>,
    exp: i64,
}

/// Normalizes a JSON number token (already validated by the lexer).
fn normalize(text: &str) -> Decimal<'_> {
    let b = text.as_bytes();
    let mut i = 0;
    let negative = b.first() == Some(&b'-');
    if negative {
        i += 1;
    }
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let int_part = &b[int_start..i];
    let mut frac_part: &[u8] = &[];
    if i < b.len() && b[i] == b'.' {
        let s = i + 1;
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        frac_part = &b[s..i];
    }
    let mut exp: i64 = 0;
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        let mut neg = false;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            neg = b[i] == b'-';
            i += 1;
        }
        while i < b.len() && b[i].is_ascii_digit() {
            // Saturate: anything this large is far outside the double range.
            exp = exp.saturating_mul(10).saturating_add((b[i] - b'0') as i64);
            i += 1;
        }
        if neg {
            exp = -exp;
        }
    }
    let mut all: Vec<u8> = Vec::with_capacity(int_part.len() + frac_part.len());
    all.extend_from_slice(int_part);
    all.extend_from_slice(frac_part);
    let point = int_part.len() as i64;
    let lead = all.iter().take_while(|&&d| d == b'0').count();
    let trail = all.iter().rev().take_while(|&&d| d == b'0').count();
    if lead == all.len() {
        return Decimal {
            negative: false,
            digits: std::borrow::Cow::Borrowed(&[]),
            exp: 0,
        };
    }
    let digits = all[lead..all.len() - trail].to_vec();
    Decimal {
        negative,
        digits: std::borrow::Cow::Owned(digits),
        exp: exp.saturating_add(point - lead as i64),
    }
}

/// The comparable value of a number token: `Some(v)` when the token is
/// exactly representable (see the module docs), with `-0` folded into `0`.
pub(crate) fn comparable(text: &str) -> Option<f64> {
    let v: f64 = text.parse().ok()?;
    if !v.is_finite() {
        return None;
    }
    let tok = normalize(text);
    if v == 0.0 {
        return if tok.digits.is_empty() {
            Some(0.0)
        } else {
            None
        };
    }
    // Rust prints the shortest representation that round-trips.
    let shortest = format!("{:e}", v);
    let short = normalize(&shortest);
    if short == tok {
        Some(v)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::comparable;

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
