"""Batch calls of an immutable machine: many events in one call into the
library, the ids of the matching rules in one array, and the results built
from that array.

Every batch call (``evm_match_batch``, ``evm_match_batch_offsets32/64``,
``evm_match_lines``) has the same outputs: rule ids written event after
event into an id buffer (the calling thread's), ``offsets[i]`` to
``offsets[i + 1]`` being those of event ``i``; ``status_out[i]``, the
event's status; when the id buffer is too small the call answers
``EVM_BUFFER_TOO_SMALL`` with the size it needs in ``needed`` and is made
again with a larger buffer. The calls differ only in how the events are
handed over.

A batch of Python events (``matches_many``) goes in parts, each one call
(:class:`_Parts`); every part writes its ids after those of the part
before, its offsets (which start from 0 for each call) into its own
stretch of one array, and its statuses at its place. A *segment*
``(first, count, at, base)`` says where one call's results are: events
``first`` to ``first + count``, offsets ``at`` to ``at + count``
(inclusive), ids from ``base``.

The results are built from the events' groups by set of matches
(``evm_group_matches``: one comprehension step per event) when most
events matched, else at C speed (``map``, ``zip``, list repetition), with
no Python code run per event: see :func:`_name_tuples`.
"""

from __future__ import annotations

import sys
import threading
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from itertools import chain, repeat, starmap
from operator import sub
from typing import Any, Callable, Optional

from ._errors import _BUFFER_TOO_SMALL, _OK, EventError, _status_error
from ._ffi import ffi, lib
from ._handle import _ThreadState
from ._marshal import _FLAT, _SIZE_CODE, _flatten_events, _offsets, _Pointers

# A thread keeps its batch id buffer between calls up to this size.
_KEEP_IDS = 1 << 20

#: Batches of flat events at most this large on average (in bytes) are
#: joined into one buffer per part (``bytes.join``); larger ones go as
#: pointers into the events (:class:`_Pointers`). Joining copies the bytes
#: once (cheaper than a cdata per event for small events), pointers cost
#: the same for any size. Measured on CityLots events (about 850 bytes),
#: joined were about 1.1x as fast as pointers; at 1.7 kB even; at 3.4 kB
#: pointers were 1.25x as fast.
JOIN_MEAN_LIMIT = 2048

#: Joined events go to the library in parts of about this many bytes, each
#: joined just before its call, so that the library reads it from the CPU
#: cache. On CityLots events (50,000 of 846 bytes, exact rules), joining
#: and matching took 705 ns per event in parts of 250 events against 878
#: in one part of 10,000 (matching alone: 510-530).
JOIN_PART_BYTES = 1 << 18

# A segment: (first event, number of events, first offset, first id).
Segment = tuple[int, int, int, int]

_LITTLE = sys.byteorder == "little"
_SIZE_BYTES = ffi.sizeof("size_t")
# Large outputs are copied out in pieces of this size (see _low_bytes).
_PIECE = 1 << 16

# Output arrays are not cleared: a call writes every entry that is read
# (ids up to the total it reports, offsets, statuses and spans for each of
# its events), and clearing a large array costs more than the call's
# writing it.
_new_out = ffi.new_allocator(should_clear_after_alloc=False)


class _Outputs:
    """The per-event outputs of one batch call of ``n`` events (for
    ``evm_match_lines``, room for ``n`` events, and ``n`` set to the number
    of events after the call)."""

    __slots__ = ("n", "offsets", "status_out", "needed")

    def __init__(self, n: int) -> None:
        self.n = n
        self.offsets = _new_out("size_t[]", n + 1)
        self.status_out = _new_out("int32_t[]", n)
        self.needed = ffi.new("size_t *")


class _LineOutputs(_Outputs):
    """The outputs of ``evm_match_lines``: those of every batch call, with
    room for ``cap`` events, and where each event is (``spans``)."""

    __slots__ = ("cap", "spans", "n_events")

    def __init__(self, cap: int) -> None:
        super().__init__(cap)
        self.cap = cap
        self.spans = _new_out("evm_line_span[]", cap)
        self.n_events = ffi.new("size_t *")


def _reserve(st: _ThreadState, n: int) -> None:
    """Room in the thread's id buffer for one match per event to start with."""
    if st.batch_cap < n:
        st.batch_cap = max(n, 1024)
        st.batch_ids = _new_out("uint32_t[]", st.batch_cap)


def _grow_ids(st: _ThreadState, keep: int, cap: int) -> None:
    """A thread id buffer of at least ``cap`` entries, the first ``keep``
    copied from the old one."""
    cap = max(cap, 2 * st.batch_cap, 1024)
    ids = _new_out("uint32_t[]", cap)
    if keep:
        ffi.memmove(ids, st.batch_ids, 4 * keep)
    st.batch_ids, st.batch_cap = ids, cap


def _with_room(st: _ThreadState, needed: Any, call: Callable[[Any, int], int]) -> int:
    """Runs ``call(ids, cap)``, a batch call writing rule ids into the
    thread's id buffer, with a larger buffer (at least ``needed[0]``)
    as long as the library answers EVM_BUFFER_TOO_SMALL; its status."""
    while True:
        status: int = call(st.batch_ids, st.batch_cap)
        if status != _BUFFER_TOO_SMALL:
            return status
        _grow_ids(st, 0, needed[0])


def _call_offsets(
    ptr: Any,
    st: _ThreadState,
    data: Any,
    size: int,
    offsets: Any,
    wide: bool,
    validity: Any,
    validity_offset: int,
    out: _Outputs,
) -> int:
    """``evm_match_batch_offsets64`` (``wide``) or ``_offsets32`` over
    ``size`` bytes at ``data`` and ``out.n + 1`` offsets at ``offsets``
    (cdata pointers), with an Arrow validity bitmap (a cdata, or NULL): the
    call's status."""
    call = lib.evm_match_batch_offsets64 if wide else lib.evm_match_batch_offsets32
    n = out.n
    o, status_out, needed = out.offsets, out.status_out, out.needed
    return _with_room(
        st, needed, lambda ids, cap: call(
            ptr, st.scratch, data, size, offsets, n, validity, validity_offset, ids, cap, o, status_out, needed,
        )
    )


# JSON Lines buffers up to this size are counted exactly for the number of
# events; larger ones are estimated from samples of this size.
_LINES_SAMPLE = 1 << 16


def _lines_cap(data: Any, size: int) -> int:
    """Room for the events of a JSON Lines buffer (``data``, a cdata of
    ``size`` bytes): the exact number of ``\n`` plus one for small buffers;
    for larger ones, 1.5 times the line density of three samples (start,
    middle, end) plus 64, at most the exact bound. Too small an estimate
    costs a second pass (``evm_match_lines`` says how many it needs)."""
    buf = ffi.buffer(data, size)
    if size <= 3 * _LINES_SAMPLE:
        exact: bytes = buf[:]
        return exact.count(b"\n") + 1
    k = _LINES_SAMPLE
    mid = (size - k) // 2
    samples: list[bytes] = [buf[:k], buf[mid : mid + k], buf[size - k :]]
    newlines = sum(sample.count(b"\n") for sample in samples)
    return min(size + 1, newlines * size // (2 * k) + 64)


# Per thread: the outputs of its last evm_match_lines call, kept for the next.
_spare = threading.local()

#: A thread keeps the outputs of its last ``matches_lines`` call for the
#: next one up to this many events (36 bytes each), so that their pages
#: are mapped already: a fresh page cost about 1.3 us to fault in on the
#: development machine, 12 ns an event for these arrays.
_KEEP_LINE_EVENTS = 1 << 17


def _line_outputs(cap: int) -> _LineOutputs:
    """Outputs with room for ``cap`` events: the thread's spare ones if
    they are large enough. Taken, not shared: a call on the same thread
    while these are in use (from a finaliser, say) makes its own."""
    out: Optional[_LineOutputs] = _spare.__dict__.pop("lines", None)
    if out is None or out.cap < cap:
        return _LineOutputs(cap)
    out.n = out.cap
    return out


def _keep_line_outputs(out: _LineOutputs) -> None:
    """Gives ``out`` back to the thread for its next call (see
    :func:`_line_outputs`), unless it is large."""
    if out.cap <= _KEEP_LINE_EVENTS:
        _spare.lines = out


def _call_lines(ptr: Any, st: _ThreadState, data: Any, size: int) -> tuple[int, _LineOutputs]:
    """``evm_match_lines`` over ``size`` bytes at ``data`` (a cdata): the
    call's status and its outputs (``n`` set to the number of events; give
    them back with :func:`_keep_line_outputs` when done). When the
    estimated room for events or ids is too small, the call tells what it
    needs and is made again."""
    out = _line_outputs(max(_lines_cap(data, size), 1))
    _reserve(st, out.cap)
    while True:
        status: int = lib.evm_match_lines(
            ptr, st.scratch, data, size, st.batch_ids, st.batch_cap,
            out.offsets, out.status_out, out.spans, out.cap, out.n_events, out.needed,
        )
        if status != _BUFFER_TOO_SMALL:
            break
        if out.n_events[0] > out.cap:
            out = _LineOutputs(out.n_events[0])
        if out.needed[0] > st.batch_cap:
            _grow_ids(st, 0, out.needed[0])
    if status == _OK:
        out.n = out.n_events[0]
    return status, out


class _Parts:
    """The outputs of the calls that match one batch of ``n`` Python events
    in parts (see the module docstring): the statuses, every part's
    offsets, and the segments; the ids are in the thread's id buffer, the
    first ``used`` of it."""

    __slots__ = ("n", "offsets", "status_out", "needed", "n_events", "spans", "segments", "used", "_at")

    def __init__(self, n: int, parts: int) -> None:
        self.n = n
        self.offsets = _new_out("size_t[]", n + parts)
        self.status_out = _new_out("int32_t[]", n)
        self.needed = ffi.new("size_t *")
        self.n_events = ffi.new("size_t *")
        self.spans: Any = None
        self.segments: list[Segment] = []
        self.used = 0
        self._at = 0

    def _done(self, first: int, count: int) -> None:
        self.segments.append((first, count, self._at, self.used))
        self.used += self.offsets[self._at + count]
        self._at += count + 1

    def _call(self, st: _ThreadState, name: str, call: Callable[[Any, int, Any, Any], int], first: int) -> None:
        """Runs ``call(ids, cap, offsets, status)`` for the part whose
        events start at ``first``, after the ids written so far, with more
        room as long as it answers EVM_BUFFER_TOO_SMALL."""
        while True:
            used = self.used
            status = call(st.batch_ids + used, st.batch_cap - used, self.offsets + self._at, self.status_out + first)
            if status != _BUFFER_TOO_SMALL:
                break
            _grow_ids(st, used, used + self.needed[0])
        if status != _OK:
            raise _status_error(name, status)

    def pointers(self, ptr: Any, st: _ThreadState, events: _Pointers) -> None:
        """All ``n`` events at once, as pointers (``evm_match_batch``)."""
        n, needed = self.n, self.needed
        self._call(st, "evm_match_batch", lambda ids, cap, offsets, status: lib.evm_match_batch(
            ptr, st.scratch, events.ptrs, events.lens, n, ids, cap, offsets, status, needed,
        ), 0)
        self._done(0, n)

    def joined(self, ptr: Any, st: _ThreadState, part: list[Any], first: int) -> None:
        """Flat events ``part``, ``first`` onwards, joined with their offsets
        (``evm_match_batch_offsets64``)."""
        data = b"".join(part)
        offsets = _offsets(part)
        size, count, needed = len(data), len(part), self.needed
        self._call(st, "evm_match_batch_offsets64", lambda ids, cap, offs, status: lib.evm_match_batch_offsets64(
            ptr, st.scratch, data, size, offsets, count, ffi.NULL, 0, ids, cap, offs, status, needed,
        ), first)
        self._done(first, len(part))

    def lines(self, ptr: Any, st: _ThreadState, data: bytes, first: int, count: int) -> bool:
        """``count`` events ``first`` onwards, joined with ``\\n`` into
        ``data``, as JSON Lines (``evm_match_lines``: no offsets to build).
        False, with nothing kept, unless the lines were the events: there
        are ``count`` events (no line skipped as blank) and the last, on
        line ``count``, ends the data. The data then holds ``count - 1``
        newlines, the ones joining the events: no event held one, and
        each line is an event. (The library drops a ``\\r`` ending a
        line, JSON white space: the same answer.)"""
        if self.spans is None or len(self.spans) < count:
            self.spans = _new_out("evm_line_span[]", count)
        spans, n_events, needed, size = self.spans, self.n_events, self.needed, len(data)
        while True:
            used = self.used
            status = lib.evm_match_lines(
                ptr, st.scratch, data, size, st.batch_ids + used, st.batch_cap - used,
                self.offsets + self._at, self.status_out + first, spans, count, n_events, needed,
            )
            if status != _BUFFER_TOO_SMALL:
                break
            if n_events[0] > count:
                return False
            _grow_ids(st, used, used + needed[0])
        if status != _OK:
            raise _status_error("evm_match_lines", status)
        if n_events[0] != count or spans[count - 1].line != count or spans[count - 1].end != size:
            return False
        self._done(first, count)
        return True


def _call_events(
    ptr: Any, st: _ThreadState, events: Sequence[Any]
) -> tuple[_Parts, dict[int, EventError], Callable[[int], Any]]:
    """Matches ``events`` (a list or tuple, read and never changed), in
    parts. Returns the outputs, the errors of events that could not be
    serialised (by index), and a function giving event ``i`` as matched (a
    flat buffer, for the details of an event the library refused).

    Small events go in parts of about JOIN_PART_BYTES, each sliced from
    ``events`` and joined just before its call (the slice is the part's own
    list: a copy of the whole list first would read every event's header
    from memory once more, about 50 ns an event on CityLots), made flat
    first when it holds other objects than ``bytes`` and ``bytearray``
    (:func:`_flatten_events`): as JSON Lines while the parts allow it (no
    offsets to build), else with offsets. Large events go as pointers, in
    one call.

    Raises:
        RuntimeError: ``events`` changed size during the call (another
            thread, while the library matched a part).
    """
    n = len(events)
    known: dict[int, EventError] = {}
    sample = list(events[:: max(1, n // 64)])
    flat = set(map(type, sample)) <= _FLAT
    if not flat:
        _flatten_events(sample)
    mean = sum(map(len, sample)) / len(sample)
    _reserve(st, min(n, 1 << 16))
    if mean > JOIN_MEAN_LIMIT:
        bufs = list(events)
        known = _flatten_events(bufs)
        out = _Parts(n, 1)
        with _Pointers(bufs) as pointers:
            out.pointers(ptr, st, pointers)
        return out, known, bufs.__getitem__
    step = max(1, int(JOIN_PART_BYTES // max(mean, 1)))
    out = _Parts(n, -(-n // step))
    parts: list[Any] = []
    as_lines = True
    for first in range(0, n, step):
        part: Any = events[first : first + step]
        if len(part) != min(step, n - first):
            raise RuntimeError("matches_many: the list of events changed size during the call")
        if not flat:
            part = list(part) if type(part) is not list else part
            known.update(_flatten_events(part, first))
        parts.append(part)
        if as_lines:
            try:
                data = b"\n".join(part)
            except (TypeError, BufferError):  # not all bytes-like: past the sample
                part = parts[-1] = list(part) if type(part) is not list else part
                known.update(_flatten_events(part, first))
                data = b"\n".join(part)
            as_lines = out.lines(ptr, st, data, first, len(part))
            if as_lines:
                continue
        # From here on every part goes with offsets (of flat events).
        if type(part) is not list:
            part = parts[-1] = list(part)
        known.update(_flatten_events(part, first))
        out.joined(ptr, st, part, first)
    if len(events) != n:
        raise RuntimeError("matches_many: the list of events changed size during the call")
    return out, known, lambda i: parts[i // step][i % step]


def _take_ids(st: _ThreadState, total: int, small: bool) -> Sequence[int]:
    """The first ``total`` rule ids of the thread's id buffer (a copy): as
    ``bytes`` when ``small`` (fewer than 256 rules: an id is its low byte,
    and bytes iterate without making an int), else as a list. The thread
    keeps its id buffer for the next call unless it has grown huge."""
    ids: Sequence[int]
    if not total:
        ids = b""
    elif small:
        ids = _low_bytes(ffi.buffer(st.batch_ids, 4 * total), 4)
    else:
        ids = ffi.unpack(st.batch_ids, total)
    _trim(st)
    return ids


def _take_id_bytes(st: _ThreadState, out: _Outputs) -> bytes:
    """The rule ids the call wrote, as the bytes of a uint32 array (a copy:
    the thread's buffer is reused by its next call)."""
    total = out.offsets[out.n]
    ids: bytes = ffi.buffer(st.batch_ids, 4 * total)[:] if total else b""
    _trim(st)
    return ids


def _trim(st: _ThreadState) -> None:
    if st.batch_cap > _KEEP_IDS:  # do not hold on to a huge buffer
        st.batch_ids, st.batch_cap = ffi.NULL, 0


_ZEROS = bytes(_PIECE)


def _all_ok(status_out: Any, n: int) -> bool:
    """Whether the ``n`` statuses in ``status_out`` are all EVM_OK (0), at
    memory speed: pieces compared with zeros made once (``bytes.__eq__``
    is a ``memcmp``; fresh zeros each time would cost their pages)."""
    data = ffi.buffer(status_out, 4 * n)
    step = len(_ZEROS)
    for i in range(0, 4 * n, step):
        piece = data[i : i + step]
        if piece != _ZEROS[: len(piece)]:
            return False
    return True


def _any_refused(out: _Outputs) -> bool:
    """Whether any event's status is not EVM_OK."""
    return not _all_ok(out.status_out, out.n)


def _refused(status_out: Any, n: int) -> list[int]:
    """The indexes of the events whose status (of the ``n`` in
    ``status_out``) is not EVM_OK."""
    if _all_ok(status_out, n):
        return []
    return [i for i, s in enumerate(ffi.unpack(status_out, n)) if s != _OK]


def _offsets_view(offsets: Any) -> memoryview:
    """The entries of a ``size_t[]`` cdata as a sequence of ints."""
    return memoryview(ffi.buffer(offsets)).cast(_SIZE_CODE)


def _low_bytes(data: Any, width: int) -> bytes:
    """The least significant byte of each unsigned ``width``-byte integer
    (native byte order) of ``data`` (an ``ffi.buffer``), copied out. In
    pieces of 64 kB (a copy, then a slice with a step: a fraction of a ns
    a byte, where a strided ``memoryview`` copies item by item), which the
    allocator reuses instead of mapping fresh pages."""
    first = 0 if _LITTLE else width - 1
    step = _PIECE - _PIECE % width
    return b"".join([data[i : i + step][first::width] for i in range(0, len(data), step)])


def _segment_counts(offsets: Any, at: int, count: int) -> bytes:
    """The number of matches of each of ``count`` events whose offsets are
    ``offsets[at : at + count + 1]`` (a ``size_t[]`` cdata), as ``bytes``:
    for machines of fewer than 256 rules, where no event has more.

    Computed at C speed: with ``low`` the low byte of each offset, the
    difference of two big integers made of 16-bit slots, ``256 + low[i +
    1]`` and ``low[i]``. Each slot of the difference is between 1 and 511,
    so no borrow crosses a slot, and its low byte is ``(low[i + 1] -
    low[i]) % 256``: the count. (About 7 ns an event, against 35 for a
    ``map(sub, ...)`` over the offsets.)"""
    low = _low_bytes(ffi.buffer(offsets + at, (count + 1) * _SIZE_BYTES), _SIZE_BYTES)
    upper = bytearray(2 * count)
    upper[0::2] = low[1:]
    upper[1::2] = b"\x01" * count
    lower = bytearray(2 * count)
    lower[0::2] = low[:-1]
    diff = int.from_bytes(upper, "little") - int.from_bytes(lower, "little")
    return diff.to_bytes(2 * count, "little")[0::2]


def _counts(offsets: Any, segments: list[Segment], small: bool) -> Iterable[int]:
    """The number of matches of each event, in order (``small``: fewer than
    256 rules, see :func:`_segment_counts`)."""
    if small:
        if len(segments) == 1:
            return _segment_counts(offsets, segments[0][2], segments[0][1])
        return b"".join([_segment_counts(offsets, at, count) for _, count, at, _ in segments])
    view = _offsets_view(offsets)
    return chain.from_iterable(
        map(sub, view[at + 1 : at + count + 1], view[at : at + count]) for _, count, at, _ in segments
    )


_FEW = bytes(range(5))


def _max_count(counts: bytes) -> int:
    """``max(counts)``, at memory speed: ``max`` makes an int per byte
    (about 10 ns each), ``in`` and ``translate`` do not. The counts above 4
    are few, if any."""
    many = counts.translate(None, _FEW)
    if many:
        return max(many)
    return next((c for c in (4, 3, 2, 1) if bytes((c,)) in counts), 0)


class _Sets(dict[tuple[int, ...], tuple[str, ...]]):
    """The sorted names of each set of rule ids (a tuple), made on first
    need: events with the same matches share one tuple."""

    __slots__ = ("_names",)

    def __init__(self, names: tuple[str, ...]) -> None:
        super().__init__()
        self._names = names

    def __missing__(self, ids: tuple[int, ...]) -> tuple[str, ...]:
        names = self[ids] = tuple(sorted(map(self._names.__getitem__, ids)))
        return names


class _Row(dict[int, tuple[str, ...]]):
    """The sorted names of the pairs of rule ids ``(first, b)``, by ``b``."""

    __slots__ = ("_first", "_sets")

    def __init__(self, first: int, sets: _Sets) -> None:
        super().__init__()
        self._first = first
        self._sets = sets

    def __missing__(self, second: int) -> tuple[str, ...]:
        names = self[second] = self._sets[(self._first, second)]
        return names


class _Pairs(dict[int, _Row]):
    """The rows of :class:`_Row` by first id: two dict lookups by int cost
    less than one by a tuple of two ints (its hash and comparison)."""

    __slots__ = ("_sets",)

    def __init__(self, sets: _Sets) -> None:
        super().__init__()
        self._sets = sets

    def __missing__(self, first: int) -> _Row:
        row = self[first] = _Row(first, self._sets)
        return row


class _Takers(dict[int, Iterator[tuple[str, ...]]]):
    """For each number of matches ``c``, an iterator over the names of the
    events with ``c`` matches, in order. All of them draw their ids from one
    iterator over the batch's ids, ``c`` at a time, so that taking from the
    iterator of each event's count, event after event, gives every event its
    own ids."""

    __slots__ = ("_ids", "_sets")

    def __init__(self, ids: Iterator[int], singles: list[tuple[str]], sets: _Sets) -> None:
        super().__init__()
        self._ids = ids
        self._sets = sets
        self[0] = repeat(())
        self[1] = map(singles.__getitem__, ids)
        # map() takes from its iterables in order: the row of the first id,
        # then the second id.
        self[2] = map(dict.__getitem__, map(_Pairs(sets).__getitem__, ids), ids)

    def __missing__(self, count: int) -> Iterator[tuple[str, ...]]:
        taker = self[count] = map(self._sets.__getitem__, zip(*repeat(self._ids, count)))
        return taker


#: The results of a batch are built from its groups (events with the same
#: matches, found by ``evm_group_matches``) when there is at most one group
#: per this many events: a group costs about 0.3 us (its ids read back, its
#: names looked up), and saves each of its events about 40 ns against
#: :meth:`_Batch.dense`.
GROUP_EVENTS = 8

#: Batches of fewer events are not grouped: the call and its outputs cost
#: about 3 us, more than grouping saves below about 30 events (measured on
#: CityLots events, `numeric` rules).
GROUP_MIN = 64


class _Groups:
    """The groups of a batch's events by their set of matches, one
    ``evm_group_matches`` call per segment: ``of`` (a memoryview of
    ``uint32``), event ``first + i``'s group within its segment; and for
    each segment, the index within it of each group's first event."""

    __slots__ = ("of", "firsts")

    def __init__(self, of: memoryview, firsts: list[list[int]]) -> None:
        self.of = of
        self.firsts = firsts


def _group(st: _ThreadState, offsets: Any, segments: list[Segment], n: int, total: int) -> Optional[_Groups]:
    """The groups of the ``n`` events of a batch, ``total`` matches in all,
    whose ids are in the thread's id buffer (each segment's from its
    ``base``); or None where the other ways are faster: few matches (see
    :func:`_sparse`), fewer than GROUP_MIN events, or more than one group
    per GROUP_EVENTS events (grouping stops at the segment that shows it)."""
    if n < GROUP_MIN or _sparse(n, total):
        return None
    group_out = _new_out("uint32_t[]", n)
    first_out = _new_out("size_t[]", n)
    n_groups = ffi.new("size_t *")
    ids = st.batch_ids
    firsts: list[list[int]] = []
    limit = n // GROUP_EVENTS
    for first, count, at, base in segments:
        status = lib.evm_group_matches(
            ids + base, offsets[at + count], offsets + at, count, group_out + first, first_out + first, n_groups,
        )
        if status != _OK:
            raise _status_error("evm_group_matches", status)
        limit -= n_groups[0]
        if limit < 0:
            return None
        firsts.append(ffi.unpack(first_out + first, n_groups[0]))
    return _Groups(memoryview(ffi.buffer(group_out, 4 * n)).cast("I"), firsts)


def _sparse(n: int, total: int) -> bool:
    """Whether few of ``n`` events matched (``total`` matches in all):
    fewer than one in 32 (or none)."""
    return total * 32 < n or not total


class _Batch:
    """Where the results of a batch are: ``n`` events, their ids (see
    :func:`_take_ids`), the ``offsets`` cdata and its segments; and their
    groups, found by :func:`_group` when most events matched, or None."""

    __slots__ = ("n", "ids", "offsets", "segments", "groups")

    def __init__(
        self, n: int, ids: Sequence[int], offsets: Any, segments: list[Segment], groups: Optional[_Groups] = None
    ) -> None:
        self.n = n
        self.ids = ids
        self.offsets = offsets
        self.segments = segments
        self.groups = groups

    def place(self, result: list[Any], make: Callable[[tuple[str, ...]], Any], sets: _Sets) -> None:
        """Puts ``make(names)`` in ``result`` for each event that matched,
        found by bisection in the offsets (for batches with few matches)."""
        view = _offsets_view(self.offsets)
        ids = self.ids
        for first, count, at, base in self.segments:
            total = view[at + count]
            k = 0
            while k < total:
                i = bisect_right(view, k, at, at + count + 1) - 1  # the offset before match k
                end = view[i + 1]
                result[first + i - at] = make(sets[tuple(ids[base + k : base + end])])
                k = end

    def dense(self, singles: list[tuple[str]], sets: _Sets) -> Iterator[tuple[str, ...]]:
        """Each event's names, in order, from the iterator of its number of
        matches (:class:`_Takers`): two C-level maps, no Python code per
        event. (An ``itemgetter`` and one step of ``zip`` over every
        event's iterator are as fast, but make large temporary tuples,
        whose fresh pages cost more.)"""
        counts = _counts(self.offsets, self.segments, len(singles) < 256)
        takers: Any = _Takers(iter(self.ids), singles, sets)
        if isinstance(counts, bytes):
            # A list, indexed faster than a dict subclass: up to the largest
            # count (up to the number of rules when that is small).
            top = len(singles) if len(singles) <= 8 else _max_count(counts)
            takers = [takers[c] for c in range(top + 1)]
        return map(next, map(takers.__getitem__, counts))

    def group_names(self, groups: _Groups, sets: _Sets) -> Iterator[tuple[list[Any], memoryview]]:
        """For each segment, the names of each of its groups (looked up
        once per group) and its events' groups."""
        view = _offsets_view(self.offsets)
        ids = self.ids
        for (first, count, at, base), firsts in zip(self.segments, groups.firsts):
            names = [sets[tuple(ids[base + view[at + f] : base + view[at + f + 1]])] for f in firsts]
            yield names, groups.of[first : first + count]

    @property
    def sparse(self) -> bool:
        """Whether few events matched: fewer than one in 32 (or none)."""
        return _sparse(self.n, len(self.ids))


def _name_tuples(names: tuple[str, ...], singles: list[tuple[str]], batch: _Batch) -> list[tuple[str, ...]]:
    """One tuple of sorted rule names per event of ``batch``.

    Events with the same matches share one tuple: ``()`` for none, one
    tuple per set of ids (sorted once) for more. With few matches: ``[()] *
    n``, then each event that matched, found by bisection; with few sets of
    matches (``batch.groups``), each event's group's tuple; else
    :meth:`_Batch.dense` (where one match gives the prebuilt
    ``singles[id]``)."""
    sets = _Sets(names)
    result: list[tuple[str, ...]]
    if batch.sparse:
        result = [()] * batch.n
        if batch.ids:
            batch.place(result, tuple, sets)
        return result
    result = []
    if batch.groups is not None:
        # One step of a comprehension per event (about 12 ns, where a map()
        # over the bound __getitem__ takes 17).
        for names, of in batch.group_names(batch.groups, sets):
            result += [names[g] for g in of]
        return result
    return list(batch.dense(singles, sets))


def _name_lists(names: tuple[str, ...], singles: list[tuple[str]], batch: _Batch) -> list[list[str]]:
    """As :func:`_name_tuples`, one new list per event."""
    sets = _Sets(names)
    if batch.sparse:
        # A new empty list per event (starmap calls list() at C level: about
        # 43 ns a list, against 72 for a comprehension).
        result: list[list[str]] = list(starmap(list, repeat((), batch.n)))
        if batch.ids:
            batch.place(result, list, sets)
        return result
    if batch.groups is not None:
        # A copy of its group's list per event (list.copy in a
        # comprehension: the fastest of list(), [*t], slicing and map()).
        result = []
        for names, of in batch.group_names(batch.groups, sets):
            each = list(map(list, names))
            result += [each[g].copy() for g in of]
        return result
    return list(map(list, batch.dense(singles, sets)))
