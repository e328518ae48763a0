//! Shared by the `differential` and `ffi` targets: turns fuzz bytes into a
//! *case* (named rule patterns and events, all raw bytes), either
//!
//! * **raw mode** — the input starts with `0xFF`; the rest is segments
//!   separated by `0x00`. A segment `r` NAME-BYTE PATTERN is a rule (its name
//!   is the one character NAME-BYTE, read as Latin-1; repeated names OR
//!   their patterns), a segment `e` EVENT is an event, anything else is
//!   ignored. `fuzz/seed.sh` writes the conformance cases in this form, and
//!   `testdata/fuzz-regressions/{differential,ffi}/` holds cases in it, so
//!   `tests/regressions.rs` can replay them without this crate; or
//! * **structured mode** — anything else: the bytes drive an
//!   [`arbitrary::Unstructured`] that picks rules from a grammar of every
//!   operator (exact strings, numbers, literals, prefix/suffix and their
//!   ignore-case forms, equals-ignore-case, wildcard, every anything-but
//!   form, numeric, exists, cidr, exactly, `$or`, nested and dotted keys,
//!   duplicate keys) and events with arrays of objects, arrays of arrays,
//!   number spellings, escapes, dotted and duplicate keys, and sometimes a
//!   byte-level mutation that makes the event invalid.

// Each target uses part of this module.
#![allow(dead_code)]

use arbitrary::Unstructured;

/// One test case: named rules and events, as raw bytes.
#[derive(Debug, Default, Clone)]
pub struct Case {
    pub rules: Vec<(String, Vec<u8>)>,
    pub events: Vec<Vec<u8>>,
}

impl Case {
    pub fn from_fuzz(data: &[u8]) -> Case {
        match data.split_first() {
            Some((0xFF, rest)) => Case::from_raw(rest),
            _ => generate(&mut Unstructured::new(data)),
        }
    }

    /// Parses raw mode (without the leading `0xFF`).
    pub fn from_raw(data: &[u8]) -> Case {
        let mut case = Case::default();
        for seg in data.split(|&b| b == 0) {
            match seg {
                [b'r', name, pattern @ ..] => case
                    .rules
                    .push((char::from(*name).to_string(), pattern.to_vec())),
                [b'e', event @ ..] => case.events.push(event.to_vec()),
                _ => {}
            }
        }
        case
    }

    /// The case in raw mode (with the leading `0xFF`), for a regression
    /// file. Names are cut to their first character; NUL bytes inside a
    /// pattern or event cannot be written (they are invalid JSON anyway) and
    /// become U+0001.
    pub fn to_raw(&self) -> Vec<u8> {
        let mut out = vec![0xFF];
        let clean = |b: &u8| if *b == 0 { 1 } else { *b };
        for (name, p) in &self.rules {
            out.push(b'r');
            let c = name.chars().next().unwrap_or('r');
            out.push(if (c as u32) < 256 && c != '\0' {
                c as u8
            } else {
                b'r'
            });
            out.extend(p.iter().map(clean));
            out.push(0);
        }
        for e in &self.events {
            out.push(b'e');
            out.extend(e.iter().map(clean));
            out.push(0);
        }
        out
    }

    /// A readable description for failure messages.
    pub fn describe(&self) -> String {
        let mut s = String::new();
        for (n, p) in &self.rules {
            s += &format!("rule {n:?}: {}\n", String::from_utf8_lossy(p));
        }
        for (i, e) in self.events.iter().enumerate() {
            s += &format!("event {i}: {}\n", String::from_utf8_lossy(e));
        }
        s += &format!("raw-mode bytes (hex): {}\n", hex(&self.to_raw()));
        s
    }

    /// If `EVMATCH_FUZZ_REPRO` names a file, writes the raw-mode case there
    /// (called just before a target panics).
    pub fn dump(&self) {
        if let Ok(path) = std::env::var("EVMATCH_FUZZ_REPRO") {
            let _ = std::fs::write(path, self.to_raw());
        }
    }
}

pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

struct G<'a, 'b> {
    u: &'b mut Unstructured<'a>,
}

impl G<'_, '_> {
    fn below(&mut self, n: usize) -> usize {
        if n <= 1 {
            return 0;
        }
        self.u.int_in_range(0..=n - 1).unwrap_or(0)
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    fn pick<'s>(&mut self, xs: &[&'s str]) -> &'s str {
        xs[self.below(xs.len())]
    }
    /// A short string chosen by the fuzzer, as a JSON string literal.
    fn free_string(&mut self) -> String {
        let len = self.below(8);
        let s: String = (0..len)
            .map(|_| {
                let c = self.u.arbitrary::<char>().unwrap_or('a');
                // Keep to characters that keep the generated text valid.
                if c == '\0' {
                    'z'
                } else {
                    c
                }
            })
            .collect();
        serde_json::to_string(&s).unwrap()
    }
}

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
    "m.arr.k",
    "m.k",
    "",
    "a.b.c",
    "É",
    "\u{1F600}",
    "\u{FB01}",
];

const STRINGS: &[&str] = &[
    r#""alpha""#,
    r#""Alpha""#,
    r#""ALPHA""#,
    r#""alp""#,
    r#""beta""#,
    r#""""#,
    r#""x.y""#,
    r#""10.0.0.1""#,
    r#""10.0.0.255""#,
    r#""10.1.2.3""#,
    r#""192.168.0.1""#,
    r#""2001:db8::1""#,
    r#""2001:0db8:0000:0000:0000:0000:0000:0001""#,
    r#""::ffff:10.0.0.1""#,
    r#""straße""#,
    r#""STRASSE""#,
    r#""strasse""#,
    r#""café""#,
    r#""CAFÉ""#,
    r#""a*b""#,
    r#""abab""#,
    r#""ababab""#,
    r#""prod-eu""#,
    r#""eu-prod""#,
    r#""\u0061lpha""#,
    r#""line\nbreak""#,
    r#""\"q\"""#,
    r#""\\""#,
    r#""ǅ""#,
    r#""ǆ""#,
    r#""Ǆ""#,
    r#""İ""#,
    r#""i̇""#,
    r#""ﬁ""#,
    r#""FI""#,
    r#""ΣΑΣ""#,
    r#""σας""#,
    r#""😀""#,
    r#""\ud83d\ude00""#,
    r#""true""#,
    r#""1""#,
    r#""1.0""#,
    r#""null""#,
    r#""*""#,
];

const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "0.0",
    "1",
    "1.0",
    "1e0",
    "1E+0",
    "2.5",
    "-2.5",
    "10",
    "100",
    "1e2",
    "100.000",
    "0.1",
    "0.30000000000000004",
    "1e300",
    "1e400",
    "-1e400",
    "1e-400",
    "9007199254740992",
    "9007199254740993",
    "5000000000",
    "-5000000000",
    "5e9",
    "3.14159",
    "123456.789",
    "1e-6",
    "0.000001",
    "10.0",
    "192",
    "4294967296",
    "-1e9",
    "1e9",
];

const LITERALS: &[&str] = &["true", "false", "null"];

const PREFIXES: &[&str] = &[
    r#""al""#,
    r#""AL""#,
    r#""a""#,
    r#""""#,
    r#""pha""#,
    r#""eu""#,
    r#""prod""#,
    r#""ß""#,
    r#""ss""#,
    r#""SS""#,
    r#""10.""#,
    r#""x""#,
    r#""straß""#,
    r#""é""#,
    r#""É""#,
    r#""Σ""#,
    r#""ς""#,
    r#""ﬁ""#,
    r#""İ""#,
    r#""\ud83d""#,
    r#""😀""#,
    r#""1""#,
];

const WILDCARDS: &[&str] = &[
    r#""a*""#,
    r#""*a""#,
    r#""*""#,
    r#""**""#,
    r#""al*ha""#,
    r#""*prod*""#,
    r#""a*b*""#,
    r#""*ab*ab*""#,
    r#""10.*""#,
    r#""10.*.*.1""#,
    r#""""#,
    r#""*\\*""#,
    r#""a\\*b""#,
    r#""\\\\*""#,
    r#""\\a""#,
    r#""*:*:*:*:*:event-bus/*""#,
    r#""str*e""#,
    r#""*é""#,
];

const CIDRS: &[&str] = &[
    "10.0.0.0/24",
    "10.0.0.0/8",
    "10.0.0.1/31",
    "0.0.0.0/0",
    "192.168.0.0/16",
    "::/0",
    "2001:db8::/32",
    "2001:db8::1/127",
    "::ffff:0:0/96",
    "10.0.0.0/32",
    "10.0.0.0",
    "1.2.3/8",
];

fn string_scalar(g: &mut G) -> String {
    if g.chance(8) {
        g.free_string()
    } else {
        g.pick(STRINGS).to_string()
    }
}

fn scalar(g: &mut G) -> String {
    match g.below(10) {
        0..=4 => string_scalar(g),
        5..=7 => g.pick(NUMBERS).to_string(),
        _ => g.pick(LITERALS).to_string(),
    }
}

/// A string operand list: one string or a JSON array of 1–3.
fn strings_or_list(g: &mut G, pool: &[&str]) -> String {
    if g.chance(50) {
        g.pick(pool).to_string()
    } else {
        let n = 1 + g.below(3);
        let items: Vec<&str> = (0..n).map(|_| g.pick(pool)).collect();
        format!("[{}]", items.join(","))
    }
}

fn numeric(g: &mut G) -> String {
    const OPS: &[&str] = &[">", ">=", "<", "<="];
    let a = g.pick(NUMBERS);
    let b = g.pick(NUMBERS);
    match g.below(6) {
        0 => format!(r#"{{"numeric":["=",{a}]}}"#),
        1 | 2 => format!(r#"{{"numeric":["{}",{a}]}}"#, g.pick(OPS)),
        3 => format!(r#"{{"numeric":[">",{a},"<=",{b}]}}"#),
        4 => format!(r#"{{"numeric":[">=",{a},"<",{b}]}}"#),
        _ => format!(
            r#"{{"numeric":["{}",{a},"{}",{b}]}}"#,
            g.pick(OPS),
            g.pick(OPS)
        ),
    }
}

fn matcher(g: &mut G) -> String {
    match g.below(30) {
        0..=3 => scalar(g),
        4 => format!(r#"{{"prefix":{}}}"#, g.pick(PREFIXES)),
        5 => format!(r#"{{"suffix":{}}}"#, g.pick(PREFIXES)),
        6 => format!(
            r#"{{"prefix":{{"equals-ignore-case":{}}}}}"#,
            g.pick(PREFIXES)
        ),
        7 => format!(
            r#"{{"suffix":{{"equals-ignore-case":{}}}}}"#,
            g.pick(PREFIXES)
        ),
        8 => format!(r#"{{"equals-ignore-case":{}}}"#, string_scalar(g)),
        9 => format!(r#"{{"wildcard":{}}}"#, g.pick(WILDCARDS)),
        10 => format!(r#"{{"anything-but":{}}}"#, string_scalar(g)),
        11 => format!(r#"{{"anything-but":{}}}"#, strings_or_list(g, STRINGS)),
        12 => format!(r#"{{"anything-but":{}}}"#, g.pick(NUMBERS)),
        13 => format!(r#"{{"anything-but":{}}}"#, strings_or_list(g, NUMBERS)),
        14 => format!(
            r#"{{"anything-but":{{"prefix":{}}}}}"#,
            strings_or_list(g, PREFIXES)
        ),
        15 => format!(
            r#"{{"anything-but":{{"suffix":{}}}}}"#,
            strings_or_list(g, PREFIXES)
        ),
        16 => format!(
            r#"{{"anything-but":{{"equals-ignore-case":{}}}}}"#,
            strings_or_list(g, STRINGS)
        ),
        17 => format!(
            r#"{{"anything-but":{{"wildcard":{}}}}}"#,
            strings_or_list(g, WILDCARDS)
        ),
        18 | 19 => numeric(g),
        20 => r#"{"exists":true}"#.into(),
        21 | 22 => r#"{"exists":false}"#.into(),
        23 => format!(r#"{{"cidr":"{}"}}"#, g.pick(CIDRS)),
        24 => format!(r#"{{"exactly":{}}}"#, string_scalar(g)),
        25 => format!(r#"{{"anything-but":{}}}"#, g.pick(LITERALS)),
        26 => format!(r#"{{"prefix":{}}}"#, string_scalar(g)),
        27 => format!(r#"{{"wildcard":{}}}"#, string_scalar(g)),
        _ => scalar(g),
    }
}

fn leaf(g: &mut G) -> String {
    let n = 1 + g.below(3);
    let ms: Vec<String> = (0..n).map(|_| matcher(g)).collect();
    format!("[{}]", ms.join(","))
}

/// A pattern object over the path vocabulary, each path written nested,
/// dotted, or half and half.
fn object(g: &mut G, depth: usize) -> String {
    let n = 1 + g.below(4);
    let mut members = Vec::new();
    for _ in 0..n {
        if depth < 2 && g.chance(12) {
            let k = 1 + g.below(3);
            let branches: Vec<String> = (0..k).map(|_| object(g, depth + 1)).collect();
            members.push(format!(r#""$or":[{}]"#, branches.join(",")));
            continue;
        }
        let path = g.pick(PATHS);
        let value = leaf(g);
        let segs: Vec<&str> = path.split('.').collect();
        let split = g.below(segs.len());
        let key = serde_json::to_string(&segs[split..].join(".")).unwrap();
        let mut v = format!("{{{key}:{value}}}");
        for seg in segs[..split].iter().rev() {
            v = format!("{{{}:{v}}}", serde_json::to_string(seg).unwrap());
        }
        members.push(v[1..v.len() - 1].to_string());
    }
    format!("{{{}}}", members.join(","))
}

fn event_value(g: &mut G, depth: usize) -> String {
    match g.below(if depth > 3 { 6 } else { 11 }) {
        0..=5 => scalar(g),
        6 | 7 => {
            let n = g.below(4);
            let items: Vec<String> = (0..n).map(|_| event_value(g, depth + 1)).collect();
            format!("[{}]", items.join(","))
        }
        _ => {
            const KEYS: &[&str] = &["x", "y", "z", "w", "k", "a", "z.w", "arr", "b.c"];
            let n = g.below(4);
            let items: Vec<String> = (0..n)
                .map(|_| format!(r#""{}":{}"#, g.pick(KEYS), event_value(g, depth + 1)))
                .collect();
            format!("{{{}}}", items.join(","))
        }
    }
}

fn event(g: &mut G) -> String {
    const TOPS: &[&str] = &[
        "a",
        "b",
        "n",
        "s",
        "ip",
        "o",
        "arr",
        "deep",
        "o.x",
        "arr.x",
        "m",
        "m.arr",
        "unused",
        "",
        "É",
        "a.b",
        "\u{1F600}",
        "\u{FB01}",
    ];
    let n = 1 + g.below(6);
    let items: Vec<String> = (0..n)
        .map(|_| {
            let k = g.pick(TOPS);
            let v = if (k == "arr" || k == "m.arr") && g.chance(60) {
                let m = g.below(4);
                let objs: Vec<String> = (0..m).map(|_| event_value(g, 2)).collect();
                format!("[{}]", objs.join(","))
            } else if k == "deep" || k == "m" {
                let m = g.below(3);
                let objs: Vec<String> = (0..m)
                    .map(|_| format!(r#"{{"k":{}}}"#, scalar(g)))
                    .collect();
                format!(r#"{{"arr":[{}],"k":{}}}"#, objs.join(","), scalar(g))
            } else {
                event_value(g, 1)
            };
            format!("{}:{v}", serde_json::to_string(k).unwrap())
        })
        .collect();
    let ws = if g.chance(10) { " \n\t\r" } else { "" };
    format!("{ws}{{{}}}{ws}", items.join(","))
}

fn mutate(g: &mut G, ev: &[u8]) -> Vec<u8> {
    const BYTES: &[u8] = b"{}[]\",:01e-+.\\ \x7f\xff\xc3\xa9tfnu\x01";
    let mut b = ev.to_vec();
    for _ in 0..1 + g.below(2) {
        if b.is_empty() {
            break;
        }
        let i = g.below(b.len());
        let x = BYTES[g.below(BYTES.len())];
        match g.below(5) {
            0 => {
                b.remove(i);
            }
            1 => b.insert(i, x),
            2 => b[i] = x,
            3 => b.truncate(i),
            _ => {
                let j = g.below(b.len());
                let chunk = b[i.min(j)..i.max(j)].to_vec();
                b.splice(i..i, chunk);
            }
        }
    }
    b
}

/// A structured case.
pub fn generate(u: &mut Unstructured) -> Case {
    let mut g = G { u };
    let mut case = Case::default();
    let nrules = 1 + g.below(6);
    for _ in 0..nrules {
        // One-character names, so that the raw mode keeps them.
        let name = char::from(b'0' + g.below(4) as u8).to_string();
        let p = if g.chance(3) {
            // Now and then, a pattern mutated at the byte level.
            let p = object(&mut g, 0);
            mutate(&mut g, p.as_bytes())
        } else {
            object(&mut g, 0).into_bytes()
        };
        case.rules.push((name, p));
    }
    let nevents = 1 + g.below(6);
    for _ in 0..nevents {
        let ev = event(&mut g).into_bytes();
        let ev = if g.chance(15) {
            mutate(&mut g, &ev)
        } else {
            ev
        };
        case.events.push(ev);
    }
    case
}
