//! Byte-string keys held inline.

use smallvec::SmallVec;

/// A byte-string key, held in place up to 24 bytes: a probe that finds its
/// key then compares bytes already in cache, instead of following a
/// pointer to them (a cache miss per hit on large tables).
pub(crate) type Key = SmallVec<[u8; 24]>;

/// Heap bytes of a key (none when it is held inline).
pub(crate) fn key_heap(k: &Key) -> usize {
    if k.spilled() {
        k.len()
    } else {
        0
    }
}
