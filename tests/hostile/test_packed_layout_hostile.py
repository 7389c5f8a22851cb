"""A peer's bundle whose io.json packed layout is malformed or hostile is refused with one clear reason.

The board agent reads ``io.json`` from bundles its clients send; the layout decides where each
input's values go in the DMA buffer, so anything but the exact back-to-back layout is refused before
a buffer is built (no negative or overlapping offsets, no sizes that do not match the shapes).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from accelbench.board.device import bundle_layout
from accelbench.board.packing import pack, packing_json, read_layout

GOOD = packing_json([[3], [4]])


def _with(**changes: Any) -> dict[str, Any]:
    io = json.loads(json.dumps(GOOD))
    io.update(changes)
    return io


def _entry(i: int, **changes: Any) -> dict[str, Any]:
    io = json.loads(json.dumps(GOOD))
    io["packed_inputs"][i].update(changes)
    return io


@pytest.mark.parametrize("io", [
    _with(input_packing="dma-per-input"),
    _with(packed_size=10**12),
    _with(packed_size="seven"),
    _with(packed_inputs="x"),
    _with(packed_inputs=[{"index": 0}]),
    _entry(1, offset=0),  # overlaps input 0
    _entry(1, offset=-3),
    _entry(0, shape=[-3], size=-3),
    _entry(0, shape=[-3, -1], size=3),  # prod 3, as the size says: still not a shape
    _entry(0, shape=[], size=1),
    _entry(0, size=10**9),
    _entry(1, index=0),
    _with(packed_inputs=list(reversed(GOOD["packed_inputs"]))),
    _with(input_shapes=[[4], [3]]),
], ids=lambda io: json.dumps(io)[:60])
def test_a_hostile_layout_is_refused_with_a_reason(io: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=r"io\.json"):
        read_layout(io)


def test_a_layout_that_does_not_fit_the_loaded_design_is_refused(tmp_path: Path) -> None:
    (tmp_path / "io.json").write_text(json.dumps(GOOD))
    with pytest.raises(ValueError, match="the design takes"):
        bundle_layout(tmp_path, [[3], [5]])
    (tmp_path / "io.json").write_text("{not json")
    with pytest.raises(ValueError, match=r"malformed io\.json"):
        bundle_layout(tmp_path, [[3], [4]])


def test_inputs_that_do_not_fit_the_layout_are_refused_before_a_buffer_is_filled() -> None:
    layout = read_layout(GOOD)
    assert layout is not None
    with pytest.raises(ValueError, match="expects 4"):
        pack([np.zeros((2, 3)), np.zeros((2, 5))], layout)
    with pytest.raises(ValueError, match="takes 2 inputs"):
        pack([np.zeros((2, 3))], layout)
