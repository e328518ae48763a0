//! The differential check of a [`Case`]: the compiled engine
//! ([`evmatch::Machine`]) against the reference evaluator, made by the
//! `differential` fuzz target on fuzz cases, by `tests/differential.rs` on
//! seeded ones and by `tests/regressions.rs` on the committed inputs.

use evmatch::reference::Reference;
use evmatch::Machine;

use crate::compare::{answer, names_of, same_answer, trusted_agrees, Answer};
use crate::Case;

/// Checks `case`, and gives the reference's answer for each event (for
/// checks of other faces of the engine, such as the C ABI), or the first
/// disagreement.
///
/// * Each rule compiles in the machine exactly when it does in the
///   reference, and a refused one gets the same error, with an offset
///   within the pattern.
/// * On each event, the machine (one scratch reused across the case's
///   events) gives the reference's [`Answer`]: the same match set, or the
///   same error kind and offset, within the event; a fresh scratch gives
///   the same answer as the reused one.
/// * The same rules in a `trusted_input(true)` machine (one reused scratch
///   too) give the reference's matches on every event that keeps the
///   trusted-input promise, and never panic on the others.
///
/// ```
/// use evmatch_testkit::{differential, Case};
/// let case = Case::from_fuzz(b"\xffra{\"a\":[1]}\x00e{\"a\":1}\x00e{\x00");
/// let answers = differential::check(&case).unwrap();
/// assert_eq!(answers[0].as_ref().unwrap(), &["a"]);
/// assert!(answers[1].is_err());
/// ```
pub fn check(case: &Case) -> Result<Vec<Answer>, String> {
    let mut builder = Machine::builder();
    let mut trusted = Machine::builder();
    trusted.trusted_input(true);
    let mut reference = Reference::new();
    for (name, p) in &case.rules {
        let got = builder.add_rule(name, p).map(|_| ());
        let want = reference.add_rule(name, p);
        match (&got, &want) {
            (Ok(()), Ok(())) => {
                trusted
                    .add_rule(name, p)
                    .map_err(|e| format!("rule {name:?}: trusted builder refuses it: {e:?}"))?;
            }
            (Err(g), Err(w)) if g == w => {
                if g.offset() > p.len() {
                    return Err(format!("rule {name:?}: error offset past the end: {g:?}"));
                }
            }
            _ => {
                return Err(format!(
                    "rule {name:?}: compile results differ: machine {got:?}, reference {want:?}"
                ))
            }
        }
    }
    let machine = builder.build();
    let trusted = trusted.build();
    let mut scratch = machine.create_scratch();
    let mut tscratch = trusted.create_scratch();
    let mut ids = Vec::new();
    let mut answers = Vec::with_capacity(case.events.len());
    for (i, ev) in case.events.iter().enumerate() {
        let want = reference.matches(ev);
        ids.clear();
        let got = machine
            .find(&mut scratch, ev, &mut ids)
            .map(|()| names_of(&machine, &ids));
        same_answer(&got, &want).map_err(|e| format!("event {i}: {e}"))?;
        if let Err(g) = &got {
            if g.offset() > ev.len() {
                return Err(format!("event {i}: error offset past the end: {g:?}"));
            }
        }
        let fresh = answer(&machine, ev);
        same_answer(&fresh, &got)
            .map_err(|_| format!("event {i}: fresh scratch {fresh:?}, reused scratch {got:?}"))?;
        ids.clear();
        let t = trusted
            .find(&mut tscratch, ev, &mut ids)
            .map(|()| names_of(&trusted, &ids));
        trusted_agrees(ev, &t, &want).map_err(|e| format!("event {i}: {e}"))?;
        answers.push(want);
    }
    Ok(answers)
}
