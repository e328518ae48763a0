//! Grouping a batch's results by match set: a pure function over the
//! outputs of any batch call (`ids_out` and `offsets_out`), so that a
//! binding builds one result object per distinct set of matching rules
//! and gives each event its group's, instead of reading every event's
//! rule indexes itself.

use std::collections::hash_map::{Entry, RandomState};
use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher};

use super::batch::check_offsets;
use super::error::evm_status::{self, EVM_INVALID_ARGUMENT};
use super::panic::guard;
use super::ptr::{try_out, try_slice, OutArray};
use crate::util::hash::FxHasher;

/// [`FxHasher`] started from a random seed drawn once per call: the sets
/// are chosen by the events, and a seed they cannot know keeps them from
/// aiming at one chain of the table.
struct Seeded(FxHasher);

impl Seeded {
    fn new() -> Seeded {
        let mut h = FxHasher::default();
        h.write_u64(RandomState::new().hash_one(0u64));
        Seeded(h)
    }
}

impl BuildHasher for Seeded {
    type Hasher = FxHasher;

    fn build_hasher(&self) -> FxHasher {
        self.0
    }
}

/// An event's set of rule indexes, as a table key. Sets are short (most
/// events match a rule or two): they are hashed two indexes to a word and
/// compared inline, where a slice's own `Hash` feeds the hasher byte by
/// byte past the last word and its `==` calls `memcmp`.
#[derive(Clone, Copy)]
struct Set<'a>(&'a [u32]);

impl PartialEq for Set<'_> {
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        self.0.len() == other.0.len() && self.0.iter().zip(other.0).all(|(a, b)| a == b)
    }
}

impl Eq for Set<'_> {}

impl Hash for Set<'_> {
    #[inline]
    fn hash<H: Hasher>(&self, h: &mut H) {
        // No length: sets that differ only by trailing zeros (never two
        // ascending sets) share a hash, and `eq` tells them apart.
        let mut pairs = self.0.chunks_exact(2);
        for p in &mut pairs {
            h.write_u64(u64::from(p[0]) | u64::from(p[1]) << 32);
        }
        if let [last] = pairs.remainder() {
            h.write_u64(u64::from(*last));
        }
    }
}

/// The groups of a batch's events, met in order: each distinct set of ids
/// gets the next group index.
struct Groups<'a> {
    /// The groups of the non-empty sets met so far.
    table: HashMap<Set<'a>, u32, Seeded>,
    /// The group of the empty set, once met.
    empty: Option<u32>,
    /// The previous event's set and group: runs of events with one set
    /// (no match above all) are common, and skip the table.
    prev: Option<(Set<'a>, u32)>,
    /// The index of each group's first event.
    firsts: Vec<usize>,
}

impl<'a> Groups<'a> {
    fn new() -> Groups<'a> {
        Groups {
            table: HashMap::with_hasher(Seeded::new()),
            empty: None,
            prev: None,
            firsts: Vec::new(),
        }
    }

    /// The group of event `i`, whose set is `set`. The caller refuses more
    /// than `u32::MAX` events, and there is at most one group per event:
    /// every index fits in `u32`.
    fn of(&mut self, i: usize, set: &'a [u32]) -> u32 {
        let set = Set(set);
        if let Some((p, g)) = self.prev {
            if p == set {
                return g;
            }
        }
        let next = self.firsts.len() as u32;
        let g = if set.0.is_empty() {
            *self.empty.get_or_insert(next)
        } else {
            match self.table.entry(set) {
                Entry::Occupied(e) => *e.get(),
                Entry::Vacant(e) => *e.insert(next),
            }
        };
        if g == next {
            self.firsts.push(i);
        }
        self.prev = Some((set, g));
        g
    }
}

/// Each event's set of ids: event `i`'s is `ids[offsets[i] ..
/// offsets[i+1]]`, with offsets checked by [`check_offsets`].
fn sets<'a>(ids: &'a [u32], offsets: &'a [usize]) -> impl ExactSizeIterator<Item = &'a [u32]> {
    // Within `ids` (checked): never the fallback.
    offsets
        .windows(2)
        .map(|w| ids.get(w[0]..w[1]).unwrap_or_default())
}

/// Groups the results of a batch call by their set of rule indexes, so
/// that a caller builds one result per distinct set: reads `ids` (the
/// `ids_len` rule indexes a batch call wrote) and `offsets` (its
/// `n_events + 1` offsets: event `i`'s rule indexes are `ids[offsets[i] ..
/// offsets[i+1]]`), and writes `group_out[i]`, the group of event `i`,
/// for each event; `first_out[k]`, the index of the first event of group
/// `k`; and `*n_groups_out`, the number of groups. Groups are numbered in
/// order of first appearance (group 0 is event 0's set), so `first_out`
/// ascends, and group `k`'s set is `ids[offsets[first_out[k]] ..
/// offsets[first_out[k]+1]]`. Two events are in one group when their
/// ranges hold the same indexes in the same order (a batch call writes
/// them ascending, each once, so: the same set). Statuses are not read: a
/// row that was not matched (an invalid event, an Arrow null) has an empty
/// range, and so is in the group of the events that matched no rule.
///
/// `offsets[0]` need not be 0. With `n_events` 0 nothing is read or
/// written but `*n_groups_out` (0), and the arrays may be NULL.
///
/// Returns:
/// * `EVM_OK`: the groups are written.
/// * `EVM_NULL_ARGUMENT`: `n_groups_out` is NULL; or, with `n_events` not
///   0, `offsets`, `group_out` or `first_out` is NULL, or `ids` is NULL
///   while `ids_len` is not 0.
/// * `EVM_INVALID_ARGUMENT`, with nothing written: an offset smaller than
///   the one before, or beyond `ids_len`; more than `UINT32_MAX` events;
///   sizes beyond `PTRDIFF_MAX`; an array not aligned for its type.
///
/// No handle is involved: any thread may call it at any time. It takes
/// time in proportion to the number of events and rule indexes, and
/// allocates one table of the distinct sets.
///
/// # Safety
///
/// `ids` NULL or readable for `ids_len` entries and `offsets` NULL or
/// readable for `n_events + 1` entries (none if `n_events` is 0), neither
/// changing during the call; `group_out` and `first_out` NULL or writable
/// for `n_events` entries; `n_groups_out` NULL or writable; no output
/// overlapping another or an input.
#[no_mangle]
pub unsafe extern "C" fn evm_group_matches(
    ids: *const u32,
    ids_len: usize,
    offsets: *const usize,
    n_events: usize,
    group_out: *mut u32,
    first_out: *mut usize,
    n_groups_out: *mut usize,
) -> evm_status {
    guard(|| {
        // SAFETY: each output is NULL or writable for its size, and the
        // inputs NULL or readable for theirs, by this function's contract.
        let (n_groups_out, group_out, first_out) = unsafe {
            (
                try_out(n_groups_out)?,
                OutArray::new(group_out, n_events)?,
                OutArray::new(first_out, n_events)?,
            )
        };
        if n_events == 0 {
            n_groups_out.write(0);
            return Ok(());
        }
        if u32::try_from(n_events).is_err() {
            return Err(EVM_INVALID_ARGUMENT);
        }
        let n_offsets = n_events.checked_add(1).ok_or(EVM_INVALID_ARGUMENT)?;
        // SAFETY: as above.
        let (ids, offsets) = unsafe { (try_slice(ids, ids_len)?, try_slice(offsets, n_offsets)?) };
        check_offsets(offsets, ids.len())?;
        let mut groups = Groups::new();
        group_out.fill_iter(
            sets(ids, offsets)
                .enumerate()
                .map(|(i, set)| groups.of(i, set)),
        )?;
        first_out.fill(&groups.firsts)?;
        n_groups_out.write(groups.firsts.len());
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups(ids: &[u32], offsets: &[usize]) -> (Vec<u32>, Vec<usize>) {
        let mut groups = Groups::new();
        let g = sets(ids, offsets)
            .enumerate()
            .map(|(i, set)| groups.of(i, set))
            .collect();
        (g, groups.firsts)
    }

    #[test]
    fn sets_are_numbered_by_first_appearance() {
        // Events: {1}, {}, {1, 2}, {1}, {}, {2}, {1, 2}.
        let ids = [1, 1, 2, 1, 2, 1, 2];
        let offsets = [0, 1, 1, 3, 4, 4, 5, 7];
        assert_eq!(
            groups(&ids, &offsets),
            (vec![0, 1, 2, 0, 1, 3, 2], vec![0, 1, 2, 5])
        );
        // A run of one set, then the empty set first met late.
        let (g, f) = groups(&[3, 3, 3], &[0, 1, 2, 3, 3]);
        assert_eq!((g, f), (vec![0, 0, 0, 1], vec![0, 3]));
        // Offsets that start past 0.
        assert_eq!(groups(&[9, 5, 5], &[1, 2, 3]), (vec![0, 0], vec![0]));
    }

    #[test]
    fn offsets_are_checked() {
        assert_eq!(check_offsets(&[0usize, 0, 2], 2), Ok(()));
        assert_eq!(check_offsets(&[2usize, 2], 2), Ok(()));
        assert_eq!(check_offsets(&[0usize, 3], 2), Err(EVM_INVALID_ARGUMENT));
        assert_eq!(check_offsets(&[0usize, 2, 1], 2), Err(EVM_INVALID_ARGUMENT));
        assert_eq!(check_offsets(&[3usize], 2), Err(EVM_INVALID_ARGUMENT));
    }
}
