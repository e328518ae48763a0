"""Build script: compiles the evmatch crate with cargo and bundles the result.

The build step runs ``cargo build --release --lib`` in the repository root and
copies the shared library (``libevmatch.so``) into the package, next to
``_cdef.h``, the cffi declarations generated from ``include/evmatch.h``.

The repository root is ``$EVMATCH_REPO`` when set, else the first directory
above this file that holds ``Cargo.toml`` and ``include/evmatch.h``. pip builds
a local directory in place (the default since pip 21.3), so
``pip install ./bindings/python`` finds it; a build from an unpacked sdist
elsewhere needs ``EVMATCH_REPO``. ``$EVMATCH_CARGO`` overrides the cargo
command (default ``cargo``); ``$CARGO_TARGET_DIR`` is honoured.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Distribution, setup
from setuptools.command.build_py import build_py

try:  # setuptools >= 70.1 ships bdist_wheel itself
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:  # older setuptools: the wheel package
    from wheel.bdist_wheel import bdist_wheel  # type: ignore[no-redef]

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from cdefgen import header_to_cdef  # noqa: E402

LIB_NAMES = {"linux": "libevmatch.so", "darwin": "libevmatch.dylib"}


def repo_root() -> Path:
    env = os.environ.get("EVMATCH_REPO")
    candidates = [Path(env).resolve()] if env else list(HERE.parents)
    for d in candidates:
        if (d / "Cargo.toml").is_file() and (d / "include" / "evmatch.h").is_file():
            return d
    where = f"EVMATCH_REPO={env}" if env else f"any directory above {HERE}"
    raise SystemExit(
        f"evmatch: cannot find the evmatch repository (Cargo.toml and include/evmatch.h) "
        f"in {where}; set EVMATCH_REPO to the repository root"
    )


def crate_version(root: Path) -> str:
    text = (root / "Cargo.toml").read_text(encoding="utf-8")
    package = text.split("[package]", 1)[1].split("\n[", 1)[0]
    m = re.search(r'^version\s*=\s*"([^"]+)"', package, re.M)
    if not m:
        raise SystemExit("evmatch: no version in Cargo.toml [package]")
    return m.group(1)


def cargo_build(root: Path) -> Path:
    """Runs cargo and returns the path of the cdylib it produced."""
    cargo = shlex.split(os.environ.get("EVMATCH_CARGO", "cargo"))
    cmd = [*cargo, "build", "--release", "--lib", "--message-format=json-render-diagnostics"]
    print("evmatch: running", " ".join(cmd), "in", root, flush=True)
    proc = subprocess.run(cmd, cwd=root, stdout=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"evmatch: cargo build failed (exit status {proc.returncode})")
    found = None
    for line in proc.stdout.splitlines():
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        if msg.get("reason") != "compiler-artifact":
            continue
        target = msg.get("target", {})
        if target.get("name") != "evmatch" or "cdylib" not in target.get("kind", []):
            continue
        for f in msg.get("filenames", []):
            if f.endswith((".so", ".dylib")):
                found = Path(f)
    if found is None or not found.is_file():
        raise SystemExit("evmatch: cargo did not report the cdylib (libevmatch.so)")
    return found


class BuildWithCargo(build_py):
    """build_py that also builds and bundles the Rust library and the cdefs."""

    def run(self) -> None:
        super().run()
        root = repo_root()
        lib = cargo_build(root)
        dest = Path(self.build_lib) / "evmatch"
        dest.mkdir(parents=True, exist_ok=True)
        lib_name = LIB_NAMES.get(sys.platform, lib.name)
        shutil.copyfile(lib, dest / lib_name)
        os.chmod(dest / lib_name, 0o755)
        header = (root / "include" / "evmatch.h").read_text(encoding="utf-8")
        (dest / "_cdef.h").write_text(header_to_cdef(header), encoding="utf-8")
        print(f"evmatch: bundled {lib} as {dest / lib_name}", flush=True)


class PlatformWheel(bdist_wheel):
    """The wheel holds a native library, so it is platform-specific; it does
    not depend on the Python ABI (cffi ABI mode), hence py3-none-<platform>."""

    def finalize_options(self) -> None:
        super().finalize_options()
        self.root_is_pure = False

    def get_tag(self) -> tuple[str, str, str]:
        _, _, plat = super().get_tag()
        return "py3", "none", plat


class BinaryDistribution(Distribution):
    """Holds a native library: install into platlib, build in a platform
    build directory, and make the wheel platform-specific."""

    def has_ext_modules(self) -> bool:
        return True


setup(
    version=crate_version(repo_root()),
    cmdclass={"build_py": BuildWithCargo, "bdist_wheel": PlatformWheel},
    distclass=BinaryDistribution,
)
