"""Turns include/evmatch.h into declarations that cffi's ``ffi.cdef`` accepts.

Used by setup.py at build time (the result is bundled as ``evmatch/_cdef.h``)
and by the tests, which check the bundled copy against the repository header.
The header is cbindgen output: comments, preprocessor lines and the
``extern "C"`` block of C++ guards are dropped; declarations are kept as-is.
"""

from __future__ import annotations

import re

_BLOCK_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_LINE_COMMENT = re.compile(r"//[^\n]*")


def header_to_cdef(header: str) -> str:
    text = _BLOCK_COMMENT.sub("", header)
    text = _LINE_COMMENT.sub("", text)
    out: list[str] = []
    # Stack of booleans: is the current #if branch dropped?
    skipping: list[bool] = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            directive = stripped[1:].strip()
            if directive.startswith(("if", "ifdef", "ifndef")):
                skipping.append("__cplusplus" in directive)
            elif directive.startswith("endif"):
                if skipping:
                    skipping.pop()
            elif directive.startswith("else"):
                if skipping:
                    skipping[-1] = not skipping[-1]
            continue
        if any(skipping):
            continue
        if stripped:
            out.append(line.rstrip())
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    import sys

    with open(sys.argv[1], encoding="utf-8") as f:
        sys.stdout.write(header_to_cdef(f.read()))
