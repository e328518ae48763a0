//! Debugging aid: add/remove latency at 100,000 rules.
#[path = "../benches/common/gen.rs"]
#[allow(dead_code)]
mod gen;
fn main() {
    let mut r = gen::Rng(0x5eed_0000 + 100_000);
    let live = evmatch::LiveMachine::new();
    live.replace_rules((0..100_000).map(|i| (format!("rule-{i}"), gen::rule(&mut r, i))))
        .unwrap();
    let extra: Vec<String> = (0..1000).map(|i| gen::rule(&mut r, i)).collect();
    let t = std::time::Instant::now();
    for k in 0..2000 {
        live.add_rule(&format!("x{}", k % 100), &extra[k % 1000])
            .unwrap();
        live.remove_rule(&format!("x{}", k % 100));
    }
    eprintln!("{:?} per add+remove", t.elapsed() / 2000);
}
