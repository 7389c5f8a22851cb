"""The backend contract: how a workload is lowered to one device and run.

A backend is small (tinygrad's Allocator/Program shape): it says whether it can run here
(:meth:`Backend.available`) and whether it can lower a workload (:meth:`Backend.supports`), it
prepares a lowering once (compile, convert, upload weights), moves inputs to the device and
outputs back, runs, and optionally times itself with a device timer. It never loops, warms up,
samples or computes statistics: the runner (:mod:`accelbench.measure.runner`) owns methodology.

Data flow for one query, as the runner drives it::

    device_inputs = backend.upload(prepared, host_inputs)     # H2D (identity on the CPU)
    device_output = backend.run(prepared, device_inputs)      # launch, may be asynchronous
    backend.synchronize()
    host_output   = backend.download(prepared, device_output) # D2H, NumPy array

Backends whose latency cannot be measured here (the FPGA C simulation) set
``timing = "modeled"`` and return the modeled figures from :meth:`Backend.estimate`; the runner
then labels latency and throughput ``modeled`` and never times the simulation.

Per-kind lowerings are one table per backend (:attr:`BaseBackend.lowerings`, workload kind ->
function ``(workload, config) -> Prepared``); ``supports`` and ``prepare`` follow from it. A
lowering may hand the runner a bound callable (``Prepared.call``, called as ``call(*device_inputs)``)
that :meth:`BaseBackend.run` invokes, so a new kind is one entry per backend that supports it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, Protocol, runtime_checkable

import numpy as np

from accelbench.workload import Workload

Family = Literal["cpu", "gpu", "fpga"]
Timing = Literal["host", "device", "modeled"]
Provenance = Literal["measured", "simulated", "reported", "modeled"]


@dataclass(frozen=True)
class Availability:
    """Whether a backend can run on this machine; ``reason`` says why not (or what it found)."""

    ok: bool
    reason: str = ""


@dataclass(frozen=True)
class Support:
    """Whether a backend can lower a workload; ``reason`` says why not."""

    ok: bool
    reason: str = ""


@dataclass
class Prepared:
    """A lowered workload, ready to run. ``handle`` is the backend's private state.

    ``rtol`` overrides the workload's tolerance (fixed-point designs need a looser one).
    ``figures`` carries extra figures for the record (for example ``{"fpga": {...}}``) and
    ``provenance`` their labels (``{"fpga.dsp": "modeled"}``); ``notes`` are free text stored
    with the result (for example "cached build", "torch.compile"). ``functional`` is False for
    model-only designs that cannot produce outputs: the runner then skips the correctness check,
    records figures from ``estimate`` only and stores the record as ``model-only``. ``fit`` says
    whether the design fits its device (FPGA part); a design that does not fit is stored
    ``does-not-fit`` once its output has been checked. ``call`` is the bound callable
    :meth:`BaseBackend.run` invokes as ``call(*device_inputs)`` (None when the backend overrides
    ``run``). ``threads`` records the intra-op threads the lowering uses (CPU backends).
    """

    workload: Workload
    config: Mapping[str, Any]
    handle: Any = None
    rtol: float | None = None
    figures: dict[str, Any] = field(default_factory=dict)
    provenance: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    functional: bool = True
    fit: Fit | None = None
    call: Callable[..., Any] | None = None
    threads: dict[str, Any] | None = None


@dataclass(frozen=True)
class Fit:
    """Whether a design fits its device: ``verdict`` yes / no / maybe (capacity inside the modeled
    range); ``over`` maps each resource over 100 % to its percent of the part; ``reason`` in words."""

    verdict: Literal["yes", "no", "maybe"]
    over: dict[str, float] = field(default_factory=dict)
    reason: str = ""


@dataclass(frozen=True)
class Estimate:
    """Modeled timing for backends that cannot be timed here (``timing == "modeled"``).

    All durations in seconds per call at ``batch``; ``method`` says how they were obtained.
    ``ranges`` gives low/high bounds of modeled figures (``{"latency": (low_s, high_s)}``), and
    ``power_w`` a modeled power draw where the model has one.
    """

    compute_s: float
    end_to_end_s: float | None
    throughput_items_s: float
    method: str
    ranges: dict[str, tuple[float, float]] = field(default_factory=dict)
    power_w: float | None = None


@runtime_checkable
class Backend(Protocol):
    """What the runner, CLI, plugin and sweeps need from a lowering. See the module docstring."""

    name: str
    family: Family
    timing: Timing
    #: True when upload/download really move data (GPU, board): the runner then also measures
    #: end-to-end latency (transfers + compute) next to compute latency.
    has_transfers: bool
    #: Dask worker resources a measurement needs (e.g. {"GPU": 1}); see accelbench.sweep.
    resources: dict[str, int]

    def available(self) -> Availability: ...

    def supports(self, workload: Workload) -> Support: ...

    def prepare(self, workload: Workload, config: Mapping[str, Any]) -> Prepared: ...

    def upload(self, prepared: Prepared, inputs: tuple[np.ndarray, ...]) -> Any: ...

    def run(self, prepared: Prepared, device_inputs: Any) -> Any: ...

    def download(self, prepared: Prepared, device_output: Any) -> np.ndarray: ...

    def time(self, prepared: Prepared, device_inputs: Any, n: int) -> float | None:
        """Device-timed seconds for ``n`` back-to-back runs, or None without a device timer."""
        ...

    def estimate(self, prepared: Prepared, batch: int) -> Estimate | None: ...

    def synchronize(self) -> None: ...

    def device_info(self) -> dict[str, Any]: ...


#: A per-kind lowering: (backend, workload, config) -> Prepared. Written as a plain function or a
#: method of the backend class (``lowerings = {"gemm": _lower_gemm}`` inside the class body).
Lowering = Callable[[Any, Workload, Mapping[str, Any]], Prepared]


class BaseBackend:
    """Defaults for the optional parts of :class:`Backend`; host-memory backends need little more.

    Subclasses set ``name``, ``family`` and ``lowerings`` (workload kind -> lowering); a lowering
    returns a :class:`Prepared` whose ``call`` runs one query. ``supports`` and ``prepare`` follow
    from the table (override ``supports`` to add shape checks, calling this one first). Upload
    and download are identities, there is no device timer and nothing to synchronise.
    """

    name: str = ""
    family: Family = "cpu"
    timing: Timing = "host"
    has_transfers: bool = False
    resources: dict[str, int] = {}  # noqa: RUF012 - read-only class default
    lowerings: ClassVar[Mapping[str, Lowering]] = {}

    def available(self) -> Availability:
        return Availability(True)

    def supports(self, workload: Workload) -> Support:
        if workload.kind in self.lowerings:
            refusal = getattr(workload, "unsupported_reason", None)  # a workload only some lowerings take (QONNX)
            reason = refusal(self.name) if refusal is not None else ""
            return Support(not reason, reason)
        kinds = ", ".join(self.lowerings) or "nothing"
        return Support(False, f"{self.name} does not lower {workload.kind} (it lowers {kinds})")

    def prepare(self, workload: Workload, config: Mapping[str, Any]) -> Prepared:
        lowering = self.lowerings.get(workload.kind)
        if lowering is None:
            raise NotImplementedError(f"{self.name} has no lowering for {workload.kind}")
        return lowering(self, workload, config)

    def upload(self, prepared: Prepared, inputs: tuple[np.ndarray, ...]) -> Any:
        return inputs

    def run(self, prepared: Prepared, device_inputs: Any) -> Any:
        if prepared.call is None:
            raise NotImplementedError(f"{self.name}: the lowering gave no callable and run() is not overridden")
        return prepared.call(*device_inputs)

    def download(self, prepared: Prepared, device_output: Any) -> np.ndarray:
        return np.asarray(device_output)

    def time(self, prepared: Prepared, device_inputs: Any, n: int) -> float | None:
        return None

    def estimate(self, prepared: Prepared, batch: int) -> Estimate | None:
        return None

    def synchronize(self) -> None:
        return None

    def device_info(self) -> dict[str, Any]:
        from accelbench.results.environment import cpu_model

        return {"device": cpu_model()}
