//! Profiling helper: matches the CityLots events with one rule set (a name in
//! ../shared/bench/rules or a path), N times; reports the best pass.
//! `cargo run --release --example profile_exact -- RULESET [PASSES] [trusted]`
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let set = args.get(1).map(String::as_str).unwrap_or("exact");
    let passes: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(3);
    let trusted = args.get(3).is_some();
    let path = if set.contains('/') {
        set.to_string()
    } else {
        format!("../shared/bench/rules/{set}.json")
    };
    let rules = std::fs::read_to_string(path).unwrap();
    let rules: serde_json::Value = serde_json::from_str(&rules).unwrap();
    let mut b = evmatch::Machine::builder();
    b.trusted_input(trusted);
    for (k, v) in rules.as_object().unwrap() {
        b.add_rule(k, v.to_string()).unwrap();
    }
    let m = b.build();
    let file = std::env::var("EVMATCH_EVENTS")
        .unwrap_or_else(|_| "target/bench-data/citylots2.jsonl".into());
    let data = std::fs::read(file).unwrap();
    let lines: Vec<&[u8]> = data
        .split(|&c| c == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    let mut scratch = m.create_scratch();
    let mut n = 0u64;
    let mut secs = f64::MAX;
    for _ in 0..passes {
        let t = std::time::Instant::now();
        for l in &lines {
            m.for_each_match(&mut scratch, l, |_| n += 1).unwrap();
        }
        secs = secs.min(t.elapsed().as_secs_f64());
    }
    let bytes: usize = lines.iter().map(|l| l.len()).sum();
    eprintln!(
        "{set}: {n} matches, {:.0} events/s, {:.0} MB/s",
        lines.len() as f64 / secs,
        bytes as f64 / secs / 1e6
    );
}
