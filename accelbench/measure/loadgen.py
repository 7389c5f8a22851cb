"""The server scenario's rules, after MLPerf LoadGen (pure: no backend, no clock).

* **Arrivals**: queries arrive as a Poisson process at ``target_qps`` (exponential inter-arrival
  times from a seeded generator), whatever the server is doing: a server that cannot keep up builds
  a queue, and queueing counts in every query's latency.
* **Verdict**: a run is ``VALID`` when the ``percentile`` latency (issue to completion, queueing
  included) is at most the bound, else ``INVALID``, with the reason.
* **Minimum duration and query count**: a run lasts at least ``min_duration_s`` and
  ``min_queries`` queries. LoadGen's reference values for the server scenario are 600 s and 270,336
  queries (99th percentile); accelbench's defaults are scaled down for small machines
  (:data:`DEFAULT_MIN_DURATION_S`, :data:`DEFAULT_MIN_QUERIES`), and ``--loadgen-reference``
  restores LoadGen's.
* **Early stopping** (LoadGen's idea, distribution-free): once the minimum duration has passed, the
  run may end before the minimum query count when the count of over-bound queries already decides
  the verdict at 99 % confidence — the number of queries slower than the bound among ``n`` is
  Binomial(n, q); the run is provably VALID when even the true over-bound rate
  ``q = 1 - percentile`` would rarely give so few (lower tail <= 1 %), provably INVALID when it
  would rarely give so many (upper tail <= 1 %).
* **Modeled servers** (an FPGA design whose latency and II come from a model): the same arrivals are
  simulated against a pipelined server that accepts a query every II and answers it a latency
  later: :func:`simulate_pipeline`.
* **Finding the best rate**: :func:`next_probe` is LoadGen's FindPeakPerformance in miniature:
  double the rate until a probe is INVALID, then bisect between the best VALID and the worst
  INVALID rate.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

DEFAULT_MIN_DURATION_S = 2.0
DEFAULT_MIN_QUERIES = 1024
LOADGEN_MIN_DURATION_S = 600.0
LOADGEN_MIN_QUERIES = 270_336
EARLY_STOP_CONFIDENCE = 0.99
#: A modeled server is simulated for at most this many queries (a design answering 10^8 queries/s
#: would otherwise need 10^8 simulated queries per second of minimum duration).
MAX_SIMULATED_QUERIES = 200_000


@dataclass(frozen=True)
class ServerPolicy:
    """How a server-scenario run is driven and judged. Durations in seconds.

    ``max_batch``/``batch_timeout_s``: dynamic batching (a waiting query is held at most the
    timeout for others to join, up to ``max_batch`` queries per call; 1 = no batching).
    ``max_duration_s`` bounds a run that neither meets its minimum nor decides early.
    """

    target_qps: float
    latency_bound_s: float
    percentile: float = 0.99
    min_duration_s: float = DEFAULT_MIN_DURATION_S
    min_queries: int = DEFAULT_MIN_QUERIES
    max_duration_s: float = 60.0
    max_batch: int = 1
    batch_timeout_s: float = 0.0
    early_stopping: bool = True
    find_max_qps: bool = False
    max_probes: int = 10
    seed: int = 0

    def __post_init__(self) -> None:
        from accelbench.errors import UserError

        checks = (
            (self.target_qps > 0 or self.find_max_qps, "--target-qps must be a positive rate (queries/s)"),
            (math.isfinite(self.target_qps), "--target-qps must be finite"),
            (self.latency_bound_s > 0 and math.isfinite(self.latency_bound_s),
             "--latency-bound-ms must be a positive number"),
            (0 < self.percentile < 1, "--percentile must be between 0 and 100 (exclusive)"),
            (self.min_duration_s >= 0 and math.isfinite(self.min_duration_s), "--min-duration-s must be >= 0"),
            (self.min_queries >= 1, "--min-queries must be >= 1"),
            (self.max_duration_s >= self.min_duration_s, "--max-duration-s must be >= --min-duration-s"),
            (self.max_batch >= 1, "--max-batch must be >= 1"),
            (self.batch_timeout_s >= 0 and math.isfinite(self.batch_timeout_s), "--batch-timeout-ms must be >= 0"),
            (self.max_probes >= 2, "the rate search needs at least 2 probes"),
        )
        for ok, message in checks:
            if not ok:
                raise UserError(message)


def arrivals_s(qps: float, count: int, seed: int) -> np.ndarray:
    """Issue times (s from the start) of ``count`` queries of a Poisson process at ``qps``."""
    gaps = np.random.default_rng(seed).exponential(1.0 / qps, size=count)
    return np.cumsum(gaps) - gaps[0]  # the first query arrives at t = 0


def early_verdict(n: int, over: int, percentile: float, confidence: float = EARLY_STOP_CONFIDENCE) -> str:
    """``VALID``/``INVALID`` when ``over`` of ``n`` queries beyond the bound already decides the
    percentile at ``confidence`` (one-sided binomial tests), else ``""``."""
    if n == 0:
        return ""
    from scipy.stats import binom

    q = 1.0 - percentile
    alpha = 1.0 - confidence
    if binom.cdf(over, n, q) <= alpha:  # so few slow queries are unlikely if the rate were q
        return "VALID"
    if binom.sf(over - 1, n, q) <= alpha:  # so many are unlikely if the rate were q
        return "INVALID"
    return ""


@dataclass(frozen=True)
class QueryLog:
    """Every query's issue, start and end time (s from the run's start); latency = end - issue."""

    issue_s: np.ndarray
    start_s: np.ndarray
    end_s: np.ndarray

    @property
    def latency_s(self) -> np.ndarray:
        return self.end_s - self.issue_s

    @property
    def n(self) -> int:
        return int(self.issue_s.size)


@dataclass(frozen=True)
class ServerResult:
    """One server run: its queries, the rule that ended it and its verdict."""

    target_qps: float
    log: QueryLog
    stop_rule: str
    verdict: str
    reason: str
    percentile_latency_s: float
    achieved_qps: float
    batches: int
    extra: dict[str, float] = field(default_factory=dict)

    def summary(self) -> dict[str, object]:
        """The probe as stored in ``Measurement.scenario_detail`` (no per-query arrays)."""
        return {"target_qps": self.target_qps, "achieved_qps": self.achieved_qps, "verdict": self.verdict,
                "reason": self.reason, "percentile_latency_s": self.percentile_latency_s, "queries": self.log.n,
                "batches": self.batches, "stop_rule": self.stop_rule, **self.extra}


def judge(target_qps: float, log: QueryLog, policy: ServerPolicy, stop_rule: str, batches: int,
          early: str = "") -> ServerResult:
    """The verdict of a finished run from its query log."""
    latencies = log.latency_s
    p = float(np.quantile(latencies, policy.percentile)) if latencies.size else math.inf
    span = float(log.end_s.max() - log.issue_s.min()) if latencies.size else 0.0
    achieved = log.n / span if span > 0 else 0.0
    label = f"p{100 * policy.percentile:g}"
    bound_ms = 1e3 * policy.latency_bound_s
    verdict = early or ("VALID" if p <= policy.latency_bound_s else "INVALID")
    if verdict == "VALID":
        reason = f"{label} latency {1e3 * p:.3g} ms <= bound {bound_ms:g} ms at {achieved:.4g} queries/s"
    else:
        reason = f"{label} latency {1e3 * p:.3g} ms > bound {bound_ms:g} ms at {target_qps:.4g} offered queries/s"
        if achieved < 0.9 * target_qps:
            reason += f" (served only {achieved:.4g}/s: the server cannot keep up)"
    if early:
        reason += f"; decided early ({stop_rule})"
    return ServerResult(target_qps, log, stop_rule, verdict, reason, p, achieved, batches)


def stop_rule(elapsed_s: float, n: int, over: int, policy: ServerPolicy) -> tuple[str, str]:
    """(rule that ends the run, early verdict) or ("", "") to go on."""
    if elapsed_s >= policy.max_duration_s:
        return f"max duration {policy.max_duration_s:g} s", ""
    if elapsed_s < policy.min_duration_s:
        return "", ""
    if n >= policy.min_queries:
        return f"min duration {policy.min_duration_s:g} s and {policy.min_queries} queries", ""
    if policy.early_stopping:
        verdict = early_verdict(n, over, policy.percentile)
        if verdict:
            return f"early stopping after {n} queries (binomial test, {EARLY_STOP_CONFIDENCE:.0%})", verdict
    return "", ""


def simulate_pipeline(qps: float, latency_s: float, ii_s: float, policy: ServerPolicy, seed: int) -> ServerResult:
    """A modeled server: one query accepted every ``ii_s``, answered ``latency_s`` after it starts.

    Runs the same arrival process as a real server for ``max(min_queries, min_duration x qps)``
    queries (no clock: the run ends by count, and says so)."""
    if qps * ii_s >= 1.0:  # utilisation >= 1: the queue grows without bound, whatever the duration
        empty = np.empty(0)
        return ServerResult(qps, QueryLog(empty, empty, empty), "offered load beyond the modeled capacity", "INVALID",
                            f"offered {qps:.4g} queries/s exceeds the design's capacity 1/II = {1 / ii_s:.4g}/s: "
                            "the queue grows without bound", math.inf, 1.0 / ii_s, 0)
    count = min(max(policy.min_queries, math.ceil(policy.min_duration_s * qps)), MAX_SIMULATED_QUERIES)
    issue = arrivals_s(qps, count, seed)
    # start_i = max(issue_i, start_{i-1} + II) unrolls to i*II + max_{j<=i}(issue_j - j*II).
    steps = np.arange(count) * ii_s
    start = steps + np.maximum.accumulate(issue - steps)
    log = QueryLog(issue, start, start + latency_s)
    rule = f"simulated queue: {count} queries against modeled latency {latency_s:.3g} s and II {ii_s:.3g} s"
    return judge(qps, log, policy, rule, batches=count)


def next_probe(probes: Sequence[ServerResult], capacity_qps: float) -> float | None:
    """The next rate to try in a search for the highest VALID rate, or None when done.

    Starts at half the estimated capacity, doubles while VALID, then bisects between the best
    VALID and the lowest INVALID rate until they are within 5 % of each other.
    """
    if not probes:
        return max(capacity_qps / 2.0, 1e-3)
    valid = [p.target_qps for p in probes if p.verdict == "VALID"]
    invalid = [p.target_qps for p in probes if p.verdict != "VALID"]
    if not invalid:
        return max(valid) * 2.0
    hi = min(invalid)
    below = [v for v in valid if v < hi]
    if not below:
        lowest = min(p.target_qps for p in probes)
        return lowest / 4.0 if lowest > 1e-3 else None
    lo = max(below)
    if (hi - lo) / hi < 0.05:
        return None
    return (lo + hi) / 2.0


def best_valid(probes: Sequence[ServerResult]) -> ServerResult | None:
    """The VALID probe with the highest offered rate (None when none was VALID)."""
    valid = [p for p in probes if p.verdict == "VALID"]
    return max(valid, key=lambda p: p.target_qps) if valid else None
