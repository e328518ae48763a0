#!/usr/bin/env bash
# Node binding tests: builds the native library and the CLI (which
# test/files.test.js compares with), installs the package's dependencies
# in place (koffi; typescript and @types/node for test/types.test.js), and
# runs the test files with Node's own runner. Fails
# if any test fails or if no test ran. CARGO_TARGET_DIR is honoured (the
# package in place loads the library from there).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

# Named one by one: on Node 20, `node --test DIR` silently runs nothing.
files=(
  test/api.test.js
  test/errors.test.js
  test/files.test.js
  test/trusted.test.js
  test/lines.test.js
  test/explain.test.js
  test/lifecycle.test.js
  test/locate.test.js
  test/live.test.js
  test/types.test.js
  test/readme.test.js
  test/conformance.test.js
)

command -v node >/dev/null || { echo "run_tests.sh: node not found" >&2; exit 1; }
command -v npm >/dev/null || { echo "run_tests.sh: npm not found" >&2; exit 1; }

echo "-- cargo build --release --lib --bin evmatch"
(cd "$root" && nice -n 10 cargo build --release --lib --bin evmatch --quiet)

cd "$here"
# Every test file must be in the list above.
for f in test/*.test.js; do
  case " ${files[*]} " in
    *" $f "*) ;;
    *) echo "run_tests.sh: $f is not in the list of test files" >&2; exit 1 ;;
  esac
done

echo "-- npm ci (node $(node --version), npm $(npm --version))"
npm ci --no-audit --no-fund --loglevel=error

echo "-- node --test ${files[*]}"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
# The binding must load the library just built, not one named elsewhere.
status=0
env -u EVMATCH_LIB nice -n 10 node --test --test-reporter=tap "${files[@]}" >"$log" 2>&1 || status=$?
grep -E '^# [a-z-]+\.jsonl: |^# live conformance: |^not ok|^# (tests|pass|fail|cancelled|skipped|todo) ' "$log" || true
tests=$(sed -n 's/^# tests \([0-9][0-9]*\)$/\1/p' "$log" | tail -1)
pass=$(sed -n 's/^# pass \([0-9][0-9]*\)$/\1/p' "$log" | tail -1)
fail=$(sed -n 's/^# fail \([0-9][0-9]*\)$/\1/p' "$log" | tail -1)
skipped=$(sed -n 's/^# skipped \([0-9][0-9]*\)$/\1/p' "$log" | tail -1)
if [ "$status" -ne 0 ] || [ "${fail:-1}" != 0 ] || [ "${tests:-0}" -eq 0 ] || [ "${pass:-0}" -eq 0 ]; then
  cat "$log" >&2
  echo "run_tests.sh: FAILED (exit $status, tests ${tests:-none}, pass ${pass:-none}, fail ${fail:-none})" >&2
  exit 1
fi
echo "-- Node binding: $pass of $tests tests passed, ${skipped:-0} skipped"
