//! The tokens of JSON, validated: white space, strings (with escapes and
//! UTF-8), numbers, literals and member names. Each function starts at a
//! byte offset into the event and returns the offset after what it read,
//! or the error at the first offending byte; none reads outside the event.

use crate::error::EventError;
use crate::json::{SyntaxError, SyntaxErrorKind as S};

#[cold]
#[inline(never)]
pub(super) fn syntax(kind: S, offset: usize) -> EventError {
    EventError::from_syntax(SyntaxError { kind, offset })
}

#[cold]
#[inline(never)]
pub(super) fn unexpected(ev: &[u8], p: usize) -> EventError {
    match ev.get(p) {
        Some(&c) => syntax(S::UnexpectedChar(c), p),
        None => syntax(S::UnexpectedEnd, p),
    }
}

#[inline(always)]
pub(super) fn ws(ev: &[u8], mut p: usize) -> usize {
    while let Some(&b) = ev.get(p) {
        if b > b' ' || !matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
            break;
        }
        p += 1;
    }
    p
}

const HI: u64 = 0x8080_8080_8080_8080;
const LO20: u64 = 0x2020_2020_2020_2020;

/// The four hex digits of a `\u` escape at `p`.
#[inline]
fn hex4(ev: &[u8], p: usize) -> Result<u32, EventError> {
    crate::util::hex4(ev, p).map_err(|at| match ev.get(at) {
        None => syntax(S::UnexpectedEnd, at),
        Some(_) => syntax(S::BadEscape, at),
    })
}

/// Validates the escape at `p` (a backslash); returns the index after it
/// and the character it stands for.
#[inline]
pub(super) fn escape(ev: &[u8], p: usize) -> Result<(usize, char), EventError> {
    let c = *ev
        .get(p + 1)
        .ok_or_else(|| syntax(S::UnexpectedEnd, p + 1))?;
    let ch = match c {
        b'"' => '"',
        b'\\' => '\\',
        b'/' => '/',
        b'b' => '\u{8}',
        b'f' => '\u{c}',
        b'n' => '\n',
        b'r' => '\r',
        b't' => '\t',
        b'u' => {
            let hi = hex4(ev, p + 2)?;
            if (0xD800..0xDC00).contains(&hi) {
                if ev.get(p + 6) == Some(&b'\\') && ev.get(p + 7) == Some(&b'u') {
                    let lo = hex4(ev, p + 8)?;
                    if !(0xDC00..0xE000).contains(&lo) {
                        return Err(syntax(S::LoneSurrogate, p));
                    }
                    let cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                    return Ok((p + 12, char::from_u32(cp).expect("valid pair")));
                }
                return Err(syntax(S::LoneSurrogate, p));
            }
            if (0xDC00..0xE000).contains(&hi) {
                return Err(syntax(S::LoneSurrogate, p));
            }
            return Ok((p + 6, char::from_u32(hi).expect("BMP scalar")));
        }
        _ => return Err(syntax(S::BadEscape, p)),
    };
    Ok((p + 2, ch))
}

/// `haszero` for each byte of a word: the lowest flagged byte is the first
/// zero byte (flags above it may be spurious).
#[inline(always)]
fn zero_bytes(v: u64) -> u64 {
    v.wrapping_sub(0x0101_0101_0101_0101) & !v & HI
}

/// Validates one multi-byte UTF-8 character at `p`; returns the index after it.
#[cold]
pub(super) fn utf8_char(ev: &[u8], p: usize) -> Result<usize, EventError> {
    let len = match ev[p] {
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => return Err(syntax(S::InvalidUtf8, p)),
    };
    match ev.get(p..p + len).map(std::str::from_utf8) {
        Some(Ok(_)) => Ok(p + len),
        _ => Err(syntax(S::InvalidUtf8, p)),
    }
}

/// Validates a string whose opening quote is at `p - 1`; returns the index
/// of the closing quote and whether the string holds escapes. Eight bytes
/// at a time while none of them is a quote, a backslash, a control
/// character or non-ASCII.
#[inline(always)]
pub(super) fn string_end(ev: &[u8], mut p: usize) -> Result<(usize, bool), EventError> {
    let mut esc = false;
    loop {
        while let Some(w) = ev.get(p..p + 8) {
            let x = u64::from_le_bytes(w.try_into().expect("8 bytes"));
            let m = zero_bytes(x ^ 0x2222_2222_2222_2222)
                | zero_bytes(x ^ 0x5c5c_5c5c_5c5c_5c5c)
                | ((x.wrapping_sub(LO20) | x) & HI);
            if m != 0 {
                p += (m.trailing_zeros() / 8) as usize;
                break;
            }
            p += 8;
        }
        let Some(&c) = ev.get(p) else {
            return Err(syntax(S::UnexpectedEnd, p));
        };
        match c {
            b'"' => return Ok((p, esc)),
            b'\\' => {
                esc = true;
                p = escape(ev, p)?.0;
            }
            0x00..=0x1f => return Err(syntax(S::ControlChar, p)),
            0x80..=0xff => p = utf8_char(ev, p)?,
            _ => p += 1,
        }
    }
}

/// The index of the first quote or backslash at or after `p`, eight bytes
/// at a time, or `ev.len()` if there is none.
#[inline(always)]
fn quote_or_backslash(ev: &[u8], mut p: usize) -> usize {
    while let Some(w) = ev.get(p..p + 8) {
        let x = u64::from_le_bytes(w.try_into().expect("8 bytes"));
        let m = zero_bytes(x ^ 0x2222_2222_2222_2222) | zero_bytes(x ^ 0x5c5c_5c5c_5c5c_5c5c);
        if m != 0 {
            return p + (m.trailing_zeros() / 8) as usize;
        }
        p += 8;
    }
    let rest = ev.get(p..).unwrap_or_default();
    p + rest
        .iter()
        .position(|&b| b == b'"' || b == b'\\')
        .unwrap_or(rest.len())
}

/// Finds the closing quote of a string whose opening quote is at `p - 1`,
/// without validating it (trusted input): a backslash skips the byte after
/// it. `None` when the string does not end.
#[inline(always)]
pub(super) fn string_end_trusted(ev: &[u8], mut p: usize) -> Option<usize> {
    loop {
        p = quote_or_backslash(ev, p);
        match ev.get(p)? {
            b'"' => return Some(p),
            _ => p += 2,
        }
    }
}

/// Appends the unescaped content of the (validated) string `ev[a..b]`.
pub(super) fn unescape_into(ev: &[u8], a: usize, b: usize, out: &mut Vec<u8>) {
    let mut p = a;
    while p < b {
        match memchr::memchr(b'\\', &ev[p..b]) {
            None => {
                out.extend_from_slice(&ev[p..b]);
                return;
            }
            Some(i) => {
                out.extend_from_slice(&ev[p..p + i]);
                let (next, ch) = escape(ev, p + i).expect("validated escape");
                let mut tmp = [0u8; 4];
                out.extend_from_slice(ch.encode_utf8(&mut tmp).as_bytes());
                p = next;
            }
        }
    }
}

/// The index after the run of ASCII digits at `p`, eight bytes at a time.
#[inline(always)]
pub(super) fn digits(ev: &[u8], mut p: usize) -> usize {
    while let Some(w) = ev.get(p..p + 8) {
        // A byte is a digit iff (byte ^ 0x30) < 10.
        let t = u64::from_le_bytes(w.try_into().expect("8 bytes")) ^ 0x3030_3030_3030_3030;
        let m = (t.wrapping_add(0x7676_7676_7676_7676) | t) & HI;
        if m != 0 {
            return p + (m.trailing_zeros() / 8) as usize;
        }
        p += 8;
    }
    let rest = &ev[p.min(ev.len())..];
    p + rest
        .iter()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(rest.len())
}

/// Validates a number starting at `p`; returns the index after it.
#[inline]
pub(super) fn number_end(ev: &[u8], mut p: usize) -> Result<usize, EventError> {
    if ev[p] == b'-' {
        p += 1;
    }
    match ev.get(p) {
        Some(b'0') => {
            p += 1;
            if let Some(b'0'..=b'9') = ev.get(p) {
                return Err(syntax(S::BadNumber("Leading zeroes not allowed"), p));
            }
        }
        Some(b'1'..=b'9') => p = digits(ev, p + 1),
        _ => return Err(unexpected(ev, p)),
    }
    if ev.get(p) == Some(&b'.') {
        let q = digits(ev, p + 1);
        if q == p + 1 {
            return Err(syntax(
                S::BadNumber("Decimal point not followed by a digit"),
                q,
            ));
        }
        p = q;
    }
    if let Some(b'e' | b'E') = ev.get(p) {
        p += 1;
        if let Some(b'+' | b'-') = ev.get(p) {
            p += 1;
        }
        let q = digits(ev, p);
        if q == p {
            return Err(syntax(
                S::BadNumber("Exponent indicator not followed by a digit"),
                q,
            ));
        }
        p = q;
    }
    // A letter right after a number makes the whole a bad token, reported
    // at that letter, not trailing text after a good number.
    if let Some(&c) = ev.get(p) {
        if c.is_ascii_alphanumeric() || c == b'.' || c == b'_' {
            return Err(syntax(S::UnexpectedChar(c), p));
        }
    }
    Ok(p)
}

#[inline]
pub(super) fn literal(ev: &[u8], p: usize, word: &[u8]) -> Result<usize, EventError> {
    let end = p + word.len();
    if ev.len() >= end && &ev[p..end] == word {
        // A letter or digit right after makes the whole a bad token,
        // reported at that byte, not trailing text after a good literal.
        if let Some(&c) = ev.get(end) {
            if c.is_ascii_alphanumeric() || c == b'_' {
                return Err(syntax(S::UnexpectedChar(c), end));
            }
        }
        return Ok(end);
    }
    let mut i = 0;
    while p + i < ev.len() && i < word.len() && ev[p + i] == word[i] {
        i += 1;
    }
    Err(unexpected(ev, p + i))
}

/// Reads `"key":` at `p` (white space skipped before the colon); returns the
/// key's content range, whether it has escapes, and the index after `:`.
#[inline]
pub(super) fn key(ev: &[u8], p: usize) -> Result<(usize, usize, bool, usize), EventError> {
    if ev.get(p) != Some(&b'"') {
        return Err(unexpected(ev, p));
    }
    let (end, esc) = string_end(ev, p + 1)?;
    Ok((p + 1, end, esc, after_colon(ev, end + 1)?))
}

/// The index after the `:` that follows a member name ending at `p` (white
/// space skipped before it).
#[inline(always)]
fn after_colon(ev: &[u8], p: usize) -> Result<usize, EventError> {
    let q = ws(ev, p);
    if ev.get(q) != Some(&b':') {
        return Err(unexpected(ev, q));
    }
    Ok(q + 1)
}

/// [`key`] for trusted input, with the same answers on valid JSON: a name
/// without a backslash is read to its quote unchecked; one with a
/// backslash is validated, as its escapes are decoded later.
#[inline(always)]
pub(super) fn key_trusted(ev: &[u8], p: usize) -> Result<(usize, usize, bool, usize), EventError> {
    if ev.get(p) != Some(&b'"') {
        return Err(unexpected(ev, p));
    }
    let end = quote_or_backslash(ev, p + 1);
    match ev.get(end) {
        Some(b'"') => {}
        Some(_) => return key(ev, p),
        None => return Err(syntax(S::UnexpectedEnd, end)),
    }
    Ok((p + 1, end, false, after_colon(ev, end + 1)?))
}
