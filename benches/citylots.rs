//! CityLots benchmark: the sixteen rule sets of `benches/citylots/rules` over the
//! 213,068 generated events, with the peer engine (quamina 0.7.0) on the
//! eight rule sets it can compile, and a one-pass `memchr` count of `"` over
//! the same bytes as the speed-of-reading yardstick.
//!
//! Every evmatch run checks its match count against `expected-counts.json`.
//! After the criterion measurements, a table of events/s, MB/s and ratios,
//! all measured in this run, is printed. `EVMATCH_BENCH_QUICK=1` prints only
//! the table.

mod common;

use std::time::Duration;

use common::{best_of, expected, rule_set, Events, QUAMINA_SETS, RULE_SETS};
use criterion::{black_box, Criterion, Throughput};
use evmatch::Machine;

fn build(set: &str, trusted: bool) -> Machine {
    let mut b = Machine::builder();
    b.trusted_input(trusted);
    for (name, p) in rule_set(set) {
        b.add_rule(&name, &p)
            .unwrap_or_else(|e| panic!("{set}/{name}: {e}"));
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

fn count_quotes(events: &Events) -> u64 {
    events
        .iter()
        .map(|ev| memchr::memchr_iter(b'"', ev).count() as u64)
        .sum()
}

fn main() {
    let events = Events::load();
    let bytes = events.bytes();
    let n_events = events.lines.len() as f64;
    eprintln!("{} events, {} bytes", events.lines.len(), bytes);

    let machines: Vec<(&str, Machine)> = RULE_SETS.iter().map(|&s| (s, build(s, false))).collect();
    for (set, m) in &machines {
        let got = count_evmatch(m, &events);
        assert_eq!(got, expected(set), "evmatch match count for {set}");
    }
    let quaminas: Vec<(&str, quamina::Quamina<String>)> = QUAMINA_SETS
        .iter()
        .map(|&s| (s, build_quamina(s)))
        .collect();
    let mut quamina_counts = Vec::new();
    for (set, q) in &quaminas {
        quamina_counts.push(count_quamina(q, &events));
        let _ = set;
    }
    let trusted_exact = build("exact", true);
    assert_eq!(count_evmatch(&trusted_exact, &events), expected("exact"));

    if std::env::var_os("EVMATCH_BENCH_QUICK").is_none() {
        let mut c = Criterion::default()
            .sample_size(10)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(4))
            .configure_from_args();
        let mut g = c.benchmark_group("citylots");
        g.throughput(Throughput::Bytes(bytes));
        g.bench_function("memchr-quote-count", |b| {
            b.iter(|| black_box(count_quotes(&events)))
        });
        for (set, m) in &machines {
            g.bench_function(format!("evmatch/{set}"), |b| {
                b.iter(|| black_box(count_evmatch(m, &events)))
            });
        }
        g.bench_function("evmatch-trusted/exact", |b| {
            b.iter(|| black_box(count_evmatch(&trusted_exact, &events)))
        });
        for (set, q) in &quaminas {
            g.bench_function(format!("quamina/{set}"), |b| {
                b.iter(|| black_box(count_quamina(q, &events)))
            });
        }
        g.finish();
        c.final_summary();
    }

    // The table: best of three passes each, all in this run.
    let mb = bytes as f64 / 1e6;
    let t_memchr = best_of(3, || {
        black_box(count_quotes(&events));
    });
    let memchr_mbs = mb / t_memchr.as_secs_f64();
    println!(
        "\nyardstick: memchr count of '\"': {:.0} MB/s\n",
        memchr_mbs
    );
    println!(
        "{:<28} {:>12} {:>9} {:>10} {:>12} {:>9} {:>8}",
        "rule set", "evmatch ev/s", "MB/s", "matches", "quamina ev/s", "q. count", "ratio"
    );
    let mut exact_evs = 0.0;
    for (set, m) in &machines {
        let t = best_of(3, || {
            black_box(count_evmatch(m, &events));
        });
        let evs = n_events / t.as_secs_f64();
        if *set == "exact" {
            exact_evs = evs;
        }
        let peer = quaminas.iter().position(|(s, _)| s == set);
        let (q_evs, q_count) = match peer {
            Some(i) => {
                let tq = best_of(3, || {
                    black_box(count_quamina(&quaminas[i].1, &events));
                });
                (Some(n_events / tq.as_secs_f64()), Some(quamina_counts[i]))
            }
            None => (None, None),
        };
        println!(
            "{:<28} {:>12.0} {:>9.0} {:>10} {:>12} {:>9} {:>8}",
            set,
            evs,
            mb / t.as_secs_f64(),
            expected(set),
            q_evs.map_or("-".into(), |v| format!("{v:.0}")),
            q_count.map_or("-".into(), |v| v.to_string()),
            q_evs.map_or("-".into(), |v| format!("{:.2}x", evs / v)),
        );
    }
    let t = best_of(3, || {
        black_box(count_evmatch(&trusted_exact, &events));
    });
    let trusted_mbs = mb / t.as_secs_f64();
    println!(
        "{:<28} {:>12.0} {:>9.0}",
        "exact (trusted input)",
        n_events / t.as_secs_f64(),
        trusted_mbs
    );
    let combo = machines.iter().find(|(s, _)| *s == "combo").unwrap();
    let t = best_of(3, || {
        black_box(count_evmatch(&combo.1, &events));
    });
    let exact_t = n_events / exact_evs;
    println!(
        "\nexact vs yardstick: {:.0}% (full validation), {:.0}% (trusted input)",
        100.0 * (bytes as f64 / exact_t / 1e6) / memchr_mbs,
        100.0 * trusted_mbs / memchr_mbs
    );
    println!(
        "combo vs exact: {:.0}%",
        100.0 * (n_events / t.as_secs_f64()) / exact_evs
    );
}
