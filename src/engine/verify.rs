//! Verifying a candidate branch against the values the scan found.
//!
//! A branch matches when each field has a value that satisfies its leaf
//! (or, for `exists: false`, has none), with array consistency: the values
//! chosen for fields inside arrays of objects come from the same array
//! elements. Fields are searched in path order by backtracking on an
//! explicit stack (no recursion), separately for groups of fields that
//! share no array.

use super::branch::{Branch, BranchField};
use super::run::value_of;
use super::scan::Kind;
use super::{Engine, EngineScratch, NO_HIT};

/// A backtracking point: field `i` of the branch chose a hit (or absence).
#[derive(Debug, Clone, Copy)]
pub(super) struct Choice {
    /// The next hit of the field to try after this one.
    cursor: u32,
    /// Length of the membership stack before this choice.
    mark: u32,
    /// Some hit of the field was consistent when it was entered.
    any_consistent: bool,
}

impl Engine {
    /// Whether the branch matches the scanned event.
    pub(super) fn verify(&self, s: &mut EngineScratch, ev: &[u8], b: &Branch) -> bool {
        if s.scan.trails.is_empty() || b.fields.len() == 1 {
            // No object inside an array on any named path, or only one
            // field (a hit's trail always agrees with itself): fields are
            // independent.
            return b.fields.iter().all(|f| {
                let mut h = Self::first_hit(s, f.field);
                if h == NO_HIT {
                    return f.absent_ok;
                }
                while h != NO_HIT {
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
            while h != NO_HIT {
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
    fn leaf_matches(&self, s: &mut EngineScratch, ev: &[u8], f: &BranchField, h: u32) -> bool {
        let hit = s.scan.hits[h as usize];
        if let Some(test) = &f.inline_test {
            let bytes = matches!(hit.kind, Kind::Str).then(|| s.scan.bytes(ev, &hit));
            return test.matches(bytes);
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
        f: &BranchField,
        mut cursor: u32,
        mark: u32,
        any_consistent: bool,
        membership: &mut Vec<(u32, u32)>,
        stack: &mut Vec<Choice>,
    ) -> bool {
        while cursor != NO_HIT {
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
            while h != NO_HIT {
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
                    cursor: NO_HIT,
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
