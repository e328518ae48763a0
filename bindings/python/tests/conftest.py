"""Shared fixtures: the repository root (for testdata/ and include/)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def find_repo() -> Path:
    env = os.environ.get("EVMATCH_REPO")
    candidates = [Path(env)] if env else list(Path(__file__).resolve().parents)
    for d in candidates:
        if (d / "testdata" / "conformance").is_dir() and (d / "include" / "evmatch.h").is_file():
            return d.resolve()
    raise RuntimeError("cannot find the evmatch repository root; set EVMATCH_REPO")


REPO = find_repo()


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO
