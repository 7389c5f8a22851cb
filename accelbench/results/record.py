"""The stored record of one measurement (versioned with :data:`SCHEMA_VERSION`).

One :class:`Measurement` is one (workload, backend, batch, scenario, config) point. Raw samples
are kept; statistics are derived from them. Every figure has a provenance label in
``provenance`` (``measured`` / ``simulated`` / ``reported`` / ``modeled``) and a method in
``methods`` (which timer, sensor or model produced it).

``to_json`` gives the stable JSON the CLI prints (see the README); ``from_json`` reads it back.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

from accelbench.errors import UserError

#: Bump when a stored field changes meaning; :mod:`accelbench.results.migrate` upgrades old data.
SCHEMA_VERSION = 1

Status = Literal["ok", "invalid", "unsupported", "unavailable", "error"]
PROVENANCE_KINDS = ("measured", "simulated", "reported", "modeled")


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
    schema_version: int = SCHEMA_VERSION

    @property
    def valid(self) -> bool:
        return self.status == "ok"

    def __post_init__(self) -> None:
        for figure, kind in self.provenance.items():
            if kind not in PROVENANCE_KINDS:
                raise ValueError(f"provenance of {figure!r} must be one of {PROVENANCE_KINDS}, got {kind!r}")

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
        known = {f.name for f in fields(ErrorMetrics)}
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
