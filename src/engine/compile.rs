//! Compiling patterns into the engine, and taking them out again.
//!
//! Each `$or` branch of a pattern becomes a [`Branch`]: its fields' paths
//! are added to the path trie, and the branch is anchored on its most
//! selective indexable field (its postings go into that field's
//! [`FieldIndex`]), or, with none, listed among the branches verified for
//! every event. Removing a branch undoes exactly what adding it did, so an
//! engine after add-then-remove answers as one that never held the branch.

use std::sync::Arc;

use super::branch::{Branch, BranchField, BranchFields};
use super::field_index::{anchor_cost, posting};
use super::paths::PathTrie;
use super::scan::ScanOptions;
use super::{Engine, NumericCounts};
use crate::arch::Simd;
use crate::pattern::{Matcher, Pattern};
use crate::util::ids::{BranchId, RuleId};

impl Engine {
    /// An engine with no rules.
    pub(crate) fn new(max_depth: usize, validate_all: bool) -> Engine {
        Engine {
            trie: Arc::new(PathTrie::default()),
            indexes: Vec::new(),
            branches: Default::default(),
            always: Arc::new(Vec::new()),
            numeric: Arc::new(NumericCounts::default()),
            rule_limit: 0,
            dirty: Vec::new(),
            opts: ScanOptions {
                max_depth,
                validate_all,
                simd: Simd::detect(),
                record: false,
            },
        }
    }

    /// Compiles rules: for each rule (by id), its patterns (ORed).
    pub(crate) fn build<'a>(
        rules: impl Iterator<Item = &'a [Arc<Pattern>]>,
        max_depth: usize,
        validate_all: bool,
    ) -> Engine {
        let mut e = Engine::new(max_depth, validate_all);
        for (rule, ps) in rules.enumerate() {
            for p in ps {
                e.insert(RuleId::from_u32(rule as u32), p);
            }
        }
        e.finish();
        e
    }

    /// Adds the branches of one pattern under `rule`; returns their ids.
    /// Call [`finish`](Engine::finish) before matching.
    pub(crate) fn insert(&mut self, rule: RuleId, p: &Pattern) -> Vec<BranchId> {
        self.rule_limit = self.rule_limit.max(rule.as_u32() + 1);
        let mut ids = Vec::with_capacity(p.branches.len());
        for b in &p.branches {
            let trie = Arc::make_mut(&mut self.trie);
            let fields: BranchFields = b
                .fields
                .iter()
                .map(|f| BranchField::new(trie.insert(&f.path), f))
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
            let nfields = fields.len();
            let anchor_field = anchor.map(|i| fields[i as usize].clone());
            let id = self.branches.insert(Branch {
                rule,
                fields,
                anchor,
            });
            match anchor_field {
                Some(f) => self.index_anchor(&f, id, rule, nfields, true),
                None => Arc::make_mut(&mut self.always).push(id),
            }
            ids.push(id);
        }
        ids
    }

    /// Adds (or removes) the postings of branch `id`'s anchor field `f`.
    fn index_anchor(
        &mut self,
        f: &BranchField,
        id: BranchId,
        rule: RuleId,
        nfields: usize,
        insert: bool,
    ) {
        let ix = Arc::make_mut(&mut self.indexes[f.field.as_usize()]);
        for m in f.leaf.iter() {
            ix.edit(m, posting(id, rule, nfields, m), insert);
        }
        if !insert || !ix.numeric.is_empty() {
            self.dirty.push(f.field);
        }
    }

    /// Removes branches (ids from [`insert`](Engine::insert)).
    pub(crate) fn remove(&mut self, ids: &[BranchId]) {
        for &id in ids {
            let Some(b) = self.branches.remove(id) else {
                continue;
            };
            match b.anchor {
                Some(i) => {
                    let f = &b.fields[i as usize];
                    self.index_anchor(f, id, b.rule, b.fields.len(), false);
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
        }
    }

    /// Rebuilds what updates left stale (interval trees).
    pub(crate) fn finish(&mut self) {
        let mut dirty = std::mem::take(&mut self.dirty);
        dirty.sort_unstable();
        dirty.dedup();
        for f in dirty {
            let ix = Arc::make_mut(&mut self.indexes[f.as_usize()]);
            Arc::make_mut(&mut ix.numeric).build();
        }
    }
}
