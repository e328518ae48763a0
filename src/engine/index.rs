//! Per-field value indexes: given an event value at a field, they yield the
//! branches anchored on that field whose anchor may match it. They are
//! filters: a branch they yield is then verified in full, so they may yield
//! too much, never too little.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

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

    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

pub(crate) type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// A byte trie with lists of branch ids at its nodes; a lookup walks the
/// value and collects the lists of every node on the way (prefix search).
#[derive(Debug, Default, Clone)]
pub(crate) struct ByteTrie {
    nodes: Vec<TrieNode>,
}

#[derive(Debug, Default, Clone)]
struct TrieNode {
    edges: Vec<(u8, u32)>,
    items: Vec<u32>,
}

impl ByteTrie {
    pub(crate) fn insert(&mut self, key: impl Iterator<Item = u8>, item: u32) {
        if self.nodes.is_empty() {
            self.nodes.push(TrieNode::default());
        }
        let mut n = 0usize;
        for b in key {
            let node = &self.nodes[n];
            n = match node.edges.binary_search_by_key(&b, |e| e.0) {
                Ok(i) => node.edges[i].1 as usize,
                Err(i) => {
                    let id = self.nodes.len();
                    self.nodes[n].edges.insert(i, (b, id as u32));
                    self.nodes.push(TrieNode::default());
                    id
                }
            };
        }
        self.nodes[n].items.push(item);
    }

    /// Removes one occurrence of `item` at `key` (nodes stay; they are few
    /// and reused when the key comes back).
    pub(crate) fn remove(&mut self, key: impl Iterator<Item = u8>, item: u32) {
        if self.nodes.is_empty() {
            return;
        }
        let mut n = 0usize;
        for b in key {
            match self.nodes[n].edges.binary_search_by_key(&b, |e| e.0) {
                Ok(i) => n = self.nodes[n].edges[i].1 as usize,
                Err(_) => return,
            }
        }
        let items = &mut self.nodes[n].items;
        if let Some(i) = items.iter().position(|&x| x == item) {
            items.swap_remove(i);
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Calls `f` with the items of every key that is a prefix of `value`.
    #[inline]
    pub(crate) fn prefixes_of(&self, value: impl Iterator<Item = u8>, f: &mut impl FnMut(u32)) {
        let Some(root) = self.nodes.first() else {
            return;
        };
        root.items.iter().for_each(|&i| f(i));
        let mut n = 0usize;
        for b in value {
            let edges = &self.nodes[n].edges;
            let next = if edges.len() <= 8 {
                edges.iter().find(|e| e.0 == b).map(|e| e.1)
            } else {
                edges
                    .binary_search_by_key(&b, |e| e.0)
                    .ok()
                    .map(|i| edges[i].1)
            };
            match next {
                Some(m) => {
                    n = m as usize;
                    self.nodes[n].items.iter().for_each(|&i| f(i));
                }
                None => return,
            }
        }
    }

    pub(crate) fn heap_size(&self) -> usize {
        self.nodes
            .iter()
            .map(|n| 56 + n.edges.capacity() * 8 + n.items.capacity() * 4)
            .sum()
    }
}

/// A closed interval `[lo, hi]` of doubles with a payload.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Iv {
    pub(crate) lo: f64,
    pub(crate) hi: f64,
    pub(crate) item: u32,
}

/// A static centered interval tree: stabbing queries in O(log n + k).
#[derive(Debug, Default, Clone)]
pub(crate) struct IntervalTree {
    /// Every interval; the tree is rebuilt from them by `build`.
    all: Vec<Iv>,
    dirty: bool,
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
        self.root = self.build_node(self.all.clone());
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
            + self.all.capacity() * 24
    }
}

/// The case-folded form used to index ignore-case operands: each character
/// upper-cased, then lower-cased (full mappings). Two strings that one
/// ignore-case operand accepts fold alike (checked per operand at compile
/// time; see `fold_is_sound`).
pub(crate) fn fold_into(s: &str, out: &mut Vec<u8>) {
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
    fn byte_trie_prefixes() {
        let mut t = ByteTrie::default();
        t.insert("ab".bytes(), 1);
        t.insert("a".bytes(), 2);
        t.insert("".bytes(), 3);
        t.insert("abc".bytes(), 4);
        let mut got = Vec::new();
        t.prefixes_of("abd".bytes(), &mut |i| got.push(i));
        got.sort();
        assert_eq!(got, [1, 2, 3]);
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
