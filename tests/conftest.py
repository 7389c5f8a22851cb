"""Shared fixtures: a registered fake backend and a temporary store path."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from accelbench.backends.registry import register_backend, unregister_backend


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--board", default=None, metavar="HOST:PORT", help="a real PYNQ board agent for board tests")
    parser.addoption("--board-token-file", default=None, metavar="F", help="its token file")


@pytest.fixture
def fake_backends() -> Iterator[list[str]]:
    """Register the fake backends for the duration of a test."""
    register_backend("fake", "tests.fakes:FakeBackend")
    register_backend("fake-modeled", "tests.fakes:ModeledFakeBackend")
    yield ["fake", "fake-modeled"]
    unregister_backend("fake")
    unregister_backend("fake-modeled")


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "results.duckdb"
