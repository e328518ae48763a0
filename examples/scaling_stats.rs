//! Debugging aid: best time per event at N scaling rules (default 100,000).
//! `cargo run --release --example scaling_stats -- [N] [EVENTS]`
//! (`EVMATCH_PASSES`: passes over the events, default 7; more for profiling)
//!
//! EVENTS (default 20,000, as `benches/scaling.rs` matches) should stay
//! larger than the CPU's L2 cache: with 2,000 events (1.8 MB) the events
//! stay cached at 10 rules but not at 100,000, which flatters the ratio's
//! denominator.
#[path = "../benches/common/gen.rs"]
#[allow(dead_code)]
mod gen;
fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let mut r = gen::Rng(0x5eed_0000 + n as u64);
    let mut b = evmatch::Machine::builder();
    for i in 0..n {
        b.add_rule(&format!("rule-{i}"), gen::rule(&mut r, i))
            .unwrap();
    }
    let m = b.build();
    let mut er = gen::Rng(42);
    let count: usize = std::env::args()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_000);
    let events: Vec<String> = (0..count).map(|_| gen::event(&mut er)).collect();
    let mut s = m.create_scratch();
    let passes: u32 = std::env::var("EVMATCH_PASSES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(7);
    let mut n = 0;
    let mut best = std::time::Duration::MAX;
    for _ in 0..passes {
        let t = std::time::Instant::now();
        for e in &events {
            m.for_each_match(&mut s, e.as_bytes(), |_| n += 1).unwrap();
        }
        best = best.min(t.elapsed() / count as u32);
    }
    eprintln!(
        "{best:?} per event (best of {passes}), {} matches per pass",
        n / passes as usize
    );
}
