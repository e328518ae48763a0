//! Runs work over the chunks of a [`Feed`] on several threads and hands the
//! results over in input order.
//!
//! Workers take chunks from the feed one at a time (reading a stream under
//! a lock, so chunks keep their order), each with its own state (a
//! `Scratch`). The calling thread receives the results, puts them back in
//! order and delivers them. At most `window` chunks are between the feed
//! and delivery at any time, so memory stays bounded however large the
//! input and however slow the consumer.

use std::collections::VecDeque;
use std::io;
use std::sync::mpsc;
use std::sync::{Condvar, Mutex};

use crate::input::{Chunk, Feed};

/// Why a run stopped early.
pub enum Stop<E> {
    /// Reading the input failed (after every earlier chunk was delivered).
    Input(io::Error),
    /// Delivery failed.
    Deliver(E),
}

/// How many chunks each worker may be ahead of delivery: enough to keep
/// every worker busy while one chunk is slow.
const AHEAD_PER_JOB: usize = 4;

/// Runs `work` on each chunk of `feed` with per-worker state from `init`,
/// on `jobs` threads (on the calling thread alone when `jobs` is 1), and
/// calls `deliver` with each result in input order, on the calling thread.
pub fn run<'a, S, T, E>(
    feed: Feed<'a>,
    jobs: usize,
    init: impl Fn() -> S + Sync,
    work: impl Fn(&mut S, Chunk<'a>) -> T + Sync,
    mut deliver: impl FnMut(T) -> Result<(), E>,
) -> Result<(), Stop<E>>
where
    T: Send,
{
    let mut feed = feed;
    if jobs <= 1 {
        let mut state = init();
        while let Some(chunk) = feed.next_chunk().map_err(Stop::Input)? {
            deliver(work(&mut state, chunk)).map_err(Stop::Deliver)?;
        }
        return Ok(());
    }

    let window = jobs * AHEAD_PER_JOB;
    let source = Mutex::new(Source {
        feed,
        next: 0,
        error: None,
    });
    let gate = Gate {
        state: Mutex::new(GateState {
            delivered: 0,
            stop: false,
        }),
        room: Condvar::new(),
    };
    let (tx, rx) = mpsc::channel::<(u64, T)>();
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            let tx = tx.clone();
            let (source, gate, init, work) = (&source, &gate, &init, &work);
            scope.spawn(move || {
                let mut state = init();
                while let Some((seq, chunk)) = take(source, gate, window) {
                    if tx.send((seq, work(&mut state, chunk))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);

        // Results arrive in any order; `pending[i]` is chunk `next + i`.
        let mut pending: VecDeque<Option<T>> = VecDeque::with_capacity(window);
        let mut next = 0u64;
        let outcome = (|| {
            for (seq, result) in rx.iter() {
                let i = (seq - next) as usize;
                if pending.len() <= i {
                    pending.resize_with(i + 1, || None);
                }
                pending[i] = Some(result);
                while let Some(Some(_)) = pending.front() {
                    let result = pending.pop_front().flatten().expect("checked above");
                    deliver(result).map_err(Stop::Deliver)?;
                    next += 1;
                    gate.delivered(next);
                }
            }
            Ok(())
        })();
        // Stop the workers (delivery failed) or let them see the end.
        gate.stop();
        drop(rx);
        outcome
    })?;
    match source.into_inner().map(|s| s.error) {
        Ok(Some(e)) => Err(Stop::Input(e)),
        _ => Ok(()),
    }
}

struct Source<'a> {
    feed: Feed<'a>,
    /// The number of the next chunk.
    next: u64,
    /// The read error that ended the input.
    error: Option<io::Error>,
}

struct Gate {
    state: Mutex<GateState>,
    /// Signalled when a chunk is delivered or the run stops.
    room: Condvar,
}

struct GateState {
    /// How many chunks have been delivered.
    delivered: u64,
    stop: bool,
}

impl Gate {
    fn delivered(&self, n: u64) {
        self.state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .delivered = n;
        self.room.notify_all();
    }

    fn stop(&self) {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).stop = true;
        self.room.notify_all();
    }
}

/// The next chunk and its number, once it is within `window` of delivery;
/// None at the end of the input, after a read error or once stopped.
fn take<'a>(source: &Mutex<Source<'a>>, gate: &Gate, window: usize) -> Option<(u64, Chunk<'a>)> {
    // Holding the source lock while waiting for room is what keeps chunks
    // in order; delivery takes only the gate's lock.
    let mut src = source.lock().unwrap_or_else(|e| e.into_inner());
    {
        let mut g = gate.state.lock().unwrap_or_else(|e| e.into_inner());
        while !g.stop && src.next >= g.delivered + window as u64 {
            g = gate.room.wait(g).unwrap_or_else(|e| e.into_inner());
        }
        if g.stop {
            return None;
        }
    }
    if src.error.is_some() {
        return None;
    }
    match src.feed.next_chunk() {
        Ok(Some(chunk)) => {
            let seq = src.next;
            src.next += 1;
            Some((seq, chunk))
        }
        Ok(None) => None,
        Err(e) => {
            src.error = Some(e);
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(jobs: usize, size: usize, input: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let r: Result<(), Stop<()>> = run(
            Feed::slice(input, size),
            jobs,
            || (),
            |_, chunk| chunk.to_vec(),
            |c| {
                out.extend_from_slice(&c);
                Ok(())
            },
        );
        assert!(r.is_ok());
        out
    }

    #[test]
    fn results_come_in_input_order() {
        let input: Vec<u8> = (0..2000)
            .flat_map(|i| format!("{i}\n").into_bytes())
            .collect();
        for jobs in [1, 2, 3, 8] {
            for size in [1, 7, 100] {
                assert_eq!(lines(jobs, size, &input), input);
            }
        }
    }

    #[test]
    fn a_failed_delivery_stops_the_workers() {
        let input = b"a\n".repeat(10_000);
        let mut delivered = 0;
        let r = run(
            Feed::slice(&input, 2),
            2,
            || (),
            |_, _| (),
            |()| {
                delivered += 1;
                if delivered == 5 {
                    Err("full")
                } else {
                    Ok(())
                }
            },
        );
        assert!(matches!(r, Err(Stop::Deliver("full"))));
        assert_eq!(delivered, 5);
    }

    #[test]
    fn a_read_error_comes_after_the_chunks_before_it() {
        struct Failing(u32);
        impl io::Read for Failing {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                self.0 += 1;
                if self.0 > 3 {
                    return Err(io::Error::other("gone"));
                }
                buf[..2].copy_from_slice(b"x\n");
                Ok(2)
            }
        }
        for jobs in [1, 2] {
            let mut got = Vec::new();
            let r: Result<(), Stop<()>> = run(
                Feed::stream(Failing(0), 16),
                jobs,
                || (),
                |_, c| c.to_vec(),
                |c| {
                    got.extend_from_slice(&c);
                    Ok(())
                },
            );
            assert!(matches!(r, Err(Stop::Input(_))));
            assert_eq!(got, b"x\nx\nx\n");
        }
    }
}
