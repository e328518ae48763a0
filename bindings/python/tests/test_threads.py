"""One machine shared by several threads: results, scratch per thread, the
GIL released during matching, and close() while other threads match."""

from __future__ import annotations

import gc
import json
import threading
import time

import pytest

import evmatch

RULES = {f"n{i}": {"n": [{"numeric": [">=", i * 10]}]} for i in range(20)}
RULES.update({f"s{i}": {"s": [{"prefix": f"v{i}"}]} for i in range(20)})


def make_events(k: int) -> list[bytes]:
    return [json.dumps({"n": (i * 7) % 250, "s": f"v{i % 23}-{i}"}).encode() for i in range(k)]


def run_threads(n: int, target) -> None:
    threads = [threading.Thread(target=target, args=(t,)) for t in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def test_threads_share_a_machine():
    m = evmatch.Machine(RULES)
    events = make_events(2000)
    want = [m.matches(e) for e in events]
    errors: list[BaseException] = []
    scratches = set()

    def work(t: int) -> None:
        try:
            for rnd in range(5):
                if (t + rnd) % 2:
                    assert m.matches_many(events) == want
                else:
                    assert [m.matches(e) for e in events] == want
            scratches.add(m._local.state.scratch)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    run_threads(8, work)
    assert not errors, errors
    # Each thread had its own scratch.
    assert len(scratches) == 8
    m.close()


def test_thread_scratch_is_freed_when_the_thread_ends():
    m = evmatch.Machine(RULES)
    m.matches(b"{}")
    run_threads(4, lambda t: m.matches(b'{"n": 5}'))
    gc.collect()
    assert len(m._states) == 1  # only this thread's
    m.close()


def _batch_call(kind: str, m: evmatch.Machine, events: list[bytes]):
    """One batch call over `events`, as `kind` hands them to the library."""
    if kind == "matches_many":
        return lambda: m.matches_many(events)
    if kind == "matches_lines":
        buf = b"\n".join(events)
        return lambda: m.matches_lines(buf)
    pa = pytest.importorskip("pyarrow")
    arr = pa.array(events, pa.binary())
    return lambda: m.matches_arrow(arr)


@pytest.mark.parametrize("kind", ["matches_many", "matches_lines", "matches_arrow"])
def test_gil_is_released_during_matching(kind):
    """While one thread is inside a long batch call (evm_match_batch_*,
    evm_match_lines), another thread keeps running Python code (cffi
    releases the GIL around C calls)."""
    m = evmatch.Machine(RULES)
    big = json.dumps({"n": 5, "pad": [{"x": i, "s": f"v{i}"} for i in range(20000)]}).encode()
    events = [big] * 30
    while True:  # a batch that takes at least 0.3 s in C on this machine
        call = _batch_call(kind, m, events)
        start = time.perf_counter()
        call()
        single = time.perf_counter() - start
        if single >= 0.3 or len(events) >= 30 * 2**8:
            break
        events = events * 2
    if single < 0.1:
        pytest.skip(f"batch too fast to measure ({single:.3f} s)")

    done = threading.Event()
    in_c = threading.Event()

    def matcher(_t: int) -> None:
        in_c.set()
        call()
        done.set()

    thread = threading.Thread(target=matcher, args=(0,))
    thread.start()
    in_c.wait()
    ticks, gap, last = 0, 0.0, time.perf_counter()
    while not done.is_set():
        now = time.perf_counter()
        gap = max(gap, now - last)
        last = now
        ticks += 1
    thread.join()
    # With the GIL held for the whole C call, this loop would stall for about
    # `single` seconds; with it released it keeps spinning.
    assert gap < single / 2, (gap, single)
    assert ticks > 1000
    m.close()


def test_close_while_other_threads_match():
    m = evmatch.Machine(RULES)
    events = make_events(500)
    want = m.matches_many(events)
    started = threading.Barrier(5)
    results: list[str] = []

    def work(t: int) -> None:
        started.wait()
        try:
            while True:
                got = m.matches_many(events) if t % 2 else [m.matches(e) for e in events]
                assert got == want
        except ValueError as e:
            results.append(str(e))

    threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
    for t in threads:
        t.start()
    started.wait()
    time.sleep(0.2)
    m.close()
    for t in threads:
        t.join()
    assert results == ["the machine is closed"] * 4
    assert m._ptr is None and m._users == 0


def test_scratch_is_not_shared_between_threads():
    """A machine used from a thread pool: every result is right, whatever
    thread runs it."""
    from concurrent.futures import ThreadPoolExecutor

    m = evmatch.Machine(RULES)
    events = make_events(300)
    want = [m.matches(e) for e in events]
    with ThreadPoolExecutor(max_workers=6) as pool:
        got = list(pool.map(m.matches, events * 10))
        batches = list(pool.map(m.matches_many, [events] * 12))
    assert got == want * 10
    assert batches == [want] * 12
    m.close()
