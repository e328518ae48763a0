"""The whole conformance corpus (testdata/conformance/*.jsonl) through the
binding, compared as tests/conformance.rs does (testdata/conformance/README.md):

* each rule is compiled on its own: rules listed in expect.invalid must be
  rejected with exactly the given message, except when the pattern text is not
  JSON at all (then any syntax error will do); every other rule must compile;
* all valid rules of a case go into one machine; events listed in
  invalid_events must be refused, every other event must give exactly the
  expected sorted rule names.

Each event is matched as str, as bytes, through matches_many (both error
modes), through matches_lines (the events that fit on one line) and
through matches_arrow (when pyarrow is installed); explain's verdict is
matches' for every rule and valid event, in both modes. The same rules given as a rules file (``Machine.from_json``) and a
machine in trusted-input mode give the same answers (the trusted one on the
events that keep its promise: valid JSON without repeated member names).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

import evmatch
from conftest import REPO

FILES = sorted((REPO / "testdata" / "conformance").glob("*.jsonl"))


def load_cases() -> list[Any]:
    cases = []
    for path in FILES:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                cases.append(pytest.param(json.loads(line), id=json.loads(line)["id"]))
    return cases


CASES = load_cases()


def _no_constants(name: str) -> Any:
    raise ValueError(f"not JSON: {name}")


def is_json(text: str) -> bool:
    try:
        json.loads(text, parse_constant=_no_constants)
        return True
    except ValueError:
        return False


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    names = [k for k, _ in pairs]
    if len(set(names)) != len(names):
        raise ValueError("repeated member name")
    return dict(pairs)


def keeps_trusted_promise(event: str) -> bool:
    """Valid JSON (RFC 8259) without repeated member names."""
    try:
        json.loads(event, parse_constant=_no_constants, object_pairs_hook=_unique_members)
        return True
    except (ValueError, RecursionError):
        return False


def test_corpus_is_there() -> None:
    assert {p.name for p in FILES} >= {"aws-validated.jsonl", "edge-cases.jsonl", "generated.jsonl"}
    assert len(CASES) > 1800


@pytest.mark.parametrize("case", CASES)
def test_case(case: dict[str, Any]) -> None:
    rules: dict[str, str] = case["rules"]
    expect = case["expect"]
    invalid: dict[str, str] = expect["invalid"]
    failures: list[str] = []

    valid = {}
    for name, text in rules.items():
        try:
            evmatch.Machine({name: text}).close()
        except evmatch.PatternError as e:
            assert e.rule == name
            if name not in invalid:
                failures.append(f"rule {name} rejected: {e}")
            elif e.message != invalid[name] and not (e.kind == "syntax" and not is_json(text)):
                failures.append(f"rule {name}: message {e.message!r}, expected {invalid[name]!r}")
            continue
        if name in invalid:
            failures.append(f"rule {name} compiled, expected error {invalid[name]!r}")
        else:
            valid[name] = text

    invalid_events = set(expect.get("invalid_events", []))
    events: list[str] = case["events"]
    wants: list[list[str]] = expect["matches"]
    with evmatch.Machine(valid) as m:
        assert m.rule_names == sorted(valid)
        for i, (event, want) in enumerate(zip(events, wants)):
            for form in (event, event.encode("utf-8")):
                try:
                    got = m.matches(form)
                except evmatch.EventError as e:
                    if i not in invalid_events:
                        failures.append(f"event {i} refused: {e}")
                    continue
                if i in invalid_events:
                    failures.append(f"event {i} accepted, expected it to be refused")
                elif got != want:
                    failures.append(f"event {i} ({type(form).__name__}): got {got}, expected {want}")

        # The batch forms agree.
        many = m.matches_many([e.encode("utf-8") for e in events], errors="return")
        for i, (got, want) in enumerate(zip(many, wants)):
            if i in invalid_events:
                if not isinstance(got, evmatch.EventError) or got.index != i:
                    failures.append(f"matches_many: event {i} not refused: {got!r}")
            elif got != want:
                failures.append(f"matches_many: event {i}: got {got}, expected {want}")
        if invalid_events:
            with pytest.raises(evmatch.EventError) as info:
                m.matches_many(events)
            assert info.value.index == min(invalid_events)
        else:
            assert m.matches_many(events) == wants

    # As JSON Lines (the events that fit on one line and are not blank):
    # each line's answer, in one evm_match_lines call.
    one_line = [i for i, e in enumerate(events) if "\n" not in e and "\r" not in e and e.strip(" \t")]
    if one_line:
        buf = "\n".join(events[i] for i in one_line).encode("utf-8", "surrogatepass")
        with evmatch.Machine(valid) as ml:
            got_lines = ml.matches_lines(buf, errors="return")
        assert len(got_lines) == len(one_line)
        for got, i in zip(got_lines, one_line):
            if i in invalid_events:
                if not isinstance(got, evmatch.EventError):
                    failures.append(f"matches_lines: event {i} not refused: {got!r}")
            elif got != tuple(wants[i]):
                failures.append(f"matches_lines: event {i}: got {got}, expected {wants[i]}")

    # As an Arrow array (pyarrow, when installed): each row's answer, an
    # invalid row null.
    try:
        import pyarrow as pa
    except ImportError:
        pa = None
    if pa is not None:
        with evmatch.Machine(valid) as ma:
            raw = [e.encode("utf-8", "surrogatepass") for e in events]
            got_arrow = ma.matches_arrow(pa.array(raw, pa.binary()), errors="null").to_pylist()
        for i, (got, want) in enumerate(zip(got_arrow, wants)):
            if (got is None) != (i in invalid_events) or (got is not None and got != want):
                failures.append(f"matches_arrow: event {i}: got {got}, expected {want}")

    # The valid rules as a rules file (each pattern a JSON string), read by
    # the library: the same machine.
    from_file = evmatch.Machine.from_json(json.dumps(valid))
    assert from_file.rule_names == sorted(valid)
    got_file = from_file.matches_many(events, errors="return")
    for i, (got, want) in enumerate(zip(got_file, wants)):
        if i not in invalid_events and got != want:
            failures.append(f"from_json: event {i}: got {got}, expected {want}")

    # Trusted input: the same answers on the events that keep the promise.
    # Explanations: the verdict is the matcher's, in both modes.
    trusted = evmatch.Machine(valid, trusted_input=True)
    with evmatch.Machine(valid) as me:
        for i, (event, want) in enumerate(zip(events, wants)):
            if i in invalid_events:
                continue
            for rule in valid:
                if me.explain(rule, event).matched != (rule in want):
                    failures.append(f"explain: rule {rule}, event {i}: verdict differs from {want}")
            if not keeps_trusted_promise(event):
                continue
            got = trusted.matches(event)
            if got != want:
                failures.append(f"trusted: event {i}: got {got}, expected {want}")
            for rule in valid:
                if trusted.explain(rule, event).matched != (rule in want):
                    failures.append(f"trusted explain: rule {rule}, event {i}: verdict differs from {want}")
    assert not failures, "\n".join(failures)
