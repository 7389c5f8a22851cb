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
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

import numpy as np

from accelbench.backends.base import Availability, BaseBackend, Estimate, Family, Prepared, Support, Timing
from accelbench.workload import Workload

BOARD_ENV, TOKEN_ENV, CA_ENV = "ACCELBENCH_BOARD", "ACCELBENCH_BOARD_TOKEN_FILE", "ACCELBENCH_BOARD_CA"
#: The board assumed when neither the user nor the agent names one.
DEFAULT_BOARD = "pynq-z2"


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
        lowered = lower(workload)
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
                                            "board": board, "agent": client.address,
                                            "load_time_s": info["load_time_s"], "emulated": emulated}}
        provenance = {"error": "simulated" if emulated else "measured",
                      "fpga.load_time_s": "simulated" if emulated else "measured"}
        if emulated:
            notes.append("emulated board: outputs from the hls4ml C simulation, timing modeled")
        return Prepared(workload, config, handle={"client": client, "hash": digest, "lowered": lowered,
                                                  "model": info.get("model"), "emulated": emulated},
                        rtol=cfg.tolerance(lowered.depth), figures=figures, provenance=provenance, notes=notes)

    def upload(self, prepared: Prepared, inputs: tuple[np.ndarray, ...]) -> Any:
        return prepared.handle["lowered"].to_hls(inputs), inputs[0].shape[0]

    def run(self, prepared: Prepared, device_inputs: Any) -> Any:
        arrays, batch = device_inputs
        outputs, _ = prepared.handle["client"].run(prepared.handle["hash"], arrays)
        return outputs[0], batch

    def download(self, prepared: Prepared, device_output: Any) -> np.ndarray:
        y, batch = device_output
        return np.asarray(prepared.handle["lowered"].from_hls(y, batch))

    def time(self, prepared: Prepared, device_inputs: Any, n: int) -> float | None:
        if prepared.handle["emulated"]:
            return None
        arrays, _ = device_inputs
        _, reply = prepared.handle["client"].run(prepared.handle["hash"], arrays, repeats=n)
        if reply.get("timing") != "measured":
            raise RuntimeError("the board returned non-measured timing for a real board")
        return float(sum(reply["seconds"]))

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
        client, digest = prepared.handle["client"], prepared.handle["hash"]
        _, probe = client.run(digest, arrays, repeats=1)
        repeats = max(1, int(window_s / max(sum(probe["seconds"]), 1e-6)))
        _, reply = client.run(digest, arrays, repeats=repeats, power=True)
        reading = reading_from_rail_samples(reply.get("rails") or {})
        items = repeats * batch
        per_item = reading.energy_j / items if items and reading.energy_j else None
        detail = {"meter": "pynq-rails", "window_s": reading.duration_s, "items": items, "domains_j": reading.domains}
        labels = {"power_w": "measured", "energy_j_per_item": "measured"}
        methods = {"power_w": reading.method, "energy_j_per_item": f"rail energy / {items} items, same window"}
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
