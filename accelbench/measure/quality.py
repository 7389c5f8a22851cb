"""The timing-quality verdict: is a measurement trustworthy (``ok``), ``noisy`` or ``contended``?

Pure functions over the kept samples and the contention counters (no I/O, no timing):

* ``contended`` — the worst thread of the process waited in the run queue for more than
  ``RunPolicy.contention_threshold`` of the samples' wall time (after contended samples were
  dropped and re-taken as far as the retries and the budget allowed);
* ``noisy`` — the median's 95 % confidence interval stayed wider than ``target_rel_noise``, or
  the tail is far from the median (mean / p50 > ``max_mean_ratio`` or p99 / p50 >
  ``max_tail_ratio``: a p50 of 29 µs with a mean of 1.8 ms is not a clean distribution whatever
  the median's CI says), or the medians of
  the worker processes disagree by more than the target;
* ``ok`` otherwise.

See docs/timing-quality.md.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from accelbench.measure.contention import ContentionSummary
from accelbench.measure.policy import RunPolicy
from accelbench.results.record import Quality
from accelbench.results.stats import relative_noise


def sample_is_contended(fraction: float | None, policy: RunPolicy) -> bool:
    """True when one sample's worst-thread wait fraction is above the policy's threshold."""
    return fraction is not None and fraction > policy.contention_threshold


def tail_ratios(samples_s: Sequence[float]) -> tuple[float, float]:
    """(mean / p50, p99 / p50) of the samples (``inf`` for a non-positive median)."""
    x = np.asarray(samples_s, dtype=np.float64)
    p50, p99 = np.percentile(x, [50, 99])
    return (float(x.mean() / p50), float(p99 / p50)) if p50 > 0 else (math.inf, math.inf)


def tail_ratio(samples_s: Sequence[float]) -> float:
    """``max(p99, mean) / p50`` of the samples (``inf`` for a non-positive median)."""
    x = np.asarray(samples_s, dtype=np.float64)
    p50, p99 = np.percentile(x, [50, 99])
    return float(max(p99, x.mean()) / p50) if p50 > 0 else math.inf


def between_process_rel(medians_s: Sequence[float]) -> float | None:
    """Spread of the worker processes' medians: sample stdev over their median (None below 2)."""
    if len(medians_s) < 2:
        return None
    x = np.asarray(medians_s, dtype=np.float64)
    centre = float(np.median(x))
    return float(x.std(ddof=1) / centre) if centre > 0 else math.inf


def _pct(fraction: float) -> str:
    return f"{100 * fraction:.0f} %" if fraction >= 0.01 else f"{100 * fraction:.1f} %"


def judge(
    samples_s: Sequence[float],
    contention: ContentionSummary | None,
    policy: RunPolicy,
    *,
    threads_used: int = 1,
    process_medians_s: Sequence[float] = (),
) -> Quality:
    """The :class:`Quality` of a measurement from its kept samples and counters."""
    if not samples_s:
        raise ValueError("cannot judge a measurement without samples")
    summary = contention or ContentionSummary("none")
    ci = relative_noise(samples_s)
    tail = tail_ratio(samples_s)
    mean_ratio, p99_ratio = tail_ratios(samples_s)
    spread = between_process_rel(process_medians_s)
    delay = summary.run_delay_fraction
    utilisation = (summary.cpu_ns / summary.wall_ns / max(threads_used, 1)
                   if summary.cpu_ns is not None and summary.wall_ns > 0 else None)
    verdict = "ok"
    reason = ""
    if delay is not None and delay > policy.contention_threshold:
        verdict = "contended"
        reason = (f"threads waited {_pct(delay)} of the time for a CPU; another process is competing "
                  f"(threshold {_pct(policy.contention_threshold)}, counters: {summary.source})")
        if summary.retries:
            reason += f"; {summary.retries} contended sample(s) re-taken, contention persisted"
    elif not ci <= policy.target_rel_noise:
        verdict = "noisy"
        reason = (f"the median's 95 % CI is ±{ci:.1%}, wider than the target {policy.target_rel_noise:.1%}"
                  if math.isfinite(ci) else f"too few samples ({len(samples_s)}) to bound the median")
    elif mean_ratio > policy.max_mean_ratio or p99_ratio > policy.max_tail_ratio:
        verdict = "noisy"
        reason = (f"the tail is far from the median: the mean is {mean_ratio:.2f}x and the p99 {p99_ratio:.1f}x "
                  f"the p50 (limits {policy.max_mean_ratio:g}x and {policy.max_tail_ratio:g}x)")
    elif spread is not None and spread / math.sqrt(len(process_medians_s)) > policy.target_rel_noise:
        verdict = "noisy"
        reason = (f"the {len(process_medians_s)} worker processes' medians differ by {spread:.1%} "
                  f"(relative stdev), more than the target {policy.target_rel_noise:.1%} allows")
    return Quality(
        verdict=verdict,  # type: ignore[arg-type]
        run_delay_fraction=delay,
        run_delay_fraction_mean=summary.run_delay_fraction_mean,
        ci_rel=ci if math.isfinite(ci) else None,
        tail_ratio=tail if math.isfinite(tail) else None,
        cpu_utilisation=utilisation,
        involuntary_switches=summary.involuntary,
        source=summary.source,
        reason=reason,
        retries=summary.retries,
        dropped_samples=summary.dropped,
        processes=max(len(process_medians_s), 1),
        between_process_rel=spread,
    )


def judge_summary(p50_s: float, iqr_s: float, rounds: int, mean_s: float | None, policy: RunPolicy) -> Quality:
    """A :class:`Quality` from summary statistics only (a pytest-benchmark file saved without its
    samples): the median's 95 % CI half-width is approximated as ``1.57 IQR / sqrt(n)`` (McGill,
    Tukey & Larsen 1978, the box-plot notch), the tail by mean / p50; no counters (``none``)."""
    if p50_s <= 0 or rounds < 1:
        raise ValueError("cannot judge a summary without a positive median and at least one round")
    ci = 1.57 * iqr_s / math.sqrt(rounds) / p50_s
    mean_ratio = mean_s / p50_s if mean_s is not None and math.isfinite(mean_s) else None
    verdict, reason = "ok", ""
    if rounds < 3:
        verdict, reason = "noisy", f"too few rounds ({rounds}) to bound the median"
    elif ci > policy.target_rel_noise:
        verdict, reason = "noisy", (f"the median's 95 % CI is about ±{ci:.1%} (from the IQR), wider than the "
                                    f"target {policy.target_rel_noise:.1%}")
    elif mean_ratio is not None and mean_ratio > policy.max_mean_ratio:
        verdict, reason = "noisy", (f"the tail is far from the median: the mean is {mean_ratio:.2f}x the p50 "
                                    f"(limit {policy.max_mean_ratio:g}x)")
    return Quality(verdict=verdict, ci_rel=ci, tail_ratio=mean_ratio, source="none",  # type: ignore[arg-type]
                   reason=reason)
