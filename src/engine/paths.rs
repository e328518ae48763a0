//! The field-path automaton: a byte trie over the dotted paths that some
//! rule names. The scanner walks it key by key, so that a value whose path
//! no rule names is skipped without a look at what it holds.
//!
//! Paths are the reference's dotted joins (`{"a": {"b": …}}` and
//! `{"a.b": …}` are both `a.b`), so the trie is over the joined bytes: a
//! key at node `n` is walked as `.` followed by the key (no `.` at the
//! root).

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
        node.field
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
    #[inline]
    pub(crate) fn walk_key(&self, n: NodeId, key: &[u8], top: bool) -> NodeId {
        let mut n = n;
        if !top {
            n = self.step(n, b'.');
        }
        for &b in key {
            if n == NONE {
                return NONE;
            }
            n = self.step(n, b);
        }
        n
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
                .map(|n| n.edges.capacity() * 8)
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
        // `{"": {"a": …}}` is the path `.a`, not `a`.
        let empty = t.walk_key(ROOT, b"", true);
        assert_eq!(t.walk_key(empty, b"a", false), NONE);
        assert_eq!(t.field(a), NONE);
    }
}
