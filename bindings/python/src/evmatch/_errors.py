"""The errors evmatch raises, and their construction from the library's
statuses and ``evm_error`` objects.

:class:`PatternError` and :class:`EventError` carry what the library
reports (message, JSON path, byte offset, kind); anything else the library
answers unexpectedly becomes an :class:`EvmatchError` naming the call.
"""

from __future__ import annotations

from typing import Any, Optional

from ._ffi import ffi, lib

_OK = lib.EVM_OK
_PATTERN_ERROR = lib.EVM_PATTERN_ERROR
_EVENT_ERROR = lib.EVM_EVENT_ERROR
_BUFFER_TOO_SMALL = lib.EVM_BUFFER_TOO_SMALL
_INVALID_ARGUMENT = lib.EVM_INVALID_ARGUMENT

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
