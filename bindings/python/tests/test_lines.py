"""Machine.matches_lines: JSON Lines buffers in one evm_match_lines call
(line splitting, input types, errors and line numbers, the room estimate
and its retry, agreement with matches_many)."""

from __future__ import annotations

import gc
import mmap
from array import array

import pytest

import evmatch
from conftest import REPO
from evmatch import _batch

RULES = {
    "ec2": {"source": ["aws.ec2"]},
    "big": {"n": [{"numeric": [">", 1]}]},
}
ALL = ("big", "ec2")


@pytest.fixture
def m():
    with evmatch.Machine(RULES) as machine:
        yield machine


def test_lines_blank_lines_and_line_ends(m):
    buf = b'{"source": "aws.ec2", "n": 5}\r\n\n  \t\n{"n": 0}\r\n\r\n{"n": 2}'
    assert m.matches_lines(buf) == [ALL, (), ("big",)]
    assert m.matches_lines(buf, with_lines=True) == ([ALL, (), ("big",)], [1, 4, 6])
    assert m.matches_lines(buf + b"\n") == [ALL, (), ("big",)]
    assert m.matches_lines(b"") == [] and m.matches_lines(b"\n \n\r\n") == []
    assert m.matches_lines(b"", with_lines=True) == ([], [])
    # A \r that does not end a line belongs to the event (JSON white space).
    assert m.matches_lines(b'{"n": 2}\r \n{"n": 3}') == [("big",), ("big",)]


def test_lines_input_types(m, tmp_path):
    text = b'{"source": "aws.ec2"}\nnot json\n{"n": 9}\n'
    want = [("ec2",), None, ("big",)]
    path = tmp_path / "events.jsonl"
    path.write_bytes(text)
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        assert m.matches_lines(mm, errors="null") == want
    forms = [text, bytearray(text), memoryview(b"xx" + text + b"yy")[2:-2], array("B", text),
             memoryview(text).cast("c"), text.decode()]
    for form in forms:
        assert m.matches_lines(form, errors="null") == want, type(form)
    with pytest.raises(TypeError, match="buffer"):
        m.matches_lines(7)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        m.matches_lines([text])  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        m.matches_lines(memoryview(text)[::2])  # not contiguous


def test_lines_errors_with_line_numbers(m):
    buf = b'{"n": 2}\n\n[1]\n{"n": 3}\n{"n": \n'
    with pytest.raises(evmatch.EventError) as info:
        m.matches_lines(buf)
    e = info.value
    assert (e.index, e.line, e.kind, e.offset) == (1, 3, "not_an_object", 0)
    assert str(e).startswith("line 3: ")
    got = m.matches_lines(buf, errors="return")
    assert got[0] == ("big",) and got[2] == ("big",)
    assert isinstance(got[1], evmatch.EventError) and (got[1].index, got[1].line) == (1, 3)
    assert isinstance(got[3], evmatch.EventError) and (got[3].index, got[3].line) == (3, 5)
    assert (got[3].kind, got[3].offset) == ("syntax", 6)
    assert m.matches_lines(buf, errors="null", with_lines=True) == ([("big",), None, ("big",), None], [1, 3, 4, 5])
    with pytest.raises(ValueError):
        m.matches_lines(buf, errors="ignore")  # type: ignore[call-overload]


def test_lines_agree_with_matches_many(repo=REPO):
    m = evmatch.Machine.from_file(repo / "examples" / "rules.json")
    for name in ("events.jsonl", "bad-events.jsonl"):
        data = (repo / "examples" / name).read_bytes()
        lines = [line for line in data.split(b"\n") if line.strip()]
        got, numbers = m.matches_lines(data, errors="return", with_lines=True)
        want = m.matches_many(lines, errors="return")
        assert [list(g) if isinstance(g, tuple) else (g.index, g.message, g.offset) for g in got] == [
            w if isinstance(w, list) else (w.index, w.message, w.offset) for w in want
        ]
        assert numbers == [i + 1 for i, line in enumerate(data.split(b"\n")) if line.strip()]
    bad = (repo / "examples" / "bad-events.jsonl").read_bytes()
    with pytest.raises(evmatch.EventError) as info:
        m.matches_lines(bad)
    assert (info.value.line, info.value.offset, info.value.message) == (2, 269, "Unexpected end of input")


def test_lines_room_estimate_and_retry(m, monkeypatch):
    """Large buffers get an estimated number of events from samples; when
    the samples mislead, the call reports what it needs and is made again;
    the answers are the same."""
    short = b'{"n": 2}\n'
    long_line = b'{"source": "aws.ec2", "pad": "' + b"x" * 300 + b'"}\n'
    # Long lines where the samples fall, short ones everywhere else.
    monkeypatch.setattr(_batch, "_LINES_SAMPLE", 512)
    buf = long_line * 4 + short * 3000 + long_line * 4 + short * 3000 + long_line * 4
    n = buf.count(b"\n")
    assert _batch._lines_cap(evmatch._ffi.ffi.from_buffer(buf), len(buf)) < n
    got = m.matches_lines(buf)
    assert len(got) == n and got[:4] == [("ec2",)] * 4 and got[4] == ("big",) and got[-1] == ("ec2",)
    assert list(map(list, got)) == m.matches_many([line for line in buf.split(b"\n") if line])
    # Small buffers are counted exactly.
    monkeypatch.undo()
    assert _batch._lines_cap(evmatch._ffi.ffi.from_buffer(short * 10), len(short) * 10) == 11


def test_lines_few_matches_and_room_to_spare(m):
    """More room than events (blank lines are counted in the estimate) and
    few matches (the sparse result path): each match at its own event."""
    buf = b'{"n": 0}\n\n\n' * 50 + b'{"n": 5}\n' + b'{"n": 0}\n\n' * 50 + b'{"source": "aws.ec2"}\n\n\n\n'
    got = m.matches_lines(buf)
    assert len(got) == 102
    assert got[50] == ("big",) and got[101] == ("ec2",)
    assert sum(map(len, got)) == 2


def test_lines_grow_the_id_buffer():
    m = evmatch.Machine({f"r{i:03}": {"a": [1]} for i in range(300)})
    buf = b'{"a": 1}\n{"a": 2}\n' * 2000
    got = m.matches_lines(buf)
    assert got == [tuple(m.rule_names), ()] * 2000
    assert m._local.state.batch_cap >= 300 * 2000


def test_lines_unsorted_rule_order_and_trusted():
    m = evmatch.Machine.from_json('{"zz": {"a": [1]}, "aa": {"b": [1]}}', trusted_input=True)
    assert m.matches_lines(b'{"a": 1, "b": 1}\n{"b": 1}') == [("aa", "zz"), ("aa",)]


def test_lines_closed_machine(m):
    m.close()
    with pytest.raises(ValueError, match="closed"):
        m.matches_lines(b"{}")


def test_lines_memoryview_errors_in_garbage_cycles_do_not_crash(m):
    for _ in range(300):
        try:
            m.matches_lines(memoryview(b"{}\nnope\n"))
        except evmatch.EventError as e:
            e.cycle = e  # type: ignore[attr-defined]
    gc.collect()
