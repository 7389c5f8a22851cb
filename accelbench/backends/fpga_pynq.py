"""fpga-pynq: the hls4ml design on a PYNQ board through the board agent.

The board is given with ``--board HOST:PORT --board-token-file F [--board-ca F]`` (or
``ACCELBENCH_BOARD`` / ``ACCELBENCH_BOARD_TOKEN_FILE`` / ``ACCELBENCH_BOARD_CA``). The design's part,
clock and modeled power come from the board (``--fpga-board``, else the board the agent reports,
else ``pynq-z2``), never from the data-center default part; the record's ``fpga.board`` and
``fpga.part`` say which, ``fpga.agent`` where it ran. The bundle is sent once (cached by hash on the board); inputs
travel as .npy; outputs are checked against the float64 reference on the host. A real board's
latency is measured by the board's timer around the DMA transfer and wait (``measured``), with
bitstream load time recorded apart and rail power from the same runs. Against the emulated board
(``accelbench board serve --emulate``) outputs come from the hls4ml C simulation (``simulated``)
and timing from the analytical model (``modeled``).

A recurrent sequence (an ``rnn_step`` with ``timesteps > 1``) runs as fpga-hls4ml runs it: the
bundle is the one-step cell design, and the host calls the board once per timestep with
(x[:, t], state), feeding the state back (:func:`accelbench.fpga.lowering.sequence_call`). A real
board's latency is then the sum of the board's measured seconds of the T calls (each with its DMA
transfers; the host's work between steps is not included); the emulated board's modeled figures are
those of the sequence (T x the cell's latency plus the fill, built by the agent from the workload).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from accelbench.backends.base import Availability, BaseBackend, Estimate, Family, Prepared, Support, Timing
from accelbench.workload import Workload

BOARD_ENV, TOKEN_ENV, CA_ENV = "ACCELBENCH_BOARD", "ACCELBENCH_BOARD_TOKEN_FILE", "ACCELBENCH_BOARD_CA"
#: The board assumed when neither the user nor the agent names one.
DEFAULT_BOARD = "pynq-z2"
#: What a real board's sequence latency is (the record's note).
SEQUENCE_TIMING = ("T host-iterated cell calls measured on the board (each with its DMA transfers); "
                   "host work between steps not included")


@dataclass(frozen=True)
class _Sequence:
    """A sequence's host arrays (x of (batch, T, input), then the initial state): cut per step when run."""

    inputs: tuple[np.ndarray, ...]

    def first_step(self) -> list[np.ndarray]:
        """The design's inputs of the first timestep: x[:, 0] and the initial state."""
        x, *state = self.inputs
        return [np.ascontiguousarray(a, dtype=np.float32) for a in (x[:, 0], *state)]


def _lower(backend: Any, workload: Workload, config: Mapping[str, Any]) -> Prepared:
    return backend.prepare_design(workload, config)


class PynqBackend(BaseBackend):
    name = "fpga-pynq"
    family: Family = "fpga"
    timing: Timing = "device"
    has_transfers = True
    resources = {"PYNQ": 1}  # noqa: RUF012
    lowerings = dict.fromkeys(("gemm", "conv2d", "rnn_step", "model"), _lower)

    def __init__(self) -> None:
        self._clients: dict[str, Any] = {}

    def _client(self) -> Any:
        from accelbench.board.client import BoardClient
        from accelbench.board.token import read_token

        address, token_file = os.environ.get(BOARD_ENV), os.environ.get(TOKEN_ENV)
        if not address or not token_file:
            return None
        if address not in self._clients:
            self._clients[address] = BoardClient(address, read_token(token_file), ca=os.environ.get(CA_ENV) or None)
        return self._clients[address]

    def available(self) -> Availability:
        from accelbench.board.client import BoardError

        try:
            client = self._client()
        except Exception as exc:
            return Availability(False, str(exc))
        if client is None:
            return Availability(False, "no board given (--board HOST:PORT --board-token-file F)")
        try:
            hello = client.hello()
        except BoardError as exc:
            return Availability(False, str(exc))
        kind = "emulated board (C simulation, modeled timing)" if hello["emulated"] else "PYNQ board"
        return Availability(True, f"{kind} at {client.address}")

    def supports(self, workload: Workload) -> Support:
        support = super().supports(workload)
        if not support.ok:
            return support
        from accelbench.fpga.lowering import why_not

        reason = why_not(workload)
        return Support(not reason, reason)

    def prepare_design(self, workload: Workload, config: Mapping[str, Any]) -> Prepared:
        """The hls4ml design of any kind (fpga.lowering has the per-kind step), loaded on the board."""
        from accelbench.board.bundle import DESIGN_KEYS, bundle_hash, emulation_bundle
        from accelbench.fpga.bundle_build import bundle_io
        from accelbench.fpga.config import resolve_config
        from accelbench.fpga.lowering import lower

        client = self._client()
        hello = client.hello()
        emulated = bool(hello["emulated"])
        board = board_for(config, hello.get("board"))
        fpga_config = {k: v for k, v in config.items() if k in DESIGN_KEYS and k != "fpga_part"}
        fpga_config["fpga_board"] = board
        cfg = resolve_config(workload, fpga_config)
        lowered = lower(workload)  # a sequence lowers to its one-step cell (``lowered.steps`` = T)
        io = bundle_io(workload, lowered)  # a multi-input design's packed layout, as `fpga bundle` records it
        if emulated:
            files = emulation_bundle(workload.kind, workload.params, workload.name, fpga_config, io)
        else:
            files = _prebuilt_bundle(workload, cfg)
        digest = bundle_hash(files)
        sent = client.ensure_bundle(files, digest)
        info = client.load(digest)
        self.timing = "modeled" if emulated else "device"
        notes = [f"board {board}: part {cfg.part}, clock {cfg.clock_ns:g} ns",
                 f"bundle {digest} {'sent' if sent else 'already on the board'}",
                 f"bitstream/design load {info['load_time_s']:.3f} s (measured on the board, not in latency)"]
        figures: dict[str, Any] = {"fpga": {"part": cfg.part, "clock_ns": cfg.clock_ns, **(info.get("fpga") or {}),
                                            "board": board, "agent": client.address, "timesteps": lowered.steps,
                                            "load_time_s": info["load_time_s"], "emulated": emulated}}
        provenance = {"error": "simulated" if emulated else "measured",
                      "fpga.load_time_s": "simulated" if emulated else "measured"}
        if emulated:
            notes.append("emulated board: outputs from the hls4ml C simulation, timing modeled")
        rtol = cfg.tolerance(lowered.depth)
        how = (f"tolerance {rtol:g} (override, fpga_rtol)" if cfg.rtol is not None else
               f"tolerance {rtol:g}: 16 LSB per layer of depth {lowered.depth}, at most the cap")
        if lowered.steps > 1:
            rtol, how = sequence_rtol(cfg, workload, lowered.depth, lowered.steps)
            notes.append(f"sequence of {lowered.steps} steps: the one-step cell design, called once per timestep "
                         f"by the host with the state fed back; {how}")
            if not emulated:
                notes.append(f"latency: {SEQUENCE_TIMING}")
        # the record's tolerance is the one this host checks the board's outputs against (never a
        # bound the agent reports about its own outputs, kept beside it as agent_tolerance)
        fpga = figures["fpga"]
        if "tolerance" in fpga:
            fpga["agent_tolerance"] = fpga.pop("tolerance")
        fpga["tolerance"] = {"rtol": rtol, "source": "override (fpga_rtol)" if cfg.rtol is not None else
                             "host check (coarse precision bound)", "steps": lowered.steps, "method": how}
        return Prepared(workload, config, handle={"client": client, "hash": digest, "lowered": lowered,
                                                  "model": info.get("model"), "emulated": emulated},
                        rtol=rtol, figures=figures, provenance=provenance, notes=notes)

    def upload(self, prepared: Prepared, inputs: tuple[np.ndarray, ...]) -> Any:
        """The design's arrays; for a sequence the host's (x, state...) arrays, cut per step in :meth:`run`."""
        lowered = prepared.handle["lowered"]
        if lowered.steps > 1:
            return _Sequence(tuple(inputs)), inputs[0].shape[0]
        return lowered.to_hls(inputs), inputs[0].shape[0]

    def run(self, prepared: Prepared, device_inputs: Any) -> Any:
        arrays, batch = device_inputs
        if isinstance(arrays, _Sequence):
            y, _ = _run_sequence(prepared, arrays, repeats=1)
            return y, batch
        outputs, _ = prepared.handle["client"].run(prepared.handle["hash"], arrays)
        return outputs[0], batch

    def download(self, prepared: Prepared, device_output: Any) -> np.ndarray:
        y, batch = device_output
        return np.asarray(prepared.handle["lowered"].from_hls(y, batch))

    def time(self, prepared: Prepared, device_inputs: Any, n: int) -> float | None:
        """Board-measured seconds of ``n`` calls; for a sequence the sum over its T steps of each step's
        ``n`` measured repetitions (host work between steps not included)."""
        if prepared.handle["emulated"]:
            return None
        arrays, _ = device_inputs
        if isinstance(arrays, _Sequence):
            _, replies = _run_sequence(prepared, arrays, repeats=n)
        else:
            replies = [prepared.handle["client"].run(prepared.handle["hash"], arrays, repeats=n)[1]]
        if any(reply.get("timing") != "measured" for reply in replies):
            raise RuntimeError("the board returned non-measured timing for a real board")
        return float(sum(sum(reply["seconds"]) for reply in replies))

    def estimate(self, prepared: Prepared, batch: int) -> Estimate | None:
        model = prepared.handle.get("model")
        if not model:
            return None
        workload = prepared.workload
        n = batch * int(workload.params["m"]) if workload.kind == "gemm" else batch
        cycles = max(model["latency_cycles"], 1) + max(n - 1, 0) * max(model["ii_cycles"], 1)
        seconds = cycles * model["clock_ns"] * 1e-9
        return Estimate(seconds, None, batch / seconds, "emulated board: accelbench analytical FPGA model")

    def measure_power(self, prepared: Prepared, device_inputs: Any, batch: int, window_s: float) -> Any:
        """Board rail power over >= ``window_s`` of repeated runs (real boards; None when emulated)."""
        from accelbench.measure.runner import PowerFields
        from accelbench.power.pynq_rails import reading_from_rail_samples

        if prepared.handle["emulated"]:
            return None
        arrays, _ = device_inputs
        steps = 1
        if isinstance(arrays, _Sequence):  # the cell's power on the first step's inputs, repeated
            arrays, steps = arrays.first_step(), prepared.handle["lowered"].steps
        client, digest = prepared.handle["client"], prepared.handle["hash"]
        _, probe = client.run(digest, arrays, repeats=1)
        repeats = max(1, int(window_s / max(sum(probe["seconds"]), 1e-6)))
        _, reply = client.run(digest, arrays, repeats=repeats, power=True)
        reading = reading_from_rail_samples(reply.get("rails") or {})
        items = repeats * batch
        per_item = steps * reading.energy_j / items if items and reading.energy_j else None
        detail = {"meter": "pynq-rails", "window_s": reading.duration_s, "items": items, "domains_j": reading.domains}
        labels = {"power_w": "measured", "energy_j_per_item": "measured" if steps == 1 else "modeled"}
        methods = {"power_w": reading.method, "energy_j_per_item": f"rail energy / {items} items, same window"}
        if steps > 1:
            methods["power_w"] += f"; over repeated cell calls on the first of the sequence's {steps} steps"
            methods["energy_j_per_item"] = (f"rail energy / {items} cell calls on the first step, x {steps} steps "
                                            "(every step assumed to cost what the first does)")
        return PowerFields(reading.avg_power_w, None, per_item, detail, labels, methods)

    def device_info(self) -> dict[str, Any]:
        return {"device": f"board agent at {os.environ.get(BOARD_ENV, '?')}"}


def board_for(config: Mapping[str, Any], agent_board: str | None) -> str:
    """The board a design is made for: ``--fpga-board``, else the agent's, else :data:`DEFAULT_BOARD`.

    A UserError when ``--fpga-board`` contradicts the agent's board or ``--fpga-part`` is not the
    board's part (a PYNQ design's part is its board's).
    """
    from accelbench.errors import UserError
    from accelbench.fpga.parts import get_board

    given = config.get("fpga_board")
    if given is not None and agent_board is not None and str(given) != agent_board:
        raise UserError(f"--fpga-board {given} but the board agent drives a {agent_board}")
    board = get_board(str(given or agent_board or DEFAULT_BOARD))
    part = config.get("fpga_part")
    if part is not None and str(part) != board.part:
        raise UserError(f"--fpga-part {part} is not the part of board {board.name} ({board.part}): "
                        f"fpga-pynq takes the part from the board (--fpga-board)")
    return board.name


def _run_sequence(prepared: Prepared, sequence: _Sequence,
                  repeats: int) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """One board call per timestep, ``repeats`` repetitions each: the last hidden state and each step's reply.

    Every step runs on its actual inputs (x[:, t] and the state the previous step returned).
    """
    from accelbench.fpga.lowering import sequence_call
    from accelbench.kinds.rnn import RnnStepWorkload

    client, digest = prepared.handle["client"], prepared.handle["hash"]
    workload = prepared.workload
    assert isinstance(workload, RnnStepWorkload)  # only recurrent cells lower with steps > 1
    replies: list[dict[str, Any]] = []

    def step(arrays: list[np.ndarray]) -> np.ndarray:
        outputs, reply = client.run(digest, arrays, repeats=repeats)
        replies.append(reply)
        return np.asarray(outputs[0])

    return sequence_call(step, workload, sequence.inputs), replies


def sequence_rtol(cfg: Any, workload: Workload, depth: int, steps: int) -> tuple[float, str]:
    """The check's tolerance for a ``steps``-step sequence, and how it was obtained.

    The one-step bound (:meth:`FpgaConfig.tolerance`) carried over the steps as fpga-hls4ml carries
    its precision bound (:func:`accelbench.fpga.tolerance.sequence_factor` with the recurrent
    weights' gain), at most :data:`~accelbench.fpga.tolerance.MAX_RTOL`; ``fpga_rtol`` overrides it.
    """
    from accelbench.fpga.tolerance import MAX_RTOL, recurrent_gain, sequence_factor

    one_step = cfg.tolerance(depth)
    if cfg.rtol is not None:
        return one_step, f"tolerance {one_step:g} (override, fpga_rtol)"
    gain = recurrent_gain(workload.weights()["w_hh"])
    factor = sequence_factor(steps, gain)
    rtol = min(MAX_RTOL, one_step * factor)  # one_step is capped too, but factor >= 1 keeps the cap right
    capped = f", capped at {MAX_RTOL:g}" if one_step * factor > MAX_RTOL else ""
    return rtol, (f"tolerance {rtol:g} = one-step {one_step:g} x {factor:.3g} over {steps} steps "
                  f"(recurrent gain {gain:.3g}{capped})")


def _prebuilt_bundle(workload: Workload, cfg: Any) -> dict[str, bytes]:
    """The bitstream bundle built by ``accelbench fpga bundle`` for this design, or a clear error."""
    from accelbench.errors import UserError
    from accelbench.fpga.bundle_build import bundle_dir

    directory = bundle_dir(workload, cfg)
    files = {p.name: p.read_bytes() for p in directory.glob("*") if p.suffix in (".bit", ".hwh", ".json")} \
        if directory.is_dir() else {}
    if not any(name.endswith(".bit") for name in files):
        raise UserError(f"no bitstream bundle for {workload.name} with this configuration: run "
                        f"`accelbench fpga bundle {workload.name} --fpga-board ...` on a machine with Vivado")
    files.setdefault("io.json", json.dumps({}).encode())
    return files
