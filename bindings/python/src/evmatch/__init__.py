"""Amazon EventBridge event-pattern matching, compiled: Python binding of evmatch.

Compile named rules (EventBridge event patterns) into a :class:`Machine`
once, then ask which rules match each event::

    import evmatch

    with evmatch.Machine({"stopped": {"detail": {"state": ["stopped"]}}}) as m:
        m.matches('{"detail": {"state": "stopped"}}')       # ['stopped']
        m.matches_many([b'{"detail": {}}', {"detail": {"state": "stopped"}}])

Patterns and events may be JSON text (``str`` or ``bytes``) or Python objects
(serialised with :func:`json.dumps`). Give JSON text when number spellings
matter: ``1e400`` or ``0.10000000000000001`` do not survive a round trip
through Python floats.

Matching runs in the Rust library with the GIL released (cffi releases it
around every C call), so threads sharing one machine match in parallel. Each
thread gets its own scratch space automatically.

:class:`LiveMachine` holds rules that change while in use (``add``,
``remove``, ``replace``, each publishing a new version), over the C ABI's
``evm_live_*`` functions; its matches come back through a cffi callback,
which takes the GIL back once per match (see its docstring).
"""

from __future__ import annotations

import json
import os
from bisect import bisect_right
from array import array
import re
import threading
import weakref
from collections.abc import Iterable, Mapping
from functools import partial
from itertools import islice, repeat, starmap
from typing import Any, Literal, Optional, Union, overload

from ._ffi import ffi, lib

__all__ = [
    "Machine",
    "LiveMachine",
    "EvmatchError",
    "PatternError",
    "EventError",
    "__version__",
]

#: The version of the bundled evmatch library (``evm_version()``).
__version__: str = ffi.string(lib.evm_version()).decode("utf-8")

Json = Union[str, bytes, bytearray, memoryview, Mapping[str, Any]]
"""A pattern or an event: JSON text, or a Python object to serialise."""

_OK = lib.EVM_OK
_PATTERN_ERROR = lib.EVM_PATTERN_ERROR
_EVENT_ERROR = lib.EVM_EVENT_ERROR
_BUFFER_TOO_SMALL = lib.EVM_BUFFER_TOO_SMALL

_STATUS_NAMES = {
    lib.EVM_OK: "EVM_OK",
    lib.EVM_PATTERN_ERROR: "EVM_PATTERN_ERROR",
    lib.EVM_EVENT_ERROR: "EVM_EVENT_ERROR",
    lib.EVM_NULL_ARGUMENT: "EVM_NULL_ARGUMENT",
    lib.EVM_INVALID_UTF8: "EVM_INVALID_UTF8",
    lib.EVM_BUFFER_TOO_SMALL: "EVM_BUFFER_TOO_SMALL",
    lib.EVM_INVALID_ARGUMENT: "EVM_INVALID_ARGUMENT",
    lib.EVM_PANIC: "EVM_PANIC",
}

#: Pattern error kind codes (``evm_error_kind``) and their names.
PATTERN_KINDS = {
    1: "syntax",
    2: "not_an_object",
    3: "structure",
    4: "unknown_operator",
    5: "operand",
    6: "numeric",
    7: "cidr",
    8: "wildcard",
    9: "too_complex",
    10: "too_many_combinations",
    11: "too_large",
    12: "too_deep",
}

#: Event error kind codes (``evm_error_kind``) and their names.
EVENT_KINDS = {1: "syntax", 2: "not_an_object", 3: "too_deep"}


class EvmatchError(Exception):
    """Base class of the errors raised by evmatch.

    Raised as such only for failures that are not the caller's pattern or
    event (an unexpected status from the library: a bug).
    """


class PatternError(EvmatchError, ValueError):
    """A rule's pattern could not be compiled.

    Attributes:
        rule: the name of the rule.
        message: the one-line message, such as
            ``"prefix match pattern must be a string"``.
        path: the JSON path of the offending spot, such as ``"$.detail.state"``
            (may be ``""``).
        offset: the byte offset of the problem in the UTF-8 pattern text.
        code: the stable kind code of ``evm_error_kind`` (1 to 12).
        kind: the kind's name, such as ``"syntax"`` or ``"operand"``
            (see :data:`PATTERN_KINDS`).
    """

    rule: str
    message: str
    path: str
    offset: int
    code: int
    kind: str

    def __init__(self, rule: str, message: str, path: str = "", offset: int = 0, code: int = 0):
        self.rule = rule
        self.message = message
        self.path = path
        self.offset = offset
        self.code = code
        self.kind = PATTERN_KINDS.get(code, "unknown")
        super().__init__(rule, message, path, offset, code)

    def __str__(self) -> str:
        where = f" at {self.path}" if self.path else ""
        return f"rule {self.rule!r}: {self.message}{where} (offset {self.offset})"


class EventError(EvmatchError, ValueError):
    """An event could not be matched: not JSON, not a JSON object, too deep.

    Attributes:
        message: the one-line message.
        offset: the byte offset of the problem in the UTF-8 event text.
        code: the stable kind code of ``evm_error_kind`` (1 syntax, 2 not an
            object, 3 too deep; 0 when the Python object could not be
            serialised as JSON).
        kind: the kind's name (see :data:`EVENT_KINDS`).
        index: for :meth:`Machine.matches_many`, the index of the event in
            the batch; ``None`` for :meth:`Machine.matches`.
    """

    message: str
    offset: int
    code: int
    kind: str
    index: Optional[int]

    def __init__(self, message: str, offset: int = 0, code: int = 0, index: Optional[int] = None):
        self.message = message
        self.offset = offset
        self.code = code
        self.kind = EVENT_KINDS.get(code, "unknown")
        self.index = index
        super().__init__(message, offset, code, index)

    def __str__(self) -> str:
        where = f"event {self.index}: " if self.index is not None else ""
        return f"{where}{self.message} (offset {self.offset})"


def _status_error(func: str, status: int) -> EvmatchError:
    name = _STATUS_NAMES.get(status, str(status))
    return EvmatchError(f"{func} failed with {name} (unexpected: please report)")


def _text(p: Any) -> str:
    return str(ffi.string(p).decode("utf-8", "replace"))


def _take_pattern_error(err: Any, rule: str) -> PatternError:
    """Builds a PatternError from an evm_error and frees it."""
    try:
        return PatternError(
            rule=rule,
            message=_text(lib.evm_error_message(err)),
            path=_text(lib.evm_error_path(err)),
            offset=int(lib.evm_error_offset(err)),
            code=int(lib.evm_error_kind(err)),
        )
    finally:
        lib.evm_error_free(err)


def _take_event_error(err: Any, index: Optional[int]) -> EventError:
    """Builds an EventError from an evm_error and frees it."""
    try:
        return EventError(
            message=_text(lib.evm_error_message(err)),
            offset=int(lib.evm_error_offset(err)),
            code=int(lib.evm_error_kind(err)),
            index=index,
        )
    finally:
        lib.evm_error_free(err)


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


class _ThreadState:
    """One thread's working memory for one machine."""

    __slots__ = ("scratch", "ids", "n_out", "err_out", "batch_ids", "batch_cap", "__weakref__")

    def __init__(self, scratch: Any, rule_count: int) -> None:
        self.scratch = scratch
        # `rule_count` entries are always enough for evm_match.
        self.ids = ffi.new("uint32_t[]", max(rule_count, 1))
        self.n_out = ffi.new("size_t *")
        self.err_out = ffi.new("evm_error **")
        self.batch_cap = 0
        self.batch_ids = ffi.NULL


_u8_array = ffi.typeof("uint8_t[]")
# A thread keeps its matches_many id buffer between calls up to this size.
_KEEP_IDS = 1 << 20


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
_INVALID_ARGUMENT = lib.EVM_INVALID_ARGUMENT


def _prepare_rules(rules: Any) -> list[tuple[str, Any]]:
    """The (name, pattern) pairs of a rules mapping or iterable of pairs."""
    if isinstance(rules, (str,) + _BUFFER_TYPES):
        raise TypeError("rules must be a mapping {name: pattern} or an iterable of (name, pattern) pairs")
    items = rules.items() if isinstance(rules, Mapping) else rules
    prepared = []
    for name, pattern in items:
        if not isinstance(name, str):
            raise TypeError(f"a rule name must be a str, not {type(name).__name__}")
        prepared.append((name, pattern))
    return prepared


def _builder_from(prepared: list[tuple[str, Any]]) -> Any:
    """A new evm_builder holding the rules, in order (the caller owns it).

    Raises PatternError naming the first invalid rule (the builder is then
    freed), ValueError for a name that is not valid Unicode.
    """
    out = ffi.new("evm_builder **")
    status = lib.evm_builder_new(out)
    if status != _OK:
        raise _status_error("evm_builder_new", status)
    builder = out[0]
    try:
        err = ffi.new("evm_error **")
        for name, pattern in prepared:
            name_b = name.encode("utf-8", "surrogatepass")
            pattern_c = _from_buffer(_u8_array, _pattern_bytes(name, pattern))
            status = lib.evm_builder_add_rule(
                builder, name_b, len(name_b), pattern_c, len(pattern_c), err
            )
            if status == _PATTERN_ERROR:
                raise _take_pattern_error(err[0], name)
            if status == lib.EVM_INVALID_UTF8:
                raise ValueError(f"rule name {name!r} is not valid Unicode")
            if status != _OK:
                raise _status_error("evm_builder_add_rule", status)
    except BaseException:
        lib.evm_builder_free(builder)
        raise
    return builder


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


class _Handle:
    """The lifetime shared by Machine and LiveMachine: a native handle in
    ``_ptr``, calls counted in ``_users`` between :meth:`_acquire` and
    :meth:`_release` (under ``_lock``), per-thread scratch states in
    ``_states``, and a close that waits for the calls under way."""

    _what = "handle"
    _lock: Any
    _ptr: Any
    _users: int
    _closing: bool
    _states: Any

    def _free_native(self, ptr: Any) -> None:
        raise NotImplementedError

    def _acquire(self) -> Any:
        with self._lock:
            if self._ptr is None or self._closing:
                raise ValueError(f"the {self._what} is closed")
            self._users += 1
            return self._ptr

    def _release(self) -> None:
        with self._lock:
            self._users -= 1
            if self._closing and self._users == 0:
                self._free_locked()

    def _free_locked(self) -> None:
        ptr, self._ptr = self._ptr, None
        if ptr is not None:
            for state in list(self._states):
                scratch, state.scratch = state.scratch, ffi.NULL
                if scratch != ffi.NULL:
                    ffi.release(scratch)  # runs evm_scratch_free now
            self._states.clear()
            self._free_native(ptr)

    def close(self) -> None:
        """Frees the native memory and the threads' scratch space.
        Idempotent.

        If other threads are matching (or, for a live machine, updating) at
        that moment, the memory is freed when the last of those calls
        returns; new calls raise ValueError.
        """
        lock = getattr(self, "_lock", None)
        if lock is None:  # __init__ failed early
            return
        with lock:
            self._closing = True
            if self._users == 0:
                self._free_locked()

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called."""
        return self._closing

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # interpreter shutdown: nothing sensible to do
            pass


class Machine(_Handle):
    """A compiled, immutable set of named EventBridge rules.

    Args:
        rules: a mapping from rule name to pattern, or an iterable of
            ``(name, pattern)`` pairs (a name given twice ORs its patterns).
            A pattern is JSON text (``str``, or UTF-8 ``bytes``) or a Python
            object serialised with :func:`json.dumps` (a ``dict``).

    Raises:
        PatternError: a pattern is invalid; the error names the rule. No
            machine is created.
        TypeError: a name is not a ``str``.

    A machine may be shared by any number of threads; matching releases the
    GIL and each thread uses its own scratch space (created on its first
    match, freed with the thread or the machine). Free the machine's memory
    with :meth:`close` or a ``with`` block; otherwise it is freed when the
    object is garbage collected.
    """

    def __init__(self, rules: Union[Mapping[str, Json], Iterable[tuple[str, Json]]]) -> None:
        self._ptr: Any = None
        self._closing = False
        self._users = 0
        self._lock = threading.Lock()
        self._local = threading.local()
        self._states: "weakref.WeakSet[_ThreadState]" = weakref.WeakSet()

        # Adding the rules in name order makes rule indexes follow name order
        # (checked below), so ascending match indexes are sorted names.
        prepared = _prepare_rules(rules)
        prepared.sort(key=lambda item: item[0])
        builder = _builder_from(prepared)
        mout = ffi.new("evm_machine **")
        status = lib.evm_builder_build(builder, mout)  # consumes the builder
        if status != _OK:
            raise _status_error("evm_builder_build", status)
        self._ptr = mout[0]

        count = ffi.new("size_t *")
        status = lib.evm_machine_rule_count(self._ptr, count)
        if status != _OK:
            raise _status_error("evm_machine_rule_count", status)
        names = []
        ptr_out = ffi.new("char **")
        len_out = ffi.new("size_t *")
        for i in range(count[0]):
            status = lib.evm_machine_rule_name(self._ptr, i, ptr_out, len_out)
            if status != _OK:
                raise _status_error("evm_machine_rule_name", status)
            names.append(ffi.unpack(ptr_out[0], len_out[0]).decode("utf-8", "surrogatepass"))
        self._names: tuple[str, ...] = tuple(names)
        self._names_sorted = list(self._names) == sorted(self._names)

    @classmethod
    def from_file(cls, path: Union[str, "os.PathLike[str]"]) -> "Machine":
        """Compiles the rules of a JSON file ``{"rule name": pattern, ...}``.

        Each pattern is a JSON object, or a JSON string holding the pattern
        text (the format of ``evmatch match --rules``). Object patterns are
        handed to the library as the exact text of the file, so number
        spellings are kept.

        Raises:
            OSError: the file cannot be read.
            ValueError: the file is not UTF-8 or not a JSON object.
            PatternError: a pattern is invalid.
        """
        with open(path, "rb") as f:
            data = f.read()
        try:
            text = data.decode("utf-8-sig")
            rules = _raw_rules(text)
        except ValueError as e:
            raise ValueError(f"{os.fspath(path)}: {e}") from None
        return cls(rules)

    # -- lifetime ---------------------------------------------------------

    _what = "machine"

    def _free_native(self, ptr: Any) -> None:
        lib.evm_machine_free(ptr)

    def __enter__(self) -> "Machine":
        return self

    # -- introspection ----------------------------------------------------

    @property
    def rule_names(self) -> list[str]:
        """The names of the rules, sorted (each once, however often given)."""
        return sorted(self._names)

    def __len__(self) -> int:
        """The number of rules (distinct names)."""
        return len(self._names)

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def __repr__(self) -> str:
        state = "closed" if self._closing else f"{len(self._names)} rules"
        return f"<evmatch.Machine {state}>"

    # -- matching ---------------------------------------------------------

    def _state(self) -> _ThreadState:
        """This thread's scratch space; call between _acquire and _release."""
        state: Optional[_ThreadState] = getattr(self._local, "state", None)
        if state is None or state.scratch == ffi.NULL:
            out = ffi.new("evm_scratch **")
            status = lib.evm_scratch_new(self._ptr, out)
            if status != _OK:
                raise _status_error("evm_scratch_new", status)
            scratch = ffi.gc(out[0], lib.evm_scratch_free)
            state = _ThreadState(scratch, len(self._names))
            self._local.state = state
            self._states.add(state)
        return state

    def _names_of(self, ids: Iterable[int]) -> list[str]:
        names = self._names
        got = [names[i] for i in ids]
        if not self._names_sorted:
            got.sort()
        return got

    def matches(self, event: Json) -> list[str]:
        """The sorted names of the rules that match one event.

        Args:
            event: the event as JSON text (``bytes`` — read in place, not
                copied — or ``str``), or a mapping serialised with
                :func:`json.dumps`.

        Raises:
            EventError: the event is not a JSON object (or is too deep).
            TypeError: the event has another type.
            ValueError: the machine is closed.
        """
        data = event if type(event) is bytes else _event_bytes(event)
        # _acquire/_state/_release inlined: this is the per-event hot path.
        lock = self._lock
        with lock:
            ptr = self._ptr
            if ptr is None or self._closing:
                raise ValueError("the machine is closed")
            self._users += 1
        try:
            st = getattr(self._local, "state", None)
            if st is None or st.scratch == ffi.NULL:
                st = self._state()
            if type(data) is bytes:
                status = lib.evm_match(
                    ptr, st.scratch, data, len(data), st.ids, len(self._names), st.n_out, st.err_out
                )
            else:
                buf = _from_buffer(_u8_array, data)
                status = lib.evm_match(
                    ptr, st.scratch, buf, len(buf), st.ids, len(self._names), st.n_out, st.err_out
                )
            if status == _OK:
                n = st.n_out[0]
                if not n:
                    return []
                if self._names_sorted:
                    if n == 1:
                        return [self._names[st.ids[0]]]
                    return list(map(self._names.__getitem__, ffi.unpack(st.ids, n)))
                return self._names_of(ffi.unpack(st.ids, n))
            if status == _EVENT_ERROR:
                raise _take_event_error(st.err_out[0], None)
            raise _status_error("evm_match", status)
        finally:
            with lock:
                self._users -= 1
                if self._closing and self._users == 0:
                    self._free_locked()

    @overload
    def matches_many(
        self, events: Iterable[Json], *, errors: Literal["raise"] = "raise"
    ) -> list[list[str]]: ...

    @overload
    def matches_many(
        self, events: Iterable[Json], *, errors: Literal["return"]
    ) -> list[Union[list[str], EventError]]: ...

    def matches_many(self, events: Iterable[Json], *, errors: str = "raise") -> list[Any]:
        """Matches a batch of events in one call into the library.

        Returns one sorted list of rule names per event, in order. ``bytes``
        (and other buffers) are read in place, not copied; ``str`` and
        mappings are encoded first.

        Args:
            events: the events, each as for :meth:`matches`.
            errors: what to do with an event that is not a JSON object:
                ``"raise"`` (default) raises :class:`EventError` for the
                first such event, with its position in ``.index``;
                ``"return"`` puts the :class:`EventError` in that event's
                place in the result instead of a list.

        Raises:
            EventError: with ``errors="raise"``, for the first invalid event.
            TypeError: an event has an unsupported type.
            ValueError: ``errors`` is neither ``"raise"`` nor ``"return"``,
                or the machine is closed.
        """
        if errors not in ("raise", "return"):
            raise ValueError(f"errors must be 'raise' or 'return', not {errors!r}")
        if isinstance(events, (str, Mapping) + _BUFFER_TYPES):
            raise TypeError("matches_many takes an iterable of events; use matches() for one event")
        # A list of our own: the bytes objects must stay alive while the GIL
        # is released, even if another thread changes the caller's list.
        bufs = list(events)
        n = len(bufs)
        if n == 0:
            return []
        offsets = ffi.new("size_t[]", n + 1)
        status_out = ffi.new("int32_t[]", n)
        needed = ffi.new("size_t *")
        conversion_errors: dict[int, EventError] = {}

        ptr = self._acquire()
        try:
            st = self._state()
            if st.batch_cap < n:  # room for one match per event to start with
                st.batch_cap = max(n, 1024)
                st.batch_ids = ffi.new("uint32_t[]", st.batch_cap)
            status = None
            if _LIST_ITEMS_OFFSET is not None and type(bufs[0]) is bytes:
                # The list's own item array: `bufs` is ours alone, so it
                # neither changes nor frees its items during the call.
                records = ffi.cast("void **", ffi.cast("uintptr_t *", id(bufs) + _LIST_ITEMS_OFFSET)[0])
                status = self._with_room(
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
                    status = None  # not all exactly bytes: the general path
            if status is None:
                ptrs, lens, _keep, conversion_errors = _batch_arrays(bufs, errors)
                status = self._with_room(
                    st, needed, lambda ids, cap: lib.evm_match_batch(
                        ptr, st.scratch, ptrs, lens, n, ids, cap, offsets, status_out, needed,
                    )
                )
            if status != _OK:
                raise _status_error("evm_match_batch", status)
            total = offsets[n]
            ids = ffi.unpack(st.batch_ids, total) if total else []
            if st.batch_cap > _KEEP_IDS:  # do not hold on to a huge buffer
                st.batch_ids, st.batch_cap = ffi.NULL, 0

            bad: list[int] = []
            if ffi.buffer(status_out)[:].strip(b"\x00"):
                bad = [i for i, s in enumerate(ffi.unpack(status_out, n)) if s != _OK]
            details: dict[int, EventError] = {}
            for i in bad:
                if i in conversion_errors:
                    details[i] = conversion_errors[i]
                else:
                    details[i] = self._event_error(ptr, st, bufs[i], i)
                if errors == "raise":
                    raise details[i]
        finally:
            self._release()

        named = list(map(self._names.__getitem__, ids))  # C-level map
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
        if not self._names_sorted and total:
            for names in result:
                names.sort()
        for i, error in details.items():
            result[i] = error
        return result

    @staticmethod
    def _with_room(st: _ThreadState, needed: Any, call: Any) -> int:
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

    def _event_error(self, ptr: Any, st: _ThreadState, data: Any, index: int) -> EventError:
        """The details of an event that evm_match_batch refused."""
        buf = _from_buffer(_u8_array, data)
        status = lib.evm_match(ptr, st.scratch, buf, len(buf), st.ids, len(self._names), st.n_out, st.err_out)
        if status == _EVENT_ERROR:
            return _take_event_error(st.err_out[0], index)
        return EventError("event refused by evm_match_batch", index=index)


# -- live machines ---------------------------------------------------------------


class _Batch:
    """One evm_live_match_batch call in progress: the names per event, and
    an exception raised in the callback (re-raised after the call)."""

    __slots__ = ("results", "error")

    def __init__(self, results: list[list[str]]) -> None:
        self.results = results
        self.error: Optional[BaseException] = None


def _on_live_match(ctx: Any, event_index: int, name: Any, name_len: int) -> int:
    """The evm_live_match_callback of every LiveMachine: appends the rule's
    name to its event's list. Runs with the GIL, which cffi takes back for
    each call. The name is copied out at once (its pointer is valid only
    during the call). Returns 0 to go on, 1 to stop the batch."""
    batch = ffi.from_handle(ctx)
    try:
        batch.results[event_index].append(ffi.unpack(name, name_len).decode("utf-8"))
        return 0
    except BaseException as e:  # must not unwind into the library: stop the batch
        batch.error = e
        return 1


_live_callback: Any = None
_live_callback_lock = threading.Lock()


def _live_match_callback() -> Any:
    """The C function pointer for _on_live_match (cffi ABI mode:
    ``ffi.callback``), made once, on the first LiveMachine, and kept for the
    life of the process: every LiveMachine (and thread) shares it; the batch
    it fills comes through ``ctx``. If the Python code fails anyway (error
    in ffi.from_handle), cffi prints the traceback and returns 1: stop."""
    global _live_callback
    with _live_callback_lock:
        if _live_callback is None:
            _live_callback = ffi.callback("evm_live_match_callback", _on_live_match, error=1)
        return _live_callback


_details_machine: Optional["Machine"] = None


def _live_event_error(data: Any, index: Optional[int]) -> EventError:
    """The EventError for an event that evm_live_match_batch refused.

    The batch reports only a status per event; whether an event is valid
    does not depend on the rules, so an empty immutable Machine (made on
    first need, shared) gives the details: message, offset, kind.
    """
    global _details_machine
    if _details_machine is None:
        _details_machine = Machine({})
    try:
        _details_machine.matches(data)
    except EventError as e:
        return EventError(e.message, e.offset, e.code, index)
    # Not expected: the live machine refused what the immutable one accepts.
    return EventError("event refused by evm_live_match_batch", index=index)


def _live_name(name: Any) -> bytes:
    """The UTF-8 bytes of a rule name for add/remove."""
    if not isinstance(name, str):
        raise TypeError(f"a rule name must be a str, not {type(name).__name__}")
    try:
        return name.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"rule name {name!r} is not valid Unicode") from None


class _LiveThreadState:
    """One thread's scratch space for one live machine."""

    __slots__ = ("scratch", "__weakref__")

    def __init__(self, scratch: Any) -> None:
        self.scratch = scratch


class LiveMachine(_Handle):
    """A set of named EventBridge rules that can change while in use.

    Rules are added, removed or replaced at any time, also while other
    threads match; each change publishes a new *version* of the rule set
    atomically (the C ABI's ``evm_live_*`` functions). Versions count from
    0 (the rules given to the constructor) and go up by one per change. A
    match sees one version for a whole call: one event for :meth:`matches`,
    the whole batch for :meth:`matches_many` (``with_version=True`` tells
    which).

    Args:
        rules: ``None`` (empty), or rules as for :class:`Machine`: a mapping
            from rule name to pattern, or an iterable of ``(name, pattern)``
            pairs (a name given twice ORs its patterns).

    Raises:
        PatternError: a pattern is invalid; the error names the rule. No
            live machine is created.
        TypeError: a name is not a ``str``.
        ValueError: a name is not valid Unicode.

    Threads: any number of threads may match with one live machine while
    any thread adds, removes or replaces rules. Each thread gets its own
    scratch space (created on its first match, freed with the thread or the
    live machine); updates are serialised by the library.

    The GIL: the library reports matches through a callback (ABI mode,
    ``ffi.callback``), one call per (event, matching rule). cffi releases
    the GIL around the matching call and takes it back for each callback:
    the matching itself runs in parallel with other threads, but every
    match costs a GIL acquisition and a little Python code. While other
    threads run Python code, each of those acquisitions may wait for the
    GIL (up to :func:`sys.getswitchinterval`, 5 ms by default), so a batch
    with many matches can take far longer than on an idle interpreter. An
    immutable :class:`Machine` has no callback (results come back in an
    array): prefer it when rules change rarely enough to rebuild.

    Free the native memory with :meth:`close` or a ``with`` block;
    otherwise it is freed when the object is garbage collected.
    """

    def __init__(
        self, rules: Union[None, Mapping[str, Json], Iterable[tuple[str, Json]]] = None
    ) -> None:
        self._ptr: Any = None
        self._closing = False
        self._users = 0
        self._lock = threading.Lock()
        self._local = threading.local()
        self._states: "weakref.WeakSet[_LiveThreadState]" = weakref.WeakSet()
        # Kept by every instance, so no live machine outlives the callback.
        self._callback = _live_match_callback()

        builder = ffi.NULL if rules is None else _builder_from(_prepare_rules(rules))
        out = ffi.new("evm_live **")
        status = lib.evm_live_new(builder, out)  # consumes the builder
        if status != _OK:
            raise _status_error("evm_live_new", status)
        self._ptr = out[0]

    # -- lifetime ---------------------------------------------------------

    _what = "live machine"

    def _free_native(self, ptr: Any) -> None:
        lib.evm_live_free(ptr)

    def __enter__(self) -> "LiveMachine":
        return self

    # -- introspection ----------------------------------------------------

    def _info(self) -> tuple[int, int]:
        count = ffi.new("size_t *")
        version = ffi.new("uint64_t *")
        ptr = self._acquire()
        try:
            status = lib.evm_live_info(ptr, count, version)
        finally:
            self._release()
        if status != _OK:
            raise _status_error("evm_live_info", status)
        return int(count[0]), int(version[0])

    @property
    def version(self) -> int:
        """The version of the current rule set: 0 for the constructor's
        rules, one more after each change.

        Raises:
            ValueError: the live machine is closed.
        """
        return self._info()[1]

    @property
    def rule_count(self) -> int:
        """The number of rules (distinct names) in the current rule set.

        Raises:
            ValueError: the live machine is closed.
        """
        return self._info()[0]

    def __len__(self) -> int:
        """The number of rules (distinct names) in the current rule set."""
        return self._info()[0]

    def __repr__(self) -> str:
        if self._closing:
            return "<evmatch.LiveMachine closed>"
        try:
            count, version = self._info()
        except ValueError:  # closed meanwhile
            return "<evmatch.LiveMachine closed>"
        return f"<evmatch.LiveMachine {count} rules, version {version}>"

    # -- updates ----------------------------------------------------------

    def add(self, name: str, pattern: Json) -> int:
        """Adds a pattern under a rule name (ORed with the rule's other
        patterns when the name is already there), publishing a new version.

        Args:
            name: the rule name.
            pattern: as for :class:`Machine`: JSON text (``str`` or UTF-8
                ``bytes``) or a Python object serialised with
                :func:`json.dumps`.

        Returns:
            The new version.

        Raises:
            PatternError: the pattern is invalid (nothing changes).
            TypeError: the name is not a ``str``.
            ValueError: the name is not valid Unicode, or the live machine
                is closed.
        """
        name_b = _live_name(name)
        pattern_c = _from_buffer(_u8_array, _pattern_bytes(name, pattern))
        err = ffi.new("evm_error **")
        version = ffi.new("uint64_t *")
        ptr = self._acquire()
        try:
            status = lib.evm_live_add_rule(ptr, name_b, len(name_b), pattern_c, len(pattern_c), err, version)
        finally:
            self._release()
        if status == _PATTERN_ERROR:
            raise _take_pattern_error(err[0], name)
        if status != _OK:
            raise _status_error("evm_live_add_rule", status)
        return int(version[0])

    def remove(self, name: str) -> bool:
        """Removes a rule (all its patterns). A new version is published
        only when the rule was there.

        Returns:
            Whether the rule was there.

        Raises:
            TypeError: the name is not a ``str``.
            ValueError: the name is not valid Unicode, or the live machine
                is closed.
        """
        name_b = _live_name(name)
        removed = ffi.new("int *")
        ptr = self._acquire()
        try:
            status = lib.evm_live_remove_rule(ptr, name_b, len(name_b), removed, ffi.NULL)
        finally:
            self._release()
        if status != _OK:
            raise _status_error("evm_live_remove_rule", status)
        return bool(removed[0])

    def replace(self, rules: Union[Mapping[str, Json], Iterable[tuple[str, Json]]]) -> int:
        """Replaces the whole rule set, all or nothing: every pattern is
        compiled first, and if one fails nothing changes.

        Args:
            rules: as for :class:`Machine` (``{}`` empties the rule set).

        Returns:
            The new version.

        Raises:
            PatternError: naming the first rule whose pattern is invalid.
            TypeError: a name is not a ``str``.
            ValueError: a name is not valid Unicode, or the live machine is
                closed.
        """
        prepared = _prepare_rules(rules)
        n = len(prepared)
        names_c = []
        patterns_c = []
        for name, pattern in prepared:
            names_c.append(_from_buffer(_u8_array, _live_name(name)))
            patterns_c.append(_from_buffer(_u8_array, _pattern_bytes(name, pattern)))
        # One spare entry: arrays are never empty (and never NULL) for n == 0.
        names = ffi.new(_ptr_array, names_c + [ffi.NULL])
        patterns = ffi.new(_ptr_array, patterns_c + [ffi.NULL])
        name_lens = ffi.new("size_t[]", [len(c) for c in names_c] + [0])
        pattern_lens = ffi.new("size_t[]", [len(c) for c in patterns_c] + [0])
        err = ffi.new("evm_error **")
        version = ffi.new("uint64_t *")
        ptr = self._acquire()
        try:
            status = lib.evm_live_replace_rules(
                ptr, names, name_lens, patterns, pattern_lens, n, err, version
            )
        finally:
            self._release()
        if status == _PATTERN_ERROR:
            # evm_error_rule shows NUL bytes as U+FFFD: map it back to the name.
            rule = _text(lib.evm_error_rule(err[0]))
            by_shown: dict[str, str] = {}
            for name, _ in prepared:
                by_shown.setdefault(name.replace("\0", "\ufffd"), name)
            raise _take_pattern_error(err[0], by_shown.get(rule, rule))
        if status != _OK:
            raise _status_error("evm_live_replace_rules", status)
        return int(version[0])

    # -- matching ---------------------------------------------------------

    def _state(self) -> _LiveThreadState:
        """This thread's scratch space; call between _acquire and _release."""
        state: Optional[_LiveThreadState] = getattr(self._local, "state", None)
        if state is None or state.scratch == ffi.NULL:
            out = ffi.new("evm_scratch **")
            status = lib.evm_live_scratch_new(self._ptr, out)
            if status != _OK:
                raise _status_error("evm_live_scratch_new", status)
            state = _LiveThreadState(ffi.gc(out[0], lib.evm_scratch_free))
            self._local.state = state
            self._states.add(state)
        return state

    def _run(self, bufs: list[Any], errors: str, single: bool) -> tuple[list[Any], int]:
        """Matches ``bufs`` (our own list) with one evm_live_match_batch
        call; returns the results (sorted names, or EventError in place with
        ``errors="return"``) and the version they were matched against."""
        n = len(bufs)
        ptrs, lens, _keep, conversion_errors = _batch_arrays(bufs, errors)
        status_out = ffi.new("int32_t[]", max(n, 1))
        version = ffi.new("uint64_t *")
        batch = _Batch(list(map(list, repeat((), n))))
        handle = ffi.new_handle(batch)  # `batch` outlives the call
        ptr = self._acquire()
        try:
            st = self._state()
            status = lib.evm_live_match_batch(
                ptr, st.scratch, ptrs, lens, n, self._callback, handle, status_out, version
            )
        finally:
            self._release()
        if batch.error is not None:
            raise batch.error
        if status != _OK:
            raise _status_error("evm_live_match_batch", status)

        result: list[Any] = batch.results
        for names in result:
            if len(names) > 1:
                names.sort()  # code point order, as Machine
        if n and ffi.buffer(status_out)[:].strip(b"\x00"):
            for i, s in enumerate(ffi.unpack(status_out, n)):
                if s == _OK:
                    continue
                index = None if single else i
                error = conversion_errors.get(i) or _live_event_error(bufs[i], index)
                if errors == "raise":
                    raise error
                result[i] = error
        return result, int(version[0])

    @overload
    def matches(self, event: Json, *, with_version: Literal[False] = False) -> list[str]: ...

    @overload
    def matches(self, event: Json, *, with_version: Literal[True]) -> tuple[list[str], int]: ...

    def matches(self, event: Json, *, with_version: bool = False) -> Any:
        """The sorted names of the rules of the current version that match
        one event (one ``evm_live_match_batch`` call).

        Args:
            event: as for :meth:`Machine.matches`.
            with_version: return ``(names, version)``: the version of the
                rule set the event was matched against.

        Raises:
            EventError: the event is not a JSON object (or is too deep).
            TypeError: the event has another type.
            ValueError: the live machine is closed.
        """
        data = event if type(event) is bytes else _event_bytes(event)
        result, version = self._run([data], "raise", True)
        return (result[0], version) if with_version else result[0]

    @overload
    def matches_many(
        self, events: Iterable[Json], *, errors: Literal["raise"] = "raise",
        with_version: Literal[False] = False,
    ) -> list[list[str]]: ...

    @overload
    def matches_many(
        self, events: Iterable[Json], *, errors: Literal["return"],
        with_version: Literal[False] = False,
    ) -> list[Union[list[str], EventError]]: ...

    @overload
    def matches_many(
        self, events: Iterable[Json], *, errors: Literal["raise"] = "raise",
        with_version: Literal[True],
    ) -> tuple[list[list[str]], int]: ...

    @overload
    def matches_many(
        self, events: Iterable[Json], *, errors: Literal["return"],
        with_version: Literal[True],
    ) -> tuple[list[Union[list[str], EventError]], int]: ...

    def matches_many(
        self, events: Iterable[Json], *, errors: str = "raise", with_version: bool = False
    ) -> Any:
        """Matches a batch of events with one ``evm_live_match_batch`` call,
        all against the same version of the rule set.

        Returns one sorted list of rule names per event, in order. Events
        are passed as for :meth:`Machine.matches_many` (``bytes`` in place).

        Args:
            events: the events, each as for :meth:`matches`.
            errors: ``"raise"`` (default) raises :class:`EventError` for the
                first invalid event, with its position in ``.index``;
                ``"return"`` puts the :class:`EventError` in its place.
            with_version: return ``(results, version)``: the version of the
                rule set the whole batch was matched against.

        Raises:
            EventError: with ``errors="raise"``, for the first invalid event.
            TypeError: an event has an unsupported type.
            ValueError: ``errors`` is neither ``"raise"`` nor ``"return"``,
                or the live machine is closed.
        """
        if errors not in ("raise", "return"):
            raise ValueError(f"errors must be 'raise' or 'return', not {errors!r}")
        if isinstance(events, (str, Mapping) + _BUFFER_TYPES):
            raise TypeError("matches_many takes an iterable of events; use matches() for one event")
        # Our own list: the events stay alive while the GIL is released.
        result, version = self._run(list(events), errors, False)
        return (result, version) if with_version else result


_WS = re.compile(r"[ \t\n\r]*")


def _raw_rules(text: str) -> list[tuple[str, str]]:
    """Splits a rules file into (name, pattern text) pairs, keeping each
    object pattern's exact text (a JSON string value is the pattern text)."""
    decoder = json.JSONDecoder()
    i = _WS.match(text, 0).end()  # type: ignore[union-attr]
    if text[i : i + 1] != "{":
        raise ValueError("a rules file must hold a JSON object {\"name\": pattern, ...}")
    i = _WS.match(text, i + 1).end()  # type: ignore[union-attr]
    out: list[tuple[str, str]] = []
    if text[i : i + 1] == "}":
        i += 1
    else:
        while True:
            if text[i : i + 1] != '"':
                raise json.JSONDecodeError("expected a rule name", text, i)
            name, i = json.decoder.scanstring(text, i + 1)  # type: ignore[attr-defined]
            i = _WS.match(text, i).end()  # type: ignore[union-attr]
            if text[i : i + 1] != ":":
                raise json.JSONDecodeError("expected ':'", text, i)
            i = _WS.match(text, i + 1).end()  # type: ignore[union-attr]
            value, end = decoder.raw_decode(text, i)
            out.append((name, value if isinstance(value, str) else text[i:end]))
            i = _WS.match(text, end).end()  # type: ignore[union-attr]
            if text[i : i + 1] == ",":
                i = _WS.match(text, i + 1).end()  # type: ignore[union-attr]
                continue
            if text[i : i + 1] == "}":
                i += 1
                break
            raise json.JSONDecodeError("expected ',' or '}'", text, i)
    if _WS.match(text, i).end() != len(text):  # type: ignore[union-attr]
        raise json.JSONDecodeError("extra data after the rules object", text, i)
    return out
