"""fpga-pynq runs recurrent sequences (rnn_step, timesteps > 1) as fpga-hls4ml does: the one-step cell
design, called once per timestep by the host with the state fed back.

On the emulated board the output is checked against the float64 reference and the modeled latency is
the sequence's (T x the cell's plus the fill); on a real board (a stand-in client here) the latency is
the sum of the board's measured seconds of the T step calls.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

from accelbench.backends.fpga_pynq import SEQUENCE_TIMING, PynqBackend, sequence_rtol
from accelbench.board.device import check_inputs
from accelbench.fpga.config import resolve_config
from accelbench.fpga.lowering import Lowered, lower
from accelbench.fpga.tolerance import MAX_RTOL
from accelbench.kinds import make_workload
from accelbench.measure.policy import RunPolicy
from accelbench.measure.runner import Runner
from accelbench.workload import Workload

T = 3
GRU = {"cell": "gru", "hidden": 8, "input_size": 6}
VANILLA = {"cell": "vanilla", "hidden": 8, "input_size": 6}  # the quickest cell to compile for the C simulation
#: Board-measured seconds per repetition of each timestep's call (the stand-in board's timer).
STEP_S = (0.001, 0.002, 0.004)


def _policy() -> RunPolicy:
    return RunPolicy(budget_s=0.05, min_samples=1)


def test_a_sequence_runs_on_the_emulated_board_with_the_sequences_modeled_latency(board_env: str) -> None:
    sequence = make_workload("rnn_step", {**VANILLA, "timesteps": T})
    m = Runner(_policy(), "b").measure(PynqBackend(), sequence, 2)
    assert m.status == "ok", m.invalid_reason
    assert m.error is not None and m.error.rel <= m.error.rtol  # checked against the float64 reference
    assert m.provenance["error"] == "simulated" and m.provenance["latency"] == "modeled"
    assert m.fpga is not None and m.fpga["timesteps"] == T
    assert any(f"sequence of {T} steps" in note for note in m.notes)
    # the record's tolerance is the one the host checked against, the agent's own bound beside it
    assert m.fpga["tolerance"]["rtol"] == m.error.rtol and m.fpga["tolerance"]["steps"] == T
    assert "agent_tolerance" in m.fpga

    one = Runner(_policy(), "b").measure(PynqBackend(), make_workload("rnn_step", VANILLA), 2)
    assert one.status == "ok", one.invalid_reason
    assert one.fpga is not None and one.fpga["timesteps"] == 1
    assert not any("sequence of" in note for note in one.notes)  # a single step behaves as before
    fill = resolve_config(sequence, {"fpga_board": "pynq-z2"}).profile().stream_stage_cycles
    cell = one.fpga["latency_cycles"]
    assert T * cell <= m.fpga["latency_cycles"] <= T * cell + fill
    assert m.latency is not None and one.latency is not None
    assert m.latency.p50_s >= T * cell * m.fpga["clock_ns"] * 1e-9 > one.latency.p50_s


class StandInBoard:
    """A real board's client: the cell computed by its torch module, a fixed board time per step."""

    address = "stand-in:0"

    def __init__(self, lowered: Lowered) -> None:
        self.lowered = lowered
        self.calls: list[tuple[list[np.ndarray], int]] = []

    def hello(self) -> dict[str, Any]:
        return {"emulated": False, "board": None}

    def ensure_bundle(self, files: dict[str, bytes], digest: str) -> bool:
        return True

    def load(self, digest: str) -> dict[str, Any]:
        return {"load_time_s": 0.5, "emulated": False}

    def run(self, digest: str, inputs: list[np.ndarray], repeats: int = 1,
            power: bool = False) -> tuple[list[np.ndarray], dict[str, Any]]:
        rows = check_inputs(inputs, [list(s) for s in self.lowered.input_shapes])  # the cell's shapes only
        step = len(self.calls) % self.lowered.steps  # every sequence is T calls in step order
        self.calls.append(([np.array(a) for a in inputs], repeats))
        with torch.no_grad():
            y = self.lowered.module(*(torch.from_numpy(np.asarray(a, np.float32)) for a in inputs)).numpy()
        seconds = STEP_S[step] if self.lowered.steps > 1 else STEP_S[0]
        rails = {"vccint": [[0.0, 2.0], [1.0, 2.0]]} if power else {}  # 2 J over 1 s
        return [y.reshape(rows, -1)], {"timing": "measured", "seconds": [seconds] * repeats, "rails": rails}


def _real_board(workload: Workload, monkeypatch: pytest.MonkeyPatch) -> tuple[PynqBackend, StandInBoard]:
    board = StandInBoard(lower(workload))
    backend = PynqBackend()
    monkeypatch.setattr(backend, "_client", lambda: board)
    monkeypatch.setattr("accelbench.backends.fpga_pynq._prebuilt_bundle", lambda w, cfg: {"design.bit": b"bit"})
    return backend, board


def test_real_board_sequence_time_is_the_sum_of_each_steps_measured_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    workload = make_workload("rnn_step", {**GRU, "timesteps": T})
    backend, board = _real_board(workload, monkeypatch)
    prepared = backend.prepare(workload, {})
    assert SEQUENCE_TIMING in " ".join(prepared.notes)
    inputs = workload.make_inputs(0, 2)
    device_inputs = backend.upload(prepared, inputs)
    assert backend.time(prepared, device_inputs, 5) == pytest.approx(5 * sum(STEP_S))
    assert [repeats for _, repeats in board.calls] == [5] * T
    state = inputs[1]
    for t, (arrays, _) in enumerate(board.calls):  # each step on its actual inputs, the state fed back
        np.testing.assert_array_equal(arrays[0], inputs[0][:, t].astype(np.float32))
        np.testing.assert_allclose(arrays[1], state, rtol=1e-6)
        with torch.no_grad():
            state = board.lowered.module(torch.from_numpy(arrays[0]), torch.from_numpy(arrays[1])).numpy()


def test_a_real_board_sequence_record_is_measured_and_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    workload = make_workload("rnn_step", {**GRU, "timesteps": T})
    backend, _ = _real_board(workload, monkeypatch)
    m = Runner(RunPolicy(budget_s=0.05, min_samples=1, end_to_end=False), "b").measure(backend, workload, 2)
    assert m.status == "ok", m.invalid_reason
    assert m.error is not None and m.error.rel <= m.error.rtol
    assert m.provenance["latency"] == "measured" and m.provenance["error"] == "measured"
    assert m.latency is not None and m.latency.p50_s == pytest.approx(sum(STEP_S))
    assert any(SEQUENCE_TIMING in note for note in m.notes)


def test_sequence_power_is_the_first_steps_and_its_energy_is_labelled_modeled(
        monkeypatch: pytest.MonkeyPatch) -> None:
    workload = make_workload("rnn_step", {**GRU, "timesteps": T})
    backend, board = _real_board(workload, monkeypatch)
    prepared = backend.prepare(workload, {})
    inputs = workload.make_inputs(0, 2)
    fields = backend.measure_power(prepared, backend.upload(prepared, inputs), 2, 0.01)
    assert fields is not None and fields.power_w == pytest.approx(2.0)
    items = fields.detail["items"]
    assert fields.energy_j_per_item == pytest.approx(T * 2.0 / items)
    assert fields.provenance == {"power_w": "measured", "energy_j_per_item": "modeled"}
    assert all(np.array_equal(arrays[0], inputs[0][:, 0].astype(np.float32)) for arrays, _ in board.calls)


def test_a_single_step_on_a_real_board_is_one_call_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    workload = make_workload("rnn_step", GRU)
    backend, board = _real_board(workload, monkeypatch)
    prepared = backend.prepare(workload, {})
    assert not any("sequence" in note for note in prepared.notes)
    assert prepared.rtol == resolve_config(workload, {"fpga_board": "pynq-z2"}).tolerance(4)
    inputs = workload.make_inputs(0, 2)
    assert backend.time(prepared, backend.upload(prepared, inputs), 7) == pytest.approx(7 * STEP_S[0])
    assert len(board.calls) == 1 and board.calls[0][1] == 7


def test_the_sequence_tolerance_carries_the_step_bound_over_the_steps() -> None:
    workload = make_workload("rnn_step", {"cell": "vanilla", "hidden": 8, "input_size": 6, "timesteps": 4})
    cfg = resolve_config(workload, {"fpga_board": "pynq-z2", "precision": "ap_fixed<24,8>"})
    one_step = cfg.tolerance(4)
    rtol, how = sequence_rtol(cfg, workload, 4, 4)
    assert one_step < rtol <= min(MAX_RTOL, 4 * one_step) and "over 4 steps" in how
    override = resolve_config(workload, {"fpga_board": "pynq-z2", "fpga_rtol": 0.05})
    assert sequence_rtol(override, workload, 4, 4)[0] == 0.05
