"""cpu-numpy and cpu-torch lower every kind they claim and match the float64 reference."""

from __future__ import annotations

import pytest

from accelbench.backends.registry import get_backend
from accelbench.kinds import make_workload
from accelbench.measure.policy import RunPolicy
from accelbench.measure.runner import Runner

POLICY = RunPolicy(budget_s=0.02, min_samples=3, warmup_s=0.0)

CASES = [
    ("gemm", {"m": 17, "n": 5, "k": 33}),
    ("gemm", {"m": 8, "n": 12, "k": 6, "trans_a": True, "trans_b": True}),
    ("gemm", {"m": 16, "n": 16, "k": 16, "dtype": "float64"}),
    ("gemm", {"m": 16, "n": 16, "k": 16, "dtype": "float16"}),
    ("conv2d", {"c": 3, "h": 9, "w": 7, "k": 4, "r": 3, "s": 3, "stride": 2, "pad": 1}),
    ("conv2d", {"c": 2, "h": 6, "w": 6, "k": 5, "r": 1, "s": 1, "dtype": "float64"}),
    ("rnn_step", {"cell": "vanilla", "hidden": 7, "input_size": 5}),
    ("rnn_step", {"cell": "lstm", "hidden": 9}),
    ("rnn_step", {"cell": "gru", "hidden": 6, "timesteps": 4}),
    ("rnn_step", {"cell": "lstm", "hidden": 5, "timesteps": 3, "dtype": "float64"}),
]


@pytest.mark.parametrize("backend", ["cpu-numpy", "cpu-torch", "cpu-numba"])
@pytest.mark.parametrize(("kind", "params"), CASES, ids=[f"{k}-{i}" for i, (k, _) in enumerate(CASES)])
@pytest.mark.parametrize("batch", [1, 3])
def test_cpu_backend_matches_reference(backend: str, kind: str, params: dict, batch: int) -> None:
    m = Runner(POLICY, "t").measure(get_backend(backend), make_workload(kind, params), batch)
    assert m.status == "ok", m.invalid_reason
    assert m.error is not None and m.error.rel <= m.error.rtol


def test_cpu_torch_runs_a_model_workload_with_argmax_agreement() -> None:
    m = Runner(POLICY, "t").measure(get_backend("cpu-torch"), make_workload("model", {"model": "jet_mlp"}), 4)
    assert m.status == "ok", m.invalid_reason
    assert m.error is not None and m.error.argmax_agreement == 1.0


def test_cpu_torch_compile_option_is_noted() -> None:
    backend = get_backend("cpu-torch")
    prepared = backend.prepare(make_workload("gemm", {"m": 4, "n": 4, "k": 4}), {"torch_compile": False})
    assert prepared.notes == ["eager"]


@pytest.mark.parametrize("backend", ["cpu-numpy", "cpu-numba"])
@pytest.mark.parametrize("model", ["jet_mlp", "autoencoder_ad"])
def test_dense_networks_lower_to_numpy_and_numba(backend: str, model: str) -> None:
    m = Runner(POLICY, "t").measure(get_backend(backend), make_workload("model", {"model": model}), 5)
    assert m.status == "ok", m.invalid_reason
    assert m.error is not None and m.error.rel <= m.error.rtol


@pytest.mark.parametrize("backend", ["cpu-numpy", "cpu-numba"])
def test_convolutional_networks_are_unsupported_naming_the_layer(backend: str) -> None:
    support = get_backend(backend).supports(make_workload("model", {"model": "resnet8_ic", "input_hw": 16}))
    assert not support.ok and "Conv2d" in support.reason and "cpu-torch" in support.reason


def test_cpu_numba_compiles_at_prepare_and_notes_the_packed_weights() -> None:
    prepared = get_backend("cpu-numba").prepare(make_workload("gemm", {"m": 5, "n": 7, "k": 3}), {})
    assert any("packed" in note for note in prepared.notes)
    assert any("JIT compile" in note for note in prepared.notes)
