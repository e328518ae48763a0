//! Hashing for the engine's tables: FxHash's multiply-rotate, finished with
//! a full avalanche. The keys come from rules, and a value from an event is
//! only ever looked up, so an attacker choosing events cannot grow a
//! table's collision chains.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

/// A small, fast, non-cryptographic [`Hasher`] for maps whose keys come
/// from rules.
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher(u64);

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut h = self.0;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let w = u64::from_le_bytes(c.try_into().expect("8 bytes"));
            h = (h.rotate_left(5) ^ w).wrapping_mul(SEED);
        }
        let mut tail = 0u64;
        for (i, &b) in chunks.remainder().iter().enumerate() {
            tail |= (b as u64) << (8 * i);
        }
        h = (h.rotate_left(5) ^ tail ^ (bytes.len() as u64)).wrapping_mul(SEED);
        self.0 = h;
    }

    #[inline]
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(SEED);
    }

    /// Multiplication only carries bits upwards, and hash tables index by
    /// the low bits: finish with a full avalanche.
    #[inline]
    fn finish(&self) -> u64 {
        fmix(self.0)
    }
}

/// A `HashMap` with [`FxHasher`].
pub(crate) type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// The hash of a byte string for the index tables: the multiply-rotate over
/// 8-byte words, the last word (or, under 8 bytes, the whole string as one
/// word) read overlapping the one before instead of byte by byte, then a
/// full avalanche, since every bit range of the hash is used (table slot,
/// tag, shard, filter).
#[inline]
pub(crate) fn hash_bytes(b: &[u8]) -> u64 {
    let n = b.len();
    let word = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"));
    let mut h = (n as u64).wrapping_mul(SEED);
    if n >= 8 {
        let mut i = 0;
        while i + 8 < n {
            h = (h.rotate_left(5) ^ word(i)).wrapping_mul(SEED);
            i += 8;
        }
        h = (h.rotate_left(5) ^ word(n - 8)).wrapping_mul(SEED);
    } else if n > 0 {
        h = (h.rotate_left(5) ^ short_word(b)).wrapping_mul(SEED);
    }
    fmix(h)
}

/// The hash of a 64-bit key (a number's bits).
#[inline]
pub(crate) fn hash_u64(x: u64) -> u64 {
    fmix(x.wrapping_mul(SEED))
}

/// A byte string shorter than 8 bytes as one word holding every byte (two
/// 4-byte loads that overlap, or, under 4 bytes, the first, middle and
/// last): with the length, the word determines the string.
#[inline(always)]
pub(crate) fn short_word(b: &[u8]) -> u64 {
    let n = b.len();
    debug_assert!(n < 8);
    let half = |i: usize| u32::from_le_bytes(b[i..i + 4].try_into().expect("4 bytes")) as u64;
    match n {
        0 => 0,
        1..=3 => b[0] as u64 | (b[n / 2] as u64) << 8 | (b[n - 1] as u64) << 16,
        _ => half(0) | half(n - 4) << 32,
    }
}

/// murmur3's 64-bit finaliser: every input bit moves every output bit.
#[inline]
fn fmix(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// Byte-string equality, inline: index keys and member names are short,
/// and a call to `memcmp` per probe costs more than the comparison.
#[inline]
pub(crate) fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let word = |s: &[u8], i: usize| u64::from_le_bytes(s[i..i + 8].try_into().expect("8 bytes"));
    if n >= 8 {
        let mut i = 0;
        while i + 8 < n {
            if word(a, i) != word(b, i) {
                return false;
            }
            i += 8;
        }
        word(a, n - 8) == word(b, n - 8)
    } else {
        a.iter().zip(b).all(|(x, y)| x == y)
    }
}
