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
_RULES_FILE_ERROR = lib.EVM_RULES_FILE_ERROR
_NULL_EVENT = lib.EVM_NULL_EVENT

_STATUS_NAMES = {
    lib.EVM_OK: "EVM_OK",
    lib.EVM_PATTERN_ERROR: "EVM_PATTERN_ERROR",
    lib.EVM_EVENT_ERROR: "EVM_EVENT_ERROR",
    lib.EVM_NULL_ARGUMENT: "EVM_NULL_ARGUMENT",
    lib.EVM_INVALID_UTF8: "EVM_INVALID_UTF8",
    lib.EVM_BUFFER_TOO_SMALL: "EVM_BUFFER_TOO_SMALL",
    lib.EVM_INVALID_ARGUMENT: "EVM_INVALID_ARGUMENT",
    lib.EVM_PANIC: "EVM_PANIC",
    lib.EVM_RULES_FILE_ERROR: "EVM_RULES_FILE_ERROR",
    lib.EVM_NULL_EVENT: "EVM_NULL_EVENT",
}


def _kinds(enum: str, prefix: str) -> dict[int, str]:
    """The codes and names of one of the header's error kind enums, such as
    ``EVM_PATTERN_ERROR_NOT_AN_OBJECT`` -> ``"not_an_object"``."""
    elements = ffi.typeof(f"enum {enum}").elements
    return {int(code): name[len(prefix):].lower() for code, name in sorted(elements.items())}


#: Pattern error kind codes (``evm_pattern_error_kind``) and their names.
PATTERN_KINDS = _kinds("evm_pattern_error_kind", "EVM_PATTERN_ERROR_")

#: Event error kind codes (``evm_event_error_kind``) and their names.
EVENT_KINDS = _kinds("evm_event_error_kind", "EVM_EVENT_ERROR_")

#: Rules file error kind codes (``evm_rules_file_error_kind``) and their names.
RULES_FILE_KINDS = _kinds("evm_rules_file_error_kind", "EVM_RULES_FILE_ERROR_")


class EvmatchError(Exception):
    """Base class of the errors raised by evmatch.

    Raised as such only for failures that are not the caller's pattern or
    event (an unexpected status from the library: a bug).
    """


def _place(file: Optional[str], line: int, column: int) -> str:
    """``FILE:LINE:COLUMN: `` as the command-line tool prints a place in a
    rules file (the parts that are known), or ``""``."""
    if not line:
        return f"{file}: " if file else ""
    return f"{file + ':' if file else ''}{line}:{column}: "


class PatternError(EvmatchError, ValueError):
    """A rule's pattern could not be compiled.

    Attributes:
        rule: the name of the rule.
        message: the one-line message, such as
            ``"prefix match pattern must be a string"``.
        path: the JSON path of the offending spot, such as ``"$.detail.state"``
            (may be ``""``).
        offset: the byte offset of the problem in the UTF-8 pattern text;
            for a rule of a rules file, in the file (for a pattern written
            as a JSON string, the offset of that string).
        code: the stable kind code of ``evm_error_kind`` (1 to 12).
        kind: the kind's name, such as ``"syntax"`` or ``"operand"``
            (see :data:`PATTERN_KINDS`).
        file: for a rule of a rules file, the file's path as given
            (``"<rules>"`` for :meth:`Machine.from_json`); else ``None``.
        line: for a rule of a rules file, the line of ``offset`` in the
            file, from 1; else 0.
        column: for a rule of a rules file, the column of ``offset`` in its
            line, in bytes from 1; else 0.
    """

    rule: str
    message: str
    path: str
    offset: int
    code: int
    kind: str
    file: Optional[str]
    line: int
    column: int

    def __init__(
        self,
        rule: str,
        message: str,
        path: str = "",
        offset: int = 0,
        code: int = 0,
        *,
        file: Optional[str] = None,
        line: int = 0,
        column: int = 0,
    ):
        self.rule = rule
        self.message = message
        self.path = path
        self.offset = offset
        self.code = code
        self.kind = PATTERN_KINDS.get(code, "unknown")
        self.file = file
        self.line = line
        self.column = column
        super().__init__(rule, message, path, offset, code)

    def __str__(self) -> str:
        where = f" at {self.path}" if self.path else ""
        if self.line:
            return f"{_place(self.file, self.line, self.column)}rule {self.rule!r}: {self.message}{where}"
        return f"rule {self.rule!r}: {self.message}{where} (offset {self.offset})"


class RulesFileError(EvmatchError, ValueError):
    """A rules file is not JSON (or not UTF-8), or not an object of named
    patterns. (An invalid pattern in a rules file is a :class:`PatternError`.)

    Attributes:
        message: the one-line message.
        offset: the byte offset of the problem in the file.
        line: the line of ``offset``, from 1.
        column: the column of ``offset`` in its line, in bytes from 1.
        code: the stable kind code of ``evm_error_kind``: 1 (syntax: not
            UTF-8 or not JSON) or 2 (not an object of patterns).
        kind: ``"syntax"`` or ``"not_rules"`` (see :data:`RULES_FILE_KINDS`).
        rule: the member that is not a pattern, if any; else ``None``.
        file: the file's path as given (``"<rules>"`` for
            :meth:`Machine.from_json`).
    """

    message: str
    offset: int
    line: int
    column: int
    code: int
    kind: str
    rule: Optional[str]
    file: Optional[str]

    def __init__(
        self,
        message: str,
        offset: int = 0,
        line: int = 0,
        column: int = 0,
        code: int = 0,
        rule: Optional[str] = None,
        file: Optional[str] = None,
    ):
        self.message = message
        self.offset = offset
        self.line = line
        self.column = column
        self.code = code
        self.kind = RULES_FILE_KINDS.get(code, "unknown")
        self.rule = rule
        self.file = file
        super().__init__(message, offset, line, column, code, rule, file)

    def __str__(self) -> str:
        return f"{_place(self.file, self.line, self.column)}{self.message}"


class UnknownRuleError(EvmatchError, KeyError):
    """No rule of the machine has this name (:meth:`Machine.explain`).

    Attributes:
        rule: the name asked for.
    """

    rule: str

    def __init__(self, rule: str):
        self.rule = rule
        super().__init__(rule)

    def __str__(self) -> str:
        return f"no rule named {self.rule!r}"


class EventError(EvmatchError, ValueError):
    """An event could not be matched: not JSON, not a JSON object, too deep.

    Attributes:
        message: the one-line message.
        offset: the byte offset of the problem in the UTF-8 event text.
        code: the stable kind code of ``evm_error_kind`` (1 syntax, 2 not an
            object, 3 too deep; 0 when the Python object could not be
            serialised as JSON).
        kind: the kind's name (see :data:`EVENT_KINDS`).
        index: for the batch calls (:meth:`Machine.matches_many`,
            :meth:`Machine.matches_lines`, :meth:`Machine.matches_arrow`),
            the index of the event in the batch (for ``matches_lines``,
            among the non-blank lines); ``None`` for a single event.
        line: for :meth:`Machine.matches_lines`, the event's line in the
            buffer, from 1 (blank lines counted); else ``None``.
    """

    message: str
    offset: int
    code: int
    kind: str
    index: Optional[int]
    line: Optional[int]

    def __init__(
        self,
        message: str,
        offset: int = 0,
        code: int = 0,
        index: Optional[int] = None,
        *,
        line: Optional[int] = None,
    ):
        self.message = message
        self.offset = offset
        self.code = code
        self.kind = EVENT_KINDS.get(code, "unknown")
        self.index = index
        self.line = line
        super().__init__(message, offset, code, index)

    def __str__(self) -> str:
        if self.line is not None:
            where = f"line {self.line}: "
        elif self.index is not None:
            where = f"event {self.index}: "
        else:
            where = ""
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


def _take_event_error(err: Any, index: Optional[int], line: Optional[int] = None) -> EventError:
    """Builds an EventError from an evm_error and frees it."""
    try:
        return EventError(
            message=_text(lib.evm_error_message(err)),
            offset=int(lib.evm_error_offset(err)),
            code=int(lib.evm_error_kind(err)),
            index=index,
            line=line,
        )
    finally:
        lib.evm_error_free(err)


def _take_rules_file_error(err: Any, file: Optional[str], shift: int) -> EvmatchError:
    """Builds the error of ``evm_builder_add_rules_json`` (a PatternError
    for an invalid rule, else a RulesFileError) and frees it. ``shift`` is
    the number of bytes removed from the start of the file before the call
    (a byte order mark), added back to the offset, and to the column on
    the first line, so that both refer to the file as it is."""
    try:
        offset = int(lib.evm_error_offset(err)) + shift
        line = int(lib.evm_error_line(err))
        column = int(lib.evm_error_column(err)) + (shift if line == 1 else 0)
        rule = _text(lib.evm_error_rule(err))
        message = _text(lib.evm_error_message(err))
        code = int(lib.evm_error_kind(err))
        if lib.evm_error_status(err) == _PATTERN_ERROR:
            return PatternError(
                rule, message, _text(lib.evm_error_path(err)), offset, code,
                file=file, line=line, column=column,
            )
        return RulesFileError(message, offset, line, column, code, rule or None, file)
    finally:
        lib.evm_error_free(err)
