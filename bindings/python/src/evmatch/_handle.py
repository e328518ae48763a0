"""The lifetime of a native handle shared by :class:`~evmatch.Machine` and
:class:`~evmatch.LiveMachine`, and the per-thread states that live and die
with it.

A handle counts the calls under way (:meth:`_Handle._acquire` and
:meth:`_Handle._release`); :meth:`_Handle.close` frees the native object
and every thread's scratch once the last of those calls returns, so no call
ever runs on freed memory.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any, TypeVar

from ._errors import _OK, _status_error
from ._ffi import ffi, lib
from ._rules import _builder_from_json

_H = TypeVar("_H", bound="_Handle")


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


class _LiveThreadState:
    """One thread's scratch space for one live machine."""

    __slots__ = ("scratch", "__weakref__")

    def __init__(self, scratch: Any) -> None:
        self.scratch = scratch


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
    _states: "weakref.WeakSet[Any]"
    _local: threading.local
    _trusted: bool

    def _setup(self, trusted_input: bool) -> None:
        """The state of a handle not yet adopted: no native object, no
        calls, no thread states."""
        self._ptr = None
        self._closing = False
        self._users = 0
        self._lock = threading.Lock()
        self._local = threading.local()
        self._states = weakref.WeakSet()
        self._trusted = bool(trusted_input)

    def _adopt(self, builder: Any) -> None:
        """Makes the native object from ``builder`` (consumed)."""
        raise NotImplementedError

    def _free_native(self, ptr: Any) -> None:
        raise NotImplementedError

    #: The C function that makes a scratch for the native object.
    _scratch_new = "evm_scratch_new"

    def _new_state(self, scratch: Any) -> Any:
        """A thread state around ``scratch``, new for this thread."""
        raise NotImplementedError

    def _state(self) -> Any:
        """This thread's state (its scratch space, made on first use); call
        between _acquire and _release."""
        state = getattr(self._local, "state", None)
        if state is None or state.scratch == ffi.NULL:
            out = ffi.new("evm_scratch **")
            status = getattr(lib, self._scratch_new)(self._ptr, out)
            if status != _OK:
                raise _status_error(self._scratch_new, status)
            state = self._new_state(ffi.gc(out[0], lib.evm_scratch_free))
            self._local.state = state
            self._states.add(state)
        return state

    @classmethod
    def _from_rules_json(cls: type[_H], data: Any, trusted_input: bool, file: str) -> _H:
        """A handle on the rules of a rules file's bytes or text, read by
        the library's rules-file reader (``file`` names it in errors)."""
        handle = cls.__new__(cls)
        handle._setup(trusted_input)
        handle._adopt(_builder_from_json(data, handle._trusted, file))
        return handle

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
