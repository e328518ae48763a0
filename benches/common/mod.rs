//! Shared by the benchmarks: the CityLots workload of `../shared/bench`.

#![allow(dead_code)]

pub mod gen;

use std::path::PathBuf;
use std::time::{Duration, Instant};

/// `$EVMATCH_BENCH_DIR`, or `../shared/bench` beside the repository.
pub fn bench_dir() -> PathBuf {
    match std::env::var_os("EVMATCH_BENCH_DIR") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/bench"),
    }
}

/// The CityLots events, one per line, generated once into
/// `target/bench-data/` (never committed).
pub struct Events {
    pub data: Vec<u8>,
    pub lines: Vec<(usize, usize)>,
}

impl Events {
    pub fn load() -> Events {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-data");
        let file = dir.join("citylots2.jsonl");
        if !file.exists() {
            std::fs::create_dir_all(&dir).unwrap();
            eprintln!("generating {} ...", file.display());
            let status = std::process::Command::new("python3")
                .arg(bench_dir().join("gen_citylots2.py"))
                .arg(&file)
                .status()
                .expect("python3 runs the CityLots generator");
            assert!(status.success(), "the CityLots generator failed");
        }
        let data = std::fs::read(&file).unwrap();
        let mut lines = Vec::new();
        let mut start = 0;
        for i in memchr::memchr_iter(b'\n', &data) {
            if i > start {
                lines.push((start, i));
            }
            start = i + 1;
        }
        if start < data.len() {
            lines.push((start, data.len()));
        }
        Events { data, lines }
    }

    pub fn iter(&self) -> impl Iterator<Item = &[u8]> {
        self.lines.iter().map(|&(s, e)| &self.data[s..e])
    }

    pub fn bytes(&self) -> u64 {
        self.lines.iter().map(|&(s, e)| (e - s) as u64).sum()
    }
}

/// A rule set of `../shared/bench/rules` as (name, pattern text) pairs.
pub fn rule_set(name: &str) -> Vec<(String, String)> {
    let path = bench_dir().join("rules").join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v.as_object()
        .unwrap()
        .iter()
        .map(|(k, p)| (k.clone(), p.to_string()))
        .collect()
}

/// The expected total match count of a rule set.
pub fn expected(name: &str) -> u64 {
    let text = std::fs::read_to_string(bench_dir().join("expected-counts.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["total_matches"][name].as_u64().unwrap()
}

/// The best of `runs` timings of `f`.
pub fn best_of(runs: usize, mut f: impl FnMut()) -> Duration {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .min()
        .unwrap()
}

pub const RULE_SETS: &[&str] = &[
    "exact",
    "wildcard",
    "prefix",
    "prefix-equals-ignore-case",
    "suffix",
    "suffix-equals-ignore-case",
    "equals-ignore-case",
    "numeric",
    "anything-but",
    "anything-but-ignore-case",
    "anything-but-prefix",
    "anything-but-suffix",
    "anything-but-wildcard",
    "complex-arrays",
    "partial-combo",
    "combo",
];

/// The rule sets the peer engine can compile.
pub const QUAMINA_SETS: &[&str] = &[
    "exact",
    "prefix",
    "suffix",
    "wildcard",
    "equals-ignore-case",
    "numeric",
    "anything-but",
    "complex-arrays",
];
