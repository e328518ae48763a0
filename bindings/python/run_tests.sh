#!/usr/bin/env bash
# Tests the Python binding as a user gets it: a fresh venv in a temporary
# directory, `pip install "./bindings/python[arrow]" pytest` from the
# repository root (which builds the library with cargo; the arrow extra
# brings pyarrow for matches_arrow), then pytest on bindings/python/tests.
# Fails if pytest fails or collects no tests (exit status 5).
#
# Usage: bash bindings/python/run_tests.sh [pytest args...]
# Env:   PYTHON (default python3), EVMATCH_KEEP_VENV=1 keeps the venv.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

python="${PYTHON:-python3}"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/evmatch-py.XXXXXX")"
cleanup() {
    if [ "${EVMATCH_KEEP_VENV:-0}" = 1 ]; then
        echo "(venv kept in $tmp/venv)"
    else
        rm -rf "$tmp"
    fi
}
trap cleanup EXIT

echo "== python venv ($("$python" --version 2>&1)) in $tmp/venv"
"$python" -m venv "$tmp/venv"
venv_py="$tmp/venv/bin/python"
"$venv_py" -m pip install --quiet --upgrade pip

echo "== pip install ./bindings/python[arrow] pytest"
nice -n 10 "$venv_py" -m pip install --quiet "./bindings/python[arrow]" pytest

echo "== pytest bindings/python/tests"
# Run from outside the source tree so `import evmatch` finds the installed
# package (with its bundled library), not bindings/python/src.
cd "$tmp"
set +e
nice -n 10 "$venv_py" -m pytest -q -p no:cacheprovider --rootdir "$root/bindings/python" \
    "$root/bindings/python/tests" "$@"
status=$?
set -e
if [ "$status" = 5 ]; then
    echo "pytest collected no tests: failing" >&2
    exit 1
fi
exit "$status"
