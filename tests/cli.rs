//! Runs the `evmatch` binary on examples/ and on bad input, checking output
//! and exit status.

#![cfg(feature = "cli")]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_evmatch");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Runs evmatch in the crate root with `args` and `stdin`.
fn run(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .current_dir(ROOT)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run evmatch");
    // Written from another thread, so that output larger than a pipe's
    // buffer cannot stall both ends.
    let mut input = child.stdin.take().unwrap();
    let stdin = stdin.to_string();
    let writer = std::thread::spawn(move || {
        // evmatch may exit before reading its input (a bad rules file): a
        // broken pipe here is expected then.
        let _ = input.write_all(stdin.as_bytes());
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn status(o: &Output) -> i32 {
    o.status.code().expect("exited normally")
}

/// A file in a per-test scratch folder.
fn temp_file(test: &str, name: &str, contents: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("cli")
        .join(test);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

const EXAMPLE_OUTPUT: &str = r#"["ec2-instance-stopped"]
[]
["s3-csv-uploaded"]
[]
["large-order"]
["console-signin-outside-us"]
["guardduty-urgent-finding"]
["guardduty-urgent-finding"]
["large-order"]
"#;

#[test]
fn match_examples() {
    let o = run(
        &[
            "match",
            "--rules",
            "examples/rules.json",
            "examples/events.jsonl",
        ],
        "",
    );
    assert_eq!(stdout(&o), EXAMPLE_OUTPUT);
    assert_eq!(stderr(&o), "");
    assert_eq!(status(&o), 0);

    // examples/bad-events.jsonl holds invalid events on purpose: each gets
    // an error object on its own line, and the exit status is 3.
    let o = run(
        &[
            "match",
            "--rules",
            "examples/rules.json",
            "examples/bad-events.jsonl",
        ],
        "",
    );
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert_eq!(lines[0], r#"["ec2-instance-stopped"]"#);
    assert_eq!(
        lines[1],
        r#"{"error": "Unexpected end of input", "offset": 269, "line": 2}"#
    );
    assert!(lines[2].starts_with(r#"{"error": "#), "{out}");
    assert_eq!(status(&o), 3);
}

#[test]
fn match_reads_stdin_and_skips_empty_lines() {
    let events = std::fs::read_to_string(format!("{ROOT}/examples/events.jsonl")).unwrap();
    let input = events.replace('\n', "\n\n").replace('\n', "\r\n");
    let o = run(&["match", "--rules", "examples/rules.json"], &input);
    assert_eq!(stdout(&o), EXAMPLE_OUTPUT);
    assert_eq!(status(&o), 0);
    let o = run(&["match", "--rules", "examples/rules.json", "-"], &input);
    assert_eq!(stdout(&o), EXAMPLE_OUTPUT);
}

#[test]
fn match_sorts_names_and_reports_bad_events() {
    let rules = temp_file(
        "sorts",
        "rules.json",
        r#"{"zeta": {"a": [1]}, "alpha": "{\"a\": [{\"numeric\": [\">\", 0]}]}", "mid": {"b": [{"exists": false}]}}"#,
    );
    let input =
        "{\"a\": 1}\n{\"a\": 2, \"b\": 0}\n[1]\n{\"a\": [1, 2,]}\nnot json\n{\"c\": true}\n";
    let o = run(&["match", "--rules", rules.to_str().unwrap()], input);
    assert_eq!(
        stdout(&o),
        r#"["alpha","mid","zeta"]
["alpha"]
{"error": "Event must be a JSON object", "offset": 0, "line": 3}
{"error": "Unexpected character (']' (code 93))", "offset": 12, "line": 4}
{"error": "Unexpected character ('o' (code 111))", "offset": 1, "line": 5}
["mid"]
"#
    );
    assert_eq!(status(&o), 3);

    // All valid: exit status 0.
    let o = run(
        &["match", "--rules", rules.to_str().unwrap()],
        "{\"a\": 1}\n",
    );
    assert_eq!(stdout(&o), "[\"alpha\",\"mid\",\"zeta\"]\n");
    assert_eq!(status(&o), 0);
}

#[test]
fn match_count() {
    let o = run(
        &[
            "match",
            "--rules",
            "examples/rules.json",
            "--count",
            "examples/events.jsonl",
        ],
        "",
    );
    assert_eq!(
        stdout(&o),
        "{\"events\": 9, \"matched_events\": 7, \"matches\": 7, \"invalid_events\": 0}\n"
    );
    assert_eq!(status(&o), 0);
}

#[test]
fn match_filter_and_rule() {
    let events = std::fs::read_to_string(format!("{ROOT}/examples/events.jsonl")).unwrap();
    let lines: Vec<&str> = events.lines().collect();
    let o = run(
        &[
            "match",
            "--rules",
            "examples/rules.json",
            "--filter",
            "--rule",
            "large-order",
            "--rule",
            "ec2-instance-stopped",
            "examples/events.jsonl",
        ],
        "",
    );
    assert_eq!(
        stdout(&o),
        format!("{}\n{}\n{}\n", lines[0], lines[4], lines[8])
    );
    assert_eq!(status(&o), 0);
    let o = run(
        &[
            "match",
            "--rules",
            "examples/rules.json",
            "--filter",
            "examples/bad-events.jsonl",
        ],
        "",
    );
    assert!(
        stderr(&o).contains("examples/bad-events.jsonl:2: invalid event"),
        "{}",
        stderr(&o)
    );
    assert_eq!(status(&o), 3);

    let o = run(
        &[
            "match",
            "--rules",
            "examples/rules.json",
            "--rule",
            "large-order",
            "--count",
            "examples/events.jsonl",
        ],
        "",
    );
    assert_eq!(
        stdout(&o),
        "{\"events\": 9, \"matched_events\": 2, \"matches\": 2, \"invalid_events\": 0}\n"
    );

    let o = run(
        &["match", "--rules", "examples/rules.json", "--rule", "nope"],
        "",
    );
    assert_eq!(status(&o), 2);
    assert!(stderr(&o).contains("--rule \"nope\": no such rule"));
}

#[test]
fn missing_files() {
    let o = run(
        &["match", "--rules", "examples/rules.json", "missing.jsonl"],
        "",
    );
    assert_eq!(
        stderr(&o),
        "evmatch: missing.jsonl: No such file or directory\n"
    );
    assert_eq!(stdout(&o), "");
    assert_eq!(status(&o), 2);

    let o = run(&["match", "--rules", "missing-rules.json"], "");
    assert_eq!(
        stderr(&o),
        "evmatch: missing-rules.json: No such file or directory\n"
    );
    assert_eq!(status(&o), 2);

    let o = run(&["check", "missing.json"], "");
    assert_eq!(status(&o), 2);
    let o = run(&["test", "missing.jsonl"], "");
    assert_eq!(status(&o), 2);
}

#[test]
fn malformed_rules_file() {
    let path = temp_file(
        "malformed",
        "rules.json",
        "{\n  \"r\": {\"a\": [1]},\n  \"s\": \n}\n",
    );
    let p = path.to_str().unwrap();
    let o = run(&["match", "--rules", p], "");
    assert_eq!(status(&o), 2);
    assert!(
        stderr(&o).starts_with(&format!("evmatch: {p}:4:1: expected value")),
        "{}",
        stderr(&o)
    );

    let path = temp_file("malformed", "array.json", "[{\"a\": [1]}]");
    let o = run(&["match", "--rules", path.to_str().unwrap()], "");
    assert_eq!(status(&o), 2);
    assert!(stderr(&o).contains("not a rules file"), "{}", stderr(&o));

    let path = temp_file("malformed", "value.json", "{\"r\": [1]}");
    let o = run(&["match", "--rules", path.to_str().unwrap()], "");
    assert_eq!(status(&o), 2);
    assert!(
        stderr(&o).contains(":1: rule \"r\": a pattern must be a JSON object or a string"),
        "{}",
        stderr(&o)
    );
}

const BAD_RULES: &str = r#"{
  "good": {"source": ["aws.ec2"]},
  "x": {"detail": {"key": [{"prefix": 5}]}},
  "y": "{\"n\": [{\"numeric\": [\">\", \"z\"]}]}"
}
"#;

#[test]
fn invalid_pattern_in_rules_file() {
    let path = temp_file("invalid", "rules.json", BAD_RULES);
    let p = path.to_str().unwrap();
    let expected = format!(
        r#"evmatch: {p}:3: rule "x": prefix match pattern must be a string
    at $.detail.key[0].prefix
      "x": {{"detail": {{"key": [{{"prefix": 5}}]}}}},
                                          ^
evmatch: {p}:4: rule "y": Value of > must be numeric
    at $.n[0].numeric[1]
    {{"n": [{{"numeric": [">", "z"]}}]}}
                             ^
"#
    );
    let o = run(&["match", "--rules", p], "{}\n");
    assert_eq!(stderr(&o), expected);
    assert_eq!(stdout(&o), "");
    assert_eq!(status(&o), 2);

    let o = run(&["check", p], "");
    assert_eq!(
        stderr(&o),
        format!("{expected}evmatch: {p}: 2 of 3 rules invalid\n")
    );
    assert_eq!(status(&o), 2);
}

#[test]
fn check_files() {
    let o = run(&["check", "examples/rules.json"], "");
    assert_eq!(stdout(&o), "ok: 5 rules\n");
    assert_eq!(status(&o), 0);

    // A file with a member that is not an object or string is one pattern.
    let path = temp_file(
        "check",
        "pattern.json",
        "{\"source\": [\"aws.ec2\"],\n \"detail\": {\"state\": \"stopped\"}}",
    );
    let p = path.to_str().unwrap();
    let o = run(&["check", p], "");
    assert_eq!(
        stderr(&o),
        format!(
            "evmatch: {p}:2: \"state\" must be an object or an array\n    at $.detail.state\n     \"detail\": {{\"state\": \"stopped\"}}}}\n                         ^\n"
        )
    );
    assert_eq!(status(&o), 2);

    // Only objects: a rules file, unless --single.
    let path = temp_file(
        "check",
        "objects.json",
        "{\"detail\": {\"state\": [\"stopped\"]}}",
    );
    let p = path.to_str().unwrap();
    assert_eq!(stdout(&run(&["check", p], "")), "ok: 1 rule\n");
    let o = run(&["check", "--single", p], "");
    assert_eq!(stdout(&o), "ok: 1 rule\n");
    assert_eq!(status(&o), 0);

    // Not JSON at all: a syntax error with a caret.
    let path = temp_file("check", "broken.json", "{\"a\": [1,]}");
    let o = run(&["check", path.to_str().unwrap()], "");
    assert_eq!(status(&o), 2);
    assert!(
        stderr(&o).contains("\n    {\"a\": [1,]}\n"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn conformance_corpus() {
    let o = run(
        &[
            "test",
            "testdata/conformance/aws-validated.jsonl",
            "testdata/conformance/edge-cases.jsonl",
            "testdata/conformance/generated.jsonl",
        ],
        "",
    );
    let out = stdout(&o);
    assert!(out.trim_end().ends_with(" 0 failed"), "{out}");
    assert_eq!(status(&o), 0);
}

const CASES: &str = r#"{"id": "t-1", "rules": {"r": "{\"a\":[1]}", "bad": "{\"a\":[{\"prefix\":5}]}"}, "events": ["{\"a\":1}", "[1]", "{\"a\":2}"], "expect": {"invalid": {"bad": "prefix match pattern must be a string"}, "matches": [["r"], [], []], "invalid_events": [1]}}
{"id": "t-2", "rules": {"r": "{\"a\":[1]}"}, "events": ["{\"a\":1}"], "expect": {"invalid": {"r": "wrong"}, "matches": [[]]}}
"#;

#[test]
fn test_reports_failures_and_emits() {
    let path = temp_file("cases", "cases.jsonl", CASES);
    let p = path.to_str().unwrap();
    let o = run(&["test", p], "");
    assert_eq!(
        stdout(&o),
        format!(
            "FAIL t-2 ({p}:2)\n    rule \"r\": compiled, expected the error \"wrong\"\n    event 0: got [\"r\"], expected []\n1 passed, 1 failed\n"
        )
    );
    assert_eq!(status(&o), 1);

    let o = run(&["test", "--emit", p], "");
    assert_eq!(
        stdout(&o),
        r#"{"id": "t-1", "invalid": {"bad":"prefix match pattern must be a string"}, "matches": [["r"],[],[]], "invalid_events": [1]}
{"id": "t-2", "invalid": {}, "matches": [["r"]], "invalid_events": []}
"#
    );
    assert_eq!(status(&o), 0);
}

#[test]
fn bench_runs() {
    let o = run(
        &[
            "bench",
            "--rules",
            "examples/rules.json",
            "examples/events.jsonl",
            "--iterations",
            "2",
        ],
        "",
    );
    assert_eq!(status(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("rules:            5\n"), "{out}");
    assert!(out.contains("matches per pass: 7\n"), "{out}");
    assert!(out.contains("events/s:"), "{out}");
    assert!(out.contains("MB/s:"), "{out}");
    // Not a terminal: no progress on stderr.
    assert_eq!(stderr(&o), "");
}

#[test]
fn help_and_usage_errors() {
    for cmd in ["match", "check", "test", "bench"] {
        let o = run(&[cmd, "--help"], "");
        assert_eq!(status(&o), 0);
        assert!(stdout(&o).contains("Example"), "{cmd}: {}", stdout(&o));
    }
    let o = run(&["match"], "");
    assert_eq!(status(&o), 2);
    let o = run(
        &[
            "match",
            "--rules",
            "examples/rules.json",
            "--count",
            "--filter",
        ],
        "",
    );
    assert_eq!(status(&o), 2);
}

/// JSON Lines with every kind of line: valid events (some with `\r\n`),
/// invalid ones, empty and blank lines, and a last line without `\n`.
fn mixed_events() -> String {
    let events = std::fs::read_to_string(format!("{ROOT}/examples/events.jsonl")).unwrap();
    let valid: Vec<&str> = events.lines().collect();
    let invalid = [
        "[1]",
        "{\"source\": \"aws.ec2\"",
        "not json",
        "{\"detail\": {\"total\": 5,}}",
    ];
    let mut out = String::new();
    for i in 0..400 {
        match i % 23 {
            5 | 17 => out.push_str(invalid[i % invalid.len()]),
            8 => {}
            12 => out.push_str("   "),
            _ => out.push_str(valid[i % valid.len()]),
        }
        out.push_str(if i % 6 == 0 { "\r\n" } else { "\n" });
    }
    out.push_str(valid[0]);
    out
}

/// Every output mode, as `match` arguments.
const MODES: [&[&str]; 5] = [
    &[],
    &["--count"],
    &["--filter"],
    &["--rule", "large-order", "--rule", "ec2-instance-stopped"],
    &["--filter", "--rule", "large-order"],
];

#[test]
fn jobs_and_chunks_do_not_change_the_output() {
    let input = mixed_events();
    let path = temp_file("jobs", "events.jsonl", &input);
    let p = path.to_str().unwrap();
    for mode in MODES {
        let with = |extra: &[&str], file: Option<&str>| {
            let mut args = vec!["match", "--rules", "examples/rules.json"];
            args.extend_from_slice(mode);
            args.extend_from_slice(extra);
            let o = match file {
                Some(f) => run(&[&args[..], &[f]].concat(), ""),
                None => run(&args, &input),
            };
            // Standard input is named as such in reports: make them comparable.
            let err = stderr(&o).replace(p, "standard input");
            (stdout(&o), err, status(&o))
        };
        let expected = with(&["--jobs", "1"], Some(p));
        assert_eq!(expected.2, 3, "{mode:?}");
        assert!(!expected.0.is_empty(), "{mode:?}");
        if mode.is_empty() {
            // Each error object names the physical line of its event.
            let bad_lines: Vec<String> = input
                .split('\n')
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with("{\"version\""))
                .map(|(i, _)| format!(", \"line\": {}}}", i + 1))
                .collect();
            let reported: Vec<&str> = expected
                .0
                .lines()
                .filter_map(|l| l.find(", \"line\": ").map(|i| &l[i..]))
                .collect();
            assert_eq!(bad_lines.len(), 35);
            assert_eq!(reported, bad_lines);
        }
        for chunk in ["1", "100", "4096"] {
            for jobs in ["1", "4"] {
                for file in [Some(p), None] {
                    let got = with(&["--jobs", jobs, "--chunk-size", chunk], file);
                    assert!(
                        got == expected,
                        "{mode:?} --jobs {jobs} --chunk-size {chunk} {file:?}:\n{}\n{}",
                        got.0,
                        got.1
                    );
                }
            }
        }
        assert!(with(&["--jobs", "4"], Some(p)) == expected, "{mode:?}");
    }
}

#[test]
fn several_files_are_matched_in_order() {
    let a = temp_file("order", "a.jsonl", "{\"a\": 1}\n\n[2]\n");
    let b = temp_file("order", "b.jsonl", "[3]\n{\"a\": 1}");
    let rules = temp_file("order", "rules.json", r#"{"r": {"a": [1]}}"#);
    let (a, b, r) = (
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        rules.to_str().unwrap(),
    );
    for jobs in ["1", "2"] {
        let o = run(
            &[
                "match",
                "--rules",
                r,
                "--jobs",
                jobs,
                "--chunk-size",
                "1",
                a,
                "-",
                b,
            ],
            "{\"a\": 1}\nx\n",
        );
        assert_eq!(
            stdout(&o),
            r#"["r"]
{"error": "Event must be a JSON object", "offset": 0, "line": 3}
["r"]
{"error": "Unexpected character ('x' (code 120))", "offset": 0, "line": 2}
{"error": "Event must be a JSON object", "offset": 0, "line": 1}
["r"]
"#
        );
        assert_eq!(status(&o), 3);
        let o = run(
            &["match", "--rules", r, "--filter", "--jobs", jobs, a, "-", b],
            "x\n",
        );
        assert_eq!(stdout(&o), "{\"a\": 1}\n{\"a\": 1}\n");
        assert_eq!(
            stderr(&o),
            format!(
                "evmatch: {a}:3: invalid event: Event must be a JSON object at offset 0\n\
                 evmatch: standard input:1: invalid event: Unexpected character ('x' (code 120)) at offset 0\n\
                 evmatch: {b}:1: invalid event: Event must be a JSON object at offset 0\n"
            )
        );
    }
}

#[test]
fn jobs_must_be_positive() {
    let o = run(
        &["match", "--rules", "examples/rules.json", "--jobs", "0"],
        "",
    );
    assert_eq!(status(&o), 2);
    let o = run(
        &[
            "bench",
            "--rules",
            "examples/rules.json",
            "--jobs",
            "0",
            "examples/events.jsonl",
        ],
        "",
    );
    assert_eq!(status(&o), 2);
}

#[test]
fn bench_on_several_threads() {
    let path = temp_file("bench", "events.jsonl", &mixed_events());
    for jobs in ["1", "3"] {
        let o = run(
            &[
                "bench",
                "--rules",
                "examples/rules.json",
                "--jobs",
                jobs,
                "--iterations",
                "3",
                path.to_str().unwrap(),
            ],
            "",
        );
        assert_eq!(status(&o), 0, "{}", stderr(&o));
        let out = stdout(&o);
        assert!(out.contains("events per pass:  366 "), "{out}");
        assert!(out.contains(", 35 invalid\n"), "{out}");
        assert!(out.contains("matches per pass: 256\n"), "{out}");
    }
}

const CONTRACT: &str = "Trusted input: the caller promises that each event is valid JSON (RFC 8259) and that no object repeats a member name. If the promise is broken the answers are unspecified, but there is still no panic, no undefined behaviour, no read outside the event, and no unbounded time or memory.";

#[test]
fn trusted_input() {
    for cmd in ["match", "bench"] {
        let help = stdout(&run(&[cmd, "--help"], ""));
        let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(help.contains(CONTRACT), "{cmd}: {help}");
        assert!(help.contains("--trusted"), "{cmd}");
    }

    // Valid events: the same answers.
    let plain = run(
        &[
            "match",
            "--rules",
            "examples/rules.json",
            "examples/events.jsonl",
        ],
        "",
    );
    let trusted = run(
        &[
            "match",
            "--rules",
            "examples/rules.json",
            "--trusted",
            "examples/events.jsonl",
        ],
        "",
    );
    assert_eq!(stdout(&trusted), stdout(&plain));
    assert_eq!(status(&trusted), 0);

    // Invalid JSON inside a value no rule names: refused when validating,
    // not read closely when trusted.
    let rules = temp_file("trusted", "rules.json", r#"{"r": {"a": [1]}}"#);
    let r = rules.to_str().unwrap();
    let event = "{\"a\": 1, \"junk\": [1,,2]}\n";
    let o = run(&["match", "--rules", r], event);
    assert_eq!(status(&o), 3);
    assert!(stdout(&o).starts_with("{\"error\": "), "{}", stdout(&o));
    let o = run(&["match", "--rules", r, "--trusted"], event);
    assert_eq!(status(&o), 0, "{}", stdout(&o));
    assert!(!stdout(&o).contains("error"), "{}", stdout(&o));

    let o = run(
        &[
            "bench",
            "--rules",
            "examples/rules.json",
            "--trusted",
            "--iterations",
            "1",
            "examples/events.jsonl",
        ],
        "",
    );
    assert_eq!(status(&o), 0);
    assert!(stdout(&o).contains("matches per pass: 7\n"));
}

#[test]
fn check_warns() {
    // An empty rules file.
    let path = temp_file("warn", "empty.json", "{}\n");
    let p = path.to_str().unwrap();
    let o = run(&["check", p], "");
    assert_eq!(
        stderr(&o),
        format!("evmatch: {p}: warning: no rules (the file is an empty object)\n")
    );
    assert_eq!(stdout(&o), "ok: 0 rules\n");
    assert_eq!(status(&o), 0);
    let o = run(&["check", "--strict", p], "");
    assert_eq!(
        stderr(&o),
        format!(
            "evmatch: {p}: warning: no rules (the file is an empty object)\n\
             evmatch: {p}: 1 warning (--strict)\n"
        )
    );
    assert_eq!(stdout(&o), "");
    assert_eq!(status(&o), 2);

    // A name given twice: the later rule wins, as `match` does.
    let path = temp_file(
        "warn",
        "twice.json",
        "{\n  \"a\": {\"x\": [1]},\n  \"b\": {\"y\": [2]},\n  \"a\": {\"z\": [3]}\n}\n",
    );
    let p = path.to_str().unwrap();
    let warning = format!(
        "evmatch: {p}:2: warning: rule \"a\" is given 2 times (lines 2, 4); the last one, on line 4, wins\n"
    );
    let o = run(&["check", p], "");
    assert_eq!(stderr(&o), warning);
    assert_eq!(stdout(&o), "ok: 2 rules\n");
    assert_eq!(status(&o), 0);
    let o = run(&["check", "--strict", p], "");
    assert_eq!(
        stderr(&o),
        format!("{warning}evmatch: {p}: 1 warning (--strict)\n")
    );
    assert_eq!(status(&o), 2);
    let o = run(&["match", "--rules", p], "{\"z\": 3}\n{\"x\": 1}\n");
    assert_eq!(stdout(&o), "[\"a\"]\n[]\n");

    // A clean file stays quiet, with --strict too.
    let o = run(&["check", "--strict", "examples/rules.json"], "");
    assert_eq!(stderr(&o), "");
    assert_eq!(status(&o), 0);

    // `{}` as a pattern would match every event: EventBridge refuses it,
    // and so does check.
    let path = temp_file("warn", "all.json", "{\"all\": {}, \"s\": \"{}\"}");
    let o = run(&["check", path.to_str().unwrap()], "");
    assert_eq!(status(&o), 2);
    assert_eq!(
        stderr(&o).matches("Empty objects are not allowed").count(),
        2,
        "{}",
        stderr(&o)
    );
}

#[test]
fn no_progress_bar_without_a_terminal() {
    // Input that takes more than a second would show a bar on a terminal.
    let mut child = Command::new(BIN)
        .args(["match", "--rules", "examples/rules.json", "--count"])
        .current_dir(ROOT)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run evmatch");
    let mut input = child.stdin.take().unwrap();
    input.write_all(b"{\"a\": 1}\n").unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1200));
    input.write_all(b"{\"a\": 2}\n").unwrap();
    drop(input);
    let o = child.wait_with_output().unwrap();
    assert_eq!(
        stdout(&o),
        "{\"events\": 2, \"matched_events\": 0, \"matches\": 0, \"invalid_events\": 0}\n"
    );
    assert_eq!(stderr(&o), "");
}

#[test]
fn explain_says_why_field_by_field() {
    let rules = temp_file(
        "explain",
        "rules.json",
        r#"{"stopped": {"source": ["aws.ec2"], "detail": {"state": ["stopped"]}},
            "big-a": {"items": {"name": ["a"], "qty": [{"numeric": [">", 5]}]}}}"#,
    );
    let rules = rules.to_str().unwrap();
    let events = concat!(
        r#"{"source": "aws.ec2", "detail": {"sate": "stopped"}}"#,
        "\n\n",
        r#"{"items": [{"name": "a", "qty": 1}, {"name": "b", "qty": 9}]}"#,
        "\n",
        r#"{"source": [1,]}"#,
        "\n"
    );
    // The tree: a misspelt field is absent; an array conflict is named.
    let o = run(&["explain", "--rules", rules], events);
    assert_eq!(status(&o), 3, "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("rule \"stopped\": did not match"), "{text}");
    assert!(
        text.contains("✗ detail.state [\"stopped\"]: absent"),
        "{text}"
    );
    assert!(text.contains("items.name, items.qty cannot be satisfied from the same array elements"));
    assert!(text.contains("line 4: invalid event:"), "{text}");
    assert!(!text.contains("\x1b["), "no colours into a pipe");
    // JSON: one object per (line, rule), lines counted from 1.
    let o = run(
        &["explain", "--rules", rules, "--json", "--rule", "big-a"],
        events,
    );
    assert_eq!(status(&o), 3);
    let lines: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(
        (lines[0]["line"].as_u64(), lines[0]["rule"].as_str()),
        (Some(1), Some("big-a"))
    );
    assert_eq!(lines[1]["line"], 3);
    assert_eq!(
        lines[1]["branches"][0]["array_conflict"]["elements_tried"]["items.qty"],
        serde_json::json!([[1]])
    );
    assert_eq!(lines[2]["line"], 4);
    assert_eq!(lines[2]["offset"], 14);
    assert!(lines[2]["error"].is_string());
    // --nearest: for an event no rule matches, only the nearest rule.
    let o = run(
        &["explain", "--rules", rules, "--nearest", "1"],
        &events[..events.find('\n').unwrap()],
    );
    assert_eq!(status(&o), 0);
    let text = stdout(&o);
    assert!(text.contains("no rule matches; the 1 nearest:"), "{text}");
    assert!(
        text.contains("rule \"stopped\"") && !text.contains("rule \"big-a\""),
        "{text}"
    );
    // An unknown --rule is a usage error.
    let o = run(&["explain", "--rules", rules, "--rule", "nope"], events);
    assert_eq!(status(&o), 2);
    assert!(stderr(&o).contains("no such rule"));
}
