"""A broken precompiled ap_types header never breaks a build nor changes its outputs.

A truncated or garbage ``.gch`` is rejected by g++ and the plain compile runs (the broken PCH is
discarded so the next build rebuilds it); a project whose ap_types differ from the ones the PCH was
built from does not use it. Each time the library is built and predicts the plain compile's bits.
The project is a tiny hand-written one laid out as hls4ml writes it (no conversion).
"""

from __future__ import annotations

import importlib.util
import itertools
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from accelbench.fpga import pch as pch_module
from accelbench.fpga.compile_worker import _EXPECTED_SCRIPT, compile_project
from accelbench.fpga.csim import CSim
from accelbench.fpga.gxx import cxx_flags

pytestmark = pytest.mark.skipif(shutil.which("g++") is None or importlib.util.find_spec("hls4ml") is None,
                                reason="needs g++ and hls4ml's ap_types")

_HEADER = """#ifndef MYPROJECT_H_
#define MYPROJECT_H_
#include "ap_fixed.h"
#include "ap_int.h"
#include "hls_stream.h"
#define N_IO 4
typedef ap_fixed<16, 6> input_t;
typedef ap_fixed<10, 3, AP_RND_CONV, AP_SAT> result_t;
void myproject(input_t x[N_IO], result_t y[N_IO]);
#endif
"""
_FIRMWARE = """#include <iostream>

#include "myproject.h"

void myproject(input_t x[N_IO], result_t y[N_IO]) {
    for (int i = 0; i < N_IO; i++) y[i] = x[i] * ap_fixed<8, 2>(1.37) - x[i] * x[i];
}
"""
_BRIDGE = """#include "firmware/myproject.h"
template <class T> static void run(T *x, T *y) {
    input_t xi[N_IO]; result_t yi[N_IO];
    for (int i = 0; i < N_IO; i++) xi[i] = x[i];
    myproject(xi, yi);
    for (int i = 0; i < N_IO; i++) y[i] = yi[i].to_double();
}
extern "C" {
void myproject_float(float *x, float *y) { run(x, y); }
void myproject_double(double *x, double *y) { run(x, y); }
}
"""
_STAMPS = itertools.count()


def _project(directory: Path) -> Path:
    firmware = directory / "firmware"
    firmware.mkdir(parents=True)
    shutil.copytree(pch_module.template_ap_types(), firmware / "ap_types")
    (firmware / "myproject.h").write_text(_HEADER)
    (firmware / "myproject.cpp").write_text(_FIRMWARE)
    (directory / "myproject_bridge.cpp").write_text(_BRIDGE)
    (directory / "build_lib.sh").write_text("\n".join(_EXPECTED_SCRIPT) + "\n")
    return directory


def _predict(project: Path) -> tuple[dict[str, object], bytes]:
    """Compile ``project`` and run it on inputs in and far out of range: (how it was compiled, output bits)."""
    stamp = f"s{next(_STAMPS)}"
    how = compile_project(project, "myproject", stamp)
    csim = CSim(str(project / "firmware" / f"myproject-{stamp}.so"), "myproject", [4], [4])
    x = np.ascontiguousarray(np.linspace(-40.0, 40.0, 32).reshape(8, 4))
    return dict(how["pch"]), csim.predict(x).tobytes() + csim.predict(x.astype(np.float32)).tobytes()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, bytes]]:
    """A cache with a good PCH (built once) and the plain compile's output bits."""
    cache = tmp_path_factory.mktemp("pch-cache")
    patch = pytest.MonkeyPatch()
    patch.setenv("ACCELBENCH_CACHE_DIR", str(cache))
    pch, why = pch_module.ensure(cxx_flags())
    assert pch is not None, why
    patch.setenv(pch_module.PCH_ENV, "0")
    how, plain = _predict(_project(tmp_path_factory.mktemp("plain") / "prj"))
    assert how["used"] is False
    patch.undo()
    yield cache, plain


@pytest.fixture
def cache(built: tuple[Path, bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This test's own copy of the module's PCH cache (it may break it)."""
    copy = tmp_path / "cache"
    shutil.copytree(built[0], copy)
    monkeypatch.setenv("ACCELBENCH_CACHE_DIR", str(copy))
    monkeypatch.delenv(pch_module.PCH_ENV, raising=False)
    return copy


def _gch(cache: Path) -> Path:
    (gch,) = (cache / "pch").glob(f"*/{pch_module.HEADER}.gch")
    return gch


def test_a_good_pch_is_used_and_predicts_the_plain_bits(built: tuple[Path, bytes], cache: Path,
                                                         tmp_path: Path) -> None:
    how, bits = _predict(_project(tmp_path / "prj"))
    assert how["used"] is True, how
    assert bits == built[1]


@pytest.mark.parametrize("damage", ["truncated", "garbage"])
def test_a_corrupt_pch_falls_back_to_the_plain_compile_and_is_discarded(built: tuple[Path, bytes], cache: Path,
                                                                       tmp_path: Path, damage: str) -> None:
    gch = _gch(cache)
    data = gch.read_bytes()
    gch.write_bytes(data[:len(data) // 3] if damage == "truncated" else b"not a precompiled header" * 1000)
    how, bits = _predict(_project(tmp_path / "prj"))
    assert how["used"] is False and "compiled without" in str(how["why"]), how
    assert bits == built[1]
    assert not gch.parent.exists()  # discarded: the next build rebuilds it


def test_a_project_whose_ap_types_differ_does_not_use_the_pch(built: tuple[Path, bytes], cache: Path,
                                                              tmp_path: Path) -> None:
    project = _project(tmp_path / "prj")
    with (project / "firmware" / "ap_types" / "ap_int.h").open("a") as header:
        header.write("\n// changed after the PCH was built\n")
    how, bits = _predict(project)
    assert how["used"] is False and "ap_types differ" in str(how["why"]), how
    assert bits == built[1]
    assert _gch(cache).exists()  # the PCH itself is fine and kept
