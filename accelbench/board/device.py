"""What the agent drives: a real PYNQ overlay with AXI DMA, or the emulated device (hls4ml C simulation).

Both load a bundle directory and run batches; ``run`` returns raw design outputs, the seconds of
each repetition and how they were obtained (``measured`` by the board timer, ``modeled`` for
the emulated device, whose C simulation is never timed), plus rail power samples when asked.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any, Protocol

import numpy as np


class Device(Protocol):
    emulated: bool

    def load(self, directory: Path) -> dict[str, Any]: ...

    def run(self, inputs: list[np.ndarray], repeats: int, power: bool) -> dict[str, Any]: ...


class PynqDevice:
    """A PYNQ overlay built by hls4ml's VivadoAccelerator backend (AXI-stream design behind ``axi_dma_0``).

    Runs on the board's own PYNQ Python: ``pynq`` is imported here, lazily. Latency is timed on
    the board around DMA send, receive and wait; rails are sampled on the board over the same runs.
    """

    emulated = False

    def __init__(self) -> None:
        self.overlay: Any = None
        self.io: dict[str, Any] = {}

    def load(self, directory: Path) -> dict[str, Any]:
        from pynq import Overlay

        (bitstream,) = sorted(directory.glob("*.bit"))
        self.io = json.loads((directory / "io.json").read_text())
        t0 = time.perf_counter()
        self.overlay = Overlay(str(bitstream))  # finds the .hwh beside the .bit
        return {"load_time_s": time.perf_counter() - t0, "emulated": False}

    def run(self, inputs: list[np.ndarray], repeats: int, power: bool) -> dict[str, Any]:
        from pynq import allocate

        from accelbench.power.pynq_rails import read_rails

        (x,) = inputs
        dma = self.overlay.axi_dma_0
        n_out = int(self.io["output_size"])
        in_buffer = allocate(shape=x.shape, dtype=np.float32)
        out_buffer = allocate(shape=(x.shape[0], n_out), dtype=np.float32)
        in_buffer[:] = x
        samples: dict[str, list[list[float]]] = {}
        stop = threading.Event()

        def sample_rails() -> None:
            while not stop.wait(0.02):
                now = time.perf_counter()
                for rail, watts in read_rails().items():
                    samples.setdefault(rail, []).append([now, watts])

        sampler = threading.Thread(target=sample_rails, daemon=True) if power else None
        if sampler:
            sampler.start()
        seconds = []
        try:
            for _ in range(repeats):
                t0 = time.perf_counter()
                dma.sendchannel.transfer(in_buffer)
                dma.recvchannel.transfer(out_buffer)
                dma.sendchannel.wait()
                dma.recvchannel.wait()
                seconds.append(time.perf_counter() - t0)
        finally:
            stop.set()
            if sampler:
                sampler.join(timeout=2)
        out = np.array(out_buffer)
        in_buffer.freebuffer()
        out_buffer.freebuffer()
        rows = max(int(x.shape[0]), 1)
        return {"outputs": [out], "seconds": seconds, "seconds_per_sample": [t / rows for t in seconds],
                "timing": "measured", "rails": samples}


class EmulatedDevice:
    """The overlay/DMA interface on top of the hls4ml C simulation, with modeled timing."""

    emulated = True

    def __init__(self, delay_s: float = 0.0) -> None:
        self.delay_s = delay_s
        self.prepared: Any = None

    def load(self, directory: Path) -> dict[str, Any]:
        from accelbench.backends.fpga_hls4ml import Hls4mlBackend
        from accelbench.kinds import make_workload

        try:
            spec = json.loads((directory / "emulation.json").read_text())
            workload = make_workload(spec["kind"], spec["params"], name=spec["name"])
            config = dict(spec["config"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"malformed emulation bundle: {exc}") from None
        t0 = time.perf_counter()
        self.prepared = Hls4mlBackend().prepare(workload, config)
        model = self.prepared.handle["model"]
        return {"load_time_s": time.perf_counter() - t0, "emulated": True,
                "model": {"latency_cycles": model.latency_cycles, "ii_cycles": model.ii_cycles,
                          "clock_ns": model.clock_ns, "power_w": model.power_w},
                "fpga": self.prepared.figures.get("fpga")}

    def run(self, inputs: list[np.ndarray], repeats: int, power: bool) -> dict[str, Any]:
        if self.delay_s:
            time.sleep(self.delay_s)
        design = self.prepared.handle["design"]
        y = design.hls_model.predict(inputs if len(inputs) > 1 else inputs[0])
        rows = inputs[0].shape[0]
        model = self.prepared.handle["model"]
        per_batch = model.call_s(rows)
        return {"outputs": [np.asarray(y)], "seconds": [per_batch] * repeats,
                "seconds_per_sample": [per_batch / max(rows, 1)] * repeats, "timing": "modeled", "rails": {}}
