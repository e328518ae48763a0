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

# shellcheck source=scripts/venv.sh
. "$root/bindings/python/scripts/venv.sh"
venv_create evmatch-py

echo "== pip install ./bindings/python[arrow] pytest"
nice -n 10 "$venv_py" -m pip install --quiet "./bindings/python[arrow]" pytest

echo "== pytest bindings/python/tests"
venv_pytest -- "$root/bindings/python/tests" "$@"
