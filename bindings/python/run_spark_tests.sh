#!/usr/bin/env bash
# Tests evmatch.spark in a local Spark session (local[2]): a fresh venv in
# a temporary directory, `pip install "./bindings/python[spark]" pytest`
# from the repository root (pyspark from PyPI), then pytest on
# bindings/python/tests/test_spark.py, whose CityLots test builds the CLI
# and the event generator with cargo and compares Spark's answers with
# the CLI's on 100,000 events.
#
# Fails, rather than skipping, when Java or pyspark is missing: .ci/run
# installs Java (Debian's openjdk-17-jre-headless) and runs this script.
#
# Usage: bash bindings/python/run_spark_tests.sh [pytest args...]
# Env:   PYTHON (default python3), EVMATCH_KEEP_VENV=1 keeps the venv,
#        EVMATCH_SPARK_EVENTS (default 100000), EVMATCH_SPARK_PROFILE
#        (cargo profile of the CLI and generator: debug, the default, or
#        release).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

if ! command -v java >/dev/null 2>&1; then
    echo "Spark tests: java not found (install Java 17, e.g. Debian's openjdk-17-jre-headless)" >&2
    exit 1
fi
java_version="$(java -version 2>&1 | head -n 1)"
major="$(sed -E 's/.*version "(1\.)?([0-9]+).*/\2/' <<<"$java_version")"
if ! [ "$major" -ge 17 ] 2>/dev/null; then
    echo "Spark tests: Spark 4 needs Java 17 or later; java is: $java_version" >&2
    exit 1
fi

# shellcheck source=scripts/venv.sh
. "$root/bindings/python/scripts/venv.sh"
venv_create evmatch-spark
echo "== $java_version"

# pyspark below 5: a later major version may need a newer Java than the
# 17 that CI installs.
echo "== pip install ./bindings/python[spark] pytest"
nice -n 10 "$venv_py" -m pip install --quiet "./bindings/python[spark]" "pyspark<5" pytest
if ! "$venv_py" -c "import pyspark; print('pyspark', pyspark.__version__)"; then
    echo "Spark tests: pyspark did not install" >&2
    exit 1
fi

echo "== pytest bindings/python/tests/test_spark.py"
# Spark's Python workers run the venv's interpreter.
venv_pytest EVMATCH_SPARK_REQUIRED=1 PYSPARK_PYTHON="$venv_py" PYSPARK_DRIVER_PYTHON="$venv_py" -- \
    "$root/bindings/python/tests/test_spark.py" "$@"
