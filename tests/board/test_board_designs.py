"""fpga-pynq designs: made for the board (pynq-z2 by default, never the Alveo default part) and with several
inputs (an RNN step takes x and h, an LSTM step also c) on the emulated board and on the PYNQ DMA path."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from accelbench.backends.fpga_pynq import PynqBackend, board_for
from accelbench.board.device import PynqDevice, check_inputs, input_dmas, pack_inputs
from accelbench.errors import UserError
from accelbench.fpga.parts import get_board, get_part
from accelbench.kinds import make_workload
from accelbench.measure.policy import RunPolicy
from accelbench.measure.runner import Runner


@pytest.mark.parametrize("cell", ["vanilla", "gru", "lstm"])
def test_rnn_steps_with_several_inputs_run_on_the_emulated_board(board_env: str, cell: str) -> None:
    workload = make_workload("rnn_step", {"cell": cell, "hidden": 8, "input_size": 6})
    m = Runner(RunPolicy(budget_s=0.05, min_samples=1), "b").measure(PynqBackend(), workload, 2)
    assert m.status == "ok", m.invalid_reason
    assert m.provenance["error"] == "simulated"  # outputs of every input checked against the reference


def test_the_design_is_made_for_the_board_not_the_alveo_default(board_env: str) -> None:
    m = Runner(RunPolicy(budget_s=0.05, min_samples=1), "b").measure(PynqBackend(), make_workload(
        "gemm", {"m": 1, "n": 4, "k": 4}), 1)
    assert m.status == "ok", m.invalid_reason
    assert m.fpga is not None and m.fpga["board"] == "pynq-z2" and m.fpga["part"] == get_board("pynq-z2").part
    assert m.fpga["clock_ns"] == 10.0 and m.fpga["agent"] == board_env
    assert m.fpga["power_w"] < get_part("xcu250-figd2104-2L-e").static_power_w  # a Zynq-7020, not an Alveo card


def test_an_explicit_board_is_used(board_env: str) -> None:
    m = Runner(RunPolicy(budget_s=0.05, min_samples=1), "b").measure(
        PynqBackend(), make_workload("gemm", {"m": 1, "n": 4, "k": 4}), 1, config={"fpga_board": "kv260"})
    assert m.status == "ok", m.invalid_reason
    assert m.fpga is not None and m.fpga["board"] == "kv260" and m.fpga["part"] == get_board("kv260").part


def test_board_choice_rules() -> None:
    assert board_for({}, None) == "pynq-z2"
    assert board_for({}, "zcu104") == "zcu104"
    assert board_for({"fpga_board": "kv260"}, None) == "kv260"
    assert board_for({"fpga_part": get_board("pynq-z2").part}, None) == "pynq-z2"
    with pytest.raises(UserError, match="drives a zcu104"):
        board_for({"fpga_board": "kv260"}, "zcu104")
    with pytest.raises(UserError, match="is not the part of board pynq-z2"):
        board_for({"fpga_part": "xcu250-figd2104-2L-e"}, None)


def test_inputs_must_match_the_design() -> None:
    x, h = np.zeros((3, 6), np.float32), np.zeros((3, 8), np.float32)
    assert check_inputs([x, h], [[6], [8]]) == 3
    with pytest.raises(ValueError, match="takes 2 inputs, got 1"):
        check_inputs([x], [[6], [8]])
    with pytest.raises(ValueError, match="same 3 rows"):
        check_inputs([x, np.zeros((2, 8), np.float32)], [[6], [8]])
    with pytest.raises(ValueError, match="expects \\[8\\]"):
        check_inputs([x, np.zeros((3, 7), np.float32)], [[6], [8]])


class _Design:
    """A fake overlay's logic: each output row is the sum of everything sent to it in the round."""

    def __init__(self, seen: dict[str, Any]) -> None:
        self.seen, self.sent, self.out = seen, [], None  # type: ignore[var-annotated]


class _Channel:
    def __init__(self, design: _Design, name: str, kind: str) -> None:
        self.design, self.name, self.kind = design, name, kind

    def transfer(self, buffer: Any) -> None:
        if self.kind == "send":
            self.design.sent.append(np.array(buffer))
            self.design.seen["sent_to"].append((self.name, tuple(buffer.shape)))
        else:
            self.design.out = buffer

    def wait(self) -> None:
        out = self.design.out
        if self.kind == "recv" and out is not None:
            rows = out.shape[0]
            out[:] = np.concatenate([b.reshape(rows, -1) for b in self.design.sent], axis=1).sum(axis=1, keepdims=True)
            self.design.sent = []


class _Dma:
    def __init__(self, design: _Design, name: str) -> None:
        self.sendchannel, self.recvchannel = _Channel(design, name, "send"), _Channel(design, name, "recv")


class _Buffer(np.ndarray):
    def freebuffer(self) -> None:
        pass


@pytest.fixture
def fake_pynq(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """A stand-in ``pynq`` module: an overlay with ``n_dmas`` AXI DMA engines that records every transfer."""
    seen: dict[str, Any] = {"n_dmas": 1, "sent_to": []}

    class Overlay:
        def __init__(self, path: str) -> None:
            design = _Design(seen)
            for index in range(seen["n_dmas"]):
                setattr(self, f"axi_dma_{index}", _Dma(design, f"axi_dma_{index}"))

    def allocate(shape: tuple[int, ...], dtype: Any) -> _Buffer:
        return np.zeros(shape, dtype).view(_Buffer)

    module = types.ModuleType("pynq")
    module.Overlay = Overlay  # type: ignore[attr-defined]
    module.allocate = allocate  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "pynq", module)
    return seen


def _bundle(tmp_path: Path, packing: str | None = None) -> Path:
    (tmp_path / "design.bit").write_bytes(b"bit")
    io: dict[str, Any] = {"input_shapes": [[6], [8], [8]], "output_size": 1}
    if packing:
        io["input_packing"] = packing
    (tmp_path / "io.json").write_text(json.dumps(io))
    return tmp_path


@pytest.mark.parametrize(("n_dmas", "expected"), [
    (3, [("axi_dma_0", (2, 6)), ("axi_dma_1", (2, 8)), ("axi_dma_2", (2, 8))]),
    (1, [("axi_dma_0", (2, 22))]),
])
def test_the_pynq_device_sends_every_input(tmp_path: Path, fake_pynq: dict[str, Any], n_dmas: int,
                                           expected: list[tuple[str, tuple[int, int]]]) -> None:
    """One DMA engine per input when the overlay has them, else the rows concatenated on one engine."""
    fake_pynq["n_dmas"] = n_dmas
    device = PynqDevice()
    device.load(_bundle(tmp_path))
    x, h, c = (np.full((2, n), v, np.float32) for n, v in ((6, 1.0), (8, 2.0), (8, 3.0)))
    result = device.run([x, h, c], repeats=2, power=False)
    assert fake_pynq["sent_to"] == expected * 2
    np.testing.assert_allclose(result["outputs"][0], np.full((2, 1), 6 + 16 + 24))
    assert result["timing"] == "measured" and len(result["seconds"]) == 2


def test_the_pynq_device_refuses_a_packing_the_overlay_lacks(tmp_path: Path, fake_pynq: dict[str, Any]) -> None:
    device = PynqDevice()
    device.load(_bundle(tmp_path, "dma-per-input"))
    x, h, c = (np.zeros((2, n), np.float32) for n in (6, 8, 8))
    with pytest.raises(ValueError, match="no axi_dma_1, axi_dma_2"):
        device.run([x, h, c], repeats=1, power=False)


def test_packing_helpers() -> None:
    overlay = types.SimpleNamespace(axi_dma_0=1, axi_dma_1=2)
    assert input_dmas(overlay, 2, None) == ["axi_dma_0", "axi_dma_1"]
    assert input_dmas(overlay, 2, "concat") == ["axi_dma_0"]
    assert input_dmas(overlay, 3, None) == ["axi_dma_0"]
    streams = pack_inputs([np.ones((2, 2, 3)), np.zeros((2, 4))], ["axi_dma_0"])
    assert len(streams) == 1 and streams[0].array.shape == (2, 10) and streams[0].array.dtype == np.float32
