"""Arrow arrays of events for :meth:`Machine.matches_arrow`: pyarrow
imported on first use (it is an optional extra), any Arrow input turned
into pyarrow arrays of strings or binaries, each chunk's buffers checked
and handed to ``evm_match_batch_offsets32/64`` in place, and the results
built as a ``list<string>`` array from the library's output buffers.

Only pyarrow's public API is used: its importers for other libraries'
arrays (``pa.array``, ``pa.chunked_array``, the Arrow PyCapsule interface),
``Array.buffers()`` (each a buffer-protocol object, read through
``ffi.from_buffer``) and ``Array.offset``, and compute functions to build
the results without a Python loop per row.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

from ._errors import _EVENT_ERROR
from ._ffi import ffi

_INSTALL_HINT = 'Machine.matches_arrow needs pyarrow: pip install "evmatch[arrow]"'


def pyarrow() -> Any:
    """The pyarrow module, or an ImportError that says how to get it."""
    try:
        import pyarrow as pa  # type: ignore[import-untyped,import-not-found,unused-ignore]
    except ImportError as e:
        raise ImportError(_INSTALL_HINT) from e
    return pa


def chunks(pa: Any, data: Any) -> list[Any]:
    """The pyarrow arrays of an Arrow input: a ``pyarrow.Array``, a
    ``pyarrow.ChunkedArray``, or any object with ``__arrow_c_array__`` or
    ``__arrow_c_stream__`` (imported by pyarrow). Tables and record batches
    (struct arrays) of one column stand for that column."""
    if isinstance(data, pa.ChunkedArray):
        arrays = list(data.chunks)
    elif isinstance(data, pa.Array):
        arrays = [data]
    elif hasattr(data, "__arrow_c_stream__"):
        arrays = list(pa.chunked_array(data).chunks)
    elif hasattr(data, "__arrow_c_array__"):
        arrays = [pa.array(data)]
    else:
        raise TypeError(
            "matches_arrow takes a pyarrow Array or ChunkedArray, or an object with "
            f"__arrow_c_array__ or __arrow_c_stream__, not {type(data).__name__}"
        )
    return [_one_column(pa, a) for a in arrays]


def _one_column(pa: Any, array: Any) -> Any:
    if pa.types.is_struct(array.type):
        if array.type.num_fields != 1:
            raise TypeError(
                f"matches_arrow takes one column of events, not a table or batch of {array.type.num_fields} columns"
            )
        return array.flatten()[0]  # applies the struct's offset and nulls
    return array


class Chunk:
    """One array of events as ``evm_match_batch_offsets32/64`` takes it:
    its buffers (checked), as cdata, and their release."""

    __slots__ = ("array", "n", "wide", "data", "size", "offsets", "validity", "validity_offset", "all_null", "_cdata")

    def __init__(self, pa: Any, array: Any) -> None:
        t = array.type
        if pa.types.is_string_view(t) or pa.types.is_binary_view(t):
            # Views point into many buffers: one large array (a copy).
            array = array.cast(pa.large_string() if pa.types.is_string_view(t) else pa.large_binary())
            t = array.type
        self.array = array
        self.n = n = len(array)
        self.all_null = pa.types.is_null(t)
        self._cdata: list[Any] = []
        self.data = self.offsets = self.validity = ffi.NULL
        self.size = self.validity_offset = 0
        self.wide = False
        if self.all_null or n == 0:
            return
        if pa.types.is_string(t) or pa.types.is_binary(t):
            width = 4
        elif pa.types.is_large_string(t) or pa.types.is_large_binary(t):
            width, self.wide = 8, True
        else:
            raise TypeError(
                "matches_arrow takes an array of strings or binaries (string, large_string, binary, "
                f"large_binary, string_view, binary_view), not {t}"
            )
        buffers = array.buffers()
        if len(buffers) != 3 or buffers[1] is None:
            raise ValueError(f"malformed Arrow array: {t} needs a validity, an offsets and a data buffer")
        validity, offsets, data = buffers
        first = array.offset
        if offsets.size < (first + n + 1) * width:
            raise ValueError(
                f"malformed Arrow array: its offsets buffer holds {offsets.size // width} offsets, "
                f"{first + n + 1} needed (offset {first}, length {n})"
            )
        if validity is not None and validity.size * 8 < first + n:
            raise ValueError(
                f"malformed Arrow array: its validity bitmap holds {validity.size * 8} bits, "
                f"{first + n} needed (offset {first}, length {n})"
            )
        # Released by release(): a cdata over a buffer should not outlive
        # the call (see _marshal._from_buffer).
        offsets_c = self._keep(ffi.from_buffer("int64_t[]" if self.wide else "int32_t[]", offsets))
        if int(ffi.cast("uintptr_t", offsets_c)) % width:
            self.release()
            raise ValueError(f"malformed Arrow array: its offsets buffer is not aligned to {width} bytes")
        self.offsets = offsets_c + first
        if data is not None and data.size:
            self.data = self._keep(ffi.from_buffer("uint8_t[]", data))
            self.size = data.size
        if validity is not None:
            self.validity = self._keep(ffi.from_buffer("uint8_t[]", validity))
            self.validity_offset = first

    def _keep(self, cdata: Any) -> Any:
        self._cdata.append(cdata)
        return cdata

    def release(self) -> None:
        for c in self._cdata:
            ffi.release(c)
        self._cdata.clear()


def _pa_size_type(pa: Any) -> Any:
    return pa.uint64() if ffi.sizeof("size_t") == 8 else pa.uint32()


def list_array(
    pa: Any,
    names: Any,
    ranks: Optional[Any],
    n: int,
    id_bytes: bytes,
    offsets: Any,
    status: Optional[Any],
    errors: str,
    error_at: Callable[[int], BaseException],
) -> Any:
    """The ``list<string>`` result of one chunk of ``n`` rows, built from
    the library's outputs without a Python loop per row: the rule ids
    (``id_bytes``, uint32), the ``size_t`` offsets cdata (``n + 1``) and
    the int32 statuses (a cdata, or None when all are ``EVM_OK``).

    ``names`` is a pyarrow string array of the rule names by id, or, when
    ids do not follow name order, of the names sorted, with ``ranks``
    mapping ids to their place in it (each row is then sorted). A row with
    a status other than ``EVM_OK`` is null; with ``errors="raise"`` the
    first invalid row raises ``error_at(row)`` instead.
    """
    import pyarrow.compute as pc  # type: ignore[import-untyped,import-not-found,unused-ignore]

    size_bytes = ffi.buffer(offsets, (n + 1) * ffi.sizeof("size_t"))
    row_offsets = pa.Array.from_buffers(_pa_size_type(pa), n + 1, [None, pa.py_buffer(size_bytes)])
    total = len(id_bytes) // 4
    if total > 2**31 - 1:
        raise ValueError(f"too many matches in one array for a list array ({total}); pass smaller chunks")
    row_offsets = row_offsets.cast(pa.int32())
    ids = pa.Array.from_buffers(pa.uint32(), total, [None, pa.py_buffer(id_bytes)])

    mask = None
    if status is not None:
        status_arr = pa.Array.from_buffers(pa.int32(), n, [None, pa.py_buffer(ffi.buffer(status, 4 * n))])
        if errors == "raise":
            first = pc.index(status_arr, pa.scalar(_EVENT_ERROR, pa.int32())).as_py()
            if first >= 0:
                raise error_at(first)
        mask = pc.not_equal(status_arr, pa.scalar(0, pa.int32()))

    if ranks is not None and total:
        ids = ranks.take(ids)
        parents = pc.list_parent_indices(pa.ListArray.from_arrays(row_offsets, ids))
        order = pc.sort_indices(
            pa.table({"row": parents, "rank": ids}), sort_keys=[("row", "ascending"), ("rank", "ascending")]
        )
        ids = ids.take(order)
    values = names.take(ids)
    return pa.ListArray.from_arrays(row_offsets, values, mask=mask)
