//! Numeric ranges, for "which ranges hold x?".

use crate::util::ids::Posting;

/// Narrow intervals per bucket of `IntervalTree::guide`, on average.
const PER_BUCKET: usize = 4;

/// A closed interval `[lo, hi]` of doubles with a payload.
#[derive(Clone, Copy, Debug)]
pub(crate) struct NumericRange {
    pub(crate) lo: f64,
    pub(crate) hi: f64,
    pub(crate) item: Posting,
}

/// Numeric ranges for stabbing queries ("which ranges hold x?").
///
/// Most ranges of a rule set are narrow: those sit in one array sorted by
/// lower bound, and a query finds how many start at or before `x`, then
/// scans back over the ranges whose lower bound is within the widest narrow
/// width of `x` (contiguous memory, few cache misses). The count comes from
/// a guide table over the span of the lower bounds, split into equal
/// buckets: one look-up gives the range of positions `x`'s bucket covers,
/// and only that is searched (a binary search over the whole array was a
/// chain of a dozen dependent loads, with many rules each a cache miss).
/// The wide rest (one-sided ranges, say) sit in a centered interval tree,
/// O(log n + k) per query.
#[derive(Debug, Default, Clone)]
pub(crate) struct IntervalTree {
    /// Every interval; the structure is rebuilt from them by `build`.
    all: Vec<NumericRange>,
    dirty: bool,
    /// Narrow intervals sorted by `lo`, and the widest of their widths.
    narrow: Vec<NumericRange>,
    narrow_width: f64,
    /// The `lo` of each narrow interval (a third of the memory of `narrow`,
    /// so that with many rules the search stays in cache).
    narrow_lo: Vec<f64>,
    /// `guide[g]`: how many narrow intervals have a lower bound in a bucket
    /// before `g` (see [`IntervalTree::bucket`]); one more entry than
    /// buckets.
    guide: Vec<u32>,
    /// The bucket of `x` is `(x - guide_from) * guide_scale`, truncated and
    /// capped at the last bucket.
    guide_from: f64,
    guide_scale: f64,
    nodes: Vec<TreeNode>,
    root: Option<u32>,
}

#[derive(Debug, Clone)]
struct TreeNode {
    center: f64,
    by_lo: Vec<NumericRange>,
    by_hi: Vec<NumericRange>,
    left: Option<u32>,
    right: Option<u32>,
}

impl IntervalTree {
    pub(crate) fn push(&mut self, iv: NumericRange) {
        self.all.push(iv);
        self.dirty = true;
    }

    /// Removes one interval of `item`.
    pub(crate) fn remove(&mut self, item: Posting) {
        if let Some(i) = self.all.iter().position(|iv| iv.item == item) {
            self.all.swap_remove(i);
            self.dirty = true;
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.all.is_empty()
    }

    /// Rebuilds the tree if intervals changed since the last build.
    pub(crate) fn build(&mut self) {
        if !self.dirty {
            return;
        }
        self.dirty = false;
        self.nodes.clear();
        self.narrow.clear();
        self.narrow_lo.clear();
        self.guide.clear();
        // Narrow: at most the 90th-percentile width (and finite).
        let mut widths: Vec<f64> = self.all.iter().map(|iv| iv.hi - iv.lo).collect();
        widths.sort_by(|a, b| a.total_cmp(b));
        let cut = widths
            .get(widths.len() * 9 / 10)
            .copied()
            .filter(|w| w.is_finite())
            .unwrap_or(0.0);
        let mut wide = Vec::new();
        for &iv in &self.all {
            if iv.hi - iv.lo <= cut {
                self.narrow.push(iv);
            } else {
                wide.push(iv);
            }
        }
        self.narrow.sort_by(|a, b| a.lo.total_cmp(&b.lo));
        self.narrow_width = cut;
        self.narrow_lo = self.narrow.iter().map(|iv| iv.lo).collect();
        self.build_guide();
        self.root = self.build_node(wide);
    }

    /// The guide over `narrow_lo`. Buckets split the span of the lower
    /// bounds evenly; with a span that is empty or not finite there is one
    /// bucket (a plain binary search).
    fn build_guide(&mut self) {
        let buckets = (self.narrow_lo.len() / PER_BUCKET).max(1);
        let (first, last) = match (self.narrow_lo.first(), self.narrow_lo.last()) {
            (Some(&a), Some(&b)) => (a, b),
            _ => (0.0, 0.0),
        };
        let scale = buckets as f64 / (last - first);
        self.guide_from = first;
        self.guide_scale = if scale.is_finite() && scale > 0.0 {
            scale
        } else {
            0.0
        };
        self.guide = vec![0; buckets + 1];
        // Count per bucket, then prefix sums shifted by one.
        for &lo in &self.narrow_lo {
            let g = self.bucket(lo);
            self.guide[g + 1] += 1;
        }
        for g in 1..=buckets {
            self.guide[g] += self.guide[g - 1];
        }
    }

    /// The bucket of `x`: a monotone function (x <= y gives bucket(x) <=
    /// bucket(y); each step rounds monotonically and the cast saturates),
    /// which is all the search needs: a lower bound in an earlier bucket
    /// than `x`'s is below `x`, one in a later bucket is above it.
    #[inline]
    fn bucket(&self, x: f64) -> usize {
        let last = self.guide.len().saturating_sub(2);
        (((x - self.guide_from) * self.guide_scale) as usize).min(last)
    }

    fn build_node(&mut self, ivs: Vec<NumericRange>) -> Option<u32> {
        // Iterative over an explicit work list, to bound stack use.
        if ivs.is_empty() {
            return None;
        }
        // (intervals, parent node and whether this is its left child)
        type Work = (Vec<NumericRange>, Option<(u32, bool)>);
        let mut work: Vec<Work> = vec![(ivs, None)];
        let mut root = None;
        while let Some((ivs, parent)) = work.pop() {
            let mut ends: Vec<f64> = ivs.iter().flat_map(|iv| [iv.lo, iv.hi]).collect();
            ends.sort_by(|a, b| a.total_cmp(b));
            let center = ends[ends.len() / 2];
            let (mut here, mut left, mut right) = (Vec::new(), Vec::new(), Vec::new());
            for iv in ivs {
                if iv.hi < center {
                    left.push(iv);
                } else if iv.lo > center {
                    right.push(iv);
                } else {
                    here.push(iv);
                }
            }
            let mut by_lo = here.clone();
            by_lo.sort_by(|a, b| a.lo.total_cmp(&b.lo));
            let mut by_hi = here;
            by_hi.sort_by(|a, b| b.hi.total_cmp(&a.hi));
            let id = self.nodes.len() as u32;
            self.nodes.push(TreeNode {
                center,
                by_lo,
                by_hi,
                left: None,
                right: None,
            });
            match parent {
                None => root = Some(id),
                Some((p, true)) => self.nodes[p as usize].left = Some(id),
                Some((p, false)) => self.nodes[p as usize].right = Some(id),
            }
            if !left.is_empty() {
                work.push((left, Some((id, true))));
            }
            if !right.is_empty() {
                work.push((right, Some((id, false))));
            }
        }
        root
    }

    /// Calls `f` with every interval holding `x`.
    #[inline]
    pub(crate) fn stab(&self, x: f64, f: &mut impl FnMut(Posting)) {
        // How many narrow intervals start at or before `x`: those of the
        // buckets before x's, and those of x's bucket that do.
        let k = if self.narrow_lo.is_empty() {
            0
        } else {
            let g = self.bucket(x);
            let (from, to) = (self.guide[g] as usize, self.guide[g + 1] as usize);
            from + self.narrow_lo[from..to].partition_point(|&lo| lo <= x)
        };
        for (i, &lo) in self.narrow_lo[..k].iter().enumerate().rev() {
            // Not `lo < x - width`: that subtraction rounds, and can
            // cut off an interval whose upper bound is `x` (finding F6).
            // Rounding is monotonic, so `lo <= x <= hi` implies
            // `fl(x - lo) <= fl(hi - lo) <= width`.
            if x - lo > self.narrow_width {
                break;
            }
            let iv = &self.narrow[i];
            if iv.hi >= x {
                f(iv.item);
            }
        }
        let mut at = self.root;
        while let Some(n) = at {
            let node = &self.nodes[n as usize];
            if x < node.center {
                for iv in node.by_lo.iter().take_while(|iv| iv.lo <= x) {
                    f(iv.item);
                }
                at = node.left;
            } else if x > node.center {
                for iv in node.by_hi.iter().take_while(|iv| iv.hi >= x) {
                    f(iv.item);
                }
                at = node.right;
            } else {
                node.by_lo.iter().for_each(|iv| f(iv.item));
                return;
            }
        }
    }

    pub(crate) fn heap_size(&self) -> usize {
        self.nodes
            .iter()
            .map(|n| 64 + (n.by_lo.capacity() + n.by_hi.capacity()) * 24)
            .sum::<usize>()
            + (self.all.capacity() + self.narrow.capacity()) * 24
            + self.narrow_lo.capacity() * 8
            + self.guide.capacity() * 4
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::ids::BranchId;

    fn p(i: u32) -> Posting {
        Posting::branch(BranchId::new(i))
    }

    #[test]
    fn interval_tree_stabs() {
        let mut t = IntervalTree::default();
        let ivs = [
            (0.0, 10.0),
            (5.0, 6.0),
            (-3.0, -1.0),
            (7.0, f64::INFINITY),
            (f64::NEG_INFINITY, 0.0),
        ];
        for (i, &(lo, hi)) in ivs.iter().enumerate() {
            t.push(NumericRange {
                lo,
                hi,
                item: p(i as u32),
            });
        }
        t.build();
        for x in [-5.0, -2.0, 0.0, 5.5, 8.0, 1e300] {
            let mut got = Vec::new();
            t.stab(x, &mut |i| got.push(i));
            got.sort();
            let want: Vec<Posting> = ivs
                .iter()
                .enumerate()
                .filter(|(_, &(lo, hi))| lo <= x && x <= hi)
                .map(|(i, _)| p(i as u32))
                .collect();
            assert_eq!(got, want, "x = {x}");
        }
    }

    #[test]
    fn upper_bounds_are_inside() {
        // Finding F6: 0.1 - 0.999e-1... rounding cut off [1e-6, 0.1] at 0.1.
        for (lo, hi) in [(1e-6, 0.1), (9.09, 164.0), (4.19, 30.2), (0.001, 1.0)] {
            let mut t = IntervalTree::default();
            t.push(NumericRange { lo, hi, item: p(7) });
            t.build();
            for x in [lo, hi] {
                let mut got = Vec::new();
                t.stab(x, &mut |i| got.push(i));
                assert_eq!(got, [p(7)], "[{lo}, {hi}] at {x}");
            }
        }
    }

    #[test]
    fn stabs_agree_with_a_scan() {
        let mut x = 0x9e37_79b9_u64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        // Spread, clustered, negative, tiny, huge and equal bounds.
        for round in 0..40u64 {
            let spread = [1.0, 1e6, 1e-300, 1e300, 0.0][(round % 5) as usize];
            let mut t = IntervalTree::default();
            let mut ivs = Vec::new();
            for i in 0..(round * 7 % 300) as u32 {
                let lo = ((next() % 2001) as f64 - 1000.0) * spread / 1000.0;
                let w = [0.0, 1.0, 5.0, 1e308, f64::INFINITY][(next() % 5) as usize] * spread;
                let hi = if w.is_nan() { lo } else { lo + w };
                let iv = NumericRange { lo, hi, item: p(i) };
                ivs.push(iv);
                t.push(iv);
            }
            t.build();
            let probes: Vec<f64> = ivs
                .iter()
                .flat_map(|iv| [iv.lo, iv.hi, iv.lo - spread / 3.0])
                .chain([
                    0.0,
                    -0.0,
                    f64::INFINITY,
                    f64::NEG_INFINITY,
                    f64::MAX,
                    -spread,
                ])
                .collect();
            for q in probes {
                let mut got = Vec::new();
                t.stab(q, &mut |i| got.push(i));
                got.sort();
                let want: Vec<Posting> = ivs
                    .iter()
                    .filter(|iv| iv.lo <= q && q <= iv.hi)
                    .map(|iv| iv.item)
                    .collect();
                assert_eq!(got, want, "round {round}, x = {q}");
            }
        }
    }

    #[test]
    fn narrow_intervals_stab_few() {
        let mut t = IntervalTree::default();
        let mut x = 12345u64;
        for i in 0..2000u32 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let lo = (x % 1_000_000) as f64;
            t.push(NumericRange {
                lo,
                hi: lo + 5.0,
                item: p(i),
            });
        }
        t.build();
        let mut visited = 0;
        for q in 0..1000 {
            t.stab(q as f64 * 1000.0 + 0.5, &mut |_| visited += 1);
        }
        eprintln!("nodes {}, results {}", t.nodes.len(), visited);
        assert!(visited < 100);
    }
}
