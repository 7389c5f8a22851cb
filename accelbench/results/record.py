"""The stored record of one measurement (versioned with :data:`SCHEMA_VERSION`).

One :class:`Measurement` is one (workload, backend, batch, scenario, config) point. Raw samples
are kept; statistics are derived from them. A record says three things apart:

* ``status`` — what happened: ``ok`` (output checked against the float64 reference, within
  tolerance), ``invalid`` (output wrong), ``error``, ``unavailable``, ``unsupported``,
  ``model-only`` (no output was produced: every figure comes from a model) or ``does-not-fit``
  (output right in simulation, but the design exceeds its part). ``valid`` is ``status == "ok"``;
  whether a record may be ranked is decided in one place, :func:`accelbench.results.rank.rankable`.
* ``provenance`` — how each figure was obtained: ``measured`` / ``simulated`` / ``reported`` /
  ``modeled`` (``unknown`` only for figures migrated from stores that did not label them). A
  figure without a label cannot be constructed: :class:`Measurement` raises.
* ``quality`` — how trustworthy the timing is (:class:`Quality`: verdict ``ok`` / ``noisy`` /
  ``contended``, run-queue wait, confidence-interval width); present on every timed record.

``methods`` says which timer, sensor or model produced each figure.

``to_json`` gives the stable JSON the CLI prints (see the README); ``from_json`` reads it back.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

from accelbench.errors import UserError

#: Bump when a stored field changes meaning; :mod:`accelbench.results.migrate` upgrades old data.
SCHEMA_VERSION = 2

Status = Literal["ok", "invalid", "unsupported", "unavailable", "error", "model-only", "does-not-fit"]
STATUSES: tuple[str, ...] = ("ok", "invalid", "unsupported", "unavailable", "error", "model-only", "does-not-fit")
#: Statuses whose figures exist but must never be ranked (own report section, never a winner).
UNRANKED_WITH_FIGURES: tuple[str, ...] = ("model-only", "does-not-fit")
PROVENANCE_KINDS = ("measured", "simulated", "reported", "modeled", "unknown")
Verdict = Literal["ok", "noisy", "contended"]
VERDICTS: tuple[str, ...] = ("ok", "noisy", "contended")

#: Top-level figures that must carry a provenance label whenever they are present.
LABELLED_FIGURES: tuple[str, ...] = (
    "latency", "end_to_end", "throughput_items_s", "achieved_flops_s", "achieved_bytes_s",
    "power_w", "idle_power_w", "energy_j_per_item", "error", "accuracy",
)


@dataclass(frozen=True)
class LatencyStats:
    """Per-call latency statistics in seconds, from ``n_samples`` raw samples."""

    p50_s: float
    p90_s: float
    p99_s: float
    mean_s: float
    min_s: float
    max_s: float
    stdev_s: float
    iqr_s: float
    n_samples: int

    def short(self) -> dict[str, float]:
        """The CLI's ``latency_s`` object: p50, p90, p99, mean, min."""
        return {"p50": self.p50_s, "p90": self.p90_s, "p99": self.p99_s, "mean": self.mean_s, "min": self.min_s}


@dataclass(frozen=True)
class ErrorMetrics:
    """Numerical error of a backend's output against the float64 reference."""

    max_abs: float
    rel: float
    mean_abs: float
    rtol: float
    argmax_agreement: float | None = None


@dataclass(frozen=True)
class Quality:
    """How trustworthy a timed measurement is (see docs/timing-quality.md).

    ``verdict``: ``ok``; ``noisy`` (the median's confidence interval stayed wider than the target
    when the budget ran out, or the tail is far from the median); ``contended`` (the process's
    threads waited for a CPU for more than the threshold fraction of the samples' wall time).
    ``run_delay_fraction`` is the worst thread's run-queue wait over the samples' wall time,
    ``run_delay_fraction_mean`` the average over threads; ``ci_rel`` the relative half-width of
    the median's 95 % CI; ``tail_ratio`` max(p99, mean) / p50; ``cpu_utilisation`` process CPU time
    over wall time divided by the threads used; ``source`` names the counters (``schedstat``,
    ``rusage`` or ``none``); ``retries`` counts contended samples dropped and re-taken;
    ``processes`` the worker processes pooled and ``between_process_rel`` their medians' spread.
    """

    verdict: Verdict
    run_delay_fraction: float | None = None
    run_delay_fraction_mean: float | None = None
    ci_rel: float | None = None
    tail_ratio: float | None = None
    cpu_utilisation: float | None = None
    involuntary_switches: int | None = None
    source: str = "none"
    reason: str = ""
    retries: int = 0
    dropped_samples: int = 0
    processes: int = 1
    between_process_rel: float | None = None

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"quality verdict must be one of {VERDICTS}, got {self.verdict!r}")


@dataclass(frozen=True)
class Measurement:
    """One stored result. ``valid`` is true only for ``status == "ok"``."""

    run_id: str
    measurement_id: str
    created_at: str
    workload: str
    kind: str
    params: dict[str, Any]
    params_hash: str
    backend: str
    family: str
    batch: int
    scenario: str
    status: Status
    invalid_reason: str = ""
    config: dict[str, Any] = field(default_factory=dict)
    device: dict[str, Any] = field(default_factory=dict)
    seed: int | None = None
    iterations_per_sample: int = 0
    samples_s: tuple[float, ...] = ()
    latency: LatencyStats | None = None
    end_to_end: LatencyStats | None = None
    end_to_end_samples_s: tuple[float, ...] = ()
    throughput_items_s: float | None = None
    achieved_flops_s: float | None = None
    achieved_bytes_s: float | None = None
    flops: int | None = None
    bytes_moved: int | None = None
    prepare_s: float | None = None
    error: ErrorMetrics | None = None
    power_w: float | None = None
    idle_power_w: float | None = None
    energy_j_per_item: float | None = None
    power: dict[str, Any] | None = None
    fpga: dict[str, Any] | None = None
    provenance: dict[str, str] = field(default_factory=dict)
    methods: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    sweep_id: str | None = None
    task_key: str | None = None
    #: Timing quality; None only for records that were not timed (modeled, skipped, failed).
    quality: Quality | None = None
    #: Accuracy on the user's data: {"metric": "top1"|"mse"|"psnr_db", "value": float, "n": int}.
    accuracy: dict[str, Any] | None = None
    #: Low/high bounds of modeled figures: figure name -> [low, high] (same unit as the figure).
    ranges: dict[str, list[float]] = field(default_factory=dict)
    #: Intra-op threads the backend used: {"torch": 2, "blas": 2, "numba": 2, "numba_layer": "omp"}.
    threads: dict[str, Any] | None = None
    #: Scenario-specific results (server: offered/achieved QPS, VALID/INVALID, probes).
    scenario_detail: dict[str, Any] | None = None
    #: What an ingested file said about this benchmark that has no other field (group, params...).
    extra: dict[str, Any] = field(default_factory=dict)
    schema_version: int = SCHEMA_VERSION

    @property
    def valid(self) -> bool:
        """True only for ``status == "ok"`` (output checked and within tolerance)."""
        return self.status == "ok"

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {self.status!r}")
        for figure, kind in self.provenance.items():
            if kind not in PROVENANCE_KINDS:
                raise ValueError(f"provenance of {figure!r} must be one of {PROVENANCE_KINDS}, got {kind!r}")
        missing = [name for name in LABELLED_FIGURES
                   if getattr(self, name) is not None and name not in self.provenance]
        if missing:
            raise ValueError(f"figure(s) {', '.join(missing)} of {self.backend}/{self.workload} have no provenance "
                             "label: every stored figure must say how it was obtained")
        orphans = [name for name in self.ranges if name in LABELLED_FIGURES and getattr(self, name) is None]
        if orphans:
            raise ValueError(f"range(s) of {', '.join(orphans)} given without the figure itself "
                             f"({self.backend}/{self.workload})")

    # -- JSON --------------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        """The stable JSON record (CLI ``--json``, exports). Floats that are NaN become null."""
        out: dict[str, Any] = {
            "run_id": self.run_id,
            "measurement_id": self.measurement_id,
            "created_at": self.created_at,
            "workload": self.workload,
            "kind": self.kind,
            "params": self.params,
            "params_hash": self.params_hash,
            "backend": self.backend,
            "family": self.family,
            "batch": self.batch,
            "scenario": self.scenario,
            "latency_s": self.latency.short() if self.latency else None,
            "end_to_end_latency_s": self.end_to_end.short() if self.end_to_end else None,
            "throughput_items_s": self.throughput_items_s,
            "achieved_flops_s": self.achieved_flops_s,
            "achieved_bytes_s": self.achieved_bytes_s,
            "error": asdict(self.error) if self.error else None,
            "valid": self.valid,
            "status": self.status,
            "invalid_reason": self.invalid_reason,
            "power_w": self.power_w,
            "idle_power_w": self.idle_power_w,
            "energy_j_per_item": self.energy_j_per_item,
            "fpga": self.fpga,
            "quality": asdict(self.quality) if self.quality else None,
            "accuracy": self.accuracy,
            "ranges": {key: list(value) for key, value in self.ranges.items()},
            "provenance": dict(self.provenance),
            "methods": dict(self.methods),
            # Full detail, so a record read back from JSON is the same record.
            "detail": {
                "config": self.config,
                "device": self.device,
                "seed": self.seed,
                "iterations_per_sample": self.iterations_per_sample,
                "samples_s": list(self.samples_s),
                "latency": asdict(self.latency) if self.latency else None,
                "end_to_end": asdict(self.end_to_end) if self.end_to_end else None,
                "end_to_end_samples_s": list(self.end_to_end_samples_s),
                "flops": self.flops,
                "bytes_moved": self.bytes_moved,
                "prepare_s": self.prepare_s,
                "power": self.power,
                "notes": list(self.notes),
                "sweep_id": self.sweep_id,
                "task_key": self.task_key,
                "threads": self.threads,
                "scenario_detail": self.scenario_detail,
                "extra": self.extra,
            },
            "schema_version": self.schema_version,
        }
        return _finite(out)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Measurement:
        """Rebuild a record from :meth:`to_json` output; refuses unknown schema versions."""
        version = data.get("schema_version")
        if version != SCHEMA_VERSION:
            raise UserError(
                f"record schema_version {version!r} is not {SCHEMA_VERSION}; "
                "run `accelbench migrate` on the store that holds it"
            )
        detail = data.get("detail", {})
        latency = detail.get("latency")
        e2e = detail.get("end_to_end")
        error = data.get("error")
        quality = data.get("quality")
        known = {f.name for f in fields(ErrorMetrics)}
        known_quality = {f.name for f in fields(Quality)}
        return cls(
            run_id=data["run_id"],
            measurement_id=data["measurement_id"],
            created_at=data["created_at"],
            workload=data["workload"],
            kind=data["kind"],
            params=dict(data["params"]),
            params_hash=data["params_hash"],
            backend=data["backend"],
            family=data["family"],
            batch=int(data["batch"]),
            scenario=data["scenario"],
            status=data["status"],
            invalid_reason=data.get("invalid_reason", ""),
            config=dict(detail.get("config") or {}),
            device=dict(detail.get("device") or {}),
            seed=detail.get("seed"),
            iterations_per_sample=int(detail.get("iterations_per_sample") or 0),
            samples_s=tuple(detail.get("samples_s") or ()),
            latency=LatencyStats(**latency) if latency else None,
            end_to_end=LatencyStats(**e2e) if e2e else None,
            end_to_end_samples_s=tuple(detail.get("end_to_end_samples_s") or ()),
            throughput_items_s=data.get("throughput_items_s"),
            achieved_flops_s=data.get("achieved_flops_s"),
            achieved_bytes_s=data.get("achieved_bytes_s"),
            flops=detail.get("flops"),
            bytes_moved=detail.get("bytes_moved"),
            prepare_s=detail.get("prepare_s"),
            error=ErrorMetrics(**{k: v for k, v in error.items() if k in known}) if error else None,
            power_w=data.get("power_w"),
            idle_power_w=data.get("idle_power_w"),
            energy_j_per_item=data.get("energy_j_per_item"),
            power=detail.get("power"),
            fpga=data.get("fpga"),
            provenance=dict(data.get("provenance") or {}),
            methods=dict(data.get("methods") or {}),
            notes=tuple(detail.get("notes") or ()),
            sweep_id=detail.get("sweep_id"),
            task_key=detail.get("task_key"),
            quality=Quality(**{k: v for k, v in quality.items() if k in known_quality}) if quality else None,
            accuracy=data.get("accuracy"),
            ranges={key: list(value) for key, value in (data.get("ranges") or {}).items()},
            threads=detail.get("threads"),
            scenario_detail=detail.get("scenario_detail"),
            extra=dict(detail.get("extra") or {}),
            schema_version=int(version),
        )


def _finite(value: Any) -> Any:
    """Replace NaN/inf floats by None, recursively (JSON has no NaN)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value
