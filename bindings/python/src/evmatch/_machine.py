"""``Machine``: an immutable, compiled set of named rules, matched one event
at a time (``evm_match``) or in batches (see :mod:`evmatch._batch`).

Rules are added to the builder in name order, so rule indexes follow name
order and ascending match indexes are sorted names (checked after the
build; results are sorted otherwise).
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Iterable, Mapping
from typing import Any, Literal, Optional, Union, overload

from ._batch import (
    _call_pointers,
    _call_records,
    _Outputs,
    _refused,
    _reserve,
    _results,
    _take_ids,
)
from ._errors import _EVENT_ERROR, _OK, EventError, _status_error, _take_event_error
from ._ffi import ffi, lib
from ._handle import _Handle, _ThreadState
from ._marshal import _BUFFER_TYPES, Json, _event_bytes, _from_buffer, _u8_array
from ._rules import _builder_from, _prepare_rules, _raw_rules


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
        out = _Outputs(n)
        conversion_errors: dict[int, EventError] = {}

        ptr = self._acquire()
        try:
            st = self._state()
            _reserve(st, n)
            status = _call_records(ptr, st, bufs, out)
            if status is None:
                status, conversion_errors = _call_pointers(ptr, st, bufs, out, errors)
            if status != _OK:
                raise _status_error("evm_match_batch", status)
            ids = _take_ids(st, out)

            details: dict[int, EventError] = {}
            for i in _refused(out):
                if i in conversion_errors:
                    details[i] = conversion_errors[i]
                else:
                    details[i] = self._event_error(ptr, st, bufs[i], i)
                if errors == "raise":
                    raise details[i]
        finally:
            self._release()

        result = _results(self._names, self._names_sorted, ids, out)
        for i, error in details.items():
            result[i] = error
        return result

    def _event_error(self, ptr: Any, st: _ThreadState, data: Any, index: int) -> EventError:
        """The details of an event that evm_match_batch refused."""
        buf = _from_buffer(_u8_array, data)
        status = lib.evm_match(ptr, st.scratch, buf, len(buf), st.ids, len(self._names), st.n_out, st.err_out)
        if status == _EVENT_ERROR:
            return _take_event_error(st.err_out[0], index)
        return EventError("event refused by evm_match_batch", index=index)
