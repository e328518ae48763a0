//! Property test: the compiled engine against the reference evaluator, on
//! random rule sets and random events (`evmatch_testkit::Dense`, driven by a
//! seeded generator, so a failure names a seed that reproduces it), with
//! the check of the `differential` fuzz target. Set `EVMATCH_DIFF_CASES` to
//! run more cases, `EVMATCH_DIFF_SEED` to start elsewhere.

use evmatch_testkit::{differential, Dense, Rng};

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn engine_agrees_with_reference() {
    let cases = env("EVMATCH_DIFF_CASES", 3000);
    let seed0 = env("EVMATCH_DIFF_SEED", 1);
    let mut events_checked = 0;
    for seed in seed0..seed0 + cases {
        let case = Dense::new(Rng::new(seed)).case();
        if let Err(e) = differential::check(&case) {
            panic!(
                "seed {seed} (EVMATCH_DIFF_SEED={seed} EVMATCH_DIFF_CASES=1): {e}\n--- case ---\n{}",
                case.describe()
            );
        }
        events_checked += case.events.len();
    }
    eprintln!("{cases} rule sets, {events_checked} events: engine and reference agree");
}
