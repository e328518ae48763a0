//! Property test: the compiled engine against the reference evaluator, on
//! random rule sets and random events (a deterministic generator, so a
//! failure names a seed that reproduces it). Set `EVMATCH_DIFF_CASES` to run
//! more cases, `EVMATCH_DIFF_SEED` to start elsewhere.

use evmatch::reference::Reference;
use evmatch::Machine;

/// Whether some object of `v` gives a member name twice.
fn repeats_a_name(v: &evmatch::reference::EventValue) -> bool {
    use evmatch::reference::EventValue as V;
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        match v {
            V::Object(members) => {
                let mut names: Vec<&str> = members.iter().map(|(k, _)| k.as_str()).collect();
                names.sort_unstable();
                if names.windows(2).any(|w| w[0] == w[1]) {
                    return true;
                }
                stack.extend(members.iter().map(|(_, v)| v));
            }
            V::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    false
}

/// xorshift64*: small, deterministic, good enough for test generation.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
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
];
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
const LITERALS: &[&str] = &["true", "false", "null"];

fn scalar(r: &mut Rng) -> String {
    match r.below(10) {
        0..=4 => r.pick(STRINGS).to_string(),
        5..=7 => r.pick(NUMBERS).to_string(),
        _ => r.pick(LITERALS).to_string(),
    }
}

fn string_operand(r: &mut Rng) -> String {
    r.pick(&[
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

fn wildcard_operand(r: &mut Rng) -> String {
    r.pick(&[
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

fn matcher(r: &mut Rng) -> String {
    match r.below(22) {
        0..=3 => scalar(r),
        4 => format!("{{\"prefix\":{}}}", string_operand(r)),
        5 => format!("{{\"suffix\":{}}}", string_operand(r)),
        6 => format!(
            "{{\"prefix\":{{\"equals-ignore-case\":{}}}}}",
            string_operand(r)
        ),
        7 => format!(
            "{{\"suffix\":{{\"equals-ignore-case\":{}}}}}",
            string_operand(r)
        ),
        8 => format!("{{\"equals-ignore-case\":{}}}", r.pick(STRINGS)),
        9 => format!("{{\"wildcard\":{}}}", wildcard_operand(r)),
        10 => format!("{{\"anything-but\":{}}}", r.pick(STRINGS)),
        11 => format!(
            "{{\"anything-but\":[{},{}]}}",
            r.pick(NUMBERS),
            r.pick(NUMBERS)
        ),
        12 => format!(
            "{{\"anything-but\":{{\"prefix\":{}}}}}",
            r.pick(&["\"al\"", "\"eu\"", "\"x\""])
        ),
        13 => format!(
            "{{\"anything-but\":{{\"suffix\":[{}]}}}}",
            r.pick(&["\"ha\"", "\"prod\""])
        ),
        14 => format!(
            "{{\"anything-but\":{{\"equals-ignore-case\":[{}]}}}}",
            r.pick(STRINGS)
        ),
        15 => format!(
            "{{\"anything-but\":{{\"wildcard\":{}}}}}",
            wildcard_operand(r)
        ),
        16 => {
            let ops = [">", ">=", "<", "<="];
            let a = r.pick(NUMBERS);
            match r.below(4) {
                0 => format!("{{\"numeric\":[\"=\",{a}]}}"),
                1 => format!("{{\"numeric\":[\"{}\",{a}]}}", ops[r.below(4)]),
                2 => format!("{{\"numeric\":[\">\",-1e9,\"<=\",{a}]}}"),
                _ => {
                    // Two bounds from the vocabulary (narrow ranges whose
                    // ends are event values; "Bottom must be less than top"
                    // when they come out in the wrong order).
                    let b = r.pick(NUMBERS);
                    let lo = [">", ">="][r.below(2)];
                    let hi = ["<", "<="][r.below(2)];
                    format!("{{\"numeric\":[\"{lo}\",{a},\"{hi}\",{b}]}}")
                }
            }
        }
        17 => format!(
            "{{\"exists\":{}}}",
            if r.chance(50) { "true" } else { "false" }
        ),
        18 => format!(
            "{{\"cidr\":\"{}\"}}",
            r.pick(&[
                "10.0.0.0/24",
                "10.0.0.0/8",
                "0.0.0.0/0",
                "::/0",
                "2001:db8::/32"
            ])
        ),
        19 => "{\"exists\":false}".into(),
        20 => format!("{{\"exactly\":{}}}", r.pick(STRINGS)),
        _ => scalar(r),
    }
}

fn leaf(r: &mut Rng) -> String {
    let n = 1 + r.below(3);
    let ms: Vec<String> = (0..n).map(|_| matcher(r)).collect();
    format!("[{}]", ms.join(","))
}

/// A pattern over dotted paths (written sometimes nested, sometimes dotted).
fn object(r: &mut Rng, depth: usize) -> String {
    let n = 1 + r.below(3);
    let mut members = Vec::new();
    for _ in 0..n {
        if depth < 2 && r.chance(12) {
            let k = 2 + r.below(2);
            let branches: Vec<String> = (0..k).map(|_| object(r, depth + 1)).collect();
            members.push(format!("\"$or\":[{}]", branches.join(",")));
            continue;
        }
        let path = r.pick(PATHS);
        let mut value = leaf(r);
        let segs: Vec<&str> = path.split('.').collect();
        // Nest all but a dotted suffix of the path.
        let split = if r.chance(50) { segs.len() - 1 } else { 0 };
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

fn event_value(r: &mut Rng, depth: usize) -> String {
    match r.below(if depth > 3 { 6 } else { 10 }) {
        0..=5 => scalar(r),
        6 | 7 => {
            let n = r.below(4);
            let items: Vec<String> = (0..n).map(|_| event_value(r, depth + 1)).collect();
            format!("[{}]", items.join(","))
        }
        _ => {
            let keys = ["x", "y", "z", "w", "k", "a"];
            let n = r.below(4);
            let items: Vec<String> = (0..n)
                .map(|_| format!("\"{}\":{}", r.pick(&keys), event_value(r, depth + 1)))
                .collect();
            format!("{{{}}}", items.join(","))
        }
    }
}

fn event(r: &mut Rng) -> String {
    let tops = [
        "a", "b", "n", "s", "ip", "o", "arr", "deep", "o.x", "arr.x", "unused",
    ];
    let n = 1 + r.below(6);
    let items: Vec<String> = (0..n)
        .map(|_| {
            let k = r.pick(&tops);
            let v = if k == "arr" && r.chance(60) {
                let m = r.below(4);
                let objs: Vec<String> = (0..m).map(|_| event_value(r, 2)).collect();
                format!("[{}]", objs.join(","))
            } else if k == "deep" {
                format!(
                    "{{\"arr\":[{{\"k\":{}}},{{\"k\":{}}}]}}",
                    scalar(r),
                    scalar(r)
                )
            } else {
                event_value(r, 1)
            };
            format!("\"{k}\":{v}")
        })
        .collect();
    format!("{{{}}}", items.join(","))
}

fn mutate(r: &mut Rng, ev: &str) -> Vec<u8> {
    let mut b = ev.as_bytes().to_vec();
    let i = r.below(b.len());
    match r.below(4) {
        0 => {
            b.remove(i);
        }
        1 => b.insert(i, *b"{}[]\",:01e-\\ \xff".get(r.below(14)).unwrap()),
        2 => b[i] = *b"{}[]\",:01e-\\ \xff".get(r.below(14)).unwrap(),
        _ => b.truncate(i),
    }
    b
}

#[test]
fn engine_agrees_with_reference() {
    let cases: u64 = std::env::var("EVMATCH_DIFF_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000);
    let seed0: u64 = std::env::var("EVMATCH_DIFF_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let mut events_checked = 0;
    for seed in seed0..seed0 + cases {
        let mut r = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let mut builder = Machine::builder();
        let mut reference = Reference::new();
        let mut trusted = Machine::builder();
        trusted.trusted_input(true);
        let mut rules = Vec::new();
        for i in 0..1 + r.below(6) {
            let name = format!("r{}", i % 4); // repeated names OR their patterns
            let p = object(&mut r, 0);
            let a = builder.add_rule(&name, &p).is_ok();
            let b = reference.add_rule(&name, &p).is_ok();
            assert_eq!(a, b, "seed {seed}: compile disagreement on {p}");
            if a {
                trusted.add_rule(&name, &p).unwrap();
            }
            rules.push(p);
        }
        let machine = builder.build();
        let trusted = trusted.build();
        let mut scratch = machine.create_scratch();
        let mut ids = Vec::new();
        for _ in 0..1 + r.below(6) {
            let ev = event(&mut r);
            let inputs = [ev.as_bytes().to_vec(), mutate(&mut r, &ev)];
            for input in &inputs {
                events_checked += 1;
                let want = reference.matches(input);
                ids.clear();
                let got = machine.find(&mut scratch, input, &mut ids).map(|()| {
                    let mut names: Vec<String> = ids
                        .iter()
                        .map(|&id| machine.rule_name(id).to_string())
                        .collect();
                    names.sort();
                    names
                });
                let show = String::from_utf8_lossy(input);
                match (&want, &got) {
                    (Ok(w), Ok(g)) => {
                        assert_eq!(g, w, "seed {seed}\nrules {rules:#?}\nevent {show}")
                    }
                    (Err(_), Err(_)) => {}
                    _ => panic!(
                        "seed {seed}: validity disagreement {want:?} vs {got:?}\nevent {show}"
                    ),
                }
                // Trusted input promises valid JSON without a repeated name.
                let keeps_promise =
                    evmatch::reference::parse(input).is_ok_and(|v| !repeats_a_name(&v));
                if let (Ok(w), true) = (&want, keeps_promise) {
                    let mut names: Vec<String> = trusted
                        .matches(input)
                        .unwrap()
                        .iter()
                        .map(|s| s.to_string())
                        .collect();
                    names.sort();
                    assert_eq!(
                        &names, w,
                        "seed {seed} (trusted mode)\nrules {rules:#?}\nevent {show}"
                    );
                }
            }
        }
    }
    eprintln!("{cases} rule sets, {events_checked} events: engine and reference agree");
}
