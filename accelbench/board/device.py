"""What the agent drives: a real PYNQ overlay with AXI DMA, or the emulated device (hls4ml C simulation).

Both load a bundle directory and run batches; ``run`` returns raw design outputs, the seconds of
each repetition and how they were obtained (``measured`` by the board timer, ``modeled`` for
the emulated device, whose C simulation is never timed), plus rail power samples when asked.

Designs may take several inputs (an RNN step takes x and h, an LSTM step also c), in the order of
``io.json``'s ``input_shapes``; every input has the same number of rows. On a real board they
reach the design either through one DMA engine per input (``axi_dma_0``, ``axi_dma_1``, ...)
or, when the overlay has a single engine, as one stream whose rows are the inputs' rows
concatenated in order (``io.json`` ``"input_packing": "dma-per-input" | "concat"`` forces one).
A bundle built by ``accelbench fpga bundle`` for a multi-input design records its packed layout
in ``io.json`` (``packed_inputs``, :mod:`accelbench.board.packing`): the real device builds the
one DMA buffer from it, and the emulated device packs and splits the inputs by it, as the
generated HLS wrapper does, before the C simulation.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from accelbench.board.bundle import LIMIT_KEYS, DesignLimits, emulation_config
from accelbench.board.packing import PackedInput, pack, read_layout, unpack


class Device(Protocol):
    emulated: bool

    def load(self, directory: Path) -> dict[str, Any]: ...

    def run(self, inputs: list[np.ndarray], repeats: int, power: bool) -> dict[str, Any]: ...


class PynqDevice:
    """A PYNQ overlay built by hls4ml's VivadoAccelerator backend (AXI-stream design behind ``axi_dma_0``).

    hls4ml's block designs put the engine in a hierarchy (``hier_0/axi_dma_0``, which its own PYNQ
    driver reaches as ``overlay.hier_0.axi_dma_0``): engines are found by name at the top level or
    under any hierarchy of the overlay's ``ip_dict`` (:func:`find_dma`).

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

        rows = check_inputs(inputs, self.io.get("input_shapes"))
        layout = read_layout(self.io)
        if layout is not None:  # the bundle's wrapper reads one stream laid out as io.json says
            streams = [Stream("axi_dma_0", pack(inputs, layout))]
        else:
            streams = pack_inputs(inputs, input_dmas(self.overlay, len(inputs), self.io.get("input_packing")))
        n_out = int(self.io["output_size"])
        in_buffers = []
        for stream in streams:
            buffer = allocate(shape=stream.array.shape, dtype=np.float32)
            buffer[:] = stream.array
            in_buffers.append((find_dma(self.overlay, stream.dma), buffer))
        out_dma = find_dma(self.overlay, "axi_dma_0")
        out_buffer = allocate(shape=(rows, n_out), dtype=np.float32)
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
                for dma, buffer in in_buffers:
                    dma.sendchannel.transfer(buffer)
                out_dma.recvchannel.transfer(out_buffer)
                for dma, _ in in_buffers:
                    dma.sendchannel.wait()
                out_dma.recvchannel.wait()
                seconds.append(time.perf_counter() - t0)
        finally:
            stop.set()
            if sampler:
                sampler.join(timeout=2)
        out = np.array(out_buffer)
        for _, buffer in in_buffers:
            buffer.freebuffer()
        out_buffer.freebuffer()
        return {"outputs": [out], "seconds": seconds, "seconds_per_sample": [t / max(rows, 1) for t in seconds],
                "timing": "measured", "rails": samples}


class EmulatedDevice:
    """The overlay/DMA interface on top of the hls4ml C simulation, with modeled timing.

    The design's build and size limits are the agent's (``limits``), never the bundle's.
    """

    emulated = True

    def __init__(self, limits: DesignLimits | None = None, delay_s: float = 0.0) -> None:
        self.limits = limits or DesignLimits()
        self.delay_s = delay_s
        self.prepared: Any = None
        self.input_shapes: list[list[int]] = []
        self.layout: list[PackedInput] | None = None

    def load(self, directory: Path) -> dict[str, Any]:
        from accelbench.backends.fpga_hls4ml import Hls4mlBackend
        from accelbench.errors import UserError
        from accelbench.kinds import make_workload

        try:
            spec = json.loads((directory / "emulation.json").read_text())
            config, ignored = emulation_config(dict(spec["config"]), self.limits)
            workload = make_workload(spec["kind"], spec["params"], name=spec["name"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError, UserError) as exc:
            raise ValueError(f"malformed emulation bundle: {exc}") from None
        weight_bytes = sum(tensor.nbytes(1) for tensor in workload.weight_specs)
        if weight_bytes > self.limits.max_weight_bytes:
            raise ValueError(f"design weights of {weight_bytes} bytes exceed this agent's limit of "
                             f"{self.limits.max_weight_bytes}")
        t0 = time.perf_counter()
        try:
            self.prepared = Hls4mlBackend().prepare(workload, config)
        except UserError as exc:
            raise ValueError(str(exc)) from None
        if not self.prepared.functional:
            raise ValueError(f"the design is model-only on this agent (more than {self.limits.model_only_max_mults} "
                             f"multiplications are not compiled for C simulation): the emulated board cannot run it")
        self.input_shapes = [list(s) for s in self.prepared.handle["design"].lowered.input_shapes]
        self.layout = bundle_layout(directory, self.input_shapes)
        model = self.prepared.handle["model"]
        return {"load_time_s": time.perf_counter() - t0, "emulated": True,
                "model": {"latency_cycles": model.latency_cycles, "ii_cycles": model.ii_cycles,
                          "clock_ns": model.clock_ns, "power_w": model.power_w},
                "fpga": self.prepared.figures.get("fpga"), "input_shapes": self.input_shapes,
                "limits": {key: config[key] for key in LIMIT_KEYS}, "ignored_limits": ignored}

    def run(self, inputs: list[np.ndarray], repeats: int, power: bool) -> dict[str, Any]:
        rows = check_inputs(inputs, self.input_shapes)
        if self.layout is not None:  # the one DMA buffer a real board gets, split as the HLS wrapper does
            inputs = unpack(pack(inputs, self.layout), self.layout)
        if self.delay_s:
            time.sleep(self.delay_s)
        design = self.prepared.handle["design"]
        assert design.csim is not None  # load refused model-only designs: the library is loaded
        y = design.csim.predict(inputs if len(inputs) > 1 else inputs[0])
        model = self.prepared.handle["model"]
        per_batch = model.call_s(rows)
        return {"outputs": [np.asarray(y)], "seconds": [per_batch] * repeats,
                "seconds_per_sample": [per_batch / max(rows, 1)] * repeats, "timing": "modeled", "rails": {}}


@dataclass(frozen=True)
class Stream:
    """One DMA transfer: the engine's overlay attribute and the float32 (rows, values) array it sends."""

    dma: str
    array: np.ndarray


def check_inputs(inputs: list[np.ndarray], input_shapes: list[list[int]] | None) -> int:
    """The common row count of ``inputs``; ValueError when their number or shapes do not fit the design."""
    if not inputs:
        raise ValueError("the design needs at least one input array")
    if input_shapes and len(inputs) != len(input_shapes):
        raise ValueError(f"the design takes {len(input_shapes)} inputs, got {len(inputs)}")
    rows = int(inputs[0].shape[0]) if inputs[0].ndim else 0
    for index, x in enumerate(inputs):
        if x.ndim < 1 or x.shape[0] != rows:
            raise ValueError(f"input {index} has shape {x.shape}: every input needs the same {rows} rows")
        if input_shapes and list(x.shape[1:]) != list(input_shapes[index]) \
                and int(np.prod(x.shape[1:])) != int(np.prod(input_shapes[index])):
            raise ValueError(f"input {index} has rows of shape {list(x.shape[1:])}, the design expects "
                             f"{input_shapes[index]}")
    return rows


def bundle_layout(directory: Path, input_shapes: list[list[int]]) -> list[PackedInput] | None:
    """The packed layout of the bundle's ``io.json`` (None without one); ValueError when it does not fit the design."""
    path = directory / "io.json"
    if not path.is_file():
        return None
    try:
        layout = read_layout(json.loads(path.read_text()))
    except (OSError, ValueError, AttributeError) as exc:
        raise ValueError(f"malformed io.json: {exc}") from None
    if layout is not None and [e.size for e in layout] != [int(np.prod(s)) for s in input_shapes]:
        raise ValueError(f"io.json packs inputs of shapes {[list(e.shape) for e in layout]}, the design "
                         f"takes {input_shapes}")
    return layout


def find_dma(overlay: Any, name: str) -> Any:
    """The overlay's DMA engine ``name``: a top-level attribute, else under a hierarchy (``hier_0/axi_dma_0``).

    Raises ValueError naming the engine when the overlay has none of that name.
    """
    if hasattr(overlay, name):
        return getattr(overlay, name)
    for path in getattr(overlay, "ip_dict", None) or {}:
        parts = str(path).split("/")
        if parts[-1] == name:
            engine = overlay
            for part in parts:
                engine = getattr(engine, part)
            return engine
    raise ValueError(f"the overlay has no DMA engine {name}")


def has_dma(overlay: Any, name: str) -> bool:
    try:
        find_dma(overlay, name)
    except (ValueError, AttributeError):
        return False
    return True


def input_dmas(overlay: Any, n_inputs: int, packing: str | None) -> list[str]:
    """The DMA engines the inputs go through: one per input, or ``["axi_dma_0"]`` to concatenate."""
    per_input = [f"axi_dma_{i}" for i in range(n_inputs)]
    if packing not in (None, "dma-per-input", "concat"):
        raise ValueError(f"io.json input_packing must be dma-per-input or concat, got {packing!r}")
    if packing == "concat" or n_inputs == 1:
        return per_input[:1]
    missing = [name for name in per_input if not has_dma(overlay, name)]
    if packing == "dma-per-input" and missing:
        raise ValueError(f"the overlay has no {', '.join(missing)} for its {n_inputs} inputs")
    return per_input if not missing else per_input[:1]


def pack_inputs(inputs: list[np.ndarray], dmas: list[str]) -> list[Stream]:
    """The streams to send: each input flattened per row, or all inputs' rows concatenated on one engine."""
    flat = [np.ascontiguousarray(x.reshape(x.shape[0], -1), dtype=np.float32) for x in inputs]
    if len(dmas) == len(flat):
        return [Stream(dma, x) for dma, x in zip(dmas, flat, strict=True)]
    return [Stream(dmas[0], np.ascontiguousarray(np.concatenate(flat, axis=1)))]
