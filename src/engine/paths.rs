//! The field-path automaton: a byte trie over the dotted paths that some
//! rule names. The scanner walks it key by key, so that a value whose path
//! no rule names is skipped without a look at what it holds.
//!
//! Paths are the reference's dotted joins (`{"a": {"b": …}}` and
//! `{"a.b": …}` are both `a.b`), so the trie is over the joined bytes: a
//! key at node `n` is walked as `.` followed by the key (no `.` at the
//! root).
//!
//! Member names without a `.` (nearly all of them) take a shortcut: every
//! node where a path segment starts (the root, and each node after a `.`)
//! lists its segments with the node each one leads to, so a key costs one
//! lookup instead of a step per byte. A key that is no segment there leads
//! nowhere: the node a byte walk would reach has no field and no `.`.

use super::index::{FxMap, Key};

/// A node id; `NONE` when a walk falls off the trie.
pub(crate) type NodeId = u32;
pub(crate) const NONE: NodeId = u32::MAX;
pub(crate) const ROOT: NodeId = 0;

#[derive(Clone, Debug, Default)]
struct Node {
    /// Outgoing edges, sorted by byte.
    edges: Vec<(u8, NodeId)>,
    /// The field id if a named path ends here.
    field: u32,
    /// Where a segment starts here: the segments, and their end nodes.
    segments: Segments,
}

/// The segments that start at a node: a short list, or a hash table once
/// there are many.
#[derive(Clone, Debug, Default)]
enum Segments {
    #[default]
    None,
    /// Up to `FEW` segments: a tag per segment (its length and first byte)
    /// scanned first, then the segments.
    Few(Vec<u16>, Vec<(Box<[u8]>, NodeId)>),
    Many(FxMap<Key, NodeId>),
}

const FEW: usize = 8;

/// A segment's length (capped) and first byte.
#[inline(always)]
fn tag(key: &[u8]) -> u16 {
    ((key.len().min(255) as u16) << 8) | key.first().copied().unwrap_or(0) as u16
}

/// Byte-string equality, inlined for the short strings member names are
/// (a call to `memcmp` costs more than comparing them).
#[inline(always)]
fn short_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    if a.len() > 16 {
        return a == b;
    }
    a.iter().zip(b).all(|(x, y)| x == y)
}

impl Segments {
    #[inline]
    fn get(&self, key: &[u8]) -> Option<NodeId> {
        match self {
            Segments::None => None,
            Segments::Few(tags, v) => {
                let t = tag(key);
                tags.iter()
                    .zip(v)
                    .find(|(&x, (s, _))| x == t && short_eq(s, key))
                    .map(|(_, e)| e.1)
            }
            Segments::Many(m) => m.get(key).copied(),
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
                let mut m: FxMap<Key, NodeId> =
                    v.drain(..).map(|(s, n)| (Key::from(&s[..]), n)).collect();
                m.insert(seg.into(), to);
                *self = Segments::Many(m);
            }
            Segments::Many(m) => {
                m.insert(seg.into(), to);
            }
        }
    }

    fn heap_size(&self) -> usize {
        match self {
            Segments::None => 0,
            Segments::Few(_, v) => v.iter().map(|(s, _)| s.len() + 26).sum(),
            Segments::Many(m) => m.len() * (std::mem::size_of::<(Key, NodeId)>() + 1),
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
                field: NONE,
                segments: Segments::None,
            }],
            paths: Vec::new(),
        }
    }
}

impl PathTrie {
    /// The field id of `path`, adding it if new.
    pub(crate) fn insert(&mut self, path: &str) -> u32 {
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
                        field: NONE,
                        segments: Segments::None,
                    });
                    id
                }
            };
        }
        let node = &mut self.nodes[n as usize];
        if node.field == NONE {
            node.field = self.paths.len() as u32;
            self.paths.push(path.into());
        }
        let field = node.field;
        // The segments, each from the node where it starts.
        let mut start = ROOT;
        let mut segs = path.as_bytes().split(|&b| b == b'.').peekable();
        while let Some(seg) = segs.next() {
            let end = self.walk_bytes(start, seg);
            self.nodes[start as usize].segments.add(seg, end);
            if segs.peek().is_some() {
                start = self.step(end, b'.');
            }
        }
        field
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

    /// The node reached from the object at `n` through member `key`; `top`
    /// tells whether the object is the event itself (whose members' paths
    /// take no leading dot).
    #[inline(always)]
    pub(crate) fn walk_key(&self, n: NodeId, key: &[u8], top: bool) -> NodeId {
        let mut n = n;
        if !top {
            n = self.step(n, b'.');
            if n == NONE {
                return NONE;
            }
        }
        // Most names no rule uses fail on their first byte.
        if let Some(&first) = key.first() {
            if self.step(n, first) == NONE {
                return NONE;
            }
        }
        if let Some(to) = self.nodes[n as usize].segments.get(key) {
            return to;
        }
        if memchr::memchr(b'.', key).is_none() {
            return NONE;
        }
        self.walk_bytes(n, key)
    }

    /// The field that ends at `n`, or `NONE`.
    #[inline]
    pub(crate) fn field(&self, n: NodeId) -> u32 {
        self.nodes[n as usize].field
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
    use super::*;

    #[test]
    fn dotted_keys_are_nesting() {
        let mut t = PathTrie::default();
        let ab = t.insert("a.b");
        let a = t.walk_key(ROOT, b"a", true);
        assert_eq!(t.field(t.walk_key(a, b"b", false)), ab);
        assert_eq!(t.field(t.walk_key(ROOT, b"a.b", true)), ab);
        assert_eq!(t.walk_key(ROOT, b"b", true), NONE);
        // `{"": {"a": …}}` is the path `.a`, not `a`: no path starts there.
        assert_eq!(t.walk_key(ROOT, b"", true), NONE);
        let dot_a = t.insert(".a");
        let empty = t.walk_key(ROOT, b"", true);
        assert_eq!(t.field(t.walk_key(empty, b"a", false)), dot_a);
        assert_eq!(t.field(a), NONE);
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
                    let fast = t.walk_key(n, key, top);
                    let mut slow = if top { n } else { t.step(n, b'.') };
                    if slow != NONE {
                        slow = t.walk_bytes(slow, key);
                    }
                    // A byte walk may stop inside a segment: a dead node.
                    let dead =
                        |m: NodeId| m == NONE || (t.field(m) == NONE && t.step(m, b'.') == NONE);
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
