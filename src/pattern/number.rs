//! Numbers as EventBridge compares them.
//!
//! A number token takes part in numeric comparisons only when its decimal
//! value is exactly the value of the shortest round-trip decimal form of the
//! nearest IEEE-754 double (the reference's `ComparableNumber` rule): `0.1`,
//! `300.0` and `3e2` qualify; `0.30000000000000001`, `9007199254740993` and
//! `1e400` do not. `-0` is the same number as `0`.

/// A decimal in normal form: `0.d1d2d3… × 10^exp`, with no leading or
/// trailing zero digit; the digits are those of `int` then `frac`, less
/// `lead` leading and `trail` trailing zeros. Zero has no digits.
struct Decimal<'a> {
    negative: bool,
    int: &'a [u8],
    frac: &'a [u8],
    lead: usize,
    trail: usize,
    exp: i64,
}

impl Decimal<'_> {
    fn len(&self) -> usize {
        (self.int.len() + self.frac.len()).saturating_sub(self.lead + self.trail)
    }

    fn digits(&self) -> impl Iterator<Item = u8> + '_ {
        let n = self.len();
        self.int
            .iter()
            .chain(self.frac.iter())
            .skip(self.lead)
            .take(n)
            .copied()
    }

    fn same_value(&self, other: &Decimal<'_>) -> bool {
        let (a, b) = (self.len(), other.len());
        if a == 0 || b == 0 {
            return a == b;
        }
        self.negative == other.negative
            && self.exp == other.exp
            && a == b
            && self.digits().eq(other.digits())
    }
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
    let int = &b[int_start..i];
    let mut frac: &[u8] = &[];
    if i < b.len() && b[i] == b'.' {
        let s = i + 1;
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        frac = &b[s..i];
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
    let all = || int.iter().chain(frac.iter());
    let total = int.len() + frac.len();
    let lead = all().take_while(|&&d| d == b'0').count();
    let trail = if lead == total {
        0
    } else {
        all().rev().take_while(|&&d| d == b'0').count()
    };
    Decimal {
        negative,
        int,
        frac,
        lead,
        trail,
        exp: exp.saturating_add(int.len() as i64 - lead as i64),
    }
}

/// A fixed buffer that `write!` can print into without allocating.
struct StackBuf {
    buf: [u8; 40],
    len: usize,
}

impl std::fmt::Write for StackBuf {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        if end > self.buf.len() {
            return Err(std::fmt::Error);
        }
        self.buf[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
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

/// The comparable value of a number token: `Some(v)` when the token is
/// exactly representable (see the module docs), with `-0` folded into `0`.
/// Never allocates.
pub(crate) fn comparable(text: &str) -> Option<f64> {
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
    let tok = normalize(text);
    if v == 0.0 {
        return if tok.len() == 0 { Some(0.0) } else { None };
    }
    // Rust prints the shortest representation that round-trips.
    let mut buf = StackBuf {
        buf: [0; 40],
        len: 0,
    };
    use std::fmt::Write;
    write!(buf, "{:e}", v).ok()?;
    let shortest = std::str::from_utf8(&buf.buf[..buf.len]).ok()?;
    if normalize(shortest).same_value(&tok) {
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
