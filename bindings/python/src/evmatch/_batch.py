"""Batch calls of an immutable machine: many events in one call into the
library, the ids of the matching rules in one array, and the result lists
built from that array.

Every batch call (``evm_match_batch``, ``evm_match_batch_records``) has
the same outputs: the calling thread's id buffer holds the matching rule
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
from typing import Any, Callable, Optional

from ._errors import _BUFFER_TOO_SMALL, _INVALID_ARGUMENT, _OK, EventError
from ._ffi import ffi, lib
from ._handle import _ThreadState
from ._marshal import _BYTES_LAYOUT, _LIST_ITEMS_OFFSET, _SIZE_CODE, _batch_arrays

# A thread keeps its matches_many id buffer between calls up to this size.
_KEEP_IDS = 1 << 20


class _Outputs:
    """The per-event outputs of one batch call of ``n`` events."""

    __slots__ = ("n", "offsets", "status_out", "needed")

    def __init__(self, n: int) -> None:
        self.n = n
        self.offsets = ffi.new("size_t[]", n + 1)
        self.status_out = ffi.new("int32_t[]", n)
        self.needed = ffi.new("size_t *")


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


def _call_records(ptr: Any, st: _ThreadState, bufs: list[Any], out: _Outputs) -> Optional[int]:
    """``evm_match_batch_records`` over the list's own item array, on
    CPython when the first event is ``bytes``: the call's status, or None
    when this path does not apply (another Python, or an item that is not
    exactly ``bytes``, which the library refuses for the general path).

    ``bufs`` must be the caller's own list: it neither changes nor frees
    its items during the call.
    """
    if _LIST_ITEMS_OFFSET is None or type(bufs[0]) is not bytes:
        return None
    n = out.n
    records = ffi.cast("void **", ffi.cast("uintptr_t *", id(bufs) + _LIST_ITEMS_OFFSET)[0])
    offsets, status_out, needed = out.offsets, out.status_out, out.needed
    status = _with_room(
        st, needed, lambda ids, cap: lib.evm_match_batch_records(
            ptr, st.scratch, records, n, _BYTES_LAYOUT, ids, cap,
            offsets, status_out, needed,
        )
    )
    if (
        status == _OK
        and ffi.buffer(status_out)[:].strip(b"\x00")
        and _INVALID_ARGUMENT in ffi.unpack(status_out, n)
    ):
        return None  # not all exactly bytes: the general path
    return status


def _call_pointers(
    ptr: Any, st: _ThreadState, bufs: list[Any], out: _Outputs, errors: str
) -> tuple[int, dict[int, EventError]]:
    """``evm_match_batch`` over arrays of pointers into the events (the
    general path: any buffers, ``str`` and mappings, which are encoded
    first and replace their event in ``bufs``). Returns the call's status
    and the errors of events that could not be serialised, by index (see
    :func:`~evmatch._marshal._batch_arrays`)."""
    n = out.n
    ptrs, lens, _keep, conversion_errors = _batch_arrays(bufs, errors)
    offsets, status_out, needed = out.offsets, out.status_out, out.needed
    status = _with_room(
        st, needed, lambda ids, cap: lib.evm_match_batch(
            ptr, st.scratch, ptrs, lens, n, ids, cap, offsets, status_out, needed,
        )
    )
    return status, conversion_errors


def _take_ids(st: _ThreadState, out: _Outputs) -> list[int]:
    """The rule ids the call wrote, as a list; the thread keeps its id
    buffer for the next call unless it has grown huge."""
    total = out.offsets[out.n]
    ids: list[int] = ffi.unpack(st.batch_ids, total) if total else []
    if st.batch_cap > _KEEP_IDS:  # do not hold on to a huge buffer
        st.batch_ids, st.batch_cap = ffi.NULL, 0
    return ids


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
        offs_view = memoryview(ffi.buffer(offsets)).cast(_SIZE_CODE)
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
