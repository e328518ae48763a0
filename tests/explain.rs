//! Explanations: the verdict is the matcher's, for every rule and every
//! event of the whole corpus, validated and trusted; and what they say
//! about fields, values and arrays.

use evmatch::{ExplainError, FieldStatus, Machine};
use evmatch_testkit::conformance;
use serde_json::Value;

/// Every (rule set, event) of the corpus: explain(r, e).matched() is
/// exactly matches(e).contains(r), in both modes.
#[test]
fn verdicts_are_the_matchers_over_the_corpus() {
    let mut checked = 0usize;
    for file in ["aws-validated.jsonl", "edge-cases.jsonl", "generated.jsonl"] {
        for case in conformance::read(file) {
            let id = &case.id;
            for trusted in [false, true] {
                let mut b = Machine::builder();
                b.trusted_input(trusted);
                for (name, text) in &case.rules {
                    // Invalid rules are refused; the others share a machine.
                    let _ = b.add_rule(name, text);
                }
                let m = b.build();
                for event in &case.events {
                    let event = event.as_bytes();
                    let matched = m.matches(event);
                    for name in m.rule_names() {
                        let e = m.explain(name, event);
                        match (&matched, e) {
                            (Ok(names), Ok(e)) => {
                                assert_eq!(
                                    e.matched(),
                                    names.contains(&name),
                                    "{id} (trusted: {trusted}) rule {name}\n{e}"
                                );
                                checked += 1;
                            }
                            (Err(want), Err(ExplainError::Event(got))) => {
                                assert_eq!(&got, want, "{id}: rule {name}")
                            }
                            (want, got) => panic!("{id}: rule {name}: {want:?} vs {got:?}"),
                        }
                    }
                }
            }
        }
    }
    assert!(checked > 10_000, "{checked}");
}

fn machine(rules: &[(&str, &str)]) -> Machine {
    let mut b = Machine::builder();
    for (name, p) in rules {
        b.add_rule(name, p).unwrap();
    }
    b.build()
}

#[test]
fn a_misspelt_field_is_absent_and_its_neighbour_says_where_the_value_is() {
    let m = machine(&[(
        "stopped",
        r#"{"source": ["aws.ec2"], "detail": {"state": ["stopped"]}}"#,
    )]);
    let ev = br#"{"source": "aws.ec2", "detail": {"sate": "stopped"}}"#;
    let e = m.explain("stopped", ev).unwrap();
    assert!(!e.matched());
    assert_eq!(e.failed_fields(), 1);
    let f = &e.branches()[0].fields()[0];
    assert_eq!(
        (f.path(), f.status(), f.matched()),
        ("detail.state", FieldStatus::Absent, false)
    );
    assert_eq!(f.pattern(), r#"["stopped"]"#);
    let f = &e.branches()[0].fields()[1];
    assert_eq!(f.values()[0].offset(), 11);
    assert_eq!(f.values()[0].satisfies(), Some(r#""aws.ec2""#));
    assert!(e
        .to_string()
        .contains("✗ detail.state [\"stopped\"]: absent"));
}

#[test]
fn array_consistency_failures_name_the_fields_and_the_elements_tried() {
    let m = machine(&[(
        "big-a",
        r#"{"items": {"name": ["a"], "qty": [{"numeric": [">", 5]}]}}"#,
    )]);
    let ev = br#"{"items": [{"name": "a", "qty": 1}, {"name": "b", "qty": 9}, {"name": "a", "qty": 2}]}"#;
    let e = m.explain("big-a", ev).unwrap();
    assert!(!e.matched());
    let b = &e.branches()[0];
    assert!(b.fields().iter().all(|f| f.matched()));
    let c = b.array_conflict().expect("a conflict");
    assert_eq!(c.fields().collect::<Vec<_>>(), ["items.name", "items.qty"]);
    assert_eq!(
        c.elements_tried(),
        [
            ("items.name".to_string(), vec![vec![0], vec![2]]),
            ("items.qty".to_string(), vec![vec![1]])
        ]
    );
    let json: Value = serde_json::from_str(&e.to_json()).unwrap();
    assert_eq!(
        json["branches"][0]["array_conflict"]["elements_tried"]["items.name"],
        serde_json::json!([[0], [2]])
    );
}

#[test]
fn objects_are_not_leaf_values_and_every_branch_is_listed() {
    let m = machine(&[("r", r#"{"$or": [{"a": [1]}, {"b": {"c": ["x"]}}]}"#)]);
    let e = m
        .explain("r", br#"{"a": 2, "b": {"c": {"d": [1, 2]}}}"#)
        .unwrap();
    assert_eq!(e.branches().len(), 2);
    let f = &e.branches()[1].fields()[0];
    assert_eq!(f.status(), FieldStatus::NotALeaf);
    assert!(f.values()[0].is_object());
    assert_eq!(f.values()[0].text(), r#"{"d": [1, 2]}"#);
}

#[test]
fn bad_input_gives_typed_errors_and_bounded_output() {
    let m = machine(&[("r", r#"{"a": ["x"]}"#)]);
    assert_eq!(
        m.explain("missing", b"{}").unwrap_err(),
        ExplainError::UnknownRule("missing".into())
    );
    let e = m.explain("r", br#"{"a": [1, 2,]}"#).unwrap_err();
    assert_eq!(
        e,
        ExplainError::Event(m.matches(br#"{"a": [1, 2,]}"#).unwrap_err())
    );
    // Many long values: at most MAX_VALUES shown, each cut.
    let long = "y".repeat(10_000);
    let ev = format!(
        "{{\"a\": [{}]}}",
        vec![format!("\"{long}\""); 1000].join(",")
    );
    let e = m.explain("r", ev.as_bytes()).unwrap();
    let f = &e.branches()[0].fields()[0];
    assert_eq!(f.values().len(), evmatch::MAX_VALUES);
    assert_eq!(f.omitted_values(), 1000 - evmatch::MAX_VALUES);
    assert!(f.values().iter().all(|v| v.truncated()));
    assert!(e.to_json().len() < 64 * 1024);
}

#[test]
fn live_machines_explain_their_current_version() {
    let live = evmatch::LiveMachine::new();
    live.add_rule("r", r#"{"n": [{"numeric": ["<", 3]}]}"#)
        .unwrap();
    assert!(live.explain("r", br#"{"n": 2}"#).unwrap().matched());
    live.remove_rule("r");
    assert!(matches!(
        live.explain("r", br#"{"n": 2}"#),
        Err(ExplainError::UnknownRule(_))
    ));
}
