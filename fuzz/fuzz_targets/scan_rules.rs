// The fixed rule set of the `scan` fuzz target, also replayed by
// tests/regressions.rs (which `include!`s this file). Every operator, `$or`,
// arrays of objects.
#[allow(dead_code)]
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
