"""Rule sets as the library takes them: the ``(name, pattern)`` pairs of a
mapping, an iterable of pairs or a rules file, compiled into an
``evm_builder``.

A rules file is a JSON object ``{"name": pattern, ...}`` (the format of
``evmatch match --rules``); object patterns are kept as the file's exact
text, so number spellings survive.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from ._errors import _OK, _PATTERN_ERROR, _status_error, _take_pattern_error
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
