"""The cffi handle on the bundled library (ABI mode: ``ffi.dlopen``).

The declarations come from ``_cdef.h``, generated at build time from the
repository's ``include/evmatch.h``. ``$EVMATCH_LIBRARY`` may name another
build of the library to load instead of the bundled one (for development).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from cffi import FFI

_HERE = Path(__file__).resolve().parent
LIB_FILE = "libevmatch.dylib" if sys.platform == "darwin" else "libevmatch.so"

ffi = FFI()
ffi.cdef((_HERE / "_cdef.h").read_text(encoding="utf-8"))
library_path = os.environ.get("EVMATCH_LIBRARY") or str(_HERE / LIB_FILE)
lib = ffi.dlopen(library_path)
