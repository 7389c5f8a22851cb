"""The runner: one methodology for every backend (no backend re-implements any of it).

For one (workload, backend, batch) it

1. records why it cannot run, when the backend is unavailable or does not support the workload;
2. prepares the lowering (compile, convert, upload weights), timing that separately;
3. checks correctness on fresh random inputs (seed recorded) against the float64 reference — an
   output outside tolerance is stored ``invalid`` with the reason and is not timed;
4. warms up, calibrates iterations per sample so the timer's overhead stays under
   ``RunPolicy.max_timer_overhead`` of a sample, then samples adaptively until the median's
   confidence interval is tight enough or the time budget is spent;
5. times end-to-end queries (upload + run + download) separately when the backend moves data;
6. optionally measures power over a sustained window (see ``power_hook``);
7. returns a :class:`~accelbench.results.record.Measurement` with provenance on every figure.

Backends whose timing cannot be measured here (``timing == "modeled"``) get their latency from
``Backend.estimate`` and every timing figure is labelled ``modeled``.
"""

from __future__ import annotations

import math
import secrets
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from accelbench.backends.base import Backend, BaseBackend, Prepared
from accelbench.errors import UserError
from accelbench.measure.correctness import compare
from accelbench.measure.policy import RunPolicy
from accelbench.measure.stats import summarize
from accelbench.measure.stopping import stop_reason
from accelbench.measure.timers import now_s, timer_overhead_s
from accelbench.results.record import LABELLED_FIGURES, LatencyStats, Measurement, Status
from accelbench.workload import Workload


@dataclass(frozen=True)
class PowerFields:
    """What a power hook adds to a record (see accelbench.measure.power_window)."""

    power_w: float | None
    idle_power_w: float | None
    energy_j_per_item: float | None
    detail: dict[str, Any]
    provenance: dict[str, str]
    methods: dict[str, str]


#: Called after latency sampling with (backend, prepared, device_inputs, batch); returns the
#: power figures measured over a sustained window of repeated runs.
PowerHook = Callable[[Backend, Prepared, Any, int], PowerFields]


@dataclass
class Timing:
    """Raw per-call samples (seconds), iterations per sample, why sampling stopped, and how."""

    samples_s: list[float] = field(default_factory=list)
    iterations: int = 0
    stop: str = ""
    method: str = ""


def _sync_is_noop(backend: Backend) -> bool:
    """True when the backend is synchronous (host memory): per-query syncs would only add overhead."""
    return getattr(type(backend), "synchronize", None) is BaseBackend.synchronize


class Runner:
    """Measure workloads on backends with one :class:`RunPolicy`."""

    def __init__(self, policy: RunPolicy, run_id: str, power_hook: PowerHook | None = None) -> None:
        self.policy = policy
        self.run_id = run_id
        self.power_hook = power_hook

    # -- public ------------------------------------------------------------------------------
    def measure(
        self,
        backend: Backend,
        workload: Workload,
        batch: int,
        config: Mapping[str, Any] | None = None,
        *,
        sweep_id: str | None = None,
        task_key: str | None = None,
    ) -> Measurement:
        """Measure ``workload`` at ``batch`` on ``backend``; never raises for backend failures.

        User mistakes in ``config`` (raised by ``prepare`` as UserError) propagate.
        """
        base = self._base(backend, workload, batch, dict(config or {}), sweep_id, task_key)
        availability = backend.available()
        if not availability.ok:
            return Measurement(**base, status="unavailable", invalid_reason=availability.reason)
        support = backend.supports(workload)
        if not support.ok:
            return Measurement(**base, status="unsupported", invalid_reason=support.reason)
        try:
            return self._measure_prepared(backend, workload, batch, base)
        except UserError:
            raise
        except Exception as exc:  # a backend failure is a result, not a crash
            reason = f"{type(exc).__name__}: {exc}".strip()
            # Figures gathered before the failure have no provenance here: an error record has none.
            kept = {key: value for key, value in base.items() if key not in LABELLED_FIGURES}
            return Measurement(**kept, status="error", invalid_reason=reason.splitlines()[0][:500])

    # -- steps -------------------------------------------------------------------------------
    def _base(
        self,
        backend: Backend,
        workload: Workload,
        batch: int,
        config: dict[str, Any],
        sweep_id: str | None,
        task_key: str | None,
    ) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "measurement_id": uuid.uuid4().hex,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "workload": workload.name,
            "kind": workload.kind,
            "params": dict(workload.params),
            "params_hash": workload.params_hash,
            "backend": backend.name,
            "family": backend.family,
            "batch": batch,
            "scenario": self.policy.scenario,
            "config": config,
            "sweep_id": sweep_id,
            "task_key": task_key,
        }

    def _measure_prepared(
        self, backend: Backend, workload: Workload, batch: int, base: dict[str, Any]
    ) -> Measurement:
        t0 = now_s()
        prepared = backend.prepare(workload, base["config"])
        prepare_s = now_s() - t0
        base.update(
            device=backend.device_info(),
            prepare_s=prepare_s,
            flops=workload.flops(batch),
            bytes_moved=workload.bytes_moved(batch),
            notes=tuple(prepared.notes),
        )
        provenance = dict(prepared.provenance)
        methods: dict[str, str] = {}
        figures = dict(prepared.figures)
        if "fpga" in figures:
            base["fpga"] = figures.pop("fpga")

        if prepared.threads is not None:
            base["threads"] = dict(prepared.threads)
        if not prepared.functional:  # model-only design: nothing to run, figures from the model
            if backend.timing != "modeled":
                raise RuntimeError(f"backend {backend.name} gave a non-functional lowering without a model")
            base["invalid_reason"] = "model-only: no output was produced, every figure comes from a model"
            return self._modeled(backend, prepared, batch, base, provenance, methods, status="model-only")

        seed = self.policy.seed if self.policy.seed is not None else secrets.randbits(31)
        inputs = workload.make_inputs(seed, batch)
        device_inputs = backend.upload(prepared, inputs)
        output = backend.run(prepared, device_inputs)
        backend.synchronize()
        host_output = backend.download(prepared, output)
        error, reason = None, ""
        provenance.setdefault("error", "measured")
        if self.policy.check_correctness:
            reference = workload.reference(inputs)
            rtol = prepared.rtol if prepared.rtol is not None else workload.rtol()
            error, reason = compare(host_output, reference, rtol, workload.is_classifier)
            methods["error"] = f"max |out - ref| / max |ref| vs float64 reference, seed {seed}"
        base.update(seed=seed, error=error)
        if reason:
            return Measurement(**base, status="invalid", invalid_reason=reason,
                               provenance=provenance, methods=methods)

        fit = prepared.fit
        if backend.timing == "modeled":
            if fit is not None and fit.verdict == "no":  # right output, impossible design
                base["invalid_reason"] = fit.reason or "does not fit: " + ", ".join(
                    f"{name} {pct:.0f} %" for name, pct in fit.over.items())
                return self._modeled(backend, prepared, batch, base, provenance, methods, status="does-not-fit")
            return self._modeled(backend, prepared, batch, base, provenance, methods)

        timing = self.sample(backend, prepared, device_inputs)
        latency = summarize(timing.samples_s)
        label = "measured"
        for figure in ("latency", "throughput_items_s", "achieved_flops_s", "achieved_bytes_s"):
            provenance[figure] = label
        methods["latency"] = timing.method
        e2e_samples: list[float] = []
        if backend.has_transfers and self.policy.end_to_end:
            e2e_samples = self._sample_end_to_end(backend, prepared, inputs)
            provenance["end_to_end"] = "measured"
            methods["end_to_end"] = "host perf_counter around upload + run + synchronize + download, per query"
        power: dict[str, Any] = {}
        if self.power_hook is not None:
            fields = self.power_hook(backend, prepared, device_inputs, batch)
            power = {
                "power_w": fields.power_w,
                "idle_power_w": fields.idle_power_w,
                "energy_j_per_item": fields.energy_j_per_item,
                "power": fields.detail,
            }
            provenance.update(fields.provenance)
            methods.update(fields.methods)
        peak = (base["device"].get("peak") or {}).get("flops_s")
        if peak and latency.p50_s > 0:  # roofline input: achieved FLOP/s over the device's dense peak
            base["device"] = {**base["device"], "percent_of_peak": 100.0 * base["flops"] / latency.p50_s / peak}
        return Measurement(
            **base,
            **power,
            status="ok",
            iterations_per_sample=timing.iterations,
            samples_s=tuple(timing.samples_s),
            latency=latency,
            end_to_end=summarize(e2e_samples) if e2e_samples else None,
            end_to_end_samples_s=tuple(e2e_samples),
            throughput_items_s=batch / latency.p50_s if latency.p50_s > 0 else None,
            achieved_flops_s=base["flops"] / latency.p50_s if latency.p50_s > 0 else None,
            achieved_bytes_s=base["bytes_moved"] / latency.p50_s if latency.p50_s > 0 else None,
            provenance=provenance,
            methods=methods,
        )

    def _modeled(
        self,
        backend: Backend,
        prepared: Prepared,
        batch: int,
        base: dict[str, Any],
        provenance: dict[str, str],
        methods: dict[str, str],
        status: Status = "ok",
    ) -> Measurement:
        estimate = backend.estimate(prepared, batch)
        if estimate is None:
            raise RuntimeError(f"backend {backend.name} declares modeled timing but gave no estimate")
        value = estimate.compute_s
        # A model has no distribution: every statistic is the model's value and n_samples is 0.
        latency = LatencyStats(value, value, value, value, value, value, 0.0, 0.0, 0)
        e2e = estimate.end_to_end_s
        for figure in ("latency", "throughput_items_s", "achieved_flops_s", "achieved_bytes_s"):
            provenance[figure] = "modeled"
        methods["latency"] = estimate.method
        if e2e is not None:
            provenance["end_to_end"] = "modeled"
        power: dict[str, Any] = {}
        ranges = {name: [float(low), float(high)] for name, (low, high) in estimate.ranges.items()}
        model_power = estimate.power_w if estimate.power_w is not None else (base.get("fpga") or {}).get("power_w")
        if self.power_hook is not None and model_power:
            # A design that is not measured has only its model's power: label it so.
            power = {"power_w": model_power, "idle_power_w": None,
                     "energy_j_per_item": model_power * value / batch if value > 0 else None}
            provenance.update({"power_w": "modeled", "energy_j_per_item": "modeled"})
            methods["power_w"] = (f"{backend.name} power model" if estimate.power_w is not None else
                                  "FPGA analytical model: part static + dynamic per resource (docs/fpga-model.md)")
            methods["energy_j_per_item"] = "modeled power x modeled latency / batch"
        return Measurement(
            **base,
            **power,
            status=status,
            ranges=ranges,
            latency=latency,
            end_to_end=LatencyStats(e2e, e2e, e2e, e2e, e2e, e2e, 0.0, 0.0, 0) if e2e else None,
            throughput_items_s=estimate.throughput_items_s,
            achieved_flops_s=base["flops"] / value if value > 0 else None,
            achieved_bytes_s=base["bytes_moved"] / value if value > 0 else None,
            provenance=provenance,
            methods=methods,
        )

    # -- timing ------------------------------------------------------------------------------
    def _one_call(self, backend: Backend, prepared: Prepared, device_inputs: Any) -> float:
        t0 = now_s()
        backend.run(prepared, device_inputs)
        backend.synchronize()
        return now_s() - t0

    def _block(self, backend: Backend, prepared: Prepared, device_inputs: Any, n: int) -> tuple[float, str]:
        """Seconds for ``n`` iterations, with the device timer when the backend has one."""
        device_s = backend.time(prepared, device_inputs, n)
        if device_s is not None:
            return device_s, "device timer"
        run, sync = backend.run, backend.synchronize
        if self.policy.scenario == "single-stream" and not _sync_is_noop(backend):
            t0 = now_s()
            for _ in range(n):
                run(prepared, device_inputs)
                sync()
            return now_s() - t0, "host perf_counter"
        t0 = now_s()
        for _ in range(n):
            run(prepared, device_inputs)
        sync()
        return now_s() - t0, "host perf_counter"

    def sample(self, backend: Backend, prepared: Prepared, device_inputs: Any) -> Timing:
        """Warm up, calibrate and sample ``backend.run`` on ``device_inputs`` (no correctness check)."""
        policy = self.policy
        # Warm-up: JIT, caches and clocks settle; never timed into a sample.
        warm: list[float] = []
        t_start = now_s()
        while len(warm) < policy.min_warmup_iterations or now_s() - t_start < policy.warmup_s:
            warm.append(self._one_call(backend, prepared, device_inputs))
            if len(warm) >= 10_000:
                break
        per_call_s = sorted(warm)[len(warm) // 2]
        # Calibration: enough iterations that the timer's own cost is < max_timer_overhead.
        floor_s = max(timer_overhead_s() / policy.max_timer_overhead, policy.min_sample_s)
        iterations = max(1, math.ceil(floor_s / max(per_call_s, 1e-9)))
        timing = Timing(iterations=iterations)
        t_start = now_s()
        method = ""
        while True:
            block_s, method = self._block(backend, prepared, device_inputs, iterations)
            timing.samples_s.append(block_s / iterations)
            reason = stop_reason(timing.samples_s, now_s() - t_start, policy)
            if reason:
                timing.stop = reason
                break
        sync = "sync per query" if policy.scenario == "single-stream" else "one sync per sample"
        timing.method = (
            f"{method}, {policy.scenario} ({sync}), {iterations} iteration(s)/sample, "
            f"{len(timing.samples_s)} samples; stopped: {timing.stop}"
        )
        return timing

    def _sample_end_to_end(self, backend: Backend, prepared: Prepared, inputs: tuple[Any, ...]) -> list[float]:
        samples: list[float] = []
        t_start = now_s()
        budget = self.policy.budget_s / 2
        while len(samples) < self.policy.min_samples or now_s() - t_start < budget:
            t0 = now_s()
            out = backend.run(prepared, backend.upload(prepared, inputs))
            backend.synchronize()
            backend.download(prepared, out)
            samples.append(now_s() - t0)
            if len(samples) >= self.policy.max_samples or now_s() - t_start > 4 * max(budget, 0.1):
                break
        return samples
