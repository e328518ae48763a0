//! Debugging aid: per-event candidate statistics at 100,000 scaling rules.
#[path = "../benches/common/gen.rs"]
#[allow(dead_code)]
mod gen;
fn main() {
    let mut r = gen::Rng(0x5eed_0000 + 100_000);
    let mut b = evmatch::Machine::builder();
    for i in 0..100_000 {
        b.add_rule(&format!("rule-{i}"), gen::rule(&mut r, i))
            .unwrap();
    }
    let m = b.build();
    let mut er = gen::Rng(42);
    let events: Vec<String> = (0..2000).map(|_| gen::event(&mut er)).collect();
    let mut s = m.create_scratch();
    let t = std::time::Instant::now();
    let mut n = 0;
    for _ in 0..20 {
        for e in &events {
            m.for_each_match(&mut s, e.as_bytes(), |_| n += 1).unwrap();
        }
    }
    eprintln!("{:?} per event, {} matches", t.elapsed() / 40000, n);
}
