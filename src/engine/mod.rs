//! The compiled engine.
//!
//! All rules are compiled into one machine, made of three parts:
//!
//! 1. a **path automaton** ([`paths::PathTrie`]): a byte trie over every
//!    dotted field path some rule names. The scanner walks member names
//!    through it and skips, unread, every value whose path no rule names;
//! 2. per field, **value indexes** ([`index`]): hash tables for exact
//!    strings and numbers; hash tables grouped by key length for prefixes
//!    and suffixes (and their case-folded forms, wildcards' literal ends and
//!    the common hex-digit prefix of IP ranges), one probe per length; a
//!    sorted array plus an interval tree for numeric ranges. Each `$or`
//!    branch of each rule is *anchored* on its most selective field; a value
//!    found at that field yields the branches whose anchor it may satisfy
//!    (a superset: the indexes only filter);
//! 3. **branch verification**: a candidate branch is checked field by field
//!    against the values the scan found, with array consistency, by a
//!    backtracking search on an explicit stack, run separately on groups of
//!    fields that share no array.
//!
//! The pieces are shared (`Arc`) and copied on write, so that a
//! [`LiveMachine`](crate::LiveMachine) update costs the change.
//!
//! Matching therefore costs one pass over the event bytes, plus work for
//! the values found at named paths and for the branches they make
//! candidates, not work per rule. Branches with no selective field (only
//! `anything-but` or `exists`, say) are verified for every event.

pub(crate) mod index;
pub(crate) mod paths;
pub(crate) mod scan;
pub(crate) mod simd;
mod table;

use std::sync::Arc;

use smallvec::SmallVec;

use self::index::{
    fold_into, fold_is_sound, FxMap, IntervalTree, Iv, Key, KeyMap, LenIndex, Sharded,
};
use self::paths::{PathTrie, NONE};
use self::scan::{Hit, Kind, ScanOptions, ScanScratch};
use crate::error::EventError;
use crate::pattern::ip::ip_nibbles;
use crate::pattern::number::comparable_bytes;
use crate::pattern::{Literal, Matcher, Pattern, ValueRef};

/// One field of a compiled branch.
#[derive(Debug, Clone)]
struct BField {
    field: u32,
    /// The leaf's test held in the branch itself, when it is one of the
    /// common string tests; verification then reads no other memory.
    fast: Option<Fast>,
    leaf: Arc<[Matcher]>,
    /// The field's state (`pattern::Field::state`).
    state: u64,
    /// The leaf holds an IP range (whose answer for numbers depends on
    /// `Engine::numeric`).
    has_ip: bool,
    /// The leaf holds `exists: false`.
    absent_ok: bool,
}

/// A leaf of one string test, with its operand inline (up to 24 bytes).
/// With many rules a candidate branch sits in cold memory, and reaching
/// the operand through the leaf's matchers and their strings cost a cache
/// miss per pointer; this costs none past the branch.
#[derive(Debug, Clone)]
enum Fast {
    /// `Matcher::Exact`.
    Equals(Key),
    /// `Matcher::AnythingButStrings` of one string.
    NotEquals(Key),
    /// `Matcher::Prefix`.
    Prefix(Key),
    /// `Matcher::Suffix`.
    Suffix(Key),
}

impl Fast {
    /// The fast form of a leaf, if it has one.
    fn of(leaf: &[Matcher]) -> Option<Fast> {
        let key = |s: &str| Key::from(s.as_bytes());
        match leaf {
            [Matcher::Exact(s)] => Some(Fast::Equals(key(s))),
            [Matcher::AnythingButStrings(set)] if set.len() == 1 => {
                Some(Fast::NotEquals(key(&set[0])))
            }
            [Matcher::Prefix(p)] => Some(Fast::Prefix(key(p))),
            [Matcher::Suffix(p)] => Some(Fast::Suffix(key(p))),
            _ => None,
        }
    }

    /// What `Matcher::matches` answers for a value (`Some` bytes of a
    /// string; `None` for any other kind).
    #[inline]
    fn matches(&self, v: Option<&[u8]>) -> bool {
        match (self, v) {
            (Fast::Equals(k), Some(e)) => k[..] == *e,
            (Fast::NotEquals(k), Some(e)) => k[..] != *e,
            (Fast::NotEquals(_), None) => true,
            (Fast::Prefix(k), Some(e)) => e.starts_with(k),
            (Fast::Suffix(k), Some(e)) => e.ends_with(k),
            _ => false,
        }
    }

    fn heap_size(&self) -> usize {
        let (Fast::Equals(k) | Fast::NotEquals(k) | Fast::Prefix(k) | Fast::Suffix(k)) = self;
        index::key_heap(k)
    }
}

/// A branch's fields, inline up to two (most branches), so that a
/// candidate's fields are in the lines of the branch itself.
type BFields = SmallVec<[BField; 2]>;

#[derive(Debug, Clone)]
struct Branch {
    rule: u32,
    fields: BFields,
    /// The field the branch is indexed by, if any.
    anchor: Option<u32>,
}

/// The anchor indexes of one field.
#[derive(Debug, Default, Clone)]
struct FieldIndex {
    exact: KeyMap,
    number_text: KeyMap,
    number_value: Sharded<u64>,
    literal: [Vec<u32>; 3],
    prefix: LenIndex,
    suffix: LenIndex,
    folded_equals: KeyMap,
    folded_prefix: LenIndex,
    folded_suffix: LenIndex,
    numeric: Arc<IntervalTree>,
    ip: LenIndex,
    /// Some anchor needs the number value of hits here.
    wants_number: bool,
    /// Some anchor needs the fold of string hits here.
    wants_fold: bool,
    /// The longest folded ignore-case operand anchored here, in bytes: only
    /// that much of a value's fold is ever looked at.
    max_fold: usize,
}

/// How selective an anchor would be (lower is better), or `None` when a
/// matcher cannot be indexed.
fn anchor_cost(m: &Matcher) -> Option<u32> {
    Some(match m {
        Matcher::Exact(_) | Matcher::Number { .. } | Matcher::Literal(_) => 1,
        Matcher::Ip(r) => {
            let common = r
                .bottom
                .iter()
                .zip(&r.top)
                .take_while(|(a, b)| a == b)
                .count();
            if common == 0 {
                return None;
            }
            2
        }
        Matcher::EqualsIgnoreCase(c) => {
            if !fold_is_sound(&c.operand()) {
                return None;
            }
            2
        }
        Matcher::Prefix(p) | Matcher::Suffix(p) if !p.is_empty() => 3,
        Matcher::PrefixIgnoreCase(c) | Matcher::SuffixIgnoreCase(c)
            if !c.alternatives.is_empty() && fold_is_sound(&c.operand()) =>
        {
            4
        }
        Matcher::Wildcard(w) => {
            let first = &w.parts[0];
            let last = &w.parts[w.parts.len() - 1];
            if first.is_empty() && last.is_empty() {
                return None;
            }
            4
        }
        Matcher::Numeric(iv) => match (iv.low, iv.high) {
            (Some(_), Some(_)) => 5,
            _ => 8,
        },
        _ => return None,
    })
}

/// Removes one occurrence of `item` from a list.
fn remove_item(list: &mut Vec<u32>, item: u32) {
    if let Some(i) = list.iter().position(|&x| x == item) {
        list.swap_remove(i);
    }
}

/// Postings with this bit set name a rule, not a branch (see [`posting`]).
const CERTAIN: u32 = 1 << 31;

/// What the index holds for the anchor matcher `m` of branch `id` (of
/// `rule`, with `fields` fields). When the branch has no other field and
/// `m` answers exactly in the index (equal bytes, a prefix or suffix of the
/// bytes, a literal), a probe that yields the posting has proved that the
/// rule matches: the posting then names the rule (with [`CERTAIN`]), and
/// the match costs no verification and no visit to the branch's memory
/// (which, with many rules, is a string of cache misses).
fn posting(id: u32, rule: u32, fields: usize, m: &Matcher) -> u32 {
    let exact = matches!(
        m,
        Matcher::Exact(_) | Matcher::Literal(_) | Matcher::Prefix(_) | Matcher::Suffix(_)
    );
    if fields == 1 && exact && rule < CERTAIN {
        rule | CERTAIN
    } else {
        debug_assert!(id < CERTAIN);
        id
    }
}

impl FieldIndex {
    /// Adds (or removes) the anchor matcher `m` of `branch`.
    fn edit(&mut self, m: &Matcher, branch: u32, insert: bool) {
        let mut fold = Vec::new();
        let edit = |t: &mut LenIndex, key: &[u8]| {
            if insert {
                t.insert(key, branch)
            } else {
                t.remove(key, branch)
            }
        };
        match m {
            Matcher::Exact(s) => self.exact.edit(s.as_bytes().into(), branch, insert),
            Matcher::Number { text, value } => {
                self.number_text
                    .edit(text.as_bytes().into(), branch, insert);
                if let Some(v) = value {
                    self.wants_number = true;
                    self.number_value.edit(v.to_bits(), branch, insert);
                }
            }
            Matcher::Literal(l) => {
                let list = &mut self.literal[*l as usize];
                if insert {
                    list.push(branch);
                } else {
                    remove_item(list, branch);
                }
            }
            Matcher::Prefix(p) => edit(&mut self.prefix, p.as_bytes()),
            Matcher::Suffix(p) => edit(&mut self.suffix, p.as_bytes()),
            Matcher::EqualsIgnoreCase(c) => {
                self.wants_fold = true;
                fold_into(&c.operand(), &mut fold);
                self.max_fold = self.max_fold.max(fold.len());
                self.folded_equals.edit(fold.into(), branch, insert);
            }
            Matcher::PrefixIgnoreCase(c) => {
                self.wants_fold = true;
                fold_into(&c.operand(), &mut fold);
                self.max_fold = self.max_fold.max(fold.len());
                edit(&mut self.folded_prefix, &fold);
            }
            Matcher::SuffixIgnoreCase(c) => {
                self.wants_fold = true;
                fold_into(&c.operand(), &mut fold);
                self.max_fold = self.max_fold.max(fold.len());
                edit(&mut self.folded_suffix, &fold);
            }
            Matcher::Wildcard(w) => {
                let first = &w.parts[0];
                if !first.is_empty() {
                    edit(&mut self.prefix, first.as_bytes());
                } else {
                    edit(&mut self.suffix, w.parts[w.parts.len() - 1].as_bytes());
                }
            }
            Matcher::Numeric(iv) => {
                self.wants_number = true;
                if insert {
                    Arc::make_mut(&mut self.numeric).push(Iv {
                        lo: iv.low.map_or(f64::NEG_INFINITY, |b| b.0),
                        hi: iv.high.map_or(f64::INFINITY, |b| b.0),
                        item: branch,
                    });
                } else {
                    Arc::make_mut(&mut self.numeric).remove(branch);
                }
            }
            Matcher::Ip(r) => {
                let common = r
                    .bottom
                    .iter()
                    .zip(&r.top)
                    .take_while(|(a, b)| a == b)
                    .count();
                edit(&mut self.ip, &r.bottom[..common]);
            }
            _ => unreachable!("only indexable matchers anchor"),
        }
    }

    /// Yields the branches whose anchor may accept `v` (hit at `field`):
    /// those found without a table lookup through `f` now, the table
    /// lookups that may find some (the filters' answer) into `later`.
    #[inline]
    fn probe(
        &self,
        field: u32,
        v: &ValueRef<'_>,
        fold: &mut Vec<u8>,
        later: &mut Later,
        f: &mut impl FnMut(u32),
    ) {
        match *v {
            ValueRef::Str(bytes) => {
                if let Some(h) = self.exact.may_hold(bytes) {
                    later.push(field, Table::Exact, h, bytes);
                }
                later.push_prefixes(field, Table::Prefix, &self.prefix, bytes);
                later.push_suffixes(field, Table::Suffix, &self.suffix, bytes);
                if !self.wants_fold && self.ip.is_empty() {
                    return;
                }
                if self.wants_fold {
                    // The scanner validated the bytes as UTF-8.
                    let s = std::str::from_utf8(bytes).unwrap_or_default();
                    // Only the first and last `max_fold` bytes of the fold
                    // matter, and a value much longer than every operand
                    // cannot equal one (an accepted value is at most a few
                    // bytes per operand byte): a long value is not folded
                    // whole.
                    fold.clear();
                    let (prefix, suffix) = (&self.folded_prefix, &self.folded_suffix);
                    if s.len() <= 4 * self.max_fold + 8 {
                        fold_into(s, fold);
                        if let Some(h) = self.folded_equals.may_hold(&fold[..]) {
                            later.push(field, Table::FoldedEquals, h, fold);
                        }
                        later.push_prefixes(field, Table::FoldedPrefix, prefix, fold);
                        later.push_suffixes(field, Table::FoldedSuffix, suffix, fold);
                    } else {
                        fold_window(s, self.max_fold, false, fold);
                        later.push_prefixes(field, Table::FoldedPrefix, prefix, fold);
                        fold.clear();
                        fold_window(s, self.max_fold, true, fold);
                        later.push_suffixes(field, Table::FoldedSuffix, suffix, fold);
                    }
                }
                if !self.ip.is_empty() {
                    if let Some(n) = ip_nibbles(bytes) {
                        later.push_prefixes(field, Table::Ip, &self.ip, &n);
                    }
                }
            }
            ValueRef::Num(text, value) => {
                if let Some(h) = self.number_text.may_hold(text) {
                    later.push(field, Table::NumberText, h, text);
                }
                if let Some(x) = value {
                    if let Some(bs) = self.number_value.get(&x.to_bits()) {
                        bs.iter().for_each(|&b| f(b));
                    }
                    if !self.numeric.is_empty() {
                        later.push(field, Table::Numeric(x), 0, &[]);
                    }
                }
                if !self.ip.is_empty() {
                    later.push_prefixes(field, Table::Ip, &self.ip, text);
                }
            }
            ValueRef::True => self.literal[Literal::True as usize]
                .iter()
                .for_each(|&b| f(b)),
            ValueRef::False => self.literal[Literal::False as usize]
                .iter()
                .for_each(|&b| f(b)),
            ValueRef::Null => self.literal[Literal::Null as usize]
                .iter()
                .for_each(|&b| f(b)),
        }
    }

    /// Does a lookup that [`FieldIndex::probe`] left for later.
    #[inline]
    fn look_up(&self, l: &Lookup, keys: &[u8], f: &mut impl FnMut(u32)) {
        let key = &keys[l.key..][..l.len as usize];
        let items = match l.table {
            Table::Exact => self.exact.find(l.hash, key),
            Table::NumberText => self.number_text.find(l.hash, key),
            Table::FoldedEquals => self.folded_equals.find(l.hash, key),
            Table::Prefix(i) => self.prefix.group(i as usize).find(l.hash, key),
            Table::Suffix(i) => self.suffix.group(i as usize).find(l.hash, key),
            Table::FoldedPrefix(i) => self.folded_prefix.group(i as usize).find(l.hash, key),
            Table::FoldedSuffix(i) => self.folded_suffix.group(i as usize).find(l.hash, key),
            Table::Ip(i) => self.ip.group(i as usize).find(l.hash, key),
            Table::Numeric(x) => {
                self.numeric.stab(x, f);
                return;
            }
        };
        if let Some(items) = items {
            items.iter().for_each(|&b| f(b));
        }
    }

    fn heap_size(&self) -> usize {
        self.exact.heap_size(index::key_heap)
            + self.number_text.heap_size(index::key_heap)
            + self.folded_equals.heap_size(index::key_heap)
            + self.number_value.heap_size(|_| 8)
            + self.prefix.heap_size()
            + self.suffix.heap_size()
            + self.folded_prefix.heap_size()
            + self.folded_suffix.heap_size()
            + self.numeric.heap_size()
            + self.ip.heap_size()
    }
}

/// Branches are stored in chunks of this many, so that an update copies
/// one chunk, not the whole table.
const CHUNK: usize = 256;

/// Per (field state, field): how many rule fields there read numbers as
/// numbers (see `reference::NumericPaths`); kept as counts so that removing
/// a rule undoes what adding it did.
type NumericCounts = FxMap<(u64, u32), u32>;

/// The compiled machine.
///
/// Its parts are shared (`Arc`) and copied on write: an update clones the
/// pieces it touches (the chunk of branches, the index of the anchor's
/// field) and shares the rest with the version it came from, so its cost
/// follows the change, not the machine.
#[derive(Debug, Clone)]
pub(crate) struct Engine {
    trie: Arc<PathTrie>,
    indexes: Vec<Arc<FieldIndex>>,
    /// Each chunk's slots sit in the `Arc`'s own allocation (a slice, not
    /// a `Vec`): reaching a candidate's branch costs one dependent load less.
    chunks: Vec<Arc<[Option<Branch>]>>,
    free_branches: Vec<u32>,
    /// Branches with no indexable field: verified for every event.
    always: Arc<Vec<u32>>,
    numeric: Arc<NumericCounts>,
    /// One more than the largest rule id ever used.
    rule_limit: u32,
    live_branches: usize,
    /// Fields whose interval trees need a rebuild before the next match.
    dirty: Vec<u32>,
    opts: ScanOptions,
}

/// Per-thread working memory of the engine.
#[derive(Debug, Default)]
pub(crate) struct EngineScratch {
    scan: ScanScratch,
    gen: u32,
    /// Per field: the generation its list head belongs to, and the head.
    head_gen: Vec<u32>,
    head: Vec<u32>,
    /// Per hit: the next hit of the same field.
    next: Vec<u32>,
    /// Per hit: its number value, computed on demand (0 = not yet, 1 = not
    /// representable, 2 = in `num_value`).
    num_state: Vec<u8>,
    num_value: Vec<f64>,
    branch_gen: Vec<u32>,
    candidates: Vec<u32>,
    rule_gen: Vec<u32>,
    matched: Vec<u32>,
    fold: Vec<u8>,
    later: Later,
    membership: Vec<(u32, u32)>,
    stack: Vec<Choice>,
    /// Union-find over a branch's fields, and per array of the event its
    /// first field (stamped with `owner_gen`).
    parent: Vec<u32>,
    array_owner: Vec<(u32, u32)>,
    owner_gen: u32,
    order: Vec<u32>,
}

/// Index lookups left for after every hit of an event has been probed:
/// with many rules the tables sit in cold memory, and looking them up one
/// after another lets their cache misses overlap (the CPU runs ahead into
/// the next lookup while one waits), where each lookup, between the probes
/// of other hits, used to wait alone. Keys are copied (they may live in
/// buffers reused from hit to hit); only lookups that passed a filter come
/// here, a few per event, and what they copy is at most a few times the
/// event's size (offsets are `usize`: no overflow on the largest events;
/// a key's length fits in `u32`, as events are under 4 GiB).
#[derive(Debug, Default)]
struct Later {
    list: Vec<Lookup>,
    keys: Vec<u8>,
}

impl Later {
    #[inline]
    fn push(&mut self, field: u32, table: Table, hash: u64, key: &[u8]) {
        self.list.push(Lookup {
            field,
            table,
            hash,
            key: self.keys.len(),
            // A key is part of one value, and events are under 4 GiB.
            len: key.len() as u32,
        });
        self.keys.extend_from_slice(key);
    }

    /// Queues the lookups of the keys of `index` that are prefixes of
    /// `value` and that its filters may hold, as `table` of group `i`.
    #[inline]
    fn push_prefixes(
        &mut self,
        field: u32,
        table: fn(u32) -> Table,
        index: &LenIndex,
        value: &[u8],
    ) {
        index.may_prefix(value, &mut |i, h, k| {
            self.push(field, table(i as u32), h, k)
        });
    }

    /// As [`Later::push_prefixes`], for suffixes.
    #[inline]
    fn push_suffixes(
        &mut self,
        field: u32,
        table: fn(u32) -> Table,
        index: &LenIndex,
        value: &[u8],
    ) {
        index.may_suffix(value, &mut |i, h, k| {
            self.push(field, table(i as u32), h, k)
        });
    }

    fn clear(&mut self) {
        self.list.clear();
        self.keys.clear();
    }
}

/// One lookup of [`Later`]: the table, the key's hash, and where the key
/// sits in [`Later::keys`].
#[derive(Debug, Clone, Copy)]
struct Lookup {
    field: u32,
    table: Table,
    hash: u64,
    key: usize,
    len: u32,
}

/// A table of a [`FieldIndex`] (with the group of a [`LenIndex`]), or a
/// numeric stab at a value.
#[derive(Debug, Clone, Copy)]
enum Table {
    Exact,
    NumberText,
    FoldedEquals,
    Prefix(u32),
    Suffix(u32),
    FoldedPrefix(u32),
    FoldedSuffix(u32),
    Ip(u32),
    Numeric(f64),
}

/// A backtracking point: field `i` of the branch chose a hit (or absence).
#[derive(Debug, Clone, Copy)]
struct Choice {
    /// The next hit of the field to try after this one.
    cursor: u32,
    /// Length of the membership stack before this choice.
    mark: u32,
    /// Some hit of the field was consistent when it was entered.
    any_consistent: bool,
}

impl Engine {
    pub(crate) fn new(max_depth: usize, validate_all: bool) -> Engine {
        Engine {
            trie: Arc::new(PathTrie::default()),
            indexes: Vec::new(),
            chunks: Vec::new(),
            free_branches: Vec::new(),
            always: Arc::new(Vec::new()),
            numeric: Arc::new(NumericCounts::default()),
            rule_limit: 0,
            live_branches: 0,
            dirty: Vec::new(),
            opts: ScanOptions {
                max_depth,
                validate_all,
                simd: simd::Simd::detect(),
            },
        }
    }

    /// Compiles rules: for each rule (by id), its patterns (ORed).
    pub(crate) fn build<'a>(
        rules: impl Iterator<Item = &'a [Pattern]>,
        max_depth: usize,
        validate_all: bool,
    ) -> Engine {
        let mut e = Engine::new(max_depth, validate_all);
        for (rule, ps) in rules.enumerate() {
            for p in ps {
                e.insert(rule as u32, p);
            }
        }
        e.finish();
        e
    }

    fn branch(&self, b: u32) -> Option<&Branch> {
        self.chunks[b as usize / CHUNK][b as usize % CHUNK].as_ref()
    }

    /// Adds the branches of one pattern under `rule`; returns their ids.
    /// Call [`finish`](Engine::finish) before matching.
    pub(crate) fn insert(&mut self, rule: u32, p: &Pattern) -> Vec<u32> {
        self.rule_limit = self.rule_limit.max(rule + 1);
        let mut ids = Vec::with_capacity(p.branches.len());
        for b in &p.branches {
            let trie = Arc::make_mut(&mut self.trie);
            let fields: BFields = b
                .fields
                .iter()
                .map(|f| BField {
                    field: trie.insert(&f.path),
                    fast: Fast::of(&f.matchers),
                    leaf: f.matchers.clone(),
                    state: f.state,
                    has_ip: f.matchers.iter().any(|m| matches!(m, Matcher::Ip(_))),
                    absent_ok: f.matchers.contains(&Matcher::Exists(false)),
                })
                .collect();
            while self.indexes.len() < self.trie.field_count() {
                self.indexes.push(Arc::default());
            }
            for f in fields.iter() {
                if f.leaf.iter().any(Matcher::reads_numbers) {
                    *Arc::make_mut(&mut self.numeric)
                        .entry((f.state, f.field))
                        .or_default() += 1;
                }
            }
            let anchor = fields
                .iter()
                .enumerate()
                .filter_map(|(i, f)| {
                    f.leaf
                        .iter()
                        .map(anchor_cost)
                        .try_fold(0u32, |acc, c| c.map(|c| acc.max(c)))
                        .map(|c| (c, i))
                })
                .min()
                .map(|(_, i)| i as u32);
            let id = match self.free_branches.pop() {
                Some(id) => id,
                None => {
                    let id = (self.chunks.len() * CHUNK) as u32;
                    self.chunks.push(vec![None; CHUNK].into());
                    // Hand out the rest of the chunk later, lowest first.
                    self.free_branches.extend((id + 1..id + CHUNK as u32).rev());
                    id
                }
            };
            match anchor {
                Some(i) => {
                    let f = &fields[i as usize];
                    let ix = Arc::make_mut(&mut self.indexes[f.field as usize]);
                    for m in f.leaf.iter() {
                        ix.edit(m, posting(id, rule, fields.len(), m), true);
                    }
                    if !ix.numeric.is_empty() {
                        self.dirty.push(f.field);
                    }
                }
                None => Arc::make_mut(&mut self.always).push(id),
            }
            let chunk = Arc::make_mut(&mut self.chunks[id as usize / CHUNK]);
            chunk[id as usize % CHUNK] = Some(Branch {
                rule,
                fields,
                anchor,
            });
            self.live_branches += 1;
            ids.push(id);
        }
        ids
    }

    /// Removes branches (ids from [`insert`](Engine::insert)).
    pub(crate) fn remove(&mut self, ids: &[u32]) {
        for &id in ids {
            let chunk = Arc::make_mut(&mut self.chunks[id as usize / CHUNK]);
            let Some(b) = chunk[id as usize % CHUNK].take() else {
                continue;
            };
            match b.anchor {
                Some(i) => {
                    let f = &b.fields[i as usize];
                    let ix = Arc::make_mut(&mut self.indexes[f.field as usize]);
                    for m in f.leaf.iter() {
                        ix.edit(m, posting(id, b.rule, b.fields.len(), m), false);
                    }
                    self.dirty.push(f.field);
                }
                None => {
                    let always = Arc::make_mut(&mut self.always);
                    if let Some(k) = always.iter().position(|&x| x == id) {
                        always.remove(k);
                    }
                }
            }
            for f in b.fields.iter() {
                if f.leaf.iter().any(Matcher::reads_numbers) {
                    let counts = Arc::make_mut(&mut self.numeric);
                    if let Some(c) = counts.get_mut(&(f.state, f.field)) {
                        *c -= 1;
                        if *c == 0 {
                            counts.remove(&(f.state, f.field));
                        }
                    }
                }
            }
            self.free_branches.push(id);
            self.live_branches -= 1;
        }
    }

    /// Rebuilds what updates left stale (interval trees).
    pub(crate) fn finish(&mut self) {
        let mut dirty = std::mem::take(&mut self.dirty);
        dirty.sort_unstable();
        dirty.dedup();
        for f in dirty {
            let ix = Arc::make_mut(&mut self.indexes[f as usize]);
            Arc::make_mut(&mut ix.numeric).build();
        }
    }

    /// The number of branches (`$or` expanded) held.
    pub(crate) fn branch_count(&self) -> usize {
        self.live_branches
    }

    /// Approximate heap bytes held by the compiled machine.
    pub(crate) fn heap_size(&self) -> usize {
        self.trie.heap_size()
            + self.indexes.iter().map(|ix| ix.heap_size()).sum::<usize>()
            + self.chunks.len() * CHUNK * std::mem::size_of::<Option<Branch>>()
            + self
                .chunks
                .iter()
                .flat_map(|c| c.iter().flatten())
                .map(|b| {
                    let spilled = if b.fields.spilled() {
                        b.fields.len() * std::mem::size_of::<BField>()
                    } else {
                        0
                    };
                    spilled
                        + b.fields
                            .iter()
                            .filter_map(|f| f.fast.as_ref())
                            .map(Fast::heap_size)
                            .sum::<usize>()
                })
                .sum::<usize>()
            + self.always.capacity() * 4
            + self.free_branches.capacity() * 4
    }

    /// Finds the matching rules of `ev`, calling `f` with each rule id in
    /// increasing order, once.
    pub(crate) fn run(
        &self,
        s: &mut EngineScratch,
        ev: &[u8],
        f: &mut dyn FnMut(u32),
    ) -> Result<(), EventError> {
        s.scan.scan(&self.trie, ev, self.opts)?;
        self.prepare(s);
        // Candidates from the anchors.
        let hits = std::mem::take(&mut s.scan.hits);
        let mut fold = std::mem::take(&mut s.fold);
        let gen = s.gen;
        // A posting found: a rule proved to match, or a branch to verify.
        let (branch_gen, candidates) = (&mut s.branch_gen, &mut s.candidates);
        let (rule_gen, matched) = (&mut s.rule_gen, &mut s.matched);
        let mut post = |b: u32| {
            if b & CERTAIN != 0 {
                add_unique(matched, rule_gen, gen, b & !CERTAIN);
            } else {
                add_unique(candidates, branch_gen, gen, b);
            }
        };
        for (h, hit) in hits.iter().enumerate() {
            let ix = &self.indexes[hit.field as usize];
            let v = value_of(
                &s.scan,
                ev,
                hit,
                h,
                ix.wants_number,
                &mut s.num_state,
                &mut s.num_value,
            );
            ix.probe(hit.field, &v, &mut fold, &mut s.later, &mut post);
        }
        // The table lookups, back to back.
        for l in &s.later.list {
            self.indexes[l.field as usize].look_up(l, &s.later.keys, &mut post);
        }
        s.scan.hits = hits;
        s.fold = fold;
        s.candidates.extend_from_slice(&self.always);
        // Verify each candidate whose rule has not matched yet.
        let candidates = std::mem::take(&mut s.candidates);
        if candidates.len() > 1 {
            self.prefetch_branches(&candidates);
        }
        for &b in &candidates {
            let Some(branch) = self.branch(b) else {
                continue;
            };
            let rule = branch.rule;
            if holds(&s.matched, &s.rule_gen, gen, rule) {
                continue;
            }
            if self.verify(s, ev, branch) {
                add_unique(&mut s.matched, &mut s.rule_gen, gen, rule);
            }
        }
        s.candidates = candidates;
        s.matched.sort_unstable();
        for &r in &s.matched {
            f(r);
        }
        Ok(())
    }

    /// With many rules a candidate's branch, its fields and their matchers
    /// sit in cold memory, one pointer after another: fetch each level for
    /// all candidates before reading the next, so that the cache misses of
    /// different candidates overlap instead of queueing.
    fn prefetch_branches(&self, candidates: &[u32]) {
        for &b in candidates {
            simd::prefetch(&self.chunks[b as usize / CHUNK][b as usize % CHUNK]);
        }
        for &b in candidates {
            if let Some(branch) = self.branch(b) {
                // The fields (inline: the branch's later lines), and the
                // leaves that are not inline.
                for f in branch.fields.iter() {
                    simd::prefetch(f);
                    if f.fast.is_none() {
                        simd::prefetch(&*f.leaf);
                    }
                }
            }
        }
    }

    /// Sizes the scratch for this machine and the current scan, and links
    /// the hits of each field.
    fn prepare(&self, s: &mut EngineScratch) {
        let nbranches = self.chunks.len() * CHUNK;
        if s.branch_gen.len() < nbranches {
            s.branch_gen.resize(nbranches, 0);
        }
        if s.rule_gen.len() < self.rule_limit as usize {
            s.rule_gen.resize(self.rule_limit as usize, 0);
        }
        let nfields = self.trie.field_count();
        if s.head.len() < nfields {
            s.head.resize(nfields, NONE);
            s.head_gen.resize(nfields, 0);
        }
        s.gen = s.gen.wrapping_add(1);
        if s.gen == 0 {
            s.branch_gen.iter_mut().for_each(|g| *g = 0);
            s.rule_gen.iter_mut().for_each(|g| *g = 0);
            s.head_gen.iter_mut().for_each(|g| *g = 0);
            s.gen = 1;
        }
        s.candidates.clear();
        s.matched.clear();
        s.later.clear();
        let n = s.scan.hits.len();
        s.next.clear();
        s.next.resize(n, NONE);
        s.num_state.clear();
        s.num_state.resize(n, 0);
        s.num_value.clear();
        s.num_value.resize(n, 0.0);
        for (h, hit) in s.scan.hits.iter().enumerate() {
            let f = hit.field as usize;
            if s.head_gen[f] != s.gen {
                s.head_gen[f] = s.gen;
                s.head[f] = NONE;
            }
            s.next[h] = s.head[f];
            s.head[f] = h as u32;
        }
    }

    #[inline]
    fn first_hit(s: &EngineScratch, field: u32) -> u32 {
        if s.head_gen[field as usize] == s.gen {
            s.head[field as usize]
        } else {
            NONE
        }
    }

    /// Whether the branch matches the scanned event.
    fn verify(&self, s: &mut EngineScratch, ev: &[u8], b: &Branch) -> bool {
        if s.scan.trails.is_empty() || b.fields.len() == 1 {
            // No object inside an array on any named path, or only one
            // field (a hit's trail always agrees with itself): fields are
            // independent.
            return b.fields.iter().all(|f| {
                let mut h = Self::first_hit(s, f.field);
                if h == NONE {
                    return f.absent_ok;
                }
                while h != NONE {
                    if self.leaf_matches(s, ev, f, h) {
                        return true;
                    }
                    h = s.next[h as usize];
                }
                false
            });
        }
        self.verify_components(s, ev, b)
    }

    /// Splits the branch's fields into groups that share no array (through
    /// the trails of their hits) and searches each group on its own: fields
    /// of different groups can never conflict, so the search need not try
    /// their combinations (without this, k independent arrays of n elements
    /// and a late conflict cost n^k). Within a group the fields keep their
    /// path order, which the `exists: false` rule depends on.
    fn verify_components(&self, s: &mut EngineScratch, ev: &[u8], b: &Branch) -> bool {
        let n = b.fields.len();
        let mut parent = std::mem::take(&mut s.parent);
        parent.clear();
        parent.extend(0..n as u32);
        fn root(parent: &mut [u32], mut i: u32) -> u32 {
            while parent[i as usize] != i {
                parent[i as usize] = parent[parent[i as usize] as usize];
                i = parent[i as usize];
            }
            i
        }
        let narrays = s.scan.array_count();
        if s.array_owner.len() < narrays {
            s.array_owner.resize(narrays, (0, 0));
        }
        s.owner_gen = s.owner_gen.wrapping_add(1);
        if s.owner_gen == 0 {
            s.array_owner.iter_mut().for_each(|o| *o = (0, 0));
            s.owner_gen = 1;
        }
        let gen = s.owner_gen;
        for (i, f) in b.fields.iter().enumerate() {
            let mut h = Self::first_hit(s, f.field);
            while h != NONE {
                for &(array, _) in s.scan.trail(&s.scan.hits[h as usize]) {
                    let owner = &mut s.array_owner[array as usize];
                    if owner.0 != gen {
                        *owner = (gen, i as u32);
                    } else {
                        let (a, c) = (root(&mut parent, owner.1), root(&mut parent, i as u32));
                        if a != c {
                            parent[a.max(c) as usize] = a.min(c);
                        }
                    }
                }
                h = s.next[h as usize];
            }
        }
        let mut order = std::mem::take(&mut s.order);
        let mut ok = true;
        for r in 0..n as u32 {
            if root(&mut parent, r) != r {
                continue;
            }
            order.clear();
            for i in r..n as u32 {
                if root(&mut parent, i) == r {
                    order.push(i);
                }
            }
            if !self.verify_consistent(s, ev, b, &order) {
                ok = false;
                break;
            }
        }
        s.order = order;
        s.parent = parent;
        ok
    }

    #[inline]
    fn leaf_matches(&self, s: &mut EngineScratch, ev: &[u8], f: &BField, h: u32) -> bool {
        let hit = s.scan.hits[h as usize];
        if let Some(fast) = &f.fast {
            let bytes = matches!(hit.kind, Kind::Str).then(|| s.scan.bytes(ev, &hit));
            return fast.matches(bytes);
        }
        let v = value_of(
            &s.scan,
            ev,
            &hit,
            h as usize,
            true,
            &mut s.num_state,
            &mut s.num_value,
        );
        let numeric = f.has_ip && self.numeric.contains_key(&(f.state, f.field));
        f.leaf.iter().any(|m| m.matches(v, numeric))
    }

    /// Tries to extend the membership with a hit's trail; returns false (and
    /// leaves the membership as it was) when the trail disagrees with it.
    #[inline]
    fn extend(membership: &mut Vec<(u32, u32)>, trail: &[(u32, u32)]) -> bool {
        let mark = membership.len();
        for &(id, idx) in trail {
            match membership[..mark].iter().find(|m| m.0 == id) {
                Some(&(_, j)) if j != idx => {
                    membership.truncate(mark);
                    return false;
                }
                Some(_) => {}
                None => membership.push((id, idx)),
            }
        }
        true
    }

    /// Chooses, for field `j`, the first hit from `cursor` on that agrees
    /// with the membership and satisfies the field; pushes the choice.
    #[allow(clippy::too_many_arguments)]
    fn choose(
        &self,
        s: &mut EngineScratch,
        ev: &[u8],
        f: &BField,
        mut cursor: u32,
        mark: u32,
        any_consistent: bool,
        membership: &mut Vec<(u32, u32)>,
        stack: &mut Vec<Choice>,
    ) -> bool {
        while cursor != NONE {
            let h = cursor;
            cursor = s.next[h as usize];
            if !Self::extend(membership, s.scan.trail(&s.scan.hits[h as usize])) {
                continue;
            }
            if self.leaf_matches(s, ev, f, h) {
                stack.push(Choice {
                    cursor,
                    mark,
                    any_consistent,
                });
                return true;
            }
            membership.truncate(mark as usize);
        }
        false
    }

    /// The array-consistent search, on an explicit stack: for each field in
    /// path order, choose a hit that satisfies it and agrees with the array
    /// elements chosen so far, or absence when no hit of the field agrees
    /// and the field accepts `exists: false`. (When some hit agrees,
    /// absence is not an option; when none does, no hit can be chosen.)
    fn verify_consistent(
        &self,
        s: &mut EngineScratch,
        ev: &[u8],
        b: &Branch,
        order: &[u32],
    ) -> bool {
        let mut membership = std::mem::take(&mut s.membership);
        let mut stack = std::mem::take(&mut s.stack);
        membership.clear();
        stack.clear();
        let n = order.len();
        let result = 'search: loop {
            let i = stack.len();
            if i == n {
                break true;
            }
            let f = &b.fields[order[i] as usize];
            let mark = membership.len() as u32;
            let mut any_consistent = false;
            let mut h = Self::first_hit(s, f.field);
            while h != NONE {
                if Self::extend(&mut membership, s.scan.trail(&s.scan.hits[h as usize])) {
                    membership.truncate(mark as usize);
                    any_consistent = true;
                    break;
                }
                h = s.next[h as usize];
            }
            let first = Self::first_hit(s, f.field);
            if self.choose(
                s,
                ev,
                f,
                first,
                mark,
                any_consistent,
                &mut membership,
                &mut stack,
            ) {
                continue;
            }
            if !any_consistent && f.absent_ok {
                stack.push(Choice {
                    cursor: NONE,
                    mark,
                    any_consistent,
                });
                continue;
            }
            // Backtrack to the most recent choice with hits left to try.
            loop {
                let Some(c) = stack.pop() else {
                    break 'search false;
                };
                membership.truncate(c.mark as usize);
                let fj = &b.fields[order[stack.len()] as usize];
                if self.choose(
                    s,
                    ev,
                    fj,
                    c.cursor,
                    c.mark,
                    c.any_consistent,
                    &mut membership,
                    &mut stack,
                ) {
                    break;
                }
            }
        };
        s.membership = membership;
        s.stack = stack;
        result
    }
}

/// Lists up to this long are searched for duplicates instead of marked in
/// their generation array (see [`add_unique`]).
const SMALL: usize = 16;

/// Adds `x` to `list` unless there already. A short list (the usual case:
/// a few candidates and matches per event) is searched, which stays in
/// cache; from [`SMALL`] entries on, membership is the generation stamp of
/// `x` in `gens` (all entries stamped on reaching that length). The stamps
/// are a random access into an array as long as the rules, and with many
/// rules each one was a cache miss.
#[inline]
fn add_unique(list: &mut Vec<u32>, gens: &mut [u32], gen: u32, x: u32) {
    if list.len() < SMALL {
        if list.contains(&x) {
            return;
        }
        list.push(x);
        if list.len() == SMALL {
            for &y in list.iter() {
                gens[y as usize] = gen;
            }
        }
    } else if gens[x as usize] != gen {
        gens[x as usize] = gen;
        list.push(x);
    }
}

/// Whether `list`, built by [`add_unique`], holds `x`.
#[inline]
fn holds(list: &[u32], gens: &[u32], gen: u32, x: u32) -> bool {
    if list.len() < SMALL {
        list.contains(&x)
    } else {
        gens[x as usize] == gen
    }
}

/// Folds the shortest prefix (or, with `from_end`, suffix) of `s` whose
/// fold is at least `min` bytes long, into `out`. Folding is per
/// character, so this is a prefix (suffix) of the fold of `s`.
fn fold_window(s: &str, min: usize, from_end: bool, out: &mut Vec<u8>) {
    if !from_end {
        let mut buf = [0u8; 4];
        for c in s.chars() {
            if out.len() >= min {
                break;
            }
            fold_into(c.encode_utf8(&mut buf), out);
        }
        return;
    }
    // Find the start of the shortest suffix with a long enough fold.
    let mut start = s.len();
    let mut folded = 0usize;
    for (i, c) in s.char_indices().rev() {
        if folded >= min {
            break;
        }
        folded += c
            .to_uppercase()
            .flat_map(char::to_lowercase)
            .map(char::len_utf8)
            .sum::<usize>();
        start = i;
    }
    fold_into(&s[start..], out);
}

/// The value of a hit as the matchers see it; the number value is computed
/// once per hit, and only when `want_number` (or already known).
#[inline]
fn value_of<'a>(
    scan: &'a ScanScratch,
    ev: &'a [u8],
    hit: &Hit,
    h: usize,
    want_number: bool,
    num_state: &mut [u8],
    num_value: &mut [f64],
) -> ValueRef<'a> {
    let bytes = scan.bytes(ev, hit);
    match hit.kind {
        // The scanner validated the bytes as UTF-8.
        Kind::Str => ValueRef::Str(bytes),
        Kind::Num => {
            let text = bytes;
            let value = match num_state[h] {
                1 => None,
                2 => Some(num_value[h]),
                _ if want_number => {
                    let v = comparable_bytes(text);
                    num_state[h] = if v.is_some() { 2 } else { 1 };
                    num_value[h] = v.unwrap_or(0.0);
                    v
                }
                _ => None,
            };
            ValueRef::Num(text, value)
        }
        Kind::True => ValueRef::True,
        Kind::False => ValueRef::False,
        Kind::Null => ValueRef::Null,
    }
}
