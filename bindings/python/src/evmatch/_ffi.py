"""The cffi handle on the evmatch library: ``ffi`` (the declarations of
``include/evmatch.h``) and ``lib`` (the loaded library), in cffi's ABI mode.

Both come from ``evmatch._native``, which maturin generates when it builds
the wheel (``bindings = "cffi"``): it runs cbindgen over the crate's C ABI
(``src/ffi``, with the crate's ``cbindgen.toml``), compiles the declarations
with cffi into ``_native/ffi.py`` (out-of-line ABI mode: no C compiler, no
parsing at import) and puts the library next to it. ``$EVMATCH_LIBRARY``
names another build of the library to load instead (for development).

Every other module reaches the library through this one.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

# Generated at build time: absent from the source tree that mypy checks.
from . import _native  # type: ignore[attr-defined,import-not-found,unused-ignore]

ffi: Any = _native.ffi

_HERE = Path(__file__).resolve().parent
_NATIVE_DIR = Path(_native.__file__).resolve().parent
# The one shared library maturin put in the package (its name follows the
# module: lib_native.so, lib_native.dylib or _native.dll).
_BUNDLED = next(p for p in sorted(_NATIVE_DIR.iterdir()) if p.suffix in (".so", ".dylib", ".dll"))

#: The bundled library, relative to the package directory.
LIB_FILE: str = _BUNDLED.relative_to(_HERE).as_posix()

#: The file the library was loaded from.
library_path: str = os.environ.get("EVMATCH_LIBRARY") or str(_BUNDLED)

lib = ffi.dlopen(library_path)

#: The version of the loaded library (``evm_version()``).
lib_version: str = ffi.string(lib.evm_version()).decode("utf-8")

__all__ = ["LIB_FILE", "ffi", "lib", "lib_version", "library_path"]
