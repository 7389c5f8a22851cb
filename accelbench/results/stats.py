"""Pure statistics over raw samples (seconds). No I/O, no timing, no globals.

The one place these figures are computed: the runner (measure/), ingest and compare (results/) all use
it, so a stored p50 means the same thing whichever path made it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from accelbench.results.record import LatencyStats


def summarize(samples_s: Sequence[float]) -> LatencyStats:
    """Percentiles (linear interpolation), mean, min, max, stdev and IQR of ``samples_s``."""
    if len(samples_s) == 0:
        raise ValueError("cannot summarise zero samples")
    x = np.asarray(samples_s, dtype=np.float64)
    p25, p50, p75, p90, p99 = np.percentile(x, [25, 50, 75, 90, 99])
    return LatencyStats(
        p50_s=float(p50),
        p90_s=float(p90),
        p99_s=float(p99),
        mean_s=float(x.mean()),
        min_s=float(x.min()),
        max_s=float(x.max()),
        stdev_s=float(x.std(ddof=1)) if len(x) > 1 else 0.0,
        iqr_s=float(p75 - p25),
        n_samples=len(x),
    )


def median_ci(samples_s: Sequence[float], z: float = 1.96) -> tuple[float, float]:
    """Distribution-free confidence interval of the median from order statistics.

    The ranks ``n/2 -+ z*sqrt(n)/2`` bracket the median with ~95 % coverage for ``z = 1.96``
    (binomial approximation); valid for any continuous distribution, so it suits skewed
    latency samples where a mean +- stdev interval does not.
    """
    n = len(samples_s)
    if n == 0:
        raise ValueError("cannot bound the median of zero samples")
    x = np.sort(np.asarray(samples_s, dtype=np.float64))
    half = z * math.sqrt(n) / 2.0
    lo = max(math.floor(n / 2.0 - half), 0)
    hi = min(math.ceil(n / 2.0 + half), n - 1)
    return float(x[lo]), float(x[hi])


def relative_noise(samples_s: Sequence[float], z: float = 1.96) -> float:
    """Relative half-width of the median's confidence interval (``inf`` below 3 samples).

    The same order statistics as :func:`median_ci`, from one sort.
    """
    return relative_noise_sorted(sorted(samples_s), z)


def relative_noise_sorted(x: Sequence[float], z: float = 1.96) -> float:
    """:func:`relative_noise` of samples already in ascending order: O(1), no sort (the runner keeps
    its samples sorted as they arrive, so the stop test costs nothing between samples)."""
    n = len(x)
    if n < 3:
        return math.inf
    half = z * math.sqrt(n) / 2.0
    lo = x[max(math.floor(n / 2.0 - half), 0)]
    hi = x[min(math.ceil(n / 2.0 + half), n - 1)]
    med = x[n // 2] if n % 2 else (x[n // 2 - 1] + x[n // 2]) / 2.0
    if med <= 0:
        return math.inf
    return float(hi - lo) / (2.0 * med)
