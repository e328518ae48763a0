//! Index lookups deferred until every hit of an event has been probed.
//!
//! Invariant: each queued lookup's key is the bytes
//! `keys[key..key + len]`, copied when the lookup was queued.

use super::index::length::LengthIndex;
use crate::util::ids::FieldId;

/// Index lookups left for after every hit of an event has been probed:
/// with many rules the tables sit in cold memory, and looking them up one
/// after another lets their cache misses overlap (the CPU runs ahead into
/// the next lookup while one waits); between the probes of other hits,
/// each would wait alone. Keys are copied (they may live in
/// buffers reused from hit to hit); only lookups that passed a filter come
/// here, a few per event, and what they copy is at most a few times the
/// event's size (offsets are `usize`: no overflow on the largest events;
/// a key's length fits in `u32`, as events are under 4 GiB).
#[derive(Debug, Default)]
pub(super) struct DeferredLookups {
    pub(super) list: Vec<DeferredLookup>,
    pub(super) keys: Vec<u8>,
}

impl DeferredLookups {
    #[inline]
    pub(super) fn push(&mut self, field: FieldId, table: IndexTable, hash: u64, key: &[u8]) {
        self.list.push(DeferredLookup {
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
    pub(super) fn push_prefixes(
        &mut self,
        field: FieldId,
        table: fn(u32) -> IndexTable,
        index: &LengthIndex,
        value: &[u8],
    ) {
        index.may_prefix(value, &mut |i, h, k| {
            self.push(field, table(i as u32), h, k)
        });
    }

    /// As [`DeferredLookups::push_prefixes`], for suffixes.
    #[inline]
    pub(super) fn push_suffixes(
        &mut self,
        field: FieldId,
        table: fn(u32) -> IndexTable,
        index: &LengthIndex,
        value: &[u8],
    ) {
        index.may_suffix(value, &mut |i, h, k| {
            self.push(field, table(i as u32), h, k)
        });
    }

    pub(super) fn clear(&mut self) {
        self.list.clear();
        self.keys.clear();
    }
}

/// One lookup of [`DeferredLookups`]: the table, the key's hash, and where
/// the key sits in [`DeferredLookups::keys`].
#[derive(Debug, Clone, Copy)]
pub(super) struct DeferredLookup {
    pub(super) field: FieldId,
    pub(super) table: IndexTable,
    pub(super) hash: u64,
    pub(super) key: usize,
    pub(super) len: u32,
}

/// A table of a `FieldIndex` (with the group of a [`LengthIndex`]), or a
/// numeric stab at a value.
#[derive(Debug, Clone, Copy)]
pub(super) enum IndexTable {
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
