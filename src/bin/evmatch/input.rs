//! Reading JSON Lines input: whole files (memory-mapped where possible), and
//! input cut into chunks that end at line boundaries, so that workers can
//! match chunks independently.

use std::fs::File;
use std::io::{self, Read};

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

/// Maps `file` when it is a regular, non-empty file (None otherwise).
pub fn map_file(file: &File) -> io::Result<Option<memmap2::Mmap>> {
    let meta = file.metadata()?;
    if !meta.is_file() || meta.len() == 0 {
        return Ok(None);
    }
    // SAFETY: the map is only read. As with any mapped file, another
    // process truncating or rewriting the file while evmatch runs can
    // change what is read (or fault); evmatch is a batch tool over files
    // that are not being written.
    match unsafe { memmap2::Mmap::map(file) } {
        Ok(map) => {
            // Each chunk is read once, front to back: ask for read-ahead.
            #[cfg(unix)]
            let _ = map.advise(memmap2::Advice::Sequential);
            Ok(Some(map))
        }
        Err(_) => Ok(None),
    }
}

/// A whole file's contents (see [`Data`]).
pub fn read_file(file: &mut File) -> io::Result<Data> {
    if let Some(map) = map_file(file)? {
        return Ok(Data::Mapped(map));
    }
    let mut buf = Vec::new();
    file.read_to_end(&mut buf)?;
    Ok(Data::Owned(buf))
}

/// Input bytes ending at a line boundary (or at the end of the input): a
/// slice of a mapped file, or bytes read from a stream.
pub enum Chunk<'a> {
    Borrowed(&'a [u8]),
    Owned(Vec<u8>),
}

impl std::ops::Deref for Chunk<'_> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Chunk::Borrowed(s) => s,
            Chunk::Owned(v) => v,
        }
    }
}

/// Cuts input into chunks of about `size` bytes, each ending just after a
/// `\n` (the last one at the end of the input). A line longer than `size`
/// is one chunk of its own; no chunk is empty.
pub enum Feed<'a> {
    Slice {
        data: &'a [u8],
        size: usize,
    },
    Stream {
        reader: Box<dyn Read + Send + 'a>,
        size: usize,
        /// The start of a line whose end has not been read yet.
        carry: Vec<u8>,
        eof: bool,
    },
}

impl<'a> Feed<'a> {
    /// Chunks of a slice (a mapped file).
    pub fn slice(data: &'a [u8], size: usize) -> Feed<'a> {
        Feed::Slice {
            data,
            size: size.max(1),
        }
    }

    /// Chunks read from a stream. Each chunk holds what one read gave
    /// (up to `size` bytes) up to its last line end, so that a slow stream
    /// (`tail -f`) is answered line by line rather than once `size` bytes
    /// have arrived.
    pub fn stream(reader: impl Read + Send + 'a, size: usize) -> Feed<'a> {
        Feed::Stream {
            reader: Box::new(reader),
            size: size.max(1),
            carry: Vec::new(),
            eof: false,
        }
    }

    /// The next chunk, or None at the end of the input.
    pub fn next_chunk(&mut self) -> io::Result<Option<Chunk<'a>>> {
        match self {
            Feed::Slice { data, size } => {
                if data.is_empty() {
                    return Ok(None);
                }
                let end = if data.len() <= *size {
                    data.len()
                } else {
                    // The chunk ends after the first line end at or past
                    // `size - 1`, so that it holds at least `size` bytes
                    // unless the input ends first.
                    memchr::memchr(b'\n', &data[*size - 1..]).map_or(data.len(), |i| *size + i)
                };
                let (chunk, rest) = data.split_at(end);
                *data = rest;
                Ok(Some(Chunk::Borrowed(chunk)))
            }
            Feed::Stream {
                reader,
                size,
                carry,
                eof,
            } => {
                let mut buf = std::mem::take(carry);
                loop {
                    if *eof {
                        return Ok(if buf.is_empty() {
                            None
                        } else {
                            Some(Chunk::Owned(buf))
                        });
                    }
                    let old = buf.len();
                    buf.resize(old + *size, 0);
                    let n = loop {
                        match reader.read(&mut buf[old..]) {
                            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                            Err(e) => {
                                buf.truncate(old);
                                *carry = buf;
                                return Err(e);
                            }
                            Ok(n) => break n,
                        }
                    };
                    buf.truncate(old + n);
                    if n == 0 {
                        *eof = true;
                        continue;
                    }
                    // Only the new bytes can hold the chunk's last line end.
                    if let Some(i) = memchr::memrchr(b'\n', &buf[old..]) {
                        let end = old + i + 1;
                        if end < buf.len() {
                            carry.extend_from_slice(&buf[end..]);
                            buf.truncate(end);
                        }
                        return Ok(Some(Chunk::Owned(buf)));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(mut feed: Feed<'_>) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        while let Some(c) = feed.next_chunk().unwrap() {
            out.push(c.to_vec());
        }
        out
    }

    /// A reader that gives at most `step` bytes per read.
    struct Trickle<'a>(&'a [u8], usize);
    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.1.min(buf.len()).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn chunks_end_at_line_ends_and_cover_the_input() {
        let inputs: [&[u8]; 5] = [
            b"",
            b"a\n",
            b"abc\n\nde\nf",
            b"\n\n\n",
            b"a long line\nb\nanother long one\n",
        ];
        for input in inputs {
            for size in 1..8 {
                let cases = [
                    chunks(Feed::slice(input, size)),
                    chunks(Feed::stream(input, size)),
                    chunks(Feed::stream(Trickle(input, 3), size)),
                ];
                for got in cases {
                    assert_eq!(got.concat(), input, "size {size}");
                    let last = got.len().saturating_sub(1);
                    for (i, c) in got.iter().enumerate() {
                        assert!(!c.is_empty());
                        if i < last {
                            assert_eq!(c.last(), Some(&b'\n'), "{input:?} size {size}");
                        }
                    }
                }
            }
        }
    }
}
