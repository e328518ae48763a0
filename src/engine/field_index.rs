//! The anchor indexes of one field: for each way a branch can be anchored
//! on the field (an exact string, a number, a prefix, a numeric range...),
//! the postings of the branches anchored so.
//!
//! A branch is anchored on its most selective indexable field
//! ([`anchor_cost`]); a value found at the field then yields, through
//! [`FieldIndex::probe`] and the lookups it defers, every branch whose
//! anchor may accept the value (a superset: the branch is verified
//! afterwards), or the rule itself when the probe alone proves the match
//! ([`posting`]).

use std::sync::Arc;

use super::deferred::{DeferredLookup, DeferredLookups, IndexTable};
use super::index::fold::{fold_into, fold_is_sound};
use super::index::interval::{IntervalTree, NumericRange};
use super::index::length::LengthIndex;
use super::index::sharded::{KeyMap, Sharded};
use crate::pattern::ip::ip_nibbles;
use crate::pattern::{Literal, Matcher, ValueRef};
use crate::util::ids::{BranchId, FieldId, Posting, RuleId};
use crate::util::key::key_heap;

/// The anchor indexes of one field.
#[derive(Debug, Default, Clone)]
pub(super) struct FieldIndex {
    exact: KeyMap,
    number_text: KeyMap,
    number_value: Sharded<u64>,
    literal: [Vec<Posting>; 3],
    prefix: LengthIndex,
    suffix: LengthIndex,
    folded_equals: KeyMap,
    folded_prefix: LengthIndex,
    folded_suffix: LengthIndex,
    pub(super) numeric: Arc<IntervalTree>,
    ip: LengthIndex,
    /// Some anchor needs the number value of hits here.
    pub(super) wants_number: bool,
    /// Some anchor needs the fold of string hits here.
    wants_fold: bool,
    /// The longest folded ignore-case operand anchored here, in bytes: only
    /// that much of a value's fold is ever looked at.
    max_fold: usize,
}

/// How selective an anchor would be (lower is better), or `None` when a
/// matcher cannot be indexed.
pub(super) fn anchor_cost(m: &Matcher) -> Option<u32> {
    Some(match m {
        Matcher::Exact(_) | Matcher::Number { .. } | Matcher::Literal(_) => 1,
        Matcher::Ip(r) => {
            if r.shared_prefix().is_empty() {
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
fn remove_item(list: &mut Vec<Posting>, item: Posting) {
    if let Some(i) = list.iter().position(|&x| x == item) {
        list.swap_remove(i);
    }
}

/// What the index holds for the anchor matcher `m` of branch `id` (of
/// `rule`, with `fields` fields). When the branch has no other field and
/// `m` answers exactly in the index (equal bytes, a prefix or suffix of the
/// bytes, a literal), a probe that yields the posting has proved that the
/// rule matches: the posting then names the rule, and the match costs no
/// verification and no visit to the branch's memory (which, with many
/// rules, is a string of cache misses).
pub(super) fn posting(id: BranchId, rule: RuleId, fields: usize, m: &Matcher) -> Posting {
    let exact = matches!(
        m,
        Matcher::Exact(_) | Matcher::Literal(_) | Matcher::Prefix(_) | Matcher::Suffix(_)
    );
    match Posting::proven(rule) {
        Some(p) if fields == 1 && exact => p,
        _ => Posting::branch(id),
    }
}

impl FieldIndex {
    /// Adds (or removes) the anchor matcher `m` of `branch`.
    pub(super) fn edit(&mut self, m: &Matcher, branch: Posting, insert: bool) {
        let mut fold = Vec::new();
        let edit = |t: &mut LengthIndex, key: &[u8]| {
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
                    Arc::make_mut(&mut self.numeric).push(NumericRange {
                        lo: iv.low.map_or(f64::NEG_INFINITY, |b| b.0),
                        hi: iv.high.map_or(f64::INFINITY, |b| b.0),
                        item: branch,
                    });
                } else {
                    Arc::make_mut(&mut self.numeric).remove(branch);
                }
            }
            Matcher::Ip(r) => edit(&mut self.ip, r.shared_prefix()),
            _ => unreachable!("only indexable matchers anchor"),
        }
    }

    /// Yields the branches whose anchor may accept `v` (hit at `field`):
    /// those found without a table lookup through `f` now, the table
    /// lookups that may find some (the filters' answer) into `later`.
    #[inline]
    pub(super) fn probe(
        &self,
        field: FieldId,
        v: &ValueRef<'_>,
        fold: &mut Vec<u8>,
        later: &mut DeferredLookups,
        f: &mut impl FnMut(Posting),
    ) {
        match *v {
            ValueRef::Str(bytes) => {
                if let Some(h) = self.exact.may_hold(bytes) {
                    later.push(field, IndexTable::Exact, h, bytes);
                }
                later.push_prefixes(field, IndexTable::Prefix, &self.prefix, bytes);
                later.push_suffixes(field, IndexTable::Suffix, &self.suffix, bytes);
                if !self.wants_fold && self.ip.is_empty() {
                    return;
                }
                if self.wants_fold {
                    // Only the first and last `max_fold` bytes of the fold
                    // matter, and a value much longer than every operand
                    // cannot equal one (an accepted value is at most a few
                    // bytes per operand byte): a long value is not folded
                    // whole.
                    fold.clear();
                    let (prefix, suffix) = (&self.folded_prefix, &self.folded_suffix);
                    let short = bytes.len() <= 4 * self.max_fold + 8;
                    // ASCII (most values) folds byte by byte; the rest is
                    // UTF-8, which the scanner validated.
                    let s = if short && bytes.is_ascii() {
                        fold.extend(bytes.iter().map(u8::to_ascii_lowercase));
                        ""
                    } else {
                        std::str::from_utf8(bytes).unwrap_or_default()
                    };
                    if short {
                        fold_into(s, fold);
                        if let Some(h) = self.folded_equals.may_hold(&fold[..]) {
                            later.push(field, IndexTable::FoldedEquals, h, fold);
                        }
                        later.push_prefixes(field, IndexTable::FoldedPrefix, prefix, fold);
                        later.push_suffixes(field, IndexTable::FoldedSuffix, suffix, fold);
                    } else {
                        fold_window(s, self.max_fold, false, fold);
                        later.push_prefixes(field, IndexTable::FoldedPrefix, prefix, fold);
                        fold.clear();
                        fold_window(s, self.max_fold, true, fold);
                        later.push_suffixes(field, IndexTable::FoldedSuffix, suffix, fold);
                    }
                }
                if !self.ip.is_empty() {
                    if let Some(n) = ip_nibbles(bytes) {
                        later.push_prefixes(field, IndexTable::Ip, &self.ip, &n);
                    }
                }
            }
            ValueRef::Num(text, value) => {
                if let Some(h) = self.number_text.may_hold(text) {
                    later.push(field, IndexTable::NumberText, h, text);
                }
                if let Some(x) = value {
                    if let Some(bs) = self.number_value.get(&x.to_bits()) {
                        bs.iter().for_each(|&b| f(b));
                    }
                    if !self.numeric.is_empty() {
                        later.push(field, IndexTable::Numeric(x), 0, &[]);
                    }
                }
                if !self.ip.is_empty() {
                    later.push_prefixes(field, IndexTable::Ip, &self.ip, text);
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
    pub(super) fn look_up(&self, l: &DeferredLookup, keys: &[u8], f: &mut impl FnMut(Posting)) {
        let key = &keys[l.key..][..l.len as usize];
        let items = match l.table {
            IndexTable::Exact => self.exact.find(l.hash, key),
            IndexTable::NumberText => self.number_text.find(l.hash, key),
            IndexTable::FoldedEquals => self.folded_equals.find(l.hash, key),
            IndexTable::Prefix(i) => self.prefix.group(i as usize).find(l.hash, key),
            IndexTable::Suffix(i) => self.suffix.group(i as usize).find(l.hash, key),
            IndexTable::FoldedPrefix(i) => self.folded_prefix.group(i as usize).find(l.hash, key),
            IndexTable::FoldedSuffix(i) => self.folded_suffix.group(i as usize).find(l.hash, key),
            IndexTable::Ip(i) => self.ip.group(i as usize).find(l.hash, key),
            IndexTable::Numeric(x) => {
                self.numeric.stab(x, f);
                return;
            }
        };
        if let Some(items) = items {
            items.iter().for_each(|&b| f(b));
        }
    }

    pub(super) fn heap_size(&self) -> usize {
        self.exact.heap_size(key_heap)
            + self.number_text.heap_size(key_heap)
            + self.folded_equals.heap_size(key_heap)
            + self.number_value.heap_size(|_| 8)
            + self.prefix.heap_size()
            + self.suffix.heap_size()
            + self.folded_prefix.heap_size()
            + self.folded_suffix.heap_size()
            + self.numeric.heap_size()
            + self.ip.heap_size()
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
