"""``LiveMachine``: named rules that change while in use, over the C ABI's
``evm_live_*`` functions.

Each change publishes a new version of the rule set atomically; a match
sees one version for a whole call. Matches come back through one cffi
callback (ABI mode: ``ffi.callback``), shared by every live machine and
thread, which fills the result lists of the call passed through ``ctx``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Mapping
from itertools import repeat
from typing import Any, Literal, Optional, Union, overload

from ._errors import _OK, _PATTERN_ERROR, EventError, _status_error, _take_pattern_error, _text
from ._ffi import ffi, lib
from ._handle import _Handle, _LiveThreadState
from ._machine import Machine, _check_errors
from ._marshal import (
    _BUFFER_TYPES,
    Json,
    _event_bytes,
    _flatten_events,
    _from_buffer,
    _pattern_bytes,
    _Pointers,
    _ptr_array,
    _u8_array,
)
from ._rules import _builder_from, _new_builder, _prepare_rules, _rules_text


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
        trusted_input: match in trusted-input mode, for every version (the
            builder's setting, kept by ``evm_live_new``). Default ``False``.

    Trusted input: the caller promises that each event is valid JSON (RFC
    8259) and that no object repeats a member name. If the promise is broken
    the answers are unspecified, but there is still no panic, no undefined
    behaviour, no read outside the event, and no unbounded time or memory.

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
        self,
        rules: Union[None, Mapping[str, Json], Iterable[tuple[str, Json]]] = None,
        *,
        trusted_input: bool = False,
    ) -> None:
        self._setup(trusted_input)
        if rules is None:
            builder = _new_builder(True) if self._trusted else ffi.NULL
        else:
            builder = _builder_from(_prepare_rules(rules), self._trusted)
        self._adopt(builder)

    def _setup(self, trusted_input: bool) -> None:
        super()._setup(trusted_input)
        # Kept by every instance, so no live machine outlives the callback.
        self._callback = _live_match_callback()

    def _adopt(self, builder: Any) -> None:
        """Creates the live machine from ``builder`` (consumed; NULL: empty,
        default settings)."""
        out = ffi.new("evm_live **")
        status = lib.evm_live_new(builder, out)  # consumes the builder
        if status != _OK:
            raise _status_error("evm_live_new", status)
        self._ptr = out[0]

    @classmethod
    def from_file(
        cls, path: Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"], *, trusted_input: bool = False
    ) -> "LiveMachine":
        """A live machine holding the rules of a rules file (version 0), read
        as :meth:`Machine.from_file` reads it (a name given twice keeps its
        last pattern); same errors."""
        with open(path, "rb") as f:
            data = f.read()
        return cls._from_rules_json(data, trusted_input, os.fsdecode(path))

    @classmethod
    def from_json(
        cls, text: Union[str, bytes, bytearray, memoryview], *, trusted_input: bool = False
    ) -> "LiveMachine":
        """A live machine holding the rules of a rules file's text, as
        :meth:`Machine.from_json`."""
        return cls._from_rules_json(_rules_text(text), trusted_input, "<rules>")

    @property
    def trusted_input(self) -> bool:
        """Whether the live machine matches in trusted-input mode (see the
        class docstring for the contract); it holds for every version."""
        return self._trusted

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

    _scratch_new = "evm_live_scratch_new"

    def _new_state(self, scratch: Any) -> _LiveThreadState:
        return _LiveThreadState(scratch)

    def _run(self, bufs: list[Any], errors: str, single: bool) -> tuple[list[Any], int]:
        """Matches ``bufs`` (our own list) with one evm_live_match_batch
        call; returns the results (sorted names, or EventError in place with
        ``errors="return"``) and the version they were matched against."""
        n = len(bufs)
        conversion_errors = _flatten_events(bufs)
        status_out = ffi.new("int32_t[]", max(n, 1))
        version = ffi.new("uint64_t *")
        batch = _Batch(list(map(list, repeat((), n))))
        handle = ffi.new_handle(batch)  # `batch` outlives the call
        ptr = self._acquire()
        try:
            st = self._state()
            with _Pointers(bufs) as events:
                status = lib.evm_live_match_batch(
                    ptr, st.scratch, events.ptrs, events.lens, n, self._callback, handle, status_out, version
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
                if errors == "null":
                    result[i] = None
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
        self, events: Iterable[Json], *, errors: Literal["null"],
        with_version: Literal[False] = False,
    ) -> list[Optional[list[str]]]: ...

    @overload
    def matches_many(
        self, events: Iterable[Json], *, errors: Literal["raise"] = "raise",
        with_version: Literal[True],
    ) -> tuple[list[list[str]], int]: ...

    @overload
    def matches_many(
        self, events: Iterable[Json], *, errors: Literal["null"],
        with_version: Literal[True],
    ) -> tuple[list[Optional[list[str]]], int]: ...

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
                ``"return"`` puts the :class:`EventError` in its place;
                ``"null"`` puts ``None`` there.
            with_version: return ``(results, version)``: the version of the
                rule set the whole batch was matched against.

        Raises:
            EventError: with ``errors="raise"``, for the first invalid event.
            TypeError: an event has an unsupported type.
            ValueError: ``errors`` is not ``"raise"``, ``"return"`` or
                ``"null"``, or the live machine is closed.
        """
        _check_errors(errors)
        if isinstance(events, (str, Mapping) + _BUFFER_TYPES):
            raise TypeError("matches_many takes an iterable of events; use matches() for one event")
        # Our own list: the events stay alive while the GIL is released.
        result, version = self._run(list(events), errors, False)
        return (result, version) if with_version else result
