//! JSON Lines: the one way every face of evmatch reads a buffer of events,
//! one per line (the command-line tool, `evm_match_lines` in the C ABI,
//! and the bindings through it).

use memchr::memchr;

/// One event of a JSON Lines buffer, and where it sits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Line<'a> {
    /// The line number, from 1, as editors count lines (blank lines count).
    pub number: usize,
    /// Where the event starts in the buffer, in bytes.
    pub start: usize,
    /// The event: the line without its `\n` and without one `\r` before it.
    pub event: &'a [u8],
}

impl Line<'_> {
    /// Where the event ends in the buffer: `buffer[start..end()]` is it.
    pub fn end(&self) -> usize {
        self.start + self.event.len()
    }
}

/// The events of a JSON Lines buffer, in order: lines end at `\n` (a last
/// line without one counts); one `\r` before the `\n` is not part of the
/// event; a line of nothing but ASCII white space is skipped (but counted).
///
/// ```
/// let buf = b"{\"a\": 1}\r\n\n  \n{\"b\": 2}";
/// let lines: Vec<_> = evmatch::JsonLines::new(buf).map(|l| (l.number, l.event)).collect();
/// assert_eq!(lines, [(1, &b"{\"a\": 1}"[..]), (4, &b"{\"b\": 2}"[..])]);
/// ```
#[derive(Clone, Debug)]
pub struct JsonLines<'a> {
    data: &'a [u8],
    pos: usize,
    number: usize,
}

impl<'a> JsonLines<'a> {
    /// The events of `data`.
    pub fn new(data: &'a [u8]) -> JsonLines<'a> {
        JsonLines {
            data,
            pos: 0,
            number: 0,
        }
    }

    /// How many lines (blank ones included) have been read so far: after
    /// the last event, all the lines of the buffer.
    pub fn lines_read(&self) -> usize {
        self.number
    }

    /// Continues numbering after `lines` lines (for a buffer that is a
    /// later part of a larger input, cut at a line boundary).
    pub fn starting_after(mut self, lines: usize) -> JsonLines<'a> {
        self.number = lines;
        self
    }
}

impl<'a> Iterator for JsonLines<'a> {
    type Item = Line<'a>;

    fn next(&mut self) -> Option<Line<'a>> {
        let data = self.data;
        while let Some(rest) = data.get(self.pos..).filter(|r| !r.is_empty()) {
            let start = self.pos;
            let newline = memchr(b'\n', rest).map_or(data.len(), |i| start + i);
            self.pos = newline + 1;
            self.number += 1;
            let mut event = &data[start..newline];
            if let Some(e) = event.strip_suffix(b"\r") {
                event = e;
            }
            if event.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            // The next line starts the next newline search: have the CPU
            // load its first kilobyte while the caller matches this one,
            // so that the search does not wait on memory. (The hardware's
            // own prefetcher stops at page boundaries.)
            crate::arch::prefetch_after(event, 16);
            return Some(Line {
                number: self.number,
                start,
                event,
            });
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &[u8]) -> Vec<(&[u8], usize, usize, usize)> {
        JsonLines::new(text)
            .map(|l| {
                assert_eq!(&text[l.start..l.end()], l.event);
                (l.event, l.number, l.start, l.end())
            })
            .collect()
    }

    #[test]
    fn lines_as_the_cli_reads_them() {
        assert!(lines(b"").is_empty());
        assert!(lines(b"\n \n\t\r\n").is_empty());
        assert_eq!(lines(b"a"), [(&b"a"[..], 1, 0, 1)]);
        assert_eq!(
            lines(b"a\r\n\n  \nb\nc\r"),
            [(&b"a"[..], 1, 0, 1), (b"b", 4, 7, 8), (b"c", 5, 9, 10)]
        );
        // Only one `\r` is dropped; the rest is the event's.
        assert_eq!(lines(b" x\r\r\n"), [(&b" x\r"[..], 1, 0, 3)]);
    }

    #[test]
    fn every_line_is_counted() {
        for (text, n) in [
            (&b""[..], 0),
            (b"a", 1),
            (b"a\n", 1),
            (b"a\n\n", 2),
            (b"a\n\nb", 3),
        ] {
            let mut lines = JsonLines::new(text);
            lines.by_ref().for_each(drop);
            assert_eq!(lines.lines_read(), n, "{text:?}");
        }
    }

    #[test]
    fn numbering_continues_after_earlier_lines() {
        let got: Vec<usize> = JsonLines::new(b"a\n\nb")
            .starting_after(10)
            .map(|l| l.number)
            .collect();
        assert_eq!(got, [11, 13]);
    }
}
