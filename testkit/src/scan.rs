//! The `scan` fuzz target's fixed rule set and the part of its check that
//! holds the machine to the reference (the target and
//! `tests/regressions.rs` also hold the validity verdict to serde_json,
//! each with the serde_json features of its own build).

use evmatch::reference::Reference;
use evmatch::Machine;

use crate::compare::{answer, same_answer, trusted_agrees, Answer};

/// Every operator, `$or`, nested `$or`, arrays of objects, dotted and empty
/// keys; all valid.
pub const RULES: &[(&str, &str)] = &[
    (
        "exact",
        r#"{"source": ["aws.ec2", "aws.s3"], "detail": {"state": ["stopped"]}}"#,
    ),
    (
        "exact-escaped",
        r#"{"a": ["caf\u00e9", "line\nbreak", "\ud83d\ude00"]}"#,
    ),
    (
        "numbers",
        r#"{"n": [300, -0, 1e2, 0.1, 9007199254740993, 1e400]}"#,
    ),
    ("literals", r#"{"b": [true, null], "c": [false]}"#),
    ("prefix", r#"{"s": [{"prefix": "prod-"}]}"#),
    ("suffix", r#"{"s": [{"suffix": ".png"}]}"#),
    (
        "prefix-ic",
        r#"{"s": [{"prefix": {"equals-ignore-case": "straß"}}]}"#,
    ),
    (
        "suffix-ic",
        r#"{"s": [{"suffix": {"equals-ignore-case": "-EU"}}]}"#,
    ),
    ("eic", r#"{"a": [{"equals-ignore-case": "Alpha"}]}"#),
    (
        "wildcard",
        r#"{"arn": [{"wildcard": "arn:aws:*:us-*-1:*"}]}"#,
    ),
    ("wildcard-escaped", r#"{"s": [{"wildcard": "a\\*b*"}]}"#),
    ("ab-string", r#"{"a": [{"anything-but": "alpha"}]}"#),
    ("ab-strings", r#"{"s": [{"anything-but": ["x", "y"]}]}"#),
    ("ab-number", r#"{"n": [{"anything-but": 5}]}"#),
    ("ab-numbers", r#"{"n": [{"anything-but": [1, 2.5, -0]}]}"#),
    (
        "ab-prefix",
        r#"{"s": [{"anything-but": {"prefix": "prod"}}]}"#,
    ),
    (
        "ab-suffix",
        r#"{"s": [{"anything-but": {"suffix": ["eu", "us"]}}]}"#,
    ),
    (
        "ab-eic",
        r#"{"a": [{"anything-but": {"equals-ignore-case": ["ALPHA", "beta"]}}]}"#,
    ),
    (
        "ab-wildcard",
        r#"{"arn": [{"anything-but": {"wildcard": "*:prod:*"}}]}"#,
    ),
    (
        "numeric-range",
        r#"{"n": [{"numeric": [">", 0, "<=", 5]}]}"#,
    ),
    (
        "numeric-open",
        r#"{"x": {"y": [{"numeric": ["<", -1e9]}, {"numeric": ["=", 3]}]}}"#,
    ),
    ("exists", r#"{"detail": {"x": [{"exists": true}]}}"#),
    (
        "not-exists",
        r#"{"detail": {"missing": [{"exists": false}]}, "source": [{"exists": true}]}"#,
    ),
    ("cidr4", r#"{"ip": [{"cidr": "10.0.0.0/24"}]}"#),
    (
        "cidr6",
        r#"{"ip": [{"cidr": "2001:db8::/32"}, "::ffff:192.168.0.1"]}"#,
    ),
    ("exactly", r#"{"a": [{"exactly": "alpha"}]}"#),
    (
        "or",
        r#"{"$or": [{"a": ["x"]}, {"n": [{"numeric": [">=", 100]}]}, {"arr": {"k": ["v"]}}]}"#,
    ),
    (
        "nested-or",
        r#"{"source": ["s"], "$or": [{"$or": [{"a": [1]}, {"b": [2]}]}, {"c": [3]}]}"#,
    ),
    (
        "array-objects",
        r#"{"arr": {"k": ["v"], "n": [{"numeric": [">", 1]}], "m": {"o": [{"exists": false}]}}}"#,
    ),
    (
        "array-deep",
        r#"{"d": {"arr": {"x": {"y": ["z"]}, "w": [{"prefix": "a"}]}}}"#,
    ),
    (
        "dotted",
        r#"{"o.x": ["dot"], "o": {"y": [{"exists": true}]}}"#,
    ),
    ("empty-key", r#"{"": {"": [""]}}"#),
];

/// [`RULES`] in a machine, a trusted-input machine and the reference.
#[derive(Debug)]
pub struct Fixture {
    /// The machine.
    pub machine: Machine,
    /// The same rules with `trusted_input(true)`.
    pub trusted: Machine,
    /// The same rules in the reference evaluator.
    pub reference: Reference,
}

impl Default for Fixture {
    fn default() -> Fixture {
        Fixture::new()
    }
}

impl Fixture {
    /// Builds the three from [`RULES`].
    pub fn new() -> Fixture {
        let mut b = Machine::builder();
        let mut t = Machine::builder();
        t.trusted_input(true);
        let mut r = Reference::new();
        for (name, p) in RULES {
            b.add_rule(name, p)
                .unwrap_or_else(|e| panic!("rule {name}: {e}"));
            t.add_rule(name, p).unwrap();
            r.add_rule(name, p).unwrap();
        }
        Fixture {
            machine: b.build(),
            trusted: t.build(),
            reference: r,
        }
    }

    /// Checks `event`: the machine refuses it with an offset within it or
    /// gives an answer, the reference gives the same [`Answer`], and the
    /// trusted-input machine agrees as [`trusted_agrees`] says. Gives the
    /// machine's answer, or the first disagreement.
    ///
    /// ```
    /// let f = evmatch_testkit::scan::Fixture::new();
    /// let got = f.check(br#"{"a": "alpha"}"#).unwrap();
    /// assert_eq!(got.unwrap(), ["eic", "exactly"]);
    /// assert!(f.check(b"[1]").unwrap().is_err());
    /// ```
    pub fn check(&self, event: &[u8]) -> Result<Answer, String> {
        let got = answer(&self.machine, event);
        if let Err(e) = &got {
            if e.offset() > event.len() {
                return Err(format!("error offset past the end: {e:?}"));
            }
        }
        let want = self.reference.matches(event);
        same_answer(&got, &want)?;
        trusted_agrees(event, &answer(&self.trusted, event), &want)?;
        Ok(got)
    }
}
