//! The compiled engine.
//!
//! All rules are compiled into one machine, made of three parts:
//!
//! 1. a **path automaton** ([`paths::PathTrie`]): a byte trie over every
//!    dotted field path some rule names. The scanner walks member names
//!    through it and skips, unread, every value whose path no rule names;
//! 2. per field, **value indexes** ([`field_index`], over the structures
//!    of [`index`]): hash tables for exact strings and numbers; hash
//!    tables grouped by key length for prefixes
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
//!
//! The stages, one file each:
//!
//! * [`compile`]: patterns into branches, paths into the trie, anchors
//!   into the field indexes (and out again, for live updates);
//! * [`scan`]: the event's bytes into hits (values at named paths, with
//!   their array trails), validating as it goes;
//! * [`run`]: hits into candidate branches through [`field_index`] (with
//!   the lookups of [`deferred`] done back to back), then into matches;
//! * [`verify`]: one candidate branch against the hits.
//!
//! [`inspect`] serves explanations: the same scan and verification, with
//! the places of the values recorded.
//!
//! [`branch`] stores the compiled branches; [`paths`] and [`table`] are
//! the data structures of the trie and the index maps.

pub(crate) mod branch;
pub(crate) mod compile;
pub(crate) mod deferred;
pub(crate) mod field_index;
pub(crate) mod index;
pub(crate) mod inspect;
pub(crate) mod paths;
pub(crate) mod run;
pub(crate) mod scan;
pub(crate) mod table;
pub(crate) mod verify;

use std::sync::Arc;

use self::branch::Branches;
use self::deferred::DeferredLookups;
use self::field_index::FieldIndex;
use self::paths::PathTrie;
use self::scan::{ScanOptions, ScanScratch};
use self::verify::Choice;
use crate::util::hash::FxMap;
use crate::util::ids::{BranchId, FieldId, RuleId};

/// The end of a list of hits (`EngineScratch::head` and `next`).
const NO_HIT: u32 = u32::MAX;

/// Per (field state, field): how many rule fields there read numbers as
/// numbers (see `Matcher::reads_numbers`); kept as counts so that removing
/// a rule undoes what adding it did.
type NumericCounts = FxMap<(u64, FieldId), u32>;

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
    branches: Branches,
    /// Branches with no indexable field: verified for every event.
    always: Arc<Vec<BranchId>>,
    numeric: Arc<NumericCounts>,
    /// One more than the largest rule id ever used.
    rule_limit: u32,
    /// Fields whose interval trees need a rebuild before the next match.
    dirty: Vec<FieldId>,
    opts: ScanOptions,
}

impl Engine {
    /// The number of branches (`$or` expanded) held.
    pub(crate) fn branch_count(&self) -> usize {
        self.branches.len()
    }

    /// Approximate heap bytes held by the compiled machine.
    pub(crate) fn heap_size(&self) -> usize {
        self.trie.heap_size()
            + self.indexes.iter().map(|ix| ix.heap_size()).sum::<usize>()
            + self.branches.heap_size()
            + self.always.capacity() * 4
    }
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
    candidates: Vec<BranchId>,
    rule_gen: Vec<u32>,
    matched: Vec<RuleId>,
    fold: Vec<u8>,
    deferred: DeferredLookups,
    membership: Vec<(u32, u32)>,
    stack: Vec<Choice>,
    /// Union-find over a branch's fields, and per array of the event its
    /// first field (stamped with `owner_gen`).
    parent: Vec<u32>,
    array_owner: Vec<(u32, u32)>,
    owner_gen: u32,
    order: Vec<u32>,
}
