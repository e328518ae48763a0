//! `evmatch bench`: matching throughput over events held in memory.

use std::io::{self, IsTerminal, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use evmatch::RuleId;

use crate::matching::read_file;
use crate::{fail, io_text, rules, Fail};

pub fn run(
    rules_path: &Path,
    events_path: &Path,
    iterations: u32,
    trusted: bool,
) -> Result<u8, Fail> {
    let machine = rules::load_machine(rules_path, trusted)?;
    let label = events_path.display().to_string();
    let data = std::fs::File::open(events_path)
        .and_then(|mut f| read_file(&mut f))
        .map_err(|e| fail(format!("{label}: {}", io_text(&e))))?;
    let events: Vec<&[u8]> = data
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
        .collect();
    if events.is_empty() {
        return Err(fail(format!("{label}: no events")));
    }
    let bytes: usize = events.iter().map(|e| e.len()).sum();

    let progress = io::stderr().is_terminal();
    let mut scratch = machine.create_scratch();
    let mut ids: Vec<RuleId> = Vec::new();
    let (mut matches, mut invalid) = (0u64, 0u64);
    let mut total = Duration::ZERO;
    let mut best = Duration::MAX;
    for pass in 0..iterations {
        if progress {
            eprint!("\rpass {}/{iterations}", pass + 1);
        }
        let (mut pass_matches, mut pass_invalid) = (0u64, 0u64);
        let start = Instant::now();
        for event in &events {
            ids.clear();
            match machine.find(&mut scratch, event, &mut ids) {
                Ok(()) => pass_matches += ids.len() as u64,
                Err(_) => pass_invalid += 1,
            }
        }
        let took = start.elapsed();
        total += took;
        best = best.min(took);
        matches = pass_matches;
        invalid = pass_invalid;
    }
    if progress {
        eprint!("\r\x1b[K");
    }

    let secs = total.as_secs_f64().max(1e-9) / f64::from(iterations);
    let best_secs = best.as_secs_f64().max(1e-9);
    let n = events.len() as f64;
    let mb = bytes as f64 / 1e6;
    let mut out = io::stdout().lock();
    let result = writeln!(
        out,
        "rules:            {}\n\
         events per pass:  {} ({} bytes), {} invalid\n\
         passes:           {iterations}\n\
         matches per pass: {matches}\n\
         time per pass:    {:.3} ms (best {:.3} ms)\n\
         events/s:         {:.0} (best {:.0})\n\
         MB/s:             {:.2} (best {:.2})",
        machine.rule_count(),
        events.len(),
        bytes,
        invalid,
        secs * 1e3,
        best_secs * 1e3,
        n / secs,
        n / best_secs,
        mb / secs,
        mb / best_secs,
    );
    match result {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            Err(fail(format!("standard output: {}", io_text(&e))))
        }
        _ => Ok(0),
    }
}
