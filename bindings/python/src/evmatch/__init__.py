"""Amazon EventBridge event-pattern matching, compiled: Python binding of evmatch.

Compile named rules (EventBridge event patterns) into a :class:`Machine`
once, then ask which rules match each event::

    import evmatch

    with evmatch.Machine({"stopped": {"detail": {"state": ["stopped"]}}}) as m:
        m.matches('{"detail": {"state": "stopped"}}')       # ['stopped']
        m.matches_many([b'{"detail": {}}', {"detail": {"state": "stopped"}}])

Patterns and events may be JSON text (``str`` or ``bytes``) or Python objects
(serialised with :func:`json.dumps`). Give JSON text when number spellings
matter: ``1e400`` or ``0.10000000000000001`` do not survive a round trip
through Python floats.

Matching runs in the Rust library with the GIL released (cffi releases it
around every C call), so threads sharing one machine match in parallel. Each
thread gets its own scratch space automatically.

Large batches go in one call (per Arrow chunk): :meth:`Machine.matches_lines` reads a
JSON Lines buffer (bytes, memoryview, mmap) in place, and
:meth:`Machine.matches_arrow` an Arrow array of strings (the ``arrow``
extra), returning an Arrow list array. :meth:`Machine.explain` says why a
rule matches an event or does not. Rules files are read by the library
(:meth:`Machine.from_file`), and ``trusted_input=True`` skips validating
what no rule looks at, for callers who promise valid JSON events.

:class:`LiveMachine` holds rules that change while in use (``add``,
``remove``, ``replace``, each publishing a new version), over the C ABI's
``evm_live_*`` functions; its matches come back through a cffi callback,
which takes the GIL back once per match (see its docstring).
"""

from __future__ import annotations

from ._errors import EVENT_KINDS as EVENT_KINDS
from ._errors import PATTERN_KINDS as PATTERN_KINDS
from ._errors import RULES_FILE_KINDS as RULES_FILE_KINDS
from ._errors import EventError, EvmatchError, PatternError, RulesFileError, UnknownRuleError
from ._explain import ArrayConflict, BranchExplanation, Explanation, FieldExplanation, ValueExplanation
from ._ffi import lib_version as __version__
from ._live import LiveMachine
from ._machine import Machine
from ._marshal import Json as Json

__all__ = [
    "Machine",
    "LiveMachine",
    "EvmatchError",
    "PatternError",
    "EventError",
    "RulesFileError",
    "UnknownRuleError",
    "Explanation",
    "BranchExplanation",
    "FieldExplanation",
    "ValueExplanation",
    "ArrayConflict",
    "__version__",
]
