//! `compile`: arbitrary bytes as a pattern. Compiling must give `Ok` or a
//! typed [`evmatch::PatternError`] (never a panic) whose offset is at most
//! the input length and whose message is one non-empty line; the error
//! formats (`Display`, `annotate`) must not panic either. A pattern that
//! compiles is also built into a machine (plain and trusted-input) and run,
//! with the reference evaluator, over a few fixed events, which must agree.
//! Tight limits (length, depth, `$or` combinations, wildcard complexity)
//! are exercised on a second compile, chosen by the input's length.
#![no_main]

use evmatch::reference::Reference;
use evmatch::{Limits, Machine, Pattern};
use libfuzzer_sys::fuzz_target;

const EVENTS: &[&[u8]] = &[
    br#"{"a": "alpha", "b": 1, "n": 10, "s": "prod-eu", "ip": "10.0.0.1"}"#,
    br#"{"a": ["x", 1, true, null], "o": {"x": "y", "y": [1.5, "10.0.0.255"]}}"#,
    br#"{"arr": [{"x": "alpha", "y": 2}, {"x": "beta", "z": {"w": null}}], "a.b": "c"}"#,
    br#"{"a": {"b": {"c": "ALPHA"}}, "n": -0, "s": "", "detail": {"state": "stopped"}}"#,
    br#"{"source": "aws.ec2", "detail-type": "x", "detail": {"x": [{"y": 9007199254740993}]}}"#,
    br#"{}"#,
];

fuzz_target!(|data: &[u8]| {
    let result = Pattern::parse(data);
    match &result {
        Ok(p) => assert!(p.branch_count() >= 1),
        Err(e) => check_error(data, e),
    }
    // The same bytes with tight limits: a typed error or Ok, never a panic.
    let tight = Limits {
        max_pattern_len: 64 + data.len() % 512,
        max_pattern_depth: 1 + data.len() % 8,
        max_or_combinations: 1 + data.len() % 16,
        max_wildcard_complexity: data.len() % 4,
    };
    if let Err(e) = Pattern::parse_with(data, &tight) {
        check_error(data, &e);
    }
    if result.is_err() {
        return;
    }
    let mut b = Machine::builder();
    let mut t = Machine::builder();
    t.trusted_input(true);
    let mut r = Reference::new();
    b.add_rule("p", data).unwrap();
    t.add_rule("p", data).unwrap();
    r.add_rule("p", data).unwrap();
    // A second rule under the same name and a neighbour, so that several
    // rules share the indexes.
    b.add_rule("q", br#"{"a": [{"exists": true}]}"#).unwrap();
    t.add_rule("q", br#"{"a": [{"exists": true}]}"#).unwrap();
    r.add_rule("q", br#"{"a": [{"exists": true}]}"#).unwrap();
    let (m, tm) = (b.build(), t.build());
    for ev in EVENTS {
        let want = r.matches(ev).unwrap();
        let mut got: Vec<String> = m
            .matches(ev)
            .unwrap()
            .into_iter()
            .map(String::from)
            .collect();
        got.sort();
        let mut tgot: Vec<String> = tm
            .matches(ev)
            .unwrap()
            .into_iter()
            .map(String::from)
            .collect();
        tgot.sort();
        assert_eq!(
            got,
            want,
            "machine vs reference on {}\npattern {}",
            String::from_utf8_lossy(ev),
            String::from_utf8_lossy(data)
        );
        assert_eq!(tgot, want, "trusted machine vs reference");
    }
});

fn check_error(data: &[u8], e: &evmatch::PatternError) {
    assert!(
        e.offset() <= data.len(),
        "offset {} past the end ({} bytes): {e:?}",
        e.offset(),
        data.len()
    );
    assert!(!e.message().is_empty(), "empty message: {e:?}");
    // One line (finding F2, fixed in a966ad3: messages used to echo
    // newlines from the pattern).
    assert!(
        !e.message().contains('\n'),
        "message of several lines: {e:?}"
    );
    assert!(e.path().starts_with('$'), "path not from $: {e:?}");
    assert!((1..=12).contains(&e.kind().code()), "kind code: {e:?}");
    let _ = e.to_string();
    if let Ok(text) = std::str::from_utf8(data) {
        let a = e.annotate(text);
        assert!(a.ends_with('^'));
    }
}
