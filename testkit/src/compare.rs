//! A machine's answers in the reference's form, and the comparisons every
//! check makes: [`evmatch::reference::Reference::matches`] gives the names
//! of the matching rules sorted, each once, or the event's error; a
//! machine's answer is brought to that form before it is compared.

use evmatch::{EventError, Machine, RuleId};

use crate::promise;

/// One event's answer: the sorted names of the matching rules, or the
/// error that refused the event.
pub type Answer = Result<Vec<String>, EventError>;

/// `names`, owned and sorted.
///
/// ```
/// assert_eq!(evmatch_testkit::compare::sorted(["b", "a"]), ["a", "b"]);
/// ```
pub fn sorted<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut v: Vec<String> = names.into_iter().map(String::from).collect();
    v.sort();
    v
}

/// The sorted names of the rules `ids` of `machine`.
pub fn names_of(machine: &Machine, ids: &[RuleId]) -> Vec<String> {
    sorted(ids.iter().map(|&id| machine.rule_name(id)))
}

/// `machine`'s answer on `event` (with a fresh scratch), as an [`Answer`].
pub fn answer(machine: &Machine, event: &[u8]) -> Answer {
    machine.matches(event).map(sorted)
}

/// A machine's answer `got` against the reference's `want`: the same
/// names, or both refusing the event with the same error kind at the same
/// offset (messages may differ).
pub fn same_answer(got: &Answer, want: &Answer) -> Result<(), String> {
    match (got, want) {
        (Ok(g), Ok(w)) if g == w => Ok(()),
        (Err(g), Err(w)) if (g.kind(), g.offset()) == (w.kind(), w.offset()) => Ok(()),
        _ => Err(format!("machine {got:?}, reference {want:?}")),
    }
}

/// The trusted-mode comparison: `got`, a trusted-input machine's answer on
/// `event`, must be `want`, the reference's, when `want` is a match set and
/// the event keeps the trusted-input promise ([`promise::kept`]). On other
/// events any answer will do: that one came back without a panic is the
/// check.
pub fn trusted_agrees(event: &[u8], got: &Answer, want: &Answer) -> Result<(), String> {
    match want {
        Ok(w) if promise::kept(event) => match got {
            Ok(g) if g == w => Ok(()),
            _ => Err(format!("trusted machine {got:?}, reference {w:?}")),
        },
        _ => Ok(()),
    }
}
