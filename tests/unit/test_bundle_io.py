"""A bundle's io.json says how many values the design streams out per input row (the board's receive buffer)."""

from __future__ import annotations

import pytest

from accelbench.fpga.bundle_build import bundle_io
from accelbench.fpga.lowering import lower
from accelbench.kinds import make_workload


@pytest.mark.parametrize(("kind", "params", "per_row"), [
    ("gemm", {"m": 2, "n": 8, "k": 8}, 8),  # one row of A per call: n values, not m x n
    ("rnn_step", {"cell": "lstm", "hidden": 8, "input_size": 6, "batch": 2}, 8),
    ("rnn_step", {"cell": "lstm", "hidden": 8, "input_size": 6, "batch": 2, "timesteps": 3}, 16),  # h' and c'
    ("rnn_step", {"cell": "gru", "hidden": 8, "input_size": 6, "batch": 2, "timesteps": 3}, 8),
    ("conv2d", {"n": 1, "c": 3, "h": 8, "w": 8, "k": 4, "r": 3, "s": 3}, 4 * 6 * 6),
])
def test_the_output_size_is_what_the_design_streams_out_per_row(kind: str, params: dict[str, object],
                                                                per_row: int) -> None:
    workload = make_workload(kind, params)
    assert bundle_io(workload, lower(workload))["output_size"] == per_row
