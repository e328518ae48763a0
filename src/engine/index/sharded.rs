//! Maps from keys to postings, sharded and filtered.

use std::sync::Arc;

use crate::engine::table::{Items, Table, TableKey};
use crate::util::ids::Posting;
use crate::util::key::Key;

/// A map from keys to lists of postings, split into shards that are
/// shared between versions of a machine and copied on write: an update
/// copies one shard, not the whole map.
///
/// A probe hashes its key once: the hash picks the filter word, the shard
/// and the slot in the shard's [`Table`] (one cache line per key, which
/// the filter's "maybe" asks the CPU to fetch at once). The table's slot
/// takes the low bits (from bit 1), the shard bits 28..32, the filter
/// 16..28 and 32 up.
///
/// In front of the shards sits a Bloom filter over the keys (two bits per
/// key, both in one 64-bit word chosen by the hash, 16 to 32 bits of filter
/// per key): most probes of a large map miss, and the filter answers those
/// with one load from cache instead of from the table's memory. Keys
/// removed leave their bits until the filter is next rebuilt (it only ever
/// says "maybe").
#[derive(Debug, Clone)]
pub(crate) struct Sharded<K> {
    /// The tables themselves are small and held here; their slots are
    /// shared between versions and copied on write, shard by shard.
    shards: Vec<Table<K>>,
    /// The words sit in the `Arc`'s own allocation (a slice, not a `Vec`):
    /// a probe reaches them with one load less.
    filter: Arc<[u64]>,
    keys: usize,
}

impl<K> Default for Sharded<K> {
    fn default() -> Self {
        Sharded {
            shards: Vec::new(),
            filter: Arc::new([]),
            keys: 0,
        }
    }
}

const SHARDS: usize = 16;

#[inline]
fn shard_of(h: u64) -> usize {
    (h >> 28) as usize % SHARDS
}

/// The filter word of a hash and the mask of its two bits there.
#[inline]
fn filter_bits(h: u64, words: usize) -> (usize, u64) {
    let w = (h >> 32) as usize & (words - 1);
    (w, 1 << ((h >> 16) & 63) | 1 << ((h >> 22) & 63))
}

impl<K: TableKey> Sharded<K> {
    /// Adds `item` under `key`, or removes it (dropping the key when its
    /// list empties, so memory follows the rule set).
    pub(crate) fn edit(&mut self, key: K, item: Posting, insert: bool) {
        if self.shards.is_empty() {
            if !insert {
                return;
            }
            self.shards = (0..SHARDS).map(|_| Table::default()).collect();
        }
        let h = K::hash(key.probe());
        let table = &mut self.shards[shard_of(h)];
        if insert {
            let (list, new_key) = table.entry(h, key);
            list.push(item);
            if new_key {
                self.keys += 1;
                if self.keys > self.filter.len() * 4 {
                    self.rebuild_filter();
                } else {
                    let filter = Arc::make_mut(&mut self.filter);
                    let (w, bits) = filter_bits(h, filter.len());
                    filter[w] |= bits;
                }
            }
        } else if table.remove_item(h, key.probe(), item) {
            self.keys -= 1;
        }
    }

    /// A filter of 32 bits per key, from the keys present.
    fn rebuild_filter(&mut self) {
        let words = (self.keys / 2).max(1).next_power_of_two();
        let mut filter = vec![0u64; words];
        for (key, _) in self.shards.iter().flat_map(|t| t.iter()) {
            let (w, bits) = filter_bits(K::hash(key.probe()), words);
            filter[w] |= bits;
        }
        self.filter = filter.into();
    }

    #[inline]
    pub(crate) fn get(&self, key: &K::Probe) -> Option<&Items> {
        let h = self.may_hold(key)?;
        self.find(h, key)
    }

    /// The hash of `key` if the map may hold it (the filter's answer, from
    /// cache), `None` if it surely does not. [`Sharded::find`] then looks
    /// in the table, which with many keys sits in cold memory: the slot it
    /// will read first is requested now, so that a caller with other work
    /// to do before the lookup (the engine probes every hit of an event
    /// first) does not wait for it.
    #[inline]
    pub(crate) fn may_hold(&self, key: &K::Probe) -> Option<u64> {
        // With keys present the filter has words (the first key builds it).
        if self.keys == 0 {
            return None;
        }
        let h = K::hash(key);
        let filter = &self.filter;
        let (w, bits) = filter_bits(h, filter.len());
        if filter[w] & bits != bits {
            return None;
        }
        self.shards[shard_of(h)].prefetch(h);
        Some(h)
    }

    /// The items of `key`, whose hash `h` is.
    #[inline]
    pub(crate) fn find(&self, h: u64, key: &K::Probe) -> Option<&Items> {
        self.shards[shard_of(h)].find(h, key)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.keys == 0
    }

    pub(crate) fn heap_size(&self, key_size: impl Fn(&K) -> usize) -> usize {
        self.shards
            .iter()
            .map(|t| {
                t.slot_bytes()
                    + t.iter()
                        .map(|(k, v)| {
                            let spilled = if v.spilled() { v.capacity() * 4 } else { 0 };
                            key_size(k) + spilled
                        })
                        .sum::<usize>()
            })
            .sum::<usize>()
            + self.filter.len() * 8
    }
}

/// Byte-string keys to lists of branch ids.
pub(crate) type KeyMap = Sharded<Key>;

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::util::ids::BranchId;

    #[test]
    fn sharded_maps_with_their_filter_agree_with_a_plain_map() {
        // Keys of 0 to 30 bytes, so that every path of the hash and of the
        // comparison is taken; keys of one length differing in one byte.
        let key_of = |k: u64| {
            let mut key = format!("{k:04}").repeat(8).into_bytes();
            key.truncate((k % 31) as usize);
            if let Some(b) = key.last_mut() {
                *b = b'a' + (k / 31 % 26) as u8;
            }
            key
        };
        let mut m: KeyMap = Sharded::default();
        let mut model: HashMap<Vec<u8>, Vec<Posting>> = HashMap::new();
        let mut x = 0x1234_5678_u64;
        for step in 0..20_000u32 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let key = key_of(x % 3000);
            let insert = step < 6000 || !x.is_multiple_of(3);
            let item = Posting::branch(BranchId::new((x % 5) as u32));
            m.edit(Key::from(&key[..]), item, insert);
            let list = model.entry(key.clone()).or_default();
            if insert {
                list.push(item);
            } else if let Some(i) = list.iter().position(|&y| y == item) {
                list.swap_remove(i);
            }
            if list.is_empty() {
                model.remove(&key);
            }
            if step % 97 == 0 {
                for k in 0..3100 {
                    let key = key_of(k);
                    let mut got = m.get(&key[..]).map(|l| l.to_vec()).unwrap_or_default();
                    let mut want = model.get(&key).cloned().unwrap_or_default();
                    got.sort_unstable();
                    want.sort_unstable();
                    assert_eq!(got, want, "step {step}, key k{k}");
                }
            }
        }
    }
}
