#!/usr/bin/env bash
# Builds the seed corpora of the fuzz targets from testdata/conformance/:
#
#   fuzz/corpus/compile/       every pattern text (valid and invalid), raw
#   fuzz/corpus/scan/          every event text (valid and invalid), raw
#   fuzz/corpus/differential/  every case in raw mode (testkit/src/case.rs):
#   fuzz/corpus/ffi/             0xFF, then `r` NAME-BYTE PATTERN and
#                                `e` EVENT segments separated by 0x00
#
# plus the committed regression inputs of testdata/fuzz-regressions/<target>/.
# Files are named by the SHA-1 of their content, so running it again adds
# nothing twice. The corpora are gitignored.
#
# Usage: bash fuzz/seed.sh        (from anywhere in the repository)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

python3 - <<'PY'
import hashlib, json, os, glob

def put(target, data):
    d = os.path.join("fuzz", "corpus", target)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    path = os.path.join(d, name)
    if not os.path.exists(path):
        with open(path, "wb") as f:
            f.write(data)

def raw_case(rules, events):
    out = bytearray(b"\xff")
    for i, (_, text) in enumerate(rules):
        # One-character rule names: a, b, c, ...
        out += b"r" + bytes([0x61 + i % 26]) + text.replace(b"\0", b"\1") + b"\0"
    for ev in events:
        out += b"e" + ev.replace(b"\0", b"\1") + b"\0"
    return bytes(out)

counts = {"cases": 0, "patterns": 0, "events": 0}
for path in sorted(glob.glob("testdata/conformance/*.jsonl")):
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            case = json.loads(line)
            # surrogatepass: a few texts hold lone surrogates on purpose.
            enc = lambda s: s.encode("utf-8", "surrogatepass")
            rules = [(n, enc(t)) for n, t in case["rules"].items()]
            events = [enc(e) for e in case["events"]]
            for _, t in rules:
                put("compile", t)
                counts["patterns"] += 1
            for e in events:
                put("scan", e)
                counts["events"] += 1
            # Big cases are cut to 8 rules x 8 events per seed.
            put("differential", raw_case(rules[:8], events[:8]))
            put("ffi", raw_case(rules[:8], events[:8]))
            counts["cases"] += 1

# Hand-written seeds that the conformance files do not hold.
extra_events = [
    b"[" * 127 + b"]" * 127,
    b'{"a":' + b"[" * 127 + b"]" * 127 + b"}",
    b'{"a":' + b"[" * 128 + b"]" * 128 + b"}",
    b'{"n": 1' + b"0" * 400 + b"}",
    b'{"s": "\\ud83d\\ude00\\u0000\\"\\\\\\/\\b\\f\\n\\r\\t"}',
    b'{"a": 1, "a": 2, "a": {"b": [1, {"c": null}]}}',
    b' \t\r\n{}\n',
]
for e in extra_events:
    put("scan", e)
extra_patterns = [
    b'{"a": ' + b"[" * 200 + b"]" * 200 + b"}",
    b'{"$or": [{"a": [1]}, {"$or": [{"b": [2]}, {"c": [{"exists": false}]}]}]}',
    b'{"a": [{"wildcard": "*a*b*c*d*e*f"}]}',
    b'{"a": [{"numeric": [">", 0, "<", 1e308]}]}',
]
for p in extra_patterns:
    put("compile", p)

# Committed regression inputs.
for target in ("compile", "scan", "differential", "ffi"):
    for path in glob.glob(os.path.join("testdata", "fuzz-regressions", target, "*")):
        if os.path.isfile(path) and not path.endswith(".md"):
            with open(path, "rb") as f:
                put(target, f.read())

for t in ("compile", "scan", "differential", "ffi"):
    n = len(os.listdir(os.path.join("fuzz", "corpus", t)))
    print(f"fuzz/corpus/{t}: {n} files")
print(f"from {counts['cases']} conformance cases ({counts['patterns']} patterns, {counts['events']} events)")
PY
