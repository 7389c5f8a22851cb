"""Designs whose C++ differs only in reuse factors share one compiled C simulation, proved by g++.

The neutral ``parameters.h`` makes every reuse-factor constant unreadable; a design whose code reads
one (hls4ml's resource kernels) fails that compile and compiles its own project. Each design gets a
copy of the library that reads the weights beside itself.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

import accelbench.fpga.build as build
from accelbench.fpga.cache import MANIFEST
from accelbench.fpga.compile_worker import compile_project
from accelbench.fpga.config import resolve_config
from accelbench.fpga.csim import CSim
from accelbench.fpga.csim_share import DIRECTIVES_MATTER, POISON, eligible, neutral_parameters, share_root
from accelbench.kinds import make_workload

#: Built by no other test file, so the first build here is cold.
GEMM = make_workload("gemm", {"m": 2, "n": 4, "k": 6})

PARAMETERS = """#ifndef PARAMETERS_H_
#define PARAMETERS_H_
struct config2 : nnet::dense_config {
    static const unsigned n_in = 6;
    static const unsigned reuse_factor = {rf};
    static const unsigned multiplier_limit = DIV_ROUNDUP(n_in * n_out, reuse_factor) - n_zeros / reuse_factor;
    static const unsigned block_per_limit = multiplier_limit / 2;
    static const unsigned n_zeros = 0;
    typedef ap_fixed<16,6> accum_t;
};
#endif
"""


def _manifest(design: build.Design) -> dict:
    return json.loads((design.directory / MANIFEST).read_text())


def test_the_neutral_parameters_drop_the_reuse_factor_and_everything_computed_from_it() -> None:
    one, names = neutral_parameters(PARAMETERS.replace("{rf}", "1"))
    eight, _ = neutral_parameters(PARAMETERS.replace("{rf}", "8"))
    assert one == eight
    assert names == ("block_per_limit", "multiplier_limit", "reuse_factor")
    assert f"static constexpr {POISON} reuse_factor{{}};" in one
    assert "static const unsigned n_in = 6;" in one and "static const unsigned n_zeros = 0;" in one
    assert one.index(f"struct {POISON}") < one.index("struct config2")
    other, _ = neutral_parameters(PARAMETERS.replace("{rf}", "1").replace("n_in = 6", "n_in = 7"))
    assert other != one  # anything but the directive constants still tells designs apart


def test_only_latency_strategy_io_parallel_designs_try_to_share(monkeypatch: pytest.MonkeyPatch) -> None:
    assert eligible(["latency", "latency"], "io_parallel")
    assert not eligible(["latency", "resource"], "io_parallel")
    assert not eligible(["latency"], "io_stream")
    monkeypatch.setenv("ACCELBENCH_CSIM_SHARE", "0")
    assert not eligible(["latency"], "io_parallel")


def test_reuse_factors_of_a_latency_design_share_one_compile_with_identical_outputs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = build.build_design(GEMM, resolve_config(GEMM, {"reuse_factor": 1}))
    second = build.build_design(GEMM, resolve_config(GEMM, {"reuse_factor": 2}))
    shared_first, shared_second = _manifest(first)["shared"], _manifest(second)["shared"]
    assert shared_first["key"] == shared_second["key"] and "reuse_factor" in shared_first["neutralised"]
    assert shared_first["compiled_here"] is True and shared_second["compiled_here"] is False
    assert first.key != second.key and first.csim is not None and second.csim is not None
    assert first.csim.library != second.csim.library  # a copy each: no firmware state is shared
    assert any("one C simulation for every design" in note for note in second.notes), second.notes
    assert any(note.startswith("converted and copied the shared C simulation") for note in second.notes)
    assert any(note.startswith("converted and compiled the C simulation") for note in first.notes)
    monkeypatch.setenv("ACCELBENCH_CACHE_DIR", str(tmp_path / "unshared"))
    monkeypatch.setenv("ACCELBENCH_CSIM_SHARE", "0")
    own = build.build_design(GEMM, resolve_config(GEMM, {"reuse_factor": 2}))
    assert "shared" not in _manifest(own) and own.csim is not None
    x = np.random.default_rng(7).uniform(-4, 4, size=(64, own.csim.input_sizes[0]))
    expected = own.csim.predict(np.ascontiguousarray(x))
    np.testing.assert_array_equal(first.csim.predict(np.ascontiguousarray(x)), expected)
    np.testing.assert_array_equal(second.csim.predict(np.ascontiguousarray(x)), expected)


def test_a_design_whose_code_reads_the_reuse_factor_compiles_its_own_project() -> None:
    design = build.build_design(GEMM, resolve_config(GEMM, {"reuse_factor": 2, "strategy": "resource"}))
    assert "shared" not in _manifest(design)  # resource strategy is not even tried
    project = design.directory / "prj"
    how = compile_project(project, "myproject", "forced", shareable=True)  # dense_resource reads it
    assert "shared" not in how
    notes = list(share_root().glob(f"*.{DIRECTIVES_MATTER}"))
    assert notes and POISON in json.loads(notes[0].read_text())["error"]
    assert design.csim is not None
    sizes = design.csim.input_sizes, design.csim.output_sizes
    again = CSim(str(project / "firmware" / "myproject-forced.so"), "myproject", *sizes)
    x = np.random.default_rng(3).uniform(-2, 2, size=(16, sizes[0][0]))
    np.testing.assert_array_equal(again.predict(x), design.csim.predict(x))


def test_a_library_reads_the_weights_beside_itself(tmp_path: Path) -> None:
    design = build.build_design(GEMM, resolve_config(GEMM, {"reuse_factor": 1}))
    assert design.csim is not None
    moved = tmp_path / "elsewhere" / "firmware"
    shutil.copytree(design.directory / "prj" / "firmware", moved)
    library = moved / Path(design.csim.library).name
    sizes = design.csim.input_sizes, design.csim.output_sizes
    copy = CSim(str(library), "myproject", *sizes)
    x = np.random.default_rng(11).uniform(-2, 2, size=(8, sizes[0][0]))
    np.testing.assert_array_equal(copy.predict(x), design.csim.predict(x))
    for weights in (moved / "weights").glob("*.txt"):  # zeroed weights: the copy must now differ
        weights.write_text(", ".join("0" for _ in weights.read_text().split(",")))
    fresh = shutil.copy(library, moved / "fresh.so")  # a new file: dlopen loads it anew and reads again
    assert not np.array_equal(CSim(str(fresh), "myproject", *sizes).predict(x), design.csim.predict(x))
