//! `differential`: the compiled engine ([`evmatch::Machine`]) against the
//! reference evaluator ([`evmatch::reference::Reference`]) on generated rule
//! sets and events (`evmatch_testkit::Case` reads the two input modes). The
//! check is `evmatch_testkit::differential::check`: they must agree exactly
//! on which rules compile, on which events are valid, on the error kind and
//! offset of invalid events (not the message: finding F7), and on the match
//! sets of valid ones. The same rules in a `trusted_input(true)` machine
//! must give the same matches on every event that keeps the trusted-input
//! promise, and never panic on others. One scratch is reused across the
//! case's events, and `matches` (fresh scratch) must agree with `find`
//! (reused scratch).
//!
//! Then (for one input in four) the same rules go through a
//! [`evmatch::LiveMachine`] in a fixed sequence of updates derived from the
//! case (add them one by one, remove every other name, add those back,
//! compact, replace the whole set): at five points its matches (with one
//! scratch reused across all versions) and its snapshot's must equal the
//! reference's for the rule set of that moment, and every update must
//! publish a new version.
#![no_main]

use evmatch::reference::Reference;
use evmatch::{LiveMachine, Scratch};
use evmatch_testkit::compare::answer;
use evmatch_testkit::{differential, Case};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let case = Case::from_fuzz(data);
    if let Err(e) = differential::check(&case) {
        fail(&case, e);
    }
    // The live sequence costs about twice the rest: run it on one input in
    // four (chosen by content, so a reproducer reproduces).
    if data.iter().fold(0u8, |a, &b| a.wrapping_add(b)) % 4 == 0 {
        check_live(&case);
    }
});

fn fail(case: &Case, what: String) -> ! {
    case.dump();
    panic!("{what}\n--- case ---\n{}", case.describe());
}

/// The live machine against the reference at five points of a fixed
/// sequence of updates (versions are checked after every update).
fn check_live(case: &Case) {
    let live = LiveMachine::new();
    let mut scratch = Scratch::new();
    // The rule set the live machine should hold: (name, pattern) in order.
    let mut model: Vec<(String, Vec<u8>)> = Vec::new();
    let mut version = live.version();
    let mut bump = |what: &str, v: Option<u64>| match v {
        Some(v) if v > version && live.version() == v => version = v,
        _ => fail(case, format!("live: {what}: version {v:?} after {version}")),
    };
    let mut compare = |what: &str, model: &[(String, Vec<u8>)]| {
        let mut reference = Reference::new();
        for (n, p) in model {
            reference.add_rule(n, p).unwrap();
        }
        let mut names: Vec<&str> = model.iter().map(|(n, _)| n.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        if live.rule_count() != names.len() {
            fail(
                case,
                format!(
                    "live: {what}: {} rules, expected {names:?}",
                    live.rule_count()
                ),
            );
        }
        let snap = live.snapshot();
        for (i, ev) in case.events.iter().enumerate() {
            let want = reference.matches(ev);
            let mut got = Vec::new();
            let r = live.for_each_match(&mut scratch, ev, |n| got.push(n.to_string()));
            got.sort();
            let s = answer(&snap, ev);
            match (&want, &r, &s) {
                (Ok(w), Ok(_), Ok(sn))
                    if &got == w && sn == w => {}
                (Err(_), Err(_), Err(_)) => {}
                _ => fail(
                    case,
                    format!(
                        "live: {what}: event {i}: live {r:?} {got:?}, snapshot {s:?}, reference {want:?}"
                    ),
                ),
            }
        }
    };
    for (n, p) in &case.rules {
        if let Ok(v) = live.add_rule(n, p) {
            model.push((n.clone(), p.clone()));
            bump("add", Some(v));
        }
    }
    compare("after adding all", &model);
    let mut names: Vec<String> = model.iter().map(|(n, _)| n.clone()).collect();
    names.sort();
    names.dedup();
    let removed: Vec<String> = names.iter().step_by(2).cloned().collect();
    for n in &removed {
        bump("remove", live.remove_rule(n));
        model.retain(|(m, _)| m != n);
    }
    if live.remove_rule("no such rule").is_some() {
        fail(case, "live: removing an unknown rule made a version".into());
    }
    compare("after removing every other name", &model);
    for (n, p) in &case.rules {
        if removed.contains(n) {
            if let Ok(v) = live.add_rule(n, p) {
                model.push((n.clone(), p.clone()));
                bump("add again", Some(v));
            }
        }
    }
    compare("after adding them back", &model);
    bump("compact", Some(live.compact()));
    compare("after compact", &model);
    let valid: Vec<(String, Vec<u8>)> = case
        .rules
        .iter()
        .filter(|(_, p)| evmatch::Pattern::parse(p).is_ok())
        .rev()
        .cloned()
        .collect();
    match live.replace_rules(valid.iter().map(|(n, p)| (n.as_str(), p.as_slice()))) {
        Ok(v) => bump("replace", Some(v)),
        Err(e) => fail(
            case,
            format!("live: replace_rules refused valid rules: {e:?}"),
        ),
    }
    compare("after replace_rules", &valid);
}
