"""Where a series changed level: change points from ``ruptures``, each judged like a comparison.

Detection. The series is taken in log space (a slowdown is a ratio) and handed to
``ruptures.Pelt`` with the ``l2`` cost (a change in mean) and ``min_size=1`` (one run after a
commit is enough to see a step). The penalty is a BIC-like ``PENALTY_FACTOR * sigma**2 * log(n)``
where ``sigma`` is the series' noise in log units: the largest of a between-run floor
(:data:`BETWEEN_RUN_FLOOR`), the points' own median-CI widths, and — with enough points — the
robust spread of successive differences. The detector is ruptures'; nothing here finds steps.

Judgement. For each change point, the size is the ratio of the median level of the segment after
it to the segment before it, minus one. Its 95 % interval comes from a hierarchical bootstrap:
the points of each segment are resampled with replacement, and each drawn point's value is
perturbed by its own uncertainty (its median CI, widened by the between-run floor), so a segment
of one run still carries that run's noise. A step is

* ``inconclusive`` when :func:`accelbench.results.rank.inconclusive_reason` objects to any record
  on either side (timing verdict not ``ok``, provenance class changes);
* else a ``regression`` or ``improvement`` (by the metric's direction) when its interval excludes
  zero and its size exceeds the minimum effect; steps within the noise are dropped.

The commit range of a step is (last commit before, first commit after]: the change happened in a
commit after the first and up to the second.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from accelbench.results.history import Point, Series
from accelbench.results.rank import inconclusive_reason

#: Relative level change between runs of unchanged code that we always allow (log units ~ relative).
BETWEEN_RUN_FLOOR = 0.02
#: Multiplier of the BIC-like penalty sigma**2 * log(n).
PENALTY_FACTOR = 3.0
#: Smallest relative step reported (what reruns of unchanged code move by on a quiet machine).
MIN_EFFECT = 0.05
#: Bootstrap replicates and the fixed seed (reports are repeatable).
BOOTSTRAP = 2000
SEED = 20240601
#: Points needed before the series' own successive differences inform the noise estimate.
MIN_POINTS_FOR_SPREAD = 8
VERDICTS = ("regression", "improvement", "inconclusive")


@dataclass(frozen=True)
class Step:
    """A change of level between ``points[index - 1]`` and ``points[index]`` of a series.

    ``size`` is relative (+0.5 = 50 % higher value after), ``interval`` its 95 % bootstrap
    interval; ``before``/``after`` are the segments' [start, end) point indices.
    """

    index: int
    size: float
    interval: tuple[float, float]
    verdict: str
    reason: str
    before: tuple[int, int]
    after: tuple[int, int]
    commit_before: str | None
    commit_after: str | None
    run_before: str
    run_after: str
    level_before: float
    level_after: float
    environment_changes: tuple[str, ...] = ()

    @property
    def conclusive(self) -> bool:
        return self.verdict != "inconclusive"

    def commit_range(self) -> str:
        """``a..b`` (short ids, git's notation: after ``a``, up to and including ``b``)."""
        def short(commit: str | None, run: str) -> str:
            return commit[:12] if commit else f"run {run}"
        return f"{short(self.commit_before, self.run_before)}..{short(self.commit_after, self.run_after)}"

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index, "size": self.size, "interval": list(self.interval), "verdict": self.verdict,
            "reason": self.reason, "commit_before": self.commit_before, "commit_after": self.commit_after,
            "commit_range": self.commit_range(), "run_before": self.run_before, "run_after": self.run_after,
            "level_before": self.level_before, "level_after": self.level_after,
            "segment_before": list(self.before), "segment_after": list(self.after),
            "environment_changes": list(self.environment_changes),
        }


def _point_sd(point: Point) -> float:
    """A point's uncertainty in log units: its median CI half-width (~2 sd) with the between-run floor."""
    within = (point.ci_rel or 0.0) / 1.96
    return math.sqrt(within**2 + BETWEEN_RUN_FLOOR**2)


def noise_sigma(points: Sequence[Point]) -> float:
    """The series' noise in log units (see the module docstring)."""
    import numpy as np

    within = [p.ci_rel / 1.96 for p in points if p.ci_rel]
    sigma = max(BETWEEN_RUN_FLOOR, float(np.median(within)) if within else 0.0)
    if len(points) >= MIN_POINTS_FOR_SPREAD:
        diffs = np.diff(np.log([p.value for p in points]))
        mad = float(np.median(np.abs(diffs - np.median(diffs))))
        sigma = max(sigma, mad / (0.6745 * math.sqrt(2)))
    return sigma


def change_points(points: Sequence[Point]) -> list[int]:
    """Indices ``i`` where a new level starts at ``points[i]`` (ruptures PELT, l2 cost, min_size 1)."""
    import numpy as np
    import ruptures

    n = len(points)
    if n < 2:
        return []
    signal = np.log([p.value for p in points]).reshape(-1, 1)
    penalty = PENALTY_FACTOR * noise_sigma(points) ** 2 * math.log(max(n, 3))
    ends = ruptures.Pelt(model="l2", min_size=1, jump=1).fit(signal).predict(pen=penalty)
    return [int(end) for end in ends[:-1]]


def _segment_levels(points: Sequence[Point], rng: Any) -> Any:
    """``BOOTSTRAP`` bootstrap draws of a segment's median log level."""
    import numpy as np

    logs = np.log([p.value for p in points])
    sds = np.array([_point_sd(p) for p in points])
    picks = rng.integers(0, len(points), size=(BOOTSTRAP, len(points)))
    draws = logs[picks] + rng.standard_normal(picks.shape) * sds[picks]
    return np.median(draws, axis=1)


def _level(points: Sequence[Point]) -> float:
    import numpy as np

    return float(np.median([p.value for p in points]))


def _inconclusive(points: Sequence[Point], index: int, before: tuple[int, int], after: tuple[int, int],
                  figure: str) -> str:
    reference = points[index - 1].record
    for i in range(before[0], after[1]):
        reason = inconclusive_reason(reference, points[i].record, figure)
        if reason:
            return f"{points[i].run.commit_id or points[i].run.run_id}: {reason}"
    return ""


def judge(series: Series, index: int, before: tuple[int, int], after: tuple[int, int],
          min_effect: float = MIN_EFFECT, seed: int = SEED) -> Step | None:
    """The step at ``index`` between segments ``before`` and ``after``; None when it is within the
    noise (interval covering zero or size within ``min_effect``) and conclusive."""
    import numpy as np

    points = series.points
    left, right = points[before[0]:before[1]], points[after[0]:after[1]]
    level_a, level_b = _level(left), _level(right)
    size = level_b / level_a - 1
    rng = np.random.default_rng(seed + index)
    ratios = np.exp(_segment_levels(right, rng) - _segment_levels(left, rng)) - 1
    low, high = (float(v) for v in np.percentile(ratios, [2.5, 97.5]))
    if abs(size) <= min_effect:
        return None
    reason = _inconclusive(points, index, before, after, series.metric.provenance_key)
    if reason:
        verdict = "inconclusive"
    elif low <= 0 <= high:
        return None
    else:
        worse = size > 0 if series.metric.lower_is_better else size < 0
        verdict = "regression" if worse else "improvement"
    return Step(index, size, (low, high), verdict, reason, before, after, points[index - 1].run.commit_id,
                points[index].run.commit_id, points[index - 1].run.run_id, points[index].run.run_id, level_a,
                level_b, points[index].changes)


def detect_steps(series: Series, min_effect: float = MIN_EFFECT) -> list[Step]:
    """The steps of ``series`` beyond its noise, in order."""
    cuts = change_points(series.points)
    bounds = [0, *cuts, len(series.points)]
    steps = []
    for i, index in enumerate(cuts, start=1):
        step = judge(series, index, (bounds[i - 1], index), (index, bounds[i + 1]), min_effect)
        if step is not None:
            steps.append(step)
    return steps
