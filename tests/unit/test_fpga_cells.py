"""The hls4ml cell graphs compute the one host-side definition of the gates (accelbench.kinds.rnn.cell_step)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from accelbench.fpga.cells import cell_module
from accelbench.kinds import make_workload
from accelbench.kinds.rnn import cell_step


@pytest.mark.parametrize("cell", ["vanilla", "lstm", "gru"])
def test_cell_graph_matches_cell_step(cell: str) -> None:
    workload = make_workload("rnn_step", {"cell": cell, "hidden": 6, "input_size": 5})
    inputs = workload.make_inputs(1, 3)
    w = {key: np.asarray(value, dtype=np.float64) for key, value in workload.weights().items()}
    c0 = inputs[2].astype(np.float64) if cell == "lstm" else None
    h_ref, c_ref = cell_step(cell, inputs[0].astype(np.float64), inputs[1].astype(np.float64), c0, w)
    module = cell_module(workload, state_out=True)
    with torch.no_grad():
        out = module(*(torch.from_numpy(np.asarray(x, dtype=np.float32)) for x in inputs)).numpy()
    np.testing.assert_allclose(out[:, :6], h_ref, atol=1e-5)
    if cell == "lstm":
        np.testing.assert_allclose(out[:, 6:], c_ref, atol=1e-5)
