//! Trusted-input mode: the scan stops once the rest of the event cannot
//! hold a value at a named path, and answers as validated mode on every
//! event that keeps the promise (valid JSON, no name repeated in an
//! object). The corpus and the differential property test hold it to the
//! reference too; these are the early exit's own cases.

use evmatch::Machine;
use evmatch_testkit::compare::answer;

fn machines(rules: &[(&str, &str)]) -> (Machine, Machine) {
    let mut plain = Machine::builder();
    let mut trusted = Machine::builder();
    trusted.trusted_input(true);
    for (name, p) in rules {
        plain.add_rule(name, p).unwrap();
        trusted.add_rule(name, p).unwrap();
    }
    (plain.build(), trusted.build())
}

fn names(m: &Machine, ev: &str) -> Vec<String> {
    answer(m, ev.as_bytes()).unwrap_or_else(|e| panic!("{ev}: {e}"))
}

#[test]
fn the_rest_of_a_settled_event_is_not_read() {
    let (plain, trusted) = machines(&[("r", r#"{"a": {"b": ["x"]}}"#)]);
    // Everything after `"b": "x"` is garbage: validated mode refuses the
    // event, trusted mode has stopped reading before it.
    let ev = r#"{"a": {"b": "x", "c": [}, "z": nonsense"#;
    assert!(plain.matches(ev.as_bytes()).is_err());
    assert_eq!(names(&trusted, ev), ["r"]);
}

#[test]
fn same_answers_as_validated_mode() {
    let rules = [
        ("exact", r#"{"a": {"b": ["x"]}}"#),
        ("absent", r#"{"a": {"c": [{"exists": false}]}}"#),
        ("not-y", r#"{"a": {"b": [{"anything-but": "y"}]}}"#),
        ("or", r#"{"$or": [{"a": {"b": ["q"]}}, {"d": [1]}]}"#),
        ("in-array", r#"{"arr": {"k": ["v2"]}}"#),
        ("deep", r#"{"a": {"x": {"y": [{"prefix": "p"}]}}}"#),
    ];
    let (plain, trusted) = machines(&rules);
    let events = [
        // Dotted names reach a path that nesting already reached.
        r#"{"a": {"b": "y"}, "a.b": "x"}"#,
        r#"{"a": {"b": "x"}, "a.c": 1}"#,
        r#"{"a.b": "q", "a": {"x": {"y": "pq"}}}"#,
        r#"{"a": {"x": {"y": "zz"}}, "a.x.y": "pp"}"#,
        r#"{"a": {"x": {"y": "zz"}}, "a.x": {"y": "pp"}}"#,
        // The same, spelled with escapes.
        r#"{"a": {"b": "y"}, "a\u002eb": "x"}"#,
        r#"{"a": {"b": "y"}, "\u0061.b": "x"}"#,
        // Arrays repeat their paths.
        r#"{"arr": [{"k": "v1"}, {"k": "v2"}], "a": {"b": "x"}}"#,
        r#"{"a": {"b": "x"}, "arr": [{"k": "v1"}, {"j": 1}, {"k": "v2"}]}"#,
        // Presence decides exists: false and anything-but.
        r#"{"a": {"b": "x", "c": null}}"#,
        r#"{"a": {"c": 1}}"#,
        r#"{"a": {}, "d": 1}"#,
        r#"{"d": 1, "a": {"b": "q"}}"#,
        r#"{"a": 5, "a.b": "x"}"#,
        r#"{"z": {"a": {"b": "x"}}, "a": {"b": "y"}}"#,
        // A segment name inside a string value, after the answer settled.
        r#"{"a": {"b": "x", "x": {"y": "p"}}, "note": "\"a.b\" is a path"}"#,
        r#"{"a": {"b": "x", "x": {"y": "p"}}, "note": "a.b"}"#,
    ];
    for ev in events {
        assert_eq!(names(&trusted, ev), names(&plain, ev), "{ev}");
    }
}

#[test]
fn dotted_names_after_the_nested_ones_still_count() {
    let (_, trusted) = machines(&[("r", r#"{"a": {"b": ["1"]}}"#)]);
    assert_eq!(names(&trusted, r#"{"a": {"b": "2"}, "a.b": "1"}"#), ["r"]);
    assert_eq!(
        names(
            &trusted,
            r#"{"a": {"b": "2"}, "x": [1, {"y": "}"}], "a.b": "1"}"#
        ),
        ["r"]
    );
    assert!(names(&trusted, r#"{"a": {"b": "2"}, "b.a": "1"}"#).is_empty());
}
