//! Rule-count scaling: EventBridge-shaped events (an envelope and a
//! `detail` object, about 1 KB) against 10, 1,000 and 100,000 selective
//! rules (exact, prefix, suffix, numeric ranges, cidr, and anything-but
//! combined with an exact field, over a few dozen paths), so that an event
//! matches a handful of rules. Reports events/s at each size, the ratio of
//! 100,000 rules to 10, and the compile time and memory of 100,000 rules.
//!
//! `EVMATCH_BENCH_QUICK=1` prints only the table.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

mod common;

use common::gen::{event, rule, Rng};
use criterion::{black_box, Criterion, Throughput};
use evmatch::Machine;

/// Tracks live heap bytes, to measure what a machine holds.
struct Tracking;
static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator and only keeps a counter.
unsafe impl GlobalAlloc for Tracking {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(l.size(), Ordering::Relaxed);
        // SAFETY: forwarded unchanged.
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size(), Ordering::Relaxed);
        // SAFETY: forwarded unchanged.
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        LIVE.fetch_add(n, Ordering::Relaxed);
        LIVE.fetch_sub(l.size(), Ordering::Relaxed);
        // SAFETY: forwarded unchanged.
        unsafe { System.realloc(p, l, n) }
    }
}

#[global_allocator]
static GLOBAL: Tracking = Tracking;

fn build(n: usize) -> (Machine, Duration, usize) {
    let mut r = Rng(0x5eed_0000 + n as u64);
    let texts: Vec<String> = (0..n).map(|i| rule(&mut r, i)).collect();
    let before = LIVE.load(Ordering::Relaxed);
    let t = Instant::now();
    let m = {
        let mut b = Machine::builder();
        for (i, p) in texts.iter().enumerate() {
            b.add_rule(&format!("rule-{i}"), p).unwrap();
        }
        b.build()
    };
    let elapsed = t.elapsed();
    let held = LIVE.load(Ordering::Relaxed).saturating_sub(before);
    (m, elapsed, held)
}

fn run(m: &Machine, events: &[String]) -> u64 {
    let mut scratch = m.create_scratch();
    let mut n = 0;
    for ev in events {
        m.for_each_match(&mut scratch, ev.as_bytes(), |_| n += 1)
            .unwrap();
    }
    n
}

fn main() {
    let mut r = Rng(42);
    let events: Vec<String> = (0..20_000).map(|_| event(&mut r)).collect();
    let bytes: u64 = events.iter().map(|e| e.len() as u64).sum();
    eprintln!(
        "{} events, {:.0} bytes each",
        events.len(),
        bytes as f64 / events.len() as f64
    );
    let sizes = [10usize, 1_000, 100_000];
    let machines: Vec<(usize, Machine, Duration, usize)> = sizes
        .iter()
        .map(|&n| {
            let (m, t, held) = build(n);
            (n, m, t, held)
        })
        .collect();

    if std::env::var_os("EVMATCH_BENCH_QUICK").is_none() {
        let mut c = Criterion::default()
            .sample_size(10)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(4))
            .configure_from_args();
        let mut g = c.benchmark_group("scaling");
        g.throughput(Throughput::Bytes(bytes));
        for (n, m, _, _) in &machines {
            g.bench_function(format!("rules-{n}"), |b| {
                b.iter(|| black_box(run(m, &events)))
            });
        }
        g.finish();
        c.final_summary();
    }

    println!(
        "\n{:>8} {:>12} {:>9} {:>14} {:>12} {:>10}",
        "rules", "events/s", "MB/s", "matches/event", "compile", "memory"
    );
    // Rounds over all sizes in turn, the best pass of each size kept: load
    // from elsewhere on the machine then hits every size alike, where
    // measuring one size after another let a slow spell land on one.
    let mut best = vec![Duration::MAX; machines.len()];
    let mut matches = vec![0; machines.len()];
    for _ in 0..7 {
        for (i, (_, m, _, _)) in machines.iter().enumerate() {
            let s = Instant::now();
            matches[i] = run(m, &events);
            best[i] = best[i].min(s.elapsed());
        }
    }
    let mut base = 0.0;
    for (i, (n, _, t, held)) in machines.iter().enumerate() {
        let (best, matches) = (best[i], matches[i]);
        let evs = events.len() as f64 / best.as_secs_f64();
        if *n == 10 {
            base = evs;
        }
        println!(
            "{:>8} {:>12.0} {:>9.0} {:>14.2} {:>10.0}ms {:>8.1}MB",
            n,
            evs,
            bytes as f64 / 1e6 / best.as_secs_f64(),
            matches as f64 / events.len() as f64,
            t.as_secs_f64() * 1e3,
            *held as f64 / 1e6
        );
        if *n == 100_000 {
            println!(
                "\nthroughput at 100,000 rules: {:.0}% of that at 10 rules",
                100.0 * evs / base
            );
        }
    }
}
