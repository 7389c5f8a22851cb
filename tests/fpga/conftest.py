"""FPGA tier: hls4ml C simulation on small designs, built once per session in a private cache."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(scope="session", autouse=True)
def hls4ml_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh build cache for the session: the first build of each design is a real g++ compile."""
    path = tmp_path_factory.mktemp("hls4ml-cache")
    patch = pytest.MonkeyPatch()
    patch.setenv("ACCELBENCH_CACHE_DIR", str(path))
    yield path
    patch.undo()
