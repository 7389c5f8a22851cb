"""The precompiled ap_types header changes how much g++ parses, never what it builds: a design
compiled with it predicts exactly the bits of the same design compiled without it, and its manifest
and notes say how the library was compiled."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import accelbench.fpga.build as build
from accelbench.fpga.build import build_design
from accelbench.fpga.cache import MANIFEST
from accelbench.fpga.config import resolve_config
from accelbench.fpga.gxx import cxx_flags
from accelbench.fpga.pch import PCH_ENV, ensure, missing
from accelbench.kinds import make_workload

#: Also built by test_build_manifest.py (in the session cache; the tests below use caches of their own).
GEMM = make_workload("gemm", {"m": 2, "n": 3, "k": 5})


def _pch(design_directory: Path) -> dict[str, object]:
    return dict(json.loads((design_directory / MANIFEST).read_text())["pch"])


def test_a_design_compiled_with_the_pch_predicts_the_bits_of_the_plain_compile(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    cfg = resolve_config(GEMM, {})
    monkeypatch.setenv("ACCELBENCH_CACHE_DIR", str(tmp_path / "with"))  # the session's build may predate the PCH
    assert ensure(cxx_flags())[0] is not None
    with_pch = build_design(GEMM, cfg)
    assert with_pch.csim is not None and _pch(with_pch.directory)["used"] is True, _pch(with_pch.directory)
    assert any("with precompiled ap_types header" in note for note in with_pch.notes), with_pch.notes
    monkeypatch.setenv(PCH_ENV, "0")
    monkeypatch.setenv("ACCELBENCH_CACHE_DIR", str(tmp_path / "plain"))  # another cache: compiled again, plainly
    plain = build_design(GEMM, cfg)
    assert plain.csim is not None and not plain.cache_hit and _pch(plain.directory)["used"] is False
    assert not any("precompiled" in note for note in plain.notes), plain.notes
    for scale in (1.0, 20.0):  # inside and far outside the fixed-point range
        for dtype in (np.float32, np.float64):
            (a,) = GEMM.make_inputs(3, 5)
            x = np.ascontiguousarray((np.asarray(a) * scale).reshape(-1, plain.csim.input_sizes[0]), dtype=dtype)
            assert with_pch.csim.predict(x).tobytes() == plain.csim.predict(x).tobytes(), (scale, dtype)


def test_a_compile_never_waits_for_a_missing_pch_and_a_stage_of_its_own_builds_it(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ACCELBENCH_CACHE_DIR", str(tmp_path))  # no PCH here yet
    monkeypatch.setattr(build, "_PCH_STAGE", [])  # as in a process that has started none
    started = []
    monkeypatch.setattr(build, "_start_pch_build", lambda *args: started.append(args))
    tiny = make_workload("gemm", {"m": 1, "n": 2, "k": 3})
    cfg = resolve_config(tiny, {})
    first = build_design(tiny, cfg)
    assert started and first.csim is not None
    assert _pch(first.directory)["used"] is False and "not built yet" in str(_pch(first.directory)["why"])
    assert missing(cxx_flags())  # the compile stage did not build it
    monkeypatch.undo()
    monkeypatch.setenv("ACCELBENCH_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(build, "_PCH_STAGE", [])
    build._start_pch_build(tiny, cfg)
    build._PCH_STAGE[0].join(300)
    assert not missing(cxx_flags())  # built by the stage, under the build's limits


def test_build_design_returns_only_once_a_pch_build_beside_it_has_ended(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading
    import time

    build_design(GEMM, resolve_config(GEMM, {}))  # in the session cache from here on
    ended: list[bool] = []
    stage = threading.Thread(target=lambda: (time.sleep(2.0), ended.append(True)))
    monkeypatch.setattr(build, "_PCH_STAGE", [stage])
    stage.start()
    build_design(GEMM, resolve_config(GEMM, {}))  # a cache hit (milliseconds), but for the stage
    assert ended == [True]
