//! The event scanner: one pass over the raw bytes of an event.
//!
//! It validates the whole event as RFC 8259 JSON (or, in trusted mode, only
//! the parts some rule names), walks member names through the path trie, and
//! records a [`Hit`] for every scalar whose path a rule names. Nothing is
//! copied: a hit is a byte range of the event, except for strings with
//! escapes, which are unescaped into the scratch arena. Values whose path no
//! rule names are skipped with a tight validating loop (`skip_value`),
//! containers first through the 64-byte block validator
//! ([`super::simd`]) where the CPU has AVX-512, or, in trusted mode, a
//! bracket-counting scan (`fast_skip`).
//!
//! Nesting is tracked on explicit stacks with a depth limit: no recursion.

use memchr::memchr2;

use super::paths::{NodeId, PathTrie, NONE, ROOT};
use super::simd::Simd;
use crate::error::{EventError, EventErrorKind};
use crate::json::{SyntaxError, SyntaxErrorKind as S};

/// How many 64-byte lines of an event [`ScanScratch::scan`] requests
/// up front (1 KiB: more, on events that follow one another in memory,
/// requested lines of the next events too and measured slower on combo).
const PREFETCH_LINES: usize = 16;

/// What kind of scalar a hit is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Str,
    Num,
    True,
    False,
    Null,
}

/// A scalar at a named path.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Hit {
    pub(crate) field: u32,
    pub(crate) kind: Kind,
    /// The bytes are in the scratch arena (an unescaped string), not the event.
    pub(crate) in_arena: bool,
    pub(crate) start: u32,
    pub(crate) end: u32,
    /// The hit's array trail: `trails[trail_start..trail_start + trail_len]`.
    pub(crate) trail_start: u32,
    pub(crate) trail_len: u32,
}

#[derive(Clone, Copy, Debug)]
struct Frame {
    is_array: bool,
    /// Trie node of this container's path.
    node: NodeId,
    array_id: u32,
    index: u32,
    /// Length of the current trail when this container was entered.
    trail_len: u32,
}

/// Scanner working memory, reused across events.
#[derive(Debug, Default)]
pub(crate) struct ScanScratch {
    pub(crate) hits: Vec<Hit>,
    pub(crate) trails: Vec<(u32, u32)>,
    pub(crate) arena: Vec<u8>,
    frames: Vec<Frame>,
    trail: Vec<(u32, u32)>,
    /// The copy of `trail` in `trails` made last, while `trail` is unchanged.
    trail_copy: Option<(u32, u32)>,
    key: Vec<u8>,
    skip_stack: Vec<u8>,
    /// Arrays entered on named paths in this event (ids are 0..this).
    arrays: u32,
}

impl ScanScratch {
    /// The bytes of a hit.
    #[inline]
    pub(crate) fn bytes<'a>(&'a self, ev: &'a [u8], h: &Hit) -> &'a [u8] {
        let (s, e) = (h.start as usize, h.end as usize);
        if h.in_arena {
            &self.arena[s..e]
        } else {
            &ev[s..e]
        }
    }

    /// How many arrays on named paths the last event entered.
    pub(crate) fn array_count(&self) -> usize {
        self.arrays as usize
    }

    /// The array trail of a hit.
    #[inline]
    pub(crate) fn trail(&self, h: &Hit) -> &[(u32, u32)] {
        let s = h.trail_start as usize;
        &self.trails[s..s + h.trail_len as usize]
    }
}

#[cold]
#[inline(never)]
fn syntax(kind: S, offset: usize) -> EventError {
    EventError::from_syntax(SyntaxError { kind, offset })
}

#[cold]
#[inline(never)]
fn unexpected(ev: &[u8], p: usize) -> EventError {
    match ev.get(p) {
        Some(&c) => syntax(S::UnexpectedChar(c), p),
        None => syntax(S::UnexpectedEnd, p),
    }
}

#[inline(always)]
fn ws(ev: &[u8], mut p: usize) -> usize {
    while let Some(&b) = ev.get(p) {
        if b > b' ' || !matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
            break;
        }
        p += 1;
    }
    p
}

const HI: u64 = 0x8080_8080_8080_8080;
const LO20: u64 = 0x2020_2020_2020_2020;

#[inline]
pub(crate) fn hex4(ev: &[u8], p: usize) -> Result<u32, EventError> {
    let mut v = 0u32;
    for i in 0..4 {
        let c = *ev
            .get(p + i)
            .ok_or_else(|| syntax(S::UnexpectedEnd, p + i))?;
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => return Err(syntax(S::BadEscape, p + i)),
        };
        v = (v << 4) | d as u32;
    }
    Ok(v)
}

/// Validates the escape at `p` (a backslash); returns the index after it
/// and the character it stands for.
#[inline]
fn escape(ev: &[u8], p: usize) -> Result<(usize, char), EventError> {
    let c = *ev
        .get(p + 1)
        .ok_or_else(|| syntax(S::UnexpectedEnd, p + 1))?;
    let ch = match c {
        b'"' => '"',
        b'\\' => '\\',
        b'/' => '/',
        b'b' => '\u{8}',
        b'f' => '\u{c}',
        b'n' => '\n',
        b'r' => '\r',
        b't' => '\t',
        b'u' => {
            let hi = hex4(ev, p + 2)?;
            if (0xD800..0xDC00).contains(&hi) {
                if ev.get(p + 6) == Some(&b'\\') && ev.get(p + 7) == Some(&b'u') {
                    let lo = hex4(ev, p + 8)?;
                    if !(0xDC00..0xE000).contains(&lo) {
                        return Err(syntax(S::LoneSurrogate, p));
                    }
                    let cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                    return Ok((p + 12, char::from_u32(cp).expect("valid pair")));
                }
                return Err(syntax(S::LoneSurrogate, p));
            }
            if (0xDC00..0xE000).contains(&hi) {
                return Err(syntax(S::LoneSurrogate, p));
            }
            return Ok((p + 6, char::from_u32(hi).expect("BMP scalar")));
        }
        _ => return Err(syntax(S::BadEscape, p)),
    };
    Ok((p + 2, ch))
}

/// `haszero` for each byte of a word: the lowest flagged byte is the first
/// zero byte (flags above it may be spurious).
#[inline(always)]
fn zero_bytes(v: u64) -> u64 {
    v.wrapping_sub(0x0101_0101_0101_0101) & !v & HI
}

/// Validates one multi-byte UTF-8 character at `p`; returns the index after it.
#[cold]
fn utf8_char(ev: &[u8], p: usize) -> Result<usize, EventError> {
    let len = match ev[p] {
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => return Err(syntax(S::InvalidUtf8, p)),
    };
    match ev.get(p..p + len).map(std::str::from_utf8) {
        Some(Ok(_)) => Ok(p + len),
        _ => Err(syntax(S::InvalidUtf8, p)),
    }
}

/// Validates a string whose opening quote is at `p - 1`; returns the index
/// of the closing quote and whether the string holds escapes. Eight bytes
/// at a time while none of them is a quote, a backslash, a control
/// character or non-ASCII.
#[inline(always)]
fn string_end(ev: &[u8], mut p: usize) -> Result<(usize, bool), EventError> {
    let mut esc = false;
    loop {
        while let Some(w) = ev.get(p..p + 8) {
            let x = u64::from_le_bytes(w.try_into().expect("8 bytes"));
            let m = zero_bytes(x ^ 0x2222_2222_2222_2222)
                | zero_bytes(x ^ 0x5c5c_5c5c_5c5c_5c5c)
                | ((x.wrapping_sub(LO20) | x) & HI);
            if m != 0 {
                p += (m.trailing_zeros() / 8) as usize;
                break;
            }
            p += 8;
        }
        let Some(&c) = ev.get(p) else {
            return Err(syntax(S::UnexpectedEnd, p));
        };
        match c {
            b'"' => return Ok((p, esc)),
            b'\\' => {
                esc = true;
                p = escape(ev, p)?.0;
            }
            0x00..=0x1f => return Err(syntax(S::ControlChar, p)),
            0x80..=0xff => p = utf8_char(ev, p)?,
            _ => p += 1,
        }
    }
}

/// Appends the unescaped content of the (validated) string `ev[a..b]`.
fn unescape_into(ev: &[u8], a: usize, b: usize, out: &mut Vec<u8>) {
    let mut p = a;
    while p < b {
        match memchr::memchr(b'\\', &ev[p..b]) {
            None => {
                out.extend_from_slice(&ev[p..b]);
                return;
            }
            Some(i) => {
                out.extend_from_slice(&ev[p..p + i]);
                let (next, ch) = escape(ev, p + i).expect("validated escape");
                let mut tmp = [0u8; 4];
                out.extend_from_slice(ch.encode_utf8(&mut tmp).as_bytes());
                p = next;
            }
        }
    }
}

/// The index after the run of ASCII digits at `p`, eight bytes at a time.
#[inline(always)]
fn digits(ev: &[u8], mut p: usize) -> usize {
    while let Some(w) = ev.get(p..p + 8) {
        // A byte is a digit iff (byte ^ 0x30) < 10.
        let t = u64::from_le_bytes(w.try_into().expect("8 bytes")) ^ 0x3030_3030_3030_3030;
        let m = (t.wrapping_add(0x7676_7676_7676_7676) | t) & HI;
        if m != 0 {
            return p + (m.trailing_zeros() / 8) as usize;
        }
        p += 8;
    }
    let rest = &ev[p.min(ev.len())..];
    p + rest
        .iter()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(rest.len())
}

/// Validates a number starting at `p`; returns the index after it.
#[inline]
fn number_end(ev: &[u8], mut p: usize) -> Result<usize, EventError> {
    if ev[p] == b'-' {
        p += 1;
    }
    match ev.get(p) {
        Some(b'0') => {
            p += 1;
            if let Some(b'0'..=b'9') = ev.get(p) {
                return Err(syntax(S::BadNumber("Leading zeroes not allowed"), p));
            }
        }
        Some(b'1'..=b'9') => p = digits(ev, p + 1),
        _ => return Err(unexpected(ev, p)),
    }
    if ev.get(p) == Some(&b'.') {
        let q = digits(ev, p + 1);
        if q == p + 1 {
            return Err(syntax(
                S::BadNumber("Decimal point not followed by a digit"),
                q,
            ));
        }
        p = q;
    }
    if let Some(b'e' | b'E') = ev.get(p) {
        p += 1;
        if let Some(b'+' | b'-') = ev.get(p) {
            p += 1;
        }
        let q = digits(ev, p);
        if q == p {
            return Err(syntax(
                S::BadNumber("Exponent indicator not followed by a digit"),
                q,
            ));
        }
        p = q;
    }
    // A letter right after a number is part of a bad token (as the
    // reference's tokenizer reports it), not trailing text.
    if let Some(&c) = ev.get(p) {
        if c.is_ascii_alphanumeric() || c == b'.' || c == b'_' {
            return Err(syntax(S::UnexpectedChar(c), p));
        }
    }
    Ok(p)
}

#[inline]
fn literal(ev: &[u8], p: usize, word: &[u8]) -> Result<usize, EventError> {
    let end = p + word.len();
    if ev.len() >= end && &ev[p..end] == word {
        // A letter or digit right after is part of a bad token, as the
        // reference's tokenizer reports it (fuzz finding F7).
        if let Some(&c) = ev.get(end) {
            if c.is_ascii_alphanumeric() || c == b'_' {
                return Err(syntax(S::UnexpectedChar(c), end));
            }
        }
        return Ok(end);
    }
    let mut i = 0;
    while p + i < ev.len() && i < word.len() && ev[p + i] == word[i] {
        i += 1;
    }
    Err(unexpected(ev, p + i))
}

/// Reads `"key":` at `p` (white space skipped before the colon); returns the
/// key's content range, whether it has escapes, and the index after `:`.
#[inline]
fn key(ev: &[u8], p: usize) -> Result<(usize, usize, bool, usize), EventError> {
    if ev.get(p) != Some(&b'"') {
        return Err(unexpected(ev, p));
    }
    let (end, esc) = string_end(ev, p + 1)?;
    let q = ws(ev, end + 1);
    if ev.get(q) != Some(&b':') {
        return Err(unexpected(ev, q));
    }
    Ok((p + 1, end, esc, q + 1))
}

const OBJ: u8 = 0;
const ARR: u8 = 1;

/// Validates one value at `p` (after white space); returns the index after
/// it. `depth` is the nesting depth of the value's container.
pub(crate) fn skip_value(
    ev: &[u8],
    mut p: usize,
    depth: usize,
    max_depth: usize,
    stack: &mut Vec<u8>,
) -> Result<usize, EventError> {
    stack.clear();
    'value: loop {
        p = ws(ev, p);
        match ev.get(p) {
            Some(b'{') => {
                if depth + stack.len() >= max_depth {
                    return Err(syntax(S::TooDeep(max_depth), p));
                }
                p = ws(ev, p + 1);
                if ev.get(p) == Some(&b'}') {
                    p += 1;
                } else {
                    stack.push(OBJ);
                    p = key(ev, p)?.3;
                    continue 'value;
                }
            }
            Some(b'[') => {
                if depth + stack.len() >= max_depth {
                    return Err(syntax(S::TooDeep(max_depth), p));
                }
                p = ws(ev, p + 1);
                if ev.get(p) == Some(&b']') {
                    p += 1;
                } else {
                    stack.push(ARR);
                    continue 'value;
                }
            }
            Some(b'"') => p = string_end(ev, p + 1)?.0 + 1,
            Some(b'-' | b'0'..=b'9') => p = number_end(ev, p)?,
            Some(b't') => p = literal(ev, p, b"true")?,
            Some(b'f') => p = literal(ev, p, b"false")?,
            Some(b'n') => p = literal(ev, p, b"null")?,
            _ => return Err(unexpected(ev, p)),
        }
        // After a value: close containers or move to the next member.
        loop {
            let Some(&top) = stack.last() else {
                return Ok(p);
            };
            p = ws(ev, p);
            match (ev.get(p), top) {
                (Some(b','), OBJ) => {
                    p = key(ev, ws(ev, p + 1))?.3;
                    continue 'value;
                }
                (Some(b','), _) => {
                    p += 1;
                    continue 'value;
                }
                (Some(b'}'), OBJ) | (Some(b']'), ARR) => {
                    p += 1;
                    stack.pop();
                }
                _ => return Err(unexpected(ev, p)),
            }
        }
    }
}

/// Which bytes `fast_skip` stops at inside containers.
static STRUCTURAL: [bool; 256] = {
    let mut t = [false; 256];
    t[b'"' as usize] = true;
    t[b'[' as usize] = true;
    t[b']' as usize] = true;
    t[b'{' as usize] = true;
    t[b'}' as usize] = true;
    t
};

/// Skips one value at `p` without validating it (trusted mode): strings by
/// their closing quote, containers by bracket counting. Malformed input still
/// ends in an error or a wrong answer, never a panic or a hang.
fn fast_skip(ev: &[u8], p: usize) -> Result<usize, EventError> {
    let skip_string = |mut q: usize| -> Result<usize, EventError> {
        loop {
            match memchr2(b'"', b'\\', &ev[q..]) {
                None => return Err(syntax(S::UnexpectedEnd, ev.len())),
                Some(i) if ev[q + i] == b'"' => return Ok(q + i + 1),
                Some(i) => q += i + 2,
            }
            if q > ev.len() {
                return Err(syntax(S::UnexpectedEnd, ev.len()));
            }
        }
    };
    match ev.get(p) {
        Some(b'"') => skip_string(p + 1),
        Some(b'{' | b'[') => {
            let mut depth = 1usize;
            let mut q = p + 1;
            while q < ev.len() {
                let c = ev[q];
                if !STRUCTURAL[c as usize] {
                    q += 1;
                    continue;
                }
                match c {
                    b'"' => q = skip_string(q + 1)?,
                    b'{' | b'[' => {
                        depth += 1;
                        q += 1;
                    }
                    _ => {
                        depth -= 1;
                        q += 1;
                        if depth == 0 {
                            return Ok(q);
                        }
                    }
                }
            }
            Err(syntax(S::UnexpectedEnd, ev.len()))
        }
        Some(_) => {
            let mut q = p;
            while q < ev.len()
                && !matches!(ev[q], b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t')
            {
                q += 1;
            }
            if q == p {
                return Err(unexpected(ev, p));
            }
            Ok(q)
        }
        None => Err(syntax(S::UnexpectedEnd, p)),
    }
}

/// Options for one scan.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ScanOptions {
    pub(crate) max_depth: usize,
    /// Validate values no rule names (full RFC 8259 validation).
    pub(crate) validate_all: bool,
    /// The block validator for skipped containers, where the CPU has it.
    pub(crate) simd: Option<Simd>,
}

impl ScanScratch {
    fn record(&mut self, field: u32, kind: Kind, start: usize, end: usize, in_arena: bool) {
        let (trail_start, trail_len) = if self.trail.is_empty() {
            (0, 0)
        } else if let Some(copy) = self.trail_copy {
            copy
        } else {
            let s = self.trails.len() as u32;
            self.trails.extend_from_slice(&self.trail);
            let copy = (s, self.trail.len() as u32);
            self.trail_copy = Some(copy);
            copy
        };
        self.hits.push(Hit {
            field,
            kind,
            in_arena,
            start: start as u32,
            end: end as u32,
            trail_start,
            trail_len,
        });
    }

    /// Scans `ev`, leaving the hits in `self.hits`.
    pub(crate) fn scan(
        &mut self,
        trie: &PathTrie,
        ev: &[u8],
        opt: ScanOptions,
    ) -> Result<(), EventError> {
        // The event's first lines, all requested at once: the scan reads
        // them in order, and when the event is not in cache (a new event
        // from the network or a file), waiting for the hardware prefetcher
        // to notice the stream costs a miss or two per event.
        for line in ev.chunks(64).take(PREFETCH_LINES) {
            super::simd::prefetch(line);
        }
        self.hits.clear();
        self.trails.clear();
        self.arena.clear();
        self.frames.clear();
        self.trail.clear();
        self.trail_copy = None;
        if ev.len() >= u32::MAX as usize {
            return Err(syntax(S::TooDeep(0), 0)).map_err(|_| {
                EventError::new(EventErrorKind::Syntax, "Event is larger than 4 GiB", 0)
            });
        }
        let mut p = ws(ev, 0);
        if ev.get(p) != Some(&b'{') {
            // Not an object: an error either way; say which.
            let start = p;
            let end = skip_value(ev, p, 0, opt.max_depth, &mut self.skip_stack)?;
            let q = ws(ev, end);
            if q < ev.len() {
                return Err(syntax(S::TrailingCharacters, q));
            }
            return Err(EventError::new(
                EventErrorKind::NotAnObject,
                "Event must be a JSON object",
                start,
            ));
        }
        if opt.max_depth == 0 {
            return Err(syntax(S::TooDeep(0), p));
        }
        // Enter the top-level object.
        self.frames.push(Frame {
            is_array: false,
            node: ROOT,
            array_id: 0,
            index: 0,
            trail_len: 0,
        });
        let mut next_array = 0u32;
        p += 1;
        let mut first = true;
        'outer: loop {
            let top = *self.frames.last().expect("a frame");
            p = ws(ev, p);
            let mut closed_empty = false;
            if first {
                first = false;
                let close = if top.is_array { b']' } else { b'}' };
                if ev.get(p) == Some(&close) {
                    p += 1;
                    self.pop_frame();
                    if self.frames.is_empty() {
                        break 'outer;
                    }
                    closed_empty = true;
                }
            }
            if !closed_empty {
                let node = if top.is_array {
                    top.node
                } else {
                    let (ks, ke, kesc, after) = key(ev, p)?;
                    p = ws(ev, after);
                    if top.node == NONE {
                        NONE
                    } else if kesc {
                        self.key.clear();
                        unescape_into(ev, ks, ke, &mut self.key);
                        trie.walk_key(top.node, &self.key, self.frames.len() == 1)
                    } else {
                        trie.walk_key(top.node, &ev[ks..ke], self.frames.len() == 1)
                    }
                };
                let before = self.frames.len();
                p = self.value(trie, ev, p, node, top.is_array, &mut next_array, opt)?;
                if self.frames.len() > before {
                    first = true;
                    continue 'outer;
                }
            }
            // After a value: a separator, or closes of finished containers.
            loop {
                p = ws(ev, p);
                let top = *self.frames.last().expect("a frame");
                match ev.get(p) {
                    Some(b',') => {
                        p += 1;
                        if top.is_array {
                            self.frames.last_mut().expect("a frame").index += 1;
                        }
                        continue 'outer;
                    }
                    Some(b'}') if !top.is_array => {}
                    Some(b']') if top.is_array => {}
                    _ => return Err(unexpected(ev, p)),
                }
                p += 1;
                self.pop_frame();
                if self.frames.is_empty() {
                    break 'outer;
                }
            }
        }
        self.arrays = next_array;
        let q = ws(ev, p);
        if q < ev.len() {
            return Err(syntax(S::TrailingCharacters, q));
        }
        Ok(())
    }

    fn pop_frame(&mut self) {
        let f = self.frames.pop().expect("a frame");
        if self.trail.len() != f.trail_len as usize {
            self.trail.truncate(f.trail_len as usize);
            self.trail_copy = None;
        }
    }

    /// Handles one value at `p` whose path is at trie node `node`: records
    /// a hit, skips it, or enters it (pushing a frame). Returns the index
    /// after a scalar or skipped value, or after the opening bracket of an
    /// entered container.
    #[allow(clippy::too_many_arguments)]
    #[inline]
    fn value(
        &mut self,
        trie: &PathTrie,
        ev: &[u8],
        p: usize,
        node: NodeId,
        in_array: bool,
        next_array: &mut u32,
        opt: ScanOptions,
    ) -> Result<usize, EventError> {
        let depth = self.frames.len();
        if node == NONE {
            return if opt.validate_all {
                match ev.get(p) {
                    // The common unnamed scalars, without the container
                    // machinery of `skip_value`.
                    Some(b'"') => return Ok(string_end(ev, p + 1)?.0 + 1),
                    Some(b'-' | b'0'..=b'9') => return number_end(ev, p),
                    Some(b'{' | b'[') => {
                        if let Some(simd) = opt.simd {
                            let levels = opt.max_depth.saturating_sub(depth);
                            if let Some(end) = simd.skip_container(ev, p, levels) {
                                return Ok(end);
                            }
                        }
                    }
                    _ => {}
                }
                skip_value(ev, p, depth, opt.max_depth, &mut self.skip_stack)
            } else {
                if let (Some(simd), Some(b'{' | b'[')) = (opt.simd, ev.get(p)) {
                    if let Some(end) = simd.skip_trusted(ev, p) {
                        return Ok(end);
                    }
                }
                fast_skip(ev, p)
            };
        }
        let c = *ev.get(p).ok_or_else(|| syntax(S::UnexpectedEnd, p))?;
        match c {
            b'{' | b'[' => {
                if depth >= opt.max_depth {
                    return Err(syntax(S::TooDeep(opt.max_depth), p));
                }
                let trail_len = self.trail.len() as u32;
                if in_array {
                    let f = *self.frames.last().expect("a frame");
                    self.trail.push((f.array_id, f.index));
                    self.trail_copy = None;
                }
                let array_id = if c == b'[' {
                    let id = *next_array;
                    *next_array += 1;
                    id
                } else {
                    0
                };
                self.frames.push(Frame {
                    is_array: c == b'[',
                    node,
                    array_id,
                    index: 0,
                    trail_len,
                });
                Ok(p + 1)
            }
            b'"' => {
                let (end, esc) = string_end(ev, p + 1)?;
                let field = trie.field(node);
                if field != NONE {
                    if esc {
                        let s = self.arena.len();
                        unescape_into(ev, p + 1, end, &mut self.arena);
                        let e = self.arena.len();
                        self.record(field, Kind::Str, s, e, true);
                    } else {
                        self.record(field, Kind::Str, p + 1, end, false);
                    }
                }
                Ok(end + 1)
            }
            b'-' | b'0'..=b'9' => {
                let end = number_end(ev, p)?;
                let field = trie.field(node);
                if field != NONE {
                    self.record(field, Kind::Num, p, end, false);
                }
                Ok(end)
            }
            b't' | b'f' | b'n' => {
                let (word, kind): (&[u8], Kind) = match c {
                    b't' => (b"true", Kind::True),
                    b'f' => (b"false", Kind::False),
                    _ => (b"null", Kind::Null),
                };
                let end = literal(ev, p, word)?;
                let field = trie.field(node);
                if field != NONE {
                    self.record(field, kind, p, end, false);
                }
                Ok(end)
            }
            _ => Err(unexpected(ev, p)),
        }
    }
}
