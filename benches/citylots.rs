//! CityLots benchmark: the sixteen rule sets of `benches/citylots/rules`
//! over the 213,068 generated events, in evmatch's two modes (validated, the
//! default, and trusted input), against the peer engine (quamina 0.7.0) on
//! the eight rule sets it compiles, and the validator yardsticks: evmatch
//! validating and skipping every value, `sonic_rs::from_slice` into a
//! `sonic_rs::Value`, serde_json's `IgnoredAny` after `str::from_utf8`, and
//! a `memchr` count of `"` (reads every byte, checks nothing).
//!
//! Every pass checks its match count: evmatch's against
//! `expected-counts.json` in both modes, quamina's against its first pass.
//! The table is measured in rounds: in each, every engine runs one pass on
//! each rule set, the engines of a set back to back, and the best round of
//! each is kept, so that the machine's swings in speed hit every column
//! alike. `EVMATCH_BENCH_QUICK=1` skips the criterion measurements and
//! prints only the table; `EVMATCH_BENCH_ROUNDS` sets the number of rounds
//! (default 5, 3 when quick).

mod common;

use std::time::{Duration, Instant};

use common::{expected, rule_set, thousands, Events, QUAMINA_SETS, RULE_SETS};
use criterion::{black_box, Criterion, Throughput};
use evmatch::Machine;

/// One rule on a path no CityLots event has: every value of every event is
/// validated and skipped, and nothing matches.
const SKIP_ALL: &str = r#"{"absent-from-citylots": ["x"]}"#;

fn build(rules: &[(String, String)], trusted: bool) -> Machine {
    let mut b = Machine::builder();
    b.trusted_input(trusted);
    for (name, p) in rules {
        b.add_rule(name, p)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    b.build()
}

fn count_evmatch(m: &Machine, events: &Events) -> u64 {
    let mut scratch = m.create_scratch();
    let mut n = 0u64;
    for ev in events.iter() {
        m.for_each_match(&mut scratch, ev, |_| n += 1)
            .expect("valid event");
    }
    n
}

fn build_quamina(set: &str) -> quamina::Quamina<String> {
    let mut q = quamina::Quamina::new();
    for (name, p) in rule_set(set) {
        q.add_pattern(name.clone(), &p)
            .unwrap_or_else(|e| panic!("quamina {set}/{name}: {e:?}"));
    }
    q
}

fn count_quamina(q: &quamina::Quamina<String>, events: &Events) -> u64 {
    events
        .iter()
        .map(|ev| q.matches_for_event(ev).expect("valid event").len() as u64)
        .sum()
}

/// sonic-rs: parses each event into its `Value` (checks grammar and UTF-8).
fn parse_sonic(events: &Events) -> u64 {
    events
        .iter()
        .map(|ev| {
            let v: sonic_rs::Value = sonic_rs::from_slice(ev).expect("valid event");
            black_box(&v);
            1
        })
        .sum()
}

/// serde_json: checks UTF-8, then parses each event and discards it.
fn parse_serde(events: &Events) -> u64 {
    events
        .iter()
        .map(|ev| {
            let text = std::str::from_utf8(ev).expect("UTF-8 event");
            let _: serde::de::IgnoredAny = serde_json::from_str(text).expect("valid event");
            1
        })
        .sum()
}

/// Reads every byte and checks nothing: a count of `"`.
fn count_quotes(events: &Events) -> u64 {
    events
        .iter()
        .map(|ev| memchr::memchr_iter(b'"', ev).count() as u64)
        .sum()
}

/// A CityLots rule set in both modes, and quamina where it compiles it.
struct Set {
    name: &'static str,
    expected: u64,
    validated: Machine,
    trusted: Machine,
    quamina: Option<(quamina::Quamina<String>, u64)>,
}

/// One column of the table: a pass, the count it must return, its best time.
struct Column<'a> {
    run: Box<dyn Fn() -> u64 + 'a>,
    want: u64,
    best: Duration,
}

impl<'a> Column<'a> {
    fn new(want: u64, run: impl Fn() -> u64 + 'a) -> Column<'a> {
        Column {
            run: Box::new(run),
            want,
            best: Duration::MAX,
        }
    }

    fn pass(&mut self, what: &str) {
        let t = Instant::now();
        let got = (self.run)();
        self.best = self.best.min(t.elapsed());
        assert_eq!(got, self.want, "{what}: count");
    }
}

fn main() {
    let events = Events::load();
    let bytes = events.bytes();
    let n_events = events.lines.len() as f64;
    let mb = bytes as f64 / 1e6;
    eprintln!("{} events, {} bytes", events.lines.len(), bytes);
    let quick = std::env::var_os("EVMATCH_BENCH_QUICK").is_some();
    let rounds: usize = std::env::var("EVMATCH_BENCH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(if quick { 3 } else { 5 });

    // Compile everything and check every count once before measuring.
    let sets: Vec<Set> = RULE_SETS
        .iter()
        .map(|&name| {
            let rules = rule_set(name);
            let set = Set {
                name,
                expected: expected(name),
                validated: build(&rules, false),
                trusted: build(&rules, true),
                quamina: QUAMINA_SETS.contains(&name).then(|| {
                    let q = build_quamina(name);
                    let n = count_quamina(&q, &events);
                    (q, n)
                }),
            };
            assert_eq!(
                count_evmatch(&set.validated, &events),
                set.expected,
                "{name}, validated"
            );
            assert_eq!(
                count_evmatch(&set.trusted, &events),
                set.expected,
                "{name}, trusted"
            );
            set
        })
        .collect();
    let skip_all = build(&[("skip-all".into(), SKIP_ALL.into())], false);
    assert_eq!(count_evmatch(&skip_all, &events), 0);
    let quotes = count_quotes(&events);
    let n = events.lines.len() as u64;

    if !quick {
        let mut c = Criterion::default()
            .sample_size(10)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(4))
            .configure_from_args();
        let mut g = c.benchmark_group("citylots");
        g.throughput(Throughput::Bytes(bytes));
        for set in &sets {
            g.bench_function(format!("validated/{}", set.name), |b| {
                b.iter(|| black_box(count_evmatch(&set.validated, &events)))
            });
            g.bench_function(format!("trusted/{}", set.name), |b| {
                b.iter(|| black_box(count_evmatch(&set.trusted, &events)))
            });
            if let Some((q, _)) = &set.quamina {
                g.bench_function(format!("quamina/{}", set.name), |b| {
                    b.iter(|| black_box(count_quamina(q, &events)))
                });
            }
        }
        g.bench_function("yardstick/evmatch-skip-all", |b| {
            b.iter(|| black_box(count_evmatch(&skip_all, &events)))
        });
        g.bench_function("yardstick/sonic-rs-value", |b| {
            b.iter(|| black_box(parse_sonic(&events)))
        });
        g.bench_function("yardstick/serde-json-ignored-any", |b| {
            b.iter(|| black_box(parse_serde(&events)))
        });
        g.bench_function("yardstick/memchr-quote-count", |b| {
            b.iter(|| black_box(count_quotes(&events)))
        });
        g.finish();
        c.final_summary();
    }

    // The table: per set, validated, trusted and quamina back to back (in
    // turned order every other round), then the yardsticks; best round each.
    let mut columns: Vec<(String, Column)> = Vec::new();
    for set in &sets {
        let name = set.name;
        columns.push((
            format!("{name}/validated"),
            Column::new(set.expected, || count_evmatch(&set.validated, &events)),
        ));
        columns.push((
            format!("{name}/trusted"),
            Column::new(set.expected, || count_evmatch(&set.trusted, &events)),
        ));
        if let Some((q, want)) = &set.quamina {
            columns.push((
                format!("{name}/quamina"),
                Column::new(*want, || count_quamina(q, &events)),
            ));
        }
    }
    let yardsticks = columns.len();
    columns.push((
        "evmatch-skip-all".into(),
        Column::new(0, || count_evmatch(&skip_all, &events)),
    ));
    columns.push(("sonic-rs".into(), Column::new(n, || parse_sonic(&events))));
    columns.push(("serde_json".into(), Column::new(n, || parse_serde(&events))));
    columns.push((
        "memchr".into(),
        Column::new(quotes, || count_quotes(&events)),
    ));
    for round in 0..rounds {
        eprintln!("round {} of {rounds}", round + 1);
        let mut i = 0;
        while i < columns.len() {
            // The columns of one set (or the yardsticks) as a group.
            let group = if i >= yardsticks {
                columns.len() - i
            } else {
                let set = columns[i].0.split('/').next().unwrap().to_string();
                columns[i..yardsticks]
                    .iter()
                    .take_while(|(c, _)| c.split('/').next() == Some(set.as_str()))
                    .count()
            };
            let mut order: Vec<usize> = (i..i + group).collect();
            if round % 2 == 1 {
                order.reverse();
            }
            for k in order {
                let (what, col) = &mut columns[k];
                col.pass(what);
            }
            i += group;
        }
    }
    let best = |what: &str| {
        columns
            .iter()
            .find(|(c, _)| c == what)
            .map(|(_, col)| col.best)
    };
    let evs = |d: Duration| n_events / d.as_secs_f64();

    println!(
        "\nCityLots: {} events, {} bytes ({:.0} bytes an event); events/s, best of {rounds} interleaved rounds\n",
        thousands(n),
        thousands(bytes),
        bytes as f64 / n_events
    );
    println!(
        "{:<26} {:>11} {:>11} {:>11} {:>9} {:>9} {:>10}",
        "rule set", "validated", "trusted", "quamina", "valid./q", "trusted/q", "matches"
    );
    let mut quamina_differs = Vec::new();
    for set in &sets {
        let v = evs(best(&format!("{}/validated", set.name)).unwrap());
        let t = evs(best(&format!("{}/trusted", set.name)).unwrap());
        let q = best(&format!("{}/quamina", set.name)).map(evs);
        let dash = || "-".to_string();
        let mut mark = "";
        if let Some((_, c)) = &set.quamina {
            if *c != set.expected {
                quamina_differs.push(format!("{}: quamina counts {}", set.name, thousands(*c)));
                mark = "*";
            }
        }
        println!(
            "{:<26} {:>11} {:>11} {:>11} {:>9} {:>9} {:>10}{mark}",
            set.name,
            thousands(v as u64),
            thousands(t as u64),
            q.map_or_else(dash, |q| thousands(q as u64)),
            q.map_or_else(dash, |q| format!("{:.2}x", v / q)),
            q.map_or_else(dash, |q| format!("{:.2}x", t / q)),
            thousands(set.expected),
        );
    }
    for d in &quamina_differs {
        println!("* {d}");
    }

    let skip = best("evmatch-skip-all").unwrap();
    println!(
        "\nValidators over the same bytes          {:>11} {:>8} {:>16}",
        "events/s", "MB/s", "evmatch vs it"
    );
    for (what, label) in [
        ("evmatch-skip-all", "evmatch, validate and skip every value"),
        ("sonic-rs", "sonic_rs::from_slice::<Value>"),
        ("serde_json", "serde_json: from_utf8 + IgnoredAny"),
        ("memchr", "memchr count of '\"' (checks nothing)"),
    ] {
        let d = best(what).unwrap();
        println!(
            "{:<39} {:>11} {:>8.0} {:>15.2}x",
            label,
            thousands(evs(d) as u64),
            mb / d.as_secs_f64(),
            d.as_secs_f64() / skip.as_secs_f64()
        );
    }
    println!(
        "
What each column reads and checks:
  validated   evmatch's default: reads every byte of every event and checks all of
              it (JSON grammar, RFC 8259, and UTF-8); an invalid event is an error.
  trusted     trusted_input(true): the caller promises valid JSON; evmatch checks the
              values rules name and skips the rest without checking it.
  quamina     quamina 0.7.0 stops reading an event once it has seen the fields its
              patterns use (nothing after them is checked) and does not check UTF-8
              in the strings it passes over. It compiles 8 of the 16 sets.
              So trusted/q compares like with like; valid./q does not.
  matches     the expected total of (event, rule) matches, checked on every pass of
              both modes, and quamina's count where it runs (* where it differs).
  validators  each checks every byte: evmatch with one rule on a path CityLots
              events lack; sonic-rs builds a Value (SIMD chosen at compile time:
              RUSTFLAGS='-C target-cpu=native' gives it AVX2); serde_json checks
              UTF-8 and parses into IgnoredAny. The last column is evmatch's
              validate-and-skip speed as a multiple of each."
    );
}
