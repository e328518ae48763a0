//! `evmatch test`: runs conformance-format cases (see
//! testdata/conformance/README.md), comparing as tests/conformance.rs does.

use std::fmt::Write as _;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::PathBuf;

use evmatch::{Machine, PatternErrorKind, RuleId};
use serde_json::value::RawValue;
use serde_json::Value;

use crate::input::read_file;
use crate::{fail, io_text, Fail};

/// What one case gave: the rules rejected (name, message) in case order,
/// and for each event its sorted matches, or the error when it was refused.
struct Outcome {
    invalid: Vec<(String, evmatch::PatternError)>,
    events: Vec<Result<Vec<String>, evmatch::EventError>>,
}

fn run_case(rules: &serde_json::Map<String, Value>, events: &[Value]) -> Result<Outcome, String> {
    let mut builder = Machine::builder();
    let mut invalid = Vec::new();
    for (name, text) in rules {
        let text = text
            .as_str()
            .ok_or_else(|| format!("rule {name:?}: pattern text must be a string"))?;
        if let Err(e) = builder.add_rule(name, text) {
            invalid.push((name.clone(), e));
        }
    }
    let machine = builder.build();
    let mut scratch = machine.create_scratch();
    let mut ids: Vec<RuleId> = Vec::new();
    let mut results = Vec::with_capacity(events.len());
    for (i, event) in events.iter().enumerate() {
        let event = event
            .as_str()
            .ok_or_else(|| format!("event {i}: event text must be a string"))?;
        ids.clear();
        results.push(
            machine
                .find(&mut scratch, event.as_bytes(), &mut ids)
                .map(|()| {
                    let mut names: Vec<String> = ids
                        .iter()
                        .map(|&id| machine.rule_name(id).to_string())
                        .collect();
                    names.sort();
                    names
                }),
        );
    }
    Ok(Outcome {
        invalid,
        events: results,
    })
}

fn is_json(text: &str) -> bool {
    serde_json::from_str::<&RawValue>(text).is_ok()
}

/// The differences between what a case expects and what evmatch did, one
/// line each (empty when the case passes).
fn compare(case: &Value) -> Result<Vec<String>, String> {
    let rules = case["rules"]
        .as_object()
        .ok_or("\"rules\" must be an object")?;
    let events = case["events"]
        .as_array()
        .ok_or("\"events\" must be an array")?;
    let expect = &case["expect"];
    let want_invalid = expect["invalid"]
        .as_object()
        .ok_or("\"expect.invalid\" must be an object")?;
    let want_matches = expect["matches"]
        .as_array()
        .ok_or("\"expect.matches\" must be an array")?;
    let invalid_events: Vec<u64> = match expect.get("invalid_events") {
        None => Vec::new(),
        Some(v) => v
            .as_array()
            .and_then(|a| a.iter().map(Value::as_u64).collect())
            .ok_or("\"expect.invalid_events\" must be an array of indexes")?,
    };
    if want_matches.len() != events.len() {
        return Err(format!(
            "{} events but {} entries in \"expect.matches\"",
            events.len(),
            want_matches.len()
        ));
    }
    let got = run_case(rules, events)?;
    let mut diffs = Vec::new();
    for (name, text) in rules {
        let err = got.invalid.iter().find(|(n, _)| n == name).map(|(_, e)| e);
        match (err, want_invalid.get(name)) {
            (None, None) => {}
            (None, Some(msg)) => diffs.push(format!(
                "rule {name:?}: compiled, expected the error {}",
                msg
            )),
            (Some(e), None) => diffs.push(format!(
                "rule {name:?}: rejected ({}), expected it to compile",
                e.message()
            )),
            (Some(e), Some(msg)) => {
                let msg = msg.as_str().unwrap_or_default();
                let text = text.as_str().unwrap_or_default();
                // A pattern that is not JSON at all may be rejected with
                // evmatch's own syntax message.
                let syntax_ok = e.kind() == PatternErrorKind::Syntax && !is_json(text);
                if e.message() != msg && !syntax_ok {
                    diffs.push(format!(
                        "rule {name:?}: message {:?}, expected {:?}",
                        e.message(),
                        msg
                    ));
                }
            }
        }
    }
    for (i, (result, want)) in got.events.iter().zip(want_matches).enumerate() {
        if invalid_events.contains(&(i as u64)) {
            if let Ok(names) = result {
                diffs.push(format!(
                    "event {i}: accepted (matches {names:?}), expected it to be refused"
                ));
            }
            continue;
        }
        let want: Vec<&str> = want
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        match result {
            Err(e) => diffs.push(format!("event {i}: refused: {e}")),
            Ok(names) if *names != want => {
                diffs.push(format!("event {i}: got {names:?}, expected {want:?}"))
            }
            Ok(_) => {}
        }
    }
    Ok(diffs)
}

/// The `--emit` line for a case: what evmatch does, in the case format.
fn emit(case: &Value) -> Result<String, String> {
    let rules = case["rules"]
        .as_object()
        .ok_or("\"rules\" must be an object")?;
    let events = case["events"]
        .as_array()
        .ok_or("\"events\" must be an array")?;
    let got = run_case(rules, events)?;
    let invalid: serde_json::Map<String, Value> = got
        .invalid
        .iter()
        .map(|(name, e)| {
            let first = e.message().lines().next().unwrap_or_default();
            (name.clone(), Value::from(first))
        })
        .collect();
    let matches: Vec<Value> = got
        .events
        .iter()
        .map(|r| match r {
            Ok(names) => Value::from(names.clone()),
            Err(_) => Value::Array(Vec::new()),
        })
        .collect();
    let invalid_events: Vec<usize> = got
        .events
        .iter()
        .enumerate()
        .filter(|(_, r)| r.is_err())
        .map(|(i, _)| i)
        .collect();
    let mut line = String::new();
    let _ = write!(
        line,
        "{{\"id\": {}, \"invalid\": {}, \"matches\": {}, \"invalid_events\": {}}}",
        case["id"],
        Value::Object(invalid),
        Value::Array(matches),
        serde_json::to_string(&invalid_events).expect("indexes serialise"),
    );
    Ok(line)
}

pub fn run(files: &[PathBuf], emit_mode: bool) -> Result<u8, Fail> {
    // Open (and map) every file first, so a missing one is reported before
    // any output.
    let mut inputs = Vec::new();
    for path in files {
        let label = path.display().to_string();
        let data = std::fs::File::open(path)
            .and_then(|mut f| read_file(&mut f))
            .map_err(|e| fail(format!("{label}: {}", io_text(&e))))?;
        inputs.push((label, data));
    }
    let stdout = io::stdout();
    let tty = stdout.is_terminal();
    let mut out = BufWriter::new(stdout.lock());
    let (mut passed, mut failed) = (0u64, 0u64);
    let write = |out: &mut BufWriter<io::StdoutLock>, text: &str| -> io::Result<()> {
        writeln!(out, "{text}")?;
        if tty {
            out.flush()?;
        }
        Ok(())
    };
    let result = (|| -> io::Result<()> {
        for (label, data) in &inputs {
            for (n, line) in data.split(|&b| b == b'\n').enumerate() {
                let lineno = n + 1;
                if line.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                let case: Value = match serde_json::from_slice(line) {
                    Ok(v @ Value::Object(_)) => v,
                    other => {
                        failed += 1;
                        let why = match other {
                            Err(e) => e.to_string(),
                            Ok(_) => "expected a JSON object".to_string(),
                        };
                        if emit_mode {
                            eprintln!("evmatch: {label}:{lineno}: not a test case: {why}");
                        } else {
                            write(
                                &mut out,
                                &format!("FAIL {label}:{lineno}: not a test case: {why}"),
                            )?;
                        }
                        continue;
                    }
                };
                let id = match &case["id"] {
                    Value::String(s) => s.clone(),
                    _ => format!("{label}:{lineno}"),
                };
                if emit_mode {
                    match emit(&case) {
                        Ok(text) => write(&mut out, &text)?,
                        Err(e) => {
                            failed += 1;
                            eprintln!("evmatch: {label}:{lineno}: case {id}: {e}");
                        }
                    }
                    continue;
                }
                match compare(&case) {
                    Ok(diffs) if diffs.is_empty() => passed += 1,
                    Ok(diffs) => {
                        failed += 1;
                        let mut text = format!("FAIL {id} ({label}:{lineno})");
                        for d in diffs {
                            text.push_str("\n    ");
                            text.push_str(&d);
                        }
                        write(&mut out, &text)?;
                    }
                    Err(e) => {
                        failed += 1;
                        write(
                            &mut out,
                            &format!("FAIL {id} ({label}:{lineno})\n    bad case: {e}"),
                        )?;
                    }
                }
            }
        }
        if !emit_mode {
            writeln!(out, "{passed} passed, {failed} failed")?;
        }
        out.flush()
    })();
    match result {
        Ok(()) => Ok(if failed == 0 { 0 } else { 1 }),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(0),
        Err(e) => Err(fail(format!("standard output: {}", io_text(&e)))),
    }
}
