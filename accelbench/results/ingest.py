"""Read pytest-benchmark JSON into Measurements: accelbench's own records, or any plain benchmark.

Everything is parsed and validated before anything is stored; a malformed file is one UserError.
"""

from __future__ import annotations

import hashlib
import json
import math
import uuid
from pathlib import Path
from typing import Any

from accelbench.errors import UserError
from accelbench.measure.stats import summarize
from accelbench.results.record import LatencyStats, Measurement


def load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise UserError(f"no such file: {path}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UserError(f"{path}: not a JSON file ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("benchmarks"), list):
        raise UserError(f"{path}: not a pytest-benchmark JSON file (no `benchmarks` list)")
    return data


def _plain(bench: dict[str, Any], run_id: str, created_at: str, where: str) -> Measurement:
    stats = bench.get("stats")
    if not isinstance(stats, dict) or "median" not in stats:
        raise UserError(f"{where}: benchmark has no `stats.median`")
    try:
        samples = tuple(float(x) for x in stats.get("data") or ())
        median = float(stats["median"])
    except (TypeError, ValueError):
        raise UserError(f"{where}: malformed numbers in `stats`") from None
    if samples:
        latency = summarize(samples)
    else:  # only summary statistics were saved: percentiles we do not have stay unknown (NaN)
        nan = math.nan
        latency = LatencyStats(median, nan, nan, float(stats.get("mean", nan)), float(stats.get("min", nan)),
                               float(stats.get("max", nan)), float(stats.get("stddev", nan)),
                               float(stats.get("iqr", nan)), int(stats.get("rounds", 0)))
    fullname = str(bench.get("fullname") or bench.get("name"))
    return Measurement(
        run_id=run_id, measurement_id=uuid.uuid4().hex, created_at=created_at,
        workload=str(bench.get("name", fullname)), kind="pytest-benchmark",
        params={"fullname": fullname, "params": bench.get("params")},
        params_hash=hashlib.sha256(fullname.encode()).hexdigest()[:16],
        backend=str((bench.get("extra_info") or {}).get("backend", "pytest-benchmark")), family="cpu",
        batch=1, scenario="single-stream", status="ok",
        iterations_per_sample=int(stats.get("iterations", 1) or 1), samples_s=samples, latency=latency,
        throughput_items_s=1.0 / latency.p50_s if latency.p50_s > 0 else None,
        provenance={"latency": "measured"}, methods={"latency": "pytest-benchmark (host timer)"},
        notes=(f"ingested from pytest-benchmark: {fullname}",),
    )


def measurements(path: Path, run_id: str, created_at: str) -> list[Measurement]:
    """Every benchmark of ``path`` as a Measurement of run ``run_id`` (fresh measurement ids)."""
    data = load(path)
    out: list[Measurement] = []
    for index, bench in enumerate(data["benchmarks"], start=1):
        where = f"{path}: benchmark #{index}"
        if not isinstance(bench, dict):
            raise UserError(f"{where}: not an object")
        record = (bench.get("extra_info") or {}).get("accelbench_record")
        if isinstance(record, dict):
            try:
                original = Measurement.from_json(record)
            except (KeyError, TypeError, ValueError) as exc:
                raise UserError(f"{where}: malformed accelbench record ({exc})") from None
            data_ = original.to_json()
            data_.update(run_id=run_id, measurement_id=uuid.uuid4().hex)
            out.append(Measurement.from_json(data_))
        else:
            out.append(_plain(bench, run_id, created_at, where))
    if not out:
        raise UserError(f"{path}: no benchmarks in the file")
    return out
