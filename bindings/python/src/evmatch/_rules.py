"""Rule sets as the library takes them: the ``(name, pattern)`` pairs of a
mapping, an iterable of pairs or a rules file, compiled into an
``evm_builder``.

A rules file is a JSON object ``{"name": pattern, ...}`` (the format of
``evmatch match --rules``), read by the library itself
(``evm_builder_add_rules_json``): object patterns are kept as the file's
exact text, so number spellings survive, and the errors are the
command-line tool's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional

from ._errors import (
    _OK,
    _PATTERN_ERROR,
    _RULES_FILE_ERROR,
    _status_error,
    _take_pattern_error,
    _take_rules_file_error,
)
from ._ffi import ffi, lib
from ._marshal import _BUFFER_TYPES, _from_buffer, _pattern_bytes, _u8_array


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


def _new_builder(trusted_input: bool) -> Any:
    """A new, empty evm_builder (the caller owns it), in trusted-input mode
    if asked."""
    out = ffi.new("evm_builder **")
    status = lib.evm_builder_new(out)
    if status != _OK:
        raise _status_error("evm_builder_new", status)
    builder = out[0]
    if trusted_input:
        status = lib.evm_builder_set_trusted_input(builder, 1)
        if status != _OK:
            lib.evm_builder_free(builder)
            raise _status_error("evm_builder_set_trusted_input", status)
    return builder


def _builder_from(prepared: list[tuple[str, Any]], trusted_input: bool = False) -> Any:
    """A new evm_builder holding the rules, in order (the caller owns it).

    Raises PatternError naming the first invalid rule (the builder is then
    freed), ValueError for a name that is not valid Unicode.
    """
    builder = _new_builder(trusted_input)
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


_BOM = b"\xef\xbb\xbf"


def _rules_text(text: Any) -> Any:
    """The UTF-8 bytes of a rules file given as ``str`` or a buffer."""
    if isinstance(text, str):
        return text.encode("utf-8", "surrogatepass")
    if isinstance(text, _BUFFER_TYPES):
        return text
    raise TypeError(f"rules JSON must be str, bytes, bytearray or memoryview, not {type(text).__name__}")


def _builder_from_json(data: Any, trusted_input: bool, file: Optional[str]) -> Any:
    """A new evm_builder holding the rules of a rules file (the caller owns
    it), read by the library's one rules-file reader
    (``evm_builder_add_rules_json``, the reader of ``evmatch match
    --rules``): rules in file order, a name given twice keeps its last
    pattern. A UTF-8 byte order mark is skipped; error places refer to the
    file as given.

    Raises PatternError for the first invalid rule, RulesFileError for text
    that is not UTF-8 JSON or not an object of patterns (both with
    ``file``, line and column); the builder is then freed.
    """
    # A copy (rules files are small): the call gets an immutable bytes.
    text = bytes(data)
    shift = len(_BOM) if text.startswith(_BOM) else 0
    if shift:
        text = text[shift:]
    builder = _new_builder(trusted_input)
    err = ffi.new("evm_error **")
    status = lib.evm_builder_add_rules_json(builder, text, len(text), err)
    if status == _OK:
        return builder
    lib.evm_builder_free(builder)
    if status in (_PATTERN_ERROR, _RULES_FILE_ERROR):
        raise _take_rules_file_error(err[0], file, shift)
    raise _status_error("evm_builder_add_rules_json", status)
