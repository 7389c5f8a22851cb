"""Host timing and the timer's own overhead."""

from __future__ import annotations

import time
from functools import cache

import numpy as np

now_s = time.perf_counter


@cache
def timer_overhead_s() -> float:
    """Median cost of one pair of ``perf_counter`` calls on this machine (seconds)."""
    pairs = np.empty(2000)
    for i in range(pairs.size):
        t0 = now_s()
        pairs[i] = now_s() - t0
    return float(np.median(pairs))


def timer_resolution_s() -> float:
    """The clock's advertised resolution (seconds)."""
    return float(time.get_clock_info("perf_counter").resolution)
