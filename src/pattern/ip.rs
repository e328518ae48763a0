//! IP addresses and `cidr` ranges, as the reference compares them.
//!
//! An address is a string of hexadecimal digits (8 for IPv4, 32 for IPv6),
//! and a range is a pair of digit strings with open or closed ends. An
//! event string counts as an address only when it looks like one (the
//! reference's two regular expressions) and parses as one (Java's
//! `InetAddress` literal rules: decimal IPv4 octets, leading zeros allowed;
//! IPv6 groups of hex digits with at most one `::`; IPv4-mapped IPv6
//! addresses collapse to IPv4).

use smallvec::SmallVec;

/// The hexadecimal digits (ASCII `0-9A-F`) of an address.
pub(crate) type Nibbles = SmallVec<[u8; 32]>;

/// `[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+`
fn looks_v4(s: &[u8]) -> bool {
    let mut parts = 0;
    for part in s.split(|&b| b == b'.') {
        if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
            return false;
        }
        parts += 1;
    }
    parts == 4
}

/// `[0-9a-fA-F:]*:[0-9a-fA-F:]*`
fn looks_v6(s: &[u8]) -> bool {
    s.contains(&b':') && s.iter().all(|b| b.is_ascii_hexdigit() || *b == b':')
}

fn parse_v4(s: &[u8]) -> Option<[u8; 4]> {
    if s.is_empty() || s.len() > 15 {
        return None;
    }
    let mut out = [0u8; 4];
    for (i, part) in s.split(|&b| b == b'.').enumerate() {
        let mut v: u32 = 0;
        for &d in part {
            v = v * 10 + (d - b'0') as u32;
        }
        if v > 255 || i > 3 {
            return None;
        }
        out[i] = v as u8;
    }
    Some(out)
}

fn parse_v6(s: &[u8]) -> Option<[u8; 16]> {
    if s.len() < 2 {
        return None;
    }
    let mut dst = [0u8; 16];
    let mut i = 0;
    if s[0] == b':' {
        i += 1;
        if s[i] != b':' {
            return None;
        }
    }
    let mut colonp: Option<usize> = None;
    let mut j = 0usize;
    let mut saw_xdigit = false;
    let mut val: u32 = 0;
    while i < s.len() {
        let ch = s[i];
        i += 1;
        if let Some(d) = (ch as char).to_digit(16) {
            val = (val << 4) | d;
            if val > 0xffff {
                return None;
            }
            saw_xdigit = true;
            continue;
        }
        // Only ':' is left, by `looks_v6`.
        if !saw_xdigit {
            if colonp.is_some() {
                return None;
            }
            colonp = Some(j);
            continue;
        } else if i == s.len() {
            return None;
        }
        if j + 2 > 16 {
            return None;
        }
        dst[j] = (val >> 8) as u8;
        dst[j + 1] = val as u8;
        j += 2;
        saw_xdigit = false;
        val = 0;
    }
    if saw_xdigit {
        if j + 2 > 16 {
            return None;
        }
        dst[j] = (val >> 8) as u8;
        dst[j + 1] = val as u8;
        j += 2;
    }
    if let Some(cp) = colonp {
        if j == 16 {
            return None;
        }
        let n = j - cp;
        for k in 1..=n {
            dst[16 - k] = dst[cp + n - k];
            dst[cp + n - k] = 0;
        }
        j = 16;
    }
    if j != 16 {
        return None;
    }
    Some(dst)
}

/// The address bytes of `s` if it is an IP address literal (4 or 16 bytes).
pub(crate) fn parse_ip(s: &str) -> Option<SmallVec<[u8; 16]>> {
    parse_ip_bytes(s.as_bytes())
}

/// [`parse_ip`] of a string's UTF-8 bytes (an address is ASCII).
fn parse_ip_bytes(b: &[u8]) -> Option<SmallVec<[u8; 16]>> {
    if looks_v4(b) {
        return parse_v4(b).map(|a| SmallVec::from_slice(&a));
    }
    if looks_v6(b) {
        let a = parse_v6(b)?;
        if a[..10].iter().all(|&x| x == 0) && a[10] == 0xff && a[11] == 0xff {
            return Some(SmallVec::from_slice(&a[12..]));
        }
        return Some(SmallVec::from_slice(&a));
    }
    None
}

/// The upper-case hexadecimal digits.
const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Upper-case hexadecimal digits, as ASCII, of an address: the form the
/// reference compares addresses in.
fn to_nibbles(bytes: &[u8]) -> Nibbles {
    let mut out = Nibbles::new();
    for &b in bytes {
        out.push(HEX[(b >> 4) as usize]);
        out.push(HEX[(b & 0x0f) as usize]);
    }
    out
}

/// The hex digits of `s` (a string's UTF-8 bytes) if it is an IP address
/// literal. IPv4 takes one pass without allocating: the engine asks this
/// of every string at a field with an IP range.
pub(crate) fn ip_nibbles(s: &[u8]) -> Option<Nibbles> {
    if let Some(v4) = v4_nibbles(s) {
        return v4.map(|d| Nibbles::from_slice(&d));
    }
    parse_ip_bytes(s).map(|a| to_nibbles(&a))
}

/// What [`ip_nibbles`] answers for a string that looks like IPv4 (`None`
/// when it does not): its 8 digits, or `None` when it is no address. One
/// pass, where `looks_v4`, `parse_v4` and `to_nibbles` in turn cost three
/// passes and two small vectors.
fn v4_nibbles(s: &[u8]) -> Option<Option<[u8; 8]>> {
    let mut out = [0u8; 8];
    let (mut part, mut digits, mut v) = (0usize, 0usize, 0u32);
    let mut over = false;
    // Decides whether `s` looks like IPv4 (`[0-9]+(\.[0-9]+){3}`) before
    // whether it parses, as `parse_ip` does.
    for &b in s {
        match b {
            b'0'..=b'9' => {
                // Capped: only "more than 255" matters, and a long run of
                // digits must not overflow.
                v = (v * 10 + (b - b'0') as u32).min(1000);
                digits += 1;
            }
            b'.' if digits > 0 && part < 3 => {
                over |= v > 255;
                out[2 * part] = HEX[(v as usize >> 4) & 15];
                out[2 * part + 1] = HEX[v as usize & 15];
                (part, digits, v) = (part + 1, 0, 0);
            }
            _ => return None,
        }
    }
    if digits == 0 || part != 3 {
        return None;
    }
    over |= v > 255;
    out[6] = HEX[(v as usize >> 4) & 15];
    out[7] = HEX[v as usize & 15];
    Some((!over && s.len() <= 15).then_some(out))
}

/// A range of addresses over hex-digit strings, compared the way the
/// reference's byte machine walks a range: digits beyond the range's own
/// length are not looked at, and a value that ends while still on a bound's
/// path does not match.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IpRange {
    pub(crate) bottom: Nibbles,
    pub(crate) top: Nibbles,
    pub(crate) open_bottom: bool,
    pub(crate) open_top: bool,
}

impl IpRange {
    /// The hex digits every address in the range begins with: the bounds'
    /// common prefix (empty when the range spans more than one first digit).
    pub(crate) fn shared_prefix(&self) -> &[u8] {
        let n = self
            .bottom
            .iter()
            .zip(&self.top)
            .take_while(|(a, b)| a == b)
            .count();
        &self.bottom[..n]
    }

    /// A single address (an IP-looking string literal in a pattern).
    pub(crate) fn single(s: &str) -> Option<IpRange> {
        let digits = ip_nibbles(s.as_bytes())?;
        let mut bottom = digits.clone();
        let mut top = digits;
        let last = top.len() - 1;
        if top[last] == b'F' {
            bottom[last] = b'E';
            Some(IpRange {
                bottom,
                top,
                open_bottom: true,
                open_top: false,
            })
        } else {
            top[last] = if top[last] == b'9' {
                b'A'
            } else {
                top[last] + 1
            };
            Some(IpRange {
                bottom,
                top,
                open_bottom: false,
                open_top: true,
            })
        }
    }

    /// A `cidr` operand, or the reference's error message.
    pub(crate) fn cidr(text: &str) -> Result<IpRange, String> {
        // Java's String.split drops trailing empty strings.
        let mut parts: Vec<&str> = text.split('/').collect();
        while parts.len() > 1 && parts.last() == Some(&"") {
            parts.pop();
        }
        if parts.len() == 1 && parts[0].is_empty() {
            parts.clear();
        }
        if parts.len() != 2 {
            return Err("Malformed CIDR, one '/' required".into());
        }
        let bits = parse_java_int(parts[1])
            .ok_or_else(|| "Malformed CIDR, mask bits must be an integer".to_string())?;
        if bits < 0 {
            return Err("Malformed CIDR, mask bits must not be negative".into());
        }
        let ip = parts[0];
        let addr = if looks_v4(ip.as_bytes()) || looks_v6(ip.as_bytes()) {
            match parse_ip(ip) {
                Some(a) => a,
                None => return Err(format!("Invalid IP address: {}", ip)),
            }
        } else {
            return Err(format!("Nonstandard IP address: {}", ip));
        };
        let total: i64 = if addr.len() == 4 {
            if bits > 31 {
                return Err("IPv4 mask bits must be < 32".into());
            }
            32
        } else {
            if bits > 127 {
                return Err("IPv6 mask bits must be < 128".into());
            }
            128
        };
        let mut host = total - bits;
        let mut top = addr.clone();
        for i in (0..top.len()).rev() {
            if host >= 8 {
                top[i] = 0xff;
            } else if host > 0 {
                top[i] |= (1u8 << host) - 1;
            }
            host -= 8;
        }
        Ok(IpRange {
            bottom: to_nibbles(&addr),
            top: to_nibbles(&top),
            open_bottom: false,
            open_top: false,
        })
    }

    /// Whether `v` falls in this range: `v` is the hex digits of an event
    /// address, or, as in the reference, the raw text of an event number
    /// (whose digits then compare as the ASCII bytes they are).
    pub(crate) fn contains(&self, v: &[u8]) -> bool {
        let (b, t) = (&self.bottom[..], &self.top[..]);
        let len = b.len();
        let mut i = 0;
        while i < len && b[i] == t[i] {
            match v.get(i) {
                Some(&d) if d == b[i] => i += 1,
                _ => return false,
            }
        }
        if i == len {
            // Equal bounds: matches only if both ends are closed.
            return !self.open_bottom && !self.open_top;
        }
        let Some(&d) = v.get(i) else { return false };
        if d > b[i] && d < t[i] {
            return true;
        }
        let (bound, open, below) = if d == b[i] {
            (b, self.open_bottom, false)
        } else if d == t[i] {
            (t, self.open_top, true)
        } else {
            return false;
        };
        for (k, &want) in bound.iter().enumerate().skip(i + 1) {
            let Some(&d) = v.get(k) else { return false };
            if (below && d < want) || (!below && d > want) {
                return true;
            }
            if d != want {
                return false;
            }
        }
        !open
    }
}

/// Java's `Integer.parseInt`: optional sign, ASCII digits, 32-bit range.
fn parse_java_int(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let (neg, digits) = match b.first() {
        Some(b'-') => (true, &b[1..]),
        Some(b'+') => (false, &b[1..]),
        _ => (false, b),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut v: i64 = 0;
    for &d in digits {
        v = v * 10 + (d - b'0') as i64;
        if v > i32::MAX as i64 + 1 {
            return None;
        }
    }
    let v = if neg { -v } else { v };
    if v > i32::MAX as i64 || v < i32::MIN as i64 {
        return None;
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Nibbles {
        ip_nibbles(s.as_bytes()).unwrap()
    }

    #[test]
    fn v4_fast_path_agrees_with_the_parse() {
        let general = |s: &str| parse_ip(s).map(|a| to_nibbles(&a));
        let mut cases: Vec<String> = [
            "",
            ".",
            "1.2.3.4",
            "10.0.0.255",
            "010.0.0.1",
            "1.2.3.256",
            "1.2.3",
            "1.2.3.4.5",
            "1..2.3",
            ".1.2.3",
            "1.2.3.",
            "999.1.1.1",
            "0.0.0.0",
            "255.255.255.255",
            "1.2.3.4 ",
            "1.2.3.a",
            "::1",
            "1.2.3.0004",
            "1.1.1.111111111111111111",
            "000000001.1.1.1",
            "1.1.1.1000",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let mut x = 0x2545_f491_u64;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = (x % 18) as usize;
            let s: String = (0..len)
                .map(|i| {
                    b"0123456789.2.5:a"[(x.rotate_right(4 * i as u32 + 5) % 16) as usize] as char
                })
                .collect();
            cases.push(s);
        }
        for s in cases {
            assert_eq!(ip_nibbles(s.as_bytes()), general(&s), "{s:?}");
            if let Some(fast) = v4_nibbles(s.as_bytes()) {
                assert_eq!(fast.map(|d| Nibbles::from_slice(&d)), general(&s), "{s:?}");
            }
        }
    }

    #[test]
    fn parsing() {
        assert_eq!(parse_ip("010.0.0.1").unwrap().as_slice(), &[10, 0, 0, 1]);
        assert!(parse_ip("10.0.0.256").is_none());
        assert!(parse_ip("10.0.0").is_none());
        assert_eq!(
            parse_ip("::ffff:a01:203").unwrap().as_slice(),
            &[10, 1, 2, 3]
        );
        assert_eq!(parse_ip("::1").unwrap().len(), 16);
        assert!(parse_ip("abc:def").is_none());
        assert!(parse_ip(":").is_none());
        assert!(parse_ip("1::2::3").is_none());
        assert_eq!(parse_ip("0001::").unwrap().len(), 16);
        assert!(parse_ip("1:2:3:4:5:6:7:8:9").is_none());
    }

    #[test]
    fn ranges() {
        let r = IpRange::cidr("10.0.0.0/24").unwrap();
        assert!(r.contains(&n("10.0.0.255")));
        assert!(!r.contains(&n("10.0.1.0")));
        let any4 = IpRange::cidr("0.0.0.0/0").unwrap();
        assert!(any4.contains(&n("::1")));
        let any6 = IpRange::cidr("::/0").unwrap();
        assert!(any6.contains(&n("1.2.3.4")));
        let host = IpRange::cidr("10.0.0.7/24").unwrap();
        assert!(host.contains(&n("10.0.0.200")));
        let single = IpRange::single("2001:db8::1").unwrap();
        assert!(single.contains(&n("2001:0db8:0000:0000:0000:0000:0000:0001")));
        assert!(!single.contains(&n("2001:db8::2")));
        assert_eq!(
            IpRange::cidr("10.0.0.1/32").unwrap_err(),
            "IPv4 mask bits must be < 32"
        );
        assert_eq!(
            IpRange::cidr("bad-filter").unwrap_err(),
            "Malformed CIDR, one '/' required"
        );
        assert_eq!(
            IpRange::cidr("xx.11.xx/8").unwrap_err(),
            "Nonstandard IP address: xx.11.xx"
        );
        assert_eq!(
            IpRange::cidr("10.0.0.0/-1").unwrap_err(),
            "Malformed CIDR, mask bits must not be negative"
        );
    }
}
