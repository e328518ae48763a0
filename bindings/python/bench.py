#!/usr/bin/env python3
"""Throughput of the Python binding on CityLots events, next to moto and the
Rust API (the `evmatch bench` CLI), on the same events.

For each rule set (default: exact, numeric) it prints events/s for

* ``Machine.matches`` called in a Python loop, one event at a time;
* ``Machine.matches_many`` over batches of ``--batch`` events (a list of
  ``bytes`` per call, joined into parts for ``evm_match_batch_offsets64``);
* ``Machine.matches_lines`` over the events as one JSON Lines buffer (one
  ``evm_match_lines`` call, read in place);
* ``Machine.matches_arrow`` over the events as one ``pyarrow`` binary array
  (one ``evm_match_batch_offsets32`` call; skipped without pyarrow);
* moto's ``moto.events.models.EventPattern`` (``EventPattern.load(text)``
  per rule, ``matches_event(dict)`` per rule and event; the ``json.loads`` of
  each event is included, since moto needs dicts), on the first
  ``--moto-events`` events (default 2,000: moto is slow);
* the Rust API, from ``target/release/evmatch bench --rules R EVENTS
  --iterations 1 --jobs 1`` (``Machine::find`` with a reused scratch, one
  thread), on the same events with the same rules: the same work as the
  binding's calls, which match on the calling thread.

The heap left by start-up (moto's import above all) is frozen with
``gc.freeze()`` before timing, and each measurement starts from a
``gc.collect()``. The binding's faces and the Rust API take turns in
``--repeat`` rounds (the best round of each is kept), so that load from
other processes hits them alike; moto runs in rounds of its own
afterwards, so that the objects it makes and drops do not sit between the
binding's measurements. The events file the CLI maps is written afresh
for each run. The script checks that every engine found
the same number of matches (exit status 1 if not) and prints the ratios
``matches_many / moto`` and ``Rust / X`` for ``matches_many``,
``matches_lines`` and ``matches_arrow``. The inputs of each call (the list
of bytes, the buffer, the Arrow array) are made before timing, as the Rust
side holds its events in memory. ``matches_many`` and ``matches_lines``
are timed from the call to the release of its result, which is complete
when the call returns (lists of lists, lists of tuples); their matches are
counted from untimed calls.

With ``--limit 0`` (the whole generated file) the totals are also checked
against ``benches/citylots/expected-counts.json``, the counts of the
EventBridge reference library.

Usage (in a venv with evmatch[arrow] installed, and moto for the moto
column):
    python bindings/python/bench.py [--rules-dir DIR] [--events FILE]
        [--limit 50000] [--sets exact,numeric] [--batch 10000]
        [--moto-events 2000] [--repeat 5] [--cli PATH]
Defaults: the rule sets of ``benches/citylots/rules/``, and the events of
``${CARGO_TARGET_DIR:-target}/bench-data/citylots2.jsonl``, which is
generated first if missing (``cargo run --release --example gen_citylots --
FILE``). Environment: EVMATCH_BENCH_RULES, EVMATCH_BENCH_EVENTS, EVMATCH_CLI
give the defaults of --rules-dir, --events and --cli. Without --cli the CLI
is built with `nice -n 10 cargo build --release` in the repository root.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Optional

import evmatch

REPO = Path(__file__).resolve().parents[2]
KIT = REPO / "benches" / "citylots"


def target_dir() -> Path:
    """Cargo's target directory: $CARGO_TARGET_DIR (relative to the
    repository root when relative), else <repo>/target."""
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    return target if target.is_absolute() else REPO / target


def default_events() -> Path:
    """The generated CityLots events; generated now if missing."""
    path = target_dir() / "bench-data" / "citylots2.jsonl"
    if not path.is_file():
        cmd = ["nice", "-n", "10", "cargo", "run", "--release", "--quiet", "--example", "gen_citylots", "--", str(path)]
        print("generating the events:", " ".join(cmd), file=sys.stderr, flush=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(cmd, cwd=REPO, check=True)
    return path


def time_matches(m: evmatch.Machine, events: list[bytes]) -> tuple[float, int]:
    matches = m.matches
    total = 0
    gc.collect()
    start = time.perf_counter()
    for e in events:
        total += len(matches(e))
    return time.perf_counter() - start, total


def time_matches_many(m: evmatch.Machine, batches: list[list[bytes]]) -> tuple[float, int]:
    """The time of the calls (each result made and dropped), and the
    number of matches from untimed calls."""
    matches_many = m.matches_many
    gc.collect()
    start = time.perf_counter()
    for b in batches:
        matches_many(b)
    secs = time.perf_counter() - start
    return secs, sum(sum(map(len, matches_many(b))) for b in batches)


def time_matches_lines(m: evmatch.Machine, buf: bytes) -> tuple[float, int]:
    """As time_matches_many, for one matches_lines call."""
    gc.collect()
    start = time.perf_counter()
    m.matches_lines(buf)
    secs = time.perf_counter() - start
    return secs, sum(map(len, m.matches_lines(buf)))


def time_matches_arrow(m: evmatch.Machine, arr: Any) -> tuple[float, int]:
    import pyarrow.compute as pc

    gc.collect()
    start = time.perf_counter()
    result = m.matches_arrow(arr)
    secs = time.perf_counter() - start
    return secs, int(pc.sum(pc.list_value_length(result)).as_py() or 0)


def arrow_array(events: list[bytes]) -> tuple[Optional[Any], str]:
    """The events as a pyarrow binary array, or None and the reason."""
    try:
        import pyarrow as pa
    except ImportError:
        return None, 'pyarrow not installed (pip install "evmatch[arrow]")'
    return pa.array(events, pa.binary()), ""


def load_moto(rules: dict[str, Any]) -> tuple[Optional[list[Any]], str]:
    """moto's compiled patterns, or None and the reason."""
    try:
        from moto.events.models import EventPattern
    except ImportError:
        return None, "moto not installed"
    try:
        return [EventPattern.load(json.dumps(p)) for p in rules.values()], ""
    except Exception as e:  # noqa: BLE001 - reported in the table
        return None, f"moto cannot load the rules: {e}"


def time_moto(patterns: list[Any], events: list[bytes]) -> tuple[float, int]:
    """moto takes dicts: the json.loads of each event is part of its time."""
    loads = json.loads
    total = 0
    gc.collect()
    start = time.perf_counter()
    for e in events:
        event = loads(e)
        for p in patterns:
            if p.matches_event(event):
                total += 1
    return time.perf_counter() - start, total


def run_cli(cli: Path, rules_path: Path, events_file: str) -> tuple[float, int]:
    """One `evmatch bench` pass: (events/s, matches)."""
    out = subprocess.run(
        [str(cli), "bench", "--rules", str(rules_path), events_file, "--iterations", "1", "--jobs", "1"],
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    ).stdout
    rate = re.search(r"events/s:\s+(\d+)", out)
    matches = re.search(r"matches per pass:\s+(\d+)", out)
    if not rate or not matches:
        raise SystemExit(f"cannot read the output of {cli} bench:\n{out}")
    return float(rate.group(1)), int(matches.group(1))


def find_cli(arg: Optional[str]) -> Path:
    if arg:
        return Path(arg)
    print("building the CLI: nice -n 10 cargo build --release", file=sys.stderr, flush=True)
    subprocess.run(["nice", "-n", "10", "cargo", "build", "--release", "--quiet"], cwd=REPO, check=True)
    return target_dir() / "release" / "evmatch"


def fmt(x: Optional[float]) -> str:
    return "n/a" if x is None else f"{x:,.0f}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rules-dir", default=os.environ.get("EVMATCH_BENCH_RULES", str(KIT / "rules")))
    ap.add_argument(
        "--events",
        default=os.environ.get("EVMATCH_BENCH_EVENTS"),
        help="JSON Lines events (default: the generated CityLots file)",
    )
    ap.add_argument("--expected", default=str(KIT / "expected-counts.json"), help="expected match counts")
    ap.add_argument("--limit", type=int, default=50_000, help="use the first N events (default 50000; 0: all)")
    ap.add_argument("--sets", default="exact,numeric", help="comma-separated rule set names")
    ap.add_argument("--batch", type=int, default=10_000, help="events per matches_many call")
    ap.add_argument("--moto-events", type=int, default=2_000, help="events for moto (0: skip moto)")
    ap.add_argument("--repeat", type=int, default=5, help="rounds per measurement (best is kept)")
    ap.add_argument("--cli", default=os.environ.get("EVMATCH_CLI"), help="path of the evmatch CLI")
    args = ap.parse_args()
    if args.events is None:
        args.events = str(default_events())

    events: list[bytes] = []
    with open(args.events, "rb") as f:
        for line in f:
            line = line.rstrip(b"\r\n")
            if line.strip():
                events.append(line)
                if len(events) == args.limit:
                    break
    nbytes = sum(map(len, events))
    expected = json.loads(Path(args.expected).read_text()) if Path(args.expected).is_file() else {}
    # The expected counts are those of the whole generated file.
    want_totals = expected.get("total_matches", {}) if len(events) == expected.get("events") else {}
    cli = find_cli(args.cli)
    print(f"evmatch {evmatch.__version__}; {len(events):,} events ({nbytes / len(events):.0f} bytes each) "
          f"from {args.events}; Python {sys.version.split()[0]}")

    # The engines take turns within each round, so that load from other
    # processes affects them alike; the best round of each is kept.
    events_file = tempfile.NamedTemporaryFile("wb", suffix=".jsonl", delete=False)
    events_file.write(b"\n".join(events) + b"\n")
    events_file.close()
    batches = [events[i : i + args.batch] for i in range(0, len(events), args.batch)]
    buf = b"\n".join(events) + b"\n"
    arr, arrow_note = arrow_array(events)
    rows = []
    failed = False
    try:
        for name in args.sets.split(","):
            rules_path = Path(args.rules_dir) / f"{name}.json"
            rules = json.loads(rules_path.read_text())
            m = evmatch.Machine.from_file(rules_path)
            m.matches_many(batches[0])  # warm up: this thread's scratch and buffers
            m.matches(events[0])
            moto_events = events[: args.moto_events]
            patterns, note = load_moto(rules) if moto_events else (None, "")
            # Importing moto (boto3, botocore) leaves hundreds of thousands
            # of objects that every full collection of the cyclic garbage
            # collector then scans, taxing whatever allocates many objects
            # (the result lists) by up to a third. Freeze the start-up heap,
            # as long-running services do, so that each column measures its
            # own cost.
            gc.collect()
            gc.freeze()
            best = {k: float("inf") for k in ("single", "many", "lines", "arrow", "moto")}
            counts: dict[str, int] = {}
            rust = 0.0
            for _ in range(args.repeat):
                secs, counts["matches_many"] = time_matches_many(m, batches)
                best["many"] = min(best["many"], secs)
                rate, counts["Rust"] = run_cli(cli, rules_path, events_file.name)
                rust = max(rust, rate)
                secs, counts["matches_lines"] = time_matches_lines(m, buf)
                best["lines"] = min(best["lines"], secs)
                if arr is not None:
                    secs, counts["matches_arrow"] = time_matches_arrow(m, arr)
                    best["arrow"] = min(best["arrow"], secs)
                secs, counts["matches"] = time_matches(m, events)
                best["single"] = min(best["single"], secs)
            # moto in rounds of its own: the objects it makes and drops
            # (json.loads of every event, flattened copies) would otherwise
            # sit in the heap and the collector's counts between the
            # binding's measurements.
            for _ in range(args.repeat if patterns is not None else 0):
                secs, moto_total = time_moto(patterns, moto_events)
                best["moto"] = min(best["moto"], secs)
            rates = {k: len(events) / v for k, v in best.items() if k != "moto" and v != float("inf")}
            moto = len(moto_events) / best["moto"] if patterns is not None else None
            # The same number of matches everywhere (moto on its subset).
            if moto is not None:
                want = sum(len(x) for x in m.matches_many(moto_events))
                if moto_total != want:
                    note = f"moto found {moto_total} matches, evmatch {want} (moto is wrong here)"
            if len(set(counts.values())) != 1:
                failed = True
                note += " COUNT MISMATCH: " + ", ".join(f"{k} {v}" for k, v in counts.items())
            n_many = counts["matches_many"]
            if name in want_totals and n_many != want_totals[name]:
                failed = True
                note += f" COUNT MISMATCH: {n_many} matches, {want_totals[name]} expected ({args.expected})"
            rows.append((name, len(rules), n_many, rates, moto, len(moto_events), rust, note))
            m.close()
    finally:
        os.unlink(events_file.name)

    print()
    print("| rule set | rules | matches | `matches` loop ev/s | `matches_many` ev/s | `matches_lines` ev/s "
          "| `matches_arrow` ev/s | moto ev/s (events) | Rust API ev/s | many / moto "
          "| Rust / many | Rust / lines | Rust / arrow |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, nrules, nmatch, rates, moto, nmoto, rust, note in rows:
        vs_moto = f"{rates['many'] / moto:,.0f}x" if moto else "n/a"

        def vs_rust(key: str) -> str:
            return f"{rust / rates[key]:.2f}x" if key in rates else "n/a"

        print(f"| {name} | {nrules} | {nmatch} | {fmt(rates.get('single'))} | {fmt(rates.get('many'))} "
              f"| {fmt(rates.get('lines'))} | {fmt(rates.get('arrow'))} | {fmt(moto)} ({nmoto:,}) "
              f"| {fmt(rust)} | {vs_moto} | {vs_rust('many')} | {vs_rust('lines')} | {vs_rust('arrow')} |")
    if arrow_note:
        print(f"note: matches_arrow skipped: {arrow_note}")
    for row in rows:
        if row[-1]:
            print(f"note ({row[0]}): {row[-1].strip()}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
