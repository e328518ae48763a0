//! The numbers that name rules, branches and fields, as small types, so
//! that one cannot be passed where another is meant.

/// The index of a rule in a [`Machine`](crate::Machine), in the order
/// names were first added. Turn it into a name with
/// [`Machine::rule_name`](crate::Machine::rule_name).
///
/// ```
/// let mut b = evmatch::Machine::builder();
/// b.add_rule("a", r#"{"x": [1]}"#)?;
/// let m = b.build();
/// let id = m.rule_id("a").unwrap();
/// assert_eq!(id.as_usize(), 0);
/// assert_eq!(m.rule_name(id), "a");
/// # Ok::<(), evmatch::PatternError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RuleId(u32);

impl RuleId {
    /// The most rules one machine can hold.
    pub const LIMIT: usize = u32::MAX as usize;

    /// The rule's index, from 0.
    pub fn as_usize(self) -> usize {
        self.0 as usize
    }

    /// The rule at `index`, if `index` is below [`RuleId::LIMIT`].
    pub fn new(index: usize) -> Option<RuleId> {
        u32::try_from(index).ok().map(RuleId)
    }

    #[inline]
    pub(crate) const fn from_u32(index: u32) -> RuleId {
        RuleId(index)
    }

    #[inline]
    pub(crate) const fn as_u32(self) -> u32 {
        self.0
    }
}

/// A field: a dotted path that some rule names, numbered by the path trie
/// in the order paths were first added.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct FieldId(u32);

impl FieldId {
    #[inline]
    pub(crate) const fn new(index: u32) -> FieldId {
        FieldId(index)
    }

    #[inline]
    pub(crate) const fn as_usize(self) -> usize {
        self.0 as usize
    }
}

/// A branch: one `$or` alternative of one rule's pattern, as the engine
/// stores it. Ids of removed branches are reused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct BranchId(u32);

impl BranchId {
    #[inline]
    pub(crate) const fn new(index: u32) -> BranchId {
        BranchId(index)
    }

    #[inline]
    pub(crate) const fn as_usize(self) -> usize {
        self.0 as usize
    }
}

/// What an index holds under a key: a branch to verify, or a rule that a
/// probe finding the key has proved to match (see
/// `engine::field_index`). Rules take the top bit, so a proven posting
/// needs a rule id below 2^31; others are indexed as branches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Posting(u32);

/// A posting, decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Posted {
    Branch(BranchId),
    Rule(RuleId),
}

impl Posting {
    const RULE: u32 = 1 << 31;

    /// A branch to verify.
    #[inline]
    pub(crate) fn branch(b: BranchId) -> Posting {
        debug_assert!(b.0 < Posting::RULE);
        Posting(b.0)
    }

    /// A rule proved to match, if its id leaves the top bit free.
    #[inline]
    pub(crate) fn proven(r: RuleId) -> Option<Posting> {
        (r.0 < Posting::RULE).then_some(Posting(r.0 | Posting::RULE))
    }

    #[inline]
    pub(crate) fn decode(self) -> Posted {
        if self.0 & Posting::RULE != 0 {
            Posted::Rule(RuleId(self.0 & !Posting::RULE))
        } else {
            Posted::Branch(BranchId(self.0))
        }
    }
}
