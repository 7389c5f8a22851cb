"""Read pytest-benchmark JSON into a run: accelbench's own records, or any plain benchmark.

What the file says is kept, and nothing it does not say is invented:

* ``commit_info`` becomes the run's commit (``environment["commit"]``: id, branch, dirty, time;
  also ``environment["git"]`` as the report reads it), ``machine_info`` its environment (host,
  platform, Python, CPU, core count; the raw dictionaries are kept too), the file's ``datetime``
  its start time, and the file's SHA-256 ``source_sha256`` (a second ingest of the same bytes is
  refused, see :func:`already_ingested`).
* Per plain benchmark: ``group``, ``params``, ``param``, ``extra_info`` and ``options`` are kept
  in the record's ``extra["pytest_benchmark"]``; the raw per-call samples (``stats.data``, when
  saved with ``--benchmark-save-data``) are the record's samples. A throughput (items/s) is given
  only when ``extra_info["items_per_call"]`` says how many items one call handles.

Everything is parsed and validated before anything is stored; a malformed file is one UserError
that names the benchmark and the field.
"""

from __future__ import annotations

import hashlib
import json
import math
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from accelbench.errors import UserError
from accelbench.measure.policy import RunPolicy
from accelbench.measure.quality import judge, judge_summary
from accelbench.results.record import LatencyStats, Measurement, Quality
from accelbench.results.stats import summarize

if TYPE_CHECKING:
    from accelbench.results.store import Store

#: Largest count (rounds, iterations) accepted: beyond it the file is not a real measurement.
MAX_COUNT = 2**53
#: Key in ``extra_info`` that declares how many items one benchmarked call processes.
ITEMS_KEY = "items_per_call"


@dataclass(frozen=True)
class Ingested:
    """A parsed file: its records, the run's environment, start time (ISO 8601, UTC) and origin.

    ``origin`` holds the store's run-origin columns the file supports (host, commit_id, branch,
    dirty, commit_time).
    """

    records: list[Measurement]
    environment: dict[str, Any]
    started_at: str
    sha256: str
    origin: dict[str, Any]


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


# -- field validation ----------------------------------------------------------------------------
def _number(obj: dict[str, Any], key: str, where: str, *, positive: bool = False) -> float:
    value = obj.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) \
            or value < 0 or (positive and value == 0):
        need = "> 0" if positive else ">= 0"
        raise UserError(f"{where}: `{key}` must be a finite number {need}, got {_short(value)}")
    return float(value)


def _optional_number(obj: dict[str, Any], key: str, where: str) -> float:
    return _number(obj, key, where) if obj.get(key) is not None else math.nan


def _count(obj: dict[str, Any], key: str, where: str, default: int | None = None) -> int:
    value = obj.get(key, default)
    if value is None and default is not None:
        return default
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_COUNT:
        raise UserError(f"{where}: `{key}` must be a whole number from 1 to 2**53, got {_short(value)}")
    return value


def _mapping(obj: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    value = obj.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise UserError(f"{where}: `{key}` must be an object, got {_short(value)}")
    return value


def _text(obj: dict[str, Any], key: str, where: str) -> str | None:
    value = obj.get(key)
    if value is not None and not isinstance(value, str):
        raise UserError(f"{where}: `{key}` must be a string, got {_short(value)}")
    return value


def _name(obj: dict[str, Any], where: str) -> str:
    value = obj.get("name")
    if not isinstance(value, str) or not value.strip():
        raise UserError(f"{where}: `name` must be a non-empty string, got {_short(value)}")
    return value


def _timestamp(value: Any, where: str) -> str:
    """An ISO 8601 time as UTC ISO text to the second (a time without zone is taken as UTC)."""
    if not isinstance(value, str):
        raise UserError(f"{where}: `datetime` must be an ISO 8601 string, got {_short(value)}")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise UserError(f"{where}: `datetime` is not an ISO 8601 time: {_short(value)}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # pytest-benchmark < 4 wrote naive UTC times
    return moment.astimezone(UTC).isoformat(timespec="seconds")


# -- reading -------------------------------------------------------------------------------------
def load(path: Path) -> tuple[dict[str, Any], str]:
    """The file's JSON object and the SHA-256 of its bytes."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UserError(f"no such file: {path}") from None
    except IsADirectoryError:
        raise UserError(f"{path} is a directory, not a pytest-benchmark JSON file") from None
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise UserError(f"{path}: not a JSON file ({str(exc).splitlines()[0][:80]})") from None
    if not isinstance(data, dict) or not isinstance(data.get("benchmarks"), list):
        raise UserError(f"{path}: not a pytest-benchmark JSON file (no `benchmarks` list)")
    return data, hashlib.sha256(raw).hexdigest()


def _samples(stats: dict[str, Any], where: str) -> tuple[float, ...]:
    data = stats.get("data")
    if data is None:
        return ()
    if not isinstance(data, list):
        raise UserError(f"{where}: `stats.data` must be a list of seconds, got {_short(data)}")
    out = []
    for index, value in enumerate(data):
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
            raise UserError(f"{where}: `stats.data[{index}]` must be a finite number >= 0, got {_short(value)}")
        out.append(float(value))
    return tuple(out)


def _latency(stats: dict[str, Any], samples: tuple[float, ...], where: str) -> LatencyStats:
    """From the raw samples when saved, else the file's summary (percentiles it lacks stay NaN)."""
    median = _number(stats, "median", where + ": stats", positive=True)
    rounds = _count(stats, "rounds", where + ": stats", default=max(len(samples), 1))
    mean = _optional_number(stats, "mean", where + ": stats")
    low, high = _optional_number(stats, "min", where + ": stats"), _optional_number(stats, "max", where + ": stats")
    stdev, iqr = _optional_number(stats, "stddev", where + ": stats"), _optional_number(stats, "iqr", where + ": stats")
    if samples:
        summary = summarize(samples)
        if summary.p50_s <= 0:
            raise UserError(f"{where}: the median of `stats.data` is 0 s: not a timing")
        return summary
    return LatencyStats(median, math.nan, math.nan, mean, low, high, stdev, iqr, rounds)


def _pytest_benchmark_detail(bench: dict[str, Any], where: str) -> dict[str, Any]:
    """What pytest-benchmark wrote about one benchmark besides its statistics."""
    return {
        "fullname": _text(bench, "fullname", where),
        "group": _text(bench, "group", where),
        "params": _mapping(bench, "params", where) or None,
        "param": bench.get("param") if isinstance(bench.get("param"), str | int | float) else None,
        "extra_info": _mapping(bench, "extra_info", where),
        "options": _mapping(bench, "options", where),
    }


def _plain(bench: dict[str, Any], run_id: str, created_at: str, where: str, commit_note: str,
           device: dict[str, Any]) -> Measurement:
    name = _name(bench, where)
    stats = bench.get("stats")
    if not isinstance(stats, dict):
        raise UserError(f"{where}: `stats` must be an object with the benchmark's statistics")
    samples = _samples(stats, where)
    latency = _latency(stats, samples, where)
    iterations = _count(stats, "iterations", where + ": stats", default=1)
    detail = _pytest_benchmark_detail(bench, where)
    fullname = detail["fullname"] or name
    items = detail["extra_info"].get(ITEMS_KEY)
    throughput = None
    batch = 1
    if items is not None:
        items = _number(detail["extra_info"], ITEMS_KEY, where + ": extra_info", positive=True)
        throughput = items / latency.p50_s
        batch = int(items) if items.is_integer() and items <= MAX_COUNT else 1
    timer = detail["options"].get("timer")
    provenance = {"latency": "measured"}
    methods = {"latency": f"pytest-benchmark (host timer{': ' + str(timer) if timer else ''})"}
    if throughput is not None:
        provenance["throughput_items_s"] = "measured"
        methods["throughput_items_s"] = f"extra_info[{ITEMS_KEY!r}] / p50"
    notes = [f"ingested from pytest-benchmark: {fullname}"]
    quality = _quality(samples, latency)
    if not samples:
        notes.append("only summary statistics in the file (no --benchmark-save-data): p90/p99 unknown")
    notes.append("timing quality judged from " + ("the samples" if samples else "the IQR and rounds" if quality
                                                  else "nothing (no IQR in the file): unknown")
                 + "; pytest-benchmark reads no contention counters")
    if commit_note:
        notes.append(commit_note)
    return Measurement(
        run_id=run_id, measurement_id=uuid.uuid4().hex, created_at=created_at,
        workload=name, kind="pytest-benchmark",
        params={"fullname": fullname, "params": detail["params"]},
        params_hash=hashlib.sha256(fullname.encode()).hexdigest()[:16],
        backend=str(detail["extra_info"].get("backend", "pytest-benchmark")), family="cpu",
        batch=batch, scenario="single-stream", status="ok",
        extra={"pytest_benchmark": {k: v for k, v in detail.items() if k != "fullname"}},
        device=device,
        iterations_per_sample=iterations, samples_s=samples, latency=latency,
        throughput_items_s=throughput, provenance=provenance, methods=methods, notes=tuple(notes),
        quality=quality,
    )


def _quality(samples: tuple[float, ...], latency: LatencyStats) -> Quality | None:
    """The noise verdict of an ingested timing under accelbench's default policy (no counters)."""
    if samples:
        return judge(samples, None, RunPolicy())
    if math.isfinite(latency.iqr_s) and latency.n_samples >= 1:
        return judge_summary(latency.p50_s, latency.iqr_s, latency.n_samples, latency.mean_s, RunPolicy())
    return None


def _accelbench_record(record: dict[str, Any], run_id: str, where: str) -> Measurement:
    """A record accelbench's own fixture wrote: kept as measured, under the new run id."""
    try:
        original = Measurement.from_json(record)
        samples = original.samples_s
        if any(isinstance(s, bool) or not isinstance(s, int | float) or not math.isfinite(s) for s in samples):
            raise ValueError("samples_s must be finite numbers")
        if original.latency is not None and not isinstance(original.latency.p50_s, int | float):
            raise ValueError("latency.p50_s must be a number")
        data = original.to_json()
        data.update(run_id=run_id, measurement_id=uuid.uuid4().hex)
        return Measurement.from_json(data)
    except UserError as exc:
        raise UserError(f"{where}: {exc}") from None
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise UserError(f"{where}: malformed accelbench record ({_short(str(exc))})") from None


# -- the run -------------------------------------------------------------------------------------
def commit_of(commit_info: dict[str, Any]) -> dict[str, Any]:
    """pytest-benchmark's ``commit_info`` as the run's commit (empty outside version control)."""
    commit_id = commit_info.get("id")
    if not isinstance(commit_id, str) or not commit_id or commit_id == "unversioned":
        return {}
    branch = commit_info.get("branch")
    dirty = commit_info.get("dirty")
    return {
        "id": commit_id,
        "branch": branch if isinstance(branch, str) and branch != "(unknown)" else None,
        "dirty": dirty if isinstance(dirty, bool) else None,
        "time": commit_info.get("time") if isinstance(commit_info.get("time"), str) else None,
    }


def environment_of(machine_info: dict[str, Any]) -> dict[str, Any]:
    """pytest-benchmark's ``machine_info`` under the keys accelbench's environment uses."""
    own = machine_info.get("accelbench")
    if isinstance(own, dict) and isinstance(own.get("environment"), dict):  # accelbench's plugin: its capture
        return dict(own["environment"])
    cpu = machine_info.get("cpu")
    cpu = cpu if isinstance(cpu, dict) else {}
    platform = "-".join(str(machine_info[k]) for k in ("system", "release", "machine") if machine_info.get(k))
    env: dict[str, Any] = {
        "hostname": machine_info.get("node"),
        "platform": platform or None,
        "python": machine_info.get("python_version"),
        "python_implementation": machine_info.get("python_implementation"),
        "cpu": cpu.get("brand_raw") or machine_info.get("processor") or machine_info.get("machine"),
    }
    if isinstance(cpu.get("count"), int):
        env["threads"] = {"cpu_count": cpu["count"]}
    return {key: value for key, value in env.items() if value not in (None, "")}


def _commit_note(commit: dict[str, Any]) -> str:
    if not commit:
        return ""
    where = f" on {commit['branch']}" if commit.get("branch") else ""
    dirty = " (dirty tree)" if commit.get("dirty") else ""
    return f"commit {commit['id']}{where}{dirty}"


def read(path: Path, run_id: str, ingested_at: str) -> Ingested:
    """Every benchmark of ``path`` as a Measurement of run ``run_id``, with the run's environment."""
    data, sha = load(path)
    top = str(path)
    machine_info = _mapping(data, "machine_info", top)
    commit_info = _mapping(data, "commit_info", top)
    version = data.get("version")
    started_at = _timestamp(data["datetime"], top) if data.get("datetime") is not None else ingested_at
    commit = commit_of(commit_info)
    environment = environment_of(machine_info)
    if version is not None:
        environment.setdefault("packages", {})["pytest-benchmark"] = str(version)
    device = {key: environment[source] for key, source in (("device", "cpu"), ("hostname", "hostname"))
              if source in environment}
    records: list[Measurement] = []
    for index, bench in enumerate(data["benchmarks"], start=1):
        where = f"{path}: benchmark #{index}"
        if not isinstance(bench, dict):
            raise UserError(f"{where}: not an object")
        record = _mapping(bench, "extra_info", where).get("accelbench_record")
        if record is not None:
            if not isinstance(record, dict):
                raise UserError(f"{where}: `extra_info.accelbench_record` must be an object")
            records.append(_accelbench_record(record, run_id, where))
        else:
            records.append(_plain(bench, run_id, started_at, where, _commit_note(commit), device))
    if not records:
        raise UserError(f"{path}: no benchmarks in the file")
    environment.update({
        "source": "pytest-benchmark",
        "ingested_from": str(path),
        "ingested_at": ingested_at,
        "source_sha256": sha,
        "started_at_source": "file" if data.get("datetime") is not None else "ingest time (the file has no datetime)",
        "machine_info": machine_info,
        "commit_info": commit_info,
    })
    origin: dict[str, Any] = {"host": environment.get("hostname")}
    if commit:
        environment["commit"] = commit
        environment["git"] = {"commit": commit["id"], "dirty": commit["dirty"], "branch": commit["branch"]}
        origin.update(commit_id=commit["id"], branch=commit["branch"], dirty=commit["dirty"],
                      commit_time=commit["time"])
    return Ingested(records, environment, started_at, sha, {k: v for k, v in origin.items() if v is not None})


def measurements(path: Path, run_id: str, created_at: str) -> list[Measurement]:
    """Every benchmark of ``path`` as a Measurement of run ``run_id`` (fresh measurement ids)."""
    return read(path, run_id, created_at).records


def already_ingested(store: Store, sha256: str) -> str | None:
    """The run an earlier ingest of a file with this content hash was stored as, if any."""
    rows = store.con.execute(
        "SELECT run_id FROM runs WHERE json_extract_string(environment, '$.source_sha256') = ? "
        "ORDER BY started_at, run_id LIMIT 1", [sha256],
    ).fetchall()
    return str(rows[0][0]) if rows else None
