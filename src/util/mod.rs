//! Shared vocabulary with no dependencies inside the crate: the id types
//! that cross modules, hashing and byte-string keys, and hex digits.
//! Everything else may use this module; it uses nothing else.

pub(crate) mod hash;
pub(crate) mod ids;
pub(crate) mod key;

/// The value of the four hex digits at `b[at..at + 4]`, or the index of
/// the first byte that is missing or not a hex digit.
#[inline]
pub(crate) fn hex4(b: &[u8], at: usize) -> Result<u32, usize> {
    let mut v = 0u32;
    for i in at..at + 4 {
        let c = *b.get(i).ok_or(i)?;
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => return Err(i),
        };
        v = (v << 4) | d as u32;
    }
    Ok(v)
}
