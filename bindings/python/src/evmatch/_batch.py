"""Batch calls of an immutable machine: many events in one call into the
library, the ids of the matching rules in one array, and the result lists
built from that array.

Every batch call (``evm_match_batch_offsets32/64``, ``evm_match_lines``)
has the same outputs: the calling thread's id buffer holds the matching rule
ids event after event, ``offsets[i]`` to ``offsets[i + 1]`` being those of
event ``i``; ``status_out[i]`` is the event's status; when the buffer is
too small the call answers ``EVM_BUFFER_TOO_SMALL`` with the size it needs
in ``needed`` and is made again with a larger buffer. The calls differ only
in how the events are handed over, so a new way of handing them over is one
more ``_call_*`` function here; the rest is shared.
"""

from __future__ import annotations

from bisect import bisect_right
from itertools import islice, repeat, starmap
from typing import Any, Callable

from ._errors import _BUFFER_TOO_SMALL, _OK
from ._ffi import ffi, lib
from ._handle import _ThreadState
from ._marshal import _SIZE_CODE, _Pointers

# A thread keeps its matches_many id buffer between calls up to this size.
_KEEP_IDS = 1 << 20


class _Outputs:
    """The per-event outputs of one batch call of ``n`` events (for
    ``evm_match_lines``, room for ``n`` events, and ``n`` set to the number
    of events after the call)."""

    __slots__ = ("n", "offsets", "status_out", "needed")

    def __init__(self, n: int) -> None:
        self.n = n
        self.offsets = ffi.new("size_t[]", n + 1)
        self.status_out = ffi.new("int32_t[]", n)
        self.needed = ffi.new("size_t *")


class _LineOutputs(_Outputs):
    """The outputs of ``evm_match_lines``: those of every batch call, with
    room for ``cap`` events, and where each event is (``spans``)."""

    __slots__ = ("cap", "spans", "n_events")

    def __init__(self, cap: int) -> None:
        super().__init__(cap)
        self.cap = cap
        self.spans = ffi.new("evm_line_span[]", cap)
        self.n_events = ffi.new("size_t *")


def _reserve(st: _ThreadState, n: int) -> None:
    """Room in the thread's id buffer for one match per event to start with."""
    if st.batch_cap < n:
        st.batch_cap = max(n, 1024)
        st.batch_ids = ffi.new("uint32_t[]", st.batch_cap)


def _with_room(st: _ThreadState, needed: Any, call: Callable[[Any, int], int]) -> int:
    """Runs ``call(ids, cap)``, a batch call writing rule ids into the
    thread's id buffer, with a larger buffer (at least ``needed[0]``)
    as long as the library answers EVM_BUFFER_TOO_SMALL; its status."""
    while True:
        status: int = call(st.batch_ids, st.batch_cap)
        if status != _BUFFER_TOO_SMALL:
            return status
        cap = max(needed[0], st.batch_cap * 2, 1024)
        st.batch_ids = ffi.new("uint32_t[]", cap)
        st.batch_cap = cap


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


def _call_pointers(ptr: Any, st: _ThreadState, events: _Pointers, out: _Outputs) -> int:
    """``evm_match_batch`` over pointers into the events: the call's status."""
    n = out.n
    o, status_out, needed = out.offsets, out.status_out, out.needed
    return _with_room(
        st, needed, lambda ids, cap: lib.evm_match_batch(
            ptr, st.scratch, events.ptrs, events.lens, n, ids, cap, o, status_out, needed,
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


def _call_lines(ptr: Any, st: _ThreadState, data: Any, size: int) -> tuple[int, _LineOutputs]:
    """``evm_match_lines`` over ``size`` bytes at ``data`` (a cdata): the
    call's status and its outputs (``n`` set to the number of events). When
    the estimated room for events or ids is too small, the call tells what
    it needs and is made again."""
    out = _LineOutputs(max(_lines_cap(data, size), 1))
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
            st.batch_cap = max(out.needed[0], st.batch_cap * 2)
            st.batch_ids = ffi.new("uint32_t[]", st.batch_cap)
    if status == _OK:
        out.n = out.n_events[0]
    return status, out


def _take_ids(st: _ThreadState, out: _Outputs) -> list[int]:
    """The rule ids the call wrote, as a list; the thread keeps its id
    buffer for the next call unless it has grown huge."""
    total = out.offsets[out.n]
    ids: list[int] = ffi.unpack(st.batch_ids, total) if total else []
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


def _any_refused(out: _Outputs) -> bool:
    """Whether any event's status is not EVM_OK (at C speed)."""
    return bool(out.n and ffi.buffer(out.status_out, 4 * out.n)[:].strip(b"\x00"))


def _refused(out: _Outputs) -> list[int]:
    """The indexes of the events whose status is not EVM_OK."""
    status_out = out.status_out
    if ffi.buffer(status_out)[:].strip(b"\x00"):
        return [i for i, s in enumerate(ffi.unpack(status_out, out.n)) if s != _OK]
    return []


def _results(names: tuple[str, ...], names_sorted: bool, ids: list[int], out: _Outputs) -> list[Any]:
    """One list of rule names per event, from the ids and offsets of a
    batch call; each list sorted (``names_sorted``: ascending ids are
    sorted names already)."""
    n = out.n
    offsets = out.offsets
    total = len(ids)
    named = list(map(names.__getitem__, ids))  # C-level map
    if total * 8 < n:
        # Few matches (the usual case for selective rules): a new empty
        # list per event, then the names of the few events that match,
        # found by bisection in the offsets. (starmap calls list() at C
        # level: about 43 ns a list here, against 72 for a comprehension.)
        result: list[Any] = list(starmap(list, repeat((), n)))
        offs_view = memoryview(ffi.buffer(offsets, (n + 1) * ffi.sizeof("size_t"))).cast(_SIZE_CODE)
        k = 0
        while k < total:
            i = bisect_right(offs_view, k) - 1  # the event of match k
            end = offs_view[i + 1]
            result[i] = named[k:end]
            k = end
    else:
        # Each event its slice of the names: one list operation per event.
        offs = ffi.unpack(offsets, n + 1)
        result = [named[a:b] for a, b in zip(offs, islice(offs, 1, None))]
    if not names_sorted and total:
        for got in result:
            got.sort()
    return result
