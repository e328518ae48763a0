//! `differential`: the compiled engine ([`evmatch::Machine`]) against the
//! reference evaluator ([`evmatch::reference::Reference`]) on generated rule
//! sets and events (see `gen.rs` for the two input modes). They must agree
//! exactly on which rules compile, on which events are valid, on the error
//! kind and offset of invalid events (not the message: finding F7), and
//! on the match sets of valid ones.
//! The same rules in a `trusted_input(true)` machine must give the same
//! matches on every valid event, and never panic on invalid ones. One
//! scratch is reused across the case's events, and `matches` (fresh
//! scratch) must agree with `find` (reused scratch).
//!
//! Then (for one input in four) the same rules go through a
//! [`evmatch::LiveMachine`] in a fixed sequence of updates derived from the
//! case (add them one by one, remove every other name, add those back,
//! compact, replace the whole set): at five points its matches (with one
//! scratch reused across all versions) and its snapshot's must equal the
//! reference's for the rule set of that moment, and every update must
//! publish a new version.
#![no_main]

mod gen;
mod promise;

use evmatch::reference::Reference;
use evmatch::{LiveMachine, Machine, Scratch};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let case = gen::Case::from_fuzz(data);
    check(&case);
    // The live sequence costs about twice the rest: run it on one input in
    // four (chosen by content, so a reproducer reproduces).
    if data.iter().fold(0u8, |a, &b| a.wrapping_add(b)) % 4 == 0 {
        check_live(&case);
    }
});

fn fail(case: &gen::Case, what: String) -> ! {
    case.dump();
    panic!("{what}\n--- case ---\n{}", case.describe());
}

fn check(case: &gen::Case) {
    let mut builder = Machine::builder();
    let mut trusted = Machine::builder();
    trusted.trusted_input(true);
    let mut reference = Reference::new();
    for (name, p) in &case.rules {
        let a = builder.add_rule(name, p).map(|_| ());
        let b = reference.add_rule(name, p);
        match (&a, &b) {
            (Ok(()), Ok(())) => {
                trusted.add_rule(name, p).unwrap();
            }
            (Err(x), Err(y)) => {
                if x != y {
                    fail(case, format!("compile errors differ: {x:?} vs {y:?}"));
                }
                if x.offset() > p.len() {
                    fail(case, format!("pattern error offset past the end: {x:?}"));
                }
            }
            _ => fail(
                case,
                format!("compile disagreement: machine {a:?}, reference {b:?}"),
            ),
        }
    }
    let machine = builder.build();
    let trusted = trusted.build();
    let mut scratch = machine.create_scratch();
    let mut tscratch = trusted.create_scratch();
    let mut ids = Vec::new();
    for (i, ev) in case.events.iter().enumerate() {
        let want = reference.matches(ev);
        ids.clear();
        let got = machine.find(&mut scratch, ev, &mut ids).map(|()| {
            let mut names: Vec<String> = ids
                .iter()
                .map(|&id| machine.rule_name(id).to_string())
                .collect();
            names.sort();
            names
        });
        match (&want, &got) {
            (Ok(w), Ok(g)) => {
                if g != w {
                    fail(
                        case,
                        format!("event {i}: machine matches {g:?}, reference {w:?}"),
                    );
                }
            }
            (Err(w), Err(g)) => {
                if (w.kind(), w.offset()) != (g.kind(), g.offset()) {
                    fail(
                        case,
                        format!("event {i}: errors differ: machine {g:?}, reference {w:?}"),
                    );
                }
                if g.offset() > ev.len() {
                    fail(case, format!("event {i}: error offset past the end: {g:?}"));
                }
            }
            _ => fail(
                case,
                format!("event {i}: validity disagreement: machine {got:?}, reference {want:?}"),
            ),
        }
        // A fresh scratch gives the same answer as the reused one.
        let fresh = machine.matches(ev).map(|mut v| {
            v.sort();
            v.into_iter().map(str::to_string).collect::<Vec<_>>()
        });
        if fresh.as_ref().ok() != got.as_ref().ok() || fresh.is_ok() != got.is_ok() {
            fail(
                case,
                format!("event {i}: fresh scratch {fresh:?}, reused scratch {got:?}"),
            );
        }
        // Trusted mode: same matches on events that keep the promise (valid,
        // no repeated name), no panic on others.
        ids.clear();
        let t = trusted.find(&mut tscratch, ev, &mut ids);
        if let (Ok(w), true) = (&want, promise::kept(ev)) {
            let mut names: Vec<String> = ids
                .iter()
                .map(|&id| trusted.rule_name(id).to_string())
                .collect();
            names.sort();
            if t.is_err() || &names != w {
                fail(
                    case,
                    format!("event {i}: trusted machine {t:?} {names:?}, reference {w:?}"),
                );
            }
        }
    }
}

/// The live machine against the reference at five points of a fixed
/// sequence of updates (versions are checked after every update).
fn check_live(case: &gen::Case) {
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
            let s = snap.matches(ev).map(|mut v| {
                v.sort_unstable();
                v.into_iter().map(String::from).collect::<Vec<_>>()
            });
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
