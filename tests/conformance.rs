//! Runs the golden corpus (`testdata/conformance/*.jsonl`) through the public
//! API, following the comparison rules of `testdata/conformance/README.md`,
//! against the machine (validated, and in trusted-input mode on every event
//! that keeps the trusted-input promise) and the reference evaluator.
//!
//! Set `EVMATCH_CASE=<substring>` to run only the cases whose id contains it.

use evmatch::reference::Reference;
use evmatch::Machine;
use evmatch_testkit::compare::{answer, names_of, trusted_agrees};
use evmatch_testkit::conformance::{self, message_agrees, CorpusCase};

/// The differences between what `case` expects and what the machines and
/// the reference do, one line each.
fn run_case(case: &CorpusCase) -> Vec<String> {
    let mut fails = Vec::new();
    let mut fail = |msg: String| fails.push(msg);

    let mut builder = Machine::builder();
    let mut trusted = Machine::builder();
    trusted.trusted_input(true);
    let mut reference = Reference::new();
    for (name, text) in &case.rules {
        match (evmatch::Pattern::parse(text), case.expected_error(name)) {
            (Ok(p), None) => {
                trusted.add_pattern(name, p.clone());
                builder.add_pattern(name, p);
                reference.add_rule(name, text).unwrap();
            }
            (Ok(_), Some(msg)) => fail(format!("rule {name} compiled, expected error {msg}")),
            (Err(e), None) => fail(format!("rule {name} rejected: {e}")),
            (Err(e), Some(msg)) => {
                if !message_agrees(msg, &e, text) {
                    fail(format!(
                        "rule {name}: message {:?}, expected {msg:?}",
                        e.message()
                    ));
                }
                // `add_rule` must agree with `Pattern::parse` and leave the
                // builder untouched.
                let before = builder.build().rule_count();
                assert!(builder.add_rule(name, text).is_err());
                assert_eq!(builder.build().rule_count(), before);
            }
        }
    }
    let machine = builder.build();
    let trusted = trusted.build();
    let mut scratch = machine.create_scratch();
    let mut ids = Vec::new();
    for (i, (event, want)) in case.events.iter().zip(&case.matches).enumerate() {
        let event = event.as_bytes();
        let got = answer(&machine, event);
        let got_ref = reference.matches(event);
        if case.event_is_invalid(i) {
            if got.is_ok() {
                fail(format!("event {i} accepted, expected it to be refused"));
            }
            if got_ref.is_ok() {
                fail(format!("event {i} accepted by the reference evaluator"));
            }
            continue;
        }
        match got {
            Err(e) => fail(format!("event {i} refused: {e}")),
            Ok(names) if names != *want => {
                fail(format!("event {i}: got {names:?}, expected {want:?}"))
            }
            Ok(_) => {}
        }
        match got_ref {
            Err(e) => fail(format!("event {i} refused by the reference evaluator: {e}")),
            Ok(names) if names != *want => fail(format!(
                "event {i}: reference evaluator got {names:?}, expected {want:?}"
            )),
            Ok(_) => {}
        }
        // Trusted input (valid JSON, no name repeated in an object) gets
        // the same answers.
        if let Err(e) = trusted_agrees(event, &answer(&trusted, event), &Ok(want.clone())) {
            fail(format!("event {i}: {e}"));
        }
        // The scratch-reusing form agrees with the allocating one.
        ids.clear();
        machine.find(&mut scratch, event, &mut ids).unwrap();
        let names = names_of(&machine, &ids);
        if names != *want {
            fail(format!(
                "event {i}: find() got {names:?}, expected {want:?}"
            ));
        }
    }
    fails
}

fn run_file(file: &str) {
    let filter = std::env::var("EVMATCH_CASE").ok();
    let (mut cases, mut failed, mut failures) = (0, 0, Vec::new());
    for case in conformance::read(file) {
        if filter.as_ref().is_some_and(|f| !case.id.contains(f)) {
            continue;
        }
        cases += 1;
        let fails = run_case(&case);
        if !fails.is_empty() {
            failed += 1;
            failures.extend(fails.into_iter().map(|f| format!("{}: {f}", case.id)));
        }
    }
    eprintln!(
        "{file}: {cases} cases, {} passed, {failed} failed",
        cases - failed
    );
    if !failures.is_empty() {
        panic!(
            "{} failures in {file}:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }
}

#[test]
fn aws_validated() {
    run_file("aws-validated.jsonl");
}

#[test]
fn edge_cases() {
    run_file("edge-cases.jsonl");
}

#[test]
fn generated() {
    run_file("generated.jsonl");
}
