//! The event scanner: one pass over the raw bytes of an event.
//!
//! It validates the whole event as RFC 8259 JSON (or, in trusted mode, only
//! the parts some rule names), walks member names through the path trie, and
//! records a [`Hit`] for every scalar whose path a rule names. Nothing is
//! copied: a hit is a byte range of the event, except for strings with
//! escapes, which are unescaped into the scratch arena. Values whose path no
//! rule names are skipped with a tight validating loop (`skip_value`),
//! containers first through the 64-byte block validator
//! ([`crate::arch`]) where the CPU has AVX-512, or, in trusted mode, a
//! bracket-counting scan (`fast_skip`).
//!
//! Nesting is tracked on explicit stacks with a depth limit: no recursion.

mod lexical;
mod skip;

use self::lexical::{
    key, key_trusted, literal, number_end, string_end, syntax, unescape_into, unexpected, ws,
};
pub(crate) use self::skip::skip_value;
use self::skip::{fast_skip, skip_string_trusted};
use super::paths::{NodeId, PathTrie, MAX_COUNTED_SEGMENTS, NONE, ROOT};
use crate::arch::{prefetch, prefetch_after, Simd};
use crate::error::{EventError, EventErrorKind};
use crate::json::SyntaxErrorKind as S;
use crate::util::ids::FieldId;

/// How many 64-byte lines of an event a validated scan requests up front
/// (1 KiB: on events that follow one another in memory, a larger window
/// also requests the next events' lines, which the scan of this one does
/// not need yet).
const PREFETCH_LINES: usize = 16;

/// A trusted scan requests its event's first lines, and the 1 KiB that
/// follows the event: where events lie one after another (a batch, a file,
/// an Arrow array), that is the next event, which is then on its way when
/// its own scan starts, and when its exit check reads it to the end.
const TRUSTED_OWN_LINES: usize = 4;
const TRUSTED_AHEAD_LINES: usize = 16;

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
    pub(crate) field: FieldId,
    pub(crate) kind: Kind,
    /// The bytes are in the scratch arena (an unescaped string), not the event.
    pub(crate) in_arena: bool,
    pub(crate) start: u32,
    pub(crate) end: u32,
    /// The hit's array trail: `trails[trail_start..trail_start + trail_len]`.
    pub(crate) trail_start: u32,
    pub(crate) trail_len: u32,
}

/// A container on a named path, being walked.
#[derive(Clone, Copy, Debug)]
struct Frame {
    is_array: bool,
    /// No member still to come can reach a named path except through a
    /// name with a `.`: every segment that starts at `members` has been
    /// seen (a name comes once per object). Arrays are never settled.
    settled: bool,
    /// Trie node of this container's path.
    node: NodeId,
    /// Where its members' paths start ([`PathTrie::members`]), or `NONE`.
    members: NodeId,
    /// The segments seen among the members (bit = segment number), and
    /// how many there are to see (`u32::MAX`: too many to count in `seen`).
    seen: u64,
    segments: u32,
    array_id: u32,
    index: u32,
    /// Length of the current trail when this container was entered.
    trail_len: u32,
}

impl Frame {
    /// A frame; only trusted scans count segments (`TRUSTED`).
    #[inline]
    fn new<const TRUSTED: bool>(
        trie: &PathTrie,
        node: NodeId,
        is_array: bool,
        members: NodeId,
    ) -> Frame {
        let segments = match members {
            _ if !TRUSTED => u32::MAX,
            NONE => 0,
            m => match trie.segment_count(m) {
                n @ 0..=MAX_COUNTED_SEGMENTS => n as u32,
                _ => u32::MAX,
            },
        };
        Frame {
            is_array,
            settled: !is_array && segments == 0,
            node,
            members,
            seen: 0,
            segments,
            array_id: 0,
            index: 0,
            trail_len: 0,
        }
    }
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
    /// How many frames are not settled.
    unsettled: u32,
    /// What an explanation reads besides the hits, when
    /// [`ScanOptions::record`] asks for it.
    pub(crate) recorded: Recorded,
}

/// Per hit, where its value's text is in the event and the indices of the
/// arrays around it (outermost first); and the objects met at named fields
/// (values that are not leaves). Kept only for explanations.
#[derive(Debug, Default)]
pub(crate) struct Recorded {
    /// Per hit: the value's text (quotes included) in the event.
    pub(crate) spans: Vec<(usize, usize)>,
    /// Per hit: its range in `indices`.
    pub(crate) places: Vec<(u32, u32)>,
    pub(crate) indices: Vec<u32>,
    /// Objects at named fields: the field, where the object starts, and
    /// its range in `indices`.
    pub(crate) objects: Vec<(FieldId, usize, (u32, u32))>,
}

impl Recorded {
    fn clear(&mut self) {
        self.spans.clear();
        self.places.clear();
        self.indices.clear();
        self.objects.clear();
    }

    /// The indices of the arrays open in `frames`, as a range of `indices`.
    fn place(&mut self, frames: &[Frame]) -> (u32, u32) {
        let start = self.indices.len() as u32;
        self.indices
            .extend(frames.iter().filter(|f| f.is_array).map(|f| f.index));
        (start, self.indices.len() as u32 - start)
    }

    /// The array indices of a range from [`Recorded::place`].
    pub(crate) fn indices(&self, (start, len): (u32, u32)) -> &[u32] {
        &self.indices[start as usize..(start + len) as usize]
    }
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

/// Options for one scan.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ScanOptions {
    pub(crate) max_depth: usize,
    /// Validate values no rule names (full RFC 8259 validation). Without,
    /// the input is trusted: valid JSON with no member name repeated in an
    /// object, which lets the scan stop as soon as the rest of the event
    /// cannot hold a value at a named path.
    pub(crate) validate_all: bool,
    /// The block validator for skipped containers, where the CPU has it.
    pub(crate) simd: Option<Simd>,
    /// Keep what explanations need ([`ScanScratch::recorded`]).
    pub(crate) record: bool,
}

impl ScanScratch {
    fn record(&mut self, field: FieldId, kind: Kind, start: usize, end: usize, in_arena: bool) {
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
        if opt.validate_all {
            self.scan_in::<false>(trie, ev, opt)
        } else {
            self.scan_in::<true>(trie, ev, opt)
        }
    }

    /// [`ScanScratch::scan`], validated (`TRUSTED` false) or for trusted
    /// input: one body, compiled for each, so that validated scans carry
    /// none of the bookkeeping of the early exit.
    fn scan_in<const TRUSTED: bool>(
        &mut self,
        trie: &PathTrie,
        ev: &[u8],
        opt: ScanOptions,
    ) -> Result<(), EventError> {
        // The event's first lines, all requested at once: the scan reads
        // them in order, and when the event is not in cache (a new event
        // from the network or a file), waiting for the hardware prefetcher
        // to notice the stream costs a miss or two per event.
        let own = if TRUSTED {
            prefetch_after(ev, TRUSTED_AHEAD_LINES);
            TRUSTED_OWN_LINES
        } else {
            PREFETCH_LINES
        };
        for line in ev.chunks(64).take(own) {
            prefetch(line);
        }
        self.hits.clear();
        self.trails.clear();
        self.arena.clear();
        if opt.record {
            self.recorded.clear();
        }
        self.frames.clear();
        self.trail.clear();
        self.trail_copy = None;
        if ev.len() >= u32::MAX as usize {
            return Err(EventError::new(
                EventErrorKind::Syntax,
                "Event is larger than 4 GiB",
                0,
            ));
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
        self.unsettled = 0;
        self.push_frame::<TRUSTED>(Frame::new::<TRUSTED>(trie, ROOT, false, ROOT));
        // Whether stopping early was tried and refused (see `settled`).
        let mut refused = false;
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
                    self.pop_frame::<TRUSTED>();
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
                    let (ks, ke, kesc, after) = if TRUSTED {
                        key_trusted(ev, p)?
                    } else {
                        key(ev, p)?
                    };
                    p = ws(ev, after);
                    let (node, segment) = if top.members == NONE {
                        (NONE, false)
                    } else if kesc {
                        self.key.clear();
                        unescape_into(ev, ks, ke, &mut self.key);
                        trie.member(top.members, &self.key)
                    } else {
                        trie.member(top.members, &ev[ks..ke])
                    };
                    if TRUSTED && segment {
                        self.saw_segment(trie.segment_number(node));
                    }
                    node
                };
                let before = self.frames.len();
                p = self.value::<TRUSTED>(trie, ev, p, node, top.is_array, &mut next_array, opt)?;
                if self.frames.len() > before {
                    first = true;
                    continue 'outer;
                }
            }
            // After a value: a separator, or closes of finished containers.
            loop {
                if TRUSTED && self.unsettled == 0 && !refused {
                    if self.settled(trie, &ev[p..], opt.simd) {
                        break 'outer;
                    }
                    refused = true;
                }
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
                self.pop_frame::<TRUSTED>();
                if self.frames.is_empty() {
                    break 'outer;
                }
            }
        }
        self.arrays = next_array;
        if !self.frames.is_empty() {
            // Stopped early: the rest of the event is left unread.
            return Ok(());
        }
        let q = ws(ev, p);
        if q < ev.len() {
            return Err(syntax(S::TrailingCharacters, q));
        }
        Ok(())
    }

    /// Records the text and place of the hit just recorded.
    #[cold]
    fn note(&mut self, start: usize, end: usize) {
        self.recorded.spans.push((start, end));
        let place = self.recorded.place(&self.frames);
        self.recorded.places.push(place);
    }

    fn push_frame<const TRUSTED: bool>(&mut self, f: Frame) {
        if TRUSTED {
            self.unsettled += !f.settled as u32;
        }
        self.frames.push(f);
    }

    fn pop_frame<const TRUSTED: bool>(&mut self) {
        let f = self.frames.pop().expect("a frame");
        if TRUSTED {
            self.unsettled -= !f.settled as u32;
        }
        if self.trail.len() != f.trail_len as usize {
            self.trail.truncate(f.trail_len as usize);
            self.trail_copy = None;
        }
    }

    /// Notes that the innermost object's member just read is segment `s`
    /// of its members' node.
    #[inline]
    fn saw_segment(&mut self, s: u32) {
        let f = self.frames.last_mut().expect("a frame");
        if s < 64 && !f.settled {
            f.seen |= 1 << s;
            if f.seen.count_ones() == f.segments {
                f.settled = true;
                self.unsettled -= 1;
            }
        }
    }

    /// With every frame settled (trusted input), whether `rest`, the event
    /// after the value just read, can hold no member that reaches a named
    /// path; then the scan may stop.
    ///
    /// Settled frames leave one way in: a member name holding a `.`, which
    /// reaches a named path from its object's members node only through a
    /// segment that continues there (`{"a": {"b": 1}, "a.b": 2}` holds two
    /// values at `a.b`). Without a backslash in `rest`, such a name is
    /// written `"segment.` in it. So: no backslash, and none of those
    /// strings. Either may also occur where no member name could (inside
    /// a string value, or in a skipped container): the answer is then a
    /// safe "no", and the scan reads on.
    #[inline(never)]
    fn settled(&self, trie: &PathTrie, rest: &[u8], simd: Option<Simd>) -> bool {
        /// Past this many strings, the vector search (which takes them in
        /// one array) is not tried, and the scan reads on instead.
        const MAX_NEEDLES: usize = 16;
        let finders = || {
            self.frames.iter().flat_map(|f| {
                debug_assert!(f.settled && !f.is_array);
                match f.members {
                    NONE => &[][..],
                    m => trie.dotted(m),
                }
            })
        };
        match simd {
            Some(simd) => {
                let mut needles = [&[][..]; MAX_NEEDLES];
                let mut n = 0;
                for d in finders() {
                    if n == MAX_NEEDLES {
                        return false;
                    }
                    needles[n] = d.needle();
                    n += 1;
                }
                !simd.may_hold_any(rest, &needles[..n])
            }
            None => {
                memchr::memchr(b'\\', rest).is_none() && finders().all(|d| d.find(rest).is_none())
            }
        }
    }

    /// Handles one value at `p` whose path is at trie node `node`: records
    /// a hit, skips it, or enters it (pushing a frame). Returns the index
    /// after a scalar or skipped value, or after the opening bracket of an
    /// entered container.
    #[allow(clippy::too_many_arguments)]
    #[inline]
    fn value<const TRUSTED: bool>(
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
            return if !TRUSTED {
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
                match (ev.get(p), opt.simd) {
                    // The common unnamed strings, inline.
                    (Some(b'"'), _) => return skip_string_trusted(ev, p + 1),
                    (Some(b'{' | b'['), Some(simd)) => {
                        if let Some(end) = simd.skip_trusted(ev, p) {
                            return Ok(end);
                        }
                    }
                    _ => {}
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
                let is_array = c == b'[';
                if opt.record && !is_array {
                    if let Some(field) = trie.field(node) {
                        let place = self.recorded.place(&self.frames);
                        self.recorded.objects.push((field, p, place));
                    }
                }
                let members = if is_array { NONE } else { trie.members(node) };
                self.push_frame::<TRUSTED>(Frame {
                    array_id,
                    trail_len,
                    ..Frame::new::<TRUSTED>(trie, node, is_array, members)
                });
                Ok(p + 1)
            }
            b'"' => {
                let (end, esc) = string_end(ev, p + 1)?;
                if let Some(field) = trie.field(node) {
                    if esc {
                        let s = self.arena.len();
                        unescape_into(ev, p + 1, end, &mut self.arena);
                        let e = self.arena.len();
                        self.record(field, Kind::Str, s, e, true);
                    } else {
                        self.record(field, Kind::Str, p + 1, end, false);
                    }
                    if opt.record {
                        self.note(p, end + 1);
                    }
                }
                Ok(end + 1)
            }
            b'-' | b'0'..=b'9' => {
                let end = number_end(ev, p)?;
                if let Some(field) = trie.field(node) {
                    self.record(field, Kind::Num, p, end, false);
                    if opt.record {
                        self.note(p, end);
                    }
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
                if let Some(field) = trie.field(node) {
                    self.record(field, kind, p, end, false);
                    if opt.record {
                        self.note(p, end);
                    }
                }
                Ok(end)
            }
            _ => Err(unexpected(ev, p)),
        }
    }
}
