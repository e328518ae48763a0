//! Compiled branches and their storage.
//!
//! A branch is one `$or` alternative of one rule's pattern: a conjunction
//! of fields, each a path and the leaf's matchers. Branches live in chunks
//! of [`CHUNK`] slots shared between versions of a machine and copied on
//! write, so that an update copies one chunk, not the whole table; a
//! removed branch's id is handed out again.
//!
//! Invariant: a slot holds `Some` exactly while its id is in use (given
//! out by [`Branches::insert`] and not yet removed), and a free id is in
//! the free list exactly once.

use std::sync::Arc;

use smallvec::SmallVec;

use crate::arch::prefetch;
use crate::pattern::Matcher;
use crate::util::hash::bytes_eq;
use crate::util::ids::{BranchId, FieldId, RuleId};
use crate::util::key::{key_heap, Key};

/// One field of a compiled branch.
#[derive(Debug, Clone)]
pub(super) struct BranchField {
    pub(super) field: FieldId,
    /// The leaf's test held in the branch itself, when it is one of the
    /// common string tests; verification then reads no other memory.
    pub(super) inline_test: Option<InlineTest>,
    pub(super) leaf: Arc<[Matcher]>,
    /// The field's state (`pattern::Field::state`).
    pub(super) state: u64,
    /// The leaf holds an IP range (whose answer for numbers depends on
    /// whether the field reads numbers as numbers).
    pub(super) has_ip: bool,
    /// The leaf holds `exists: false`.
    pub(super) absent_ok: bool,
}

impl BranchField {
    /// The compiled form of a pattern field whose path is `field`.
    pub(super) fn new(field: FieldId, f: &crate::pattern::Field) -> BranchField {
        BranchField {
            field,
            inline_test: InlineTest::of(&f.matchers),
            leaf: f.matchers.clone(),
            state: f.state,
            has_ip: f.matchers.iter().any(|m| matches!(m, Matcher::Ip(_))),
            absent_ok: f.matchers.contains(&Matcher::Exists(false)),
        }
    }
}

/// A leaf of one string test, with its operand inline (up to 24 bytes).
/// With many rules a candidate branch sits in cold memory, and reaching
/// the operand through the leaf's matchers and their strings costs a cache
/// miss per pointer; this costs none past the branch.
#[derive(Debug, Clone)]
pub(super) enum InlineTest {
    /// `Matcher::Exact`.
    Equals(Key),
    /// `Matcher::AnythingButStrings` of one string.
    NotEquals(Key),
    /// `Matcher::Prefix`.
    Prefix(Key),
    /// `Matcher::Suffix`.
    Suffix(Key),
}

impl InlineTest {
    /// The inline form of a leaf, if it has one.
    pub(super) fn of(leaf: &[Matcher]) -> Option<InlineTest> {
        let key = |s: &str| Key::from(s.as_bytes());
        match leaf {
            [Matcher::Exact(s)] => Some(InlineTest::Equals(key(s))),
            [Matcher::AnythingButStrings(set)] if set.len() == 1 => {
                Some(InlineTest::NotEquals(key(&set[0])))
            }
            [Matcher::Prefix(p)] => Some(InlineTest::Prefix(key(p))),
            [Matcher::Suffix(p)] => Some(InlineTest::Suffix(key(p))),
            _ => None,
        }
    }

    /// What `Matcher::matches` answers for a value (`Some` bytes of a
    /// string; `None` for any other kind).
    ///
    /// Operands and values are short: the comparisons are inline word
    /// compares ([`bytes_eq`]), not calls to `memcmp`.
    #[inline]
    pub(super) fn matches(&self, v: Option<&[u8]>) -> bool {
        match (self, v) {
            (InlineTest::Equals(k), Some(e)) => bytes_eq(k, e),
            (InlineTest::NotEquals(k), Some(e)) => !bytes_eq(k, e),
            (InlineTest::NotEquals(_), None) => true,
            (InlineTest::Prefix(k), Some(e)) => e.get(..k.len()).is_some_and(|p| bytes_eq(k, p)),
            (InlineTest::Suffix(k), Some(e)) => e
                .len()
                .checked_sub(k.len())
                .is_some_and(|at| bytes_eq(k, &e[at..])),
            _ => false,
        }
    }

    fn heap_size(&self) -> usize {
        let (InlineTest::Equals(k)
        | InlineTest::NotEquals(k)
        | InlineTest::Prefix(k)
        | InlineTest::Suffix(k)) = self;
        key_heap(k)
    }
}

/// A branch's fields, inline up to two (most branches), so that a
/// candidate's fields are in the lines of the branch itself.
pub(super) type BranchFields = SmallVec<[BranchField; 2]>;

/// One `$or` alternative of one rule, its fields in path order.
#[derive(Debug, Clone)]
pub(super) struct Branch {
    pub(super) rule: RuleId,
    pub(super) fields: BranchFields,
    /// The index in `fields` of the field the branch is indexed by, if any.
    pub(super) anchor: Option<u32>,
}

/// Branches are stored in chunks of this many, so that an update copies
/// one chunk, not the whole table.
const CHUNK: usize = 256;

/// The branches of a machine, by id.
#[derive(Debug, Clone, Default)]
pub(super) struct Branches {
    /// Each chunk's slots sit in the `Arc`'s own allocation (a slice, not
    /// a `Vec`): reaching a candidate's branch costs one dependent load less.
    chunks: Vec<Arc<[Option<Branch>]>>,
    free: Vec<BranchId>,
    live: usize,
}

impl Branches {
    /// The branch with id `b`, if it is in use.
    #[inline]
    pub(super) fn get(&self, b: BranchId) -> Option<&Branch> {
        self.chunks[b.as_usize() / CHUNK][b.as_usize() % CHUNK].as_ref()
    }

    /// Stores a branch; returns its id (the lowest free one of the newest
    /// chunk first).
    pub(super) fn insert(&mut self, branch: Branch) -> BranchId {
        let id = match self.free.pop() {
            Some(id) => id,
            None => {
                let first = (self.chunks.len() * CHUNK) as u32;
                self.chunks.push(vec![None; CHUNK].into());
                self.free
                    .extend((first + 1..first + CHUNK as u32).rev().map(BranchId::new));
                BranchId::new(first)
            }
        };
        let chunk = Arc::make_mut(&mut self.chunks[id.as_usize() / CHUNK]);
        chunk[id.as_usize() % CHUNK] = Some(branch);
        self.live += 1;
        id
    }

    /// Takes the branch with id `b` out, freeing its id.
    pub(super) fn remove(&mut self, b: BranchId) -> Option<Branch> {
        let chunk = Arc::make_mut(&mut self.chunks[b.as_usize() / CHUNK]);
        let branch = chunk[b.as_usize() % CHUNK].take()?;
        self.free.push(b);
        self.live -= 1;
        Some(branch)
    }

    /// How many branches are stored.
    pub(super) fn len(&self) -> usize {
        self.live
    }

    /// One more than the largest id ever given out.
    pub(super) fn id_limit(&self) -> usize {
        self.chunks.len() * CHUNK
    }

    /// With many rules a candidate's branch, its fields and their matchers
    /// sit in cold memory, one pointer after another: fetch each level for
    /// all candidates before reading the next, so that the cache misses of
    /// different candidates overlap instead of queueing.
    pub(super) fn prefetch(&self, candidates: &[BranchId]) {
        for &b in candidates {
            prefetch(&self.chunks[b.as_usize() / CHUNK][b.as_usize() % CHUNK]);
        }
        for &b in candidates {
            if let Some(branch) = self.get(b) {
                // The fields (inline: the branch's later lines), and the
                // leaves that are not inline.
                for f in branch.fields.iter() {
                    prefetch(f);
                    if f.inline_test.is_none() {
                        prefetch(&*f.leaf);
                    }
                }
            }
        }
    }

    /// Approximate heap bytes held.
    pub(super) fn heap_size(&self) -> usize {
        self.chunks.len() * CHUNK * std::mem::size_of::<Option<Branch>>()
            + self
                .chunks
                .iter()
                .flat_map(|c| c.iter().flatten())
                .map(|b| {
                    let spilled = if b.fields.spilled() {
                        b.fields.len() * std::mem::size_of::<BranchField>()
                    } else {
                        0
                    };
                    spilled
                        + b.fields
                            .iter()
                            .filter_map(|f| f.inline_test.as_ref())
                            .map(InlineTest::heap_size)
                            .sum::<usize>()
                })
                .sum::<usize>()
            + self.free.capacity() * 4
    }
}
