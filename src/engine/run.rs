//! Matching one event: scan it, turn the values found at named fields into
//! candidate branches through the anchor indexes, verify the candidates.
//!
//! Invariants between the stages, per event: every hit of a field is on
//! that field's list (`head`/`next`, linked by [`Engine::prepare`]); a
//! branch is a candidate at most once (its generation stamp, or a search of
//! the short list), and a rule is reported at most once, in increasing id
//! order.

use super::scan::{Hit, Kind, ScanScratch};
use super::{Engine, EngineScratch, NO_HIT};
use crate::error::EventError;
use crate::pattern::number::comparable_bytes;
use crate::pattern::ValueRef;
use crate::util::ids::{BranchId, FieldId, Posted, Posting, RuleId};

impl Engine {
    /// Finds the matching rules of `ev`, calling `f` with each rule id in
    /// increasing order, once.
    pub(crate) fn run(
        &self,
        s: &mut EngineScratch,
        ev: &[u8],
        f: &mut dyn FnMut(RuleId),
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
        let mut post = |p: Posting| match p.decode() {
            Posted::Rule(r) => add_unique(matched, rule_gen, gen, r),
            Posted::Branch(b) => add_unique(candidates, branch_gen, gen, b),
        };
        for (h, hit) in hits.iter().enumerate() {
            let ix = &self.indexes[hit.field.as_usize()];
            let v = value_of(
                &s.scan,
                ev,
                hit,
                h,
                ix.wants_number,
                &mut s.num_state,
                &mut s.num_value,
            );
            ix.probe(hit.field, &v, &mut fold, &mut s.deferred, &mut post);
        }
        // The table lookups, back to back.
        for l in &s.deferred.list {
            self.indexes[l.field.as_usize()].look_up(l, &s.deferred.keys, &mut post);
        }
        s.scan.hits = hits;
        s.fold = fold;
        s.candidates.extend_from_slice(&self.always);
        // Verify each candidate whose rule has not matched yet.
        let candidates = std::mem::take(&mut s.candidates);
        if candidates.len() > 1 {
            self.branches.prefetch(&candidates);
        }
        for &b in &candidates {
            let Some(branch) = self.branches.get(b) else {
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

    /// Sizes the scratch for this machine and the current scan, and links
    /// the hits of each field.
    pub(super) fn prepare(&self, s: &mut EngineScratch) {
        let nbranches = self.branches.id_limit();
        if s.branch_gen.len() < nbranches {
            s.branch_gen.resize(nbranches, 0);
        }
        if s.rule_gen.len() < self.rule_limit as usize {
            s.rule_gen.resize(self.rule_limit as usize, 0);
        }
        let nfields = self.trie.field_count();
        if s.head.len() < nfields {
            s.head.resize(nfields, NO_HIT);
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
        s.deferred.clear();
        let n = s.scan.hits.len();
        s.next.clear();
        s.next.resize(n, NO_HIT);
        s.num_state.clear();
        s.num_state.resize(n, 0);
        s.num_value.clear();
        s.num_value.resize(n, 0.0);
        for (h, hit) in s.scan.hits.iter().enumerate() {
            let f = hit.field.as_usize();
            if s.head_gen[f] != s.gen {
                s.head_gen[f] = s.gen;
                s.head[f] = NO_HIT;
            }
            s.next[h] = s.head[f];
            s.head[f] = h as u32;
        }
    }

    /// The first hit of `field` in the scanned event, or [`NO_HIT`].
    #[inline]
    pub(super) fn first_hit(s: &EngineScratch, field: FieldId) -> u32 {
        if s.head_gen[field.as_usize()] == s.gen {
            s.head[field.as_usize()]
        } else {
            NO_HIT
        }
    }
}

/// Ids with a generation-stamp array ([`add_unique`]).
trait Stamped: Copy + Eq {
    fn index(self) -> usize;
}

impl Stamped for BranchId {
    #[inline]
    fn index(self) -> usize {
        self.as_usize()
    }
}

impl Stamped for RuleId {
    #[inline]
    fn index(self) -> usize {
        self.as_usize()
    }
}

/// Lists up to this long are searched for duplicates instead of marked in
/// their generation array (see [`add_unique`]).
const SHORT_LIST: usize = 16;

/// Adds `x` to `list` unless there already. A short list (the usual case:
/// a few candidates and matches per event) is searched, which stays in
/// cache; from [`SHORT_LIST`] entries on, membership is the generation
/// stamp of `x` in `gens` (all entries stamped on reaching that length).
/// The stamps are a random access into an array as long as the rules, and
/// with many rules each one is a cache miss.
#[inline]
fn add_unique<T: Stamped>(list: &mut Vec<T>, gens: &mut [u32], gen: u32, x: T) {
    if list.len() < SHORT_LIST {
        if list.contains(&x) {
            return;
        }
        list.push(x);
        if list.len() == SHORT_LIST {
            for &y in list.iter() {
                gens[y.index()] = gen;
            }
        }
    } else if gens[x.index()] != gen {
        gens[x.index()] = gen;
        list.push(x);
    }
}

/// Whether `list`, built by [`add_unique`], holds `x`.
#[inline]
fn holds<T: Stamped>(list: &[T], gens: &[u32], gen: u32, x: T) -> bool {
    if list.len() < SHORT_LIST {
        list.contains(&x)
    } else {
        gens[x.index()] == gen
    }
}

/// The value of a hit as the matchers see it; the number value is computed
/// once per hit, and only when `want_number` (or already known).
#[inline]
pub(super) fn value_of<'a>(
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
