//! The property test's grammar of generated cases (`tests/differential.rs`):
//! a small vocabulary of paths, strings and numbers, and every operator
//! over operands that nearly all compile. About nine rules in ten compile
//! and one valid event in four matches a rule, so that a run without
//! coverage guidance still checks many matches; its rule sets are small
//! (up to six rules of up to three members), and each event is checked as
//! generated and with one byte changed.
//!
//! A seed names the same case on every machine: keep the order of the
//! choices when changing this file, or old seeds name new cases.

use crate::{Case, Source};

/// Pattern paths, dotted.
const PATHS: &[&str] = &[
    "a",
    "b",
    "n",
    "s",
    "ip",
    "o.x",
    "o.y",
    "arr.x",
    "arr.y",
    "arr.z.w",
    "deep.arr.k",
];
/// String operands and event values, as JSON text.
const STRINGS: &[&str] = &[
    "\"alpha\"",
    "\"Alpha\"",
    "\"ALPHA\"",
    "\"alp\"",
    "\"beta\"",
    "\"\"",
    "\"x.y\"",
    "\"10.0.0.1\"",
    "\"10.0.0.255\"",
    "\"2001:db8::1\"",
    "\"straße\"",
    "\"STRASSE\"",
    "\"café\"",
    "\"a*b\"",
    "\"abab\"",
    "\"prod-eu\"",
    "\"eu-prod\"",
    "\"\\u0061lpha\"",
    "\"line\\nbreak\"",
    "\"ǅ\"",
    "\"true\"",
    "\"1\"",
];
/// Number spellings, as JSON text (two that are not exact doubles).
const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "1",
    "1.0",
    "1e0",
    "2.5",
    "-2.5",
    "10",
    "100",
    "1e2",
    "0.1",
    "0.30000000000000004",
    "1e300",
    "9007199254740993",
    "5000000000",
    "-5000000000",
    "3.14159",
    "123456.789",
    "1e-6",
];
/// The JSON literals.
const LITERALS: &[&str] = &["true", "false", "null"];

/// The property test's generator, over a [`Source`].
///
/// ```
/// use evmatch_testkit::{Dense, Rng};
/// let case = Dense::new(Rng::new(1)).case();
/// assert!((1..=6).contains(&case.rules.len()));
/// assert_eq!(case.events.len() % 2, 0);
/// ```
#[derive(Debug)]
pub struct Dense<S> {
    source: S,
}

impl<S: Source> Dense<S> {
    /// A generator taking its choices from `source`.
    pub fn new(source: S) -> Dense<S> {
        Dense { source }
    }

    /// 1 to 6 rules named `0` to `3` in turn (repeated names OR their
    /// patterns; one-character names survive the raw form, so a failing
    /// case's hex can become a regression file), then 1 to 6 events, each
    /// followed by a copy with one byte removed, inserted or replaced, or
    /// cut short there.
    pub fn case(&mut self) -> Case {
        let mut case = Case::default();
        for i in 0..1 + self.source.below(6) {
            let name = (i % 4).to_string();
            let p = self.pattern();
            case.rules.push((name, p.into_bytes()));
        }
        for _ in 0..1 + self.source.below(6) {
            let ev = self.event();
            let mutated = self.mutate_one(&ev);
            case.events.push(ev.into_bytes());
            case.events.push(mutated);
        }
        case
    }

    /// A pattern: an object of 1 to 3 members over the paths, each path
    /// written nested or dotted, with `$or` of such objects two levels
    /// deep at most.
    pub fn pattern(&mut self) -> String {
        self.object(0)
    }

    fn scalar(&mut self) -> String {
        match self.source.below(10) {
            0..=4 => self.source.pick(STRINGS).to_string(),
            5..=7 => self.source.pick(NUMBERS).to_string(),
            _ => self.source.pick(LITERALS).to_string(),
        }
    }

    fn string_operand(&mut self) -> String {
        self.source
            .pick(&[
                "\"al\"",
                "\"AL\"",
                "\"a\"",
                "\"\"",
                "\"pha\"",
                "\"eu\"",
                "\"prod\"",
                "\"ß\"",
                "\"ss\"",
                "\"10.\"",
                "\"x\"",
                "\"straß\"",
                "\"é\"",
            ])
            .to_string()
    }

    fn wildcard_operand(&mut self) -> String {
        self.source
            .pick(&[
                "\"a*\"",
                "\"*a\"",
                "\"*\"",
                "\"al*ha\"",
                "\"*prod*\"",
                "\"a*b*\"",
                "\"10.*\"",
                "\"\"",
                "\"*\\\\*\"",
            ])
            .to_string()
    }

    fn matcher(&mut self) -> String {
        match self.source.below(22) {
            0..=3 => self.scalar(),
            4 => format!("{{\"prefix\":{}}}", self.string_operand()),
            5 => format!("{{\"suffix\":{}}}", self.string_operand()),
            6 => format!(
                "{{\"prefix\":{{\"equals-ignore-case\":{}}}}}",
                self.string_operand()
            ),
            7 => format!(
                "{{\"suffix\":{{\"equals-ignore-case\":{}}}}}",
                self.string_operand()
            ),
            8 => format!("{{\"equals-ignore-case\":{}}}", self.source.pick(STRINGS)),
            9 => format!("{{\"wildcard\":{}}}", self.wildcard_operand()),
            10 => format!("{{\"anything-but\":{}}}", self.source.pick(STRINGS)),
            11 => format!(
                "{{\"anything-but\":[{},{}]}}",
                self.source.pick(NUMBERS),
                self.source.pick(NUMBERS)
            ),
            12 => format!(
                "{{\"anything-but\":{{\"prefix\":{}}}}}",
                self.source.pick(&["\"al\"", "\"eu\"", "\"x\""])
            ),
            13 => format!(
                "{{\"anything-but\":{{\"suffix\":[{}]}}}}",
                self.source.pick(&["\"ha\"", "\"prod\""])
            ),
            14 => format!(
                "{{\"anything-but\":{{\"equals-ignore-case\":[{}]}}}}",
                self.source.pick(STRINGS)
            ),
            15 => format!(
                "{{\"anything-but\":{{\"wildcard\":{}}}}}",
                self.wildcard_operand()
            ),
            16 => {
                let ops = [">", ">=", "<", "<="];
                let a = self.source.pick(NUMBERS);
                match self.source.below(4) {
                    0 => format!("{{\"numeric\":[\"=\",{a}]}}"),
                    1 => format!("{{\"numeric\":[\"{}\",{a}]}}", ops[self.source.below(4)]),
                    2 => format!("{{\"numeric\":[\">\",-1e9,\"<=\",{a}]}}"),
                    _ => {
                        // Two bounds from the vocabulary (narrow ranges whose
                        // ends are event values; "Bottom must be less than top"
                        // when they come out in the wrong order).
                        let b = self.source.pick(NUMBERS);
                        let lo = [">", ">="][self.source.below(2)];
                        let hi = ["<", "<="][self.source.below(2)];
                        format!("{{\"numeric\":[\"{lo}\",{a},\"{hi}\",{b}]}}")
                    }
                }
            }
            17 => format!(
                "{{\"exists\":{}}}",
                if self.source.chance(50) {
                    "true"
                } else {
                    "false"
                }
            ),
            18 => format!(
                "{{\"cidr\":\"{}\"}}",
                self.source.pick(&[
                    "10.0.0.0/24",
                    "10.0.0.0/8",
                    "0.0.0.0/0",
                    "::/0",
                    "2001:db8::/32"
                ])
            ),
            19 => "{\"exists\":false}".into(),
            20 => format!("{{\"exactly\":{}}}", self.source.pick(STRINGS)),
            _ => self.scalar(),
        }
    }

    fn leaf(&mut self) -> String {
        let n = 1 + self.source.below(3);
        let ms: Vec<String> = (0..n).map(|_| self.matcher()).collect();
        format!("[{}]", ms.join(","))
    }

    fn object(&mut self, depth: usize) -> String {
        let n = 1 + self.source.below(3);
        let mut members = Vec::new();
        for _ in 0..n {
            if depth < 2 && self.source.chance(12) {
                let k = 2 + self.source.below(2);
                let branches: Vec<String> = (0..k).map(|_| self.object(depth + 1)).collect();
                members.push(format!("\"$or\":[{}]", branches.join(",")));
                continue;
            }
            let path = self.source.pick(PATHS);
            let mut value = self.leaf();
            let segs: Vec<&str> = path.split('.').collect();
            // Nest all but a dotted suffix of the path.
            let split = if self.source.chance(50) {
                segs.len() - 1
            } else {
                0
            };
            let key = segs[split..].join(".");
            value = format!("{{\"{key}\":{value}}}");
            for seg in segs[..split].iter().rev() {
                value = format!("{{\"{seg}\":{value}}}");
            }
            // Strip the outer braces: a member of this object.
            members.push(value[1..value.len() - 1].to_string());
        }
        format!("{{{}}}", members.join(","))
    }

    fn event_value(&mut self, depth: usize) -> String {
        match self.source.below(if depth > 3 { 6 } else { 10 }) {
            0..=5 => self.scalar(),
            6 | 7 => {
                let n = self.source.below(4);
                let items: Vec<String> = (0..n).map(|_| self.event_value(depth + 1)).collect();
                format!("[{}]", items.join(","))
            }
            _ => {
                let keys = ["x", "y", "z", "w", "k", "a"];
                let n = self.source.below(4);
                let items: Vec<String> = (0..n)
                    .map(|_| {
                        format!(
                            "\"{}\":{}",
                            self.source.pick(&keys),
                            self.event_value(depth + 1)
                        )
                    })
                    .collect();
                format!("{{{}}}", items.join(","))
            }
        }
    }

    /// A valid event: a JSON object of 1 to 6 members whose names reach
    /// the paths, with arrays of objects and nested arrays.
    pub fn event(&mut self) -> String {
        let tops = [
            "a", "b", "n", "s", "ip", "o", "arr", "deep", "o.x", "arr.x", "unused",
        ];
        let n = 1 + self.source.below(6);
        let items: Vec<String> = (0..n)
            .map(|_| {
                let k = self.source.pick(&tops);
                let v = if k == "arr" && self.source.chance(60) {
                    let m = self.source.below(4);
                    let objs: Vec<String> = (0..m).map(|_| self.event_value(2)).collect();
                    format!("[{}]", objs.join(","))
                } else if k == "deep" {
                    format!(
                        "{{\"arr\":[{{\"k\":{}}},{{\"k\":{}}}]}}",
                        self.scalar(),
                        self.scalar()
                    )
                } else {
                    self.event_value(1)
                };
                format!("\"{k}\":{v}")
            })
            .collect();
        format!("{{{}}}", items.join(","))
    }

    /// `text` with one byte removed, inserted or replaced, or cut short
    /// there; `text` must not be empty.
    pub fn mutate_one(&mut self, text: &str) -> Vec<u8> {
        let mut b = text.as_bytes().to_vec();
        let i = self.source.below(b.len());
        match self.source.below(4) {
            0 => {
                b.remove(i);
            }
            1 => b.insert(
                i,
                *b"{}[]\",:01e-\\ \xff".get(self.source.below(14)).unwrap(),
            ),
            2 => b[i] = *b"{}[]\",:01e-\\ \xff".get(self.source.below(14)).unwrap(),
            _ => b.truncate(i),
        }
        b
    }
}
