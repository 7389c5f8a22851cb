"""Hostile shared C-simulation entries: a replaced library, a record naming a file elsewhere, a
half-written entry. Each is a miss: the next design with that key compiles it again and predicts
what a design compiled on its own predicts."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import accelbench.fpga.build as build
from accelbench.fpga.cache import MANIFEST
from accelbench.fpga.config import resolve_config
from accelbench.fpga.csim_share import share_root
from accelbench.kinds import make_workload

TINY = make_workload("gemm", {"m": 1, "n": 2, "k": 3})


def _shared(design: build.Design) -> dict:
    return dict(json.loads((design.directory / MANIFEST).read_text())["shared"])


def _replace_library(entry: Path) -> None:
    record = json.loads((entry / "shared.json").read_text())
    (entry / record["library"]).write_bytes(b"\x7fELF not the library that was built")


def _point_elsewhere(entry: Path) -> None:
    record = json.loads((entry / "shared.json").read_text())
    record["library"] = "../../../../etc/passwd"
    (entry / "shared.json").write_text(json.dumps(record))


def _truncate_record(entry: Path) -> None:
    (entry / "shared.json").write_text('{"library": "firmware/')


@pytest.mark.parametrize("tamper", [_replace_library, _point_elsewhere, _truncate_record],
                         ids=["replaced-library", "record-names-a-file-elsewhere", "half-written-record"])
def test_a_tampered_shared_entry_is_compiled_again(tamper: Callable[[Path], None], tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACCELBENCH_CACHE_DIR", str(tmp_path))
    first = build.build_design(TINY, resolve_config(TINY, {"reuse_factor": 1}))
    entry = share_root() / _shared(first)["key"]
    tamper(entry)
    second = build.build_design(TINY, resolve_config(TINY, {"reuse_factor": 2}))
    assert _shared(second)["compiled_here"] is True  # not taken from the tampered entry
    assert first.csim is not None and second.csim is not None
    x = np.random.default_rng(5).uniform(-3, 3, size=(16, first.csim.input_sizes[0]))
    np.testing.assert_array_equal(second.csim.predict(x), first.csim.predict(x))


def test_a_shared_cache_that_cannot_be_written_means_the_design_compiles_its_own_project(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACCELBENCH_CACHE_DIR", str(tmp_path))
    share_root().parent.mkdir(parents=True, exist_ok=True)
    share_root().write_text("a file where the shared cache's directory should be")
    design = build.build_design(TINY, resolve_config(TINY, {"reuse_factor": 4}))
    assert "shared" not in json.loads((design.directory / MANIFEST).read_text())
    assert design.csim is not None and design.functional
