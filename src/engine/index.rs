//! Per-field value indexes: given an event value at a field, they yield the
//! branches anchored on that field whose anchor may match it. They are
//! filters: a branch they yield is then verified in full, so they may yield
//! too much, never too little.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use smallvec::SmallVec;

use super::table::Table;

/// A small, fast, non-cryptographic hasher (FxHash's multiply-rotate) for
/// keys that come from rules, not from attackers' choice of collisions
/// across a table the attacker controls.
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

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
    /// the low bits: finish with a full avalanche (murmur3's fmix64).
    #[inline]
    fn finish(&self) -> u64 {
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

pub(crate) type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// A byte-string key, held in the table itself up to 24 bytes: a probe
/// that finds its key then compares bytes already in cache, instead of
/// following a pointer to them (a cache miss per hit on large tables).
pub(crate) type Key = SmallVec<[u8; 24]>;

/// Heap bytes of a key (none when it is held inline).
pub(crate) fn key_heap(k: &Key) -> usize {
    if k.spilled() {
        k.len()
    } else {
        0
    }
}

/// The branch ids under a key; most keys have one or two, held inline for
/// the same reason.
pub(crate) type Items = SmallVec<[u32; 2]>;

/// The hash of a byte string for the index tables: FxHash's multiply-rotate
/// over 8-byte words, the last word (or, under 8 bytes, two 4-byte halves)
/// read overlapping the one before instead of byte by byte, then a full
/// avalanche (murmur3's fmix64), since every bit range of the hash is used
/// (table slot, tag, shard, filter).
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
/// and a call to `memcmp` per probe that finds one cost more than the
/// comparison.
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

/// A key of a [`Sharded`] map, looked up by a borrowed form (`[u8]` for
/// byte strings) through a hash computed once per probe.
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
        fmix(p.wrapping_mul(SEED))
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

/// A map from keys to lists of branch ids, split into shards that are
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
    pub(crate) fn edit(&mut self, key: K, item: u32, insert: bool) {
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

/// Keys grouped by length, each group a hash table: a lookup of the keys
/// that are prefixes (or suffixes) of a value costs one hash probe per
/// distinct key length, whatever the number of keys. (A byte trie costs a
/// dependent memory load per byte instead, which dominates at scale.)
#[derive(Debug, Default, Clone)]
pub(crate) struct LenIndex {
    /// (key length, keys of that length), sorted by length.
    groups: Vec<(usize, KeyMap)>,
}

impl LenIndex {
    pub(crate) fn insert(&mut self, key: &[u8], item: u32) {
        let i = match self.groups.binary_search_by_key(&key.len(), |g| g.0) {
            Ok(i) => i,
            Err(i) => {
                self.groups.insert(i, (key.len(), KeyMap::default()));
                i
            }
        };
        self.groups[i].1.edit(key.into(), item, true);
    }

    pub(crate) fn remove(&mut self, key: &[u8], item: u32) {
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

    /// The table of the `i`-th key length (see [`LenIndex::may_prefix`]).
    #[inline]
    pub(crate) fn group(&self, i: usize) -> &KeyMap {
        &self.groups[i].1
    }

    /// Calls `f(i, hash, key)` for every prefix `key` of `value` that the
    /// table of the `i`-th key length may hold (its filter's answer); the
    /// lookup itself is left to the caller ([`LenIndex::group`]).
    #[inline]
    pub(crate) fn may_prefix(&self, value: &[u8], f: &mut impl FnMut(usize, u64, &[u8])) {
        for (i, (len, map)) in self.groups.iter().enumerate() {
            let Some(k) = value.get(..*len) else { break };
            if let Some(h) = map.may_hold(k) {
                f(i, h, k);
            }
        }
    }

    /// As [`LenIndex::may_prefix`], for suffixes.
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
    /// [`LenIndex::may_prefix`], then each lookup (as the engine does them,
    /// later).
    #[cfg(test)]
    pub(crate) fn prefixes_of(&self, value: &[u8], f: &mut impl FnMut(u32)) {
        self.may_prefix(value, &mut |i, h, k| {
            if let Some(items) = self.group(i).find(h, k) {
                items.iter().for_each(|&x| f(x));
            }
        });
    }

    /// As [`LenIndex::prefixes_of`], for suffixes.
    #[cfg(test)]
    pub(crate) fn suffixes_of(&self, value: &[u8], f: &mut impl FnMut(u32)) {
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

/// Narrow intervals per bucket of `IntervalTree::guide`, on average.
const PER_BUCKET: usize = 4;

/// A closed interval `[lo, hi]` of doubles with a payload.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Iv {
    pub(crate) lo: f64,
    pub(crate) hi: f64,
    pub(crate) item: u32,
}

/// Numeric ranges for stabbing queries ("which ranges hold x?").
///
/// Most ranges of a rule set are narrow: those sit in one array sorted by
/// lower bound, and a query finds how many start at or before `x`, then
/// scans back over the ranges whose lower bound is within the widest narrow
/// width of `x` (contiguous memory, few cache misses). The count comes from
/// a guide table over the span of the lower bounds, split into equal
/// buckets: one look-up gives the range of positions `x`'s bucket covers,
/// and only that is searched (a binary search over the whole array was a
/// chain of a dozen dependent loads, with many rules each a cache miss).
/// The wide rest (one-sided ranges, say) sit in a centered interval tree,
/// O(log n + k) per query.
#[derive(Debug, Default, Clone)]
pub(crate) struct IntervalTree {
    /// Every interval; the structure is rebuilt from them by `build`.
    all: Vec<Iv>,
    dirty: bool,
    /// Narrow intervals sorted by `lo`, and the widest of their widths.
    narrow: Vec<Iv>,
    narrow_width: f64,
    /// The `lo` of each narrow interval (a third of the memory of `narrow`,
    /// so that with many rules the search stays in cache).
    narrow_lo: Vec<f64>,
    /// `guide[g]`: how many narrow intervals have a lower bound in a bucket
    /// before `g` (see [`IntervalTree::bucket`]); one more entry than
    /// buckets.
    guide: Vec<u32>,
    /// The bucket of `x` is `(x - guide_from) * guide_scale`, truncated and
    /// capped at the last bucket.
    guide_from: f64,
    guide_scale: f64,
    nodes: Vec<IvNode>,
    root: Option<u32>,
}

#[derive(Debug, Clone)]
struct IvNode {
    center: f64,
    by_lo: Vec<Iv>,
    by_hi: Vec<Iv>,
    left: Option<u32>,
    right: Option<u32>,
}

impl IntervalTree {
    pub(crate) fn push(&mut self, iv: Iv) {
        self.all.push(iv);
        self.dirty = true;
    }

    /// Removes one interval of `item`.
    pub(crate) fn remove(&mut self, item: u32) {
        if let Some(i) = self.all.iter().position(|iv| iv.item == item) {
            self.all.swap_remove(i);
            self.dirty = true;
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.all.is_empty()
    }

    /// Rebuilds the tree if intervals changed since the last build.
    pub(crate) fn build(&mut self) {
        if !self.dirty {
            return;
        }
        self.dirty = false;
        self.nodes.clear();
        self.narrow.clear();
        self.narrow_lo.clear();
        self.guide.clear();
        // Narrow: at most the 90th-percentile width (and finite).
        let mut widths: Vec<f64> = self.all.iter().map(|iv| iv.hi - iv.lo).collect();
        widths.sort_by(|a, b| a.total_cmp(b));
        let cut = widths
            .get(widths.len() * 9 / 10)
            .copied()
            .filter(|w| w.is_finite())
            .unwrap_or(0.0);
        let mut wide = Vec::new();
        for &iv in &self.all {
            if iv.hi - iv.lo <= cut {
                self.narrow.push(iv);
            } else {
                wide.push(iv);
            }
        }
        self.narrow.sort_by(|a, b| a.lo.total_cmp(&b.lo));
        self.narrow_width = cut;
        self.narrow_lo = self.narrow.iter().map(|iv| iv.lo).collect();
        self.build_guide();
        self.root = self.build_node(wide);
    }

    /// The guide over `narrow_lo`. Buckets split the span of the lower
    /// bounds evenly; with a span that is empty or not finite there is one
    /// bucket (a plain binary search).
    fn build_guide(&mut self) {
        let buckets = (self.narrow_lo.len() / PER_BUCKET).max(1);
        let (first, last) = match (self.narrow_lo.first(), self.narrow_lo.last()) {
            (Some(&a), Some(&b)) => (a, b),
            _ => (0.0, 0.0),
        };
        let scale = buckets as f64 / (last - first);
        self.guide_from = first;
        self.guide_scale = if scale.is_finite() && scale > 0.0 {
            scale
        } else {
            0.0
        };
        self.guide = vec![0; buckets + 1];
        // Count per bucket, then prefix sums shifted by one.
        for &lo in &self.narrow_lo {
            let g = self.bucket(lo);
            self.guide[g + 1] += 1;
        }
        for g in 1..=buckets {
            self.guide[g] += self.guide[g - 1];
        }
    }

    /// The bucket of `x`: a monotone function (x <= y gives bucket(x) <=
    /// bucket(y); each step rounds monotonically and the cast saturates),
    /// which is all the search needs: a lower bound in an earlier bucket
    /// than `x`'s is below `x`, one in a later bucket is above it.
    #[inline]
    fn bucket(&self, x: f64) -> usize {
        let last = self.guide.len().saturating_sub(2);
        (((x - self.guide_from) * self.guide_scale) as usize).min(last)
    }

    fn build_node(&mut self, ivs: Vec<Iv>) -> Option<u32> {
        // Iterative over an explicit work list, to bound stack use.
        if ivs.is_empty() {
            return None;
        }
        // (intervals, parent node and whether this is its left child)
        type Work = (Vec<Iv>, Option<(u32, bool)>);
        let mut work: Vec<Work> = vec![(ivs, None)];
        let mut root = None;
        while let Some((ivs, parent)) = work.pop() {
            let mut ends: Vec<f64> = ivs.iter().flat_map(|iv| [iv.lo, iv.hi]).collect();
            ends.sort_by(|a, b| a.total_cmp(b));
            let center = ends[ends.len() / 2];
            let (mut here, mut left, mut right) = (Vec::new(), Vec::new(), Vec::new());
            for iv in ivs {
                if iv.hi < center {
                    left.push(iv);
                } else if iv.lo > center {
                    right.push(iv);
                } else {
                    here.push(iv);
                }
            }
            let mut by_lo = here.clone();
            by_lo.sort_by(|a, b| a.lo.total_cmp(&b.lo));
            let mut by_hi = here;
            by_hi.sort_by(|a, b| b.hi.total_cmp(&a.hi));
            let id = self.nodes.len() as u32;
            self.nodes.push(IvNode {
                center,
                by_lo,
                by_hi,
                left: None,
                right: None,
            });
            match parent {
                None => root = Some(id),
                Some((p, true)) => self.nodes[p as usize].left = Some(id),
                Some((p, false)) => self.nodes[p as usize].right = Some(id),
            }
            if !left.is_empty() {
                work.push((left, Some((id, true))));
            }
            if !right.is_empty() {
                work.push((right, Some((id, false))));
            }
        }
        root
    }

    /// Calls `f` with every interval holding `x`.
    #[inline]
    pub(crate) fn stab(&self, x: f64, f: &mut impl FnMut(u32)) {
        // How many narrow intervals start at or before `x`: those of the
        // buckets before x's, and those of x's bucket that do.
        let k = if self.narrow_lo.is_empty() {
            0
        } else {
            let g = self.bucket(x);
            let (from, to) = (self.guide[g] as usize, self.guide[g + 1] as usize);
            from + self.narrow_lo[from..to].partition_point(|&lo| lo <= x)
        };
        for (i, &lo) in self.narrow_lo[..k].iter().enumerate().rev() {
            // Not `lo < x - width`: that subtraction rounds, and can
            // cut off an interval whose upper bound is `x` (finding F6).
            // Rounding is monotonic, so `lo <= x <= hi` implies
            // `fl(x - lo) <= fl(hi - lo) <= width`.
            if x - lo > self.narrow_width {
                break;
            }
            let iv = &self.narrow[i];
            if iv.hi >= x {
                f(iv.item);
            }
        }
        let mut at = self.root;
        while let Some(n) = at {
            let node = &self.nodes[n as usize];
            if x < node.center {
                for iv in node.by_lo.iter().take_while(|iv| iv.lo <= x) {
                    f(iv.item);
                }
                at = node.left;
            } else if x > node.center {
                for iv in node.by_hi.iter().take_while(|iv| iv.hi >= x) {
                    f(iv.item);
                }
                at = node.right;
            } else {
                node.by_lo.iter().for_each(|iv| f(iv.item));
                return;
            }
        }
    }

    pub(crate) fn heap_size(&self) -> usize {
        self.nodes
            .iter()
            .map(|n| 64 + (n.by_lo.capacity() + n.by_hi.capacity()) * 24)
            .sum::<usize>()
            + (self.all.capacity() + self.narrow.capacity()) * 24
            + self.narrow_lo.capacity() * 8
            + self.guide.capacity() * 4
    }
}

/// The case-folded form used to index ignore-case operands: each character
/// upper-cased, then lower-cased (full mappings). Two strings that one
/// ignore-case operand accepts fold alike (checked per operand at compile
/// time; see `fold_is_sound`).
pub(crate) fn fold_into(s: &str, out: &mut Vec<u8>) {
    // ASCII (most values): upper then lower is lower.
    if s.is_ascii() {
        out.extend(s.bytes().map(|b| b.to_ascii_lowercase()));
        return;
    }
    let mut buf = [0u8; 4];
    for c in s.chars() {
        for u in c.to_uppercase() {
            for l in u.to_lowercase() {
                out.extend_from_slice(l.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
}

/// Whether every string an ignore-case operand accepts folds to the
/// operand's own fold: true when, for each character, its lower- and
/// upper-case mappings fold like the character itself.
pub(crate) fn fold_is_sound(operand: &str) -> bool {
    let mut a = Vec::new();
    let mut b = Vec::new();
    for c in operand.chars() {
        a.clear();
        fold_into(c.encode_utf8(&mut [0u8; 4]), &mut a);
        for alt in [
            c.to_lowercase().collect::<String>(),
            c.to_uppercase().collect(),
        ] {
            b.clear();
            fold_into(&alt, &mut b);
            if a != b {
                return false;
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let mut model: HashMap<Vec<u8>, Vec<u32>> = HashMap::new();
        let mut x = 0x1234_5678_u64;
        for step in 0..20_000u32 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let key = key_of(x % 3000);
            let insert = step < 6000 || !x.is_multiple_of(3);
            let item = (x % 5) as u32;
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

    #[test]
    fn ascii_fold_is_the_full_fold() {
        for b in 0u8..128 {
            let s = (b as char).to_string();
            let mut fast = Vec::new();
            fold_into(&s, &mut fast);
            let mut full = String::new();
            for u in (b as char).to_uppercase() {
                full.extend(u.to_lowercase());
            }
            assert_eq!(fast, full.as_bytes(), "{b}");
        }
    }

    #[test]
    fn interval_tree_stabs() {
        let mut t = IntervalTree::default();
        let ivs = [
            (0.0, 10.0),
            (5.0, 6.0),
            (-3.0, -1.0),
            (7.0, f64::INFINITY),
            (f64::NEG_INFINITY, 0.0),
        ];
        for (i, &(lo, hi)) in ivs.iter().enumerate() {
            t.push(Iv {
                lo,
                hi,
                item: i as u32,
            });
        }
        t.build();
        for x in [-5.0, -2.0, 0.0, 5.5, 8.0, 1e300] {
            let mut got = Vec::new();
            t.stab(x, &mut |i| got.push(i));
            got.sort();
            let want: Vec<u32> = ivs
                .iter()
                .enumerate()
                .filter(|(_, &(lo, hi))| lo <= x && x <= hi)
                .map(|(i, _)| i as u32)
                .collect();
            assert_eq!(got, want, "x = {x}");
        }
    }

    #[test]
    fn len_index_prefixes_and_suffixes() {
        let mut t = LenIndex::default();
        t.insert(b"ab", 1);
        t.insert(b"a", 2);
        t.insert(b"", 3);
        t.insert(b"abc", 4);
        t.insert(b"bd", 5);
        let mut got = Vec::new();
        t.prefixes_of(b"abd", &mut |i| got.push(i));
        got.sort();
        assert_eq!(got, [1, 2, 3]);
        got.clear();
        t.suffixes_of(b"abd", &mut |i| got.push(i));
        got.sort();
        assert_eq!(got, [3, 5]);
        t.remove(b"bd", 5);
        got.clear();
        t.suffixes_of(b"abd", &mut |i| got.push(i));
        assert_eq!(got, [3]);
    }

    #[test]
    fn folding() {
        let f = |s: &str| {
            let mut v = Vec::new();
            fold_into(s, &mut v);
            String::from_utf8(v).unwrap()
        };
        assert_eq!(f("ß"), f("SS"));
        assert_eq!(f("K"), f("\u{212a}"));
        assert!(fold_is_sound("Straße İstanbul"));
    }
}

#[cfg(test)]
mod stab_cost {
    use super::*;

    #[test]
    fn upper_bounds_are_inside() {
        // Finding F6: 0.1 - 0.999e-1... rounding cut off [1e-6, 0.1] at 0.1.
        for (lo, hi) in [(1e-6, 0.1), (9.09, 164.0), (4.19, 30.2), (0.001, 1.0)] {
            let mut t = IntervalTree::default();
            t.push(Iv { lo, hi, item: 7 });
            t.build();
            for x in [lo, hi] {
                let mut got = Vec::new();
                t.stab(x, &mut |i| got.push(i));
                assert_eq!(got, [7], "[{lo}, {hi}] at {x}");
            }
        }
    }

    #[test]
    fn stabs_agree_with_a_scan() {
        let mut x = 0x9e37_79b9_u64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        // Spread, clustered, negative, tiny, huge and equal bounds.
        for round in 0..40u64 {
            let spread = [1.0, 1e6, 1e-300, 1e300, 0.0][(round % 5) as usize];
            let mut t = IntervalTree::default();
            let mut ivs = Vec::new();
            for i in 0..(round * 7 % 300) as u32 {
                let lo = ((next() % 2001) as f64 - 1000.0) * spread / 1000.0;
                let w = [0.0, 1.0, 5.0, 1e308, f64::INFINITY][(next() % 5) as usize] * spread;
                let hi = if w.is_nan() { lo } else { lo + w };
                let iv = Iv { lo, hi, item: i };
                ivs.push(iv);
                t.push(iv);
            }
            t.build();
            let probes: Vec<f64> = ivs
                .iter()
                .flat_map(|iv| [iv.lo, iv.hi, iv.lo - spread / 3.0])
                .chain([
                    0.0,
                    -0.0,
                    f64::INFINITY,
                    f64::NEG_INFINITY,
                    f64::MAX,
                    -spread,
                ])
                .collect();
            for q in probes {
                let mut got = Vec::new();
                t.stab(q, &mut |i| got.push(i));
                got.sort();
                let want: Vec<u32> = ivs
                    .iter()
                    .filter(|iv| iv.lo <= q && q <= iv.hi)
                    .map(|iv| iv.item)
                    .collect();
                assert_eq!(got, want, "round {round}, x = {q}");
            }
        }
    }

    #[test]
    fn narrow_intervals_stab_few() {
        let mut t = IntervalTree::default();
        let mut x = 12345u64;
        for i in 0..2000u32 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let lo = (x % 1_000_000) as f64;
            t.push(Iv {
                lo,
                hi: lo + 5.0,
                item: i,
            });
        }
        t.build();
        let mut visited = 0;
        for q in 0..1000 {
            t.stab(q as f64 * 1000.0 + 0.5, &mut |_| visited += 1);
        }
        eprintln!("nodes {}, results {}", t.nodes.len(), visited);
        assert!(visited < 100);
    }
}
