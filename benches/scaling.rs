//! Rule-count scaling: EventBridge-shaped events (an envelope and a
//! `detail` object, about 1 KB) against 10 to 100,000 selective rules
//! (exact, prefix, suffix, numeric ranges, cidr, and anything-but combined
//! with an exact field, over a few dozen paths), so that an event matches a
//! handful of rules. Reports events/s at each size, the ratio of 100,000
//! rules to 10, the compile time and memory of each machine, and quamina
//! 0.7.0 compiled from the same rules and run over the same events.
//!
//! quamina runs in a child process (this program, started again with
//! `EVMATCH_SCALING_QUAMINA=N`), one per rule count, so that a compile or a
//! pass that takes longer than the budget (`EVMATCH_QUAMINA_BUDGET` seconds,
//! default 60) is stopped and reported as timed out, and a panic inside
//! quamina is reported as that rule count's result instead of ending the
//! benchmark. Rules quamina refuses are counted and reported.
//!
//! The passes are measured in rounds (`EVMATCH_BENCH_ROUNDS`, default 7):
//! in each, every rule count runs one evmatch pass and one quamina pass, and
//! the best round of each is kept. `EVMATCH_BENCH_QUICK=1` prints only the
//! table.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{BufRead, Write};
use std::panic::AssertUnwindSafe;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

mod common;

use common::gen::{event, rule, Rng};
use common::thousands;
use criterion::{black_box, Criterion, Throughput};
use evmatch::Machine;

/// Tracks live heap bytes, to measure what a machine holds.
struct Tracking;
static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator and only keeps a counter.
unsafe impl GlobalAlloc for Tracking {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(l.size(), Ordering::Relaxed);
        // SAFETY: forwarded unchanged.
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size(), Ordering::Relaxed);
        // SAFETY: forwarded unchanged.
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        LIVE.fetch_add(n, Ordering::Relaxed);
        LIVE.fetch_sub(l.size(), Ordering::Relaxed);
        // SAFETY: forwarded unchanged.
        unsafe { System.realloc(p, l, n) }
    }
}

#[global_allocator]
static GLOBAL: Tracking = Tracking;

const SIZES: [usize; 5] = [10, 100, 1_000, 10_000, 100_000];
const EVENTS: usize = 20_000;

/// The rules of a size: the same texts for both engines.
fn rules(n: usize) -> Vec<String> {
    let mut r = Rng(0x5eed_0000 + n as u64);
    (0..n).map(|i| rule(&mut r, i)).collect()
}

fn events() -> Vec<String> {
    let mut r = Rng(42);
    (0..EVENTS).map(|_| event(&mut r)).collect()
}

fn build(n: usize) -> (Machine, Duration, usize) {
    let texts = rules(n);
    let before = LIVE.load(Ordering::Relaxed);
    let t = Instant::now();
    let m = {
        let mut b = Machine::builder();
        for (i, p) in texts.iter().enumerate() {
            b.add_rule(&format!("rule-{i}"), p).unwrap();
        }
        b.build()
    };
    let elapsed = t.elapsed();
    let held = LIVE.load(Ordering::Relaxed).saturating_sub(before);
    (m, elapsed, held)
}

fn run(m: &Machine, events: &[String]) -> u64 {
    let mut scratch = m.create_scratch();
    let mut n = 0;
    for ev in events {
        m.for_each_match(&mut scratch, ev.as_bytes(), |_| n += 1)
            .unwrap();
    }
    n
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(no message)".into()
    }
}

/// The child: compiles `n` rules into quamina, then runs one pass over the
/// events for each `pass` line on stdin. Writes one line per step:
/// `progress ADDED REFUSED` every 1,000 rules, `compiled SECS REFUSED
/// BYTES`, `pass SECS MATCHES`, or `panic MESSAGE` and exits.
fn quamina_child(n: usize) {
    std::panic::set_hook(Box::new(|_| {}));
    let out = std::io::stdout();
    let say = |line: String| {
        let mut o = out.lock();
        writeln!(o, "{line}").unwrap();
        o.flush().unwrap();
    };
    let texts = rules(n);
    let before = LIVE.load(Ordering::Relaxed);
    let t = Instant::now();
    let compiled = std::panic::catch_unwind(AssertUnwindSafe(|| {
        let mut q = quamina::Quamina::new();
        let mut refused = 0usize;
        for (i, p) in texts.iter().enumerate() {
            if q.add_pattern(i as u32, p).is_err() {
                refused += 1;
            }
            if (i + 1) % 1000 == 0 {
                say(format!("progress {} {refused}", i + 1));
            }
        }
        (q, refused)
    }));
    let (q, refused) = match compiled {
        Ok(c) => c,
        Err(p) => return say(format!("panic {}", panic_message(&*p))),
    };
    let held = LIVE.load(Ordering::Relaxed).saturating_sub(before);
    say(format!(
        "compiled {} {refused} {held}",
        t.elapsed().as_secs_f64()
    ));
    let events = events();
    for line in std::io::stdin().lock().lines() {
        if line.unwrap() != "pass" {
            continue;
        }
        let t = Instant::now();
        let pass = std::panic::catch_unwind(AssertUnwindSafe(|| {
            events
                .iter()
                .map(|ev| {
                    q.matches_for_event(ev.as_bytes())
                        .map_or(0, |m| m.len() as u64)
                })
                .sum::<u64>()
        }));
        match pass {
            Ok(matches) => say(format!("pass {} {matches}", t.elapsed().as_secs_f64())),
            Err(p) => {
                return say(format!(
                    "panic in matches_for_event: {}",
                    panic_message(&*p)
                ))
            }
        }
    }
}

/// What became of quamina at one rule count.
enum Peer {
    Running {
        child: Child,
        stdin: ChildStdin,
        lines: Receiver<String>,
    },
    /// Stopped after the last round.
    Stopped,
    Failed(String),
}

/// quamina at one rule count, driven from the parent.
struct Quamina {
    n: usize,
    peer: Peer,
    compile: Option<Duration>,
    refused: usize,
    held: usize,
    best: Duration,
    matches: u64,
}

impl Quamina {
    /// Starts the child and waits for its compile, within `budget`.
    fn start(n: usize, budget: Duration) -> Quamina {
        let mut q = Quamina {
            n,
            peer: Peer::Stopped,
            compile: None,
            refused: 0,
            held: 0,
            best: Duration::MAX,
            matches: 0,
        };
        let spawned = Command::new(std::env::current_exe().unwrap())
            .env("EVMATCH_SCALING_QUAMINA", n.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn();
        let mut child = match spawned {
            Ok(c) => c,
            Err(e) => {
                q.peer = Peer::Failed(format!("could not start: {e}"));
                return q;
            }
        };
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let deadline = Instant::now() + budget;
        let mut added = 0;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match lines.recv_timeout(left) {
                Ok(line) => {
                    let f: Vec<&str> = line.splitn(4, ' ').collect();
                    match f[0] {
                        "progress" => {
                            added = f[1].parse().unwrap();
                            q.refused = f[2].parse().unwrap();
                        }
                        "compiled" => {
                            q.compile = Some(Duration::from_secs_f64(f[1].parse().unwrap()));
                            q.refused = f[2].parse().unwrap();
                            q.held = f[3].parse().unwrap();
                            q.peer = Peer::Running {
                                child,
                                stdin,
                                lines,
                            };
                            return q;
                        }
                        _ => {
                            q.fail(child, format!("compile: {}", line));
                            return q;
                        }
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    q.fail(
                        child,
                        format!(
                            "timed out compiling after {} s ({} of {} rules added, {} refused)",
                            budget.as_secs(),
                            thousands(added as u64),
                            thousands(n as u64),
                            thousands(q.refused as u64)
                        ),
                    );
                    return q;
                }
                Err(RecvTimeoutError::Disconnected) => {
                    let status = child.wait().map(|s| s.to_string()).unwrap_or_default();
                    q.peer = Peer::Failed(format!("died compiling ({status})"));
                    return q;
                }
            }
        }
    }

    fn fail(&mut self, mut child: Child, why: String) {
        let _ = child.kill();
        let _ = child.wait();
        self.peer = Peer::Failed(why);
    }

    /// One pass over the events in the child, within `budget`.
    fn pass(&mut self, budget: Duration) {
        let Peer::Running { stdin, lines, .. } = &mut self.peer else {
            return;
        };
        let sent = writeln!(stdin, "pass").and_then(|_| stdin.flush());
        let reply = match sent {
            Ok(()) => lines.recv_timeout(budget),
            Err(_) => Err(RecvTimeoutError::Disconnected),
        };
        let why = match reply {
            Ok(line) if line.starts_with("pass ") => {
                let f: Vec<&str> = line.split(' ').collect();
                self.best = self
                    .best
                    .min(Duration::from_secs_f64(f[1].parse().unwrap()));
                self.matches = f[2].parse().unwrap();
                return;
            }
            Ok(line) => line,
            Err(RecvTimeoutError::Timeout) => {
                format!("timed out: a pass took more than {} s", budget.as_secs())
            }
            Err(RecvTimeoutError::Disconnected) => "died matching".into(),
        };
        if let Peer::Running { child, .. } = std::mem::replace(&mut self.peer, Peer::Stopped) {
            self.fail(child, why);
        }
    }

    fn stop(&mut self) {
        if matches!(self.peer, Peer::Running { .. }) {
            if let Peer::Running {
                mut child, stdin, ..
            } = std::mem::replace(&mut self.peer, Peer::Stopped)
            {
                drop(stdin);
                let _ = child.wait();
            }
        }
    }
}

fn main() {
    if let Some(n) = std::env::var_os("EVMATCH_SCALING_QUAMINA") {
        quamina_child(n.to_str().unwrap().parse().unwrap());
        return;
    }
    let events = events();
    let bytes: u64 = events.iter().map(|e| e.len() as u64).sum();
    eprintln!(
        "{} events, {:.0} bytes each",
        events.len(),
        bytes as f64 / events.len() as f64
    );
    let budget = Duration::from_secs(
        std::env::var("EVMATCH_QUAMINA_BUDGET")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(60),
    );
    let rounds: usize = std::env::var("EVMATCH_BENCH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(7);
    let machines: Vec<(usize, Machine, Duration, usize)> = SIZES
        .iter()
        .map(|&n| {
            let (m, t, held) = build(n);
            (n, m, t, held)
        })
        .collect();

    if std::env::var_os("EVMATCH_BENCH_QUICK").is_none() {
        let mut c = Criterion::default()
            .sample_size(10)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(4))
            .configure_from_args();
        let mut g = c.benchmark_group("scaling");
        g.throughput(Throughput::Bytes(bytes));
        for (n, m, _, _) in &machines {
            g.bench_function(format!("rules-{n}"), |b| {
                b.iter(|| black_box(run(m, &events)))
            });
        }
        g.finish();
        c.final_summary();
    }

    // One quamina child per rule count, compiled one after another (each
    // compile alone on the machine, within the budget).
    let mut peers: Vec<Quamina> = SIZES
        .iter()
        .map(|&n| {
            eprintln!("quamina: compiling {} rules", thousands(n as u64));
            Quamina::start(n, budget)
        })
        .collect();

    // Rounds over all sizes in turn, evmatch then quamina at each, the best
    // pass of each kept: load from elsewhere on the machine then hits every
    // size and both engines alike.
    let mut best = vec![Duration::MAX; machines.len()];
    let mut matches = vec![0; machines.len()];
    for round in 0..rounds {
        eprintln!("round {} of {rounds}", round + 1);
        for (i, (_, m, _, _)) in machines.iter().enumerate() {
            let s = Instant::now();
            matches[i] = run(m, &events);
            best[i] = best[i].min(s.elapsed());
            peers[i].pass(budget);
        }
    }
    for p in &mut peers {
        p.stop();
    }

    println!(
        "\n{} events of {:.0} bytes; best of {rounds} rounds\n",
        thousands(events.len() as u64),
        bytes as f64 / events.len() as f64
    );
    println!(
        "{:>8} {:>12} {:>9} {:>14} {:>12} {:>10}",
        "rules", "events/s", "MB/s", "matches/event", "compile", "memory"
    );
    let mut base = 0.0;
    let mut evmatch_evs = Vec::new();
    for (i, (n, _, t, held)) in machines.iter().enumerate() {
        let evs = events.len() as f64 / best[i].as_secs_f64();
        evmatch_evs.push(evs);
        if *n == 10 {
            base = evs;
        }
        println!(
            "{:>8} {:>12} {:>9.0} {:>14.2} {:>10.0}ms {:>8.1}MB",
            thousands(*n as u64),
            thousands(evs as u64),
            bytes as f64 / 1e6 / best[i].as_secs_f64(),
            matches[i] as f64 / events.len() as f64,
            t.as_secs_f64() * 1e3,
            *held as f64 / 1e6
        );
    }
    let last = *evmatch_evs.last().unwrap();
    println!(
        "\nthroughput at {} rules: {:.0}% of that at 10 rules",
        thousands(*SIZES.last().unwrap() as u64),
        100.0 * last / base
    );

    println!(
        "\nquamina 0.7.0, the same rules and events (budget {} s per compile and per pass)\n",
        budget.as_secs()
    );
    println!(
        "{:>8} {:>12} {:>14} {:>10} {:>10} {:>10} {:>18}",
        "rules", "events/s", "matches/event", "compile", "memory", "refused", "evmatch vs quamina"
    );
    for (i, q) in peers.iter().enumerate() {
        let compiled = q
            .compile
            .map_or("-".into(), |t| format!("{:.0}ms", t.as_secs_f64() * 1e3));
        let refused = thousands(q.refused as u64);
        match &q.peer {
            Peer::Failed(why) => {
                println!(
                    "{:>8} {:>12} {:>14} {:>10} {:>10} {:>10}   {why}",
                    thousands(q.n as u64),
                    "-",
                    "-",
                    compiled,
                    "-",
                    refused
                );
            }
            _ => {
                let evs = events.len() as f64 / q.best.as_secs_f64();
                println!(
                    "{:>8} {:>12} {:>14.2} {:>10} {:>8.1}MB {:>10} {:>17.1}x",
                    thousands(q.n as u64),
                    thousands(evs as u64),
                    q.matches as f64 / events.len() as f64,
                    compiled,
                    q.held as f64 / 1e6,
                    refused,
                    evmatch_evs[i] / evs
                );
            }
        }
    }
    println!(
        "\nquamina's matches/event count only the rules it accepted; evmatch compiles them all."
    );
}
