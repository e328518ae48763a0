//! The open-addressed hash table behind the index maps (`engine::index`).
//!
//! Each slot is one cache line holding the key's hash, the key and its
//! items, and a key's first slot follows from its hash alone. So a lookup
//! that finds its key usually costs one cache miss (a table that keeps its
//! control bytes apart from its entries costs two, one after the other),
//! and the engine can ask for that line early ([`Table::prefetch`]), as
//! soon as a value's filter says the key may be present, and read it later,
//! when the miss has been served.
//!
//! Linear probing at a load of at most one half; removal shifts the
//! following entries back (no tombstones), so a lookup stops at the first
//! empty slot.

use std::sync::Arc;

use smallvec::SmallVec;

use crate::arch::prefetch;
use crate::util::hash::{bytes_eq, hash_bytes, hash_u64};
use crate::util::ids::Posting;
use crate::util::key::Key;

/// The postings under a key; most keys have one or two, held in the slot
/// itself for the same reason as the key.
pub(crate) type Items = SmallVec<[Posting; 2]>;

/// A key of a [`Table`], looked up by a borrowed form (`[u8]` for byte
/// strings) through a hash computed once per probe.
pub(crate) trait TableKey: Clone + Default {
    /// What a probe holds.
    type Probe: ?Sized;
    /// The hash of a probe (and of a key, through [`TableKey::probe`]).
    fn hash(p: &Self::Probe) -> u64;
    /// The probe form of the key.
    fn probe(&self) -> &Self::Probe;
    /// Whether the key is the probe.
    fn is(&self, p: &Self::Probe) -> bool;
}

impl TableKey for Key {
    type Probe = [u8];
    #[inline]
    fn hash(p: &[u8]) -> u64 {
        hash_bytes(p)
    }
    #[inline]
    fn probe(&self) -> &[u8] {
        self
    }
    #[inline]
    fn is(&self, p: &[u8]) -> bool {
        bytes_eq(self, p)
    }
}

impl TableKey for u64 {
    type Probe = u64;
    #[inline]
    fn hash(p: &u64) -> u64 {
        hash_u64(*p)
    }
    #[inline]
    fn probe(&self) -> &u64 {
        self
    }
    #[inline]
    fn is(&self, p: &u64) -> bool {
        self == p
    }
}

/// A slot: the key's hash with the low bit set (0 marks an empty slot),
/// the key and its items (empty in an empty slot).
#[derive(Clone, Debug)]
#[repr(C, align(64))]
struct Slot<K> {
    hash: u64,
    key: K,
    items: Items,
}

/// A hash table from keys to [`Items`], looked up by a hash the caller
/// computes once ([`TableKey::hash`]). The slots are shared between
/// versions of a machine and copied on write (a clone of the table is
/// cheap); the table itself is small, so that the index maps can hold
/// theirs inline, where a lookup finds the slots without a cache miss.
#[derive(Clone, Debug)]
pub(crate) struct Table<K> {
    slots: Arc<[Slot<K>]>,
    len: usize,
}

impl<K: TableKey + Default> Default for Table<K> {
    fn default() -> Self {
        Table {
            slots: Arc::new([]),
            len: 0,
        }
    }
}

/// The stored form of a hash: never 0, the mark of an empty slot.
#[inline(always)]
fn mark(h: u64) -> u64 {
    h | 1
}

impl<K: TableKey + Default> Table<K> {
    #[inline(always)]
    fn mask(&self) -> usize {
        self.slots.len().wrapping_sub(1)
    }

    /// The first slot of hash `h` (or of its stored form: bit 0 is not
    /// used). The slot bits are the low ones; the index maps use higher
    /// bits for shards and filters.
    #[inline(always)]
    fn home(&self, h: u64) -> usize {
        (h >> 1) as usize & self.mask()
    }

    /// Asks the CPU to start loading the first slot of hash `h`.
    #[inline]
    pub(crate) fn prefetch(&self, h: u64) {
        if let Some(slot) = self.slots.get(self.home(h)) {
            prefetch(slot);
        }
    }

    /// The slot index of `key` (hash `h`), if present.
    #[inline]
    fn position(&self, h: u64, key: &K::Probe) -> Option<usize> {
        if self.len == 0 {
            return None;
        }
        let (want, mask) = (mark(h), self.mask());
        let mut i = self.home(h);
        loop {
            let s = &self.slots[i];
            if s.hash == want && s.key.is(key) {
                return Some(i);
            }
            if s.hash == 0 {
                return None;
            }
            i = (i + 1) & mask;
        }
    }

    /// The items of `key`, whose hash is `h`.
    #[inline]
    pub(crate) fn find(&self, h: u64, key: &K::Probe) -> Option<&Items> {
        self.position(h, key).map(|i| &self.slots[i].items)
    }

    /// The items of `key` (hash `h`), inserted empty if absent; and
    /// whether it was absent.
    pub(crate) fn entry(&mut self, h: u64, key: K) -> (&mut Items, bool) {
        if let Some(i) = self.position(h, key.probe()) {
            return (&mut Arc::make_mut(&mut self.slots)[i].items, false);
        }
        if (self.len + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let i = self.place(h);
        let slots = Arc::make_mut(&mut self.slots);
        slots[i] = Slot {
            hash: mark(h),
            key,
            items: Items::new(),
        };
        self.len += 1;
        (&mut slots[i].items, true)
    }

    /// The first empty slot from the home of `h`.
    fn place(&self, h: u64) -> usize {
        let mask = self.mask();
        let mut i = self.home(h);
        while self.slots[i].hash != 0 {
            i = (i + 1) & mask;
        }
        i
    }

    /// Doubles the slots (at least 8) and re-places every key.
    fn grow(&mut self) {
        let n = (self.slots.len() * 2).max(8);
        let mut slots: Vec<Slot<K>> = (0..n).map(|_| empty()).collect();
        let mask = n - 1;
        for s in self.slots.iter().filter(|s| s.hash != 0) {
            let mut i = (s.hash >> 1) as usize & mask;
            while slots[i].hash != 0 {
                i = (i + 1) & mask;
            }
            slots[i] = s.clone();
        }
        self.slots = slots.into();
    }

    /// Removes `item` from the items of `key` (hash `h`), and the key once
    /// its items are empty; true if the key went.
    pub(crate) fn remove_item(&mut self, h: u64, key: &K::Probe, item: Posting) -> bool {
        let Some(i) = self.position(h, key) else {
            return false;
        };
        let mask = self.mask();
        let slots = Arc::make_mut(&mut self.slots);
        let items = &mut slots[i].items;
        if let Some(k) = items.iter().position(|&x| x == item) {
            items.swap_remove(k);
        }
        if !items.is_empty() {
            return false;
        }
        slots[i] = empty();
        self.len -= 1;
        // Shift back the entries after the hole that may live there: an
        // entry at `j` whose home is not cyclically within (hole, j].
        let (mut hole, mut j) = (i, (i + 1) & mask);
        while slots[j].hash != 0 {
            let home = (slots[j].hash >> 1) as usize & mask;
            if (j.wrapping_sub(home) & mask) >= (j.wrapping_sub(hole) & mask) {
                slots.swap(hole, j);
                hole = j;
            }
            j = (j + 1) & mask;
        }
        true
    }

    /// The keys and their items.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&K, &Items)> {
        self.slots
            .iter()
            .filter(|s| s.hash != 0)
            .map(|s| (&s.key, &s.items))
    }

    /// Heap bytes of the slots.
    pub(crate) fn slot_bytes(&self) -> usize {
        self.slots.len() * std::mem::size_of::<Slot<K>>()
    }
}

fn empty<K: Default>() -> Slot<K> {
    Slot {
        hash: 0,
        key: K::default(),
        items: Items::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::ids::BranchId;
    use std::collections::HashMap;

    fn p(i: u32) -> Posting {
        Posting::branch(BranchId::new(i))
    }

    /// Inserts and removals against a model, with hashes chosen to collide
    /// (few distinct homes, chains that wrap around the end) so that every
    /// removal has entries to shift back.
    #[test]
    fn agrees_with_a_map_under_collisions() {
        for homes in [1u64, 3, 17, 1 << 40] {
            let mut t: Table<u64> = Table::default();
            let mut model: HashMap<u64, Vec<Posting>> = HashMap::new();
            let mut x = 0x9e37_79b9_u64 + homes;
            // The hash of a key: one of `homes` values, the high ones near
            // the end of the table (wrapping chains).
            let hash = |k: u64| ((k % homes).wrapping_mul(0x5555) | 0xfff0) << 1;
            for step in 0..6000u32 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let k = x % 200;
                let item = p((x >> 20) as u32 % 3);
                if step < 1500 || !x.is_multiple_of(3) {
                    let (items, new) = t.entry(hash(k), k);
                    assert_eq!(new, !model.contains_key(&k));
                    items.push(item);
                    model.entry(k).or_default().push(item);
                } else {
                    let gone = t.remove_item(hash(k), &k, item);
                    if let Some(list) = model.get_mut(&k) {
                        if let Some(i) = list.iter().position(|&y| y == item) {
                            list.swap_remove(i);
                        }
                        assert_eq!(gone, list.is_empty());
                        if list.is_empty() {
                            model.remove(&k);
                        }
                    } else {
                        assert!(!gone);
                    }
                }
                if step % 50 == 0 {
                    for k in 0..210 {
                        let sorted = |mut l: Vec<Posting>| {
                            l.sort_unstable();
                            l
                        };
                        let got = t.find(hash(k), &k).map(|l| sorted(l.to_vec()));
                        let want = model.get(&k).cloned().map(sorted);
                        assert_eq!(got, want, "homes {homes}, step {step}, key {k}");
                    }
                    assert_eq!(t.iter().count(), model.len());
                    assert_eq!(t.len, model.len());
                }
            }
        }
    }

    #[test]
    fn a_slot_is_one_cache_line() {
        assert_eq!(std::mem::size_of::<Slot<Key>>(), 64);
        assert_eq!(std::mem::align_of::<Slot<u64>>(), 64);
    }

    #[test]
    fn clones_share_slots_until_written() {
        let mut a: Table<u64> = Table::default();
        a.entry(2, 1).0.push(p(7));
        let b = a.clone();
        a.entry(4, 2).0.push(p(8));
        assert_eq!(b.find(4, &2), None);
        assert_eq!(a.find(4, &2).map(|l| l.to_vec()), Some(vec![p(8)]));
        assert_eq!(b.find(2, &1).map(|l| l.to_vec()), Some(vec![p(7)]));
    }
}
