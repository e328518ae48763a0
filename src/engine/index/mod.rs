//! Per-field value indexes: given an event value at a field, they yield
//! the postings of the branches anchored on that field whose anchor may
//! match it. They are filters: a branch they yield is then verified in
//! full, so they may yield too much, never too little.
//!
//! * [`sharded`]: hash maps from keys (byte strings, number bits) to
//!   postings, behind a Bloom filter, in shards copied on write;
//! * [`length`]: such maps grouped by key length, for prefixes and
//!   suffixes (one probe per distinct length);
//! * [`interval`]: numeric ranges, stabbed by a value;
//! * [`fold`]: the case folding the ignore-case maps are keyed by.

pub(crate) mod fold;
pub(crate) mod interval;
pub(crate) mod length;
pub(crate) mod sharded;
