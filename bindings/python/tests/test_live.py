"""evmatch.LiveMachine (the evm_live_* C ABI): updates and versions, matching
before and after updates, errors, all-or-nothing replace, closed handles,
threads matching while another thread updates, and the conformance corpus
through live machines built rule by rule, compared with immutable Machines."""

from __future__ import annotations

import gc
import json
import re
import threading
import time
from pathlib import Path
from typing import Any

import pytest

import evmatch
from evmatch import _ffi
from test_conformance import CASES, is_json

RULES = {
    "ec2": {"source": ["aws.ec2"]},
    "stopped": '{"detail": {"state": ["stopped"]}}',
    "big": b'{"detail": {"n": [{"numeric": [">", 100]}]}}',
}
EVENT = '{"source": "aws.ec2", "detail": {"state": "stopped", "n": 500}}'
EVENTS = [
    EVENT,
    '{"source": "aws.s3", "detail": {"state": "stopped"}}',
    '{"detail": {"n": 101}}',
    "{}",
]


def fresh(rules: Any, events: list[Any]) -> list[Any]:
    """What an immutable Machine of `rules` gives for `events`."""
    with evmatch.Machine(rules) as m:
        return comparable(m.matches_many(events, errors="return"))


def comparable(results: list[Any]) -> list[Any]:
    return [r if isinstance(r, list) else ("error", r.index, r.message, r.offset, r.kind) for r in results]


@pytest.fixture
def live():
    with evmatch.LiveMachine(RULES) as lm:
        yield lm


# -- construction, updates, versions --------------------------------------------------


def test_exported_and_typed():
    assert "LiveMachine" in evmatch.__all__
    assert evmatch.LiveMachine.__doc__ and "GIL" in evmatch.LiveMachine.__doc__
    for name in ("add", "remove", "replace", "matches", "matches_many", "close", "version", "rule_count"):
        assert getattr(evmatch.LiveMachine, name).__doc__, name


def test_empty_live_machine():
    for lm in (evmatch.LiveMachine(), evmatch.LiveMachine(None), evmatch.LiveMachine({}), evmatch.LiveMachine([])):
        assert lm.version == 0 and len(lm) == 0 and lm.rule_count == 0
        assert lm.matches(EVENT) == []
        assert lm.matches_many([EVENT, b"{}"]) == [[], []]
        assert repr(lm) == "<evmatch.LiveMachine 0 rules, version 0>"
        lm.close()


def test_add_remove_replace_version_len(live):
    assert live.version == 0 and len(live) == 3 and live.rule_count == 3
    assert live.matches(EVENT) == ["big", "ec2", "stopped"]

    assert live.add("s3", {"source": ["aws.s3"]}) == 1
    assert live.version == 1 and len(live) == 4
    assert live.matches(EVENTS[1]) == ["s3", "stopped"]

    # A second pattern under a name already there is ORed: same rule count.
    assert live.add("s3", '{"source": ["aws.ec2"]}') == 2
    assert len(live) == 4
    assert live.matches(EVENT) == ["big", "ec2", "s3", "stopped"]

    assert live.remove("ec2") is True
    assert live.version == 3 and len(live) == 3
    assert live.matches(EVENT) == ["big", "s3", "stopped"]
    # Removing a rule that is not there publishes no version.
    assert live.remove("ec2") is False
    assert live.remove("never") is False
    assert live.version == 3

    assert live.replace({"only": {"detail": {"n": [500]}}}) == 4
    assert live.version == 4 and len(live) == 1
    assert live.matches(EVENT) == ["only"]
    assert live.replace({}) == 5
    assert len(live) == 0 and live.matches(EVENT) == []
    assert repr(live) == "<evmatch.LiveMachine 0 rules, version 5>"


def test_replace_takes_pairs_and_ors_repeated_names(live):
    v = live.replace([("a", {"source": ["aws.s3"]}), ("a", {"source": ["aws.ec2"]}), ("b", '{"x": [1]}')])
    assert v == 1 and len(live) == 2
    assert live.matches_many(EVENTS[:2]) == [["a"], ["a"]]


def test_matching_before_and_after_updates_agrees_with_machine(live):
    rules: list[tuple[str, Any]] = list(RULES.items())
    events = EVENTS + [b'{"source": "aws.s3", "detail": {"n": 3}}', {"detail": {"state": "running"}}, "[1]"]
    assert comparable(live.matches_many(events, errors="return")) == fresh(rules, events)
    steps = [
        ("add", "s3", {"source": ["aws.s3"]}),
        ("add", "running", {"detail": {"state": ["running"]}}),
        ("remove", "big", None),
        ("add", "big", {"detail": {"n": [{"numeric": ["<", 10]}]}}),
        ("add", "ec2", {"detail": {"state": ["running"]}}),
        ("remove", "stopped", None),
        ("remove", "absent", None),
    ]
    for op, name, pattern in steps:
        if op == "add":
            live.add(name, pattern)
            rules.append((name, pattern))
        else:
            live.remove(name)
            rules = [(n, p) for n, p in rules if n != name]
        assert comparable(live.matches_many(events, errors="return")) == fresh(rules, events), (op, name)
        for e in events[:-1]:
            assert live.matches(e) == evmatch.Machine(rules).matches(e)


def test_names_are_sorted_like_machine():
    """Rules added out of order, names whose UTF-16 and code-point orders
    differ: the same sorted lists as an immutable Machine."""
    names = ["zeta", "alpha", "\U0001f600", "\uff21", "", "Alpha", "a\0b", "é", "mid"]
    lm = evmatch.LiveMachine()
    for name in names:
        lm.add(name, {"k": [{"exists": True}]})
    got = lm.matches('{"k": 1}')
    assert got == sorted(names) == evmatch.Machine({n: {"k": [{"exists": True}]} for n in names}).matches('{"k": 1}')
    assert lm.matches_many(['{"k": 1}', "{}"]) == [sorted(names), []]
    lm.close()


def test_all_input_types(live):
    want = ["big", "ec2", "stopped"]
    for event in (EVENT, EVENT.encode(), bytearray(EVENT.encode()), memoryview(EVENT.encode()), json.loads(EVENT)):
        assert live.matches(event) == want
    assert live.matches_many([EVENT, EVENT.encode(), bytearray(EVENT.encode()), json.loads(EVENT)]) == [want] * 4
    assert live.matches_many(iter([EVENT.encode()])) == [want]
    assert live.matches_many([]) == []


def test_with_version(live):
    assert live.matches(EVENT, with_version=True) == (["big", "ec2", "stopped"], 0)
    live.add("x", {"x": [1]})
    assert live.matches_many([EVENT, b'{"x": 1}'], with_version=True) == ([["big", "ec2", "stopped"], ["x"]], 1)
    assert live.matches_many([], with_version=True) == ([], 1)
    results, version = live.matches_many([b"[]", b'{"x": 1}'], errors="return", with_version=True)
    assert version == 1 and isinstance(results[0], evmatch.EventError) and results[1] == ["x"]


# -- errors ------------------------------------------------------------------------------


def test_add_pattern_error_changes_nothing(live):
    with pytest.raises(evmatch.PatternError) as info:
        live.add("bad", '{"detail": {"state": [{"prefix": 1}]}}')
    e = info.value
    assert e.rule == "bad" and e.kind == "operand" and e.message == "prefix match pattern must be a string"
    with pytest.raises(evmatch.PatternError) as same:
        evmatch.Machine({"bad": '{"detail": {"state": [{"prefix": 1}]}}'})
    assert (e.message, e.path, e.offset, e.code) == (same.value.message, same.value.path, same.value.offset, same.value.code)
    with pytest.raises(evmatch.PatternError) as info:
        live.add("ec2", "{not json")  # an existing name: its rule is kept as it was
    assert info.value.rule == "ec2" and info.value.kind == "syntax"
    with pytest.raises(evmatch.PatternError):
        live.add("nan", {"n": [float("nan")]})
    assert live.version == 0 and len(live) == 3
    assert live.matches(EVENT) == ["big", "ec2", "stopped"]


def test_bad_names_and_types(live):
    with pytest.raises(TypeError):
        live.add(1, {})  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        live.remove(b"ec2")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="Unicode"):
        live.add("\ud800", {"a": [1]})
    with pytest.raises(ValueError, match="Unicode"):
        live.remove("\udfff")
    with pytest.raises(ValueError, match="Unicode"):
        live.replace({"\ud800": {"a": [1]}})
    with pytest.raises(TypeError):
        live.replace({1: {"a": [1]}})  # type: ignore[dict-item]
    with pytest.raises(TypeError):
        live.replace("not rules")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        evmatch.LiveMachine(b"{}")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        live.matches(7)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        live.matches_many(EVENT)
    with pytest.raises(TypeError):
        live.matches_many([EVENT, 7])  # type: ignore[list-item]
    with pytest.raises(ValueError):
        live.matches_many([EVENT], errors="ignore")  # type: ignore[call-overload]
    assert live.version == 0 and len(live) == 3


def test_errors_null(live):
    assert live.matches_many([b"nope", EVENT, {"a": float("nan")}, b"{}"], errors="null") == [
        None, ["big", "ec2", "stopped"], None, []
    ]


# Valid up to and past the rules' fields, then cut short (see test_api.py).
CUT_SHORT = b'{"source": "aws.ec2", "detail": {"state": "stopped", "n": 500}, "x": [1, 2'


def test_trusted_input_for_every_version():
    """trusted_input reaches the library (the trusted live machine answers
    an event cut short after the settled answer, which a validating one
    refuses) and holds through add, remove and replace."""
    plain = evmatch.LiveMachine(RULES)
    with pytest.raises(evmatch.EventError):
        plain.matches(CUT_SHORT)
    for live in (evmatch.LiveMachine(RULES, trusted_input=True), evmatch.LiveMachine(trusted_input=True)):
        assert live.trusted_input and not plain.trusted_input
        live.replace(RULES)
        assert live.matches(CUT_SHORT) == ["big", "ec2", "stopped"]
        live.add("more", {"source": ["aws.ec2"]})
        live.remove("big")
        assert live.matches(CUT_SHORT) == ["ec2", "more", "stopped"]
        want = [sorted([r for r in plain.matches(e) if r != "big"] + (["more"] if "aws.ec2" in e else []))
                for e in EVENTS]
        assert live.matches_many(EVENTS) == want


def test_from_file_and_from_json(tmp_path):
    path = tmp_path / "rules.json"
    path.write_text('{"b": {"source": ["aws.ec2"]}, "a": "{\\"detail\\": {\\"n\\": [500]}}", "b": {"x": [1]}}')
    for live in (evmatch.LiveMachine.from_file(path), evmatch.LiveMachine.from_json(path.read_bytes())):
        assert live.version == 0 and len(live) == 2
        assert live.matches(EVENT) == ["a"]  # "b" keeps its last pattern
        assert live.matches('{"x": 1, "detail": {"n": 500}}') == ["a", "b"]
        assert not live.trusted_input
    path.write_text('{"b": {"source": ["aws.ec2"]}, "a": "{\\"detail\\": {\\"n\\": [500]}}"}')
    live = evmatch.LiveMachine.from_file(str(path), trusted_input=True)
    assert live.trusted_input and live.matches(CUT_SHORT) == ["a", "b"]
    path.write_text('{"a": {"x": [{"prefix": 1}]}}')
    with pytest.raises(evmatch.PatternError) as info:
        evmatch.LiveMachine.from_file(path)
    assert (info.value.rule, info.value.line, info.value.column, info.value.file) == ("a", 1, 25, str(path))
    with pytest.raises(evmatch.RulesFileError):
        evmatch.LiveMachine.from_json("[]")


def test_constructor_pattern_error():
    with pytest.raises(evmatch.PatternError) as info:
        evmatch.LiveMachine({"ok": {"a": [1]}, "bad": {"a": [{"prefix": 1}]}})
    assert info.value.rule == "bad"


@pytest.mark.parametrize(
    "event",
    ["", "[]", "not json", '{"a": ', "1", '"s"', "{" * 300 + "}" * 300, b"\xff{}", {"a": float("inf")}],
)
def test_event_errors_like_machine(live, event):
    with evmatch.Machine(RULES) as m:
        with pytest.raises(evmatch.EventError) as want:
            m.matches(event)
        with pytest.raises(evmatch.EventError) as got:
            live.matches(event)
        assert got.value.index is None
        assert (got.value.message, got.value.offset, got.value.kind, got.value.code) == (
            want.value.message,
            want.value.offset,
            want.value.kind,
            want.value.code,
        )
        batch = [EVENT, event, b"{}", event]
        with pytest.raises(evmatch.EventError) as got_many:
            live.matches_many(batch)
        assert got_many.value.index == 1
        assert comparable(live.matches_many(batch, errors="return")) == comparable(
            m.matches_many(batch, errors="return")
        )


def test_callback_failure_stops_the_batch_and_is_raised():
    """An exception in the callback's Python code does not unwind into the
    library: the callback records it and returns 1 (stop)."""
    from evmatch._live import _Batch, _on_live_match

    batch = _Batch([])  # no list for event 0: IndexError
    name = _ffi.ffi.new("char[]", b"rule")
    handle = _ffi.ffi.new_handle(batch)
    assert _on_live_match(handle, 0, name, 4) == 1
    assert isinstance(batch.error, IndexError)
    ok = _Batch([[]])
    assert _on_live_match(_ffi.ffi.new_handle(ok), 0, name, 4) == 0
    assert ok.results == [["rule"]] and ok.error is None


# -- all-or-nothing replace ----------------------------------------------------------------


def test_replace_is_all_or_nothing(live):
    events = EVENTS + ['{"x": 1}']
    before = live.matches_many(events)
    new_rules = {"x": {"x": [1]}, "y": {"y": [2]}, "broken": '{"a": [{"numeric": [">", "1"]}]}', "z": {"z": [3]}}
    with pytest.raises(evmatch.PatternError) as info:
        live.replace(new_rules)
    assert info.value.rule == "broken"
    with pytest.raises(evmatch.PatternError) as same:
        evmatch.Machine({"broken": new_rules["broken"]})
    assert (info.value.message, info.value.path, info.value.offset, info.value.kind) == (
        same.value.message,
        same.value.path,
        same.value.offset,
        same.value.kind,
    )
    assert live.version == 0 and len(live) == 3
    assert live.matches_many(events) == before
    # A pattern Python cannot serialise fails before the library is called.
    with pytest.raises(evmatch.PatternError) as info:
        live.replace({"x": {"x": [1]}, "inf": {"n": [float("inf")]}})
    assert info.value.rule == "inf"
    assert live.version == 0 and live.matches_many(events) == before
    del new_rules["broken"]
    assert live.replace(new_rules) == 1
    assert live.matches_many(events) == fresh(new_rules, events)


def test_replace_error_names_rules_with_nul_and_unicode(live):
    for name in ("a\0b", "é\0", "\U0001f600"):
        with pytest.raises(evmatch.PatternError) as info:
            live.replace({"fine": {"a": [1]}, name: {"a": [{"prefix": 1}]}})
        assert info.value.rule == name
    assert live.version == 0


# -- closed handles ---------------------------------------------------------------------


def test_close_and_context_manager():
    with evmatch.LiveMachine(RULES) as lm:
        assert not lm.closed
        assert lm.matches(EVENT)
    assert lm.closed
    lm.close()  # idempotent
    assert repr(lm) == "<evmatch.LiveMachine closed>"
    calls = [
        lambda: lm.matches(EVENT),
        lambda: lm.matches_many([EVENT]),
        lambda: lm.matches_many([]),
        lambda: lm.add("x", {"x": [1]}),
        lambda: lm.remove("ec2"),
        lambda: lm.replace({}),
        lambda: lm.version,
        lambda: lm.rule_count,
        lambda: len(lm),
    ]
    for call in calls:
        with pytest.raises(ValueError, match="live machine is closed"):
            call()


def test_close_frees_the_scratch_space():
    lm = evmatch.LiveMachine(RULES)
    lm.matches(EVENT)
    state = lm._local.state
    assert state.scratch != _ffi.ffi.NULL
    lm.close()
    assert state.scratch == _ffi.ffi.NULL
    assert lm._ptr is None


def test_failed_init_does_not_crash_on_del():
    with pytest.raises(evmatch.PatternError):
        evmatch.LiveMachine({"bad": "{"})
    gc.collect()


def test_garbage_collection_frees_live_machines():
    for i in range(300):
        lm = evmatch.LiveMachine(RULES)
        lm.add("x", {"x": [i]})
        lm.matches(EVENT)
        lm.matches_many([EVENT] * 3)
        del lm
    gc.collect()
    # They all share one callback.
    assert evmatch._live._live_callback is not None


# -- threads --------------------------------------------------------------------------------


def make_events(k: int) -> list[bytes]:
    return [json.dumps({"n": (i * 7) % 250, "s": f"v{i % 23}-{i}"}).encode() for i in range(k)]


def test_scratch_per_thread():
    lm = evmatch.LiveMachine({f"n{i}": {"n": [{"numeric": [">=", i * 10]}]} for i in range(20)})
    events = make_events(300)
    want = lm.matches_many(events)
    scratches = set()
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(5):
                assert lm.matches_many(events) == want
                assert [lm.matches(e) for e in events[:50]] == want[:50]
            scratches.add(lm._local.state.scratch)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(scratches) == 6
    gc.collect()
    assert len(lm._states) <= 1
    lm.close()


def test_readers_match_while_a_writer_updates():
    """Reader threads match batches while a writer thread adds and removes
    rules. Each batch reports the version it was matched against; after the
    run, every batch must equal what a fresh Machine gives for the rule set
    of that version (recorded by the writer)."""
    base: list[tuple[str, Any]] = [(f"n{i}", {"n": [{"numeric": [">=", i * 10]}]}) for i in range(10)]
    lm = evmatch.LiveMachine(base)
    events = make_events(60)
    history: dict[int, list[tuple[str, Any]]] = {0: list(base)}
    seen: list[tuple[int, Any, Any]] = []
    seen_lock = threading.Lock()
    errors: list[BaseException] = []
    stop = threading.Event()

    def wait_for_readers(k: int) -> None:
        target = len(seen) + k
        deadline = time.monotonic() + 5
        while len(seen) < target and time.monotonic() < deadline and not errors:
            time.sleep(0.0005)

    def writer() -> None:
        rules = list(base)
        wait_for_readers(4)
        try:
            for step in range(200):
                k = step % 25
                if step % 3 == 2:
                    victim = rules[(step * 7) % len(rules)][0]
                    assert lm.remove(victim)
                    rules = [(n, p) for n, p in rules if n != victim]
                    version = lm.version  # only this thread updates
                elif step % 5 == 0:
                    pattern = {"s": [{"prefix": f"v{k}"}]}
                    rules = rules + [(f"s{k}", pattern)]
                    version = lm.add(f"s{k}", pattern)  # ORed if s{k} is there
                else:
                    pattern = {"n": [{"numeric": ["<", step % 250]}]}
                    rules = rules + [(f"m{step}", pattern)]
                    version = lm.add(f"m{step}", pattern)
                history[version] = list(rules)
                if step % 40 == 39:
                    rules = list(base)
                    history[lm.replace(rules)] = list(rules)
                # Let the readers catch up now and then, so they see many
                # versions even when the scheduler favours this thread.
                if step % 4 == 0:
                    wait_for_readers(2)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)
        finally:
            stop.set()

    def reader(t: int) -> None:
        i = 0
        try:
            while not stop.is_set():
                if t % 2:
                    results, version = lm.matches_many(events, with_version=True)
                    record: tuple[int, Any, Any] = (version, None, results)
                else:
                    event = events[i % len(events)]
                    i += 1
                    names, version = lm.matches(event, with_version=True)
                    record = (version, event, names)
                with seen_lock:
                    seen.append(record)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    readers = [threading.Thread(target=reader, args=(t,)) for t in range(4)]
    for t in readers:
        t.start()
    w = threading.Thread(target=writer)
    w.start()
    w.join()
    for t in readers:
        t.join()
    assert not errors, errors
    assert max(history) == lm.version

    machines: dict[int, evmatch.Machine] = {}
    versions = set()
    for version, event, got in seen:
        assert version in history, version
        versions.add(version)
        if version not in machines:
            machines[version] = evmatch.Machine(history[version])
        m = machines[version]
        if event is None:
            assert got == m.matches_many(events), version
        else:
            assert got == m.matches(event), version
    for m in machines.values():
        m.close()
    # The readers saw the rule set change under them.
    assert len(versions) > 1, versions
    lm.close()


def test_close_while_other_threads_match_and_update():
    lm = evmatch.LiveMachine({f"n{i}": {"n": [{"numeric": [">=", i * 10]}]} for i in range(20)})
    events = make_events(200)
    started = threading.Barrier(5)
    results: list[str] = []

    def work(t: int) -> None:
        started.wait()
        try:
            i = 0
            while True:
                i += 1
                if t == 0:
                    lm.add(f"x{i % 50}", {"n": [i % 250]})
                    lm.remove(f"x{(i + 25) % 50}")
                elif t % 2:
                    lm.matches_many(events)
                else:
                    [lm.matches(e) for e in events[:20]]
        except ValueError as e:
            results.append(str(e))

    threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
    for t in threads:
        t.start()
    started.wait()
    time.sleep(0.2)
    lm.close()
    for t in threads:
        t.join()
    assert results == ["the live machine is closed"] * 4
    assert lm._ptr is None and lm._users == 0


def test_gil_is_released_during_live_matching():
    """While one thread is inside a long evm_live_match_batch call with no
    matches (no callbacks), another thread keeps running Python code."""
    lm = evmatch.LiveMachine({"r": {"never": ["x"]}})
    big = json.dumps({"n": 5, "pad": [{"x": i, "s": f"v{i}"} for i in range(20000)]}).encode()
    events = [big] * 30
    while True:
        start = time.perf_counter()
        lm.matches_many(events)
        single = time.perf_counter() - start
        if single >= 0.3 or len(events) >= 30 * 2**8:
            break
        events = events * 2
    if single < 0.1:
        pytest.skip(f"batch too fast to measure ({single:.3f} s)")
    done = threading.Event()
    in_c = threading.Event()

    def matcher() -> None:
        in_c.set()
        lm.matches_many(events)
        done.set()

    thread = threading.Thread(target=matcher)
    thread.start()
    in_c.wait()
    gap, last = 0.0, time.perf_counter()
    while not done.is_set():
        now = time.perf_counter()
        gap = max(gap, now - last)
        last = now
    thread.join()
    assert gap < single / 2, (gap, single)
    lm.close()


# -- the conformance corpus through live machines -------------------------------------------


@pytest.mark.parametrize("case", CASES)
def test_corpus_rule_by_rule(case: dict[str, Any]) -> None:
    """Each rule of the case added on its own to one LiveMachine (invalid
    ones must be refused, changing nothing); after every change the
    results for all events equal a fresh Machine's for the same rules.
    Then the rules are removed one by one, and put back with replace()."""
    invalid: dict[str, str] = case["expect"]["invalid"]
    events = [e.encode("utf-8") for e in case["events"]]
    failures: list[str] = []
    added: dict[str, str] = {}
    with evmatch.LiveMachine() as lm:
        for name, text in case["rules"].items():
            version = lm.version
            try:
                new_version = lm.add(name, text)
            except evmatch.PatternError as e:
                assert e.rule == name
                if name not in invalid:
                    failures.append(f"rule {name} rejected: {e}")
                elif e.message != invalid[name] and not (e.kind == "syntax" and not is_json(text)):
                    failures.append(f"rule {name}: message {e.message!r}, expected {invalid[name]!r}")
                if lm.version != version:
                    failures.append(f"rule {name}: refused but the version changed")
                continue
            if name in invalid:
                failures.append(f"rule {name} compiled, expected error {invalid[name]!r}")
                continue
            added[name] = text
            if new_version != version + 1 or len(lm) != len(added):
                failures.append(f"rule {name}: version {new_version}, {len(lm)} rules after add")
            got = comparable(lm.matches_many(events, errors="return"))
            if got != fresh(added, events):
                failures.append(f"after adding {name}: {got} != {fresh(added, events)}")
        # Against the expected results too, once all valid rules are in.
        wants = case["expect"]["matches"]
        invalid_events = set(case["expect"].get("invalid_events", []))
        for i, got in enumerate(lm.matches_many(events, errors="return")):
            if (i in invalid_events) != isinstance(got, evmatch.EventError):
                failures.append(f"event {i}: {got!r}, refused expected: {i in invalid_events}")
            elif i not in invalid_events and got != wants[i]:
                failures.append(f"event {i}: got {got}, expected {wants[i]}")

        remaining = dict(added)
        for name in list(added):
            if not lm.remove(name):
                failures.append(f"remove {name}: not there")
            del remaining[name]
            got = comparable(lm.matches_many(events, errors="return"))
            if got != fresh(remaining, events):
                failures.append(f"after removing {name}: {got}")
        assert len(lm) == 0
        lm.replace(added)
        if comparable(lm.matches_many(events, errors="return")) != fresh(added, events):
            failures.append("after replace: results differ")
    assert not failures, "\n".join(failures)


# -- documentation ------------------------------------------------------------------------


def test_readme_live_example(capsys):
    """The LiveMachine example of bindings/python/README.md runs and prints
    what its comments say."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    code = next(b for b in blocks if "live.add(" in b)
    exec(compile(code, "README.md", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    expected = re.findall(r"\)\s+# (.*)", code)
    assert printed == expected and len(expected) == 4
