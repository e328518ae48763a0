//! Shared by the benchmarks and examples: the CityLots workload (its events,
//! generated once into the target folder, its sixteen rule sets and their
//! expected match counts, in `benches/citylots/`).

#![allow(dead_code)]

pub mod citylots;
pub mod gen;

use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

/// SHA-256 of the full 213,068-event file (180,436,759 bytes), computed
/// with `python3 gen_citylots2.py out.jsonl && sha256sum out.jsonl` from
/// the Python program `citylots.rs` reproduces; checked whenever the file is
/// generated.
pub const FULL_SHA256: &str = "30d30ffc0bdddaf90a716915290c7c36c58bd318d0acd7cea28a3127814c7b5e";

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `benches/citylots/`: the rule sets (`rules/NAME.json`) and
/// `expected-counts.json`.
pub fn kit_dir() -> PathBuf {
    root().join("benches/citylots")
}

/// `${CARGO_TARGET_DIR:-target}/bench-data/citylots2.jsonl`, a relative
/// target folder taken from the repository root.
pub fn data_file() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target"));
    root()
        .join(target)
        .join("bench-data")
        .join("citylots2.jsonl")
}

/// Writes the full CityLots file to `file` (through a temporary file, so
/// that an interrupted run leaves nothing behind) and checks its SHA-256.
pub fn generate(file: &std::path::Path) {
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    eprintln!("generating {} ...", file.display());
    let tmp = file.with_extension("jsonl.tmp");
    let mut out = Hashing(
        std::io::BufWriter::new(std::fs::File::create(&tmp).unwrap()),
        Sha256::new(),
    );
    citylots::write_events(&mut out, citylots::EVENTS).unwrap();
    out.flush().unwrap();
    let digest = hex(&out.1.finalize());
    if digest != FULL_SHA256 {
        let _ = std::fs::remove_file(&tmp);
        panic!("the generated CityLots file hashes to {digest}, not {FULL_SHA256}");
    }
    std::fs::rename(&tmp, file).unwrap();
}

/// A writer that hashes what it passes on.
struct Hashing<W>(W, Sha256);

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.0.write(buf)?;
        self.1.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// Lower-case hexadecimal.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The CityLots events, one per line.
pub struct Events {
    pub data: Vec<u8>,
    pub lines: Vec<(usize, usize)>,
}

impl Events {
    /// The events of [`data_file`], generated on first use, checked
    /// against the event and byte counts of `expected-counts.json`.
    pub fn load() -> Events {
        let file = data_file();
        if !file.exists() {
            generate(&file);
        }
        let events = Events::read(&file);
        let counts = expected_counts();
        assert_eq!(
            events.lines.len() as u64,
            counts["events"].as_u64().unwrap(),
            "{}: event count (delete the file to regenerate it)",
            file.display()
        );
        assert_eq!(
            events.bytes(),
            counts["bytes_without_newlines"].as_u64().unwrap(),
            "{}: byte count (delete the file to regenerate it)",
            file.display()
        );
        events
    }

    /// The events of any JSON Lines file (blank lines skipped).
    pub fn read(file: &std::path::Path) -> Events {
        let data = std::fs::read(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
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

/// A rules file (`{name: pattern}`) as (name, pattern text) pairs.
pub fn rules_file(path: &std::path::Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v.as_object()
        .unwrap()
        .iter()
        .map(|(k, p)| (k.clone(), p.to_string()))
        .collect()
}

/// A CityLots rule set by name, as (name, pattern text) pairs.
pub fn rule_set(name: &str) -> Vec<(String, String)> {
    rules_file(&kit_dir().join("rules").join(format!("{name}.json")))
}

fn expected_counts() -> serde_json::Value {
    let path = kit_dir().join("expected-counts.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// The expected total match count of a rule set.
pub fn expected(name: &str) -> u64 {
    expected_counts()["total_matches"][name].as_u64().unwrap()
}

/// `1234567` as `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
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
