//! `evmatch match`: runs JSON Lines events through a machine, on several
//! threads, writing the answers in input order.

use std::fs::File;
use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;

use evmatch::{EventError, JsonLines, Machine, RuleId, Scratch};

use crate::input::{self, Chunk, Feed};
use crate::pipeline::{self, Stop};
use crate::progress::Progress;
use crate::{fail, io_text, rules, Fail};

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// One JSON array of rule names (or an error object) per event.
    List,
    /// The input lines that match at least one rule.
    Filter,
    /// Only the totals.
    Count,
}

pub struct Options {
    pub rules: PathBuf,
    pub events: Vec<PathBuf>,
    pub mode: Mode,
    pub only: Vec<String>,
    /// Worker threads (1: match on the main thread).
    pub jobs: usize,
    /// About how many bytes of input each worker takes at a time.
    pub chunk_size: usize,
    pub trusted: bool,
}

/// An input source, opened before any output is written so that a missing
/// file is reported before anything else happens.
enum Source {
    Stdin,
    File(String, File),
}

pub fn run(opts: Options) -> Result<u8, Fail> {
    let machine = rules::load_machine(&opts.rules, opts.trusted)?;
    let selected = if opts.only.is_empty() {
        None
    } else {
        let mut sel = vec![false; machine.rule_count()];
        for name in &opts.only {
            match machine.rule_id(name) {
                Some(id) => sel[id.as_usize()] = true,
                None => {
                    return Err(fail(format!(
                        "--rule {name:?}: no such rule in {}",
                        opts.rules.display()
                    )))
                }
            }
        }
        Some(sel)
    };
    let mut sources = Vec::new();
    if opts.events.is_empty() {
        sources.push(Source::Stdin);
    }
    for path in &opts.events {
        if path.as_os_str() == "-" {
            sources.push(Source::Stdin);
            continue;
        }
        let label = path.display().to_string();
        match File::open(path) {
            Ok(f) => sources.push(Source::File(label, f)),
            Err(e) => return Err(fail(format!("{label}: {}", io_text(&e)))),
        }
    }

    let render = Render::new(&machine, selected, opts.mode);
    let stdout = io::stdout();
    let mut out = Output {
        mode: opts.mode,
        tty: stdout.is_terminal(),
        out: io::BufWriter::with_capacity(64 * 1024, stdout.lock()),
        totals: Totals::default(),
    };
    let result = sources
        .into_iter()
        .try_for_each(|source| out.source(&render, source, opts.jobs, opts.chunk_size));
    let result = result.and_then(|()| {
        if out.mode == Mode::Count {
            let t = &out.totals;
            writeln!(
                out.out,
                "{{\"events\": {}, \"matched_events\": {}, \"matches\": {}, \"invalid_events\": {}}}",
                t.events, t.matched_events, t.matches, t.invalid
            )
            .map_err(Error::Out)?;
        }
        out.out.flush().map_err(Error::Out)
    });
    match result {
        Ok(()) => Ok(if out.totals.invalid > 0 { 3 } else { 0 }),
        // The reader went away (`evmatch match ... | head`): stop quietly.
        Err(Error::Out(e)) if e.kind() == io::ErrorKind::BrokenPipe => Ok(0),
        Err(Error::Out(e)) => Err(fail(format!("standard output: {}", io_text(&e)))),
        Err(Error::In(label, e)) => {
            let _ = out.out.flush();
            Err(fail(format!("{label}: {}", io_text(&e))))
        }
    }
}

enum Error {
    Out(io::Error),
    In(String, io::Error),
}

/// What the workers share: the machine and how answers are written.
struct Render<'m> {
    machine: &'m Machine,
    /// The position of each rule's name in sorted order, by rule id.
    rank: Vec<u32>,
    /// Each rule's name as a JSON string, by rule id.
    names_json: Vec<String>,
    selected: Option<Vec<bool>>,
    mode: Mode,
}

/// One worker's own working memory.
struct Worker {
    scratch: Scratch,
    ids: Vec<RuleId>,
}

/// An invalid event of a chunk.
struct Bad {
    /// Where in the chunk's output its report goes.
    at: usize,
    /// Its line within the chunk, from 1.
    line: u64,
    error: EventError,
}

/// What matching one chunk gave: its output except the reports of invalid
/// events, which need the chunk's first line number (known only in order).
#[derive(Default)]
struct Done {
    out: Vec<u8>,
    bad: Vec<Bad>,
    /// Physical lines in the chunk, empty ones included.
    lines: u64,
    bytes: u64,
    events: u64,
    matched_events: u64,
    matches: u64,
}

impl<'m> Render<'m> {
    fn new(machine: &'m Machine, selected: Option<Vec<bool>>, mode: Mode) -> Self {
        let n = machine.rule_count();
        let mut order: Vec<usize> = (0..n).collect();
        let name = |i: usize| machine.rule_name(RuleId::new(i).expect("rule id"));
        order.sort_by(|&a, &b| name(a).cmp(name(b)));
        let mut rank = vec![0u32; n];
        for (pos, &i) in order.iter().enumerate() {
            rank[i] = pos as u32;
        }
        let names_json = (0..n)
            .map(|i| serde_json::to_string(name(i)).expect("a string serialises"))
            .collect();
        Render {
            machine,
            rank,
            names_json,
            selected,
            mode,
        }
    }

    fn worker(&self) -> Worker {
        Worker {
            scratch: self.machine.create_scratch(),
            ids: Vec::with_capacity(self.machine.rule_count()),
        }
    }

    fn chunk(&self, w: &mut Worker, chunk: Chunk<'_>) -> Done {
        let mut done = Done {
            out: Vec::with_capacity(match self.mode {
                Mode::List => chunk.len() / 64,
                Mode::Filter => chunk.len() / 4,
                Mode::Count => 0,
            }),
            bytes: chunk.len() as u64,
            ..Done::default()
        };
        let mut lines = JsonLines::new(&chunk);
        for l in lines.by_ref() {
            self.line(w, l.event, l.number as u64, &mut done);
        }
        done.lines = lines.lines_read() as u64;
        done
    }

    /// Handles one event (a line without its end and a `\r` before it).
    fn line(&self, w: &mut Worker, line: &[u8], lineno: u64, done: &mut Done) {
        done.events += 1;
        w.ids.clear();
        if let Err(error) = self.machine.find(&mut w.scratch, line, &mut w.ids) {
            done.bad.push(Bad {
                at: done.out.len(),
                line: lineno,
                error,
            });
            return;
        }
        if let Some(sel) = &self.selected {
            w.ids.retain(|id| sel[id.as_usize()]);
        }
        if !w.ids.is_empty() {
            done.matched_events += 1;
            done.matches += w.ids.len() as u64;
        }
        let out = &mut done.out;
        match self.mode {
            Mode::List => {
                let rank = &self.rank;
                w.ids.sort_unstable_by_key(|id| rank[id.as_usize()]);
                out.push(b'[');
                for (i, id) in w.ids.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    out.extend_from_slice(self.names_json[id.as_usize()].as_bytes());
                }
                out.extend_from_slice(b"]\n");
            }
            Mode::Filter => {
                if !w.ids.is_empty() {
                    out.extend_from_slice(line);
                    out.push(b'\n');
                }
            }
            Mode::Count => {}
        }
    }
}

#[derive(Default)]
struct Totals {
    events: u64,
    matched_events: u64,
    matches: u64,
    invalid: u64,
}

/// The writing end: standard output and the totals.
struct Output<W: Write> {
    mode: Mode,
    /// Standard output is a terminal: answers are shown as they come.
    tty: bool,
    out: W,
    totals: Totals,
}

impl<W: Write> Output<W> {
    fn source(
        &mut self,
        render: &Render<'_>,
        source: Source,
        jobs: usize,
        chunk_size: usize,
    ) -> Result<(), Error> {
        let (label, map, file) = match source {
            Source::Stdin => ("standard input".to_string(), None, None),
            Source::File(label, file) => {
                let map = input::map_file(&file).map_err(|e| Error::In(label.clone(), e))?;
                (label, map, Some(file))
            }
        };
        let feed = match (&map, file) {
            (Some(map), _) => Feed::slice(&map[..], chunk_size),
            (None, Some(file)) => Feed::stream(file, chunk_size),
            (None, None) => Feed::stream(io::stdin(), chunk_size),
        };
        let mut progress = Progress::new(&label, map.as_ref().map(|m| m.len() as u64));
        let mut lines = 0u64;
        let result = pipeline::run(
            feed,
            jobs,
            || render.worker(),
            |w, chunk| render.chunk(w, chunk),
            |done| {
                // Writes to a terminal make room for the bar first.
                if self.tty && progress.shown() {
                    progress.suspend(|| self.deliver(&label, lines, &done, None))?;
                } else {
                    self.deliver(&label, lines, &done, Some(&progress))?;
                }
                lines += done.lines;
                progress.advance(done.bytes, done.events);
                Ok(())
            },
        );
        result.map_err(|stop| match stop {
            Stop::Input(e) => Error::In(label, e),
            Stop::Deliver(e) => Error::Out(e),
        })
    }

    /// Writes one chunk's answers; `before` is how many lines of its input
    /// came before the chunk. Reports on standard error make room for
    /// `progress` (None when the caller already has).
    fn deliver(
        &mut self,
        label: &str,
        before: u64,
        done: &Done,
        progress: Option<&Progress>,
    ) -> io::Result<()> {
        let t = &mut self.totals;
        t.events += done.events;
        t.matched_events += done.matched_events;
        t.matches += done.matches;
        t.invalid += done.bad.len() as u64;
        let mut written = 0;
        for bad in &done.bad {
            self.out.write_all(&done.out[written..bad.at])?;
            written = bad.at;
            let e = &bad.error;
            let line = before + bad.line;
            match self.mode {
                Mode::List => {
                    self.out.write_all(b"{\"error\": ")?;
                    serde_json::to_writer(&mut self.out, e.message())?;
                    writeln!(self.out, ", \"offset\": {}, \"line\": {line}}}", e.offset())?;
                }
                Mode::Filter => {
                    // Keep stdout a clean subset of the input; say why the
                    // line was dropped on stderr.
                    self.out.flush()?;
                    let report = || {
                        eprintln!(
                            "evmatch: {label}:{line}: invalid event: {} at offset {}",
                            e.message(),
                            e.offset()
                        )
                    };
                    match progress {
                        Some(p) => p.suspend(report),
                        None => report(),
                    }
                }
                Mode::Count => {}
            }
        }
        self.out.write_all(&done.out[written..])?;
        if self.tty && self.mode != Mode::Count {
            self.out.flush()?;
        }
        Ok(())
    }
}
