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

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const STRING_FIELDS: usize = 16;
const NUMBER_FIELDS: usize = 8;
const IP_FIELDS: usize = 4;
const SOURCES: u64 = 5000;
const VOCAB: u64 = 50_000;

fn word(i: u64) -> String {
    // Deterministic pseudo-words with varied prefixes and suffixes.
    let syl = [
        "ka", "lo", "mi", "ne", "su", "ta", "ri", "po", "ve", "zu", "an", "el",
    ];
    let mut s = String::new();
    let mut x = i.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 20;
    for _ in 0..5 {
        s.push_str(syl[(x % 12) as usize]);
        x /= 12;
    }
    s.push_str(&format!("{}", i % 97));
    s
}

fn event(r: &mut Rng) -> String {
    let mut detail = Vec::new();
    for k in 0..STRING_FIELDS {
        detail.push(format!("\"s{k}\":\"{}\"", word(r.below(VOCAB))));
    }
    for k in 0..NUMBER_FIELDS {
        detail.push(format!(
            "\"n{k}\":{}.{:02}",
            r.below(1_000_000),
            r.below(100)
        ));
    }
    for k in 0..IP_FIELDS {
        detail.push(format!(
            "\"ip{k}\":\"10.{}.{}.{}\"",
            r.below(256),
            r.below(256),
            r.below(256)
        ));
    }
    detail.push(format!(
        "\"tags\":[{{\"key\":\"team\",\"value\":\"{}\"}},{{\"key\":\"env\",\"value\":\"prod\"}}]",
        word(r.below(100))
    ));
    format!(
        "{{\"version\":\"0\",\"id\":\"{:016x}-{:08x}\",\"detail-type\":\"Order {}\",\"source\":\"com.example.src{}\",\
         \"account\":\"{:012}\",\"time\":\"2026-11-29T18:{:02}:{:02}Z\",\"region\":\"eu-west-{}\",\
         \"resources\":[\"arn:aws:ec2:eu-west-1:123456789012:instance/i-{:012x}\"],\"detail\":{{{}}}}}",
        r.next(),
        r.next() as u32,
        word(r.below(20)),
        r.below(SOURCES),
        r.below(1_000_000_000_000),
        r.below(60),
        r.below(60),
        r.below(3),
        r.next() & 0xffff_ffff_ffff,
        detail.join(",")
    )
}

fn rule(r: &mut Rng, i: usize) -> String {
    match i % 6 {
        0 => format!(
            "{{\"detail\":{{\"s{}\":[\"{}\"]}}}}",
            r.below(STRING_FIELDS as u64),
            word(r.below(VOCAB))
        ),
        1 => {
            let w = word(r.below(VOCAB));
            format!("{{\"detail\":{{\"s{}\":[{{\"prefix\":\"{}\"}}]}}}}", r.below(STRING_FIELDS as u64), &w[..8])
        }
        2 => {
            let w = word(r.below(VOCAB));
            format!(
                "{{\"detail\":{{\"s{}\":[{{\"suffix\":\"{}\"}}]}}}}",
                r.below(STRING_FIELDS as u64),
                &w[w.len() - 7..]
            )
        }
        3 => {
            let lo = r.below(1_000_000);
            format!(
                "{{\"detail\":{{\"n{}\":[{{\"numeric\":[\">\",{lo},\"<=\",{}]}}]}}}}",
                r.below(NUMBER_FIELDS as u64),
                lo + 5
            )
        }
        4 => format!(
            "{{\"detail\":{{\"ip{}\":[{{\"cidr\":\"10.{}.{}.0/24\"}}]}}}}",
            r.below(IP_FIELDS as u64),
            r.below(256),
            r.below(256)
        ),
        _ => format!(
            "{{\"source\":[\"com.example.src{}\"],\"detail\":{{\"s{}\":[{{\"anything-but\":[\"{}\"]}}]}}}}",
            r.below(SOURCES),
            r.below(STRING_FIELDS as u64),
            word(r.below(VOCAB))
        ),
    }
}

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
    let mut base = 0.0;
    for (n, m, t, held) in &machines {
        let mut matches = 0;
        let best = (0..3)
            .map(|_| {
                let s = Instant::now();
                matches = run(m, &events);
                s.elapsed()
            })
            .min()
            .unwrap();
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
