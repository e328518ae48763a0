//! `evm_group_matches` over the outputs of a batch call, and its refusals.

use super::super::group::evm_group_matches;
use super::*;

/// The outputs of one grouping, pre-filled with markers so that a call
/// that must not write them can be checked.
struct Groups {
    group: Vec<u32>,
    first: Vec<usize>,
    n_groups: usize,
}

impl Groups {
    fn new(n: usize) -> Groups {
        Groups {
            group: vec![u32::MAX; n],
            first: vec![usize::MAX; n],
            n_groups: usize::MAX,
        }
    }

    /// Calls `evm_group_matches` on `ids` and `offsets` (`n + 1` entries).
    fn call(&mut self, ids: &[u32], offsets: &[usize], n: usize) -> evm_status {
        assert!(offsets.len() > n && self.group.len() >= n);
        // SAFETY: every array is valid for the length passed.
        unsafe {
            evm_group_matches(
                ids.as_ptr(),
                ids.len(),
                offsets.as_ptr(),
                n,
                self.group.as_mut_ptr(),
                self.first.as_mut_ptr(),
                &mut self.n_groups,
            )
        }
    }

    fn untouched(&self) -> bool {
        self.group.iter().all(|&g| g == u32::MAX)
            && self.first.iter().all(|&f| f == usize::MAX)
            && self.n_groups == usize::MAX
    }
}

#[test]
fn groups_of_a_lines_batch() {
    let m = machine();
    let mut s = null_mut();
    // Matches: {a}, error, {a, b}, {}, {a}, {b}, {a, b}, {}.
    let data = b"{\"x\": 1}\nnope\n{\"x\": 1, \"y\": \"z\"}\n{}\n{\"x\": 1}\n{\"y\": \"z\"}\n\
{\"y\": \"z\", \"x\": 1}\n{\"x\": 2}";
    let n = 8;
    let mut ids = [u32::MAX; 16];
    let mut offsets = [usize::MAX; 9];
    let mut status = [0i32; 8];
    let (mut n_events, mut needed) = (0usize, 0usize);
    // SAFETY: live handles; every buffer is valid for the count passed.
    unsafe {
        assert_eq!(evm_scratch_new(m, &mut s), EVM_OK);
        let st = evm_match_lines(
            m,
            s,
            data.as_ptr(),
            data.len(),
            ids.as_mut_ptr(),
            ids.len(),
            offsets.as_mut_ptr(),
            status.as_mut_ptr(),
            null_mut(),
            n,
            &mut n_events,
            &mut needed,
        );
        assert_eq!((st, n_events, needed), (EVM_OK, n, 7));
        evm_scratch_free(s);
        evm_machine_free(m);
    }
    let mut g = Groups::new(n);
    assert_eq!(g.call(&ids[..needed], &offsets, n), EVM_OK);
    assert_eq!(g.n_groups, 4);
    assert_eq!(g.group, [0, 1, 2, 1, 0, 3, 2, 1]);
    assert_eq!(g.first[..4], [0, 1, 2, 5]);
    assert!(
        g.first[4..].iter().all(|&f| f == usize::MAX),
        "past n_groups"
    );
    // Each group's set, from its first event, is each member's.
    for (i, &k) in g.group.iter().enumerate() {
        let f = g.first[k as usize];
        assert_eq!(
            ids[offsets[i]..offsets[i + 1]],
            ids[offsets[f]..offsets[f + 1]]
        );
    }
}

#[test]
fn every_set_its_own_and_offsets_from_anywhere() {
    // Three distinct sets, offsets starting at 1 (a slice of a batch).
    let ids = [7, 0, 1, 0, 0, 2];
    let offsets = [1, 3, 4, 6];
    let mut g = Groups::new(3);
    assert_eq!(g.call(&ids, &offsets, 3), EVM_OK);
    assert_eq!(
        (g.n_groups, &g.group[..], &g.first[..]),
        (3, &[0, 1, 2][..], &[0, 1, 2][..])
    );
    // One event, empty.
    let mut g = Groups::new(1);
    assert_eq!(g.call(&[], &[0, 0], 1), EVM_OK);
    assert_eq!((g.n_groups, g.group[0], g.first[0]), (1, 0, 0));
}

#[test]
fn refusals_write_nothing() {
    let ids = [1u32, 2, 3];
    let refused = |offsets: &[usize], n: usize, ids: &[u32], want: evm_status| {
        let mut g = Groups::new(n);
        assert_eq!(g.call(ids, offsets, n), want, "offsets {offsets:?}");
        assert!(g.untouched());
    };
    refused(&[0, 2, 1], 2, &ids, EVM_INVALID_ARGUMENT); // decreasing
    refused(&[0, 4], 1, &ids, EVM_INVALID_ARGUMENT); // beyond ids
    refused(&[5, 5], 1, &ids, EVM_INVALID_ARGUMENT);
    refused(&[0, 1], 1, &[], EVM_INVALID_ARGUMENT);
    let mut g = Groups::new(2);
    let offsets = [0usize, 1, 2];
    // SAFETY: refused before any access: NULL arrays with non-zero sizes,
    // sizes that overflow, a misaligned array.
    unsafe {
        let (gp, fp, np) = (
            g.group.as_mut_ptr(),
            g.first.as_mut_ptr(),
            &mut g.n_groups as *mut usize,
        );
        let st = evm_group_matches(ids.as_ptr(), 3, offsets.as_ptr(), 2, gp, fp, null_mut());
        assert_eq!(st, EVM_NULL_ARGUMENT);
        let st = evm_group_matches(ids.as_ptr(), 3, null(), 2, gp, fp, np);
        assert_eq!(st, EVM_NULL_ARGUMENT);
        let st = evm_group_matches(null(), 3, offsets.as_ptr(), 2, gp, fp, np);
        assert_eq!(st, EVM_NULL_ARGUMENT);
        let st = evm_group_matches(ids.as_ptr(), 3, offsets.as_ptr(), 2, null_mut(), fp, np);
        assert_eq!(st, EVM_NULL_ARGUMENT);
        let st = evm_group_matches(ids.as_ptr(), 3, offsets.as_ptr(), 2, gp, null_mut(), np);
        assert_eq!(st, EVM_NULL_ARGUMENT);
        let st = evm_group_matches(ids.as_ptr(), usize::MAX, offsets.as_ptr(), 2, gp, fp, np);
        assert_eq!(st, EVM_INVALID_ARGUMENT);
        let st = evm_group_matches(ids.as_ptr(), 3, offsets.as_ptr(), usize::MAX, gp, fp, np);
        assert_eq!(st, EVM_INVALID_ARGUMENT);
        let st = evm_group_matches(ids.as_ptr(), 3, offsets.as_ptr(), 1 << 32, gp, fp, np);
        assert_eq!(st, EVM_INVALID_ARGUMENT);
        let misaligned = ids.as_ptr().cast::<u8>().add(1).cast::<u32>();
        let st = evm_group_matches(misaligned, 1, offsets.as_ptr(), 1, gp, fp, np);
        assert_eq!(st, EVM_INVALID_ARGUMENT);
    }
    assert!(g.untouched());
    // No events: nothing read (NULL arrays too), no groups.
    let mut n_groups = usize::MAX;
    // SAFETY: zero sizes with NULL arrays.
    let st =
        unsafe { evm_group_matches(null(), 0, null(), 0, null_mut(), null_mut(), &mut n_groups) };
    assert_eq!((st, n_groups), (EVM_OK, 0));
}
