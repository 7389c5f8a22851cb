"""Workload kinds: shapes, FLOP and byte counts, float64 references, validation messages."""

from __future__ import annotations

import numpy as np
import pytest

from accelbench.errors import UserError
from accelbench.kinds import make_workload
from accelbench.kinds.rnn import cell_step


def test_gemm_counts_flops_and_ideal_bytes() -> None:
    w = make_workload("gemm", {"m": 4, "n": 3, "k": 5, "dtype": "float32"})
    assert w.flops(2) == 2 * 2 * 4 * 3 * 5
    # a (2,4,5) + b (5,3) + out (2,4,3), 4 bytes each
    assert w.bytes_moved(2) == 4 * (2 * 4 * 5 + 5 * 3 + 2 * 4 * 3)


def test_gemm_reference_applies_transposes() -> None:
    w = make_workload("gemm", {"m": 4, "n": 3, "k": 5, "trans_a": True, "trans_b": True, "dtype": "float64"})
    (a,) = w.make_inputs(seed=1, batch=2)
    assert a.shape == (2, 5, 4)
    b = w.weights()["b"]
    assert b.shape == (3, 5)
    expected = np.stack([a[i].T @ b.T for i in range(2)])
    np.testing.assert_allclose(w.reference((a,)), expected, rtol=1e-12)


def test_conv2d_reference_matches_naive_loops() -> None:
    w = make_workload("conv2d", {"c": 2, "h": 5, "w": 6, "k": 3, "r": 3, "s": 2, "stride": 2, "pad": 1})
    (x,) = w.make_inputs(seed=3, batch=2)
    weight = w.weights()["w"].astype(np.float64)
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (1, 1), (1, 1)))
    p, q = w.out_hw
    naive = np.zeros((2, 3, p, q))
    for n in range(2):
        for k in range(3):
            for i in range(p):
                for j in range(q):
                    patch = xp[n, :, i * 2 : i * 2 + 3, j * 2 : j * 2 + 2]
                    naive[n, k, i, j] = np.sum(patch * weight[k])
    np.testing.assert_allclose(w.reference((x,)), naive, rtol=1e-12)
    assert w.output_shape(2) == (2, 3, p, q)
    assert w.flops(1) == 2 * 3 * p * q * 2 * 3 * 2


def test_conv2d_n_parameter_is_the_default_batch() -> None:
    assert make_workload("conv2d", {"c": 1, "h": 4, "w": 4, "k": 1, "n": 8}).default_batch == 8


def test_lstm_step_follows_pytorch_gate_order() -> None:
    w = make_workload("rnn_step", {"cell": "lstm", "hidden": 3, "input_size": 2, "dtype": "float64"})
    x, h, c = w.make_inputs(seed=0, batch=1)
    p = w.weights()
    gates = x @ p["w_ih"].T + p["b_ih"] + h @ p["w_hh"].T + p["b_hh"]
    i, f, g, o = gates[:, :3], gates[:, 3:6], gates[:, 6:9], gates[:, 9:]

    def sig(v: np.ndarray) -> np.ndarray:
        return 1 / (1 + np.exp(-v))

    c_new = sig(f) * c + sig(i) * np.tanh(g)
    np.testing.assert_allclose(w.reference((x, h, c)), sig(o) * np.tanh(c_new), rtol=1e-12)


def test_rnn_sequence_variant_steps_through_time() -> None:
    w = make_workload("rnn_step", {"cell": "gru", "hidden": 4, "timesteps": 3, "dtype": "float64"})
    x, h0 = w.make_inputs(seed=5, batch=2)
    assert x.shape == (2, 3, 4)
    weights = w.weights()
    h = h0
    for t in range(3):
        h, _ = cell_step("gru", x[:, t], h, None, weights)
    np.testing.assert_allclose(w.reference((x, h0)), h, rtol=1e-12)
    assert w.flops(2) == 3 * make_workload("rnn_step", {"cell": "gru", "hidden": 4}).flops(2)


def test_inputs_depend_on_seed_and_weights_are_fixed_and_read_only() -> None:
    w = make_workload("gemm", {"m": 3, "n": 3, "k": 3})
    a1, a2 = w.make_inputs(1, 1)[0], w.make_inputs(2, 1)[0]
    assert not np.array_equal(a1, a2)
    np.testing.assert_array_equal(a1, w.make_inputs(1, 1)[0])
    twin = make_workload("gemm", {"m": 3, "n": 3, "k": 3})
    np.testing.assert_array_equal(w.weights()["b"], twin.weights()["b"])
    with pytest.raises(ValueError):
        w.weights()["b"][0, 0] = 1.0


def test_params_hash_tracks_definition_not_name() -> None:
    a = make_workload("gemm", {"m": 8, "n": 8, "k": 8}, name="x")
    b = make_workload("gemm", {"m": 8, "n": 8, "k": 8}, name="y")
    c = make_workload("gemm", {"m": 8, "n": 8, "k": 9})
    assert a.params_hash == b.params_hash != c.params_hash


@pytest.mark.parametrize(
    ("kind", "params", "message"),
    [
        ("gemm", {"m": 0, "n": 1, "k": 1}, "parameter `m` must be >= 1"),
        ("gemm", {"m": "abc", "n": 1, "k": 1}, "parameter `m` must be an integer"),
        ("gemm", {"m": 1, "n": 1}, "missing parameter `k`"),
        ("gemm", {"m": 1, "n": 1, "k": 1, "dtype": "int8"}, "parameter `dtype` must be one of"),
        ("gemm", {"m": 1, "n": 1, "k": 1, "mm": 3}, "unknown parameter `mm`"),
        ("gemm", {"m": 1, "n": 1, "k": 1, "trans_a": "maybe"}, "parameter `trans_a` must be true or false"),
        ("conv2d", {"c": 1, "h": 2, "w": 2, "k": 1, "r": 5}, "does not fit the padded input"),
        ("rnn_step", {"cell": "tree", "hidden": 4}, "parameter `cell` must be one of"),
        ("model", {"model": "nope"}, "unknown model 'nope'"),
        ("matmul", {}, "unknown workload kind 'matmul'"),
    ],
)
def test_bad_parameters_name_the_field(kind: str, params: dict, message: str) -> None:
    with pytest.raises(UserError, match=message.replace("(", r"\(").replace("`", "`")):
        make_workload(kind, params)


def test_batch_below_one_is_a_user_error() -> None:
    with pytest.raises(UserError, match="batch must be a positive integer"):
        make_workload("gemm", {"m": 1, "n": 1, "k": 1}).make_inputs(0, 0)
