"""EventBridge rules over a Spark DataFrame column, with ``mapInArrow``.

::

    from evmatch import spark as evs

    df = spark.read.text("s3://bucket/events/")          # one event per line, column "value"
    matched = evs.with_matches(df, "value", "rules.json")  # + column "matches": array<string>
    ec2 = evs.filter(df, "value", "rules.json", rule="ec2")

The rules (a mapping, a rules file's JSON text, or the path of a rules
file, read on the driver) are compiled once on the driver, to report a bad
pattern there, and shipped to the executors as the rules file's JSON text
in the function's closure. Each Python worker process compiles them once,
on its first batch, and keeps the machine for later tasks (keyed by the
text, the last few rule sets kept): with ``spark.python.worker.reuse``
(Spark's default) a worker serves many tasks. Each Arrow record batch is
matched with one :meth:`evmatch.Machine.matches_arrow` call on its event
column: one call into the library, with the GIL released, over the
batch's own buffers.

Needs pyspark (3.5 or later) and pyarrow on the driver, and evmatch and
pyarrow on every executor (``pip install "evmatch[spark]"``); see the
README's Spark section for shipping them to a cluster. Importing this
module does not import pyspark.
"""

from __future__ import annotations

import json
import os
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from typing import Any, Callable, Optional, Union

from . import _arrow
from ._errors import EventError
from ._machine import Machine
from ._marshal import Json

__all__ = ["with_matches", "filter"]

Rules = Union[Mapping[str, Json], str, bytes, bytearray, "os.PathLike[str]", "os.PathLike[bytes]"]

_INSTALL_HINT = 'evmatch.spark needs pyspark and pyarrow: pip install "evmatch[spark]"'

# Machines compiled in this process, by (rules JSON text, trusted_input);
# the most recently used last. A worker keeps a few rule sets so that jobs
# alternating between them do not recompile on every task.
_CACHE_SIZE = 8
_machines: "OrderedDict[tuple[bytes, bool], Machine]" = OrderedDict()
_machines_lock = threading.Lock()


def _machine(text: bytes, trusted_input: bool) -> Machine:
    """This process's machine for a rules file's text, compiled on first use."""
    key = (text, trusted_input)
    with _machines_lock:
        m = _machines.get(key)
        if m is None:
            m = Machine.from_json(text, trusted_input=trusted_input)
            _machines[key] = m
            while len(_machines) > _CACHE_SIZE:
                _machines.popitem(last=False)  # freed by garbage collection once unused
        else:
            _machines.move_to_end(key)
        return m


def _rules_text(rules: Any, trusted_input: bool) -> tuple[bytes, list[str]]:
    """The rules as a rules file's UTF-8 JSON text, and their names; the
    rules are compiled here (on the driver) so that a bad pattern or file
    is reported at once, with its place."""
    if isinstance(rules, Mapping):
        for name in rules:
            if not isinstance(name, str):
                raise TypeError(f"a rule name must be a str, not {type(name).__name__}")
        # A rules file holds each pattern as a JSON object or as a JSON
        # string of the pattern's text: the two forms Machine takes.
        patterns = {
            name: (bytes(p).decode("utf-8", "surrogatepass") if isinstance(p, (bytes, bytearray, memoryview)) else p)
            for name, p in rules.items()
        }
        try:
            text = json.dumps(patterns, ensure_ascii=False, allow_nan=False).encode("utf-8", "surrogatepass")
        except ValueError as e:
            raise ValueError(f"the rules cannot be serialised as JSON: {e}") from None
        file = "<rules>"
    elif isinstance(rules, (bytes, bytearray, memoryview)):
        text, file = bytes(rules), "<rules>"
    elif isinstance(rules, str) and rules.lstrip().startswith("{"):
        text, file = rules.encode("utf-8", "surrogatepass"), "<rules>"
    elif isinstance(rules, (str, os.PathLike)):
        with open(rules, "rb") as f:
            text = f.read()
        file = os.fsdecode(rules)
    else:
        raise TypeError(
            "rules must be a mapping of rule names to patterns, a rules file's JSON text, "
            f"or the path of a rules file, not {type(rules).__name__}"
        )
    with Machine._from_rules_json(text, trusted_input, file) as m:
        return text, m.rule_names


def _types() -> Any:
    try:
        from pyspark.sql import types  # type: ignore[import-untyped,import-not-found,unused-ignore]
    except ImportError as e:
        raise ImportError(_INSTALL_HINT) from e
    return types


def _event_column(df: Any, column: str, types: Any) -> int:
    """The index of the event column in ``df``'s schema (a top-level
    string or binary column, named exactly)."""
    if not isinstance(column, str):
        raise TypeError(f"column must be a column name (str), not {type(column).__name__}")
    names = df.schema.fieldNames()
    found = [i for i, name in enumerate(names) if name == column]
    if len(found) != 1:
        what = "no" if not found else "more than one"
        raise ValueError(f"the DataFrame has {what} column named {column!r} (columns: {', '.join(names)})")
    index = found[0]
    data_type = df.schema.fields[index].dataType
    if not isinstance(data_type, (types.StringType, types.BinaryType)):
        raise TypeError(
            f"column {column!r} holds {data_type.simpleString()}: events must be a string or binary column"
        )
    return index


def _new_column(df: Any, name: str, what: str) -> None:
    if not isinstance(name, str) or not name:
        raise TypeError(f"{what} must be a non-empty column name (str), not {name!r}")
    taken = [n for n in df.schema.fieldNames() if n.lower() == name.lower()]
    if taken:
        raise ValueError(f"{what} {name!r}: the DataFrame already has a column {taken[0]!r}")


def _check_errors(errors: str) -> None:
    if errors not in ("null", "raise"):
        raise ValueError(f"errors must be 'null' or 'raise', not {errors!r}")


def with_matches(
    df: Any,
    column: str,
    rules: Rules,
    output: str = "matches",
    *,
    trusted_input: bool = False,
    errors: str = "null",
    error_column: Optional[str] = None,
) -> Any:
    """``df`` with a column ``output`` of type ``array<string>``: the sorted
    names of the rules that match each row's event.

    Args:
        df: a Spark DataFrame.
        column: the name of a top-level ``string`` or ``binary`` column
            holding one event (JSON text) per row.
        rules: a mapping of rule names to patterns (each a ``dict`` or the
            pattern's JSON text), a rules file's JSON text (a ``str``
            starting with ``{``, or ``bytes``), or the path of a rules file
            (``{"rule name": pattern, ...}``, read on the driver).
        output: the new column's name; the DataFrame must not have a
            column of that name (in any case).
        trusted_input: compile the machine in trusted-input mode (see
            :class:`evmatch.Machine`): the caller promises that every event
            is valid JSON without repeated member names.
        errors: what an invalid event (not a JSON object, or too deep)
            gives: ``"null"`` (default) a null ``output`` for that row,
            the other rows answered as usual; ``"raise"`` fails the task,
            and so the job, with :class:`evmatch.EventError`.
        error_column: if given, the name of one more ``string`` column:
            for a row whose event is invalid, the reason and where
            (``"expected value (offset 0)"``, as ``str(EventError)`` for a
            single event); null for every other row, a null event
            included.

    A null event gives a null ``output``; so does an invalid one with
    ``errors="null"`` (``error_column``, or the event column being not
    null, tells them apart). An empty list means a valid event that no
    rule matches. Rows keep their order and partitions.

    Raises (on the driver, before any job runs):
        PatternError, RulesFileError: the rules are invalid.
        OSError: the rules file cannot be read.
        TypeError, ValueError: a wrong column, name or argument.
        ImportError: pyspark is not installed.
    """
    _check_errors(errors)
    types = _types()
    index = _event_column(df, column, types)
    _new_column(df, output, "output")
    fields = list(df.schema.fields) + [types.StructField(output, types.ArrayType(types.StringType(), True), True)]
    if error_column is not None:
        _new_column(df, error_column, "error_column")
        if error_column.lower() == output.lower():
            raise ValueError(f"output and error_column are both {output!r}")
        fields.append(types.StructField(error_column, types.StringType(), True))
    text, _ = _rules_text(rules, trusted_input)
    return df.mapInArrow(
        _matches_batches(text, bool(trusted_input), index, output, errors, error_column),
        types.StructType(fields),
    )


def filter(
    df: Any,
    column: str,
    rules: Rules,
    rule: Optional[str] = None,
    *,
    trusted_input: bool = False,
    errors: str = "null",
) -> Any:
    """The rows of ``df`` whose event matches any of the rules, or, with
    ``rule``, the rule of that name; same schema, order kept.

    Args:
        df, column, rules, trusted_input: as for :func:`with_matches`.
        rule: the name of one rule of ``rules``; ``None`` (default) keeps
            the rows that match any rule.
        errors: ``"null"`` (default): a row with an invalid event matches
            nothing and is dropped, as a null event is; ``"raise"`` fails
            the task with :class:`evmatch.EventError`.

    Raises (on the driver):
        KeyError: ``rule`` names no rule of ``rules``.
        As :func:`with_matches` otherwise.
    """
    _check_errors(errors)
    types = _types()
    index = _event_column(df, column, types)
    text, names = _rules_text(rules, trusted_input)
    if rule is not None:
        if not isinstance(rule, str):
            raise TypeError(f"rule must be a rule name (str), not {type(rule).__name__}")
        if rule not in names:
            raise KeyError(f"no rule is named {rule!r} (rules: {', '.join(names)})")
    return df.mapInArrow(_filter_batches(text, bool(trusted_input), index, rule, errors), df.schema)


# -- in the Python workers --------------------------------------------------
#
# The functions below run on the executors: each is pickled with its
# closure (the rules text and the column's place) and refers to this
# module by name, so evmatch must be installed there.


def _matches_batches(
    text: bytes, trusted_input: bool, index: int, output: str, errors: str, error_column: Optional[str]
) -> Callable[[Iterator[Any]], Iterator[Any]]:
    def run(batches: Iterator[Any]) -> Iterator[Any]:
        pa = _arrow.pyarrow()
        m = _machine(text, trusted_input)
        for batch in batches:
            events = batch.column(index)
            result = m.matches_arrow(events, errors=errors)
            arrays = list(batch.columns) + [result]
            names = list(batch.schema.names) + [output]
            if error_column is not None:
                arrays.append(_error_messages(pa, m, events, result))
                names.append(error_column)
            yield pa.RecordBatch.from_arrays(arrays, names=names)

    return run


def _error_messages(pa: Any, m: Machine, events: Any, result: Any) -> Any:
    """The error column of one batch: why each invalid row was refused
    (non-null event, null result), null elsewhere. Invalid rows are
    expected to be rare: each is matched again alone for its details."""
    import pyarrow.compute as pc  # type: ignore[import-untyped,import-not-found,unused-ignore]

    n = len(events)
    refused = pc.indices_nonzero(pc.and_(result.is_null(), events.is_valid())).to_pylist()
    if not refused:
        return pa.nulls(n, pa.string())
    messages: list[Optional[str]] = [None] * n
    for i in refused:
        try:
            m.matches(memoryview(events[i].as_buffer()))
        except EventError as e:
            messages[i] = str(e)
        else:  # not expected: the batch call and a single call agree
            messages[i] = "event refused by the batch call"
    return pa.array(messages, pa.string())


def _filter_batches(
    text: bytes, trusted_input: bool, index: int, rule: Optional[str], errors: str
) -> Callable[[Iterator[Any]], Iterator[Any]]:
    def run(batches: Iterator[Any]) -> Iterator[Any]:
        pa = _arrow.pyarrow()
        import pyarrow.compute as pc  # type: ignore[import-untyped,import-not-found,unused-ignore]

        m = _machine(text, trusted_input)
        for batch in batches:
            result = m.matches_arrow(batch.column(index), errors=errors)
            if rule is None:
                # Null (null or invalid event) is dropped, as filter drops nulls.
                yield batch.filter(pc.greater(pc.list_value_length(result), 0))
                continue
            # The rows holding `rule`: the parent row of each name equal to
            # it (a name appears at most once per row, so each row at most
            # once, in ascending order). list_parent_indices covers every
            # value between the first and last offsets, null rows' too, so
            # the names are those values and null rows are dropped after.
            offsets = result.offsets
            first, last = offsets[0].as_py(), offsets[len(result)].as_py()
            values = result.values.slice(first, last - first)
            rows = pc.list_parent_indices(result).filter(pc.equal(values, pa.scalar(rule, pa.string())))
            rows = rows.filter(result.take(rows).is_valid())
            yield batch.take(rows)

    return run
