"""One packed input stream for a design with several inputs, as recorded in a bundle's ``io.json``.

hls4ml 1.3's VivadoAccelerator backend refuses models with more than one input (its
``VivadoAcceleratorConfig`` asserts one), and its block designs have one AXI DMA engine. A
multi-input design (an RNN step takes x and h, an LSTM step also c) is therefore built with one
input stream whose rows are the inputs' rows concatenated (:mod:`accelbench.fpga.packed_io`
writes the HLS wrapper that splits them). ``io.json`` records where each input sits::

    "input_packing": "concat",
    "packed_size": 14,
    "packed_inputs": [{"index": 0, "shape": [6], "offset": 0, "size": 6},
                      {"index": 1, "shape": [8], "offset": 6, "size": 8}]

Both board devices build the one DMA buffer from this layout (:func:`pack`); the emulated device
also splits it again (:func:`unpack`), as the generated wrapper does in hardware. numpy only: this
module runs on the board's own Python.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class PackedInput:
    """Where input ``index`` (rows of ``shape``) sits in every packed row: values ``offset .. offset+size``."""

    index: int
    shape: tuple[int, ...]
    offset: int
    size: int

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, "shape": list(self.shape), "offset": self.offset, "size": self.size}


def concat_layout(input_shapes: Sequence[Sequence[int]]) -> list[PackedInput]:
    """The inputs one after another, in the design's input order (what the HLS wrapper reads)."""
    layout, offset = [], 0
    for index, shape in enumerate(input_shapes):
        size = int(np.prod(shape))
        layout.append(PackedInput(index, tuple(int(n) for n in shape), offset, size))
        offset += size
    return layout


def packing_json(input_shapes: Sequence[Sequence[int]]) -> dict[str, Any]:
    """The ``io.json`` keys of a packed design (empty for a one-input design: nothing to pack)."""
    if len(input_shapes) < 2:
        return {}
    layout = concat_layout(input_shapes)
    return {"input_packing": "concat", "packed_size": packed_size(layout),
            "packed_inputs": [entry.to_json() for entry in layout]}


def packed_size(layout: Sequence[PackedInput]) -> int:
    return sum(entry.size for entry in layout)


def read_layout(io: Mapping[str, Any]) -> list[PackedInput] | None:
    """The layout ``io.json`` records, None when it records none; ValueError naming the bad field.

    The layout must be what the generated wrapper reads: every input once, in order, back to back
    from offset 0, each of ``prod(shape)`` values, ``packed_size`` in all.
    """
    entries = io.get("packed_inputs")
    if entries is None:
        return None
    if io.get("input_packing") != "concat":
        raise ValueError(f"io.json packed_inputs needs input_packing concat, got {io.get('input_packing')!r}")
    try:
        layout = [PackedInput(int(e["index"]), tuple(int(n) for n in e["shape"]), int(e["offset"]), int(e["size"]))
                  for e in entries]
        total = int(io["packed_size"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"io.json packed_inputs/packed_size malformed: {exc!r}") from None
    if any(not entry.shape or min(entry.shape) < 1 for entry in layout):
        raise ValueError(f"io.json packed_inputs shapes must be non-empty lists of positive sizes, got "
                         f"{[list(entry.shape) for entry in layout]}")
    if layout != concat_layout([entry.shape for entry in layout]) or total != packed_size(layout):
        raise ValueError("io.json packed_inputs must list the inputs in order, back to back from offset 0, "
                         f"each of prod(shape) values, packed_size in all: got {entries} (packed_size {total})")
    shapes = io.get("input_shapes")
    if shapes is not None and [list(s) for s in shapes] != [list(e.shape) for e in layout]:
        raise ValueError(f"io.json packed_inputs shapes {[list(e.shape) for e in layout]} are not its "
                         f"input_shapes {shapes}")
    return layout


def pack(inputs: Sequence[np.ndarray], layout: Sequence[PackedInput]) -> np.ndarray:
    """The float32 (rows, packed_size) DMA buffer: row r holds every input's row r at its offset."""
    if len(inputs) != len(layout):
        raise ValueError(f"the packed design takes {len(layout)} inputs, got {len(inputs)}")
    rows = int(inputs[0].shape[0])
    packed = np.empty((rows, packed_size(layout)), dtype=np.float32)
    for entry, x in zip(layout, inputs, strict=True):
        flat = np.asarray(x, dtype=np.float32).reshape(x.shape[0], -1)
        if flat.shape != (rows, entry.size):
            raise ValueError(f"input {entry.index} has {flat.shape[1]} values in each of {flat.shape[0]} rows, "
                             f"the packed layout expects {entry.size} in each of {rows}")
        packed[:, entry.offset:entry.offset + entry.size] = flat
    return packed


def unpack(packed: np.ndarray, layout: Sequence[PackedInput]) -> list[np.ndarray]:
    """The inputs again, (rows, *shape) each: what the HLS wrapper's split does to the stream."""
    rows = packed.shape[0]
    return [np.ascontiguousarray(packed[:, e.offset:e.offset + e.size]).reshape(rows, *e.shape) for e in layout]
