//! The check of arbitrary bytes as a pattern, made by the `compile` fuzz
//! target and by `tests/regressions.rs` on the committed inputs.

use evmatch::reference::Reference;
use evmatch::{Limits, Machine, Pattern, PatternError};

use crate::compare::answer;

/// Events a compiled pattern runs over: scalars of every kind, arrays of
/// objects, dotted names, inexact numbers, an empty object.
pub const EVENTS: &[&[u8]] = &[
    br#"{"a": "alpha", "b": 1, "n": 10, "s": "prod-eu", "ip": "10.0.0.1"}"#,
    br#"{"a": ["x", 1, true, null], "o": {"x": "y", "y": [1.5, "10.0.0.255"]}}"#,
    br#"{"arr": [{"x": "alpha", "y": 2}, {"x": "beta", "z": {"w": null}}], "a.b": "c"}"#,
    br#"{"a": {"b": {"c": "ALPHA"}}, "n": -0, "s": "", "detail": {"state": "stopped"}}"#,
    br#"{"source": "aws.ec2", "detail-type": "x", "detail": {"x": [{"y": 9007199254740993}]}}"#,
    br#"{}"#,
];

/// A rule added beside the pattern under test, so that two rules share the
/// machine's indexes.
const NEIGHBOUR: &[u8] = br#"{"a": [{"exists": true}]}"#;

/// Checks `data` as a pattern, or gives the first failure:
///
/// * compiling gives `Ok` or a [`PatternError`] that holds up (see
///   [`check_error`]); so does compiling with tight limits chosen by the
///   input's length;
/// * a pattern that compiles, beside a neighbour rule, in a plain and a
///   trusted-input machine, matches the [`EVENTS`] as the reference does.
///
/// ```
/// use evmatch_testkit::compile::check;
/// check(br#"{"a": [{"prefix": "al"}]}"#).unwrap();
/// check(br#"{"a": [{"prefix": 1}]}"#).unwrap();
/// check(b"\xff").unwrap();
/// ```
pub fn check(data: &[u8]) -> Result<(), String> {
    let result = Pattern::parse(data);
    match &result {
        Ok(p) if p.branch_count() == 0 => return Err("a pattern without branches".into()),
        Ok(_) => {}
        Err(e) => check_error(data, e)?,
    }
    let tight = Limits {
        max_pattern_len: 64 + data.len() % 512,
        max_pattern_depth: 1 + data.len() % 8,
        max_or_combinations: 1 + data.len() % 16,
        max_wildcard_complexity: data.len() % 4,
    };
    if let Err(e) = Pattern::parse_with(data, &tight) {
        check_error(data, &e).map_err(|m| format!("tight limits {tight:?}: {m}"))?;
    }
    if result.is_err() {
        return Ok(());
    }
    let mut b = Machine::builder();
    let mut t = Machine::builder();
    t.trusted_input(true);
    let mut r = Reference::new();
    for (name, p) in [("p", data), ("q", NEIGHBOUR)] {
        let refused = |e| format!("rule {name}: refused after Pattern::parse accepted it: {e:?}");
        b.add_rule(name, p).map_err(refused)?;
        t.add_rule(name, p).map_err(refused)?;
        r.add_rule(name, p).map_err(refused)?;
    }
    let (m, tm) = (b.build(), t.build());
    for ev in EVENTS {
        let show = String::from_utf8_lossy(ev);
        let want = r
            .matches(ev)
            .map_err(|e| format!("the reference refuses {show}: {e:?}"))?;
        for (what, machine) in [("machine", &m), ("trusted machine", &tm)] {
            let got = answer(machine, ev);
            if got.as_ref().ok() != Some(&want) {
                return Err(format!("{what} {got:?}, reference {want:?} on {show}"));
            }
        }
    }
    Ok(())
}

/// A pattern error that holds up: its offset is within `data`, its
/// message one non-empty line, its path starts at `$`, its kind has a known
/// code, and its formats (`Display`, `annotate`) do not panic.
pub fn check_error(data: &[u8], e: &PatternError) -> Result<(), String> {
    let fault = if e.offset() > data.len() {
        format!("offset past the end ({} bytes)", data.len())
    } else if e.message().is_empty() {
        "empty message".into()
    } else if e.message().contains('\n') {
        "a message of several lines".into()
    } else if !e.path().starts_with('$') {
        "a path not from $".into()
    } else if !(1..=12).contains(&e.kind().code()) {
        "an unknown kind code".into()
    } else {
        let _ = e.to_string();
        match std::str::from_utf8(data) {
            Ok(text) if !e.annotate(text).ends_with('^') => "annotate does not end at ^".into(),
            _ => return Ok(()),
        }
    };
    Err(format!("{fault}: {e:?}"))
}
