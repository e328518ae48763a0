//! Profiling helper: matches the CityLots events with one rule set (a name in
//! `benches/citylots/rules/`, or a rules file `{name: pattern}` given by a
//! path containing `/`), PASSES times, and reports the best pass.
//!
//! `cargo run --profile profiling --example profile_exact -- RULESET [PASSES] [trusted]`
//!
//! The events are `${CARGO_TARGET_DIR:-target}/bench-data/citylots2.jsonl`,
//! generated on first use; `EVMATCH_EVENTS` names another JSON Lines file.
#[path = "../benches/common/mod.rs"]
mod common;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let set = args.get(1).map(String::as_str).unwrap_or("exact");
    let passes: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(3);
    let trusted = args.get(3).is_some();
    let rules = if set.contains('/') {
        common::rules_file(std::path::Path::new(set))
    } else {
        common::rule_set(set)
    };
    let mut b = evmatch::Machine::builder();
    b.trusted_input(trusted);
    for (name, pattern) in &rules {
        b.add_rule(name, pattern)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    let m = b.build();
    let events = match std::env::var_os("EVMATCH_EVENTS") {
        Some(file) => common::Events::read(std::path::Path::new(&file)),
        None => common::Events::load(),
    };
    let mut scratch = m.create_scratch();
    let mut n = 0u64;
    let mut secs = f64::MAX;
    for _ in 0..passes {
        let t = std::time::Instant::now();
        for ev in events.iter() {
            m.for_each_match(&mut scratch, ev, |_| n += 1).unwrap();
        }
        secs = secs.min(t.elapsed().as_secs_f64());
    }
    eprintln!(
        "{set}: {} matches a pass, {:.0} events/s, {:.0} MB/s",
        n / passes.max(1) as u64,
        events.lines.len() as f64 / secs,
        events.bytes() as f64 / secs / 1e6
    );
}
