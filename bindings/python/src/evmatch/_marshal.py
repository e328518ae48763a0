"""Patterns and events as the C ABI takes them: UTF-8 JSON bytes, and
arrays of pointers and lengths into Python buffers.

A single event or pattern in a buffer (``bytes``, ``bytearray``,
``memoryview``) is passed in place, never copied; ``str`` is encoded;
mappings are serialised with :func:`json.dumps`. A batch of events is
handed over as one contiguous buffer with Arrow-style offsets (the events
joined: one copy at memory speed, cheaper than a pointer into each event
for events of a few kilobytes or less) or as arrays of pointers into the
events. Only public interfaces are used: the buffer protocol, through
``ffi.from_buffer``, ``bytes.join`` and ``memoryview``.
"""

from __future__ import annotations

import json
from array import array
from collections.abc import Mapping
from functools import partial
from itertools import accumulate
from struct import pack
from typing import Any, Literal, Optional, Union

from ._errors import EventError, PatternError
from ._ffi import ffi

Json = Union[str, bytes, bytearray, memoryview, Mapping[str, Any]]
"""A pattern or an event: JSON text, or a Python object to serialise."""

_BUFFER_TYPES = (bytes, bytearray, memoryview)


def _dumps(obj: Any) -> bytes:
    return json.dumps(obj, allow_nan=False, separators=(",", ":")).encode("ascii")


def _pattern_bytes(name: str, pattern: Any) -> bytes:
    """The UTF-8 JSON text of a pattern, as ``bytes`` (buffers are copied:
    patterns are small, and ``bytes`` is safe to hand to ``ffi.from_buffer``
    without releasing it, see :func:`_from_buffer`)."""
    if isinstance(pattern, bytes):
        return pattern
    if isinstance(pattern, _BUFFER_TYPES):
        return bytes(pattern)
    if isinstance(pattern, str):
        # 'surrogatepass': text that is not valid Unicode reaches the library
        # as invalid UTF-8 and is rejected there as a syntax error.
        return pattern.encode("utf-8", "surrogatepass")
    try:
        return _dumps(pattern)
    except ValueError as e:  # NaN or infinity
        raise PatternError(name, f"pattern cannot be serialised as JSON: {e}", code=1) from None


def _event_bytes(event: Any, index: Optional[int] = None) -> Any:
    """The UTF-8 JSON text of an event (buffers are returned as they are)."""
    if isinstance(event, _BUFFER_TYPES):
        return event
    if isinstance(event, str):
        return event.encode("utf-8", "surrogatepass")
    if isinstance(event, Mapping):
        try:
            return _dumps(event)
        except ValueError as e:  # NaN, infinity, circular reference
            raise EventError(f"event cannot be serialised as JSON: {e}", index=index) from None
    raise TypeError(
        f"an event must be str, bytes, bytearray, memoryview or a mapping, not {type(event).__name__}"
    )


_u8_array = ffi.typeof("uint8_t[]")
_ptr_array = ffi.typeof("uint8_t *[]")
_size_t_array = ffi.typeof("size_t[]")
_int64_array = ffi.typeof("int64_t[]")
_INT_CODES: tuple[Literal["Q", "L", "I"], ...] = ("Q", "L", "I")
_SIZE_CODE = next(c for c in _INT_CODES if array(c).itemsize == ffi.sizeof("size_t"))


def _from_buffer(ctype: Any, data: Any) -> Any:
    """``ffi.from_buffer``: a cdata pointing into a buffer, in place.

    Release it (``ffi.release`` or a ``with`` block) as soon as the call
    that needs it returns whenever the buffer may be a ``memoryview``: a
    memoryview and a cdata still holding its buffer that end up in the same
    garbage cycle (a traceback's frame, say) crash CPython's collector.
    """
    return ffi.from_buffer(ctype, data)


# The event types that are flat byte buffers as they are: len() is their
# size in bytes, bytes.join and ffi.from_buffer take them, and neither is
# tracked by the garbage collector (see _from_buffer).
_FLAT = frozenset((bytes, bytearray))


def _flat_event(event: Any, index: int) -> Any:
    """An event as a flat byte buffer: ``bytes`` and ``bytearray`` as they
    are, ``str`` encoded, mappings serialised, other buffers (memoryview,
    mmap, array) as a one-dimensional byte memoryview."""
    if isinstance(event, (str, Mapping)):
        return _event_bytes(event, index)
    if isinstance(event, (bytes, bytearray)):
        return event
    try:
        view = memoryview(event)
    except TypeError:
        raise TypeError(
            f"an event must be str, bytes, bytearray, memoryview or a mapping, not {type(event).__name__}"
        ) from None
    if not view.c_contiguous:
        raise TypeError("an event buffer must be C-contiguous")
    if view.format != "B" or view.ndim != 1:
        view = view.cast("B")
    return view


def _flatten_events(bufs: list[Any], base: int = 0) -> dict[int, EventError]:
    """Makes every event of ``bufs`` (a list of the caller's own, events
    ``base`` onwards of a batch) a flat byte buffer, in place (see
    :func:`_flat_event`). Returns the errors of events that could not be
    serialised, by index in the batch; such an event is replaced by
    ``b"null"``, which the library refuses as well, so that its error takes
    its turn among the others in index order."""
    conversion_errors: dict[int, EventError] = {}
    if set(map(type, bufs)) <= _FLAT:
        return conversion_errors
    for i, e in enumerate(bufs):
        if type(e) in _FLAT:
            continue
        try:
            bufs[i] = _flat_event(e, base + i)
        except EventError as err:
            conversion_errors[base + i] = err
            bufs[i] = b"null"
    return conversion_errors


def _offsets(bufs: list[Any]) -> Any:
    """The Arrow-style int64 offsets of flat events joined, as an
    ``int64_t[]`` cdata (``n + 1`` entries): event ``i`` is
    ``b"".join(bufs)[offsets[i]:offsets[i + 1]]``."""
    # struct.pack is the fastest way here from Python ints to int64s (44 ns
    # an event, against 55-65 for array("q", ...) or ffi.new).
    packed = pack(f"={len(bufs) + 1}q", 0, *accumulate(map(len, bufs)))
    offsets = ffi.from_buffer(_int64_array, packed)
    if int(ffi.cast("uintptr_t", offsets)) % 8:  # bytes' data is not promised to be aligned
        offsets = ffi.from_buffer(_int64_array, array("q", packed))
    return offsets


class _Pointers:
    """The pointer and length arrays of flat events for the C ABI (for
    ``evm_live_match_batch``), pointing into the events in place. Use as a
    ``with`` block: the events' buffers are released at its end."""

    __slots__ = ("ptrs", "lens", "_cbufs", "_release")

    def __init__(self, bufs: list[Any]) -> None:
        cbufs = list(map(partial(ffi.from_buffer, _u8_array), bufs))
        self._cbufs = cbufs
        self._release = not set(map(type, bufs)) <= _FLAT
        # One spare entry: arrays are never empty (and never NULL).
        self.ptrs = ffi.new(_ptr_array, cbufs + [ffi.NULL])
        self.lens = ffi.from_buffer(_size_t_array, array(_SIZE_CODE, map(len, cbufs)) + array(_SIZE_CODE, [0]))

    def __enter__(self) -> "_Pointers":
        return self

    def __exit__(self, *exc: object) -> None:
        if self._release:
            for c in self._cbufs:
                ffi.release(c)
