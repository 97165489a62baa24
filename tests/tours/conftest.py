"""Fixtures for the tour tests: a fake OSRM server on 127.0.0.1."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# `tests.fakes` must be importable whether or not tests/ is a package.
_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from tests.fakes.osrm import FakeOsrm  # noqa: E402


@pytest.fixture
def fake_osrm() -> Iterator[FakeOsrm]:
    with FakeOsrm() as server:
        yield server
