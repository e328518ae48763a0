//! `evmatch bench`: matching throughput over events held in memory, on one
//! or several threads.

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Barrier;
use std::time::{Duration, Instant};

use evmatch::{Machine, RuleId};

use crate::input::read_file;
use crate::{fail, io_text, rules, Fail};

pub struct Options {
    pub rules: PathBuf,
    pub events: PathBuf,
    pub iterations: u32,
    pub jobs: usize,
    pub trusted: bool,
}

/// Workers take this many events at a time from a pass.
const BLOCK: usize = 256;

pub fn run(opts: Options) -> Result<u8, Fail> {
    let machine = rules::load_machine(&opts.rules, opts.trusted)?;
    let label = opts.events.display().to_string();
    let data = std::fs::File::open(&opts.events)
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
    let iterations = opts.iterations;
    let jobs = opts.jobs.clamp(1, events.len().div_ceil(BLOCK));

    let progress = io::stderr().is_terminal();
    let pass = Pass {
        machine: &machine,
        events: &events,
        next: AtomicUsize::new(0),
        matches: AtomicU64::new(0),
        invalid: AtomicU64::new(0),
        start: Barrier::new(jobs),
        end: Barrier::new(jobs),
    };
    let mut total = Duration::ZERO;
    let mut best = Duration::MAX;
    std::thread::scope(|scope| {
        // The calling thread is worker 0 and keeps the time; the others
        // wait for each pass at the start barrier.
        for _ in 1..jobs {
            scope.spawn(|| {
                let mut worker = Worker::new(&machine);
                for _ in 0..iterations {
                    pass.start.wait();
                    pass.work(&mut worker);
                    pass.end.wait();
                }
            });
        }
        let mut worker = Worker::new(&machine);
        for i in 0..iterations {
            if progress {
                eprint!("\rpass {}/{iterations}", i + 1);
            }
            // The others are between passes: nothing reads these now.
            pass.next.store(0, Ordering::Relaxed);
            pass.matches.store(0, Ordering::Relaxed);
            pass.invalid.store(0, Ordering::Relaxed);
            let start = Instant::now();
            pass.start.wait();
            pass.work(&mut worker);
            pass.end.wait();
            let took = start.elapsed();
            total += took;
            best = best.min(took);
        }
    });
    if progress {
        eprint!("\r\x1b[K");
    }
    let matches = pass.matches.load(Ordering::Relaxed);
    let invalid = pass.invalid.load(Ordering::Relaxed);

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
         threads:          {jobs}\n\
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

/// One pass over the events, shared by the workers: each takes blocks of
/// events until none are left.
struct Pass<'a> {
    machine: &'a Machine,
    events: &'a [&'a [u8]],
    /// The first event not yet taken.
    next: AtomicUsize,
    matches: AtomicU64,
    invalid: AtomicU64,
    start: Barrier,
    end: Barrier,
}

struct Worker {
    scratch: evmatch::Scratch,
    ids: Vec<RuleId>,
}

impl Worker {
    fn new(machine: &Machine) -> Worker {
        Worker {
            scratch: machine.create_scratch(),
            ids: Vec::new(),
        }
    }
}

impl Pass<'_> {
    fn work(&self, w: &mut Worker) {
        let (mut matches, mut invalid) = (0u64, 0u64);
        loop {
            let from = self.next.fetch_add(BLOCK, Ordering::Relaxed);
            if from >= self.events.len() {
                break;
            }
            let to = (from + BLOCK).min(self.events.len());
            for event in &self.events[from..to] {
                w.ids.clear();
                match self.machine.find(&mut w.scratch, event, &mut w.ids) {
                    Ok(()) => matches += w.ids.len() as u64,
                    Err(_) => invalid += 1,
                }
            }
        }
        self.matches.fetch_add(matches, Ordering::Relaxed);
        self.invalid.fetch_add(invalid, Ordering::Relaxed);
    }
}
