//! What explanations read from the engine: one event scanned as matching
//! scans it (same options, trusted or not), with each value's text and
//! array indices recorded, and a rule's branches verified against it by
//! the matcher's own verification. Nothing here is on the matching path.

use super::branch::{Branch, BranchField};
use super::run::value_of;
use super::{Engine, EngineScratch, NO_HIT};
use crate::error::EventError;
use crate::pattern::{self, ValueRef};
use crate::util::ids::RuleId;

/// One value found at a field.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Found {
    /// The hit's index in the scan.
    pub(crate) hit: u32,
    /// The value's text in the event (quotes included).
    pub(crate) span: (usize, usize),
    /// Its range of array indices in the scan's record.
    pub(crate) place: (u32, u32),
}

/// An event scanned for explanations (see [`Engine::inspect`]).
pub(crate) struct Inspection<'a> {
    engine: &'a Engine,
    s: &'a mut EngineScratch,
    ev: &'a [u8],
}

/// The matcher's verdict on one branch.
pub(crate) struct Verdict {
    pub(crate) matched: bool,
    /// When the branch failed on array consistency: the positions (in the
    /// branch's fields) of the fields that could not be satisfied from the
    /// same array elements.
    pub(crate) conflict: Option<Vec<usize>>,
}

impl Engine {
    /// Scans `ev` as matching does, recording what explanations read.
    pub(crate) fn inspect<'a>(
        &'a self,
        s: &'a mut EngineScratch,
        ev: &'a [u8],
    ) -> Result<Inspection<'a>, EventError> {
        let mut opts = self.opts;
        opts.record = true;
        s.scan.scan(&self.trie, ev, opts)?;
        self.prepare(s);
        Ok(Inspection {
            engine: self,
            s,
            ev,
        })
    }
}

impl Inspection<'_> {
    /// The event.
    pub(crate) fn event(&self) -> &[u8] {
        self.ev
    }

    /// The values at `path`, in document order.
    pub(crate) fn values(&self, path: &str) -> Vec<Found> {
        let Some(field) = self.engine.trie.find(path) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut h = Engine::first_hit(self.s, field);
        while h != NO_HIT {
            let rec = &self.s.scan.recorded;
            out.push(Found {
                hit: h,
                span: rec.spans[h as usize],
                place: rec.places[h as usize],
            });
            h = self.s.next[h as usize];
        }
        // The lists link each field's hits newest first.
        out.reverse();
        out
    }

    /// The objects at `path`: where each starts, and its range of array
    /// indices.
    pub(crate) fn objects(&self, path: &str) -> Vec<(usize, (u32, u32))> {
        let Some(field) = self.engine.trie.find(path) else {
            return Vec::new();
        };
        let rec = &self.s.scan.recorded;
        rec.objects
            .iter()
            .filter(|o| o.0 == field)
            .map(|o| (o.1, o.2))
            .collect()
    }

    /// The array indices of a recorded range.
    pub(crate) fn indices(&self, place: (u32, u32)) -> &[u32] {
        self.s.scan.recorded.indices(place)
    }

    /// The first matcher of `f`'s leaf that accepts the value of hit `h`,
    /// as verification decides it (numbers read as numbers where the rule
    /// set makes the field numeric).
    pub(crate) fn accepting(&mut self, f: &pattern::Field, h: u32) -> Option<usize> {
        let field = self.engine.trie.find(&f.path)?;
        let bf = BranchField::new(field, f);
        let s = &mut *self.s;
        let hit = s.scan.hits[h as usize];
        let v: ValueRef<'_> = value_of(
            &s.scan,
            self.ev,
            &hit,
            h as usize,
            true,
            &mut s.num_state,
            &mut s.num_value,
        );
        let numeric = bf.has_ip && self.engine.numeric.contains_key(&(bf.state, bf.field));
        f.matchers.iter().position(|m| m.matches(v, numeric))
    }

    /// Verifies one branch of `rule` with the matcher's own verification.
    pub(crate) fn verify(&mut self, rule: RuleId, b: &pattern::Branch) -> Verdict {
        let fields: Option<_> = b
            .fields
            .iter()
            .map(|f| Some(BranchField::new(self.engine.trie.find(&f.path)?, f)))
            .collect();
        // Every path of a rule of this machine is in its trie.
        let Some(fields) = fields else {
            return Verdict {
                matched: false,
                conflict: None,
            };
        };
        let branch = Branch {
            rule,
            fields,
            anchor: None,
        };
        let matched = self.engine.verify(self.s, self.ev, &branch);
        // Verification searches fields together only where their values
        // share arrays; when it did and failed, the group it gave up on is
        // in the scratch.
        let grouped = !self.s.scan.trails.is_empty() && branch.fields.len() > 1;
        let conflict =
            (!matched && grouped).then(|| self.s.order.iter().map(|&i| i as usize).collect());
        Verdict { matched, conflict }
    }
}
