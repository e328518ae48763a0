//! A progress bar on standard error for long `match` runs: bytes read, the
//! event rate and, for a file, the time left. Shown only when standard error
//! is a terminal, and only for a large file or once input has taken more
//! than a second; cleared when the run ends.

use std::io::{self, IsTerminal};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

/// A file at least this large gets a bar from the start.
const LARGE_FILE: u64 = 64 << 20;
/// Any other input gets one once it has run this long.
const SLOW: Duration = Duration::from_secs(1);

pub struct Progress {
    enabled: bool,
    label: String,
    /// The input's size in bytes, when known (a file).
    total: Option<u64>,
    start: Instant,
    bytes: u64,
    events: u64,
    bar: Option<ProgressBar>,
}

impl Progress {
    /// Progress over one input: `label` names it, `total` is its size when
    /// known.
    pub fn new(label: &str, total: Option<u64>) -> Progress {
        let mut p = Progress {
            enabled: io::stderr().is_terminal(),
            label: label.to_string(),
            total,
            start: Instant::now(),
            bytes: 0,
            events: 0,
            bar: None,
        };
        if total.is_some_and(|n| n >= LARGE_FILE) {
            p.show();
        }
        p
    }

    fn show(&mut self) {
        if !self.enabled || self.bar.is_some() {
            return;
        }
        let (bar, template) = match self.total {
            Some(n) => (
                ProgressBar::new(n),
                "{prefix} [{bar:30}] {binary_bytes}/{binary_total_bytes}, {msg}, {eta} left",
            ),
            None => (
                ProgressBar::no_length(),
                "{prefix} {spinner} {binary_bytes}, {msg}",
            ),
        };
        let style = ProgressStyle::with_template(template)
            .expect("a valid template")
            .progress_chars("=> ");
        bar.set_style(style);
        bar.set_prefix(self.label.clone());
        bar.set_position(self.bytes);
        // The bar's clock starts with the input, not when it was shown.
        bar.set_elapsed(self.start.elapsed());
        self.bar = Some(bar);
        self.update_message();
    }

    fn update_message(&self) {
        if let Some(bar) = &self.bar {
            let secs = self.start.elapsed().as_secs_f64().max(1e-3);
            bar.set_message(format!(
                "{} events, {:.0} events/s",
                self.events,
                self.events as f64 / secs
            ));
        }
    }

    /// Records that `bytes` more input, holding `events` events, are done.
    pub fn advance(&mut self, bytes: u64, events: u64) {
        self.bytes += bytes;
        self.events += events;
        if self.bar.is_none() && self.enabled && self.start.elapsed() >= SLOW {
            self.show();
        }
        if let Some(bar) = &self.bar {
            bar.set_position(self.bytes);
            self.update_message();
        }
    }

    /// Runs `f` (which writes to the terminal) with the bar out of the way.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        match &self.bar {
            Some(bar) => bar.suspend(f),
            None => f(),
        }
    }

    /// Whether a bar is on the screen.
    pub fn shown(&self) -> bool {
        self.bar.is_some()
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
