//! Keys grouped by length, for prefix and suffix lookups.

use super::sharded::KeyMap;
use crate::util::ids::Posting;
use crate::util::key::key_heap;

/// Keys grouped by length, each group a hash table: a lookup of the keys
/// that are prefixes (or suffixes) of a value costs one hash probe per
/// distinct key length, whatever the number of keys. (A byte trie costs a
/// dependent memory load per byte instead, which dominates at scale.)
#[derive(Debug, Default, Clone)]
pub(crate) struct LengthIndex {
    /// (key length, keys of that length), sorted by length.
    groups: Vec<(usize, KeyMap)>,
}

impl LengthIndex {
    pub(crate) fn insert(&mut self, key: &[u8], item: Posting) {
        let i = match self.groups.binary_search_by_key(&key.len(), |g| g.0) {
            Ok(i) => i,
            Err(i) => {
                self.groups.insert(i, (key.len(), KeyMap::default()));
                i
            }
        };
        self.groups[i].1.edit(key.into(), item, true);
    }

    pub(crate) fn remove(&mut self, key: &[u8], item: Posting) {
        let Ok(i) = self.groups.binary_search_by_key(&key.len(), |g| g.0) else {
            return;
        };
        let map = &mut self.groups[i].1;
        map.edit(key.into(), item, false);
        if map.is_empty() {
            self.groups.remove(i);
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// The table of the `i`-th key length (see [`LengthIndex::may_prefix`]).
    #[inline]
    pub(crate) fn group(&self, i: usize) -> &KeyMap {
        &self.groups[i].1
    }

    /// Calls `f(i, hash, key)` for every prefix `key` of `value` that the
    /// table of the `i`-th key length may hold (its filter's answer); the
    /// lookup itself is left to the caller ([`LengthIndex::group`]).
    #[inline]
    pub(crate) fn may_prefix(&self, value: &[u8], f: &mut impl FnMut(usize, u64, &[u8])) {
        for (i, (len, map)) in self.groups.iter().enumerate() {
            let Some(k) = value.get(..*len) else { break };
            if let Some(h) = map.may_hold(k) {
                f(i, h, k);
            }
        }
    }

    /// As [`LengthIndex::may_prefix`], for suffixes.
    #[inline]
    pub(crate) fn may_suffix(&self, value: &[u8], f: &mut impl FnMut(usize, u64, &[u8])) {
        for (i, (len, map)) in self.groups.iter().enumerate() {
            if *len > value.len() {
                break;
            }
            let k = &value[value.len() - len..];
            if let Some(h) = map.may_hold(k) {
                f(i, h, k);
            }
        }
    }

    /// Calls `f` with the items of every key that is a prefix of `value`:
    /// [`LengthIndex::may_prefix`], then each lookup (as the engine does them,
    /// later).
    #[cfg(test)]
    pub(crate) fn prefixes_of(&self, value: &[u8], f: &mut impl FnMut(Posting)) {
        self.may_prefix(value, &mut |i, h, k| {
            if let Some(items) = self.group(i).find(h, k) {
                items.iter().for_each(|&x| f(x));
            }
        });
    }

    /// As [`LengthIndex::prefixes_of`], for suffixes.
    #[cfg(test)]
    pub(crate) fn suffixes_of(&self, value: &[u8], f: &mut impl FnMut(Posting)) {
        self.may_suffix(value, &mut |i, h, k| {
            if let Some(items) = self.group(i).find(h, k) {
                items.iter().for_each(|&x| f(x));
            }
        });
    }

    pub(crate) fn heap_size(&self) -> usize {
        self.groups.iter().map(|(_, m)| m.heap_size(key_heap)).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::ids::BranchId;

    fn p(i: u32) -> Posting {
        Posting::branch(BranchId::new(i))
    }

    #[test]
    fn prefixes_and_suffixes() {
        let mut t = LengthIndex::default();
        t.insert(b"ab", p(1));
        t.insert(b"a", p(2));
        t.insert(b"", p(3));
        t.insert(b"abc", p(4));
        t.insert(b"bd", p(5));
        let mut got = Vec::new();
        t.prefixes_of(b"abd", &mut |i| got.push(i));
        got.sort();
        assert_eq!(got, [p(1), p(2), p(3)]);
        got.clear();
        t.suffixes_of(b"abd", &mut |i| got.push(i));
        got.sort();
        assert_eq!(got, [p(3), p(5)]);
        t.remove(b"bd", p(5));
        got.clear();
        t.suffixes_of(b"abd", &mut |i| got.push(i));
        assert_eq!(got, [p(3)]);
    }
}
