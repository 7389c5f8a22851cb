"""The build's manifest feeds ``prepare``: a cached design is loaded, never converted nor recompiled.

Also: how the C simulation is compiled (one translation unit at ``CXX_OPT``) is recorded and gives
the same bits as hls4ml's own ``build_lib.sh`` (-O3, two translation units); a manifest of an older
format is rebuilt; ``CSim`` returns what hls4ml's ``ModelGraph.predict`` returns.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import accelbench.fpga.build as build
import accelbench.fpga.build_server as build_server
import accelbench.fpga.convert as convert_module
from accelbench.backends.registry import get_backend
from accelbench.fpga.cache import MANIFEST, MANIFEST_FORMAT, cached_manifest, current
from accelbench.fpga.config import resolve_config
from accelbench.fpga.gxx import BUILD_RECIPE, CXX_OPT
from accelbench.fpga.layers import layers_from_hls_model
from accelbench.fpga.lowering import lower
from accelbench.kinds import make_workload
from accelbench.measure.policy import RunPolicy
from accelbench.measure.runner import Runner

POLICY = RunPolicy(budget_s=0.02, min_samples=3, warmup_s=0.0)
#: Built by no other test file: each test below knows whether its first build is cold.
GRU = make_workload("rnn_step", {"cell": "gru", "hidden": 3, "input_size": 2})
GEMM = make_workload("gemm", {"m": 2, "n": 3, "k": 5})


def _no_conversion(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("converted in the measuring process")

    monkeypatch.setattr(build, "convert", refuse)
    monkeypatch.setattr(convert_module, "convert", refuse)


def _no_build(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("a build worker ran")

    monkeypatch.setattr(build, "_run_stage", refuse)


def test_a_cold_prepare_converts_only_in_the_worker_and_a_cache_hit_not_at_all(
        monkeypatch: pytest.MonkeyPatch) -> None:
    _no_conversion(monkeypatch)
    backend = get_backend("fpga-hls4ml")
    first = Runner(POLICY, "fpga").measure(backend, GRU, 2)  # built now: conversion in the worker only
    assert first.status == "ok", first.invalid_reason
    assert first.fpga is not None and first.fpga["cache_hit"] is False
    _no_build(monkeypatch)
    again = Runner(POLICY, "fpga").measure(backend, GRU, 2)
    assert again.status == "ok", again.invalid_reason  # the C simulation still checked against float64
    assert again.fpga is not None and again.fpga["cache_hit"] is True
    assert again.error is not None and first.error is not None and again.error.rtol == first.error.rtol
    assert [layer["name"] for layer in again.fpga["layers"]] == [layer["name"] for layer in first.fpga["layers"]]
    assert again.fpga["dsp"] == first.fpga["dsp"] and again.fpga["latency_cycles"] == first.fpga["latency_cycles"]
    assert any("cached C-simulation build" in note and CXX_OPT in note for note in again.notes), again.notes


def test_the_manifest_records_the_layers_and_how_the_library_was_compiled() -> None:
    design = build.build_design(GRU, resolve_config(GRU, {}))
    manifest = json.loads((design.directory / MANIFEST).read_text())
    assert manifest["format"] == MANIFEST_FORMAT and current(manifest)
    assert manifest["recipe"] == BUILD_RECIPE and CXX_OPT in manifest["cxxflags"]
    assert "-O3" not in manifest["cxxflags"] and "-fPIC" in manifest["cxxflags"]
    assert manifest["top"] == "myproject" and manifest["input_sizes"] == [2, 3] and manifest["output_sizes"] == [3]
    assert build.layers_from_manifest(manifest) == design.layers
    assert design.layers == layers_from_hls_model(design.hls_model)  # what prepare computed by converting


def test_csim_returns_what_hls4ml_predict_returns() -> None:
    design = build.build_design(GRU, resolve_config(GRU, {}))
    assert design.csim is not None
    model = design.hls_model  # converted on demand, calling the same loaded library
    for batch in (1, 4):
        x, h = (np.ascontiguousarray(a, dtype=np.float32) for a in GRU.make_inputs(batch, batch))
        ours, theirs = design.csim.predict([x, h]), model.predict([x, h])
        assert np.asarray(ours).shape == np.asarray(theirs).shape
        assert np.asarray(ours).tobytes() == np.asarray(theirs).tobytes()
    single = build.build_design(GEMM, resolve_config(GEMM, {}))
    assert single.csim is not None
    rows = np.ascontiguousarray(np.linspace(-1, 1, 10, dtype=np.float64).reshape(2, 5))
    assert np.asarray(single.csim.predict(rows)).tobytes() == np.asarray(single.hls_model.predict(rows)).tobytes()
    assert single.csim.predict(rows[0]).shape == (3,)


def test_outputs_are_bit_identical_to_hls4ml_build_lib(tmp_path: Path) -> None:
    """``CXX_OPT`` in one translation unit against hls4ml's ``model.compile()`` (-O3): same bits,
    on a design with sigmoid/tanh tables, inputs inside and far outside the tables' range."""
    design = build.build_design(GRU, resolve_config(GRU, {}))
    assert design.csim is not None
    reference = convert_module.convert(lower(GRU), resolve_config(GRU, {}), tmp_path / "prj")
    with contextlib.redirect_stdout(io.StringIO()):
        reference.compile()
    for scale in (1.0, 20.0):
        for dtype in (np.float32, np.float64):
            x, h = (np.ascontiguousarray(np.asarray(a) * scale, dtype=dtype) for a in GRU.make_inputs(7, 16))
            assert design.csim.predict([x, h]).tobytes() == reference.predict([x, h]).tobytes(), (scale, dtype)


def test_an_entry_of_an_older_manifest_format_is_rebuilt(monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = resolve_config(GEMM, {})
    design = build.build_design(GEMM, cfg)
    path = design.directory / MANIFEST
    manifest = json.loads(path.read_text())
    old = {key: manifest[key] for key in ("library", "compile_s", "stamp", "sha256")}  # before layers were recorded
    path.write_text(json.dumps(old))
    assert cached_manifest(design.directory) is not None and not current(old)  # intact, but lacks the layers
    assert current(manifest) and not current({**manifest, "recipe": "two translation units, g++ -O3"})
    rebuilt = build.build_design(GEMM, cfg)
    assert not rebuilt.cache_hit and rebuilt.functional and rebuilt.layers == design.layers
    assert current(json.loads(path.read_text()))
    _no_conversion(monkeypatch)
    _no_build(monkeypatch)
    assert build.build_design(GEMM, cfg).cache_hit


def test_relu6_in_io_stream_is_model_only_and_its_manifest_a_cache_hit(monkeypatch: pytest.MonkeyPatch,
                                                                      tmp_path: Path) -> None:
    """hls4ml 1.3 has no io_stream relu6 kernel: the worker records the design model-only (layers and
    reason, no library, no g++), and the next build reads that manifest instead of converting."""
    from accelbench.fpga.compile_worker import _relu6_in_stream
    from accelbench.fpga.layers import LayerSpec

    relu6 = [LayerSpec("c", "conv2d", 9, 4, 36), LayerSpec("a", "activation", 4, 4, activation="relu6")]
    assert "relu6" in _relu6_in_stream(relu6, "io_stream") and _relu6_in_stream(relu6, "io_parallel") == ""
    monkeypatch.setenv("ACCELBENCH_CACHE_DIR", str(tmp_path))
    cfg = resolve_config(GEMM, {})
    _lowered, _key, directory = build.design_location(GEMM, cfg)
    directory.mkdir(parents=True)
    reason = _relu6_in_stream(relu6, "io_stream")
    (directory / MANIFEST).write_text(json.dumps({"format": MANIFEST_FORMAT, "model_only": reason, "compile_s": 1.0,
                                                  "layers": [dataclasses.asdict(layer) for layer in relu6]}))
    _no_conversion(monkeypatch)
    _no_build(monkeypatch)
    design = build.build_design(GEMM, cfg)
    assert not design.functional and design.csim is None and design.notes == [reason]
    assert design.layers == relu6


@pytest.mark.parametrize("mode", ["forked", "env-off", "daemonic"])
def test_a_failing_stage_reports_its_last_lines_forked_or_not(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                              mode: str) -> None:
    """Forked from the build server by default; a fresh interpreter with ACCELBENCH_BUILD_FORKSERVER=0
    or inside a daemonic multiprocessing child (a Dask worker, which may not start multiprocessing children)."""
    import multiprocessing

    monkeypatch.setenv(build_server.FORK_ENV, "0" if mode == "env-off" else "1")
    monkeypatch.setattr(build_server, "_FORK_CONTEXT", [])
    if mode == "daemonic":
        monkeypatch.setattr(multiprocessing.current_process(), "_config", {"daemon": True})
    worker = build_server._Worker(tmp_path / "no-such-spec.json", "compile", tmp_path / "worker.log")
    assert (worker.forked is not None) == (mode == "forked")
    assert worker.wait(120.0)
    assert worker.returncode != 0 and "FileNotFoundError" in worker.output_tail()


def _running(pid: int) -> bool:
    """Alive and not a zombie (a killed orphan waits for init to reap it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def test_killing_a_build_stage_kills_what_it_started() -> None:
    import subprocess
    import sys
    import time

    from accelbench.fpga.build_server import descendants, kill_tree

    # a stand-in for the worker and the g++ it runs: a child that starts a long grandchild
    script = "import subprocess, time; subprocess.Popen(['sleep', '120']); time.sleep(120)"
    parent = subprocess.Popen([sys.executable, "-c", script])
    try:
        deadline = time.monotonic() + 30
        while not descendants(parent.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        (grandchild,) = descendants(parent.pid)
        kill_tree(parent.pid)
        parent.wait(30)
        deadline = time.monotonic() + 30
        while _running(grandchild) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _running(grandchild)
    finally:
        parent.kill()


def test_a_timed_out_stage_is_killed_with_its_tree(monkeypatch: pytest.MonkeyPatch) -> None:
    killed: list[int] = []
    monkeypatch.setattr(build_server, "kill_tree", killed.append)
    worker = object.__new__(build_server._Worker)
    worker.pid = 4242
    worker.kill()
    assert killed == [4242]
