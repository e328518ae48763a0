//! One test per operator family, through the public API, plus limits and
//! bad input. Each check names a pattern, events that must match and events
//! that must not; the reference evaluator must agree with the machine.

use evmatch::reference::Reference;
use evmatch::{EventErrorKind, Machine, PatternErrorKind};

/// Asserts that `pattern` matches each of `yes` and none of `no`, on both
/// the machine and the reference evaluator.
fn check(pattern: &str, yes: &[&str], no: &[&str]) {
    let mut b = Machine::builder();
    b.add_rule("r", pattern)
        .unwrap_or_else(|e| panic!("{pattern}: {e}"));
    let m = b.build();
    let mut r = Reference::new();
    r.add_rule("r", pattern).unwrap();
    for (events, want) in [(yes, true), (no, false)] {
        for e in events {
            let got = !m.matches(e.as_bytes()).unwrap().is_empty();
            assert_eq!(got, want, "pattern {pattern} event {e}: machine");
            let got = !r.matches(e.as_bytes()).unwrap().is_empty();
            assert_eq!(got, want, "pattern {pattern} event {e}: reference");
        }
    }
}

fn error(pattern: &str) -> evmatch::PatternError {
    evmatch::Pattern::parse(pattern).expect_err(pattern)
}

#[test]
fn exact_values() {
    check(
        r#"{"s": ["a b", ""]}"#,
        &[r#"{"s": "a b"}"#, r#"{"s": ""}"#, r#"{"s": ["x", "a b"]}"#],
        &[r#"{"s": "A B"}"#, r#"{"s": null}"#, r#"{}"#, r#"{"s": []}"#],
    );
    check(
        r#"{"n": [300]}"#,
        &[r#"{"n": 300}"#, r#"{"n": 3e2}"#, r#"{"n": 300.0}"#],
        &[
            r#"{"n": "300"}"#,
            r#"{"n": 301}"#,
            r#"{"n": 300.000000000000001}"#,
        ],
    );
    check(
        r#"{"n": [9007199254740993]}"#,
        &[r#"{"n": 9007199254740993}"#],
        &[r#"{"n": 9007199254740992}"#],
    );
    check(
        r#"{"b": [false]}"#,
        &[r#"{"b": false}"#],
        &[r#"{"b": "false"}"#, r#"{"b": true}"#],
    );
    check(
        r#"{"z": [null]}"#,
        &[r#"{"z": null}"#],
        &[r#"{"z": "null"}"#, r#"{}"#, r#"{"z": []}"#],
    );
    check(
        r#"{"s": ["\u0041"]}"#,
        &[r#"{"s": "A"}"#, r#"{"s": "\u0041"}"#],
        &[r#"{"s": "a"}"#],
    );
}

#[test]
fn prefix_suffix_and_ignore_case() {
    check(
        r#"{"s": [{"prefix": "ab"}]}"#,
        &[r#"{"s": "abc"}"#],
        &[r#"{"s": "Abc"}"#, r#"{"s": 12}"#],
    );
    check(
        r#"{"s": [{"prefix": ""}]}"#,
        &[r#"{"s": ""}"#],
        &[r#"{"s": 1}"#, r#"{"s": null}"#],
    );
    check(
        r#"{"s": [{"suffix": ".png"}]}"#,
        &[r#"{"s": "a.png"}"#],
        &[r#"{"s": "a.PNG"}"#],
    );
    check(
        r#"{"s": [{"prefix": {"equals-ignore-case": "EventB"}}]}"#,
        &[r#"{"s": "eventbridge"}"#],
        &[r#"{"s": "eventa"}"#],
    );
    check(
        r#"{"s": [{"suffix": {"equals-ignore-case": ".png"}}]}"#,
        &[r#"{"s": "x.PNG"}"#],
        &[r#"{"s": "x.jpg"}"#],
    );
    check(
        r#"{"s": [{"equals-ignore-case": "ß"}]}"#,
        &[r#"{"s": "ß"}"#, r#"{"s": "SS"}"#],
        &[r#"{"s": "ss"}"#],
    );
}

#[test]
fn anything_but_all_forms() {
    check(
        r#"{"s": [{"anything-but": "x"}]}"#,
        &[
            r#"{"s": "y"}"#,
            r#"{"s": null}"#,
            r#"{"s": 5}"#,
            r#"{"s": ["x", "y"]}"#,
        ],
        &[r#"{"s": "x"}"#, r#"{}"#, r#"{"s": []}"#, r#"{"s": ["x"]}"#],
    );
    check(
        r#"{"n": [{"anything-but": 5}]}"#,
        &[r#"{"n": 6}"#, r#"{"n": "5"}"#],
        &[r#"{"n": 5.0}"#],
    );
    check(
        r#"{"s": [{"anything-but": ["a", "b"]}]}"#,
        &[r#"{"s": "c"}"#],
        &[r#"{"s": "b"}"#],
    );
    check(
        r#"{"n": [{"anything-but": [1, 2]}]}"#,
        &[r#"{"n": 3}"#],
        &[r#"{"n": 2e0}"#],
    );
    check(
        r#"{"s": [{"anything-but": {"prefix": ["a", "b"]}}]}"#,
        &[r#"{"s": "cab"}"#, r#"{"s": 1}"#],
        &[r#"{"s": "bc"}"#],
    );
    check(
        r#"{"s": [{"anything-but": {"suffix": ".txt"}}]}"#,
        &[r#"{"s": "a.md"}"#],
        &[r#"{"s": "a.txt"}"#],
    );
    check(
        r#"{"s": [{"anything-but": {"equals-ignore-case": ["yes", "ß"]}}]}"#,
        &[r#"{"s": "ss"}"#],
        &[r#"{"s": "YES"}"#, r#"{"s": "SS"}"#],
    );
    check(
        r#"{"s": [{"anything-but": {"wildcard": "*/lib/*"}}]}"#,
        &[r#"{"s": "/usr/bin/x"}"#, r#"{"s": 3}"#],
        &[r#"{"s": "/usr/lib/x"}"#],
    );
}

#[test]
fn numeric() {
    check(
        r#"{"n": [{"numeric": [">", 0, "<=", 5]}]}"#,
        &[r#"{"n": 5}"#, r#"{"n": 1e-300}"#, r#"{"n": [-1, 2]}"#],
        &[
            r#"{"n": 0}"#,
            r#"{"n": -0}"#,
            r#"{"n": "3"}"#,
            r#"{"n": 5.000001}"#,
        ],
    );
    check(
        r#"{"n": [{"numeric": ["=", 301.8]}]}"#,
        &[r#"{"n": 3.018e2}"#],
        &[r#"{"n": 301.80001}"#],
    );
    check(
        r#"{"n": [{"numeric": [">=", 1e300]}]}"#,
        &[r#"{"n": 1e308}"#],
        &[r#"{"n": 1e400}"#],
    );
    assert_eq!(
        error(r#"{"n": [{"numeric": ["<", 1e400]}]}"#).message(),
        "Cannot compare number : 1e400"
    );
    assert_eq!(
        error(r#"{"n": [{"numeric": [">", 5, "<", 1]}]}"#).message(),
        "Bottom must be less than top"
    );
}

#[test]
fn exists() {
    check(
        r#"{"a": {"b": [{"exists": true}]}}"#,
        &[r#"{"a": {"b": null}}"#, r#"{"a": [{"c": 1}, {"b": 2}]}"#],
        &[r#"{"a": {"b": {"c": 1}}}"#, r#"{"a": {"b": []}}"#, r#"{}"#],
    );
    check(
        r#"{"a": {"b": [{"exists": false}]}}"#,
        &[
            r#"{}"#,
            r#"{"a": 1}"#,
            r#"{"a": {"b": {}}}"#,
            r#"{"a": {"b": []}}"#,
        ],
        &[r#"{"a": {"b": null}}"#, r#"{"a": [{"c": 1}, {"b": 2}]}"#],
    );
}

#[test]
fn cidr_and_ip_literals() {
    check(
        r#"{"ip": [{"cidr": "10.0.0.0/24"}]}"#,
        &[r#"{"ip": "10.0.0.255"}"#, r#"{"ip": "010.0.0.1"}"#],
        &[r#"{"ip": "10.0.1.0"}"#, r#"{"ip": "10.0.0.256"}"#],
    );
    check(
        r#"{"ip": [{"cidr": "2001:db8::/32"}]}"#,
        &[r#"{"ip": "2001:0DB8:0000:0000:0000:0000:0000:0001"}"#],
        &[r#"{"ip": "2001:db9::"}"#],
    );
    check(
        r#"{"ip": ["2001:db8::1"]}"#,
        &[r#"{"ip": "2001:0db8::0001"}"#],
        &[r#"{"ip": "2001:db8::2"}"#],
    );
    check(
        r#"{"ip": [{"exactly": "2001:db8::1"}]}"#,
        &[r#"{"ip": "2001:db8::1"}"#],
        &[r#"{"ip": "2001:db8::01"}"#],
    );
    assert_eq!(
        error(r#"{"ip": [{"cidr": "10.0.0.1/32"}]}"#).message(),
        "IPv4 mask bits must be < 32"
    );
}

#[test]
fn wildcard() {
    check(
        r#"{"arn": [{"wildcard": "arn:aws:events:us-east-1:*:event-bus/*"}]}"#,
        &[r#"{"arn": "arn:aws:events:us-east-1:123456789012:event-bus/default"}"#],
        &[r#"{"arn": "arn:aws:events:us-west-2:123456789012:event-bus/default"}"#],
    );
    check(
        r#"{"s": [{"wildcard": "a\\*b"}]}"#,
        &[r#"{"s": "a*b"}"#],
        &[r#"{"s": "axb"}"#],
    );
    let e = error(r#"{"s": [{"wildcard": "arn:aws:events:us-east-1:**:event-bus/*"}]}"#);
    assert_eq!(e.message(), "Consecutive wildcard characters at pos 26");
    assert_eq!(e.kind(), PatternErrorKind::Wildcard);
    let e = error(r#"{"s": [{"wildcard": "*:*:*:*:*:event-bus/*"}]}"#);
    assert_eq!(e.kind(), PatternErrorKind::TooComplex);
    // The limit is configurable.
    let mut b = Machine::builder();
    b.max_wildcard_complexity(10);
    b.add_rule("r", r#"{"s": [{"wildcard": "*:*:*:*:*:event-bus/*"}]}"#)
        .unwrap();
}

#[test]
fn or_and_structure() {
    check(
        r#"{"c": ["3"], "$or": [{"a": ["1"]}, {"$or": [{"b": ["2"]}, {"d": ["4"]}]}]}"#,
        &[r#"{"c": "3", "a": "1"}"#, r#"{"c": "3", "d": "4"}"#],
        &[r#"{"a": "1"}"#, r#"{"c": "3"}"#],
    );
    check(
        r#"{"a.b": ["1"]}"#,
        &[r#"{"a": {"b": "1"}}"#, r#"{"a.b": "1"}"#],
        &[r#"{"a": "1"}"#],
    );
    check(
        r#"{"a": ["1"], "a": ["2"]}"#,
        &[r#"{"a": "2"}"#],
        &[r#"{"a": "1"}"#],
    );
    check(
        r#"{"arr": {"x": ["1"], "y": ["2"]}}"#,
        &[r#"{"arr": [{"x": "1", "y": "2"}]}"#],
        &[r#"{"arr": [{"x": "1"}, {"y": "2"}]}"#],
    );
}

#[test]
fn same_name_twice_is_or() {
    let mut b = Machine::builder();
    b.add_rule("r", r#"{"a": ["1"]}"#).unwrap();
    b.add_rule("r", r#"{"b": ["2"]}"#).unwrap();
    let m = b.build();
    assert_eq!(m.rule_count(), 1);
    assert_eq!(m.matches(br#"{"b": "2"}"#).unwrap(), ["r"]);
    assert_eq!(m.matches(br#"{"a": "1", "b": "2"}"#).unwrap(), ["r"]);
}

#[test]
fn bad_patterns_have_positions() {
    for (text, kind) in [
        ("{\"a\": [\"x\"]} trailing", PatternErrorKind::Syntax),
        ("{\"a\": [\"\u{0}\"]}", PatternErrorKind::Syntax),
        ("[1]", PatternErrorKind::NotAnObject),
        ("{\"a\": []}", PatternErrorKind::Structure),
        ("{\"a\": {}}", PatternErrorKind::Structure),
        (
            "{\"a\": [{\"Prefix\": \"x\"}]}",
            PatternErrorKind::UnknownOperator,
        ),
        (
            "{\"a\": [{\"prefix\": [\"x\"]}]}",
            PatternErrorKind::Operand,
        ),
    ] {
        let e = error(text);
        assert_eq!(e.kind(), kind, "{text}: {e}");
        assert!(e.offset() <= text.len());
    }
    let bad_utf8: &[u8] = b"{\"a\": [\"\xff\"]}";
    let e = evmatch::Pattern::parse(bad_utf8).unwrap_err();
    assert_eq!((e.kind(), e.offset()), (PatternErrorKind::Syntax, 8));
    let e = error(r#"{"a": {"b": [{"numeric": [">", 0, "<"]}]}}"#);
    assert_eq!(e.message(), "Value of < must be numeric");
    assert_eq!(e.path(), "$.a.b[0].numeric[3]");
}

#[test]
fn a_bad_rule_leaves_the_builder_alone() {
    let mut b = Machine::builder();
    b.add_rule("good", r#"{"s": [{"prefix": "5"}]}"#).unwrap();
    assert!(b.add_rule("bad", r#"{"s": [{"prefix": 5}]}"#).is_err());
    let m = b.build();
    assert_eq!(m.rule_names().collect::<Vec<_>>(), ["good"]);
}

#[test]
fn limits() {
    let mut b = Machine::builder();
    b.max_pattern_len(10);
    assert_eq!(
        b.add_rule("r", r#"{"a": ["xxxxxxxx"]}"#)
            .unwrap_err()
            .kind(),
        PatternErrorKind::TooLarge
    );
    let mut b = Machine::builder();
    b.max_pattern_depth(3);
    assert_eq!(
        b.add_rule("r", r#"{"a": {"b": {"c": {"d": ["x"]}}}}"#)
            .unwrap_err()
            .kind(),
        PatternErrorKind::TooDeep
    );
    let deep = "{\"a\":".repeat(1_000_000);
    let mut b = Machine::builder();
    b.max_pattern_len(usize::MAX);
    assert_eq!(
        b.add_rule("r", &deep).unwrap_err().kind(),
        PatternErrorKind::TooDeep
    );
    assert_eq!(error(&deep).kind(), PatternErrorKind::TooLarge);
    let mut b = Machine::builder();
    b.max_or_combinations(3);
    let e = b
        .add_rule(
            "r",
            r#"{"$or": [{"a": ["1"]}, {"b": ["1"]}], "$or": [{"c": ["1"]}, {"d": ["1"]}]}"#,
        )
        .unwrap_err();
    assert_eq!(e.kind(), PatternErrorKind::TooManyCombinations);

    let m = Machine::builder().build();
    let deep_event = format!("{{\"a\":{}", "[".repeat(1_000_000));
    assert_eq!(
        m.matches(deep_event.as_bytes()).unwrap_err().kind(),
        EventErrorKind::TooDeep
    );
    let mut b = Machine::builder();
    b.max_event_depth(2);
    let m = b.build();
    assert_eq!(
        m.matches(br#"{"a": [[1]]}"#).unwrap_err().kind(),
        EventErrorKind::TooDeep
    );
    assert!(m.matches(br#"{"a": [1]}"#).is_ok());
}

#[test]
fn bad_events() {
    let mut b = Machine::builder();
    b.add_rule("r", r#"{"a": ["x"]}"#).unwrap();
    let m = b.build();
    for (event, kind, offset) in [
        (&b"[1]"[..], EventErrorKind::NotAnObject, 0),
        (b"  \"s\"", EventErrorKind::NotAnObject, 2),
        (b"plain string", EventErrorKind::Syntax, 0),
        (b"{\"a\": \"x\",}", EventErrorKind::Syntax, 10),
        (b"{\"a\": \"x\", \"b\": 012}", EventErrorKind::Syntax, 17),
        (b"{\"a\": \"\xc3\x28\"}", EventErrorKind::Syntax, 7),
        (b"{\"a\": \"x\"} {}", EventErrorKind::Syntax, 11),
        (b"", EventErrorKind::Syntax, 0),
    ] {
        let e = m.matches(event).unwrap_err();
        assert_eq!(
            (e.kind(), e.offset()),
            (kind, offset),
            "{:?}",
            String::from_utf8_lossy(event)
        );
    }
    // The engine words syntax errors as the reference does (finding F7).
    for ev in [&b"0n"[..], b"true1", b"null0", b"{\"a\": true1}"] {
        let want = evmatch::reference::Reference::new()
            .matches(ev)
            .unwrap_err();
        let got = m.matches(ev).unwrap_err();
        assert_eq!(
            (got.message(), got.offset()),
            (want.message(), want.offset())
        );
    }
    // Invalid JSON in a field no rule names is still an error.
    assert!(m.matches(br#"{"a": "x", "other": [1, 2,]}"#).is_err());
}

#[test]
fn huge_values() {
    let mut b = Machine::builder();
    b.add_rule(
        "r",
        r#"{"n": [{"numeric": [">", 0]}], "s": [{"prefix": "a"}]}"#,
    )
    .unwrap();
    let m = b.build();
    let digits = "9".repeat(10_000);
    let event = format!(r#"{{"n": {digits}, "s": "a"}}"#);
    assert!(m.matches(event.as_bytes()).unwrap().is_empty());
    let big = "a".repeat(1 << 20);
    let event = format!(r#"{{"n": 1, "s": "{big}"}}"#);
    assert_eq!(m.matches(event.as_bytes()).unwrap(), ["r"]);
}
