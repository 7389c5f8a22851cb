"""The runner: one methodology for every backend (no backend re-implements any of it).

For one (workload, backend, batch) it

1. records why it cannot run, when the backend is unavailable or does not support the workload;
2. prepares the lowering (compile, convert, upload weights), timing that separately;
3. checks correctness on fresh random inputs (seed recorded) against the float64 reference — an
   output outside tolerance is stored ``invalid`` with the reason and is not timed;
4. warms up, calibrates iterations per sample so the timer's overhead stays under
   ``RunPolicy.max_timer_overhead`` of a sample, then samples adaptively until the median's
   confidence interval is tight enough or the time budget is spent, reading each thread's
   run-queue wait around every sample (:mod:`accelbench.measure.contention`): contended samples
   are dropped and re-taken within the budget, and the record's ``quality`` says ``ok``,
   ``noisy`` or ``contended`` (:mod:`accelbench.measure.quality`); with ``RunPolicy.processes``
   the timing is repeated in fresh worker processes (:mod:`accelbench.measure.processes`);
5. times end-to-end queries (upload + run + download) separately when the backend moves data;
6. optionally measures power over a sustained window (see ``power_hook``);
7. returns a :class:`~accelbench.results.record.Measurement` with provenance on every figure.

Backends whose timing cannot be measured here (``timing == "modeled"``) get their latency from
``Backend.estimate`` and every timing figure is labelled ``modeled``.
"""

from __future__ import annotations

import itertools
import math
import secrets
import uuid
from bisect import insort
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from accelbench.backends.base import Backend, BaseBackend, Prepared
from accelbench.errors import UserError
from accelbench.measure import threads
from accelbench.measure.contention import (
    Accumulator,
    CounterSource,
    NullSource,
    default_source,
    delta,
)
from accelbench.measure.correctness import compare
from accelbench.measure.cpu_peak import cpu_peak, peak_for_dtype
from accelbench.measure.policy import RunPolicy
from accelbench.measure.quality import judge, sample_is_contended
from accelbench.measure.stopping import stop_reason
from accelbench.measure.timers import now_s, timer_overhead_s
from accelbench.measure.timing import Timing
from accelbench.results.record import LABELLED_FIGURES, LatencyStats, Measurement, Quality, Status
from accelbench.results.stats import summarize
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


#: A timed block: seconds for ``n`` iterations.
Block = Callable[[int], float]


def _sync_is_noop(backend: Backend) -> bool:
    """True when the backend is synchronous (host memory): per-query syncs would only add overhead."""
    return getattr(type(backend), "synchronize", None) is BaseBackend.synchronize


_LOOP = """
def loop(_it, _timer, _call{params}):
    _t0 = _timer()
    for _ in _it:
        _call({args})
    return _timer() - _t0
"""


@cache
def compiled_loop(arity: int) -> Callable[..., float]:
    """A timing loop compiled for a callable of ``arity`` positional arguments, as ``timeit`` does:
    the arguments are locals, the call is inlined, nothing of the Backend call path is inside."""
    names = [f"_a{i}" for i in range(arity)]
    source = _LOOP.format(params="".join(f", {name}" for name in names), args=", ".join(names))
    namespace: dict[str, Any] = {}
    exec(compile(source, f"<accelbench timed loop/{arity}>", "exec"), namespace)
    loop: Callable[..., float] = namespace["loop"]
    return loop


def _bound_call(
    backend: Backend, prepared: Prepared, device_inputs: Any
) -> tuple[Callable[..., Any], tuple[Any, ...]] | None:
    """``(fn, args)`` when a query is exactly ``prepared.call(*device_inputs)`` and needs no sync."""
    if prepared.call is None or getattr(type(backend), "run", None) is not BaseBackend.run:
        return None
    if not _sync_is_noop(backend) or not isinstance(device_inputs, tuple | list):
        return None
    return prepared.call, tuple(device_inputs)


class Runner:
    """Measure workloads on backends with one :class:`RunPolicy`.

    ``counters`` makes the contention counter source (default: the best this host offers,
    :func:`accelbench.measure.contention.default_source`); tests inject scripted ones.
    """

    def __init__(self, policy: RunPolicy, run_id: str, power_hook: PowerHook | None = None,
                 counters: Callable[[], CounterSource] | None = None) -> None:
        self.policy = policy
        self.run_id = run_id
        self.power_hook = power_hook
        self.counters = counters or default_source

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

        if backend.family == "cpu" and "peak" not in base["device"]:
            base["device"] = {**base["device"], "peak": cpu_peak()}
        if prepared.threads is not None:
            base["threads"] = dict(prepared.threads)
        if not prepared.functional:  # model-only design: nothing to run, figures from the model
            if backend.timing != "modeled":
                raise RuntimeError(f"backend {backend.name} gave a non-functional lowering without a model")
            reason = "nothing ran, no output was checked: every figure comes from a model"
            if prepared.fit is not None and prepared.fit.verdict != "yes":  # and it would not fit either
                reason += "; " + (prepared.fit.reason or ", ".join(
                    f"{name} {pct:.0f} %" for name, pct in prepared.fit.over.items()))
            base["invalid_reason"] = reason
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
        if getattr(workload, "dataset", None) is not None:  # the user's data: accuracy beside speed
            # Also for an invalid result (a too-narrow precision): what it costs in accuracy is the
            # point of exploring precisions; the record stays unranked either way.
            from accelbench.measure.accuracy import evaluate

            floor = base["config"].get("min_accuracy")
            try:
                base["accuracy"] = evaluate(backend, prepared, workload, batch, floor)  # type: ignore[arg-type]
                provenance["accuracy"] = provenance.get("error", "measured")
                methods["accuracy"] = (f"{base['accuracy']['n']} rows of --data through the backend, "
                                       f"in batches of {batch}")
            except Exception as exc:  # accuracy is not a figure without outputs; the check already judged them
                if not reason:
                    raise
                methods["accuracy"] = f"not evaluated: {type(exc).__name__}: {exc}"[:300]
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

        if self.policy.scenario == "server":
            with threads.limited(self.policy.threads if backend.family == "cpu" else None):
                return self._server(backend, prepared, batch, base, provenance, methods)
        with threads.limited(self.policy.threads if backend.family == "cpu" else None):
            return self._timed(backend, workload, batch, base, prepared, inputs, device_inputs, provenance, methods)

    def _timed(
        self,
        backend: Backend,
        workload: Workload,
        batch: int,
        base: dict[str, Any],
        prepared: Prepared,
        inputs: tuple[Any, ...],
        device_inputs: Any,
        provenance: dict[str, str],
        methods: dict[str, str],
    ) -> Measurement:
        """Timing, end-to-end, power and quality of a checked lowering (inside the thread limit)."""
        if self.policy.processes > 1:
            from accelbench.measure.processes import sample_in_workers

            timing = sample_in_workers(backend, workload, batch, dict(base["config"]), self.policy,
                                       base["seed"], self.counters)
        else:
            timing = self.sample(backend, prepared, device_inputs)
            if backend.family == "cpu":
                timing.threads = threads.current()
        if backend.family == "cpu":
            base["threads"] = {**(timing.threads or {}), **(base.get("threads") or {})}
        latency = summarize(timing.samples_s)
        quality = judge(timing.samples_s, timing.contention, self.policy,
                        threads_used=threads.threads_used(base.get("threads")),
                        process_medians_s=timing.process_medians_s)
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
        peak = peak_for_dtype(base["device"].get("peak"), workload.dtype)
        if peak and latency.p50_s > 0:  # roofline input: achieved FLOP/s over the dense peak of the dtype
            base["device"] = {**base["device"], "percent_of_peak": 100.0 * base["flops"] / latency.p50_s / peak,
                              "percent_of_peak_dtype": workload.dtype}
        return Measurement(
            **base,
            **power,
            status="ok",
            quality=quality,
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

    def _server(
        self,
        backend: Backend,
        prepared: Prepared,
        batch: int,
        base: dict[str, Any],
        provenance: dict[str, str],
        methods: dict[str, str],
        status: Status = "ok",
    ) -> Measurement:
        """The server scenario (:mod:`accelbench.measure.server`): Poisson arrivals under a latency
        bound, served in real time, or simulated against the model for modeled backends."""
        from accelbench.measure.contention import delta
        from accelbench.measure.server import measure_server

        settings = dict(base["config"].get("server") or {})
        if not settings:
            raise UserError("--scenario server needs --target-qps Q or --find-max-qps (and --latency-bound-ms)")
        seed: int = base["seed"] if base.get("seed") is not None else (self.policy.seed or 0)
        source = self.counters() if backend.timing != "modeled" and self.policy.count_contention else None
        before = source.read() if source is not None else None
        fields = measure_server(backend, prepared, prepared.workload, batch, settings, seed)
        quality = None
        if source is not None and before is not None:
            interval = delta(before, source.read())
            source.close()
            fraction = interval.fraction
            contended = fraction is not None and fraction > self.policy.contention_threshold
            quality = Quality(
                verdict="contended" if contended else "ok", run_delay_fraction=fraction, source=interval.source,
                reason=(f"threads waited {100 * fraction:.0f} % of the run for a CPU; another process is competing"
                        if contended and fraction is not None else ""))
        provenance.update(fields.pop("provenance"))
        methods["latency"] = fields.pop("method")
        return Measurement(**base, **fields, status=status, quality=quality, provenance=provenance,
                           methods=methods)

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
        if self.policy.scenario == "server":  # the same arrivals, simulated against the model
            return self._server(backend, prepared, batch, base, provenance, methods, status)
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
        present = {"latency", "throughput_items_s", *(k for k, v in power.items() if v is not None)}
        ranges = {name: bounds for name, bounds in ranges.items() if name in present}  # no range without its figure
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

    def timed_block(self, backend: Backend, prepared: Prepared, device_inputs: Any) -> tuple[Block, str]:
        """The timed block for this backend and scenario, and words that say exactly what it times.

        Device timer: single-stream times every query with its own device measurement
        (``Backend.time(..., 1)`` per query), offline one measurement around ``n`` back-to-back
        launches. Host timer: a synchronous lowering with a bound callable runs in a loop compiled
        like ``timeit``'s (no Backend call path inside the timed region); otherwise ``run`` (+
        ``synchronize`` per query in single-stream, once per block in offline).
        """
        single = self.policy.scenario == "single-stream"
        if backend.time(prepared, device_inputs, 1) is not None:
            timer = backend.time
            if single:
                def per_query(n: int) -> float:
                    return sum(timer(prepared, device_inputs, 1) or 0.0 for _ in range(n))

                return per_query, "device timer, each query timed on its own (one device measurement per query)"

            def back_to_back(n: int) -> float:
                return timer(prepared, device_inputs, n) or 0.0

            return back_to_back, "device timer around n back-to-back queries (one measurement per sample)"
        bound = _bound_call(backend, prepared, device_inputs)
        if bound is not None:
            fn, args = bound
            loop = compiled_loop(len(args))

            def compiled(n: int) -> float:
                return loop(itertools.repeat(None, n), now_s, fn, *args)

            return compiled, ("host perf_counter around n calls of the bound callable in a compiled loop "
                              "(synchronous backend: each query completes before the next)")
        run, sync = backend.run, backend.synchronize
        if _sync_is_noop(backend):
            def synchronous(n: int) -> float:
                t0 = now_s()
                for _ in range(n):
                    run(prepared, device_inputs)
                return now_s() - t0

            return synchronous, ("host perf_counter around n runs "
                                 "(synchronous backend: each query completes before the next)")
        if single:
            def synced(n: int) -> float:
                t0 = now_s()
                for _ in range(n):
                    run(prepared, device_inputs)
                    sync()
                return now_s() - t0

            return synced, "host perf_counter around n runs, synchronize after every query"

        def offline(n: int) -> float:
            t0 = now_s()
            for _ in range(n):
                run(prepared, device_inputs)
            sync()
            return now_s() - t0

        return offline, "host perf_counter around n back-to-back runs, one synchronize per sample"

    def sample(self, backend: Backend, prepared: Prepared, device_inputs: Any) -> Timing:
        """Warm up, calibrate and sample ``backend.run`` on ``device_inputs`` (no correctness check).

        The contention counters are read once per sample boundary (never per iteration); a sample
        whose worst thread waited for a CPU longer than ``policy.contention_threshold`` of its wall
        time is dropped and re-taken, at most ``policy.max_contended_retries`` times and never once
        the budget is spent.
        """
        policy = self.policy
        block, method = self.timed_block(backend, prepared, device_inputs)
        # Warm-up: JIT, caches and clocks settle; never timed into a sample.
        warm: list[float] = []
        t_start = now_s()
        while len(warm) < policy.min_warmup_iterations or now_s() - t_start < policy.warmup_s:
            warm.append(block(1))
            if len(warm) >= 10_000:
                break
        # A low percentile, not the median: warm-up calls slowed by a neighbour (a thread waiting
        # for a CPU) must not shrink the iterations per sample below what the timer needs.
        per_call_s = sorted(warm)[len(warm) // 10]
        # Calibration: enough iterations that the timer's own cost is < max_timer_overhead.
        floor_s = max(timer_overhead_s() / policy.max_timer_overhead, policy.min_sample_s)
        iterations = max(1, math.ceil(floor_s / max(per_call_s, 1e-9)))
        timing = Timing(iterations=iterations)
        source = self.counters() if policy.count_contention else NullSource()
        kept = Accumulator(source.name)
        try:
            before = source.read()
            t_start = now_s()
            ordered: list[float] = []  # the kept samples in ascending order: an O(1) noise test
            while True:
                block_s = block(iterations)
                after = source.read()
                timing.inside_s += block_s
                timing.blocks += 1
                interval = delta(before, after)
                before = after
                if (sample_is_contended(interval.fraction, policy) and kept.retries < policy.max_contended_retries
                        and now_s() - t_start < policy.budget_s):
                    kept.retries += 1  # dropped: re-taken below
                    continue
                kept.add(interval)
                per_call = block_s / iterations
                timing.samples_s.append(per_call)
                insort(ordered, per_call)
                reason = stop_reason(timing.samples_s, now_s() - t_start, policy, sorted_samples=ordered)
                if reason:
                    timing.stop = reason
                    break
            timing.sampling_s = now_s() - t_start
        finally:
            source.close()
        timing.contention = kept.summary()
        dropped = f", {kept.retries} contended sample(s) dropped and re-taken" if kept.retries else ""
        timing.method = (
            f"{method}; {policy.scenario}, {iterations} iteration(s)/sample, "
            f"{len(timing.samples_s)} samples{dropped}; stopped: {timing.stop}"
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
