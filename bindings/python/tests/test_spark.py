"""evmatch.spark in a local Spark session (local[2]): with_matches and
filter on small DataFrames (every rules form, string and binary columns,
null and invalid rows, the error column, errors="raise", argument
errors), the machine kept per worker process, and the answers on
generated CityLots events (100,000 by default, with invalid rows)
compared line by line with the command-line tool's on the same lines.

Skipped when pyspark is not installed. bindings/python/run_spark_tests.sh
installs pyspark and runs this module with EVMATCH_SPARK_REQUIRED=1, which
turns a missing pyspark into a failure. Spark needs Java (17 or later for
Spark 4). The CityLots test builds the CLI and the event generator with
cargo (the debug profile, which `cargo test` has built already; the
answers do not depend on it; EVMATCH_SPARK_PROFILE=release for the
release build); EVMATCH_SPARK_EVENTS sets the number of events.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import evmatch

if os.environ.get("EVMATCH_SPARK_REQUIRED") == "1":
    import pyspark  # noqa: F401  (a missing pyspark fails here)
else:
    pytest.importorskip("pyspark")
import pyarrow as pa  # noqa: E402  (the spark extra brings it with pyspark)
import pyarrow.parquet as pq  # noqa: E402

from pyspark.sql import SparkSession  # noqa: E402

from evmatch import spark as evs  # noqa: E402

RULES = {
    "ec2": {"source": ["aws.ec2"]},
    "big": '{"n": [{"numeric": [">", 1]}]}',
}
EVENTS = ['{"source": "aws.ec2", "n": 5}', None, '{"n": 0}', "nope", '{"n": 2}', "[1]", "", '{"source": "aws.ec2"}']
WANT = [["big", "ec2"], None, [], None, ["big"], None, None, ["ec2"]]
ERRORS = [None, None, None, "Unexpected character ('o' (code 111)) (offset 1)", None,
          "Event must be a JSON object (offset 0)", "Unexpected end of input (offset 0)", None]

CITYLOTS_SETS = ["exact", "numeric", "complex-arrays", "wildcard", "anything-but", "combo"]
# Invalid lines mixed into the CityLots events: each is an error for the
# CLI and a null (with its reason in the error column) for Spark.
BAD_LINES = [
    "not json", "[1, 2]", '"a string"', '{"a":', '{"a": 1} x', '{"a": tru}',
    '{"a":' * 200 + "1" + "}" * 200, '{"a": "\\ud800"}', '{"a": 01}',
]


# pyspark 4 warns on pandas 3 when a mapInArrow function is made (it
# checks for pandas, which mapInArrow does not use).
pytestmark = pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning")


@pytest.fixture(scope="module")
def spark():
    # The workers must run this interpreter: evmatch is installed in it.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master("local[2]")
        .appName("evmatch-test")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def events_df(spark):
    return spark.createDataFrame([(i, e) for i, e in enumerate(EVENTS)], "id int, event string").repartition(3)


def by_id(rows, field="matches"):
    return [getattr(r, field) for r in sorted(rows, key=lambda r: r.id)]


def test_with_matches_string_column(spark, events_df):
    out = evs.with_matches(events_df, "event", RULES, error_column="why")
    assert out.schema.simpleString() == "struct<id:int,event:string,matches:array<string>,why:string>"
    rows = out.collect()
    assert by_id(rows) == WANT
    assert by_id(rows, "why") == ERRORS
    assert [r.event for r in sorted(rows, key=lambda r: r.id)] == EVENTS
    # Without an error column, and under another name.
    out = evs.with_matches(events_df, "event", RULES, "rules")
    assert out.columns == ["id", "event", "rules"]
    assert by_id(out.collect(), "rules") == WANT


def test_with_matches_binary_column(spark, events_df):
    df = events_df.selectExpr("id", "cast(event as binary) as event")
    rows = evs.with_matches(df, "event", RULES, error_column="why").collect()
    assert by_id(rows) == WANT and by_id(rows, "why") == ERRORS
    # Bytes that are not UTF-8 are an invalid event, not a failed job.
    df = spark.createDataFrame([(0, b'{"source": "aws.ec2"}'), (1, b'{"source": "\xff"}')], "id int, event binary")
    rows = evs.with_matches(df, "event", RULES, error_column="why").collect()
    assert by_id(rows) == [["ec2"], None]
    assert by_id(rows, "why")[1] is not None


@pytest.mark.parametrize("large", [False, True])
def test_large_arrow_types(spark, events_df, large):
    """Spark can hand Arrow batches with 64-bit offsets (large_string,
    large_binary) to mapInArrow."""
    key = "spark.sql.execution.arrow.useLargeVarTypes"
    try:
        old = spark.conf.get(key)
    except Exception:
        pytest.skip(f"{key} is not a setting of this Spark")
    spark.conf.set(key, str(large).lower())
    try:
        for df in (events_df, events_df.selectExpr("id", "cast(event as binary) as event")):
            assert by_id(evs.with_matches(df, "event", RULES).collect()) == WANT
    finally:
        spark.conf.set(key, old)


def test_every_rules_form(spark, events_df, tmp_path):
    text = json.dumps(RULES)
    path = tmp_path / "rules.json"
    path.write_text(text)
    forms = [RULES, {"ec2": '{"source": ["aws.ec2"]}', "big": b'{"n": [{"numeric": [">", 1]}]}'},
             text, "  \n" + text, text.encode(), str(path), path]
    for form in forms:
        assert by_id(evs.with_matches(events_df, "event", form).collect()) == WANT, form


def test_trusted_input(spark, events_df):
    valid = [i for i, w in enumerate(WANT) if w is not None or EVENTS[i] is None]
    got = by_id(evs.with_matches(events_df, "event", RULES, trusted_input=True).collect())
    assert [got[i] for i in valid] == [WANT[i] for i in valid]


def test_errors_raise_fails_the_job(spark, events_df):
    with pytest.raises(Exception, match="EventError"):
        evs.with_matches(events_df, "event", RULES, errors="raise").collect()
    with pytest.raises(Exception, match="EventError"):
        evs.filter(events_df, "event", RULES, errors="raise").collect()
    ok = events_df.where("id in (0, 1, 2, 4, 7)")
    assert by_id(evs.with_matches(ok, "event", RULES, errors="raise").collect()) == [WANT[i] for i in (0, 1, 2, 4, 7)]


def test_filter(spark, events_df):
    def ids(df):
        return sorted(r.id for r in df.collect())

    any_rule = evs.filter(events_df, "event", RULES)
    assert any_rule.schema == events_df.schema
    assert ids(any_rule) == [0, 4, 7]
    assert ids(evs.filter(events_df, "event", RULES, rule="ec2")) == [0, 7]
    assert ids(evs.filter(events_df, "event", RULES, rule="big")) == [0, 4]
    binary = events_df.selectExpr("id", "cast(event as binary) as event")
    assert ids(evs.filter(binary, "event", RULES, rule="big")) == [0, 4]
    # A rule that no row matches, and an empty DataFrame.
    assert ids(evs.filter(events_df, "event", {"none": {"x": ["y"]}}, rule="none")) == []
    assert ids(evs.filter(events_df.where("id < 0"), "event", RULES)) == []
    with pytest.raises(KeyError, match="no rule is named 'nope'"):
        evs.filter(events_df, "event", RULES, rule="nope")


def test_argument_errors_on_the_driver(spark, events_df, tmp_path):
    with pytest.raises(evmatch.PatternError) as info:
        evs.with_matches(events_df, "event", {"bad": {"a": [{"prefix": 1}]}})
    assert info.value.rule == "bad"
    bad_file = tmp_path / "bad.json"
    bad_file.write_text('{\n  "x": {"a": [1]},\n  "bad": {"a": [{"prefix": 1}]}\n}\n')
    with pytest.raises(evmatch.PatternError) as info:
        evs.filter(events_df, "event", str(bad_file))
    assert (info.value.rule, info.value.file, info.value.line) == ("bad", str(bad_file), 3)
    with pytest.raises(evmatch.RulesFileError):
        evs.with_matches(events_df, "event", '{"a": ')
    with pytest.raises(OSError):
        evs.with_matches(events_df, "event", str(tmp_path / "missing.json"))
    with pytest.raises(TypeError, match="rules must be"):
        evs.with_matches(events_df, "event", 7)
    with pytest.raises(ValueError, match="no column named 'nope'"):
        evs.with_matches(events_df, "nope", RULES)
    with pytest.raises(TypeError, match="string or binary"):
        evs.with_matches(events_df, "id", RULES)
    with pytest.raises(ValueError, match="already has a column 'event'"):
        evs.with_matches(events_df, "event", RULES, output="EVENT")
    with pytest.raises(ValueError, match="both"):
        evs.with_matches(events_df, "event", RULES, error_column="matches")
    with pytest.raises(ValueError, match="'null' or 'raise'"):
        evs.with_matches(events_df, "event", RULES, errors="return")
    with pytest.raises(TypeError, match="rule must be"):
        evs.filter(events_df, "event", RULES, rule=1)  # type: ignore[arg-type]


def test_machine_compiled_once_per_worker(spark):
    """Every task in a worker process after the first finds the machine
    already compiled: the same object across jobs."""
    text = json.dumps(RULES).encode()

    def probe(batches):
        import os

        import pyarrow

        from evmatch import spark as worker_evs

        for _ in batches:
            m = worker_evs._machine(text, False)
            yield pyarrow.RecordBatch.from_pydict({"pid": [os.getpid()], "machine": [id(m)]})

    df = spark.range(0, 8, numPartitions=8)
    seen: dict[int, set[int]] = {}
    for _ in range(3):
        for r in df.mapInArrow(probe, "pid long, machine long").collect():
            seen.setdefault(r.pid, set()).add(r.machine)
    assert seen and all(len(ids) == 1 for ids in seen.values()), seen


# -- CityLots: Spark against the CLI ------------------------------------------


def cargo_target(repo: Path) -> Path:
    target = Path(os.environ.get("CARGO_TARGET_DIR") or repo / "target")
    return target if target.is_absolute() else repo / target


@pytest.fixture(scope="module")
def citylots(repo, tmp_path_factory):
    """The events file (CityLots events with BAD_LINES mixed in), a
    Parquet copy of it with each event's line number and a few rows that
    only Spark has (null, empty, blank), and the CLI's answers for each
    rule set: {set: {line: sorted names or (error message, offset)}}."""
    n = int(os.environ.get("EVMATCH_SPARK_EVENTS", "100000"))
    tmp = tmp_path_factory.mktemp("citylots")
    generated = tmp / "generated.jsonl"
    profile = os.environ.get("EVMATCH_SPARK_PROFILE", "debug")
    assert profile in ("debug", "release"), profile
    release = ["--release"] if profile == "release" else []
    build = ["cargo", "build", "--quiet", *release, "--bin", "evmatch", "--example", "gen_citylots"]
    subprocess.run(build, cwd=repo, check=True)
    out_dir = cargo_target(repo) / profile
    subprocess.run([str(out_dir / "examples" / "gen_citylots"), str(generated), str(n)], check=True)
    cli = out_dir / "evmatch"

    lines = generated.read_bytes().decode().splitlines()
    assert len(lines) == n
    step = max(1, n // len(BAD_LINES))
    for k, bad in enumerate(BAD_LINES):
        lines.insert(min(len(lines), k * step + 7), bad)
    events = tmp / "events.jsonl"
    events.write_text("\n".join(lines) + "\n")

    answers: dict[str, dict[int, object]] = {}
    for name in CITYLOTS_SETS:
        rules = repo / "benches" / "citylots" / "rules" / f"{name}.json"
        run = subprocess.run([str(cli), "match", "--rules", str(rules), "--jobs", "2", str(events)],
                             capture_output=True, text=True)
        assert run.returncode == 3, run.stderr  # 3: some events were invalid
        out = run.stdout.splitlines()
        assert len(out) == len(lines)  # no blank lines: one answer per line
        want: dict[int, object] = {}
        for i, text in enumerate(out, start=1):
            answer = json.loads(text)
            if isinstance(answer, dict):
                assert answer["line"] == i
                want[i] = (answer["error"], answer["offset"])
            else:
                want[i] = sorted(answer)
        answers[name] = want

    # Rows only Spark has: a null event, an empty one and a blank one (the
    # CLI skips blank lines).
    extra = [(0, None), (-1, ""), (-2, "  \t")]
    table = pa.table({
        "line": pa.array(list(range(1, len(lines) + 1)) + [e[0] for e in extra], pa.int64()),
        "event": pa.array(lines + [e[1] for e in extra], pa.string()),
    })
    table = table.append_column("event_bin", table.column("event").cast(pa.binary()))
    parquet = tmp / "events.parquet"
    pq.write_table(table, parquet, row_group_size=20_000)
    return {"events": events, "parquet": parquet, "answers": answers, "lines": len(lines),
            "rules": repo / "benches" / "citylots" / "rules"}


def collected(df, *columns):
    """{line: tuple of the columns} for a DataFrame with a `line` column."""
    if hasattr(df, "toArrow"):  # Spark 4: no Row per row
        table = df.select("line", *columns).toArrow()
        data = [table.column(c).to_pylist() for c in ("line",) + columns]
        return {row[0]: row[1:] for row in zip(*data)}
    return {r[0]: tuple(r[1:]) for r in df.select("line", *columns).collect()}


def check_against_cli(got, want, n_lines, trusted=False):
    assert set(got) == set(range(1, n_lines + 1)) | {0, -1, -2}
    assert got[0] == (None, None)  # null event
    for line in (-1, -2):  # empty and blank events: invalid
        assert got[line][0] is None and got[line][1]
    errors = 0
    for line, answer in want.items():
        matches, error = got[line]
        if isinstance(answer, tuple):
            errors += 1
            if trusted:
                continue  # unspecified in trusted mode
            assert matches is None and error == f"{answer[0]} (offset {answer[1]})", (line, answer, got[line])
        else:
            assert error is None and matches is not None and sorted(matches) == answer, (line, answer, got[line])
            assert matches == sorted(matches)
    assert errors == len(BAD_LINES)


@pytest.mark.parametrize("rule_set", CITYLOTS_SETS)
def test_citylots_equals_cli(spark, citylots, rule_set):
    df = spark.read.parquet(str(citylots["parquet"]))
    rules = citylots["rules"] / f"{rule_set}.json"
    got = collected(evs.with_matches(df, "event", str(rules), error_column="error"), "matches", "error")
    check_against_cli(got, citylots["answers"][rule_set], citylots["lines"])


def test_citylots_binary_text_and_trusted(spark, citylots):
    df = spark.read.parquet(str(citylots["parquet"]))
    rules = citylots["rules"] / "numeric.json"
    want = citylots["answers"]["numeric"]
    got = collected(evs.with_matches(df, "event_bin", rules.read_text(), error_column="error"), "matches", "error")
    check_against_cli(got, want, citylots["lines"])
    got = collected(evs.with_matches(df, "event", rules, trusted_input=True, error_column="error"), "matches", "error")
    check_against_cli(got, want, citylots["lines"], trusted=True)


FILTERS = [("exact", None), ("exact", "first"), ("numeric", None), ("numeric", "first"),
           ("complex-arrays", "last"), ("wildcard", "first"), ("combo", "last")]


@pytest.mark.parametrize("rule_set, which", FILTERS)
def test_citylots_filter_equals_cli(spark, citylots, rule_set, which):
    df = spark.read.parquet(str(citylots["parquet"]))
    want = citylots["answers"][rule_set]
    rule = None
    if which is not None:  # a rule that matches some events
        names = sorted({n for a in want.values() if isinstance(a, list) for n in a})
        rule = names[0] if which == "first" else names[-1]
    rules = citylots["rules"] / f"{rule_set}.json"
    got = sorted(r.line for r in evs.filter(df, "event", str(rules), rule).select("line").collect())
    expected = sorted(line for line, a in want.items() if isinstance(a, list) and (a if rule is None else rule in a))
    assert got == expected, (rule_set, rule, len(got), len(expected))
