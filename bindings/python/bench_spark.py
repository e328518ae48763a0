#!/usr/bin/env python3
"""Throughput of evmatch.spark.with_matches in a local Spark session, next
to the command-line tool, on the same CityLots events.

For each rule set (default: exact, numeric, complex-arrays) it times, in
``--rounds`` alternating rounds:

* the CLI: ``evmatch match --rules R --jobs J FILE`` (release build),
  whole-process wall time from start to exit, its output written to a
  file;
* Spark: one job, ``with_matches(spark.read.text(FILE), "value",
  R).write.format("noop").mode("overwrite").save()``: read the file,
  hand each Arrow batch to a Python worker, match, and return the column
  to the JVM; the noop sink then drops the rows. Timed from the action's
  call to its return. Not counted: the session's start-up, and
  ``--warmup`` untimed rounds of every Spark job (they start the Python
  workers, compile the rules in each worker, count the matches, and let
  the JVM compile its hot paths);
* two Spark baselines, timed alike: the file read alone (``noop`` write of
  ``spark.read.text(FILE)``) and an identity ``mapInArrow`` (the batches
  go to Python and back unchanged), which tell what the JVM and the
  Arrow transport cost without matching.

The rounds are taken in turn (each round times every measurement
once). The best and the median round are printed, in events per second. The
numbers of matches are checked against the CLI's ``--count`` (exit status
1 if they differ).

Usage (in a venv with ``evmatch[spark]`` installed, Java 17+):
    python bindings/python/bench_spark.py [--events 100000] [--sets exact,numeric]
        [--rounds 5] [--jobs 2] [--master local[2]] [--batch 10000]
The events are generated with ``cargo run --release --example
gen_citylots -- FILE N`` in a temporary folder, and the CLI built with
``cargo build --release`` (both niced).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any, Callable

REPO = Path(__file__).resolve().parents[2]
RULES = REPO / "benches" / "citylots" / "rules"


def target_dir() -> Path:
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    return target if target.is_absolute() else REPO / target


def cargo(*args: str) -> None:
    subprocess.run(["nice", "-n", "10", "cargo", *args], cwd=REPO, check=True)


def timed(action: Callable[[], Any]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--sets", default="exact,numeric,complex-arrays")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=3, help="untimed rounds of every Spark job first")
    ap.add_argument("--jobs", type=int, default=2, help="the CLI's --jobs")
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--batch", type=int, default=None, help="spark.sql.execution.arrow.maxRecordsPerBatch")
    args = ap.parse_args()

    os.environ["PYSPARK_PYTHON"] = sys.executable
    warnings.filterwarnings("ignore", category=FutureWarning)
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    from evmatch import spark as evs

    tmp = Path(tempfile.mkdtemp(prefix="evmatch-bench-spark."))
    events = tmp / "events.jsonl"
    cargo("run", "--quiet", "--release", "--example", "gen_citylots", "--", str(events), str(args.events))
    cargo("build", "--quiet", "--release", "--bin", "evmatch")
    cli = target_dir() / "release" / "evmatch"

    builder = (
        SparkSession.builder.master(args.master)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
    )
    if args.batch:
        builder = builder.config("spark.sql.execution.arrow.maxRecordsPerBatch", str(args.batch))
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    df = spark.read.text(str(events))
    print(f"{args.events:,} events ({events.stat().st_size:,} bytes), Spark {spark.version} on {args.master}, "
          f"{df.rdd.getNumPartitions()} partitions, maxRecordsPerBatch "
          f"{spark.conf.get('spark.sql.execution.arrow.maxRecordsPerBatch')}, CLI --jobs {args.jobs}")

    def noop(frame: Any) -> Callable[[], None]:
        return lambda: frame.write.format("noop").mode("overwrite").save()

    def identity(batches: Any) -> Any:
        yield from batches

    status = 0
    sets = args.sets.split(",")
    jobs: dict[str, Any] = {}
    for name in sets:
        rules = RULES / f"{name}.json"
        counted = json.loads(subprocess.run(
            [str(cli), "match", "--count", "--rules", str(rules), str(events)],
            capture_output=True, text=True, check=True).stdout)
        jobs[name] = (rules, counted["matches"], evs.with_matches(df, "value", str(rules)))
    # Warm-up, untimed: starts the Python workers, compiles each rule set in
    # them (the match count checked here), and lets the JVM compile its hot
    # paths, which makes later jobs faster for several jobs.
    for _ in range(args.warmup):
        for name, (rules, count, matched) in jobs.items():
            total = matched.select(F.sum(F.size(F.coalesce("matches", F.array())))).first()[0]
            if total != count:
                print(f"{name}: Spark found {total} matches, the CLI {count}", file=sys.stderr)
                status = 1
            timed(noop(matched))
    times: dict[str, dict[str, list[float]]] = {name: {"cli": [], "spark": []} for name in sets}
    baselines: dict[str, list[float]] = {"read": [], "identity mapInArrow": []}
    out_file = tmp / "out.jsonl"
    # Round-robin: every round times each measurement once, so that the
    # machine's swings hit them alike.
    for _ in range(args.rounds):
        for name, (rules, count, matched) in jobs.items():
            cmd = [str(cli), "match", "--rules", str(rules), "--jobs", str(args.jobs), str(events)]
            with open(out_file, "wb") as out:
                times[name]["cli"].append(timed(lambda: subprocess.run(cmd, stdout=out, check=True)))
            times[name]["spark"].append(timed(noop(matched)))
        baselines["read"].append(timed(noop(df)))
        baselines["identity mapInArrow"].append(timed(noop(df.mapInArrow(identity, df.schema))))
    rows = [(name, jobs[name][1], times[name]["cli"], times[name]["spark"]) for name in sets]

    def rate(seconds: float) -> str:
        return f"{args.events / seconds:>12,.0f}"

    print(f"\n{'rule set':<16}{'matches':>10} | {'CLI best':>12}{'CLI median':>12} | "
          f"{'Spark best':>12}{'Spark median':>13} | CLI/Spark (best)   [events/s]")
    for name, count, c, s in rows:
        print(f"{name:<16}{count:>10,} | {rate(min(c))}{rate(statistics.median(c))} | "
              f"{rate(min(s))} {rate(statistics.median(s))} | {min(s) / min(c):.1f}x")
    for name, times in baselines.items():
        print(f"Spark baseline, {name}: best {rate(min(times))}, median {rate(statistics.median(times))} events/s")
    spark.stop()
    shutil.rmtree(tmp)
    return status


if __name__ == "__main__":
    sys.exit(main())
