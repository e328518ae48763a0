"""Machine.matches_arrow: Arrow arrays of strings or binaries in place
(every offsets width, slices, nulls, chunks, the PyCapsule interface),
results as list<string> arrays, invalid rows, malformed arrays refused
with a clear error, and the optional pyarrow dependency."""

from __future__ import annotations

import gc
import subprocess
import sys
import textwrap
from array import array

import pytest

import evmatch

pa = pytest.importorskip("pyarrow")
pc = pytest.importorskip("pyarrow.compute")

RULES = {
    "ec2": {"source": ["aws.ec2"]},
    "big": {"n": [{"numeric": [">", 1]}]},
}
EVENTS = ['{"source": "aws.ec2", "n": 5}', None, '{"n": 0}', "nope", '{"n": 2}', "[1]", '{"source": "aws.ec2"}']
WANT = [["big", "ec2"], None, [], None, ["big"], None, ["ec2"]]
TYPES = ["string", "large_string", "binary", "large_binary", "string_view", "binary_view"]


@pytest.fixture
def m():
    with evmatch.Machine(RULES) as machine:
        yield machine


def typed(events, name):
    t = getattr(pa, name)()
    if "binary" in name:
        events = [e if e is None else e.encode() for e in events]
    return pa.array(events, t)


@pytest.mark.parametrize("type_name", TYPES)
def test_every_type(m, type_name):
    got = m.matches_arrow(typed(EVENTS, type_name), errors="null")
    assert isinstance(got, pa.ListArray) and got.type == pa.list_(pa.string())
    assert got.to_pylist() == WANT


@pytest.mark.parametrize("type_name", TYPES)
def test_slices_keep_their_offset_and_nulls(m, type_name):
    arr = typed(EVENTS, type_name)
    for start in range(len(EVENTS)):
        for stop in range(start, len(EVENTS) + 1):
            got = m.matches_arrow(arr[start:stop], errors="null")
            assert got.to_pylist() == WANT[start:stop], (start, stop)


def test_results_agree_with_matches_many(m):
    events = [f'{{"source": "aws.{s}", "n": {n}}}' for s in ("ec2", "s3") for n in range(-3, 4)] * 50
    arr = pa.array(events)
    assert m.matches_arrow(arr).to_pylist() == m.matches_many(events)


def test_null_and_error_rows(m):
    arr = pa.array(EVENTS)
    got = m.matches_arrow(arr, errors="null")
    # Null input rows and invalid rows are both null; the input tells them apart.
    assert got.is_null().to_pylist() == [w is None for w in WANT]
    assert pc.is_null(arr).to_pylist() == [e is None for e in EVENTS]
    with pytest.raises(evmatch.EventError) as info:
        m.matches_arrow(arr)
    assert (info.value.index, info.value.kind, info.value.offset) == (3, "syntax", 1)
    # The index counts across chunks.
    with pytest.raises(evmatch.EventError) as info:
        m.matches_arrow(pa.chunked_array([EVENTS[:2], EVENTS[2:4], EVENTS[4:]]))
    assert info.value.index == 3
    with pytest.raises(ValueError, match="'raise' or 'null'"):
        m.matches_arrow(arr, errors="return")
    assert m.matches_arrow(pa.array([None, None], pa.string())).to_pylist() == [None, None]
    assert m.matches_arrow(pa.nulls(3)).to_pylist() == [None, None, None]


def test_chunked_and_empty(m):
    chunked = pa.chunked_array([EVENTS[:3], [], EVENTS[3:]], pa.string())
    got = m.matches_arrow(chunked, errors="null")
    assert isinstance(got, pa.ListArray) and got.to_pylist() == WANT
    assert m.matches_arrow(pa.chunked_array([], pa.string())).to_pylist() == []
    assert m.matches_arrow(pa.array([], pa.large_binary())).type == pa.list_(pa.string())


class _ArrayExporter:
    """An array from another library, through the Arrow PyCapsule interface."""

    def __init__(self, arr):
        self._arr = arr

    def __arrow_c_array__(self, requested_schema=None):
        return self._arr.__arrow_c_array__(requested_schema)


class _StreamExporter:
    def __init__(self, chunked):
        self._chunked = chunked

    def __arrow_c_stream__(self, requested_schema=None):
        return self._chunked.__arrow_c_stream__(requested_schema)


def test_pycapsule_interface(m):
    assert m.matches_arrow(_ArrayExporter(pa.array(EVENTS)), errors="null").to_pylist() == WANT
    stream = _StreamExporter(pa.chunked_array([EVENTS[:4], EVENTS[4:]], pa.large_string()))
    assert m.matches_arrow(stream, errors="null").to_pylist() == WANT
    # A record batch or table of one column stands for that column.
    batch = pa.record_batch([pa.array(EVENTS)], names=["event"])
    assert m.matches_arrow(batch, errors="null").to_pylist() == WANT
    assert m.matches_arrow(_ArrayExporter(batch), errors="null").to_pylist() == WANT
    assert m.matches_arrow(pa.table({"event": EVENTS}), errors="null").to_pylist() == WANT
    with pytest.raises(TypeError, match="one column"):
        m.matches_arrow(pa.table({"a": EVENTS, "b": EVENTS}))


def test_spark_style_record_batch_column(m):
    """What a mapInArrow function does per record batch: match one column,
    append the result as another."""
    batch = pa.record_batch([pa.array(range(len(EVENTS))), pa.array(EVENTS)], names=["id", "event"])
    out = batch.append_column("matches", m.matches_arrow(batch.column("event"), errors="null"))
    assert out.column("matches").to_pylist() == WANT and out.num_rows == len(EVENTS)


def test_sorted_names_when_ids_are_not_in_name_order():
    m = evmatch.Machine.from_json('{"zz": {"a": [1]}, "aa": {"b": [1]}, "mm": {"a": [1]}}')
    assert not m._names_sorted
    events = ['{"a": 1, "b": 1}', '{"b": 1}', "{}", '{"a": 1}', None] * 100
    want = [["aa", "mm", "zz"], ["aa"], [], ["mm", "zz"], None] * 100
    assert m.matches_arrow(pa.array(events)).to_pylist() == want


def test_results_own_their_memory(m):
    """The result does not alias the thread's id buffer, reused next call."""
    first = m.matches_arrow(pa.array(['{"source": "aws.ec2"}'] * 10))
    m.matches_arrow(pa.array(['{"n": 2}'] * 10))
    assert first.to_pylist() == [["ec2"]] * 10


def test_many_matches_grow_the_id_buffer():
    m = evmatch.Machine({f"r{i:03}": {"a": [1]} for i in range(300)})
    got = m.matches_arrow(pa.array(['{"a": 1}', '{"a": 2}'] * 2000))
    assert got.to_pylist() == [m.rule_names, []] * 2000


def test_trusted_input(m):
    t = evmatch.Machine(RULES, trusted_input=True)
    valid = [e for e in EVENTS if e is None or e.startswith("{")]
    assert t.matches_arrow(pa.array(valid)).to_pylist() == m.matches_arrow(pa.array(valid)).to_pylist()


def test_wrong_types(m):
    for bad in (pa.array([1, 2]), pa.array([["a"]]), pa.array(["a"]).dictionary_encode(),
                pa.array([{"x": 1}]), pa.array([1.5])):
        with pytest.raises(TypeError, match="strings or binaries"):
            m.matches_arrow(bad)
    for bad in ([b"{}"], b"{}", "{}", None, 7):
        with pytest.raises(TypeError, match="Array"):
            m.matches_arrow(bad)


# -- malformed arrays: refused with a clear error, never a crash -----------------------


def _buf(code, values):
    return pa.py_buffer(array(code, values).tobytes())


def _hand_built(offsets, data=b'{"n": 2}{"n": 3}', length=None, code="i", t=None, validity=None, offset=0):
    t = t or (pa.string() if code == "i" else pa.large_string())
    n = len(offsets) - 1 if length is None else length
    return pa.Array.from_buffers(t, n, [validity, _buf(code, offsets), pa.py_buffer(data)], offset=offset)


def _refused(m, build):
    """Builds a malformed array and matches it: either pyarrow refuses to
    build it (its own checks), or matches_arrow refuses it with a clear
    ValueError; never a crash, never an answer."""
    try:
        arr = build()
    except pa.ArrowInvalid:
        return "pyarrow"
    with pytest.raises(ValueError, match="malformed Arrow array"):
        m.matches_arrow(arr)
    return "evmatch"


@pytest.mark.parametrize("code", ["i", "q"])
@pytest.mark.parametrize(
    "offsets, who",
    [
        ([0, 8, 4], "evmatch"),  # decreasing
        ([0, 17, 16], "evmatch"),  # in the middle, beyond the data
        ([0, -1, 16], "evmatch"),  # in the middle, negative
        ([0, 2**31 - 1, 16], "evmatch"),  # in the middle, far beyond
        ([9, 8, 16], "evmatch"),  # the first above the second
        ([0, 8, 17], None),  # the last beyond the data
        ([-1, 8, 16], None),  # the first negative
    ],
)
def test_bad_offsets_are_refused(m, code, offsets, who):
    got = _refused(m, lambda: _hand_built(offsets, code=code))
    assert who is None or got == who
    # Sliced: still refused when the bad part is inside the slice.
    _refused(m, lambda: _hand_built(offsets, code=code).slice(0, 2))


def test_good_hand_built_arrays(m):
    assert m.matches_arrow(_hand_built([0, 8, 16])).to_pylist() == [["big"], ["big"]]
    assert m.matches_arrow(_hand_built([0, 8, 16], code="q")).to_pylist() == [["big"], ["big"]]
    # A first offset above 0, and an array offset.
    assert m.matches_arrow(_hand_built([8, 16], data=b'{"n": 0}{"n": 3}')).to_pylist() == [["big"]]
    arr = _hand_built([0, 8, 16], length=1, offset=1)
    assert m.matches_arrow(arr).to_pylist() == [["big"]]


class _Stub:
    """Quacks like a pyarrow array of strings with whatever buffers it is
    given: what a producer that skips pyarrow's checks could hand over."""

    def __init__(self, length, buffers, offset=0, type_=None):
        self.type = type_ or pa.string()
        self._buffers = buffers
        self.offset = offset
        self._length = length

    def __len__(self):
        return self._length

    def buffers(self):
        return self._buffers


def test_buffers_too_small_for_the_length(m):
    """pyarrow checks buffer sizes when it builds an array; the binding
    checks them again before any pointer reaches the library."""
    data = pa.py_buffer(b'{"n": 2}{"n": 3}')
    # 3 rows claimed, 2 offsets given.
    assert _refused(m, lambda: _hand_built([0, 8], length=3)) == "pyarrow"
    with pytest.raises(ValueError, match="offsets buffer holds 2 offsets, 4 needed"):
        evmatch._arrow.Chunk(pa, _Stub(3, [None, _buf("i", [0, 8]), data]))
    # An array offset that pushes past the offsets buffer.
    with pytest.raises(ValueError, match="offsets buffer holds 3 offsets, 4 needed"):
        evmatch._arrow.Chunk(pa, _Stub(2, [None, _buf("i", [0, 8, 16]), data], offset=1))
    # A validity bitmap too short for the rows (1 byte, 20 rows).
    offs = _buf("i", list(range(0, 21)))
    with pytest.raises(ValueError, match="validity bitmap holds 8 bits, 20 needed"):
        evmatch._arrow.Chunk(pa, _Stub(20, [pa.py_buffer(b"\xff"), offs, pa.py_buffer(b"x" * 20)]))
    with pytest.raises(ValueError, match="needs a validity, an offsets and a data buffer"):
        evmatch._arrow.Chunk(pa, _Stub(2, [None, None, data]))
    # 64-bit offsets are counted in 8-byte units.
    with pytest.raises(ValueError, match="offsets buffer holds 1 offsets, 3 needed"):
        evmatch._arrow.Chunk(pa, _Stub(2, [None, _buf("i", [0, 8]), data], type_=pa.large_string()))
    # What passes the checks goes to the library, which checks the offsets.
    chunk = evmatch._arrow.Chunk(pa, _Stub(2, [None, _buf("i", [0, 8, 16]), data]))
    assert chunk.n == 2 and not chunk.wide
    chunk.release()


def test_misaligned_offsets_are_refused(m):
    raw = b"\x00" + array("i", [0, 8, 16]).tobytes()
    misaligned = pa.py_buffer(raw).slice(1)
    arr = pa.Array.from_buffers(pa.string(), 2, [None, misaligned, pa.py_buffer(b'{"n": 2}{"n": 3}')])
    try:
        got = m.matches_arrow(arr)
    except ValueError as e:
        assert "aligned" in str(e)
    else:  # pyarrow realigned it on the way
        assert got.to_pylist() == [["big"], ["big"]]


def test_garbage_cycles_do_not_crash(m):
    arr = pa.array(["nope"])
    for _ in range(200):
        try:
            m.matches_arrow(arr)
        except evmatch.EventError as e:
            e.cycle = e  # type: ignore[attr-defined]
        try:
            m.matches_arrow(_hand_built([0, 8, 4]))
        except ValueError as e:
            e.cycle = e  # type: ignore[attr-defined]
    gc.collect()


def test_closed_machine(m):
    m.close()
    with pytest.raises(ValueError, match="closed"):
        m.matches_arrow(pa.array(["{}"]))


# -- pyarrow is optional -----------------------------------------------------------------


def test_import_and_matching_without_pyarrow():
    """evmatch imports and works without pyarrow; matches_arrow then says
    how to install it."""
    code = textwrap.dedent(
        """
        import sys
        sys.modules["pyarrow"] = None  # as if not installed
        import evmatch
        m = evmatch.Machine({"r": {"a": [1]}})
        assert m.matches(b'{"a": 1}') == ["r"]
        assert m.matches_lines(b'{"a": 1}') == [("r",)]
        try:
            m.matches_arrow(object())
        except ImportError as e:
            assert 'pip install "evmatch[arrow]"' in str(e), str(e)
            print("ok")
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "ok", out.stderr
    assert "pyarrow" not in subprocess.run(
        [sys.executable, "-c", "import sys, evmatch; print(sorted(sys.modules))"], capture_output=True, text=True
    ).stdout


def test_readme_arrow_example(capsys):
    """The Arrow example of bindings/python/README.md prints what its
    comment says."""
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    code = next(c for c in re.findall(r"```python\n(.*?)```", readme, re.S) if "matches_arrow(events" in c)
    exec(compile(code, "README.md", "exec"), {})
    assert capsys.readouterr().out.splitlines() == re.findall(r"\)\)\s+# (.*)", code)
