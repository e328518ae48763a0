//! The field-path automaton: a byte trie over the dotted paths that some
//! rule names. The scanner walks it key by key, so that a value whose path
//! no rule names is skipped without a look at what it holds.
//!
//! Paths are EventBridge's dotted joins (`{"a": {"b": …}}` and
//! `{"a.b": …}` are both `a.b`), so the trie is over the joined bytes: a
//! key at node `n` is walked as `.` followed by the key (no `.` at the
//! root).
//!
//! Member names without a `.` (nearly all of them) take a shortcut: every
//! node where a path segment starts (the root, and each node after a `.`)
//! lists its segments with the node each one leads to, so a key costs one
//! lookup instead of a step per byte. A key that is no segment there leads
//! nowhere: the node a byte walk would reach has no field and no `.`.

use crate::util::hash::{bytes_eq, short_word};
use crate::util::ids::FieldId;

/// A node id; `NONE` when a walk falls off the trie.
pub(crate) type NodeId = u32;
pub(crate) const NONE: NodeId = u32::MAX;
pub(crate) const ROOT: NodeId = 0;

#[derive(Clone, Debug, Default)]
struct Node {
    /// Outgoing edges, sorted by byte.
    edges: Vec<(u8, NodeId)>,
    /// The field id if a named path ends here, else `NO_FIELD`.
    field: u32,
    /// Where a segment ends here: its number among the segments of the
    /// node where it starts (from 0, in the order they were added), else
    /// `NO_SEGMENT`. A node ends at most one segment, since its bytes from
    /// the root determine where that segment starts.
    segment: u32,
    /// Where a segment starts here: the segments, and their end nodes.
    segments: Segments,
    /// For the segments that start here and continue, the strings
    /// `"segment.` that a member name reaching past them through a `.`
    /// begins with when written without escapes; kept only where at most
    /// [`MAX_COUNTED_SEGMENTS`] segments start (elsewhere an object never
    /// settles; see `ScanScratch::settled`).
    dotted: Box<[memchr::memmem::Finder<'static>]>,
}

/// Objects whose members node starts more segments than this never
/// settle: their seen segments are counted in one 64-bit word.
pub(crate) const MAX_COUNTED_SEGMENTS: usize = 64;

/// `Node::segment` of a node where no segment ends.
const NO_SEGMENT: u32 = u32::MAX;

/// The segments that start at a node: a short list, or a hash table once
/// there are many.
#[derive(Clone, Debug, Default)]
enum Segments {
    #[default]
    None,
    /// Up to `FEW` segments: a tag per segment (its length and first byte)
    /// scanned first, then the segments.
    Few(Vec<u16>, Vec<(Box<[u8]>, NodeId)>),
    Many(Box<Names>),
}

/// Many segments: an open-addressed table of the names up to 16 bytes,
/// each held as the two words [`words`] makes of it, so that a look-up is a
/// multiply, a probe or two and two word comparisons (member names are
/// short); longer names are listed apart.
#[derive(Clone, Debug, Default)]
struct Names {
    /// (words, length, node); `EMPTY` length for a free slot. At most half
    /// full.
    slots: Vec<(u64, u64, u32, NodeId)>,
    /// Slots in use (kept, not counted: a node may have very many names).
    used: usize,
    long: Vec<(Box<[u8]>, NodeId)>,
}

const EMPTY: u32 = u32::MAX;

/// `Node::field` of a node where no named path ends.
const NO_FIELD: u32 = u32::MAX;

/// A name of up to 16 bytes as two words: with its length they determine
/// it (every byte is in one of them; the loads overlap instead of padding).
#[inline(always)]
fn words(key: &[u8]) -> Option<(u64, u64)> {
    let n = key.len();
    let w = |i: usize| u64::from_le_bytes(key[i..i + 8].try_into().expect("8 bytes"));
    match n {
        0..=7 => Some((short_word(key), 0)),
        8..=16 => Some((w(0), w(n - 8))),
        _ => None,
    }
}

/// The name of `n` bytes (at most 16) that [`words`] made `(a, b)` of.
fn unwords(a: u64, b: u64, n: usize, buf: &mut [u8; 16]) -> &[u8] {
    match n {
        0 => {}
        1..=3 => {
            buf[0] = a as u8;
            buf[n / 2] = (a >> 8) as u8;
            buf[n - 1] = (a >> 16) as u8;
        }
        4..=7 => {
            buf[..4].copy_from_slice(&(a as u32).to_le_bytes());
            buf[n - 4..n].copy_from_slice(&((a >> 32) as u32).to_le_bytes());
        }
        _ => {
            buf[..8].copy_from_slice(&a.to_le_bytes());
            buf[n - 8..n].copy_from_slice(&b.to_le_bytes());
        }
    }
    &buf[..n]
}

impl Names {
    #[inline(always)]
    fn slot(&self, a: u64, b: u64, n: u32) -> usize {
        let h = (a ^ b.rotate_left(29) ^ (n as u64) << 56).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        (h >> 32) as usize & (self.slots.len() - 1)
    }

    #[inline]
    fn get(&self, key: &[u8]) -> Option<NodeId> {
        let Some((a, b)) = words(key) else {
            return self.long.iter().find(|e| *e.0 == *key).map(|e| e.1);
        };
        let n = key.len() as u32;
        let mut i = self.slot(a, b, n);
        loop {
            let s = &self.slots[i];
            if s.2 == n && s.0 == a && s.1 == b {
                return Some(s.3);
            }
            if s.2 == EMPTY {
                return None;
            }
            i = (i + 1) & (self.slots.len() - 1);
        }
    }

    /// Adds a name not present.
    fn insert(&mut self, key: &[u8], to: NodeId) {
        let Some((a, b)) = words(key) else {
            self.long.push((key.into(), to));
            return;
        };
        self.used += 1;
        if self.used * 2 > self.slots.len() {
            let old = std::mem::take(&mut self.slots);
            self.slots = vec![(0, 0, EMPTY, NONE); (self.used * 4).next_power_of_two()];
            for s in old.into_iter().filter(|s| s.2 != EMPTY) {
                self.place(s);
            }
        }
        self.place((a, b, key.len() as u32, to));
    }

    fn place(&mut self, s: (u64, u64, u32, NodeId)) {
        let mut i = self.slot(s.0, s.1, s.2);
        while self.slots[i].2 != EMPTY {
            i = (i + 1) & (self.slots.len() - 1);
        }
        self.slots[i] = s;
    }
}

const FEW: usize = 8;

/// A segment's length (capped) and first byte.
#[inline(always)]
fn tag(key: &[u8]) -> u16 {
    ((key.len().min(255) as u16) << 8) | key.first().copied().unwrap_or(0) as u16
}

impl Segments {
    /// How many segments start here.
    fn len(&self) -> usize {
        match self {
            Segments::None => 0,
            Segments::Few(_, v) => v.len(),
            Segments::Many(m) => m.used + m.long.len(),
        }
    }

    /// Calls `f` with each segment and its end node, until `f` says stop
    /// (returns false); returns whether it went through all.
    fn all(&self, f: &mut impl FnMut(&[u8], NodeId) -> bool) -> bool {
        match self {
            Segments::None => true,
            Segments::Few(_, v) => v.iter().all(|(s, n)| f(s, *n)),
            Segments::Many(m) => {
                m.slots
                    .iter()
                    .filter(|s| s.2 != EMPTY)
                    .all(|&(a, b, n, to)| {
                        let mut buf = [0u8; 16];
                        f(unwords(a, b, n as usize, &mut buf), to)
                    })
                    && m.long.iter().all(|(s, n)| f(s, *n))
            }
        }
    }

    #[inline]
    fn get(&self, key: &[u8]) -> Option<NodeId> {
        match self {
            Segments::None => None,
            Segments::Few(tags, v) => {
                let t = tag(key);
                tags.iter()
                    .zip(v)
                    .find(|(&x, (s, _))| x == t && bytes_eq(s, key))
                    .map(|(_, e)| e.1)
            }
            Segments::Many(m) => m.get(key),
        }
    }

    fn add(&mut self, seg: &[u8], to: NodeId) {
        if self.get(seg).is_some() {
            return;
        }
        match self {
            Segments::None => *self = Segments::Few(vec![tag(seg)], vec![(seg.into(), to)]),
            Segments::Few(tags, v) if v.len() < FEW => {
                tags.push(tag(seg));
                v.push((seg.into(), to));
            }
            Segments::Few(_, v) => {
                let mut m = Box::<Names>::default();
                for (s, n) in v.drain(..) {
                    m.insert(&s, n);
                }
                m.insert(seg, to);
                *self = Segments::Many(m);
            }
            Segments::Many(m) => m.insert(seg, to),
        }
    }

    fn heap_size(&self) -> usize {
        match self {
            Segments::None => 0,
            Segments::Few(_, v) => v.iter().map(|(s, _)| s.len() + 26).sum(),
            Segments::Many(m) => {
                m.slots.len() * 24 + m.long.iter().map(|(s, _)| s.len() + 20).sum::<usize>()
            }
        }
    }
}

/// The trie of named paths.
#[derive(Clone, Debug)]
pub(crate) struct PathTrie {
    nodes: Vec<Node>,
    /// For each field id, its path.
    paths: Vec<Box<str>>,
}

impl Default for PathTrie {
    fn default() -> Self {
        PathTrie {
            nodes: vec![Node {
                edges: Vec::new(),
                field: NO_FIELD,
                segment: NO_SEGMENT,
                segments: Segments::None,
                dotted: Box::default(),
            }],
            paths: Vec::new(),
        }
    }
}

impl PathTrie {
    /// The field id of `path`, adding it if new.
    pub(crate) fn insert(&mut self, path: &str) -> FieldId {
        let nodes_before = self.nodes.len() as NodeId;
        let mut n = ROOT;
        for &b in path.as_bytes() {
            let node = &self.nodes[n as usize];
            n = match node.edges.binary_search_by_key(&b, |e| e.0) {
                Ok(i) => node.edges[i].1,
                Err(i) => {
                    let id = self.nodes.len() as NodeId;
                    self.nodes[n as usize].edges.insert(i, (b, id));
                    self.nodes.push(Node {
                        edges: Vec::new(),
                        field: NO_FIELD,
                        segment: NO_SEGMENT,
                        segments: Segments::None,
                        dotted: Box::default(),
                    });
                    id
                }
            };
        }
        let node = &mut self.nodes[n as usize];
        if node.field == NO_FIELD {
            node.field = self.paths.len() as u32;
            self.paths.push(path.into());
        }
        let field = FieldId::new(node.field);
        // The segments, each from the node where it starts; a start node
        // whose segments changed (one added, or one that now continues)
        // gets its dotted strings anew.
        let mut start = ROOT;
        let mut segs = path.as_bytes().split(|&b| b == b'.').peekable();
        while let Some(seg) = segs.next() {
            let end = self.walk_bytes(start, seg);
            let segments = &mut self.nodes[start as usize].segments;
            let mut changed = false;
            if segments.get(seg).is_none() {
                let ordinal = segments.len() as u32;
                segments.add(seg, end);
                self.nodes[end as usize].segment = ordinal;
                changed = true;
            }
            let next = segs.peek().is_some().then(|| self.step(end, b'.'));
            // A `.` node made by this insert: the segment now continues.
            changed |= next.is_some_and(|d| d >= nodes_before);
            if changed {
                self.refresh_dotted(start);
            }
            if let Some(d) = next {
                start = d;
            }
        }
        field
    }

    /// Recomputes the dotted strings of the segments that start at `m`.
    fn refresh_dotted(&mut self, m: NodeId) {
        let mut needles = Vec::new();
        if self.segment_count(m) <= MAX_COUNTED_SEGMENTS {
            self.continuing_segments(m, &mut |seg| {
                let mut needle = Vec::with_capacity(seg.len() + 2);
                needle.push(b'"');
                needle.extend_from_slice(seg);
                needle.push(b'.');
                needles.push(memchr::memmem::Finder::new(&needle).into_owned());
                true
            });
        }
        self.nodes[m as usize].dotted = needles.into();
    }

    /// The dotted strings of the segments that start at `m` (see
    /// `Node::dotted`).
    #[inline]
    pub(crate) fn dotted(&self, m: NodeId) -> &[memchr::memmem::Finder<'static>] {
        &self.nodes[m as usize].dotted
    }

    fn walk_bytes(&self, mut n: NodeId, bytes: &[u8]) -> NodeId {
        for &b in bytes {
            if n == NONE {
                return NONE;
            }
            n = self.step(n, b);
        }
        n
    }

    /// The field of a dotted path, if some rule names it.
    pub(crate) fn find(&self, path: &str) -> Option<FieldId> {
        match self.walk_bytes(ROOT, path.as_bytes()) {
            NONE => None,
            n => self.field(n),
        }
    }

    /// The number of fields.
    pub(crate) fn field_count(&self) -> usize {
        self.paths.len()
    }

    #[inline]
    fn step(&self, n: NodeId, b: u8) -> NodeId {
        let edges = &self.nodes[n as usize].edges;
        if edges.len() <= 8 {
            for &(c, to) in edges {
                if c == b {
                    return to;
                }
            }
            NONE
        } else {
            match edges.binary_search_by_key(&b, |e| e.0) {
                Ok(i) => edges[i].1,
                Err(_) => NONE,
            }
        }
    }

    /// Where the members of an object at node `n` start their paths: the
    /// node after `n`'s `.` (the root for the event itself), or `NONE`
    /// when no named path continues below `n`.
    #[inline]
    pub(crate) fn members(&self, n: NodeId) -> NodeId {
        self.step(n, b'.')
    }

    /// The node reached through member `key` of an object whose members
    /// start at `m` ([`PathTrie::members`]), or `NONE`; and whether `key`
    /// is one of the segments that start at `m` (then
    /// [`PathTrie::segment_number`] of the node tells which).
    #[inline(always)]
    pub(crate) fn member(&self, m: NodeId, key: &[u8]) -> (NodeId, bool) {
        // Most names no rule uses fail on their first byte.
        if let Some(&first) = key.first() {
            if self.step(m, first) == NONE {
                return (NONE, false);
            }
        }
        if let Some(to) = self.nodes[m as usize].segments.get(key) {
            return (to, true);
        }
        if memchr::memchr(b'.', key).is_none() {
            return (NONE, false);
        }
        (self.walk_bytes(m, key), false)
    }

    /// The number of the segment that ends at `n`, among those that start
    /// where it starts.
    #[inline]
    pub(crate) fn segment_number(&self, n: NodeId) -> u32 {
        self.nodes[n as usize].segment
    }

    /// How many segments start at `m`.
    #[inline]
    pub(crate) fn segment_count(&self, m: NodeId) -> usize {
        self.nodes[m as usize].segments.len()
    }

    /// Calls `f` with each segment that starts at `m` and continues (a
    /// named path goes on below it, through a `.`), until `f` returns
    /// false; returns whether it went through all. A member name holding a
    /// `.` can reach a named path from `m` only through such a segment.
    pub(crate) fn continuing_segments(&self, m: NodeId, f: &mut impl FnMut(&[u8]) -> bool) -> bool {
        self.nodes[m as usize]
            .segments
            .all(&mut |seg, end| self.step(end, b'.') == NONE || f(seg))
    }

    /// The field that ends at `n`, if one does.
    #[inline]
    pub(crate) fn field(&self, n: NodeId) -> Option<FieldId> {
        let f = self.nodes[n as usize].field;
        (f != NO_FIELD).then_some(FieldId::new(f))
    }

    /// Bytes of memory held, roughly.
    pub(crate) fn heap_size(&self) -> usize {
        self.nodes.len() * std::mem::size_of::<Node>()
            + self
                .nodes
                .iter()
                .map(|n| n.edges.capacity() * 8 + n.segments.heap_size())
                .sum::<usize>()
            + self.paths.iter().map(|p| p.len() + 16).sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_node_with_very_many_names_builds_in_linear_time() {
        let mut s = Segments::default();
        for i in 0..200_000u32 {
            s.add(format!("f{i}").as_bytes(), i);
        }
        assert_eq!(s.get(b"f199999"), Some(199_999));
        assert_eq!(s.get(b"f200000"), None);
    }

    #[test]
    fn names_come_back_from_their_words() {
        for n in 0..=16usize {
            let name: Vec<u8> = (0..n as u8).map(|i| b'a' + i * 3 % 26).collect();
            let (a, b) = words(&name).unwrap();
            let mut buf = [0u8; 16];
            assert_eq!(unwords(a, b, n, &mut buf), &name[..]);
        }
    }

    #[test]
    fn many_segments_find_exactly_their_names() {
        // Names of every length from 0 to 24, some alike but for one byte
        // or the length.
        let names: Vec<Vec<u8>> = (0..200u32)
            .map(|i| {
                let mut n = format!("{i:03}abcdefghijklmnopqrstuvwxyz").into_bytes();
                n.truncate((i % 25) as usize);
                n
            })
            .collect();
        let mut s = Segments::default();
        for (i, n) in names.iter().enumerate() {
            s.add(n, i as NodeId);
        }
        assert!(matches!(s, Segments::Many(_)));
        for (i, n) in names.iter().enumerate() {
            let want = names.iter().position(|m| m == n).unwrap() as NodeId;
            assert_eq!(s.get(n), Some(want), "{i}");
            let mut other = n.clone();
            other.push(b'!');
            assert_eq!(s.get(&other), None);
            if !n.is_empty() {
                other[0] = b'#';
                assert_eq!(s.get(&other[..n.len()]), None);
            }
        }
    }

    use super::*;

    /// The node reached from the object at `n` through member `key`;
    /// `top` tells whether the object is the event itself.
    fn walk_key(t: &PathTrie, n: NodeId, key: &[u8], top: bool) -> NodeId {
        let m = if top { n } else { t.members(n) };
        if m == NONE {
            return NONE;
        }
        t.member(m, key).0
    }

    #[test]
    fn segments_are_numbered_where_they_start() {
        let mut t = PathTrie::default();
        for p in ["a.x", "b", "a.y.z", "c.d", "a.x.w"] {
            t.insert(p);
        }
        assert_eq!(t.segment_count(ROOT), 3);
        let number = |m: NodeId, key: &[u8]| match t.member(m, key) {
            (n, true) => Some(t.segment_number(n)),
            _ => None,
        };
        let (a, c) = (t.member(ROOT, b"a").0, t.member(ROOT, b"c").0);
        assert_eq!(
            (number(ROOT, b"a"), number(ROOT, b"b"), number(ROOT, b"c")),
            (Some(0), Some(1), Some(2))
        );
        let m = t.members(a);
        assert_eq!(t.segment_count(m), 2);
        assert_eq!(number(m, b"y"), Some(1));
        // A dotted name reaches the path but is no segment of the object.
        let (to, segment) = t.member(ROOT, b"a.y");
        assert_eq!((to == NONE, segment), (false, false));
        let mut continuing = Vec::new();
        t.continuing_segments(ROOT, &mut |s| {
            continuing.push(s.to_vec());
            true
        });
        assert_eq!(continuing, [b"a".to_vec(), b"c".to_vec()]);
        assert_eq!(t.members(t.member(t.members(c), b"d").0), NONE);
    }

    #[test]
    fn dotted_keys_are_nesting() {
        let mut t = PathTrie::default();
        let ab = t.insert("a.b");
        let a = walk_key(&t, ROOT, b"a", true);
        assert_eq!(t.field(walk_key(&t, a, b"b", false)), Some(ab));
        assert_eq!(t.field(walk_key(&t, ROOT, b"a.b", true)), Some(ab));
        assert_eq!(walk_key(&t, ROOT, b"b", true), NONE);
        // `{"": {"a": …}}` is the path `.a`, not `a`: no path starts there.
        assert_eq!(walk_key(&t, ROOT, b"", true), NONE);
        let dot_a = t.insert(".a");
        let empty = walk_key(&t, ROOT, b"", true);
        assert_eq!(t.field(walk_key(&t, empty, b"a", false)), Some(dot_a));
        assert_eq!(t.field(a), None);
    }

    #[test]
    fn segment_lookup_agrees_with_the_byte_walk() {
        let mut t = PathTrie::default();
        let paths = [
            "a", "a.b", "ab.c", "a.bc.d", "", ".x", "a..b", "x.", "k0", "k1", "k2", "k3", "k4",
            "k5", "k6", "k7", "k8", "k9", "a.k9.z",
        ];
        for p in paths {
            t.insert(p);
        }
        let keys: [&[u8]; 14] = [
            b"a", b"ab", b"b", b"bc", b"", b"x", b"k9", b"k", b"a.b", b"a.bc", b"bc.d", b".", b"z",
            b"c",
        ];
        let mut nodes = vec![ROOT];
        let mut i = 0;
        while i < nodes.len() && i < 200 {
            let n = nodes[i];
            i += 1;
            for top in [true, false] {
                if top && n != ROOT {
                    continue;
                }
                for key in keys {
                    let fast = walk_key(&t, n, key, top);
                    let mut slow = if top { n } else { t.step(n, b'.') };
                    if slow != NONE {
                        slow = t.walk_bytes(slow, key);
                    }
                    // A byte walk may stop inside a segment: a dead node.
                    let dead =
                        |m: NodeId| m == NONE || (t.field(m).is_none() && t.step(m, b'.') == NONE);
                    if fast != slow {
                        assert!(fast == NONE && dead(slow), "{n} {key:?}");
                    }
                    if fast != NONE && !nodes.contains(&fast) {
                        nodes.push(fast);
                    }
                }
            }
        }
    }
}
