"""Every public API of the binding and every error path (single thread)."""

from __future__ import annotations

import gc
import json
import re
import threading
from pathlib import Path

import pytest

import evmatch
from conftest import REPO
from evmatch import _ffi

RULES = {
    "ec2": {"source": ["aws.ec2"]},
    "stopped": '{"detail": {"state": ["stopped"]}}',
    "big": b'{"detail": {"n": [{"numeric": [">", 100]}]}}',
}
EVENT = '{"source": "aws.ec2", "detail": {"state": "stopped", "n": 500}}'


@pytest.fixture
def m():
    with evmatch.Machine(RULES) as machine:
        yield machine


# -- package, library, declarations -------------------------------------------


def test_version_comes_from_the_library():
    lib_version = _ffi.ffi.string(_ffi.lib.evm_version()).decode()
    assert evmatch.__version__ == lib_version
    cargo = (REPO / "Cargo.toml").read_text()
    assert re.search(rf'^version = "{re.escape(evmatch.__version__)}"', cargo, re.M)


def test_library_is_bundled_in_the_package():
    pkg = Path(evmatch.__file__).resolve().parent
    assert Path(_ffi.library_path).resolve() == pkg / _ffi.LIB_FILE
    assert (pkg / _ffi.LIB_FILE).is_file()
    assert (pkg / "py.typed").is_file()


def _declarations(ffi, lib, functions):
    """What a cffi declaration set says about the C ABI: every type's C
    spelling, struct layouts and enum values, and every function's type.
    (The tag keywords are dropped: cffi spells a typedef'd struct with or
    without them, depending on how the declarations were loaded.)"""

    def spelled(t):
        return re.sub(r"\b(struct|enum) ", "", t.cname)

    out = {}
    typedefs, structs, unions = ffi.list_types()
    for name in typedefs + [f"struct {s}" for s in structs] + [f"union {u}" for u in unions]:
        t = ffi.typeof(name)
        desc = [t.kind, spelled(t)]
        if t.kind == "enum":
            desc.append(sorted(t.elements.items()))
        elif t.kind == "struct":
            try:
                desc.append(ffi.sizeof(t))
            except Exception:  # opaque (its .fields must not be read)
                desc.append("opaque")
            else:
                desc.append([(f, spelled(ft.type), ft.offset) for f, ft in t.fields])
        out[name] = desc
    for name in functions:
        out[name] = spelled(ffi.typeof(getattr(lib, name)))
    return out


def test_declarations_match_the_repository_header():
    """The bundled declarations (maturin runs cbindgen over src/ffi and
    compiles the result with cffi) say what include/evmatch.h, the header C
    users compile against, says: same types, layouts, enums and functions."""
    import cffi

    header = (REPO / "include" / "evmatch.h").read_text()
    # cffi reads no preprocessor lines: drop them (include guard, includes)
    # and the C++ guards' `extern "C" {` and `}` between them.
    lines, in_cplusplus = [], False
    for line in header.splitlines():
        if line.startswith("#"):
            in_cplusplus = line.startswith("#ifdef __cplusplus")
        elif not in_cplusplus:
            lines.append(line)
    ref = cffi.FFI()
    ref.cdef("\n".join(lines))
    ref_lib = ref.dlopen(_ffi.library_path)
    declared = set(re.findall(r"\b(evm_\w+)\s*\(", header))
    assert len(declared) >= 20
    assert _declarations(_ffi.ffi, _ffi.lib, declared) == _declarations(ref, ref_lib, declared)
    for name in declared:
        assert callable(getattr(_ffi.lib, name)), name


def test_error_classes():
    assert issubclass(evmatch.PatternError, ValueError)
    assert issubclass(evmatch.EventError, ValueError)
    assert issubclass(evmatch.PatternError, evmatch.EvmatchError)
    assert issubclass(evmatch.EventError, evmatch.EvmatchError)


# -- construction ---------------------------------------------------------------


def test_patterns_as_dict_str_bytes_and_buffers():
    m = evmatch.Machine(
        {
            "d": {"a": [1]},
            "s": '{"a": [1]}',
            "b": b'{"a": [1]}',
            "ba": bytearray(b'{"a": [1]}'),
            "mv": memoryview(b'xx{"a": [1]}xx')[2:-2],
        }
    )
    assert m.matches('{"a": 1}') == ["b", "ba", "d", "mv", "s"]


def test_rule_names_len_contains_repr(m):
    assert m.rule_names == ["big", "ec2", "stopped"]
    assert len(m) == 3
    assert "ec2" in m and "nope" not in m
    assert repr(m) == "<evmatch.Machine 3 rules>"
    m.close()
    assert repr(m) == "<evmatch.Machine closed>"


def test_pairs_and_repeated_names_are_ored():
    m = evmatch.Machine([("r", {"a": ["x"]}), ("q", {"a": ["z"]}), ("r", {"a": ["y"]})])
    assert len(m) == 2
    assert m.matches('{"a": "x"}') == ["r"]
    assert m.matches('{"a": "y"}') == ["r"]
    assert m.matches('{"a": "z"}') == ["q"]


def test_unicode_and_nul_in_rule_names():
    m = evmatch.Machine({"é\u4e2d": {"a": [1]}, "nul\x00x": {"a": [1]}, "": {"a": [1]}})
    assert m.rule_names == ["", "nul\x00x", "é\u4e2d"]
    assert m.matches('{"a": 1}') == ["", "nul\x00x", "é\u4e2d"]


def test_empty_machine():
    m = evmatch.Machine({})
    assert len(m) == 0 and m.rule_names == []
    assert m.matches(b'{"a": 1}') == []
    assert m.matches_many([b"{}", b'{"a": 1}']) == [[], []]
    with pytest.raises(evmatch.EventError):
        m.matches(b"[]")


def test_pattern_error_attributes():
    with pytest.raises(evmatch.PatternError) as info:
        evmatch.Machine({"ok": {"a": [1]}, "bad-prefix": '{"a": [{"prefix": 5}]}'})
    e = info.value
    assert e.rule == "bad-prefix"
    assert e.message == "prefix match pattern must be a string"
    assert e.path.startswith("$.a")
    assert e.offset == 18  # the "5" in the text
    assert e.kind == "operand" and e.code == 5
    assert "bad-prefix" in str(e) and e.message in str(e)


@pytest.mark.parametrize(
    "pattern, kind",
    [
        ('{"a": ', "syntax"),
        ("{'a': [1]}", "syntax"),
        (b'{"a":["\xff"]}', "syntax"),  # not UTF-8
        ('{"a":["\ud800"]}', "syntax"),  # str that is not valid Unicode
        ("[1]", "not_an_object"),
        ({}, "structure"),
        ({"a": [{"bogus": 1}]}, "unknown_operator"),
        ({"a": [{"numeric": [">", "x"]}]}, "numeric"),
        ({"a": [{"cidr": "10.0.0.0/99"}]}, "cidr"),
        ([1], "not_an_object"),
    ],
)
def test_pattern_error_kinds(pattern, kind):
    with pytest.raises(evmatch.PatternError) as info:
        evmatch.Machine({"r": pattern})
    assert info.value.kind == kind, info.value
    assert info.value.rule == "r"
    assert info.value.message


def test_pattern_that_json_cannot_encode():
    with pytest.raises(evmatch.PatternError) as info:
        evmatch.Machine({"nan": {"a": [float("nan")]}})
    assert info.value.rule == "nan" and "JSON" in info.value.message
    with pytest.raises(TypeError):
        evmatch.Machine({"set": {"a": {1, 2}}})


def test_bad_rule_names():
    with pytest.raises(TypeError):
        evmatch.Machine({1: {"a": [1]}})
    with pytest.raises(ValueError, match="not valid Unicode"):
        evmatch.Machine({"\ud800": {"a": [1]}})


def test_failed_init_does_not_crash_on_del():
    for _ in range(3):
        with pytest.raises(evmatch.PatternError):
            evmatch.Machine({"r": "nope"})
    gc.collect()


# -- matches ----------------------------------------------------------------------


def test_matches_all_input_types(m):
    want = ["big", "ec2", "stopped"]
    assert m.matches(EVENT) == want
    assert m.matches(EVENT.encode()) == want
    assert m.matches(bytearray(EVENT.encode())) == want
    assert m.matches(memoryview(b"  " + EVENT.encode())[2:]) == want
    assert m.matches(json.loads(EVENT)) == want
    assert m.matches('{"source": "aws.s3"}') == []
    assert m.matches({"detail": {"n": 101.5}}) == ["big"]


def test_matches_returns_sorted_names_even_if_indexes_were_not(m):
    m._names_sorted = False  # the fallback path (the library numbers rules in insertion order)
    assert m.matches(EVENT) == ["big", "ec2", "stopped"]
    assert m.matches_many([EVENT, b"{}"]) == [["big", "ec2", "stopped"], []]


@pytest.mark.parametrize(
    "event, kind",
    [
        (b"not json", "syntax"),
        ("", "syntax"),
        (b'{"a": 1} x', "syntax"),
        (b"\xff", "syntax"),
        ('{"a": "\ud800"}', "syntax"),
        ("[1, 2]", "not_an_object"),
        ("null", "not_an_object"),
        ("42", "not_an_object"),
        ("[" * 1000 + "]" * 1000, "too_deep"),
        ('{"a":' * 500 + "1" + "}" * 500, "too_deep"),
    ],
)
def test_matches_event_errors(m, event, kind):
    with pytest.raises(evmatch.EventError) as info:
        m.matches(event)
    e = info.value
    assert e.kind == kind, e
    assert e.message and isinstance(e.offset, int) and e.index is None
    assert e.message in str(e)


def test_event_error_offset(m):
    with pytest.raises(evmatch.EventError) as info:
        m.matches(b'{"a": tru}')
    assert info.value.offset >= 6 and info.value.code == 1


def test_matches_unsupported_types(m):
    for bad in (42, None, [b"{}"], 1.5):
        with pytest.raises(TypeError):
            m.matches(bad)  # type: ignore[arg-type]


def test_matches_dict_json_cannot_encode(m):
    with pytest.raises(evmatch.EventError) as info:
        m.matches({"a": float("inf")})
    assert info.value.code == 0 and "JSON" in info.value.message


# -- matches_many -------------------------------------------------------------------


def test_matches_many_mixed_inputs(m):
    events = [EVENT.encode(), EVENT, json.loads(EVENT), bytearray(b"{}"), b'{"source": "aws.ec2"}']
    want = [["big", "ec2", "stopped"]] * 3 + [[], ["ec2"]]
    assert m.matches_many(events) == want
    assert m.matches_many(iter(events)) == want
    assert m.matches_many(tuple(events)) == want
    assert m.matches_many(e for e in events) == want


def test_matches_many_sparse_and_dense_results():
    # Rule names out of order (sorted per event), few matches (the sparse
    # path) and many (the dense one).
    m = evmatch.Machine({"zz": {"a": [1]}, "aa": {"a": [1]}, "mm": {"b": [2]}})
    sparse = [b'{"a": 0}'] * 100 + [b'{"a": 1}', b'{"b": 2}'] + [b'{"a": 0}'] * 100 + [b'{"a": 1, "b": 2}']
    want = [[]] * 100 + [["aa", "zz"], ["mm"]] + [[]] * 100 + [["aa", "mm", "zz"]]
    got = m.matches_many(sparse)
    assert got == want
    got[0].append("x")  # every event has a list of its own
    assert got[1] == [] and got[2] == []
    dense = [b'{"a": 1, "b": 2}', b'{"a": 0}'] * 50
    assert m.matches_many(dense) == [["aa", "mm", "zz"], []] * 50


class _Bytes(bytes):
    pass


def test_matches_many_bytes_subclasses_and_mixed_lists(m):
    want = [["big", "ec2", "stopped"], ["ec2"]]
    ec2 = b'{"source": "aws.ec2"}'
    assert m.matches_many([_Bytes(EVENT.encode()), ec2]) == want
    assert m.matches_many([EVENT.encode(), _Bytes(ec2)]) == want
    assert m.matches_many([EVENT.encode(), memoryview(ec2)]) == want
    assert m.matches_many([EVENT.encode(), ec2.decode()]) == want


def test_matches_many_uses_public_interfaces_only():
    """No path reads CPython objects by address: the records call and the
    id()-based pointers are gone, from the binding and from the library."""
    import evmatch._marshal as marshal

    for gone in ("_BYTES_OFFSET", "_records_layout", "_BYTES_LAYOUT", "_LIST_ITEMS_OFFSET", "_batch_arrays"):
        assert not hasattr(marshal, gone)
    for gone in ("evm_match_batch_records", "evm_record_layout"):
        assert gone not in (REPO / "include" / "evmatch.h").read_text()
        assert not hasattr(_ffi.lib, gone)


def test_matches_many_other_buffers():
    """Any buffer is an event: memoryview (also of another format or a
    slice), bytearray, array, mmap."""
    import mmap
    from array import array

    m = evmatch.Machine(RULES)
    text = EVENT.encode()
    want = ["big", "ec2", "stopped"]
    mm = mmap.mmap(-1, len(text))
    mm.write(text)
    padded = array("I", b"\x00" * 4 + text + b" " * (-len(text) % 4))
    events = [memoryview(b"xx" + text + b"yy")[2:-2], bytearray(text), mm, padded, memoryview(padded)]
    got = m.matches_many(events, errors="return")
    assert got[:3] == [want] * 3
    assert isinstance(got[3], evmatch.EventError)  # starts with NUL bytes
    assert isinstance(got[4], evmatch.EventError) and got[4].offset == got[3].offset
    assert m.matches_many([memoryview(text).cast("c")]) == [want]
    with pytest.raises(TypeError):
        m.matches_many([memoryview(text)[::2]])  # not contiguous
    mm.close()


def test_memoryview_errors_in_garbage_cycles_do_not_crash():
    """An EventError raised while a memoryview event was handed to the
    library, kept in a reference cycle, then collected: the library's view
    of the buffer is released before the error propagates (a memoryview and
    a cdata still holding its buffer in one garbage cycle crash CPython's
    collector)."""
    m = evmatch.Machine(RULES)
    live = evmatch.LiveMachine(RULES)
    for _ in range(300):
        for call in (m.matches, live.matches, lambda e: m.matches_many([e]), lambda e: live.matches_many([e])):
            try:
                call(memoryview(b"nope"))
            except evmatch.EventError as e:
                e.cycle = e  # type: ignore[attr-defined]
        for rules in ({"r": memoryview(b'{"a": [{"prefix": 1}]}')},):
            try:
                evmatch.Machine(rules)
            except evmatch.PatternError as e:
                e.cycle = e  # type: ignore[attr-defined]
    gc.collect()


def test_matches_many_empty(m):
    assert m.matches_many([]) == []
    assert m.matches_many(iter(())) == []


def test_matches_many_agrees_with_matches(m):
    events = [
        json.dumps({"source": s, "detail": {"state": st, "n": n}}).encode()
        for s in ("aws.ec2", "x")
        for st in ("stopped", "running")
        for n in (1, 100, 101, 1e9)
    ]
    assert m.matches_many(events) == [m.matches(e) for e in events]


def test_matches_many_grows_its_buffer():
    # 200 rules that all match: 200 * 5000 ids, far beyond the first buffer.
    m = evmatch.Machine({f"r{i:03}": {"a": [1]} for i in range(200)})
    events = [b'{"a": 1}', b'{"a": 2}'] * 2500
    got = m.matches_many(events)
    assert got[0] == m.rule_names and got[1] == []
    assert got == [m.rule_names, []] * 2500
    assert m._local.state.batch_cap >= 200 * 2500
    assert m.matches_many(events[:2]) == [m.rule_names, []]


def test_matches_many_dense_results_in_parts(monkeypatch):
    """Many matches per event (the dense result path) over several parts,
    with fewer and with more than 256 rules (ids and counts as bytes, or as
    ints), rules out of name order, and the id buffer growing between parts."""
    for size in (5, 300):
        names = [f"r{i:03}" for i in range(size)]
        rules = {name: {"a": [i % 3]} for i, name in enumerate(names)}
        shuffled = "{" + ", ".join(f'"{n}": {json.dumps(rules[n])}' for n in reversed(names)) + "}"
        for m in (evmatch.Machine(rules), evmatch.Machine.from_json(shuffled)):
            events = [b'{"a": 0}', b'{"a": 1}', b'{"a": [0, 2]}', b'{"a": 9}', b"[]"] * 200
            want = [m.matches(e) if e != b"[]" else None for e in events]
            for part_bytes in (1, 40, 1000, 1 << 18):
                monkeypatch.setattr(evmatch._batch, "JOIN_PART_BYTES", part_bytes)
                got = m.matches_many(events, errors="null")
                assert got == want, (size, part_bytes)
                assert got[0] is not got[5]  # every event has a list of its own
            lines = m.matches_lines(b"\n".join(events), errors="null")
            assert lines == [None if w is None else tuple(w) for w in want]
            # Events with the same matches share one tuple.
            assert lines[0] is lines[5] and lines[1] is lines[6]


def test_counts_from_offsets_at_c_speed():
    """The per-event counts read from the low bytes of the offsets: right
    across every wrap of the low byte, up to 255 matches an event."""
    from evmatch import _batch

    counts = [0, 255, 1, 0, 254, 2, 255, 255, 3, 0, 128] * 30
    offsets = [0]
    for c in counts:
        offsets.append(offsets[-1] + c)
    cdata = _ffi.ffi.new("size_t[]", [7, 7] + offsets)  # two entries before the segment
    assert list(_batch._segment_counts(cdata, 2, len(counts))) == counts
    assert _batch._max_count(bytes(counts)) == 255
    for top in range(6):
        assert _batch._max_count(bytes([0, top, 1] * 100)) == max(top, 1)
    assert _batch._max_count(b"") == 0


def test_results_with_255_matches_an_event():
    m = evmatch.Machine({f"r{i:03}": {"a": [1]} for i in range(255)})
    events = [b'{"a": 1}', b'{"a": 0}'] * 30
    assert m.matches_many(events) == [m.rule_names, []] * 30
    assert m.matches_lines(b"\n".join(events)) == [tuple(m.rule_names), ()] * 30


def test_batch_results_agree_with_matches_on_random_batches(monkeypatch):
    """matches_many (in parts of several sizes) and matches_lines give each
    event the answer of matches: machines of 1 to 300 rules (either side of
    the paths that change at 9 and 256 rules), in name order or not, from
    none to many matches per event, some events invalid."""
    import random

    rng = random.Random(7)
    for rule_count in (1, 2, 5, 8, 9, 255, 256, 300):
        names = [f"r{rng.randrange(10**6):06d}-{i}" for i in range(rule_count)]
        rules = {
            name: {"a": [rng.randrange(4)], "b": [{"exists": rng.random() < 0.5}]}
            if rng.random() < 0.5 else {"a": [rng.randrange(4)]}
            for name in names
        }
        shuffled = json.dumps(dict(rng.sample(list(rules.items()), len(rules))))
        for m in (evmatch.Machine(rules), evmatch.Machine.from_json(shuffled)):
            events: list = []
            for _ in range(rng.choice([1, 3, 400])):
                event = {"a": rng.randrange(5)}
                if rng.random() < 0.5:
                    event["b"] = 1
                events.append(b"nope" if rng.random() < 0.05 else json.dumps(event).encode())
            want = [None if e == b"nope" else m.matches(e) for e in events]
            for part_bytes in (1, 50, 1 << 18):
                monkeypatch.setattr(evmatch._batch, "JOIN_PART_BYTES", part_bytes)
                assert m.matches_many(events, errors="null") == want, (rule_count, part_bytes)
            lines = m.matches_lines(b"\n".join(events), errors="null")
            assert lines == [None if w is None else tuple(w) for w in want], rule_count


def test_batch_results_by_group_agree_with_matches(monkeypatch):
    """With few distinct sets of matches, matches_many and matches_lines
    build their results from the events' groups (evm_group_matches), one
    call per part: each event the answer of matches, invalid events in
    their places (errors="null", "return", "raise" with index and line),
    matches_lines' events with one set sharing one tuple and matches_many's
    each with a list of its own. With as many sets as events, or a small
    batch, they do not group, and answer the same."""
    import random

    from evmatch import _batch, _machine

    grouped: list = []
    real = _machine._group

    def spy(*args):
        groups = real(*args)
        grouped.append(groups is not None)
        return groups

    monkeypatch.setattr(_machine, "_group", spy)
    rng = random.Random(11)
    for rule_count in (3, 300):
        names = [f"r{rng.randrange(10**6):06d}-{i}" for i in range(rule_count)]
        rules = {name: {"a": [i % 4]} if i % 2 else {"b": [i % 3]} for i, name in enumerate(names)}
        shuffled = json.dumps(dict(rng.sample(list(rules.items()), len(rules))))
        for m in (evmatch.Machine(rules), evmatch.Machine.from_json(shuffled)):
            events = [
                b"nope" if rng.random() < 0.03 else json.dumps({"a": rng.randrange(5), "b": rng.randrange(4)}).encode()
                for _ in range(500)
            ]
            bad = [i for i, e in enumerate(events) if e == b"nope"]
            want = [None if e == b"nope" else m.matches(e) for e in events]
            # Parts of one event: as many groups as events, not grouped.
            for part_bytes in (1, 4000, 1 << 18):
                monkeypatch.setattr(_batch, "JOIN_PART_BYTES", part_bytes)
                grouped.clear()
                got = m.matches_many(events, errors="null")
                assert grouped == [part_bytes > 1] and got == want, (rule_count, part_bytes)
                own = [x for x in got if x is not None]
                assert len({id(x) for x in own}) == len(own)  # a list of its own each
            returned = m.matches_many(events, errors="return")
            assert [isinstance(r, evmatch.EventError) and r.index for r in returned if not isinstance(r, list)] == bad
            with pytest.raises(evmatch.EventError) as info:
                m.matches_many(events)
            assert info.value.index == bad[0]
            data = b"\n\n".join(events)  # a blank line after each event
            grouped.clear()
            lines, numbers = m.matches_lines(data, errors="null", with_lines=True)
            assert grouped == [True] and numbers == list(range(1, 2 * len(events), 2))
            assert lines == [None if w is None else tuple(w) for w in want]
            first_of: dict = {}
            for r in lines:
                assert first_of.setdefault(r, r) is r  # one tuple per set
            with pytest.raises(evmatch.EventError) as info:
                m.matches_lines(data)
            assert (info.value.index, info.value.line) == (bad[0], 2 * bad[0] + 1)
            returned = m.matches_lines(data, errors="return")
            assert [r.line for r in returned if isinstance(r, evmatch.EventError)] == [2 * i + 1 for i in bad]
            # A small batch is not grouped.
            grouped.clear()
            assert m.matches_many(events[:10], errors="null") == want[:10]
            assert grouped == [False]
    # Every event its own set: not grouped, or grouped when told to.
    m = evmatch.Machine({f"r{i:03}": {"a": [i]} for i in range(200)})
    events = [json.dumps({"a": i % 200}).encode() for i in range(200)]
    want = [m.matches(e) for e in events]
    for group_events in (_batch.GROUP_EVENTS, 1):
        monkeypatch.setattr(_batch, "GROUP_EVENTS", group_events)
        grouped.clear()
        assert m.matches_many(events) == want
        assert m.matches_lines(b"\n".join(events)) == [tuple(w) for w in want]
        assert grouped == [group_events == 1] * 2


def test_group_matches_refuses_bad_offsets():
    """evm_group_matches through cffi: groups in order of first
    appearance, and offsets out of order or beyond the ids refused."""
    ffi, lib = _ffi.ffi, _ffi.lib
    ids = ffi.new("uint32_t[]", [4, 4, 7, 4])
    group = ffi.new("uint32_t[]", 4)
    first = ffi.new("size_t[]", 4)
    n_groups = ffi.new("size_t *")
    offsets = ffi.new("size_t[]", [0, 1, 1, 3, 4])  # {4}, {}, {4, 7}, {4}
    assert lib.evm_group_matches(ids, 4, offsets, 4, group, first, n_groups) == 0
    assert (n_groups[0], list(group), list(first)[:3]) == (3, [0, 1, 2, 0], [0, 1, 2])
    for bad in ([0, 2, 1, 3, 4], [0, 1, 1, 3, 5]):
        offsets = ffi.new("size_t[]", bad)
        assert lib.evm_group_matches(ids, 4, offsets, 4, group, first, n_groups) == 6  # EVM_INVALID_ARGUMENT


def test_matches_many_as_json_lines_only_when_lines_are_the_events(m, monkeypatch):
    """Parts of bytes-like events go to evm_match_lines joined with newlines
    (no offsets to build) when the lines turn out to be exactly the events;
    else, and from then on, with offsets. The answers are each event's own
    either way."""
    taken = []
    real = evmatch._batch._Parts.lines
    monkeypatch.setattr(evmatch._batch._Parts, "lines", lambda *a: taken.append(real(*a)) or taken[-1])
    ev = EVENT.encode()
    pretty = json.dumps(json.loads(EVENT), indent=2).encode()
    as_lines = [
        [ev, b"{}", b'{"source": "aws.ec2"}'], [b"{}\r", ev], [b"nope", b"[1]"],
        [bytearray(ev), memoryview(b"{}"), memoryview(b"x{}")[1:], memoryview(b"{}").cast("c"), array_event()],
        [ev, "{}", {"source": "aws.ec2"}], [{"a": float("nan")}, ev],  # serialised first
    ]
    with_offsets = [
        [ev, pretty, b"{}"],  # a newline inside an event
        [b"{}\n{}", b""],  # a newline and a blank event: as many lines as events
        [b"{}", b""], [b"", b"{}"], [b" \t", ev], [b"\r", ev],  # blank events
        [ev, b"{}\n"], [ev + b"\r\n", b"{}"], [b'{"a": 1}\n\n', b"{}"],
        [b"{}", b"{}\r"],  # the last line ends before the data: taken for a newline
    ]

    def each(events):
        out = []
        for i, e in enumerate(events):
            try:
                out.append(m.matches(e if isinstance(e, (str, dict, bytes, memoryview)) else bytes(e)))
            except evmatch.EventError as err:
                out.append((i, err.message, err.offset))
        return out

    for events, lines in [(e, True) for e in as_lines] + [(e, False) for e in with_offsets]:
        taken.clear()
        got = m.matches_many(events, errors="return")
        assert [g if isinstance(g, list) else (g.index, g.message, g.offset) for g in got] == each(events), events
        assert taken == [lines], (events, taken)
    # Per part: the parts before the first that cannot go as lines did.
    monkeypatch.setattr(evmatch._batch, "JOIN_PART_BYTES", 1)
    taken.clear()
    events = [ev, b"{}", pretty, b"{}", b"{}"]
    assert m.matches_many(events) == [m.matches(e) for e in events]
    assert taken == [True, True, False]
    # A part that join refuses (not bytes-like, past the sample) is made
    # flat, and goes as lines still.
    taken.clear()
    events = [b"{}"] * 200 + [7, ev]  # the sample: every third event
    with pytest.raises(TypeError):
        m.matches_many(events)
    taken.clear()
    events[200] = "{}"
    assert m.matches_many(events) == [[]] * 201 + [m.matches(ev)]
    assert taken == [True] * 202
    events[200] = {"a": float("nan")}
    got = m.matches_many(events, errors="return")
    assert isinstance(got[200], evmatch.EventError) and got[200].index == 200 and got[201] == m.matches(ev)


def test_matches_many_reads_lists_and_tuples_in_place(m, monkeypatch):
    """Lists and tuples are sliced part by part, never copied whole nor
    changed; other iterables are read into a list first. A list that
    changes size during the call (another thread, while the library
    matches a part) is an error, not a wrong answer."""
    ev = EVENT.encode()
    events = [ev, "{}", {"source": "aws.ec2"}, b"nope", memoryview(b"{}")] * 100
    before = list(events)
    want = [m.matches(e) if e != b"nope" else None for e in events]
    monkeypatch.setattr(evmatch._batch, "JOIN_PART_BYTES", 300)
    for form in (events, tuple(events), iter(events), (e for e in events)):
        assert m.matches_many(form, errors="null") == want
    assert events == before and type(events[1]) is str
    got = m.matches_many(events, errors="return")
    assert got[3].index == 3 and got[498].index == 498 and got[498].kind == "syntax"

    real = evmatch._batch._Parts.lines

    def shrink(self, *args):
        if events:
            events.pop()
        return real(self, *args)

    monkeypatch.setattr(evmatch._batch._Parts, "lines", shrink)
    with pytest.raises(RuntimeError, match="changed size"):
        m.matches_many(events)


def array_event():
    from array import array

    return array("B", b'{"source": "aws.ec2"}')


def test_matches_many_drops_a_huge_buffer(monkeypatch):
    monkeypatch.setattr(evmatch._batch, "_KEEP_IDS", 2000)
    m = evmatch.Machine({f"r{i}": {"a": [1]} for i in range(3)})
    assert m.matches_many([b'{"a": 1}'] * 1000) == [["r0", "r1", "r2"]] * 1000
    assert m._local.state.batch_cap == 0
    assert m.matches_many([b'{"a": 1}'] * 10) == [["r0", "r1", "r2"]] * 10
    assert m._local.state.batch_cap == 1024


def test_matches_many_raises_for_first_invalid_event(m):
    with pytest.raises(evmatch.EventError) as info:
        m.matches_many([b"{}", EVENT, b"[1]", b"nope"])
    e = info.value
    assert e.index == 2 and e.kind == "not_an_object"
    assert str(e).startswith("event 2: ")


def test_matches_many_returns_errors_in_place(m):
    got = m.matches_many([b"nope", EVENT, b"[1]", {"a": float("nan")}, b"{}"], errors="return")
    assert isinstance(got[0], evmatch.EventError) and got[0].index == 0 and got[0].kind == "syntax"
    assert got[1] == ["big", "ec2", "stopped"]
    assert isinstance(got[2], evmatch.EventError) and got[2].index == 2
    assert got[2].kind == "not_an_object"
    assert isinstance(got[3], evmatch.EventError) and got[3].index == 3 and got[3].code == 0
    assert got[4] == []


def test_matches_many_conversion_error_raises_with_index(m):
    with pytest.raises(evmatch.EventError) as info:
        m.matches_many([b"{}", {"a": float("nan")}])
    assert info.value.index == 1


def test_matches_many_keeps_the_events_alive(m):
    """matches_many holds its own references to the events for the call, so
    a caller's list changed by another thread meanwhile cannot free them."""
    events = [json.dumps({"source": "aws.ec2", "i": i}).encode() for i in range(1000)]
    stop = threading.Event()

    def mutate() -> None:
        while not stop.is_set():
            events[:] = [json.dumps({"source": "x", "j": j}).encode() for j in range(1000)]

    t = threading.Thread(target=mutate)
    t.start()
    try:
        for _ in range(50):
            got = m.matches_many(events)
            assert len(got) == 1000 and all(g in ([], ["ec2"]) for g in got)
    finally:
        stop.set()
        t.join()


def test_bad_argument_types(m):
    with pytest.raises(TypeError, match="iterable of events"):
        m.matches_many(b"{}")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="iterable of events"):
        m.matches_many('{"a": 1}')  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="iterable of events"):
        m.matches_many({"a": 1})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="mapping"):
        evmatch.Machine('{"r": {"a": [1]}}')  # type: ignore[arg-type]


def test_matches_many_bad_arguments(m):
    with pytest.raises(ValueError):
        m.matches_many([b"{}"], errors="ignore")  # type: ignore[call-overload]
    with pytest.raises(TypeError):
        m.matches_many([b"{}", 7])  # type: ignore[list-item]


def test_matches_many_joined_and_pointer_paths_agree(m, monkeypatch):
    """Small events are joined into one buffer (evm_match_batch_offsets64),
    large ones passed as pointers (evm_match_batch): the same results."""
    events = [EVENT.encode(), b"{}", b'{"source": "aws.ec2"}', b"", b"x" * 5000, b"[1]",
              memoryview(b"." + EVENT.encode())[1:], EVENT, {"source": "aws.ec2"}]
    joined = m.matches_many(events, errors="return")
    monkeypatch.setattr(evmatch._batch, "JOIN_MEAN_LIMIT", 0)
    pointers = m.matches_many(events, errors="return")
    assert [r if isinstance(r, list) else (r.index, r.message) for r in joined] == [
        r if isinstance(r, list) else (r.index, r.message) for r in pointers
    ]
    assert joined[:3] == [["big", "ec2", "stopped"], [], ["ec2"]]
    assert joined[6:] == [["big", "ec2", "stopped"], ["big", "ec2", "stopped"], ["ec2"]]


def test_matches_many_in_parts_keeps_indexes(m, monkeypatch):
    """Joined events go to the library in parts: errors keep their index in
    the whole batch, results their place, whatever the part size."""
    events: list = [EVENT.encode(), b"{}", b'{"source": "aws.ec2"}'] * 400
    events[5] = b"nope"
    events[700] = b"[1]"
    events[1001] = {"a": float("nan")}
    want = [["big", "ec2", "stopped"], [], ["ec2"]] * 400
    for part_bytes in (1, 100, 1000, 1 << 18):
        monkeypatch.setattr(evmatch._batch, "JOIN_PART_BYTES", part_bytes)
        got = m.matches_many(events, errors="return")
        bad = {i: (g.index, g.kind) for i, g in enumerate(got) if isinstance(g, evmatch.EventError)}
        assert bad == {5: (5, "syntax"), 700: (700, "not_an_object"), 1001: (1001, "unknown")}, part_bytes
        assert [g for i, g in enumerate(got) if i not in bad] == [w for i, w in enumerate(want) if i not in bad]
        with pytest.raises(evmatch.EventError) as info:
            m.matches_many(events[6:])
        assert info.value.index == 694
        assert m.matches_many(events, errors="null")[700] is None


def test_matches_many_copies_bytes_once(m, monkeypatch):
    """bytes events are joined into one buffer for one
    evm_match_batch_offsets64 call, never encoded again."""
    calls = []
    real = evmatch._marshal._event_bytes
    monkeypatch.setattr(evmatch._marshal, "_event_bytes", lambda *a: calls.append(a) or real(*a))
    assert m.matches_many([EVENT.encode()] * 3) == [["big", "ec2", "stopped"]] * 3
    assert calls == []


def test_matches_many_errors_null(m):
    got = m.matches_many([b"nope", EVENT, {"a": float("nan")}, b"{}"], errors="null")
    assert got == [None, ["big", "ec2", "stopped"], None, []]


# -- from_file --------------------------------------------------------------------


def test_from_file(tmp_path):
    path = tmp_path / "rules.json"
    path.write_text(
        """\ufeff {
          "obj": {"n": [0.10000000000000001]},
          "text": "{\\"s\\": [\\"x\\"]}",
          "big": {"n": [1e400]}
        } \n""",
        encoding="utf-8",
    )
    m = evmatch.Machine.from_file(path)
    assert m.rule_names == ["big", "obj", "text"]
    # Number spellings are kept: 0.10000000000000001 is not 0.1.
    assert m.matches('{"n": 0.10000000000000001}') == ["obj"]
    assert m.matches('{"n": 0.1}') == []
    assert m.matches('{"n": 1e400}') == ["big"]
    assert m.matches('{"s": "x"}') == ["text"]
    assert evmatch.Machine.from_file(str(path)).rule_names == m.rule_names


def test_from_file_examples(repo):
    """examples/: the same results as `evmatch match --rules examples/rules.json
    examples/events.jsonl`, and examples/bad-events.jsonl (whose second event
    is cut short, so it is refused)."""
    m = evmatch.Machine.from_file(repo / "examples" / "rules.json")
    lines = (repo / "examples" / "events.jsonl").read_bytes().splitlines()
    events = [line for line in lines if line.strip()]
    got = m.matches_many(events, errors="return")
    assert got == [
        ["ec2-instance-stopped"],
        [],
        ["s3-csv-uploaded"],
        [],
        ["large-order"],
        ["console-signin-outside-us"],
        ["guardduty-urgent-finding"],
        ["guardduty-urgent-finding"],
        ["large-order"],
    ]
    bad = (repo / "examples" / "bad-events.jsonl").read_bytes().splitlines()
    got = m.matches_many([line for line in bad if line.strip()], errors="return")
    assert got[0] == ["ec2-instance-stopped"]
    assert isinstance(got[1], evmatch.EventError)
    assert (got[1].message, got[1].offset, got[1].index) == ("Unexpected end of input", 269, 1)
    assert isinstance(got[2], evmatch.EventError)


def test_from_file_empty_object(tmp_path):
    (tmp_path / "r.json").write_text("{}")
    assert len(evmatch.Machine.from_file(tmp_path / "r.json")) == 0


@pytest.mark.parametrize(
    "text",
    ["[]", "", "{", '{"a": {"x": [1]}', '{"a" {"x": [1]}}', '{"a": {"x": [1]},}', '{"a": {"x": [1]}} x',
     "{a: 1}", '{"a": }'],
)
def test_from_file_not_a_rules_object(tmp_path, text):
    (tmp_path / "r.json").write_text(text)
    with pytest.raises(ValueError, match="r.json"):
        evmatch.Machine.from_file(tmp_path / "r.json")


def test_from_file_invalid_pattern(tmp_path):
    (tmp_path / "r.json").write_text('{"good": {"a": [1]},\n  "bad": {"a": [{"prefix": 1}]}}')
    with pytest.raises(evmatch.PatternError) as info:
        evmatch.Machine.from_file(tmp_path / "r.json")
    e = info.value
    assert (e.rule, e.message, e.path) == ("bad", "prefix match pattern must be a string", "$.a[0].prefix")
    # The place in the file: line 2, at the 1 (the pattern is the file's text).
    assert (e.offset, e.line, e.column, e.kind) == (48, 2, 28, "operand")
    assert e.file == str(tmp_path / "r.json")
    assert str(e) == f"{e.file}:2:28: rule 'bad': prefix match pattern must be a string at $.a[0].prefix"


def test_rules_file_pattern_in_a_string():
    """A pattern held in a JSON string: the place is that of the string (the
    pattern error's own offset is into the unescaped text)."""
    text = '{\n"ok": "{\\"a\\": [1]}",\n"bad": "{\\"a\\": [{\\"prefix\\": 1}]}"}'
    with pytest.raises(evmatch.PatternError) as info:
        evmatch.Machine.from_json(text)
    e = info.value
    assert (e.rule, e.line, e.column, e.offset, e.file) == ("bad", 3, 8, text.index('"{', 20), "<rules>")
    assert str(e).startswith("<rules>:3:8: rule 'bad': prefix match pattern must be a string")


@pytest.mark.parametrize(
    "text, kind, line, column, rule",
    [
        ("[]", "not_rules", 1, 1, None),
        ('{"a": 5}', "not_rules", 1, 7, "a"),
        ('{"a": [1]}', "not_rules", 1, 7, "a"),
        ('{\n  "a": {"x": [1]},\n  "b" {"x": [1]}}', "syntax", 3, 7, None),
        ("", "syntax", 1, 1, None),
        (b'{"\xe9": {"a": [1]}}', "syntax", 1, 3, None),
    ],
)
def test_rules_file_errors(text, kind, line, column, rule):
    with pytest.raises(evmatch.RulesFileError) as info:
        evmatch.Machine.from_json(text)
    e = info.value
    assert isinstance(e, ValueError) and isinstance(e, evmatch.EvmatchError)
    assert (e.kind, e.line, e.column, e.rule, e.file) == (kind, line, column, rule)[:4] + ("<rules>",)
    assert e.code == {"syntax": 1, "not_rules": 2}[kind]
    assert str(e) == f"<rules>:{line}:{column}: {e.message}"


def test_rules_file_byte_order_mark_is_skipped_and_counted(tmp_path):
    """A UTF-8 byte order mark is skipped; error places still refer to the
    file as it is (3 more bytes on the first line)."""
    path = tmp_path / "bom.json"
    path.write_bytes(b'\xef\xbb\xbf{"x": {"a": [{"prefix": 1}]}}')
    with pytest.raises(evmatch.PatternError) as info:
        evmatch.Machine.from_file(path)
    assert (info.value.offset, info.value.line, info.value.column) == (27, 1, 28)
    path.write_bytes(b'\xef\xbb\xbf{"x" 1}')
    with pytest.raises(evmatch.RulesFileError) as info2:
        evmatch.Machine.from_file(path)
    assert (info2.value.line, info2.value.column) == (1, 9)
    path.write_bytes(b'\xef\xbb\xbf{"x": {"a": [1]}}')
    assert evmatch.Machine.from_file(path).rule_names == ["x"]


def test_rules_file_repeated_name_keeps_the_last():
    """As a JSON object (and evmatch match --rules): the last pattern wins;
    the constructor's pairs OR theirs instead."""
    m = evmatch.Machine.from_json('{"r": {"a": ["x"]}, "q": {"a": ["z"]}, "r": {"a": ["y"]}}')
    assert m.rule_names == ["q", "r"]
    assert m.matches('{"a": "x"}') == []
    assert m.matches('{"a": "y"}') == ["r"]


def test_rules_file_unsorted_names_give_sorted_results():
    """Rules keep the file's order in the library; results are sorted all
    the same."""
    m = evmatch.Machine.from_json('{"zz": {"a": [1]}, "mm": {"a": [1]}, "aa": {"b": [1]}}')
    assert m._names == ("zz", "mm", "aa") and not m._names_sorted
    assert m.rule_names == ["aa", "mm", "zz"]
    assert m.matches('{"a": 1, "b": 1}') == ["aa", "mm", "zz"]
    assert m.matches_many([b'{"a": 1, "b": 1}', b'{"a": 1}', b"{}"]) == [["aa", "mm", "zz"], ["mm", "zz"], []]


def test_from_json_inputs():
    text = '{"r": {"a": [1]}}'
    for form in (text, text.encode(), bytearray(text.encode()), memoryview(b"  " + text.encode())[2:]):
        assert evmatch.Machine.from_json(form).matches('{"a": 1}') == ["r"]
    with pytest.raises(TypeError):
        evmatch.Machine.from_json({"r": {"a": [1]}})  # type: ignore[arg-type]


def test_from_file_errors(tmp_path):
    with pytest.raises(OSError):
        evmatch.Machine.from_file(tmp_path / "missing.json")
    (tmp_path / "latin1.json").write_bytes(b'{"\xe9": {"a": [1]}}')
    with pytest.raises(evmatch.RulesFileError, match="latin1.json:1:3: not UTF-8"):
        evmatch.Machine.from_file(tmp_path / "latin1.json")


# -- trusted input -----------------------------------------------------------------

# Valid up to and past the rule's field, then cut short: a validating
# machine refuses it; a trusted one (whose promise this breaks) stops once
# every answer is settled, so it answers here.
CUT_SHORT = b'{"source": "aws.ec2", "detail": {"state": "stopped", "n": 500}, "x": [1, 2'


def test_trusted_input_mode():
    m = evmatch.Machine(RULES)
    t = evmatch.Machine(RULES, trusted_input=True)
    assert (m.trusted_input, t.trusted_input) == (False, True)
    events = [EVENT, b"{}", b'{"source": "aws.ec2"}', '{"detail": {"n": 101, "state": "running"}}']
    assert t.matches_many(events) == m.matches_many(events) == [m.matches(e) for e in events]
    with pytest.raises(evmatch.EventError):
        m.matches(CUT_SHORT)
    # The setting reaches the library: the trusted machine does not read
    # past the settled answer.
    assert t.matches(CUT_SHORT) == ["big", "ec2", "stopped"]


def test_trusted_input_broken_promise_is_safe():
    """Events that break the promise get unspecified answers, never a crash."""
    t = evmatch.Machine(RULES, trusted_input=True)
    bad = [b"", b"{", b"[1]", b'{"source": "aws.ec2", "source": "x"}', b'{"detail": {"n": 1e999999}}',
           b"\xff\xfe", b'{"detail": ' * 5000, b'{"a": "\\u12', CUT_SHORT[:20]]
    for e in bad:
        try:
            got = t.matches(e)
        except evmatch.EventError:
            continue
        assert set(got) <= set(RULES)
    got = t.matches_many(bad, errors="return")
    assert len(got) == len(bad)


def test_trusted_input_from_file(tmp_path):
    path = tmp_path / "r.json"
    path.write_text(json.dumps(RULES if False else {"ec2": {"source": ["aws.ec2"]}}))
    t = evmatch.Machine.from_file(path, trusted_input=True)
    assert t.trusted_input and not evmatch.Machine.from_file(path).trusted_input
    assert t.matches(CUT_SHORT) == ["ec2"]
    assert evmatch.Machine.from_json(path.read_text(), trusted_input=True).matches(CUT_SHORT) == ["ec2"]


# -- lifetime -------------------------------------------------------------------------


def test_close_and_context_manager():
    with evmatch.Machine(RULES) as m:
        assert not m.closed
        assert m.matches(EVENT)
    assert m.closed
    m.close()  # idempotent
    with pytest.raises(ValueError, match="closed"):
        m.matches(EVENT)
    with pytest.raises(ValueError, match="closed"):
        m.matches_many([EVENT])
    # Introspection still works on a closed machine.
    assert m.rule_names == ["big", "ec2", "stopped"] and len(m) == 3


def test_close_frees_the_scratch_space():
    m = evmatch.Machine(RULES)
    m.matches(EVENT)
    state = m._local.state
    assert state.scratch != _ffi.ffi.NULL
    m.close()
    assert state.scratch == _ffi.ffi.NULL
    assert m._ptr is None


def test_garbage_collection_frees_machines():
    for _ in range(200):
        m = evmatch.Machine(RULES)
        m.matches(EVENT)
        m.matches_many([EVENT] * 3)
        del m
    gc.collect()


# -- documentation ------------------------------------------------------------------------


def test_readme_example(capsys):
    """The example of bindings/python/README.md runs and prints what its comments say."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    code = re.search(r"```python\n(.*?)```", readme, re.S).group(1)
    exec(compile(code, "README.md", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    expected = re.findall(r"\)\)\s+# (.*)", code)
    assert printed == expected and len(expected) == 2
