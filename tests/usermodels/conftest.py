"""A tiny model trained here, outside accelbench, saved in every target format with its data.

Three Gaussian blobs in 8 dimensions, an MLP 8-16-3 trained for a few hundred steps (well under a
second): the same network as a ``.py`` factory plus a state dict, an ONNX file and a
``torch.export`` program, and ``data.npz`` with held-out inputs and integer labels.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

FACTORY = '''\
"""A user's model file: the factory builds the architecture; weights come from --weights."""
from torch import nn


def build():
    net = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3))
    net.input_shape = (8,)
    return net


def no_shape():
    return nn.Sequential(nn.Linear(8, 3))


def not_a_module():
    return 42
'''


def _blobs(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    centres = np.array([[2.0] * 8, [-2.0] * 8, [2.0, -2.0] * 4], dtype=np.float32)
    y = rng.integers(0, 3, size=n)
    x = centres[y] + rng.normal(0.0, 1.0, size=(n, 8)).astype(np.float32)
    return x.astype(np.float32), y.astype(np.int64)


@pytest.fixture(scope="session")
def trained(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    import warnings

    import torch

    out = tmp_path_factory.mktemp("user_model")
    rng = np.random.default_rng(7)
    x_train, y_train = _blobs(rng, 600)
    x_test, y_test = _blobs(rng, 200)
    (out / "mymodel.py").write_text(FACTORY)
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3))
    opt = torch.optim.Adam(net.parameters(), lr=0.05)
    xt, yt = torch.from_numpy(x_train), torch.from_numpy(y_train)
    for _ in range(200):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(net(xt), yt)
        loss.backward()
        opt.step()
    net.eval()
    torch.save(net.state_dict(), out / "weights.pt")
    example = torch.from_numpy(x_test[:2])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(net, (example,), str(out / "mymodel.onnx"), dynamo=False, input_names=["x"],
                          output_names=["y"], dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}})
    batch = torch.export.Dim("batch")
    torch.export.save(torch.export.export(net, (example,), dynamic_shapes=({0: batch},)), str(out / "mymodel.pt2"))
    torch.export.save(torch.export.export(net, (example,)), str(out / "fixed_batch.pt2"))
    np.savez(out / "data.npz", x=x_test, y=y_test)
    np.savez(out / "nan.npz", x=np.full((4, 8), np.nan, dtype=np.float32))
    np.savez(out / "wrong_shape.npz", x=np.zeros((4, 5), dtype=np.float32))
    np.savez(out / "no_x.npz", inputs=x_test)
    (out / "garbage.onnx").write_bytes(b"not an onnx file")
    return {"dir": out, "py": out / "mymodel.py", "weights": out / "weights.pt", "onnx": out / "mymodel.onnx",
            "pt2": out / "mymodel.pt2", "data": out / "data.npz", "nan": out / "nan.npz",
            "wrong_shape": out / "wrong_shape.npz", "no_x": out / "no_x.npz", "garbage": out / "garbage.onnx",
            "fixed_batch": out / "fixed_batch.pt2"}
