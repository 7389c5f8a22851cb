"""gpu-cupy's library code path checked on the CPU: CuPy mirrors NumPy, so with NumPy standing in
for ``cupy`` the same lowering code (im2col strides, transposes, unfused cell math) runs for real.
Device transfers and timing are not exercised here (they need a GPU)."""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest

from accelbench.backends.gpu_cupy import CupyBackend
from accelbench.kinds import make_workload


@pytest.fixture
def numpy_as_cupy(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = types.ModuleType("cupy")
    for name in ("asarray", "ascontiguousarray", "swapaxes", "matmul", "pad", "tensordot", "split", "exp", "tanh",
                 "float32", "lib"):
        setattr(fake, name, getattr(np, name))
    monkeypatch.setitem(sys.modules, "cupy", fake)


CASES = [
    ("gemm", {"m": 9, "n": 7, "k": 5, "trans_a": True, "trans_b": True}),
    ("conv2d", {"c": 3, "h": 9, "w": 8, "k": 4, "r": 3, "s": 2, "stride": 2, "pad": 1}),
    ("rnn_step", {"cell": "vanilla", "hidden": 6, "input_size": 4}),
    ("rnn_step", {"cell": "lstm", "hidden": 6, "input_size": 4}),
    ("rnn_step", {"cell": "gru", "hidden": 6, "input_size": 4}),
]


@pytest.mark.parametrize(("kind", "params"), CASES, ids=[k + str(i) for i, (k, _) in enumerate(CASES)])
def test_library_lowering_matches_the_reference(numpy_as_cupy: None, kind: str, params: dict) -> None:
    backend = CupyBackend()
    workload = make_workload(kind, {**params, "dtype": "float64"})
    prepared = backend.prepare(workload, {"kernel": "library"})
    inputs = workload.make_inputs(seed=3, batch=2)
    out = np.asarray(backend.run(prepared, inputs))
    np.testing.assert_allclose(out, workload.reference(inputs), rtol=1e-10, atol=1e-12)


def test_unknown_kernel_choice_is_a_user_error(numpy_as_cupy: None) -> None:
    from accelbench.errors import UserError

    with pytest.raises(UserError, match="kernel"):
        CupyBackend().prepare(make_workload("gemm", {"m": 2, "n": 2, "k": 2}), {"kernel": "fast"})
