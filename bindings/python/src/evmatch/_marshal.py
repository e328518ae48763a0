"""Patterns and events as the C ABI takes them: UTF-8 JSON bytes, and
arrays of pointers and lengths into Python buffers.

Buffers (``bytes``, ``bytearray``, ``memoryview``) are passed in place,
never copied; ``str`` is encoded; mappings are serialised with
:func:`json.dumps`. On CPython the pointers of ``bytes`` objects are
computed from ``id()`` and a data offset, and a list of ``bytes`` can be
handed over as the list's own item array (``evm_match_batch_records``);
both layouts are checked on sample objects at import, and are ``None``
where they do not hold.
"""

from __future__ import annotations

import json
from array import array
from collections.abc import Iterable, Mapping
from functools import partial
from typing import Any, Literal, Optional, Union

from ._errors import EventError, PatternError
from ._ffi import ffi

Json = Union[str, bytes, bytearray, memoryview, Mapping[str, Any]]
"""A pattern or an event: JSON text, or a Python object to serialise."""

_BUFFER_TYPES = (bytes, bytearray, memoryview)


def _dumps(obj: Any) -> bytes:
    return json.dumps(obj, allow_nan=False, separators=(",", ":")).encode("ascii")


def _pattern_bytes(name: str, pattern: Any) -> Any:
    if isinstance(pattern, _BUFFER_TYPES):
        return pattern
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


def _from_buffer(ctype: Any, data: Any) -> Any:
    return ffi.from_buffer(ctype, data)


# ffi.from_buffer is a Python-level wrapper around the C function of
# _cffi_backend; calling the latter directly halves the cost of each call
# (used per event by matches_many). Fall back to the public API if the backend differs.
try:
    _raw_from_buffer = ffi._backend.from_buffer
    if len(_raw_from_buffer(_u8_array, b"ab")) == 2:
        _from_buffer = _raw_from_buffer  # noqa: F811
except Exception:  # pragma: no cover - other cffi versions
    pass
_u8_from_buffer = partial(_from_buffer, _u8_array)
_size_t_array = ffi.typeof("size_t[]")
_INT_CODES: tuple[Literal["Q", "L", "I"], ...] = ("Q", "L", "I")
_SIZE_CODE = next(c for c in _INT_CODES if array(c).itemsize == ffi.sizeof("size_t"))


def _size_array(values: Iterable[int]) -> "array[int]":
    return array(_SIZE_CODE, values)


_ptr_array = ffi.typeof("uint8_t *[]")
_PTR_CODE = next((c for c in "QLI" if array(c).itemsize == ffi.sizeof("uint8_t *")), None)


def _bytes_data_offset() -> Optional[int]:
    """Where a bytes object's data starts, relative to id(), if that holds.

    matches_many builds its array of event pointers from id() of each bytes
    event (CPython: the object's address) plus this offset: a pointer into
    the bytes object, like ffi.from_buffer gives, but without creating and
    freeing a cdata object per event (about half of the Python cost per
    event). Used only where the offset is checked against ffi.from_buffer
    here, on objects of several sizes; None (fall back to ffi.from_buffer)
    anywhere else, such as on PyPy.
    """
    import platform

    if platform.python_implementation() != "CPython" or _PTR_CODE is None:
        return None
    offset = bytes.__basicsize__ - 1  # PyBytesObject: header, then ob_sval
    samples = [b"", b"x", b"ab", bytes(range(256)) * 40, "é".encode()]
    for b in samples:
        if int(ffi.cast("uintptr_t", ffi.from_buffer(b))) != id(b) + offset:
            return None
    return offset


_BYTES_OFFSET = _bytes_data_offset()


def _records_layout() -> tuple[Optional[int], Any]:
    """How matches_many can hand a list of bytes to the library directly.

    On CPython a list keeps its items in an array of object pointers (the
    ``ob_item`` field, after the variable-size object header), and a bytes
    object holds its type pointer, its length and then its bytes at fixed
    offsets. evm_match_batch_records reads such records itself: no pointer
    or length array is built in Python, and an item that is not exactly
    ``bytes`` (its type pointer differs) comes back refused, for the general
    path. Returns (offset of ``ob_item`` in a list, the evm_record_layout
    of bytes), after checking every offset on sample objects here (reads
    within the objects' fixed headers); (None, None) where they do not hold
    (PyPy, free-threaded builds, anything unexpected).
    """
    if _BYTES_OFFSET is None:
        return None, None
    word = ffi.sizeof("void *")
    try:
        samples = [b"", b"x", bytes(range(256)) * 4, "é".encode()]
        items_at = 3 * word  # refcount, type, size; then ob_item
        items = ffi.cast("uintptr_t *", id(samples) + items_at)[0]
        for i, b in enumerate(samples):
            if ffi.cast("uintptr_t *", items)[i] != id(b):
                return None, None
            if ffi.cast("uintptr_t *", id(b) + word)[0] != id(bytes):
                return None, None
            if ffi.cast("size_t *", id(b) + 2 * word)[0] != len(b):
                return None, None
        layout = ffi.new(
            "evm_record_layout *",
            {"tag_offset": word, "tag": id(bytes), "len_offset": 2 * word, "data_offset": _BYTES_OFFSET},
        )
    except Exception:  # pragma: no cover - an older library or other cffi
        return None, None
    return items_at, layout


_LIST_ITEMS_OFFSET, _BYTES_LAYOUT = _records_layout()


def _batch_arrays(bufs: list[Any], errors: str) -> tuple[Any, Any, Any, dict[int, EventError]]:
    """The event pointer and length arrays of a batch, for the C ABI.

    ``bufs`` (the caller's own list, kept alive until the call returns) is
    changed in place: events that are not buffers are replaced by their
    UTF-8 JSON text. Returns ``(ptrs, lens, keep, conversion_errors)``:
    ``keep`` must stay alive as long as ``ptrs``; ``conversion_errors`` maps
    the index of an event that could not be serialised (``errors="return"``;
    with ``"raise"`` it is raised) to its EventError, the event being
    replaced by ``b"null"``, which the library refuses as well.
    """
    conversion_errors: dict[int, EventError] = {}
    if _BYTES_OFFSET is not None and set(map(type, bufs)) == {bytes}:
        # All bytes (the common case): pointers into the bytes objects,
        # which `bufs` keeps alive until the call returns; no copies.
        # (A list comprehension is about twice as fast here as chained maps.)
        offset = _BYTES_OFFSET
        addrs = array(_PTR_CODE, [id(b) + offset for b in bufs])  # type: ignore[arg-type]
        ptrs = _from_buffer(_ptr_array, addrs)
        lens_arr = _size_array(map(len, bufs))
        keep: Any = None
    else:
        try:
            # Every event a buffer: pointers into the buffers, no copies.
            cbufs = list(map(_u8_from_buffer, bufs))
        except TypeError:
            for i, e in enumerate(bufs):
                if not isinstance(e, _BUFFER_TYPES):
                    try:
                        bufs[i] = _event_bytes(e, i)
                    except EventError as err:
                        if errors == "raise":
                            raise
                        conversion_errors[i] = err
                        bufs[i] = b"null"  # refused by the library as well
            cbufs = list(map(_u8_from_buffer, bufs))
        ptrs = ffi.new(_ptr_array, cbufs)
        lens_arr = _size_array(map(len, cbufs))
        keep = cbufs
    lens = _from_buffer(_size_t_array, lens_arr)
    return ptrs, lens, keep, conversion_errors
