"""``Machine``: an immutable, compiled set of named rules, matched one event
at a time (``evm_match``), in batches of Python events, JSON Lines buffers
or Arrow arrays (see :mod:`evmatch._batch` and :mod:`evmatch._arrow`),
and explained (:mod:`evmatch._explain`).

Rules given as pairs are added to the builder in name order, so rule
indexes follow name order and ascending match indexes are sorted names.
Rules files keep the file's order; results are then sorted per event
(``_names_sorted`` says which holds).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any, Callable, Literal, Optional, Union, overload

from . import _arrow, _explain
from ._batch import (
    _any_refused,
    _Batch,
    _call_events,
    _call_lines,
    _call_offsets,
    _group,
    _keep_line_outputs,
    _name_lists,
    _name_tuples,
    _Outputs,
    _refused,
    _reserve,
    _take_id_bytes,
    _take_ids,
)
from ._errors import (
    _EVENT_ERROR,
    _INVALID_ARGUMENT,
    _OK,
    EventError,
    UnknownRuleError,
    _status_error,
    _take_event_error,
)
from ._explain import Explanation
from ._ffi import ffi, lib
from ._handle import _Handle, _ThreadState
from ._marshal import _BUFFER_TYPES, _SIZE_CODE, Json, _event_bytes, _from_buffer, _u8_array
from ._rules import _builder_from, _prepare_rules, _rules_text


class Machine(_Handle):
    """A compiled, immutable set of named EventBridge rules.

    Args:
        rules: a mapping from rule name to pattern, or an iterable of
            ``(name, pattern)`` pairs (a name given twice ORs its patterns).
            A pattern is JSON text (``str``, or UTF-8 ``bytes``) or a Python
            object serialised with :func:`json.dumps` (a ``dict``).
        trusted_input: match in trusted-input mode
            (``evm_builder_set_trusted_input``): the scan validates only
            what the rules look at, and stops once every answer is settled.
            Default ``False``: every event is validated in full.

    Trusted input: the caller promises that each event is valid JSON (RFC
    8259) and that no object repeats a member name. If the promise is broken
    the answers are unspecified, but there is still no panic, no undefined
    behaviour, no read outside the event, and no unbounded time or memory.

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

    def __init__(
        self,
        rules: Union[Mapping[str, Json], Iterable[tuple[str, Json]]],
        *,
        trusted_input: bool = False,
    ) -> None:
        self._setup(trusted_input)
        # Adding the rules in name order makes rule indexes follow name order
        # (checked in _adopt), so ascending match indexes are sorted names.
        prepared = _prepare_rules(rules)
        prepared.sort(key=lambda item: item[0])
        self._adopt(_builder_from(prepared, self._trusted))

    def _adopt(self, builder: Any) -> None:
        """Builds the machine from ``builder`` (consumed) and reads its rule
        names, in index order."""
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
        # The result of an event that matches one rule, by rule id (shared).
        self._singles = [(name,) for name in names]
        self._names_sorted = list(self._names) == sorted(self._names)
        self._index = {name: i for i, name in enumerate(names)}

    @classmethod
    def from_file(
        cls, path: Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"], *, trusted_input: bool = False
    ) -> "Machine":
        """Compiles the rules of a JSON file ``{"rule name": pattern, ...}``.

        The file is read by the library's rules-file reader, the one of
        ``evmatch match --rules`` (``evm_builder_add_rules_json``). Each
        pattern is a JSON object, or a JSON string holding the pattern text.
        Object patterns are compiled from the exact text of the file, so
        number spellings are kept. A rule name given twice keeps its last
        pattern, as a JSON object keeps its last member (unlike the
        constructor's pairs, which OR). A UTF-8 byte order mark is skipped.

        Args:
            path: the file.
            trusted_input: as for :class:`Machine`.

        Raises:
            OSError: the file cannot be read.
            RulesFileError: the file is not UTF-8 JSON, or not an object of
                patterns; with ``.file``, ``.line`` and ``.column``
                (``str()`` starts ``FILE:LINE:COLUMN:``, as the command-line
                tool prints).
            PatternError: the first invalid pattern in file order, with
                ``.rule`` and the place in the file (``.file``, ``.line``,
                ``.column``, ``.offset``).
        """
        with open(path, "rb") as f:
            data = f.read()
        return cls._from_rules_json(data, trusted_input, os.fsdecode(path))

    @classmethod
    def from_json(cls, text: Union[str, bytes, bytearray, memoryview], *, trusted_input: bool = False) -> "Machine":
        """Compiles the rules of a rules file's text, ``{"rule name":
        pattern, ...}`` (``str``, or UTF-8 bytes): as :meth:`from_file`,
        with ``"<rules>"`` as the file name in errors."""
        return cls._from_rules_json(_rules_text(text), trusted_input, "<rules>")

    # -- lifetime ---------------------------------------------------------

    _what = "machine"

    def _free_native(self, ptr: Any) -> None:
        lib.evm_machine_free(ptr)

    def __enter__(self) -> "Machine":
        return self

    # -- introspection ----------------------------------------------------

    @property
    def trusted_input(self) -> bool:
        """Whether the machine matches in trusted-input mode (see the class
        docstring for the contract)."""
        return self._trusted

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

    def _new_state(self, scratch: Any) -> _ThreadState:
        return _ThreadState(scratch, len(self._names))

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
                with _from_buffer(_u8_array, data) as buf:
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
        self, events: Iterable[Json], *, errors: Literal["null"]
    ) -> list[Optional[list[str]]]: ...

    @overload
    def matches_many(
        self, events: Iterable[Json], *, errors: Literal["return"]
    ) -> list[Union[list[str], EventError]]: ...

    def matches_many(self, events: Iterable[Json], *, errors: str = "raise") -> list[Any]:
        """Matches a batch of events in a few calls into the library.

        Returns one sorted list of rule names per event, in order (a new
        list for each event). ``str`` events are encoded and mappings
        serialised first; then the events are handed to the library with
        the GIL released: when they are small (2 kB or less on average),
        joined into buffers of about 256 kB, one call each (joined with
        ``\\n`` for ``evm_match_lines`` while no event holds a newline or
        is blank, else with offsets for ``evm_match_batch_offsets64``);
        larger events as pointers into each, one ``evm_match_batch`` call.

        Args:
            events: the events, each as for :meth:`matches` (``bytes``,
                ``bytearray``, any other buffer such as ``memoryview``,
                ``str`` or a mapping).
            errors: what to do with an event that is not a JSON object:
                ``"raise"`` (default) raises :class:`EventError` for the
                first such event, with its position in ``.index``;
                ``"return"`` puts the :class:`EventError` in that event's
                place in the result instead of a list; ``"null"`` puts
                ``None`` there. The other events are matched either way.

        Raises:
            EventError: with ``errors="raise"``, for the first invalid event.
            TypeError: an event has an unsupported type.
            ValueError: ``errors`` is not ``"raise"``, ``"return"`` or
                ``"null"``, or the machine is closed.
            RuntimeError: ``events`` is a list that another thread changed
                in size during the call (a list or tuple is read part by
                part, in place; other iterables are read into a list
                first).
        """
        _check_errors(errors)
        if isinstance(events, (str, Mapping) + _BUFFER_TYPES):
            raise TypeError("matches_many takes an iterable of events; use matches() for one event")
        # Lists and tuples are read in place (see _call_events); other
        # iterables are read into a list first.
        seq: Any = events if type(events) in (list, tuple) else list(events)
        n = len(seq)
        if n == 0:
            return []
        ptr = self._acquire()
        try:
            st = self._state()
            out, known, event_at = _call_events(ptr, st, seq)
            groups = _group(st, out.offsets, out.segments, n, out.used)
            ids = _take_ids(st, out.used, len(self._names) < 256)
            batch = _Batch(n, ids, out.offsets, out.segments, groups)
            details = self._refused_details(ptr, st, out.status_out, n, errors, known, event_at)
            # The parts (event_at's) go now, not with the call: the garbage
            # collector, run while the result's lists are made, would scan
            # them again and again (about 35 ns an event on CityLots).
            del event_at
        finally:
            self._release()
        result: list[Any] = _name_lists(self._names, self._singles, batch)
        for i, error in details.items():
            result[i] = error
        return result

    @overload
    def matches_lines(
        self, buffer: Any, *, errors: Literal["raise"] = "raise", with_lines: Literal[False] = False
    ) -> list[tuple[str, ...]]: ...

    @overload
    def matches_lines(
        self, buffer: Any, *, errors: Literal["null"], with_lines: Literal[False] = False
    ) -> list[Optional[tuple[str, ...]]]: ...

    @overload
    def matches_lines(
        self, buffer: Any, *, errors: Literal["return"], with_lines: Literal[False] = False
    ) -> list[Union[tuple[str, ...], EventError]]: ...

    @overload
    def matches_lines(
        self, buffer: Any, *, errors: Literal["raise"] = "raise", with_lines: Literal[True]
    ) -> tuple[list[tuple[str, ...]], list[int]]: ...

    @overload
    def matches_lines(
        self, buffer: Any, *, errors: Literal["null"], with_lines: Literal[True]
    ) -> tuple[list[Optional[tuple[str, ...]]], list[int]]: ...

    @overload
    def matches_lines(
        self, buffer: Any, *, errors: Literal["return"], with_lines: Literal[True]
    ) -> tuple[list[Union[tuple[str, ...], EventError]], list[int]]: ...

    def matches_lines(self, buffer: Any, *, errors: str = "raise", with_lines: bool = False) -> Any:
        """Matches the events of a JSON Lines buffer in one call into the
        library (``evm_match_lines``), reading them in place: no copy, and
        the GIL is released during the call.

        Lines end at ``\\n`` (a last line without one counts); an event is
        its line without the ``\\n`` and without a ``\\r`` just before it.
        Lines holding only white space are skipped, as ``evmatch match``
        skips them. Returns a list with one *tuple* of sorted rule names
        per event, in buffer order (the i-th non-blank line is the i-th
        result): ``()`` where no rule matches. Events with the same matches
        share one tuple (tuples cannot change, so sharing is safe), which
        is what lets the result be built at C speed, with no Python object
        made per event.

        Args:
            buffer: the JSON Lines text: ``bytes``, ``bytearray``,
                ``memoryview``, ``mmap.mmap`` or any other object with the
                buffer protocol (C-contiguous), read in place and not
                changed during the call; a ``str`` is encoded first (a copy).
            errors: what to do with a line that is not a JSON object:
                ``"raise"`` (default) raises :class:`EventError` for the
                first one (``.index`` its event index, ``.line`` its line
                number from 1, blank lines counted, ``.offset`` the byte
                offset within the line); ``"return"`` puts that
                :class:`EventError` in its place in the result;
                ``"null"`` puts ``None`` there. The other lines are
                matched either way.
            with_lines: return ``(results, lines)``, ``lines[i]`` being the
                line number (from 1, blank lines counted) of the i-th result.

        Raises:
            EventError: with ``errors="raise"``, for the first invalid line.
            TypeError: ``buffer`` has no buffer protocol.
            ValueError: ``errors`` is not ``"raise"``, ``"return"`` or
                ``"null"``, or the machine is closed.
        """
        _check_errors(errors)
        if isinstance(buffer, str):
            buffer = buffer.encode("utf-8", "surrogatepass")
        try:
            view = memoryview(buffer)
        except TypeError:
            raise TypeError(f"matches_lines takes a buffer (bytes, memoryview, mmap), not {type(buffer).__name__}") from None
        with view:
            if not view.c_contiguous:
                raise TypeError("matches_lines takes a C-contiguous buffer")
            if view.format != "B" or view.ndim != 1:
                view = view.cast("B")
            with _from_buffer(_u8_array, view) as data:
                size = len(data)
                ptr = self._acquire()
                try:
                    st = self._state()
                    status, out = _call_lines(ptr, st, data, size)
                    if status != _OK:
                        raise _status_error("evm_match_lines", status)
                    n = out.n
                    total = out.offsets[n]
                    segments = [(0, n, 0, 0)]
                    groups = _group(st, out.offsets, segments, n, total)
                    ids = _take_ids(st, total, len(self._names) < 256)
                    batch = _Batch(n, ids, out.offsets, segments, groups)
                    spans = out.spans
                    details = self._refused_details(
                        ptr, st, out.status_out, n, errors, {},
                        lambda i: ffi.buffer(data + spans[i].start, spans[i].end - spans[i].start)[:],
                        lambda i: int(spans[i].line),
                    )
                finally:
                    self._release()
        result: list[Any] = _name_tuples(self._names, self._singles, batch)
        for i, error in details.items():
            result[i] = error
        if not with_lines:
            _keep_line_outputs(out)
            return result
        lines = memoryview(ffi.buffer(out.spans, n * ffi.sizeof("evm_line_span"))).cast(_SIZE_CODE)[0::3].tolist()
        _keep_line_outputs(out)
        return result, lines

    def matches_arrow(self, array: Any, *, errors: str = "raise") -> Any:
        """Matches the events of an Arrow array of strings or binaries,
        read in place: one ``evm_match_batch_offsets32/64`` call per chunk
        (with the GIL released), given the array's own buffers and validity
        bitmap. Needs pyarrow (``pip install "evmatch[arrow]"``).

        Returns a ``pyarrow.ListArray`` of type ``list<string>``: row ``i``
        holds the sorted names of the rules matching event ``i``, and is
        null where the input row is null. The result has the input's
        length and order (a chunked input gives one array, its chunks
        concatenated), so it can be added as a column next to the events,
        for example in a Spark ``mapInArrow`` function, per record batch::

            batch.append_column("matches", machine.matches_arrow(batch.column("event")))

        Args:
            array: a ``pyarrow.Array`` or ``pyarrow.ChunkedArray`` of type
                ``string``, ``large_string``, ``binary`` or ``large_binary``
                (or ``string_view`` / ``binary_view``, copied to a large
                array first), or any object with ``__arrow_c_array__`` or
                ``__arrow_c_stream__`` (Polars, DuckDB, ...: imported by
                pyarrow). A table or record batch of one column stands for
                that column.
            errors: what to do with a row that is not a JSON object:
                ``"raise"`` (default) raises :class:`EventError` for the
                first such row (``.index`` its position in the whole
                input); ``"null"`` makes its result null, like a null
                input row (``pyarrow.compute.is_null(array)`` tells them
                apart), and the other rows are answered.

        Raises:
            ImportError: pyarrow is not installed.
            TypeError: not an Arrow array of strings or binaries.
            ValueError: a malformed array (offsets out of range or
                decreasing, buffers too small or misaligned), or ``errors``
                is neither ``"raise"`` nor ``"null"``, or the machine is
                closed.
            EventError: with ``errors="raise"``, for the first invalid row.
        """
        if errors not in ("raise", "null"):
            raise ValueError(f"errors must be 'raise' or 'null' for Arrow results, not {errors!r}")
        pa = _arrow.pyarrow()
        names, ranks = self._arrow_names(pa)
        results = []
        start = 0
        for array_chunk in _arrow.chunks(pa, array):
            results.append(self._match_arrow_chunk(pa, array_chunk, names, ranks, errors, start))
            start += len(array_chunk)
        if not results:
            return pa.array([], pa.list_(pa.string()))
        return results[0] if len(results) == 1 else pa.concat_arrays(results)

    def _arrow_names(self, pa: Any) -> tuple[Any, Any]:
        """The rule names as a pyarrow array by id, or sorted with the rank
        of each id when ids do not follow name order (made once)."""
        cached: Optional[tuple[Any, Any]] = getattr(self, "_arrow_cache", None)
        if cached is None:
            if self._names_sorted:
                cached = (pa.array(self._names, pa.string()), None)
            else:
                order = sorted(range(len(self._names)), key=self._names.__getitem__)
                rank = [0] * len(order)
                for place, i in enumerate(order):
                    rank[i] = place
                cached = (pa.array(sorted(self._names), pa.string()), pa.array(rank, pa.uint32()))
            self._arrow_cache = cached
        return cached

    def _match_arrow_chunk(self, pa: Any, array: Any, names: Any, ranks: Any, errors: str, start: int) -> Any:
        chunk = _arrow.Chunk(pa, array)
        n = chunk.n
        if n == 0 or chunk.all_null:
            chunk.release()
            return pa.nulls(n, pa.list_(pa.string()))
        out = _Outputs(n)
        try:
            ptr = self._acquire()
            try:
                st = self._state()
                _reserve(st, n)
                status = _call_offsets(
                    ptr, st, chunk.data, chunk.size, chunk.offsets, chunk.wide,
                    chunk.validity, chunk.validity_offset, out,
                )
                if status == _INVALID_ARGUMENT:
                    raise ValueError(
                        "malformed Arrow array: offsets out of range or decreasing "
                        "(refused by evm_match_batch_offsets)"
                    )
                if status != _OK:
                    raise _status_error("evm_match_batch_offsets", status)
                id_bytes = _take_id_bytes(st, out)
                error_at: Callable[[int], BaseException] = lambda i: self._event_error(
                    ptr, st, chunk.array[i].as_buffer(), start + i
                )
                return _arrow.list_array(
                    pa, names, ranks, n, id_bytes, out.offsets, out.status_out if _any_refused(out) else None,
                    errors, error_at,
                )
            finally:
                self._release()
        finally:
            chunk.release()

    def explain(self, rule: str, event: Json) -> Explanation:
        """Why rule ``rule`` matches ``event`` or does not: for each ``$or``
        branch and each of its fields, the event's values at the field's
        path, where they are, and which element of the pattern's leaf each
        satisfies; fields that are absent; array-consistency conflicts. The
        verdict is the matcher's own: ``m.explain(r, e).matched == (r in
        m.matches(e))``.

        Explaining allocates and is far slower than matching (two library
        calls, ``evm_explain`` and ``evm_explain_tree``, and a JSON parse):
        it is for debugging. Output is bounded (at most 64 values per
        field, 256 bytes of text per value).

        Args:
            rule: the rule's name.
            event: as for :meth:`matches`.

        Returns:
            An :class:`Explanation`: ``.matched``, ``.branches``,
            ``.to_dict()`` (the JSON form) and ``str()`` (a readable tree).

        Raises:
            UnknownRuleError: no rule has this name (a ``KeyError``).
            EventError: the event is invalid (the error :meth:`matches`
                gives).
            TypeError: the event has another type.
            ValueError: the machine is closed.
        """
        index = self._index.get(rule) if isinstance(rule, str) else None
        if index is None:
            if not isinstance(rule, str):
                raise TypeError(f"a rule name must be a str, not {type(rule).__name__}")
            raise UnknownRuleError(rule)
        data = _event_bytes(event)
        ptr = self._acquire()
        try:
            with _from_buffer(_u8_array, data) as buf:
                return _explain.explain(ptr, index, buf, len(buf))
        finally:
            self._release()

    def _refused_details(
        self,
        ptr: Any,
        st: _ThreadState,
        status_out: Any,
        n: int,
        errors: str,
        known: Mapping[int, EventError],
        event_at: Callable[[int], Any],
        line_at: Optional[Callable[[int], int]] = None,
    ) -> dict[int, Optional[EventError]]:
        """The errors of the events a batch refused (status, of the ``n`` in
        ``status_out``, not EVM_OK), by index: from ``known``, else from
        ``evm_match`` on ``event_at(i)``; None for each with
        ``errors="null"`` (details are not looked up then). With
        ``errors="raise"`` the first is raised."""
        details: dict[int, Optional[EventError]] = {}
        for i in _refused(status_out, n):
            if errors == "null":
                details[i] = None
                continue
            line = line_at(i) if line_at is not None else None
            error = known.get(i) or self._event_error(ptr, st, event_at(i), i, line)
            if errors == "raise":
                raise error
            details[i] = error
        return details

    def _event_error(
        self, ptr: Any, st: _ThreadState, data: Any, index: int, line: Optional[int] = None
    ) -> EventError:
        """The details of an event that a batch call refused."""
        with _from_buffer(_u8_array, data) as buf:
            status = lib.evm_match(
                ptr, st.scratch, buf, len(buf), st.ids, len(self._names), st.n_out, st.err_out
            )
        if status == _EVENT_ERROR:
            return _take_event_error(st.err_out[0], index, line)
        return EventError("event refused by the batch call", index=index, line=line)


_ERRORS = ("raise", "return", "null")


def _check_errors(errors: str) -> None:
    if errors not in _ERRORS:
        raise ValueError(f"errors must be 'raise', 'return' or 'null', not {errors!r}")
