//! `evmatch match`: runs JSON Lines events through a machine.

use std::fs::File;
use std::io::{self, BufRead, IsTerminal, Write};
use std::path::PathBuf;

use evmatch::{Machine, RuleId, Scratch};

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

    let stdout = io::stdout();
    let tty = stdout.is_terminal();
    let mut run = Run::new(
        &machine,
        selected,
        opts.mode,
        io::BufWriter::with_capacity(64 * 1024, stdout.lock()),
        tty,
    );
    let result = sources
        .into_iter()
        .try_for_each(|source| run.source(source));
    let result = result.and_then(|()| {
        if run.mode == Mode::Count {
            writeln!(
                run.out,
                "{{\"events\": {}, \"matched_events\": {}, \"matches\": {}, \"invalid_events\": {}}}",
                run.events, run.matched_events, run.matches, run.invalid
            )
            .map_err(Error::Out)?;
        }
        run.out.flush().map_err(Error::Out)
    });
    match result {
        Ok(()) => Ok(if run.invalid > 0 { 3 } else { 0 }),
        // The reader went away (`evmatch match ... | head`): stop quietly.
        Err(Error::Out(e)) if e.kind() == io::ErrorKind::BrokenPipe => Ok(0),
        Err(Error::Out(e)) => Err(fail(format!("standard output: {}", io_text(&e)))),
        Err(Error::In(label, e)) => {
            let _ = run.out.flush();
            Err(fail(format!("{label}: {}", io_text(&e))))
        }
    }
}

enum Error {
    Out(io::Error),
    In(String, io::Error),
}

struct Run<'m, W: Write> {
    machine: &'m Machine,
    scratch: Scratch,
    ids: Vec<RuleId>,
    /// The position of each rule's name in sorted order, by rule id.
    rank: Vec<u32>,
    /// Each rule's name as a JSON string, by rule id.
    names_json: Vec<String>,
    selected: Option<Vec<bool>>,
    mode: Mode,
    out: W,
    tty: bool,
    events: u64,
    matched_events: u64,
    matches: u64,
    invalid: u64,
}

impl<'m, W: Write> Run<'m, W> {
    fn new(
        machine: &'m Machine,
        selected: Option<Vec<bool>>,
        mode: Mode,
        out: W,
        tty: bool,
    ) -> Self {
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
        Run {
            machine,
            scratch: machine.create_scratch(),
            ids: Vec::with_capacity(n),
            rank,
            names_json,
            selected,
            mode,
            out,
            tty,
            events: 0,
            matched_events: 0,
            matches: 0,
            invalid: 0,
        }
    }

    fn source(&mut self, source: Source) -> Result<(), Error> {
        match source {
            Source::Stdin => {
                let stdin = io::stdin();
                let mut reader = stdin.lock();
                let mut buf = Vec::with_capacity(64 * 1024);
                let mut lineno = 0;
                loop {
                    buf.clear();
                    let n = reader
                        .read_until(b'\n', &mut buf)
                        .map_err(|e| Error::In("standard input".into(), e))?;
                    if n == 0 {
                        return Ok(());
                    }
                    lineno += 1;
                    let line = buf.strip_suffix(b"\n").unwrap_or(&buf);
                    self.line(line, "standard input", lineno)
                        .map_err(Error::Out)?;
                }
            }
            Source::File(label, mut file) => {
                let data = read_file(&mut file).map_err(|e| Error::In(label.clone(), e))?;
                let mut rest: &[u8] = &data;
                let mut lineno = 0;
                while !rest.is_empty() {
                    let (line, next) = match memchr::memchr(b'\n', rest) {
                        Some(i) => (&rest[..i], &rest[i + 1..]),
                        None => (rest, &rest[rest.len()..]),
                    };
                    lineno += 1;
                    self.line(line, &label, lineno).map_err(Error::Out)?;
                    rest = next;
                }
                Ok(())
            }
        }
    }

    /// Handles one input line (without its `\n`).
    fn line(&mut self, line: &[u8], label: &str, lineno: u64) -> io::Result<()> {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(u8::is_ascii_whitespace) {
            return Ok(());
        }
        self.events += 1;
        self.ids.clear();
        match self.machine.find(&mut self.scratch, line, &mut self.ids) {
            Err(e) => {
                self.invalid += 1;
                match self.mode {
                    Mode::List => {
                        self.out.write_all(b"{\"error\": ")?;
                        serde_json::to_writer(&mut self.out, e.message())?;
                        writeln!(
                            self.out,
                            ", \"offset\": {}, \"line\": {lineno}}}",
                            e.offset()
                        )?;
                    }
                    Mode::Filter => {
                        // Keep stdout a clean subset of the input; say why
                        // the line was dropped on stderr.
                        self.out.flush()?;
                        eprintln!(
                            "evmatch: {label}:{lineno}: invalid event: {} at offset {}",
                            e.message(),
                            e.offset()
                        );
                    }
                    Mode::Count => {}
                }
            }
            Ok(()) => {
                if let Some(sel) = &self.selected {
                    self.ids.retain(|id| sel[id.as_usize()]);
                }
                if !self.ids.is_empty() {
                    self.matched_events += 1;
                    self.matches += self.ids.len() as u64;
                }
                match self.mode {
                    Mode::List => {
                        let rank = &self.rank;
                        self.ids.sort_unstable_by_key(|id| rank[id.as_usize()]);
                        self.out.write_all(b"[")?;
                        for (i, id) in self.ids.iter().enumerate() {
                            if i > 0 {
                                self.out.write_all(b",")?;
                            }
                            self.out
                                .write_all(self.names_json[id.as_usize()].as_bytes())?;
                        }
                        self.out.write_all(b"]\n")?;
                    }
                    Mode::Filter => {
                        if !self.ids.is_empty() {
                            self.out.write_all(line)?;
                            self.out.write_all(b"\n")?;
                        }
                    }
                    Mode::Count => {}
                }
            }
        }
        if self.tty && self.mode != Mode::Count {
            self.out.flush()?;
        }
        Ok(())
    }
}

/// A file's contents: memory-mapped when it is a regular, non-empty file,
/// read into memory otherwise (pipes, devices).
pub enum Data {
    Mapped(memmap2::Mmap),
    Owned(Vec<u8>),
}

impl std::ops::Deref for Data {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Data::Mapped(m) => m,
            Data::Owned(v) => v,
        }
    }
}

pub fn read_file(file: &mut File) -> io::Result<Data> {
    let meta = file.metadata()?;
    if meta.is_file() && meta.len() > 0 {
        // SAFETY: the map is only read. As with any mapped file, another
        // process truncating or rewriting the file while evmatch runs can
        // change what is read (or fault); evmatch is a batch tool over files
        // that are not being written.
        if let Ok(map) = unsafe { memmap2::Mmap::map(&*file) } {
            return Ok(Data::Mapped(map));
        }
    }
    let mut buf = Vec::new();
    io::Read::read_to_end(file, &mut buf)?;
    Ok(Data::Owned(buf))
}
