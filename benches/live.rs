//! Live updates at scale: the time to add one rule and to remove one rule
//! in a `LiveMachine` of 100,000 rules (criterion), and reader throughput
//! with and without a writer updating rules concurrently (table).
//!
//! `EVMATCH_BENCH_QUICK=1` prints only the table.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::gen::{event, rule, Rng};
use criterion::{black_box, Criterion};
use evmatch::{LiveMachine, Scratch};

const RULES: usize = 100_000;

fn main() {
    let mut r = Rng(0x5eed_0000 + RULES as u64);
    let live = Arc::new(LiveMachine::new());
    let t = Instant::now();
    live.replace_rules((0..RULES).map(|i| (format!("rule-{i}"), rule(&mut r, i))))
        .unwrap();
    eprintln!("{RULES} rules loaded in {:.2} s", t.elapsed().as_secs_f64());
    let mut er = Rng(42);
    let events: Arc<Vec<String>> = Arc::new((0..20_000).map(|_| event(&mut er)).collect());
    let extra: Vec<String> = (0..1000).map(|i| rule(&mut r, i)).collect();

    if std::env::var_os("EVMATCH_BENCH_QUICK").is_none() {
        let mut c = Criterion::default()
            .sample_size(50)
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(3))
            .configure_from_args();
        let mut g = c.benchmark_group("live-100k");
        let mut i = 0usize;
        g.bench_function("add-then-remove-one-rule", |b| {
            b.iter(|| {
                let name = format!("extra-{}", i % 1000);
                live.add_rule(&name, &extra[i % 1000]).unwrap();
                black_box(live.remove_rule(&name));
                i += 1;
            })
        });
        g.finish();
        c.final_summary();
    }

    // Separate add and remove latencies (median and max of 500 each).
    let mut adds = Vec::new();
    let mut removes = Vec::new();
    for k in 0..500 {
        let name = format!("extra-{k}");
        let t = Instant::now();
        live.add_rule(&name, &extra[k % 1000]).unwrap();
        adds.push(t.elapsed());
    }
    for k in 0..500 {
        let t = Instant::now();
        live.remove_rule(&format!("extra-{k}")).unwrap();
        removes.push(t.elapsed());
    }
    adds.sort();
    removes.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!("\nat {RULES} rules:");
    println!(
        "  add one rule:    median {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        ms(adds[250]),
        ms(adds[495]),
        ms(adds[499])
    );
    println!(
        "  remove one rule: median {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        ms(removes[250]),
        ms(removes[495]),
        ms(removes[499])
    );

    // Reader throughput, alone and with a concurrent writer.
    let read_for = |secs: f64| {
        let mut scratch = Scratch::new();
        let t = Instant::now();
        let mut n = 0usize;
        while t.elapsed().as_secs_f64() < secs {
            for ev in events.iter().take(2000) {
                live.for_each_match(&mut scratch, ev.as_bytes(), |_| {})
                    .unwrap();
                n += 1;
            }
        }
        n as f64 / t.elapsed().as_secs_f64()
    };
    let alone = read_for(2.0);
    // The same events through an immutable snapshot (a plain `Machine`):
    // what the possibility of updates costs a reader.
    let snap = live.snapshot();
    let plain = {
        let mut scratch = snap.create_scratch();
        let t = Instant::now();
        let mut n = 0usize;
        while t.elapsed().as_secs_f64() < 2.0 {
            for ev in events.iter().take(2000) {
                snap.for_each_match(&mut scratch, ev.as_bytes(), |_| {})
                    .unwrap();
                n += 1;
            }
        }
        n as f64 / t.elapsed().as_secs_f64()
    };
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (live, stop) = (live.clone(), stop.clone());
        let extra = extra.clone();
        std::thread::spawn(move || {
            let mut k = 0usize;
            while !stop.load(Ordering::Relaxed) {
                let name = format!("w-{}", k % 100);
                live.add_rule(&name, &extra[k % 1000]).unwrap();
                live.remove_rule(&name);
                k += 1;
            }
            k
        })
    };
    let with_writer = read_for(2.0);
    stop.store(true, Ordering::Relaxed);
    let updates = writer.join().unwrap();
    println!(
        "  reader: {:.0} events/s alone ({:.0} through an immutable snapshot), {:.0} events/s with a concurrent writer ({} add+remove pairs in 2 s)",
        alone, plain, with_writer, updates
    );
}
