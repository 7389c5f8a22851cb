"""Serve a backend under Poisson arrivals in real time (the server scenario), or simulate a modeled
one; the rules live in :mod:`accelbench.measure.loadgen`.

One dispatcher thread plays the server: it waits for the next arrival, gathers the queries that
have arrived (up to ``max_batch``, holding the first at most ``batch_timeout_s`` for others), runs
them as one call (upload, run, synchronise, download: what a serving process does), and stamps
every query with its start and end. Arrival times follow the schedule whatever the server does, so
a server slower than the offered load builds a queue that shows in the latencies.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from accelbench.backends.base import Backend, Prepared
from accelbench.measure.loadgen import (
    QueryLog,
    ServerPolicy,
    ServerResult,
    best_valid,
    judge,
    next_probe,
    simulate_pipeline,
    stop_rule,
)
from accelbench.measure.timers import now_s

_SPIN_S = 200e-6  # sleep until this close to an arrival, then spin (sleep overshoots by ~50-100 µs)


def _wait_until(t_abs: float) -> None:
    remaining = t_abs - now_s()
    if remaining > _SPIN_S:
        time.sleep(remaining - _SPIN_S)
    while now_s() < t_abs:
        pass


def serve(backend: Backend, prepared: Prepared, inputs_for: Callable[[int], tuple[np.ndarray, ...]],
          qps: float, policy: ServerPolicy, seed: int) -> ServerResult:
    """Serve Poisson arrivals at ``qps`` on ``backend`` in real time; ``inputs_for(q)`` gives the
    host inputs of a call serving ``q`` queries."""
    chunk = max(256, int(qps * 2))
    rng = np.random.default_rng(seed)
    gaps = rng.exponential(1.0 / qps, size=chunk)
    issue = np.cumsum(gaps) - gaps[0]  # the first query arrives at t = 0
    starts: list[float] = []
    ends: list[float] = []
    issued: list[float] = []
    bound = policy.latency_bound_s
    over = 0
    batches = 0
    t0 = now_s() + 1e-3
    i = 0
    rule, early = "", ""
    while not rule:
        if i + policy.max_batch >= issue.size:  # extend the schedule with the same process
            issue = np.concatenate([issue, issue[-1] + np.cumsum(rng.exponential(1.0 / qps, size=chunk))])
        _wait_until(t0 + issue[i])
        j = i + 1
        deadline = t0 + issue[i] + policy.batch_timeout_s
        while j - i < policy.max_batch:
            arrive = t0 + issue[j]
            if arrive <= now_s():
                j += 1
            elif arrive <= deadline:
                _wait_until(arrive)
                j += 1
            else:
                break
        host_inputs = inputs_for(j - i)
        start = now_s()
        out = backend.run(prepared, backend.upload(prepared, host_inputs))
        backend.synchronize()
        backend.download(prepared, out)
        end = now_s()
        batches += 1
        for k in range(i, j):
            issued.append(issue[k])
            starts.append(start - t0)
            ends.append(end - t0)
            over += (end - t0 - issue[k]) > bound
        i = j
        rule, early = stop_rule(end - t0, len(issued), over, policy)
    log = QueryLog(np.array(issued), np.array(starts), np.array(ends))
    return judge(qps, log, policy, rule, batches, early)


def _capacity_qps(backend: Backend, prepared: Prepared, inputs_for: Callable[[int], tuple[np.ndarray, ...]]) -> float:
    """Queries per second one back-to-back server could answer (median of a few calls)."""
    times = []
    for _ in range(15):
        t0 = now_s()
        out = backend.run(prepared, backend.upload(prepared, inputs_for(1)))
        backend.synchronize()
        backend.download(prepared, out)
        times.append(now_s() - t0)
    return 1.0 / max(float(np.median(times)), 1e-7)


Inputs = Callable[[int], tuple[np.ndarray, ...]]


def run_server(backend: Backend, prepared: Prepared, inputs_for: Inputs, policy: ServerPolicy,
               modeled: tuple[float, float] | None = None) -> tuple[ServerResult, list[ServerResult]]:
    """(result to store, every probe). A fixed rate is one probe; ``find_max_qps`` searches.

    ``modeled`` = (latency_s, ii_s) simulates a modeled server instead of serving in real time.
    """
    def probe(qps: float, index: int) -> ServerResult:
        if modeled is not None:
            return simulate_pipeline(qps, modeled[0], modeled[1], policy, policy.seed + index)
        return serve(backend, prepared, inputs_for, qps, policy, policy.seed + index)

    if not policy.find_max_qps:
        result = probe(policy.target_qps, 0)
        return result, [result]
    capacity = 1.0 / modeled[1] if modeled is not None else _capacity_qps(backend, prepared, inputs_for)
    if policy.target_qps > 0:
        capacity = 2.0 * policy.target_qps  # the user's rate is the first probe
    probes: list[ServerResult] = []
    while len(probes) < policy.max_probes:
        qps = next_probe(probes, capacity)
        if qps is None:
            break
        probes.append(probe(qps, len(probes)))
    best = best_valid(probes)
    return (best if best is not None else min(probes, key=lambda p: p.target_qps)), probes


def detail(result: ServerResult, probes: list[ServerResult], policy: ServerPolicy, modeled: bool) -> dict[str, Any]:
    """``Measurement.scenario_detail`` of a server-scenario record."""
    best = best_valid(probes)
    out: dict[str, Any] = {
        "scenario": "server", "mode": "find-max-qps" if policy.find_max_qps else "fixed-rate",
        "timing": "modeled queue simulation" if modeled else "served in real time",
        "target_qps": result.target_qps, "achieved_qps": result.achieved_qps, "verdict": result.verdict,
        "reason": result.reason, "percentile": policy.percentile, "latency_bound_s": policy.latency_bound_s,
        "percentile_latency_s": result.percentile_latency_s, "stop_rule": result.stop_rule,
        "queries": result.log.n, "max_batch": policy.max_batch, "batch_timeout_s": policy.batch_timeout_s,
        "min_duration_s": policy.min_duration_s, "min_queries": policy.min_queries,
        "max_valid_qps": best.target_qps if best is not None else None,
        "probes": [p.summary() for p in probes],
    }
    return out


def measure_server(backend: Backend, prepared: Prepared, workload: Any, batch: int, settings: dict[str, Any],
                   seed: int) -> dict[str, Any]:
    """The server-scenario figures of a record: per-query latencies (queueing included), achieved
    queries/s, and ``scenario_detail`` with the verdict, the rule that ended the run and every probe.

    A backend with modeled timing is simulated (its latency at ``batch`` and its II from the model's
    estimate at 1 and 2 calls); every other backend is served in real time. ``settings`` are the
    :class:`ServerPolicy` fields (from ``--target-qps`` etc., stored in the record's config).
    """
    from accelbench.results.stats import summarize

    policy = ServerPolicy(**{**settings, "seed": seed})
    modeled: tuple[float, float] | None = None
    if backend.timing == "modeled":
        one, two = backend.estimate(prepared, batch), backend.estimate(prepared, 2 * batch)
        if one is None or two is None:
            raise RuntimeError(f"{backend.name} declares modeled timing but gave no estimate")
        ii = two.compute_s - one.compute_s
        modeled = (one.compute_s, ii if ii > 0 else one.compute_s)
    cache: dict[int, tuple[np.ndarray, ...]] = {}

    def inputs_for(queries: int) -> tuple[np.ndarray, ...]:
        if queries not in cache:
            cache[queries] = workload.make_inputs(seed + queries, queries * batch)
        return cache[queries]

    result, probes = run_server(backend, prepared, inputs_for, policy, modeled)
    latencies = result.log.latency_s
    if not latencies.size:  # offered beyond a modeled capacity: no latency, only the verdict
        return {"scenario_detail": detail(result, probes, policy, modeled is not None), "provenance": {},
                "method": f"server scenario: {result.reason}"}
    label = "modeled" if modeled is not None else "measured"
    qps = result.achieved_qps
    flops, moved = workload.flops(batch), workload.bytes_moved(batch)
    return {
        "samples_s": tuple(float(x) for x in latencies),
        "latency": summarize([float(x) for x in latencies]),
        "throughput_items_s": qps * batch if qps > 0 else None,
        "achieved_flops_s": flops * qps if qps > 0 else None,
        "achieved_bytes_s": moved * qps if qps > 0 else None,
        "iterations_per_sample": 1,
        "scenario_detail": detail(result, probes, policy, modeled is not None),
        "provenance": {name: label for name in ("latency", "throughput_items_s", "achieved_flops_s",
                                                "achieved_bytes_s")},
        "method": (f"server scenario: Poisson arrivals at {result.target_qps:.4g} queries/s, "
                   + ("queue simulated against the modeled latency and II" if modeled else
                      "served in real time (upload + run + synchronise + download per call), latency from issue "
                      "to completion including queueing")
                   + f"; {result.stop_rule}"),
    }
