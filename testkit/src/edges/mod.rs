//! The fuzz targets' grammar of generated cases: rule patterns over every
//! operator (exact strings, numbers, literals, prefix/suffix and their
//! ignore-case forms, equals-ignore-case, wildcard, every anything-but
//! form, numeric, exists, cidr, exactly, `$or`, nested and dotted keys,
//! duplicate keys), and events with arrays of objects, arrays of arrays,
//! number spellings, escapes, dotted and duplicate keys, surrounding white
//! space, and byte-level mutations that make a pattern or event invalid.
//!
//! Every choice goes through the [`Source`], and the grammar makes the same
//! calls in the same order for the same answers: a fuzz input keeps
//! meaning the same case as long as this file does not change.

mod vocabulary;

use crate::{Case, Source};
use vocabulary::*;

/// The generator of the fuzz targets: patterns, events and cases that
/// reach for the engine's edges, over a [`Source`]. About half its patterns
/// are invalid and one valid event in eight matches a rule: breadth first,
/// with libFuzzer's coverage guidance to find the rare combinations.
///
/// ```
/// use evmatch_testkit::{Edges, Rng};
/// let mut g = Edges::new(Rng::new(1));
/// let case = g.case();
/// assert!((1..=6).contains(&case.rules.len()));
/// assert!((1..=6).contains(&case.events.len()));
/// ```
#[derive(Debug)]
pub struct Edges<S> {
    source: S,
}

impl<S: Source> Edges<S> {
    /// A generator taking its choices from `source`.
    pub fn new(source: S) -> Edges<S> {
        Edges { source }
    }

    /// 1 to 6 rules named `0` to `3` (repeated names OR their patterns;
    /// one-character names survive the raw form), about 3% of patterns
    /// mutated at the byte level; then 1 to 6 events, about 15% mutated.
    pub fn case(&mut self) -> Case {
        let mut case = Case::default();
        let nrules = 1 + self.below(6);
        for _ in 0..nrules {
            let name = char::from(b'0' + self.below(4) as u8).to_string();
            let p = if self.chance(3) {
                let p = self.pattern();
                self.mutate(p.as_bytes())
            } else {
                self.pattern().into_bytes()
            };
            case.rules.push((name, p));
        }
        let nevents = 1 + self.below(6);
        for _ in 0..nevents {
            let ev = self.event().into_bytes();
            let ev = if self.chance(15) {
                self.mutate(&ev)
            } else {
                ev
            };
            case.events.push(ev);
        }
        case
    }

    /// A pattern: an object of 1 to 4 members over the path vocabulary,
    /// each path written nested, dotted, or half and half, with `$or` of
    /// such objects two levels deep at most. Usually valid; the operands
    /// include invalid ones (cidr masks, numeric bounds out of order,
    /// inexact numeric operands, complex wildcards).
    pub fn pattern(&mut self) -> String {
        self.object(0)
    }

    /// A valid event: a JSON object whose members reach the pattern paths,
    /// with arrays of objects, nested arrays, dotted and repeated names, and
    /// now and then white space around it.
    pub fn event(&mut self) -> String {
        let n = 1 + self.below(6);
        let items: Vec<String> = (0..n)
            .map(|_| {
                let k = self.pick(EVENT_TOPS);
                let v = if (k == "arr" || k == "m.arr") && self.chance(60) {
                    let m = self.below(4);
                    let objs: Vec<String> = (0..m).map(|_| self.event_value(2)).collect();
                    format!("[{}]", objs.join(","))
                } else if k == "deep" || k == "m" {
                    let m = self.below(3);
                    let objs: Vec<String> = (0..m)
                        .map(|_| format!(r#"{{"k":{}}}"#, self.scalar()))
                        .collect();
                    format!(r#"{{"arr":[{}],"k":{}}}"#, objs.join(","), self.scalar())
                } else {
                    self.event_value(1)
                };
                format!("{}:{v}", quote(k))
            })
            .collect();
        let ws = if self.chance(10) { " \n\t\r" } else { "" };
        format!("{ws}{{{}}}{ws}", items.join(","))
    }

    /// `text` with one or two byte-level changes: a byte removed, inserted
    /// or replaced, the text cut short, or a slice of it repeated.
    pub fn mutate(&mut self, text: &[u8]) -> Vec<u8> {
        let mut b = text.to_vec();
        for _ in 0..1 + self.below(2) {
            if b.is_empty() {
                break;
            }
            let i = self.below(b.len());
            let x = MUTATION_BYTES[self.below(MUTATION_BYTES.len())];
            match self.below(5) {
                0 => {
                    b.remove(i);
                }
                1 => b.insert(i, x),
                2 => b[i] = x,
                3 => b.truncate(i),
                _ => {
                    let j = self.below(b.len());
                    let chunk = b[i.min(j)..i.max(j)].to_vec();
                    b.splice(i..i, chunk);
                }
            }
        }
        b
    }

    fn below(&mut self, n: usize) -> usize {
        self.source.below(n)
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.source.chance(percent)
    }

    fn pick<'s>(&mut self, xs: &[&'s str]) -> &'s str {
        self.source.pick(xs)
    }

    /// A short string chosen by the source, as a JSON string literal.
    fn free_string(&mut self) -> String {
        let len = self.below(8);
        let s: String = (0..len)
            .map(|_| match self.source.any_char() {
                '\0' => 'z',
                c => c,
            })
            .collect();
        quote(&s)
    }

    fn string_scalar(&mut self) -> String {
        if self.chance(8) {
            self.free_string()
        } else {
            self.pick(STRINGS).to_string()
        }
    }

    fn scalar(&mut self) -> String {
        match self.below(10) {
            0..=4 => self.string_scalar(),
            5..=7 => self.pick(NUMBERS).to_string(),
            _ => self.pick(LITERALS).to_string(),
        }
    }

    /// An operand list: one operand from `pool` or a JSON array of 1 to 3.
    fn one_or_list(&mut self, pool: &[&str]) -> String {
        if self.chance(50) {
            self.pick(pool).to_string()
        } else {
            let n = 1 + self.below(3);
            let items: Vec<&str> = (0..n).map(|_| self.pick(pool)).collect();
            format!("[{}]", items.join(","))
        }
    }

    fn numeric(&mut self) -> String {
        let a = self.pick(NUMBERS);
        let b = self.pick(NUMBERS);
        match self.below(6) {
            0 => format!(r#"{{"numeric":["=",{a}]}}"#),
            1 | 2 => format!(r#"{{"numeric":["{}",{a}]}}"#, self.pick(OPS)),
            3 => format!(r#"{{"numeric":[">",{a},"<=",{b}]}}"#),
            4 => format!(r#"{{"numeric":[">=",{a},"<",{b}]}}"#),
            _ => format!(
                r#"{{"numeric":["{}",{a},"{}",{b}]}}"#,
                self.pick(OPS),
                self.pick(OPS)
            ),
        }
    }

    fn matcher(&mut self) -> String {
        match self.below(30) {
            0..=3 => self.scalar(),
            4 => format!(r#"{{"prefix":{}}}"#, self.pick(PREFIXES)),
            5 => format!(r#"{{"suffix":{}}}"#, self.pick(PREFIXES)),
            6 => format!(
                r#"{{"prefix":{{"equals-ignore-case":{}}}}}"#,
                self.pick(PREFIXES)
            ),
            7 => format!(
                r#"{{"suffix":{{"equals-ignore-case":{}}}}}"#,
                self.pick(PREFIXES)
            ),
            8 => format!(r#"{{"equals-ignore-case":{}}}"#, self.string_scalar()),
            9 => format!(r#"{{"wildcard":{}}}"#, self.pick(WILDCARDS)),
            10 => format!(r#"{{"anything-but":{}}}"#, self.string_scalar()),
            11 => format!(r#"{{"anything-but":{}}}"#, self.one_or_list(STRINGS)),
            12 => format!(r#"{{"anything-but":{}}}"#, self.pick(NUMBERS)),
            13 => format!(r#"{{"anything-but":{}}}"#, self.one_or_list(NUMBERS)),
            14 => format!(
                r#"{{"anything-but":{{"prefix":{}}}}}"#,
                self.one_or_list(PREFIXES)
            ),
            15 => format!(
                r#"{{"anything-but":{{"suffix":{}}}}}"#,
                self.one_or_list(PREFIXES)
            ),
            16 => format!(
                r#"{{"anything-but":{{"equals-ignore-case":{}}}}}"#,
                self.one_or_list(STRINGS)
            ),
            17 => format!(
                r#"{{"anything-but":{{"wildcard":{}}}}}"#,
                self.one_or_list(WILDCARDS)
            ),
            18 | 19 => self.numeric(),
            20 => r#"{"exists":true}"#.into(),
            21 | 22 => r#"{"exists":false}"#.into(),
            23 => format!(r#"{{"cidr":"{}"}}"#, self.pick(CIDRS)),
            24 => format!(r#"{{"exactly":{}}}"#, self.string_scalar()),
            25 => format!(r#"{{"anything-but":{}}}"#, self.pick(LITERALS)),
            26 => format!(r#"{{"prefix":{}}}"#, self.string_scalar()),
            27 => format!(r#"{{"wildcard":{}}}"#, self.string_scalar()),
            _ => self.scalar(),
        }
    }

    fn leaf(&mut self) -> String {
        let n = 1 + self.below(3);
        let ms: Vec<String> = (0..n).map(|_| self.matcher()).collect();
        format!("[{}]", ms.join(","))
    }

    fn object(&mut self, depth: usize) -> String {
        let n = 1 + self.below(4);
        let mut members = Vec::new();
        for _ in 0..n {
            if depth < 2 && self.chance(12) {
                let k = 1 + self.below(3);
                let branches: Vec<String> = (0..k).map(|_| self.object(depth + 1)).collect();
                members.push(format!(r#""$or":[{}]"#, branches.join(",")));
                continue;
            }
            let path = self.pick(PATHS);
            let value = self.leaf();
            let segs: Vec<&str> = path.split('.').collect();
            // Segments before `split` are nested objects, the rest one
            // dotted key.
            let split = self.below(segs.len());
            let mut v = format!("{{{}:{value}}}", quote(&segs[split..].join(".")));
            for seg in segs[..split].iter().rev() {
                v = format!("{{{}:{v}}}", quote(seg));
            }
            members.push(v[1..v.len() - 1].to_string());
        }
        format!("{{{}}}", members.join(","))
    }

    fn event_value(&mut self, depth: usize) -> String {
        match self.below(if depth > 3 { 6 } else { 11 }) {
            0..=5 => self.scalar(),
            6 | 7 => {
                let n = self.below(4);
                let items: Vec<String> = (0..n).map(|_| self.event_value(depth + 1)).collect();
                format!("[{}]", items.join(","))
            }
            _ => {
                let n = self.below(4);
                let items: Vec<String> = (0..n)
                    .map(|_| {
                        let k = self.pick(EVENT_KEYS);
                        format!(r#""{k}":{}"#, self.event_value(depth + 1))
                    })
                    .collect();
                format!("{{{}}}", items.join(","))
            }
        }
    }
}

/// `s` as a JSON string literal.
fn quote(s: &str) -> String {
    serde_json::to_string(s).expect("a string always serialises")
}
