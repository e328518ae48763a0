#!/usr/bin/env bash
# Builds the library, compiles the C header alone (C99 and C++), compiles
# every tests/c/*.c against the static and the shared library, runs them
# (also under valgrind when it is installed), and builds and runs the
# example in examples/c/. Exits non-zero on the first failure.
#
# Usage: bash tests/c/run.sh      (from anywhere in the repository)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

CC="${CC:-cc}"
CXX="${CXX:-g++}"
CFLAGS=(-std=c99 -Wall -Wextra -Werror -Iinclude -g)
# The target folder as an absolute path (honours CARGO_TARGET_DIR, which
# cargo takes relative to the current folder, the repository root here).
target="${CARGO_TARGET_DIR:-target}"
case "$target" in /*) ;; *) target="$root/$target" ;; esac
lib="$target/release"
out="$target/c-tests"

echo "== cargo build --release --lib"
cargo build --release --lib
test -f "$lib/libevmatch.a"
test -f "$lib/libevmatch.so"
mkdir -p "$out"

echo "== header alone: C99 and C++"
printf '#include "evmatch.h"\n' >"$out/header_only.c"
"$CC" -std=c99 -Wall -Wextra -Werror -pedantic -Iinclude -fsyntax-only "$out/header_only.c"
"$CXX" -x c++ -fsyntax-only -Wall -Wextra -Werror -pedantic -Iinclude "$out/header_only.c"
"$CXX" -x c++ -fsyntax-only -Wall -Wextra -Werror -Iinclude include/evmatch.h

have_valgrind=0
if command -v valgrind >/dev/null 2>&1; then
    have_valgrind=1
else
    echo "(valgrind not installed: skipping the valgrind runs)"
fi

run() {
    echo "-- $*"
    "$@"
    if [ "$have_valgrind" = 1 ]; then
        echo "-- valgrind $*"
        valgrind -q --error-exitcode=1 --leak-check=full \
            --errors-for-leak-kinds=definite,indirect "$@"
    fi
}

bins=()
for src in tests/c/*.c; do
    name="$(basename "$src" .c)"
    echo "== $src"
    "$CC" "${CFLAGS[@]}" -o "$out/${name}_static" "$src" "$lib/libevmatch.a" -lpthread -ldl -lm
    "$CC" "${CFLAGS[@]}" -o "$out/${name}_shared" "$src" -L"$lib" -levmatch -lpthread \
        -Wl,-rpath,"$lib"
    bins+=("$out/${name}_static" "$out/${name}_shared")
done
for bin in "${bins[@]}"; do
    run "$bin"
done

echo "== examples/c/filter.c"
"$CC" -std=c99 -Wall -Wextra -Werror -Iinclude -o "$out/filter" examples/c/filter.c \
    "$lib/libevmatch.a" -lpthread -ldl -lm
expected='{"source": "aws.ec2", "detail": {"state": "stopped"}}
{"source": "shop", "detail": {"total": 1500}}'
for cmd in "$out/filter" "valgrind"; do
    if [ "$cmd" = valgrind ]; then
        [ "$have_valgrind" = 1 ] || continue
        set -- valgrind -q --error-exitcode=1 --leak-check=full \
            --errors-for-leak-kinds=definite,indirect "$out/filter"
    else
        set -- "$out/filter"
    fi
    echo "-- $* examples/c/rules.tsv < examples/c/events.jsonl"
    got="$("$@" examples/c/rules.tsv <examples/c/events.jsonl 2>"$out/filter.stderr")"
    if [ "$got" != "$expected" ]; then
        echo "filter printed:"; echo "$got"; echo "expected:"; echo "$expected"
        exit 1
    fi
    grep -q '^stdin:4: ' "$out/filter.stderr" || {
        echo "filter did not report the invalid event on line 4:"; cat "$out/filter.stderr"
        exit 1
    }
done
# A rules file with an invalid pattern is reported and refused.
printf 'bad\t{"a": [{"prefix": 5}]}\n' >"$out/bad_rules.tsv"
if "$out/filter" "$out/bad_rules.tsv" </dev/null 2>"$out/filter.stderr"; then
    echo "filter accepted an invalid rule"; exit 1
fi
grep -q 'rule bad: prefix match pattern must be a string' "$out/filter.stderr"

echo "== all C tests passed"
