//! Runs the golden corpus (`testdata/conformance/*.jsonl`) through the public
//! API, following the comparison rules of `testdata/conformance/README.md`,
//! against the machine (validated, and in trusted-input mode on every event
//! that keeps the trusted-input promise) and the reference evaluator.
//!
//! Set `EVMATCH_CASE=<substring>` to run only the cases whose id contains it.

use evmatch::{Machine, PatternErrorKind};
use serde_json::Value;

struct Outcome {
    cases: usize,
    failures: Vec<String>,
}

/// Whether some object of `v` gives a member name twice.
fn repeats_a_name(v: &evmatch::reference::EventValue) -> bool {
    use evmatch::reference::EventValue as V;
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        match v {
            V::Object(members) => {
                let mut names: Vec<&str> = members.iter().map(|(k, _)| k.as_str()).collect();
                names.sort_unstable();
                if names.windows(2).any(|w| w[0] == w[1]) {
                    return true;
                }
                stack.extend(members.iter().map(|(_, v)| v));
            }
            V::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    false
}

fn is_json(text: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(text).is_ok()
}

fn run_case(case: &Value, out: &mut Outcome) {
    let id = case["id"].as_str().unwrap();
    if let Ok(filter) = std::env::var("EVMATCH_CASE") {
        if !id.contains(&filter) {
            return;
        }
    }
    out.cases += 1;
    let rules = case["rules"].as_object().unwrap();
    let expect = &case["expect"];
    let invalid = expect["invalid"].as_object().unwrap();
    let mut fail = |msg: String| out.failures.push(format!("{id}: {msg}"));

    let mut builder = Machine::builder();
    let mut trusted = Machine::builder();
    trusted.trusted_input(true);
    let mut reference = evmatch::reference::Reference::new();
    for (name, text) in rules {
        let text = text.as_str().unwrap();
        let result = evmatch::Pattern::parse(text);
        match (result, invalid.get(name)) {
            (Ok(p), None) => {
                trusted.add_pattern(name, p.clone());
                builder.add_pattern(name, p);
                reference.add_rule(name, text).unwrap();
            }
            (Ok(_), Some(msg)) => fail(format!("rule {name} compiled, expected error {msg}")),
            (Err(e), None) => fail(format!("rule {name} rejected: {e}")),
            (Err(e), Some(msg)) => {
                let msg = msg.as_str().unwrap();
                let syntax_ok = e.kind() == PatternErrorKind::Syntax && !is_json(text);
                if e.message() != msg && !syntax_ok {
                    fail(format!(
                        "rule {name}: message {:?}, expected {:?}",
                        e.message(),
                        msg
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
    let invalid_events: Vec<u64> = expect
        .get("invalid_events")
        .and_then(Value::as_array)
        .map(|a| a.iter().map(|v| v.as_u64().unwrap()).collect())
        .unwrap_or_default();
    let events = case["events"].as_array().unwrap();
    let matches = expect["matches"].as_array().unwrap();
    let mut scratch = machine.create_scratch();
    for (i, (event, want)) in events.iter().zip(matches).enumerate() {
        let event = event.as_str().unwrap().as_bytes();
        let got = machine.matches(event);
        let got_ref = reference.matches(event);
        if invalid_events.contains(&(i as u64)) {
            if got.is_ok() {
                fail(format!("event {i} accepted, expected it to be refused"));
            }
            if got_ref.is_ok() {
                fail(format!("event {i} accepted by the reference evaluator"));
            }
            continue;
        }
        let want: Vec<&str> = want
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        match got {
            Err(e) => fail(format!("event {i} refused: {e}")),
            Ok(mut names) => {
                names.sort();
                if names != want {
                    fail(format!("event {i}: got {names:?}, expected {want:?}"));
                }
            }
        }
        match got_ref {
            Err(e) => fail(format!("event {i} refused by the reference evaluator: {e}")),
            Ok(names) => {
                if names != want {
                    fail(format!(
                        "event {i}: reference evaluator got {names:?}, expected {want:?}"
                    ));
                }
            }
        }
        // Trusted input (valid JSON, no name repeated in an object) gets
        // the same answers.
        let keeps_promise = evmatch::reference::parse(event).is_ok_and(|v| !repeats_a_name(&v));
        if keeps_promise {
            let mut names = trusted.matches(event).unwrap_or_default();
            names.sort();
            if names != want {
                fail(format!(
                    "event {i}: trusted mode got {names:?}, expected {want:?}"
                ));
            }
        }
        // The scratch-reusing form agrees with the allocating one.
        let mut ids = Vec::new();
        machine.find(&mut scratch, event, &mut ids).unwrap();
        let mut names: Vec<&str> = ids.iter().map(|&id| machine.rule_name(id)).collect();
        names.sort();
        if names != want {
            fail(format!(
                "event {i}: find() got {names:?}, expected {want:?}"
            ));
        }
    }
}

fn run_file(file: &str) {
    let path = format!(
        "{}/testdata/conformance/{}",
        env!("CARGO_MANIFEST_DIR"),
        file
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut out = Outcome {
        cases: 0,
        failures: Vec::new(),
    };
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let case: Value = serde_json::from_str(line).unwrap();
        run_case(&case, &mut out);
    }
    let failed_cases = {
        let mut ids: Vec<&str> = out
            .failures
            .iter()
            .map(|f| f.split(':').next().unwrap())
            .collect();
        ids.dedup();
        ids.len()
    };
    eprintln!(
        "{file}: {} cases, {} passed, {} failed",
        out.cases,
        out.cases - failed_cases,
        failed_cases
    );
    if !out.failures.is_empty() {
        panic!(
            "{} failures in {file}:\n{}",
            out.failures.len(),
            out.failures.join("\n")
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
