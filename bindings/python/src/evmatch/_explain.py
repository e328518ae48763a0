"""Explanations: why a rule matched an event or did not, from the C ABI's
``evm_explain`` (JSON, the stable schema of the Rust crate's
``Explanation::to_json``) and ``evm_explain_tree`` (the readable tree).

The JSON is parsed into small objects (frozen dataclasses) that mirror it
field for field; ``to_dict()`` gives the parsed JSON itself and ``str()`` the tree.
Later library versions only add keys to the schema: unknown keys are kept
in ``to_dict()`` and ignored here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Optional

from ._errors import _EVENT_ERROR, _OK, _status_error, _take_event_error
from ._ffi import ffi, lib


@dataclass(frozen=True)
class ValueExplanation:
    """One value the event holds at a field's path.

    Attributes:
        value: the event's JSON text of the value (cut at 256 bytes, then
            ``truncated`` is true).
        offset: where the value starts in the event, in bytes.
        array_indices: the indices of the arrays around it, outermost first.
        satisfies: the element of the pattern's leaf that the value
            satisfies, as the pattern wrote it; ``None`` if none.
        truncated: whether ``value`` was cut.
        object: whether the value is an object (not a leaf value).
    """

    value: str
    offset: int
    array_indices: list[int]
    satisfies: Optional[str]
    truncated: bool = False
    object: bool = False


@dataclass(frozen=True)
class FieldExplanation:
    """One field of a branch: its path, its leaf, and the event's values.

    Attributes:
        path: the dotted path, such as ``"detail.state"``.
        pattern: the leaf as the pattern wrote it, such as ``'["stopped"]'``.
        matched: whether some value satisfies the leaf.
        status: ``"matched"``, ``"no-match"`` (values, none satisfying),
            ``"absent"`` (nothing there) or ``"not-a-leaf"`` (only objects).
        values: the values found (at most 64; the rest are counted in
            ``omitted_values``).
        omitted_values: how many values were not listed.
    """

    path: str
    pattern: str
    matched: bool
    status: str
    values: list[ValueExplanation]
    omitted_values: int = 0


@dataclass(frozen=True)
class ArrayConflict:
    """Fields that each have satisfying values, but none from the same
    elements of the arrays they share (array consistency fails).

    Attributes:
        fields: the paths of the fields.
        elements_tried: for each path, the array indices of each value that
            satisfies the field.
    """

    fields: list[str]
    elements_tried: dict[str, list[list[int]]]


@dataclass(frozen=True)
class BranchExplanation:
    """One ``$or`` branch of the rule (a rule without ``$or`` has one).

    Attributes:
        matched: whether this branch matches.
        fields: its fields, in path order.
        array_conflict: why array consistency failed, or ``None``.
    """

    matched: bool
    fields: list[FieldExplanation]
    array_conflict: Optional[ArrayConflict]


class Explanation:
    """Why a rule matched an event or did not (``Machine.explain``).

    Attributes:
        rule: the rule's name.
        matched: whether the rule matches the event: the matcher's own
            verdict (``explain(r, e).matched == (r in matches(e))``).
        branches: one :class:`BranchExplanation` per ``$or`` branch.

    ``to_dict()`` gives the JSON form (``evm_explain``), ``str()`` the
    readable tree (``evm_explain_tree``: failing fields marked ``✗``,
    satisfied ones ``✓``).
    """

    __slots__ = ("rule", "matched", "branches", "_dict", "_tree")

    rule: str
    matched: bool
    branches: list[BranchExplanation]

    def __init__(self, data: dict[str, Any], tree: str) -> None:
        self._dict = data
        self._tree = tree
        self.rule = data["rule"]
        self.matched = bool(data["matched"])
        self.branches = [_branch(b) for b in data["branches"]]

    def to_dict(self) -> dict[str, Any]:
        """The JSON form, parsed (a new copy each call)."""
        copy: dict[str, Any] = json.loads(json.dumps(self._dict))
        return copy

    def __str__(self) -> str:
        return self._tree

    def __repr__(self) -> str:
        verdict = "matched" if self.matched else "did not match"
        return f"<evmatch.Explanation rule {self.rule!r}: {verdict}>"


def _value(v: dict[str, Any]) -> ValueExplanation:
    return ValueExplanation(
        value=v["value"],
        offset=v["offset"],
        array_indices=list(v["array_indices"]),
        satisfies=v["satisfies"],
        truncated=bool(v.get("truncated", False)),
        object=bool(v.get("object", False)),
    )


def _field(f: dict[str, Any]) -> FieldExplanation:
    return FieldExplanation(
        path=f["path"],
        pattern=f["pattern"],
        matched=bool(f["matched"]),
        status=f["status"],
        values=[_value(v) for v in f["values"]],
        omitted_values=f.get("omitted_values", 0),
    )


def _branch(b: dict[str, Any]) -> BranchExplanation:
    c = b.get("array_conflict")
    conflict = None
    if c is not None:
        tried = {path: [list(ix) for ix in runs] for path, runs in c["elements_tried"].items()}
        conflict = ArrayConflict(fields=list(c["fields"]), elements_tried=tried)
    return BranchExplanation(
        matched=bool(b["matched"]),
        fields=[_field(f) for f in b["fields"]],
        array_conflict=conflict,
    )


def _explain_text(func: Any, name: str, machine: Any, index: int, event: Any, size: int, err: Any) -> str:
    """The text one of ``evm_explain`` / ``evm_explain_tree`` gives (freed
    with ``evm_text_free``); raises the event's EventError."""
    out = ffi.new("char **")
    status = func(machine, index, event, size, out, err)
    if status == _EVENT_ERROR:
        raise _take_event_error(err[0], None)
    if status != _OK:
        raise _status_error(name, status)
    try:
        return str(ffi.string(out[0]).decode("utf-8"))
    finally:
        lib.evm_text_free(out[0])


def explain(machine: Any, index: int, event: Any, size: int) -> Explanation:
    """The explanation of rule ``index`` on ``size`` bytes at ``event`` (a
    cdata), from both the JSON and the tree."""
    err = ffi.new("evm_error **")
    data = _explain_text(lib.evm_explain, "evm_explain", machine, index, event, size, err)
    tree = _explain_text(lib.evm_explain_tree, "evm_explain_tree", machine, index, event, size, err)
    return Explanation(json.loads(data), tree.rstrip("\n"))
