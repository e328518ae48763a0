# Sourced by run_tests.sh and run_spark_tests.sh: a throwaway venv in a
# temporary directory, and pytest run from outside the source tree.
#
# venv_create NAME: makes the venv in a fresh temporary directory named
#   after NAME and sets `tmp` and `venv_py`; the directory is removed on
#   exit unless EVMATCH_KEEP_VENV=1. PYTHON picks the interpreter.
# venv_pytest [VAR=value...] -- PYTEST_ARGS...: runs pytest under the
#   venv's python, from `tmp`, so that `import evmatch` finds the installed
#   package (with its bundled library) and not bindings/python/src; exits
#   with pytest's status, failing when pytest collects no tests (5).
# Both expect `root`, the repository's root.

venv_create() {
    local python="${PYTHON:-python3}"
    tmp="$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")"
    trap venv_cleanup EXIT
    echo "== python venv ($("$python" --version 2>&1)) in $tmp/venv"
    "$python" -m venv "$tmp/venv"
    venv_py="$tmp/venv/bin/python"
    "$venv_py" -m pip install --quiet --upgrade pip
}

venv_cleanup() {
    if [ "${EVMATCH_KEEP_VENV:-0}" = 1 ]; then
        echo "(venv kept in $tmp/venv)"
    else
        rm -rf "$tmp"
    fi
}

venv_pytest() {
    local vars=()
    while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do
        vars+=("$1")
        shift
    done
    shift
    cd "$tmp"
    local status=0
    env "${vars[@]}" nice -n 10 "$venv_py" -m pytest -q -p no:cacheprovider \
        --rootdir "$root/bindings/python" "$@" || status=$?
    if [ "$status" = 5 ]; then
        echo "pytest collected no tests: failing" >&2
        exit 1
    fi
    exit "$status"
}
